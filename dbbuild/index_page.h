/*
 * index_page.h - one PEP 691 JSON project page
 * (`application/vnd.pypi.simple.v1+json`), reduced to what the snapshot
 * keeps of a project's releases (docs/database-schema.md, "rel").
 *
 * Versions come from PEP 700's `versions` when the page has it, and from
 * the file names in any case (wheel: PEP 427 NAME-VERSION-...; sdist:
 * NAME-VERSION.tar.gz/.zip/...; NAME matching the project's normalised
 * name), so a release listed only by `versions` or only by a file is kept.
 *
 * The page is untrusted: a page that is not JSON or not API version 1.x is
 * an error (the caller skips it); a bad item inside a good page (a file
 * name that does not parse, an invalid version, a malformed hash or time,
 * a value past a limit below) is a warning through `d` naming the page, and
 * is counted, and the rest of the page is read.
 *
 * Ownership: index_page_parse() fills a caller-provided index_project,
 * released with index_project_clear() (also after a failed parse).
 */
#ifndef AIRLOCK_INDEX_PAGE_H
#define AIRLOCK_INDEX_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/error.h"
#include "core/version.h"

/* Limits (documented in docs/database-schema.md). A page larger than
 * INDEX_MAX_PAGE_BYTES is skipped; files past INDEX_MAX_FILES and versions
 * past INDEX_MAX_VERSIONS are dropped with one warning; longer texts are
 * warnings (a file name or version: that item is dropped; a yank reason or
 * requires-python: the text is cut at a character boundary). */
#define INDEX_MAX_PAGE_BYTES ((size_t)64 << 20)
#define INDEX_MAX_FILES 200000u
#define INDEX_MAX_VERSIONS 100000u
#define INDEX_MAX_FILENAME 255u   /* bytes; a file system's NAME_MAX */
#define INDEX_MAX_VERSION 128u    /* bytes of a version as written */
#define INDEX_MAX_TEXT 1024u      /* bytes of a yank reason or requires-python */

/* One distribution file of a release. */
typedef struct index_file {
    char *filename;
    char sha256[65];        /* lowercase hex, or "" */
    bool yanked;
    char *yank_reason;      /* NULL: none given (`yanked: true`) */
    int64_t upload_time;    /* seconds since the epoch, -1 if absent */
    char *requires_python;  /* NULL if absent or empty */
} index_file;

typedef struct index_release {
    version v;
    char *text;             /* canonical version text */
    index_file *files;      /* sorted by file name, no duplicates */
    size_t n_files;
} index_release;

typedef struct index_project {
    char *name;             /* PEP 503 normalised */
    index_release *rels;    /* ascending PEP 440 order, no duplicates */
    size_t n_rels;
    uint64_t n_files;       /* files kept */
    uint64_t bad;           /* items warned about and dropped */
} index_project;

/* Parse `len` bytes of `data` (no NUL needed), the page read from `origin`
 * (for messages). When `expect` is not NULL it is the project name the page
 * was filed under (DIR/NAME.json); a page naming another project is a
 * warning, and the page's own name is used. Returns 0, or -1 with a message
 * if the page cannot be used at all. */
int index_page_parse(const char *data, size_t len, const char *origin, const char *expect,
                     diag *d, index_project *out, airlock_error *err);

void index_project_clear(index_project *p);

/* Append the project's "rel" value (docs/database-schema.md) to `out`. */
void index_project_encode(const index_project *p, buf *out);

/* What the release shows in the database: yanked when every file is (and
 * there is one), the first yank reason in file-name order, the earliest
 * upload time (-1 if none), the first requires-python in file-name order
 * (NULL if none). */
bool index_release_yanked(const index_release *r);
const char *index_release_yank_reason(const index_release *r);
int64_t index_release_upload_time(const index_release *r);
const char *index_release_requires_python(const index_release *r);

#endif
