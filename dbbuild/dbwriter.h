/*
 * dbwriter.h - write grouped records as the LMDB database read by
 * db/vulndb.h (layout: db/vulndb_format.h, docs/database-schema.md).
 */
#ifndef AIRLOCK_DBWRITER_H
#define AIRLOCK_DBWRITER_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "dbbuild/index_dir.h"
#include "dbbuild/merge.h"
#include "dbbuild/progress.h"
#include "dbbuild/spill.h"

/* What the metadata says about one build input. */
typedef struct db_source_meta {
    const char *name;
    char sha256[65];
    uint64_t records, kept, skipped, withdrawn, merged, other_ecosystem;
} db_source_meta;

/* What the metadata says about one --index DIR. */
typedef struct db_index_meta {
    const char *name;
    char sha256[65];
    uint64_t projects, releases;
} db_index_meta;

typedef struct db_write_info {
    int64_t build_time;
    uint64_t records;   /* kept records */
    uint64_t packages;  /* out: distinct package names written */
    progress *progress; /* where to show progress; NULL: nowhere */
    /* Release data (--index): with n_indexes > 0 the "rel" database and the
     * "indexes" metadata are written from `index` (finished: sorted, one
     * entry a name); with none, neither exists. */
    const index_set *index;
    const db_index_meta *indexes;
    size_t n_indexes;
} db_write_info;

/* The spilled texts of one record: str summary, str details, varint n_refs,
 * then str type, str url per reference. */
void dbwriter_encode_texts(const osv_record *r, buf *out);

/* Write a new database file `mdb_path` (must not exist). Everything is
 * appended in key order, in transactions of a bounded size, so the same
 * input gives the same bytes. The file is written as "<mdb_path>.tmp" and
 * renamed when complete. `texts` holds the entries' spilled
 * texts (see osv_entry). */
int dbwriter_write(const char *mdb_path, const osv_entry *e, const merge_result *m, spill *texts,
                   const db_source_meta *src, size_t nsrc, db_write_info *info,
                   airlock_error *err);

#endif
