/*
 * compile.h - compile advisory sources into the LMDB database of a snapshot.
 *
 * The layout of the database is documented in docs/database-schema.md and
 * read back by db/vulndb.h.
 */
#ifndef AIRLOCK_COMPILE_H
#define AIRLOCK_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/diag.h"
#include "core/error.h"
#include "dbbuild/progress.h"

typedef struct compile_options {
    bool strict;      /* a malformed or unreadable record is fatal, not a warning */
    progress *progress; /* where to show progress; NULL: nowhere */
    int64_t build_time; /* seconds since the epoch, stored in the metadata */
    const char *const *indexes; /* --index DIRs (dbbuild/index_dir.h), or none */
    size_t n_indexes;
    /* Per source, its name in the database (--source-name), or NULL (or
     * no array) for the default: the last component of its path with
     * symbolic links, "." and ".." resolved ("pypa-advisory-database",
     * "PyPI-all.zip"), whatever path it was given by. An --index DIR is
     * named the same way. */
    const char *const *source_names;
} compile_options;

typedef struct compile_totals {
    uint64_t records_kept;
    uint64_t records_skipped;   /* malformed, or a record file that did not parse */
    uint64_t records_withdrawn;
    uint64_t records_other_ecosystem;
    uint64_t records_merged;    /* duplicate IDs, superseded by a later modified */
    uint64_t groups;            /* vulnerabilities after alias merging */
    uint64_t packages;
    uint64_t index_projects;    /* release data: projects, releases, files kept */
    uint64_t index_releases;
    uint64_t index_files;
    uint64_t index_pages_skipped; /* pages not used (each warned about) */
    uint64_t index_items_dropped; /* files and versions inside pages dropped (warned) */
} compile_totals;

/* Compile `nsources` sources into a new LMDB environment written to the file
 * `mdb_path` (MDB_NOSUBDIR; the file must not exist). Deterministic: the same
 * sources (contents and names, in the same order) and options give a
 * byte-identical file, whatever paths name them, the working directory, the
 * order of directory listings, file times, umask, TZ or locale. Two sources
 * with one name are a warning through `d`. */
int compile_sources(const char *const *sources, size_t nsources,
                    const compile_options *opt, const char *mdb_path,
                    diag *d, compile_totals *totals, airlock_error *err);

/* Print the database's metadata and counts (sources with their SHA-256 and
 * record counts, groups, packages, schema version) to `out`, for
 * `airlock-dbbuild inspect`. */
int db_describe(const char *mdb_path, FILE *out, airlock_error *err);

#endif
