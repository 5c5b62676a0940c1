/*
 * requirements_rewrite.h - change exact pins in a pip requirement file and
 * nothing else (airlock fix; the rules are in docs/remediation.md).
 *
 * req_rewrite() reads the bytes of one file as requirements.c does (lines
 * as str.splitlines() splits them, `\` continuations joined, comments cut,
 * the requirement split from its options) and, for each req_fix, looks at
 * the logical line that starts at its line. If that line is a named
 * requirement pinning exactly the fix's project at the fix's old version
 * (`==X` or `===X`, X equal as PEP 440 versions), the version's bytes are
 * replaced by the new version, where they stand (split over continuation
 * lines too). Every other byte is kept: comments, options, extras,
 * markers, blanks, continuations, line endings, a missing final newline, a
 * UTF-8 byte order mark.
 *
 * A `--hash` option of a changed line is replaced by one
 * `--hash=sha256:HEX` per hash given: one per line in the indentation and
 * continuation of the old ones when each stood alone on its line (as
 * pip-compile writes them), else side by side where the first one stood.
 * Without hashes they are removed, with the lines that held only them and
 * the continuation that led to a removed last line.
 *
 * A line is left as it is, with the reason in its status, when it does not
 * pin that project at that version, or when the pin cannot be rewritten
 * safely: a ${VARIABLE} on the line, a pin that is not plain text. A file
 * that is not UTF-8 (UTF-16, a Latin-1 `coding:` declaration with non-ASCII
 * bytes) or holds a NUL is not rewritten at all (-1).
 *
 * The result is a list of byte-range replacements (core/textedit.h), so
 * that the change can be applied or shown as a diff from the same list.
 */
#ifndef AIRLOCK_REQUIREMENTS_REWRITE_H
#define AIRLOCK_REQUIREMENTS_REWRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/textedit.h"

/* One pin to change. Strings are borrowed for the call. */
typedef struct req_fix {
    unsigned line;            /* 1-based line where the logical line starts
                                 (req_line.line of requirements.h) */
    const char *name;         /* the project, any spelling */
    const char *old_version;  /* the version the line must pin */
    const char *new_version;  /* written in its place, as given */
    const char *const *hashes; /* lowercase hex SHA-256 of the new release's
                                  files, for --hash options */
    size_t n_hashes;          /* 0: the line's --hash options are removed */
} req_fix;

typedef enum req_fix_result {
    REQ_FIX_APPLIED = 1,      /* the pin is rewritten */
    REQ_FIX_NOT_PINNED,       /* the line does not pin name==old_version */
    REQ_FIX_UNSAFE            /* it does, but cannot be rewritten safely */
} req_fix_result;

typedef struct req_fix_status {
    req_fix_result result;
    const char *why;          /* static text for the other results, or NULL */
    size_t hashes_removed;    /* --hash options taken out */
    size_t hashes_added;      /* --hash options written */
} req_fix_status;

/* Rewrite data[0, len) (the bytes of `path`, which names it in messages)
 * for `fixes`, filling status[i] for fixes[i] and appending the
 * replacements to `out` (sorted; empty when nothing changes). Two fixes of
 * the same line: the first applies, a second with the same new version
 * shares its result, another is REQ_FIX_UNSAFE. Returns 0, or -1 with a
 * message for a file that is not rewritten at all (see above). */
int req_rewrite(const char *path, const char *data, size_t len, const req_fix *fixes,
                size_t n_fixes, req_fix_status *status, text_edits *out, airlock_error *err);

/* Whether a[0, alen) and b are the same version: equal as PEP 440
 * versions, or, when `a` is not one (an `===` pin), the same text but for
 * case. */
bool req_same_version(const char *a, size_t alen, const char *b);

#endif
