/*
 * osv_source.h - reading OSV records out of the inputs of a build.
 *
 * A source is a directory tree of OSV JSON (*.json) or YAML (*.yaml, *.yml)
 * files, or an archive (.zip, .tar.gz, .tar.zst, ...) of them read as a
 * stream with libarchive, never unpacked to disk. Each record is handed to a
 * callback as a cJSON tree; YAML is converted to the same tree (scalars
 * become JSON strings except plain null/true/false, so "1.10" stays "1.10").
 * Files are visited in a deterministic order (sorted paths for directories,
 * archive order for archives).
 */
#ifndef AIRLOCK_OSV_SOURCE_H
#define AIRLOCK_OSV_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/error.h"

/* Called once per record. `origin` names the record, for messages and for
 * the database: "NAME" for a single file, "NAME/rel/path.yaml" in a tree,
 * or "NAME:member/path.json" in an archive, where NAME is the source's
 * name (osv_source_read_as; its path as given for osv_source_read), so an
 * origin never depends on where the source sits unless NAME does. Filtered
 * by core/text.h. The callback borrows `record`
 * (freed after it returns) unless it detaches it. Returning -1 stops the
 * read and the error is passed back. */
typedef int (*osv_record_fn)(void *arg, const char *origin, cJSON *record,
                             airlock_error *err);

typedef struct osv_source_info {
    char sha256[65];     /* hex; see osv_source_read() for what is hashed */
    uint64_t files;      /* record files seen */
    uint64_t unreadable; /* record files not read or that did not parse
                          * (each warned about): symbolic links and archive
                          * entries without a readable name included */
    uint64_t bytes;      /* bytes of record text read */
    uint64_t ignored;    /* other files and entries, skipped silently */
} osv_source_info;

/* A record file larger than this is a warning and is skipped. */
#define OSV_MAX_RECORD_BYTES ((size_t)16 << 20)
/* Deepest nesting of arrays and objects accepted in a record (root is 1). */
#define OSV_MAX_DEPTH 64

/* Read every record in `source`. Files that do not parse as JSON/YAML are
 * warnings through `d` (naming the origin and the reason) and are counted in
 * info->unreadable. The SHA-256 of a file source is that of its bytes; of a
 * directory, that of the text "HEX  RELPATH\n" (sha256sum's format) for each
 * record file in sorted order. */
int osv_source_read(const char *source, osv_record_fn fn, void *arg, diag *d,
                    osv_source_info *info, airlock_error *err);

/* As osv_source_read(), but origins are made from `name` (trailing slashes
 * dropped for a tree) instead of the path `source`, which is still what is
 * opened and what messages about the source itself (cannot be opened, a
 * broken archive, no record files) name. A single file named through a
 * symbolic link is read (files inside a tree are not), and its kind comes
 * from its name as given, else from its target's. */
int osv_source_read_as(const char *source, const char *name, osv_record_fn fn, void *arg,
                       diag *d, osv_source_info *info, airlock_error *err);

/* Read the whole file `path`, hashing all of it (SHA-256 into `sha`) but
 * keeping at most `max` bytes in `out`; `*too_big` says the rest was
 * dropped. Refuses symbolic links and anything but a regular file. Also
 * reads the index pages of dbbuild/index_dir.h. */
int source_read_hashed(const char *path, size_t max, buf *out, int *too_big,
                       unsigned char sha[32], airlock_error *err);

/* Parse one record from a buffer (used by the fuzz targets and tests).
 * `is_yaml` selects the parser. Returns a new cJSON tree or NULL with a
 * message. Input is bounded by `len`; no NUL needed. */
cJSON *osv_parse_json(const char *data, size_t len, airlock_error *err);
cJSON *osv_parse_yaml(const char *data, size_t len, airlock_error *err);

/* Read an archive held in memory, as osv_source_read() reads an archive
 * file; `name` stands for the source in origins and messages, and
 * info->sha256 is that of the `len` bytes. For tests and fuzz targets. */
int osv_source_read_archive_memory(const void *data, size_t len, const char *name,
                                   osv_record_fn fn, void *arg, diag *d,
                                   osv_source_info *info, airlock_error *err);

#endif
