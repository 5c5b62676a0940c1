/*
 * specifier.h - PEP 440 version specifiers and specifier sets.
 *
 * Containment equals packaging.specifiers.SpecifierSet.contains() of the
 * python3-packaging that Debian 12 ships, with prereleases None, True or
 * False; the differential test in tests/ holds us to that.
 */
#ifndef AIRLOCK_SPECIFIER_H
#define AIRLOCK_SPECIFIER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/version.h"

typedef enum spec_op {
    SPEC_COMPATIBLE,   /* ~= */
    SPEC_EQUAL,        /* == (possibly with a trailing .*) */
    SPEC_NOT_EQUAL,    /* != (possibly with a trailing .*) */
    SPEC_LESS_EQUAL,   /* <= */
    SPEC_GREATER_EQUAL,/* >= */
    SPEC_LESS,         /* <  */
    SPEC_GREATER,      /* >  */
    SPEC_ARBITRARY     /* === (string equality) */
} spec_op;

/* An opaque, immutable set of comma-joined specifiers ("" is the empty set,
 * which contains every version allowed by the pre-release rule). */
typedef struct specset specset;

/* Parse `len` bytes of `text`. *out is owned by the caller (specset_free). */
int specset_parse(const char *text, size_t len, specset **out, airlock_error *err);
void specset_free(specset *s);

/* Pre-release policy, as packaging's `prereleases` argument. */
typedef enum spec_prereleases {
    SPEC_PRERELEASES_DEFAULT = -1, /* None: packaging's own rule */
    SPEC_PRERELEASES_EXCLUDE = 0,  /* False */
    SPEC_PRERELEASES_INCLUDE = 1   /* True */
} spec_prereleases;

/* Whether `v` is in the set. */
bool specset_contains(const specset *s, const version *v, spec_prereleases pre);

/* Same, for the version text as given (=== compares text). A text that does
 * not parse as a version is never contained: packaging 23.0 raises for it. */
bool specset_contains_text(const specset *s, const char *text, size_t len,
                           spec_prereleases pre);

/* Inspection, for requirement handling ("is this an exact pin?"). */
size_t specset_count(const specset *s);
spec_op specset_op(const specset *s, size_t i);
/* The version text of specifier i as written (without operator or ".*"). */
const char *specset_version_text(const specset *s, size_t i);
bool specset_is_wildcard(const specset *s, size_t i);

/* If the set is exactly one `==V` (no wildcard) or `===V`, return V's text,
 * else NULL. */
const char *specset_exact_pin(const specset *s);

/* Canonical text, as str(SpecifierSet(text)) (sorted, comma-joined). Returns
 * the full length like snprintf. */
size_t specset_format(const specset *s, char *out, size_t cap);

#endif
