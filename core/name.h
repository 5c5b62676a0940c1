/*
 * name.h - Python project names (PEP 503 normalisation, PEP 508 validity).
 */
#ifndef AIRLOCK_NAME_H
#define AIRLOCK_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* Longest project name accepted. */
#define NAME_MAX_LEN 256

/* True if `len` bytes of `name` form a valid project name:
 * ^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$ case-insensitively. */
bool name_is_valid(const char *name, size_t len);

/* Normalise per PEP 503: lower case, runs of [-_.] become one '-'.
 * Writes a NUL-terminated result into `out` (cap >= len + 1 always suffices).
 * Returns the normalised length, or -1 with a message if the name is invalid
 * or does not fit. */
int name_normalize(const char *name, size_t len, char *out, size_t cap, airlock_error *err);

/* PEP 503 normalisation of `len` bytes of `name` without validation, as
 * packaging's canonicalize_name(): for names that are compared or shown but
 * need not be valid (marker extras, what pip accepts in requirement files,
 * invalid names found in metadata). A NUL byte becomes '?'. Returns a new
 * NUL-terminated string owned by the caller. */
char *name_canonicalize(const char *name, size_t len);

#endif
