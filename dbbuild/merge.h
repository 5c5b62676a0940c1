/*
 * merge.h - from validated records to vulnerabilities: duplicate IDs resolved
 * by `modified`, then records linked through their aliases merged into
 * groups (union-find over every ID), each named by a primary ID. The rules
 * are in docs/matching.md.
 */
#ifndef AIRLOCK_MERGE_H
#define AIRLOCK_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbbuild/osv_record.h"

/* A record as read, with where it came from. */
typedef struct osv_entry {
    osv_record rec;
    char *origin;      /* owned; see dbbuild/osv_source.h */
    size_t source;     /* index of the build input */
    bool superseded;   /* another record with the same ID won */
    /* The record's summary, details and references, moved to a spill file
     * (dbbuild/spill.h) while the build runs; rec.summary, rec.details and
     * rec.refs are then empty. Encoded as in dbwriter.c. */
    uint64_t text_off;
    size_t text_len;
} osv_entry;

typedef struct osv_group {
    size_t *recs;      /* entry indices: the primary first, then by ID */
    size_t n_recs;
    char **ids;        /* every ID and alias, sorted, unique (borrowed from the entries) */
    size_t n_ids;
} osv_group;

typedef struct merge_result {
    osv_group *groups; /* sorted by primary ID; a group's number is its index */
    size_t n_groups;
    size_t n_ids;      /* sum of n_ids */
} merge_result;

/* Among entries with the same ID keep the one with the latest `modified`
 * (the one read last on a tie) and mark the others superseded. Returns how
 * many were superseded. */
size_t merge_dedup(osv_entry *e, size_t n);

/* Group the entries that are neither superseded nor withdrawn. The result
 * borrows the entries' strings: keep them alive while it is used. */
void merge_groups(const osv_entry *e, size_t n, merge_result *out);

void merge_result_clear(merge_result *m);

/* The primary-ID preference: <0 if `a` is preferred over `b`. PYSEC first,
 * then GHSA, then CVE, then any other prefix; ties by byte order. */
int merge_id_preference(const char *a, const char *b);

#endif
