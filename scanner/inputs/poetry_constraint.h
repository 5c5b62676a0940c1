/*
 * poetry_constraint.h - which of Poetry's version constraints pin one
 * version.
 *
 * Poetry writes constraints in its own syntax, not PEP 440's: a bare
 * version "4.2.1" means ==4.2.1; "^1.2", "~1.2", "1.2.*", ">=1,<2",
 * ">=1 <2" and "1.2 || 1.3" are ranges; "*" and "" allow anything. Only an
 * exact pin names a version a scan can check, so this module tells the
 * three apart; for the risk of a range (scanner/advice.h) it also rewrites
 * one as the PEP 440 specifiers it means.
 */
#ifndef AIRLOCK_POETRY_CONSTRAINT_H
#define AIRLOCK_POETRY_CONSTRAINT_H

#include <stddef.h>

#include "core/buf.h"

typedef enum poetry_constraint_kind {
    POETRY_PIN,   /* one version: "4.2.1", "==4.2.1", "=4.2.1", "===4.2.1" */
    POETRY_RANGE, /* anything that allows more than one version */
    POETRY_ANY    /* "*" or blank: no constraint */
} poetry_constraint_kind;

/* Classify the `len` bytes at `text`. For POETRY_PIN, *pin and *pin_len
 * (both may be NULL) give the version's text inside `text`, without the
 * operator and blanks; it is not checked to be PEP 440 (the caller parses
 * it). For POETRY_RANGE they give the constraint trimmed of blanks. */
poetry_constraint_kind poetry_constraint_classify(const char *text, size_t len, const char **pin,
                                                  size_t *pin_len);

/* Rewrite a Poetry constraint of `len` bytes as a PEP 440 specifier set,
 * appended to `out` (NUL-terminated): "^1.2.3" -> ">=1.2.3,<2.0.0",
 * "^0.2" -> ">=0.2,<0.3.0", "~1.2" -> ">=1.2,<1.3", "1.2.*" -> "==1.2.*",
 * "4.2.1" -> "==4.2.1", ">=1 <2" -> ">=1,<2", "*" -> "" (Poetry's rules for
 * ^ and ~, as poetry-core applies them). Returns 0, or -1 when the
 * constraint has no PEP 440 form (a union "1.2 || 1.4") or cannot be read;
 * `out` then holds nothing new. The result is not checked to be valid PEP
 * 440: the caller parses it. */
int poetry_constraint_pep440(const char *text, size_t len, buf *out);

#endif
