/*
 * pyproject_int.h - what pyproject.c shares with pyproject_groups.c; not
 * for other callers (pyproject.h is the reader's interface).
 */
#ifndef AIRLOCK_PYPROJECT_INT_H
#define AIRLOCK_PYPROJECT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/error.h"
#include "core/toml.h"
#include "scanner/inputs/inventory.h"

/* Group and extra names longer than this are cut in the group a
 * dependency names: valid names are shorter, and every dependency carries
 * its own copy, so a long hostile name must not multiply the input. */
#define PYPROJECT_LABEL_MAX 128

/* One file being read: dependencies go to `out`, warnings to `d`, both
 * naming `path`; `added` counts the dependencies appended. */
typedef struct pyproject_reader {
    const char *path;
    dep_list *out;
    diag *d;
    size_t added;
} pyproject_reader;

/* Append the PEP 508 requirement string `v` as one dependency of `group`
 * (`where` names the list in warnings). Not a string, or not PEP 508: a
 * warning at its line, and a skipped dependency when a name can be read. */
void pyproject_requirement(pyproject_reader *r, const toml_value *v, const char *where,
                           const char *group, bool dev);

/* Append `name` to `b`, cut at PYPROJECT_LABEL_MAX bytes (on a character
 * boundary, then "...") when longer. */
void pyproject_label(buf *b, const char *name);

/* Read the [dependency-groups] table. Returns 0, or -1 with "FILE:LINE:
 * why" for an include cycle or more links than are followed; the caller
 * then drops what was appended. */
int pyproject_groups(pyproject_reader *r, const toml_value *table, airlock_error *err);

#endif
