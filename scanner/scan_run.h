/*
 * scan_run.h - the part of a scan that `airlock scan` and `airlock fix`
 * share: the database opened and checked before anything is read (fail
 * closed), the report's header, the inputs read, matched, and the ignore
 * lists applied. What each command then does with the report is its own.
 */
#ifndef AIRLOCK_SCAN_RUN_H
#define AIRLOCK_SCAN_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "db/vulndb.h"
#include "scanner/commands.h"
#include "scanner/ignore.h"
#include "scanner/inputs/scan_inputs.h"
#include "scanner/results.h"
#include "signatures/store.h"

/* The installed database, open. */
typedef struct scan_db {
    char *dir;
    store *st;
    vulndb *db;
} scan_db;

/* Open the store of --db-dir (or the default), refuse it when older than
 * `max_db_age` days (-1: no limit; a database past its own expiry is a
 * warning), open the database and fill r's provenance, version, time
 * (`now`) and host name. Errors are printed with `cmd` ("airlock scan")
 * before -1 is returned; close `out` in every case. */
int scan_db_open(const char *cmd, const airlock_globals *g, int max_db_age, int64_t now,
                 scan_report *r, scan_db *out);
void scan_db_close(scan_db *s);

/* How findings are accepted. */
typedef struct scan_policy {
    const ignore_list *ignores;       /* --ignore-vuln */
    const char **ignore_files;        /* --ignore-file, in order */
    size_t n_ignore_files;
    bool strict;                      /* a warning in the inputs is an error */
} scan_policy;

/* Read the inputs into `r` (warnings through `d`), load the ignore files,
 * match every dependency against `db` and mark the ignored findings
 * (expired entries are listed in r and printed). Errors are printed with
 * `cmd` before -1 is returned. */
int scan_collect(const char *cmd, const scan_input_options *in, const scan_policy *p,
                 vulndb *db, int64_t now, scan_report *r, diag *d);

#endif
