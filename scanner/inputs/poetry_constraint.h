/*
 * poetry_constraint.h - which of Poetry's version constraints pin one
 * version.
 *
 * Poetry writes constraints in its own syntax, not PEP 440's: a bare
 * version "4.2.1" means ==4.2.1; "^1.2", "~1.2", "1.2.*", ">=1,<2",
 * ">=1 <2" and "1.2 || 1.3" are ranges; "*" and "" allow anything. Only an
 * exact pin names a version a scan can check, so this module tells the
 * three apart without parsing ranges any further.
 */
#ifndef AIRLOCK_POETRY_CONSTRAINT_H
#define AIRLOCK_POETRY_CONSTRAINT_H

#include <stddef.h>

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

#endif
