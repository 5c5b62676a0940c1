/*
 * wheelhouse.h - a directory of wheels and sdists carried onto the machine
 * (`pip install --no-index --find-links DIR`), read and checked before
 * anything in it is installed (`airlock scan --wheelhouse DIR`).
 *
 * Each archive directly in the directory (pip's --find-links reads no
 * subdirectory) becomes one DEP_ARCHIVE dependency: its name and version
 * from the wheel's `*.dist-info/METADATA` or the sdist's top-level
 * `PKG-INFO` (metadata.h), source_file the archive, source_kind "wheel" or
 * "sdist". Archives are read in memory through archive.h; nothing is
 * written to disk.
 *
 * Each failed check is a warning through `diag` whose file is the archive,
 * naming what differs:
 *   - the archive cannot be read or breaks a limit or a name rule
 *     (archive.h): "rejected", and its dependency (named from the file
 *     name, when it parses) is skipped;
 *   - a wheel's file name (PEP 427) names another project or version than
 *     its METADATA (names compared normalised, versions as PEP 440);
 *     likewise an sdist's NAME-VERSION file name and its PKG-INFO;
 *   - a wheel without exactly one .dist-info directory with METADATA and
 *     RECORD, or whose .dist-info directory names another project than
 *     its file name; a RECORD row that cannot be read, names a file twice or a
 *     file the archive lacks; a file of the archive RECORD does not list; a
 *     sha256 (urlsafe base64, unpadded) or size that differs; a file
 *     without a hash (only RECORD, RECORD.jws and RECORD.p7s in the
 *     .dist-info directory may have none); a hash algorithm other than
 *     sha256 (not checked, so not passed). At most WHEEL_MAX_PROBLEMS per
 *     archive are listed, then one warning counts the rest;
 *   - an archive pip would read that we cannot (.tar.bz2, .tar.xz, .tar,
 *     .tgz, .tar.lz and the rest of pip's list): not checked.
 * Files that are no distribution archive are ignored and counted.
 */
#ifndef AIRLOCK_WHEELHOUSE_H
#define AIRLOCK_WHEELHOUSE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/error.h"
#include "core/version.h"
#include "scanner/inputs/archive.h"
#include "scanner/inputs/inventory.h"
#include "scanner/inputs/requirements.h"

/* Problems listed for one archive before the rest are only counted. */
#define WHEEL_MAX_PROBLEMS 20u

typedef enum wh_kind {
    WH_NONE,        /* not a distribution archive */
    WH_WHEEL,       /* *.whl */
    WH_SDIST_TGZ,   /* NAME-VERSION.tar.gz */
    WH_SDIST_ZIP,   /* NAME-VERSION.zip */
    WH_SDIST_OTHER  /* NAME-VERSION.tar.bz2, .tar.xz, .tar, .tgz, .tbz, .txz,
                       .tlz, .tar.lz, .tar.lzma: not read */
} wh_kind;

/* What the base name `base` says a file of a wheelhouse is. A .whl is a
 * wheel whatever its name (a bad name is a finding, not a reason to pass
 * it by); an sdist's name must split at a '-' into a project name and a
 * PEP 440 version (sdist_name_fields()), as any other .zip or .tar.gz is
 * not one. */
wh_kind wheelhouse_kind_of_name(const char *base);

/* One archive read: what a --hash check needs. pip picks archives by
 * their file names, so those count as well as the metadata's. */
typedef struct wh_archive {
    char *path;
    char *normalized;  /* project name (METADATA, else the file name); NULL
                          when neither gives one */
    bool has_version;
    version version;
    char *file_normalized; /* the file name's project, or NULL */
    bool file_has_version;
    version file_version;  /* the file name's version */
    char sha256[65];   /* of the archive file, lowercase hex */
} wh_archive;

typedef struct wheelhouse {
    wh_archive *items;
    size_t len, cap;
    size_t wheels, sdists; /* archives read */
    size_t rejected;       /* archives that could not be read */
    size_t other;          /* files ignored */
} wheelhouse;

void wheelhouse_free(wheelhouse *wh);

/* Read every archive directly in `dir` (sorted by name), appending to `wh`
 * and `deps`, warnings through `d` (see above). `lim` NULL: the defaults.
 * `within`: the directory a search found `dir` in; a link that resolves
 * out of it is not read, and is a warning (NULL: links are followed, as
 * pip follows them). Returns 0, or -1 when `dir` cannot be read at all. */
int wheelhouse_read(const char *dir, const char *within, const archive_limits *lim,
                    wheelhouse *wh, dep_list *deps, diag *d, airlock_error *err);

/* Read and check one archive open on `fd` (regular file, offset 0),
 * shown as `path` (its base name says its kind, which must not be
 * WH_NONE). Appends to `wh` and `deps` as above; never fails. */
void wheelhouse_read_archive(int fd, const char *path, wh_kind kind, const archive_limits *lim,
                             wheelhouse *wh, dep_list *deps, diag *d);

/* Check the --hash values of the requirement lines `lines` against the
 * archives of `wh`: each archive whose project and version a line pins
 * (name==version), by its metadata or by its file name (as pip picks it),
 * must have its sha256 among the line's sha256 values.
 * Warnings, the archive named: a mismatch; a line with --hash that pins
 * nothing; a line with --hash whose pin no archive matches (pip
 * --no-index would not find it; not for constraint lines); a line with
 * only sha384/sha512 values (not checked); a requirement without --hash
 * when other requirements have one (pip's hash-checking mode refuses it).
 * Lines whose marker is false for `env` are passed by (`env` NULL: none
 * is). */
void wheelhouse_check_hashes(const wheelhouse *wh, const req_lines *lines,
                             const marker_env *env, diag *d);

#endif
