/*
 * purl.h - package URLs (purl), read as the purl specification's "how to
 * parse" says: pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS#SUBPATH.
 *
 * The scheme and type are case-insensitive and kept in lower case; the
 * namespace, name and version are percent-decoded; qualifiers and subpath
 * are recognised and ignored (nothing Airlock checks depends on them).
 * Stricter than the specification's lenient parsing in one way: a '%' not
 * followed by two hex digits, "%00", or bytes that do not decode to UTF-8
 * make the purl invalid rather than being passed through.
 *
 * Type rules are applied by purl_check_pypi() for the one type Airlock
 * reads: a pypi purl has no namespace and its name is a valid project name
 * (the specification's pypi normalisation, lower case with runs of "-_."
 * as '-', is PEP 503's: name_canonicalize() in core/name.h).
 */
#ifndef AIRLOCK_PURL_H
#define AIRLOCK_PURL_H

#include <stddef.h>

#include "core/error.h"

typedef struct purl {
    char *type;      /* lower case; NULL when none could be made out */
    char *namespace; /* decoded segments joined by '/'; NULL when none */
    char *name;      /* decoded; NULL when none could be made out */
    char *version;   /* decoded; NULL when the purl has none */
} purl;

/* Parse the `len` bytes at `text`. Returns 0, or -1 with a message (no
 * file or line: the caller knows them). Even on failure `out` holds every
 * component read before the fault (a purl whose version is badly escaped
 * still has its type and name), so that a caller can keep what it names;
 * purl_clear() it in both cases. */
int purl_parse(const char *text, size_t len, purl *out, airlock_error *err);

/* The pypi type's rules on a parsed purl of type "pypi": no namespace, a
 * name that is a valid project name (core/name.h). Returns 0 or -1 with a
 * message. */
int purl_check_pypi(const purl *p, airlock_error *err);

/* Free the components and zero `p`. */
void purl_clear(purl *p);

#endif
