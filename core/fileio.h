/*
 * fileio.h - reading whole files with a bound, and writing files atomically.
 *
 * Nothing Airlock writes is ever seen half-written: output goes to a
 * temporary file in the same directory, is fsynced, renamed over the target,
 * and the directory is fsynced. A crash leaves the old file or the new one.
 */
#ifndef AIRLOCK_FILEIO_H
#define AIRLOCK_FILEIO_H

#include <stdio.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

/* Read all of `path` into a new NUL-terminated buffer (*data, owned by the
 * caller; the NUL is not counted in *len). Files larger than `max` bytes are
 * an error, so a hostile input cannot exhaust memory. */
int file_read_all(const char *path, size_t max, char **data, size_t *len, airlock_error *err);

/* The same for an open descriptor, read from its current offset to the end
 * (`name` is for messages; the descriptor stays open and owned by the
 * caller). For files opened once and checked (signatures/trust.h). */
int file_read_fd(int fd, const char *name, size_t max, char **data, size_t *len,
                 airlock_error *err);

/* Write `len` bytes to `path` atomically with permission bits `mode`. */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                      airlock_error *err);

/* A file being written atomically. Open it, write through `fp`, then commit
 * (fsync, rename, fsync the directory) or abort (remove the temporary file).
 * Exactly one of commit or abort must follow a successful open. */
typedef struct atomic_file {
    FILE *fp;
    char *path;
    char *tmp_path;
    int exclusive; /* commit must not replace an existing file */
} atomic_file;

/* Open a temporary file beside `path` with mode `mode`. If `exclusive` is
 * non-zero, commit fails when `path` already exists (for secret keys). */
int atomic_open(atomic_file *af, const char *path, mode_t mode, int exclusive,
                airlock_error *err);
/* Flush, fsync and rename into place; frees `af`'s memory in every case. */
int atomic_commit(atomic_file *af, airlock_error *err);
/* Discard the temporary file; frees `af`'s memory. Safe after a failed commit. */
void atomic_abort(atomic_file *af);

/* fsync the directory that holds `path`. */
int fsync_parent_dir(const char *path, airlock_error *err);

#endif
