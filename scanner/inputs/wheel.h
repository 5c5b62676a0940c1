/*
 * wheel.h - the checks of one wheel and of one sdist, for wheelhouse.c
 * (wheelhouse.h says what is checked and how failures read).
 */
#ifndef AIRLOCK_WHEEL_H
#define AIRLOCK_WHEEL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/error.h"
#include "scanner/inputs/archive.h"
#include "scanner/inputs/metadata.h"

/* The warnings of one archive: at most WHEEL_MAX_PROBLEMS are listed. */
typedef struct wh_problems {
    diag *d;
    const char *path; /* the archive, the warning's file */
    unsigned n;       /* given so far */
} wh_problems;

void wh_problem(wh_problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The warning that counts the problems past the limit, if any. */
void wh_problems_end(wh_problems *p);

/* The project name and version a file name gives: a wheel's first two
 * dash-separated fields (PEP 427: 5 or 6 fields before ".whl"), or an
 * sdist's stem (`suffix_len` bytes of extension dropped) split at its first
 * '-' that leaves a project name and a PEP 440 version, as pip reads
 * demo-1.0-rc1.tar.gz, else at its last '-'. Owned strings; returns -1
 * when the name has no such shape. */
int wheel_name_fields(const char *base, char **name, char **ver);
int sdist_name_fields(const char *base, size_t suffix_len, char **name, char **ver);

/* Whether `name` and `version` (from METADATA) agree with those of the
 * file name; a problem naming both when not. */
void wh_compare_names(wh_problems *p, const char *what, const char *file_name,
                      const char *file_version, const metadata *md);

/* Read the wheel open on `fd`: every member hashed and checked against
 * RECORD, and its .dist-info directory's project against `file_name` (the
 * project its file name gives, or NULL), problems through `p`. Returns 1
 * with METADATA's fields in `md`, 0 when no METADATA could be read (said
 * through `p`), or -1 with a message when the archive is rejected
 * (archive.h). */
int wheel_check(int fd, const char *file_name, const archive_limits *lim, wh_problems *p,
                metadata *md, airlock_error *err);

/* Read the sdist open on `fd` (`zip`: a .zip, else a .tar.gz) for its
 * top-level PKG-INFO. Returns as wheel_check(). */
int sdist_check(int fd, bool zip, const archive_limits *lim, wh_problems *p, metadata *md,
                airlock_error *err);

#endif
