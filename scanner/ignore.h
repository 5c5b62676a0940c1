/*
 * ignore.h - vulnerabilities the user has decided to accept.
 *
 * Entries come from --ignore-vuln ID and from ignore files, one entry a line:
 *
 *     # comment
 *     ID [until=YYYY-MM-DD] [reason...]
 *
 * An entry matches a finding whose primary ID or any alias equals ID (ASCII
 * case-insensitively). An entry with `until` applies up to and including
 * that day (UTC); after it, the entry no longer applies and is reported as
 * expired, so that an acceptance cannot silently outlive its review date.
 * Ignored findings stay in every report, flagged, and never change the exit
 * status.
 */
#ifndef AIRLOCK_IGNORE_H
#define AIRLOCK_IGNORE_H

#include <stddef.h>

#include "core/diag.h"
#include "core/error.h"
#include "scanner/results.h"

/* Longest ID accepted in an entry. */
#define IGNORE_ID_MAX 128
/* Largest ignore file read. */
#define IGNORE_FILE_MAX (4u << 20)

typedef struct ignore_entry {
    char *id;
    char *until;   /* "YYYY-MM-DD", or NULL for no end */
    char *reason;  /* NULL when none was given */
    char *file;    /* ignore file, or NULL for --ignore-vuln */
    unsigned line; /* 1-based line in `file`; 0 for --ignore-vuln */
} ignore_entry;

/* A list of entries; a zeroed list is empty and valid. Owns its entries. */
typedef struct ignore_list {
    ignore_entry *items;
    size_t len;
    size_t cap;
} ignore_list;

void ignore_list_free(ignore_list *l);

/* Add the entry of one --ignore-vuln ID. Returns -1 with a message if ID is
 * not a plausible vulnerability ID (empty, too long, or with characters
 * other than letters, digits and ".-_:+"). */
int ignore_add_id(ignore_list *l, const char *id, airlock_error *err);

/* Parse the text of an ignore file named `file` (`len` bytes, no NUL
 * needed). A malformed line is a warning through `d` naming file:line and
 * is skipped. Never fails: returns the number of entries added. */
size_t ignore_parse(ignore_list *l, const char *file, const char *text, size_t len,
                    diag *d);

/* Read and parse the ignore file at `path`. Returns -1 with a message only
 * if the file cannot be read (malformed lines are warnings). */
int ignore_load(ignore_list *l, const char *path, diag *d, airlock_error *err);

/* True if `date` is a valid calendar date written YYYY-MM-DD. */
int ignore_date_valid(const char *date, size_t len);

/* Apply the list to every finding of `r` as of the day `today`
 * ("YYYY-MM-DD", UTC): mark matching findings ignored (with the first
 * matching entry's reason and end date), and append each expired entry to
 * r->expired with a warning through `d`. */
void ignore_apply(const ignore_list *l, const char *today, scan_report *r, diag *d);

#endif
