/*
 * requirements.h - pip requirement files (`-r FILE`), read as pip reads
 * them (pip/_internal/req/req_file.py and req/constructors.py; the
 * reference releases are in docs/requirements.md). requirements.c reads
 * the files, requirements_resolve.c resolves the lines.
 *
 * Reading is two steps. requirements_parse() turns a file and everything it
 * includes (-r/-c, relative to the including file) into `req_line`s, one per
 * requirement line in pip's order, each with pip's view of it (name,
 * specifiers, URL or path, markers, editable, constraint). A line that
 * cannot be read is a warning through `diag` naming the file and line, and
 * stays a `req_line` with `invalid` set (the warning's message), so that it
 * is reported: resolved, it is a skipped dependency when a name can be made
 * out of it, and only the warning otherwise.
 * requirements_resolve() turns those into `dependency` values for a target
 * environment: exact pins are checked, everything else is kept with a skip
 * reason, and constraints supply versions. requirements_read() does both.
 *
 * Fatal (-1): an unreadable top-level file, an unreadable or remote included
 * file (named with the including file and line), an include cycle (named),
 * includes nested deeper than REQ_MAX_DEPTH or more than REQ_MAX_FILES file
 * reads, more than REQ_MAX_TOTAL_SIZE bytes or REQ_MAX_LINES lines in all, a file that is not valid UTF-8 or UTF-16 with a BOM (pip fails on it
 * too), a NUL character in a file.
 */
#ifndef AIRLOCK_REQUIREMENTS_H
#define AIRLOCK_REQUIREMENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/error.h"
#include "scanner/inputs/inventory.h"
#include "scanner/inputs/markers.h"
#include "scanner/inputs/pep508.h"

#define REQ_MAX_FILE_SIZE (16u << 20) /* bytes per requirement file */
#define REQ_MAX_DEPTH 32              /* -r/-c nesting */
#define REQ_MAX_FILES 1024            /* file reads per top-level file */
/* Bounds on everything read for one top-level file, -r/-c included: one
 * small file included many times (or a 16 MiB one of short lines) would
 * otherwise make millions of lines, ~1.5 KB of memory each in a scan
 * (100 reads of a 1 MB file of "a==1" lines: 20 million lines, 23 GB,
 * killed by the OOM killer), or parse 16 GiB of blank lines. */
#define REQ_MAX_TOTAL_SIZE (64u << 20) /* bytes read in all */
#define REQ_MAX_LINES 500000u          /* requirement and constraint lines */
#define REQ_MAX_LINE (1u << 20)       /* logical line without its comment;
                                         longer ones are warnings */

typedef enum req_form {
    REQ_NAMED,    /* a PEP 508 requirement without URL: "name[x]>=1; marker" */
    REQ_URL,      /* "name @ url", or a URL line (http, file, VCS, ...) */
    REQ_PATH,     /* a local directory or archive path */
    REQ_EDITABLE  /* -e path-or-VCS-URL */
} req_form;

typedef struct req_line {
    char *file;        /* the file as pip names it (includes joined to the
                          including file's directory) */
    unsigned line;     /* 1-based physical line where the logical line starts */
    char *text;        /* the requirement text (options removed), or -e's value */
    bool constraint;   /* read through -c */
    req_form form;
    bool has_req;      /* `req` is set: the name (and specifiers) pip knows */
    pep508_req req;    /* for URL/path lines: from #egg= or a wheel file name */
    char *link;        /* URL or path for REQ_URL/REQ_PATH/REQ_EDITABLE, else NULL */
    marker *marker;    /* the line's marker (pip splits it off), or NULL */
    char *invalid;     /* the line could not be read: its warning's message
                          ("invalid requirement '...': ..."); only file, line,
                          text, constraint and invalid_name are set then */
    char *invalid_name; /* the name such a line starts with, or NULL */
    char *hashes;      /* the line's --hash values ("sha256:HEX ..."), as
                          written, space-separated; NULL when none */
} req_line;

typedef struct req_lines {
    req_line *items;
    size_t len;
    size_t cap;
} req_lines;

/* Read `path` (a requirements file, or a constraints file if `constraint`)
 * and its includes, appending to `out`. ${VAR} is expanded from the process
 * environment as pip does. Returns 0 (warnings, if any, went to `d`) or -1
 * with a message; `out` keeps what was read either way (free it). */
int requirements_parse(const char *path, bool constraint, req_lines *out, diag *d,
                       airlock_error *err);

void req_lines_free(req_lines *l);

/* Append one DEP_REQUIREMENT dependency per non-constraint line of `lines`
 * to `out`, evaluating markers for `env`; an `invalid` line gives a skipped
 * one (skip_reason = its message) if it has an invalid_name, else none. A marker that cannot be evaluated
 * (e.g. platform_release of a --platform target) is a warning and the
 * requirement is treated as applying (fail closed: it is checked). Skip
 * reasons are listed in docs/requirements.md. Returns 0. */
int requirements_resolve(const req_lines *lines, const marker_env *env, dep_list *out,
                         diag *d, airlock_error *err);

/* requirements_parse() bounded as requirements_read_within() is (below). */
int requirements_parse_within(const char *path, bool constraint, const char *within,
                              req_lines *out, diag *d, airlock_error *err);

/* requirements_parse() + requirements_resolve(). Returns -1 only for the
 * fatal errors listed above (nothing is appended to `out` then). */
int requirements_read(const char *path, const marker_env *env, dep_list *out, diag *d,
                      airlock_error *err);

/* Called with every file requirements_read_observed() reads (-r/-c
 * includes too), in the order read: its path as pip names it and its bytes
 * as read, before decoding. The bytes are only valid during the call. */
typedef void req_file_fn(void *arg, const char *path, const char *data, size_t len);

/* requirements_read(), telling `on_file` (with `arg`) of each file read, so
 * that what was parsed can be recorded from the same read (evidence.h). */
int requirements_read_observed(const char *path, const marker_env *env, dep_list *out, diag *d,
                               req_file_fn *on_file, void *arg, airlock_error *err);

/* requirements_read_observed() for a file found by a directory search of
 * `within`: an -r/-c include that resolves outside that directory is not
 * read, and is a warning at the including line (a cloned repository's
 * `-r /etc/shadow` must not be read, quoted and copied into an evidence
 * bundle). `within` NULL: no such bound. */
int requirements_read_within(const char *path, const char *within, const marker_env *env,
                             dep_list *out, diag *d, req_file_fn *on_file, void *arg,
                             airlock_error *err);

/* ---- pip's file syntax, shared with requirements_rewrite.c ---- */

/* Length of a Python str.isspace() character at s[i] (UTF-8), 0 if none. */
size_t req_text_space(const unsigned char *s, size_t i, size_t n);
/* Length of a str.splitlines() line break at s[i], 0 if none. */
size_t req_text_line_break(const unsigned char *s, size_t i, size_t n);

#define REQ_OPT_VALUE 1 /* the option takes a value */
#define REQ_OPT_HASH 2  /* it is --hash */
/* What pip's requirement-file parser makes of the option word `word` (`n`
 * bytes, without any "=value"): "--long" (an exact name or a unique
 * prefix, as optparse takes it) or "-x". REQ_OPT_* flags, or -1 when pip
 * knows no such option. */
int req_option_kind(const char *word, size_t n);

#endif
