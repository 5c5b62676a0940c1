/*
 * scan_inputs.h - recording what a scan read, for the report's provenance,
 * and what it could not read, for the report's warnings.
 */
#ifndef AIRLOCK_SCAN_INPUTS_H
#define AIRLOCK_SCAN_INPUTS_H

#include "core/error.h"
#include "scanner/results.h"

/* Largest file input hashed (matches the requirement file limit). */
#define SCAN_INPUT_MAX ((size_t)16 << 20)

/* The SHA-256 of the file at `path` as lowercase hex into `out`. Returns 0,
 * or -1 with a message naming the file. */
int scan_file_sha256(const char *path, char out[65], airlock_error *err);

/* Append an input to r->inputs (format and note NULL; the caller may set
 * them on r->inputs[r->n_inputs - 1]). For a file input (requirements,
 * lockfile, pyproject, SBOM) the digest is the one scan_record_file()
 * recorded for `path` (the bytes the scan parsed); a file not recorded yet
 * is read, hashed and recorded now (an unreadable file is an error naming
 * it). Directories and interpreters have no digest. */
int scan_add_input(scan_report *r, input_kind kind, const char *path, airlock_error *err);

/* Record in r->files_read (`report` is the scan_report) that `path` was
 * read with these bytes; the same path with the same digest is recorded
 * once. A req_file_fn (requirements.h). */
void scan_record_file(void *report, const char *path, const char *data, size_t len);

/* A diag callback (core/diag.h) for a scan: `report` is the scan_report.
 * The warning is printed to stderr as without a callback and kept in the
 * report's warnings, so that every format lists what was not read. */
void scan_diag_record(void *report, const char *file, unsigned line, const char *msg);

#endif
