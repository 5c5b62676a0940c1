/*
 * scan_inputs.h - the inputs of `airlock scan`: which ones are read, reading
 * them into the report, recording what was read for the report's
 * provenance, and what could not be read for its warnings.
 */
#ifndef AIRLOCK_SCAN_INPUTS_H
#define AIRLOCK_SCAN_INPUTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/error.h"
#include "scanner/results.h"

/* One input as the command line named it. */
typedef struct scan_arg {
    input_kind kind;  /* the option's kind; ignored when `positional` */
    const char *path; /* as given (an --lockfile argument with its FORMAT:) */
    bool positional;  /* a PATH without an option: its name, or for a
                         directory what project.h finds in it, says what */
} scan_arg;

typedef struct scan_input_options {
    const scan_arg *args; /* in command-line order */
    size_t n_args;
    const char *python;   /* --python EXE, or NULL */
    bool no_python;       /* --no-python: never run an interpreter */
    const char *python_version, *platform; /* marker target, or NULL */
    bool no_dev;          /* --no-dev */
} scan_input_options;

/* Read every input into r->deps and r->inputs, each input with its digest
 * (files), format (lockfiles, SBOMs) and a note saying why it was read or
 * how ("found in DIR", "3 development packages left out (--no-dev)").
 *
 * Order: the environment of --python EXE first (its marker values then
 * apply to requirement files), then the inputs in the order given, a
 * directory's by project_find()'s order. With no input: $VIRTUAL_ENV's
 * virtualenv, else .venv or venv holding pyvenv.cfg in the current
 * directory, else (unless --no-python) the environment of python3 on PATH,
 * run as the user runs it even when it is a launcher (pyenv.h); the choice
 * and why is the input's note, also printed once on stderr.
 *
 * --no-dev leaves out the dependencies of an input marked dev, after
 * reading it, and says how many in its note. A pyproject.toml beside a
 * lockfile (same directory, however named) does not add again the
 * dependencies the lockfile pins (project_drop_locked()), and its note
 * says so.
 *
 * Returns 0, or -1 with a message naming the input: an unreadable or bad
 * input, a PATH whose name says nothing, a directory with nothing to scan,
 * nothing to scan at all. */
int scan_read_inputs(const scan_input_options *o, scan_report *r, diag *d, airlock_error *err);

/* Append to the note of `in` (printf format), after "; " if it has one. */
void scan_input_note(scan_input *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Remove from deps->items[from..] the dependencies marked dev, keeping the
 * order of the others. Returns how many were removed. */
size_t scan_drop_dev(dep_list *deps, size_t from);

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
