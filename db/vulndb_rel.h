/*
 * vulndb_rel.h - decoding of one "rel" value (release data;
 * docs/database-schema.md), shared by db/vulndb.c and the tests and fuzz
 * target that check dbbuild/index_page.c's encoder against it.
 */
#ifndef AIRLOCK_VULNDB_REL_H
#define AIRLOCK_VULNDB_REL_H

#include <stddef.h>

#include "db/vulndb.h"

/* Decode the `len` bytes of a "rel" value into `out` (zeroed first; release
 * with vulndb_releases_free). Returns the number of releases, or -1 (and
 * `out` empty) if the value does not decode exactly. */
int vulndb_releases_decode(const void *value, size_t len, vulndb_releases *out);

#endif
