/*
 * index_dir.h - a directory of saved PEP 691 project pages (--index DIR),
 * read into the database's "rel" values (dbbuild/index_page.h).
 *
 * A page is DIR/NAME.json, DIR/NAME/index.json or DIR/NAME/index.v1_json
 * (bandersnatch's name for it); hidden entries are skipped, symbolic links
 * are not followed (a warning each), an HTML page (DIR/NAME.html,
 * DIR/NAME/index.html without a JSON page beside it) is a warning and
 * counts as skipped, other entries are ignored. A page that
 * cannot be read, is too large, is not JSON or not a v1 page is a warning
 * naming it and is counted as skipped; the build goes on.
 *
 * The digest of a source is the SHA-256 of the text "HEX  RELPATH\n"
 * (sha256sum's format) for every JSON page read, those that then turn out
 * unusable included, in byte order of RELPATH ("NAME.json",
 * "NAME/index.json").
 */
#ifndef AIRLOCK_INDEX_DIR_H
#define AIRLOCK_INDEX_DIR_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/error.h"
#include "dbbuild/progress.h"

/* One project's encoded releases. */
typedef struct index_entry {
    char *name;        /* normalised */
    uint8_t *value;    /* the "rel" value */
    size_t len;
    uint32_t source;   /* which DIR */
    uint64_t releases, files;
    size_t order;      /* read order, which breaks ties */
} index_entry;

/* Every project of every DIR; owned, released with index_set_clear(). */
typedef struct index_set {
    index_entry *v;
    size_t n, cap;
} index_set;

typedef struct index_dir_info {
    char sha256[65];     /* hex, as above */
    uint64_t pages;      /* pages found */
    uint64_t skipped;    /* pages not used (warned) */
    uint64_t projects;   /* projects kept (after index_set_finish) */
    uint64_t releases;   /* releases kept (after index_set_finish) */
    uint64_t files;      /* files kept */
    uint64_t bad;        /* items inside pages warned about and dropped */
    uint64_t duplicates; /* projects already read from an earlier page */
} index_dir_info;

/* Read every page of `dir` into `set`, tagged with `source`. Fills `info`.
 * Returns 0, or -1 with a message if `dir` itself cannot be read (a bad page
 * is a warning). */
int index_dir_read(const char *dir, uint32_t source, diag *d, progress *prog, index_set *set,
                   index_dir_info *info, airlock_error *err);

/* Sort `set` by name and keep one page per project: the first DIR given,
 * and within a DIR the first page in RELPATH order; each other is a warning
 * and counted in infos[source].duplicates (projects, releases and files
 * are adjusted). `infos` is indexed by source. */
void index_set_finish(index_set *set, index_dir_info *infos, diag *d);

void index_set_clear(index_set *set);

#endif
