/*
 * pep508.h - one PEP 508 dependency specifier ("name[extras] specs ; marker"
 * or "name[extras] @ url ; marker"), parsed as packaging 23.0's
 * Requirement() does.
 */
#ifndef AIRLOCK_PEP508_H
#define AIRLOCK_PEP508_H

#include <stddef.h>

#include "core/error.h"
#include "core/specifier.h"
#include "scanner/inputs/markers.h"

/* Longest requirement text accepted. */
#define PEP508_MAX_TEXT 65536

typedef struct pep508_req {
    char *name;       /* as written (not normalised) */
    char **extras;    /* as written, in order; n_extras entries */
    size_t n_extras;
    char *spec_text;  /* the specifiers joined as packaging joins them
                         (blanks dropped), "" when there are none */
    specset *spec;    /* parsed spec_text; never NULL after a parse */
    char *url;        /* the URL after '@', or NULL */
    marker *marker;   /* or NULL */
} pep508_req;

/* Parse `len` bytes of `text` (no NUL needed) into `out`, which is owned by
 * the caller afterwards (pep508_clear). Returns 0, or -1 with a message
 * naming the problem and leaves nothing to release. */
int pep508_parse(const char *text, size_t len, pep508_req *out, airlock_error *err);

/* Release everything a successful pep508_parse() filled. Idempotent. */
void pep508_clear(pep508_req *r);

#endif
