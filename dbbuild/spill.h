/*
 * spill.h - an anonymous temporary file that holds the bulky texts of
 * records (summary, details, references) between reading and writing, so a
 * build's memory stays bounded by what matching needs, not by the dump size.
 */
#ifndef AIRLOCK_SPILL_H
#define AIRLOCK_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct spill spill;

/* Create the file (unlinked at once: nothing is left behind). */
int spill_open(spill **out, airlock_error *err);

/* Append `len` bytes; *off receives where they went. */
int spill_put(spill *s, const void *data, size_t len, uint64_t *off, airlock_error *err);

/* Read back `len` bytes at `off` into `out`. */
int spill_get(spill *s, uint64_t off, size_t len, void *out, airlock_error *err);

/* Close and forget the file. NULL is fine. */
void spill_close(spill *s);

#endif
