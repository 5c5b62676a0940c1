/*
 * lockfile.h - the packages a lockfile pins: poetry.lock, uv.lock,
 * Pipfile.lock, pdm.lock and PEP 751's pylock.toml.
 *
 * Every package entry becomes one DEP_LOCKED dependency, in file order,
 * duplicates kept (one name locked at two versions under different markers
 * is two dependencies). Markers are not evaluated: a lockfile pins for every
 * platform it supports, and a security scan checks all of them.
 *
 * - A registry package with a version is checked at that version
 *   (source_kind "registry").
 * - Anything else is kept, skipped, with its source kind as the reason:
 *   git, url, path, directory, editable, virtual, or a registry entry with
 *   no version. `location` holds its URL or path when the entry gives one.
 * - `group` names the section or groups that hold the package as the
 *   lockfile writes them; `dev` is set when every one of them is a
 *   development group (what --no-dev leaves out).
 * - `source_line` is the line of the package's entry ([[package]] header,
 *   or its key in Pipfile.lock).
 *
 * A file that is not valid TOML/JSON, or not of the format asked for (no
 * package array where one must be, a lock version this reader does not
 * know), is an error "FILE:LINE: why" and nothing is appended. A bad entry
 * in a good file (no name, a version that is not PEP 440, a value of the
 * wrong type) is a warning through `diag` naming the file and line; the
 * entry is kept as skipped when it has a name, and the reading goes on.
 * The formats, what is checked and what is skipped are in
 * docs/project-files.md.
 */
#ifndef AIRLOCK_LOCKFILE_H
#define AIRLOCK_LOCKFILE_H

#include <stddef.h>

#include "core/diag.h"
#include "core/error.h"
#include "scanner/inputs/inventory.h"

/* Largest lockfile read (the largest real one we hold is 1.95 MB). */
#define LOCKFILE_MAX_SIZE ((size_t)64 << 20)

typedef enum lock_format {
    LOCK_POETRY,  /* poetry.lock */
    LOCK_UV,      /* uv.lock */
    LOCK_PIPFILE, /* Pipfile.lock */
    LOCK_PDM,     /* pdm.lock */
    LOCK_PYLOCK   /* pylock.toml, pylock.NAME.toml */
} lock_format;

/* The format's name as --lockfile FORMAT:FILE spells it ("poetry", "uv",
 * "pipfile", "pdm", "pylock"). */
const char *lock_format_name(lock_format f);

/* The format a file's base name says: poetry.lock, uv.lock, Pipfile.lock,
 * pdm.lock, pylock.toml or pylock.NAME.toml (NAME not empty, no dot
 * rules beyond PEP 751's). Returns 0, or -1 when the name is none of these. */
int lock_format_from_name(const char *path, lock_format *out);

/* Split an --lockfile argument: "FORMAT:FILE" forces the format (FORMAT one
 * of the names above); otherwise the whole argument is the file and its
 * name gives the format. *path points into `arg`. Returns 0, or -1 with a
 * message (an unknown FORMAT, a name that says no format). A FILE that
 * itself holds a colon is reached as "FORMAT:FILE" or "./FILE". */
int lockfile_parse_arg(const char *arg, lock_format *format, const char **path,
                       airlock_error *err);

/* Read the lockfile at `path` in `format`, appending its packages to `out`.
 * `on_file` (may be NULL) is told of the bytes read, as requirements.h's
 * req_file_fn is, so that what was parsed is what the evidence records.
 * Returns 0, or -1 with a message naming the file (and line). */
typedef void lock_file_fn(void *arg, const char *path, const char *data, size_t len);
int lockfile_read(const char *path, lock_format format, dep_list *out, diag *d,
                  lock_file_fn *on_file, void *arg, airlock_error *err);

/* One reader per format, on bytes in memory (what lockfile_read() calls and
 * the fuzz targets drive). `path` names the file in messages and in each
 * dependency's source_file. Same contract as lockfile_read(). */
int lock_poetry_parse(const char *data, size_t len, const char *path, dep_list *out, diag *d,
                      airlock_error *err);
int lock_uv_parse(const char *data, size_t len, const char *path, dep_list *out, diag *d,
                  airlock_error *err);
int lock_pipfile_parse(const char *data, size_t len, const char *path, dep_list *out, diag *d,
                       airlock_error *err);
int lock_pdm_parse(const char *data, size_t len, const char *path, dep_list *out, diag *d,
                   airlock_error *err);
int lock_pylock_parse(const char *data, size_t len, const char *path, dep_list *out, diag *d,
                      airlock_error *err);

/* For the readers: append one DEP_LOCKED dependency. `version_text` may be NULL
 * (skipped, "no version"); a version that is not PEP 440 is a warning at
 * `line` and the dependency is skipped. `source_kind` other than "registry"
 * makes it skipped with the kind as the reason ("git source"); `location`
 * (may be NULL) is its URL or path. `group` may be NULL. All strings are
 * copied. Returns the dependency. */
dependency *lock_add(dep_list *out, const char *path, unsigned line, const char *name,
                     const char *version_text, const char *source_kind, const char *location,
                     const char *group, bool dev, diag *d);

#endif
