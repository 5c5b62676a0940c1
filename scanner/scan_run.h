/*
 * scan_run.h - the part of a scan that `airlock scan` and `airlock fix`
 * share: the database checked before anything is read (fail closed), the
 * report's header, the inputs read, matched, and the ignore lists applied.
 * What each command then does with the report is its own.
 *
 * The database's digest (a hash of all of data.mdb) is compared in a thread
 * while the inputs are read: scan_db_open() starts it, scan_collect() waits
 * for it after reading and only then opens the database.
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

/* The installed database: the store, and once scan_collect() has seen its
 * digest match, the database (NULL until then). */
typedef struct scan_db {
    char *dir;
    store *st;
    vulndb *db;
} scan_db;

/* Open the store of --db-dir (or the default) with everything checked but
 * the digest, which is compared in a thread until scan_collect() (a
 * missing, unsigned or untrusted database fails here, before any input is
 * read); refuse it when older than `max_db_age` days (-1: no limit; a
 * database past its own expiry is a warning); fill r's version, time
 * (`now`) and host name. Nothing is read from the database yet: out->db is
 * NULL. Errors are printed with `cmd` ("airlock scan") before -1 is
 * returned; close `out` in every case (it waits for the thread). */
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

/* Read the inputs into `r` (warnings through `d`) and load the ignore
 * files; then wait for the database's digest and, once it matched, open
 * the database (sdb->db) and fill r's provenance; then match every
 * dependency and mark the ignored findings (expired entries are listed in
 * r and printed). A digest that does not match is an error even when an
 * input failed too: it is printed first, then the input's. Errors are
 * printed with `cmd` before -1 is returned (exit 2: no report). */
int scan_collect(const char *cmd, const scan_input_options *in, const scan_policy *p,
                 scan_db *sdb, int64_t now, scan_report *r, diag *d);

#endif
