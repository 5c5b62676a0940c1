/*
 * vulndb_adv.h - decoding of "pkg" and "adv" values (db/vulndb_format.h,
 * docs/database-schema.md), shared by db/vulndb.c and the fuzz target that
 * feeds it arbitrary bytes (tests/fuzz/fuzz_vulndb_decode.c).
 *
 * The values come from a signed snapshot, and are still untrusted: every
 * length and count is checked against the end of its value, and a value
 * that does not decode exactly is an error, never a crash or an over-read.
 */
#ifndef AIRLOCK_VULNDB_ADV_H
#define AIRLOCK_VULNDB_ADV_H

#include <stddef.h>
#include <stdint.h>

#include "db/vulndb.h"

/* One entry of a "pkg" value that affects the version looked up. */
typedef struct vulndb_match {
    uint32_t group;
    const uint8_t *fixed;  /* the entry's fixed-versions section, in the value */
    const uint8_t *end;
} vulndb_match;

/* Walk the `len` bytes of a "pkg" value for the entries that affect the
 * version whose version_key() is `key`. With `out`, the matches are
 * appended to *out (grown with xrealloc; *cap its room), else only counted.
 * Returns the number of matches, or -1 if the value does not decode
 * exactly (*out may then hold some, for the caller to free). */
int vulndb_pkg_match(const void *value, size_t len, const uint8_t *key, size_t klen,
                     vulndb_match **out, size_t *cap);

/* Decode the `len` bytes of an "adv" value into `out` (zeroed first),
 * every string and array in the one block out->strings (vulndb.h). The
 * origins' sources are named from `sources` ("?" past its `n_sources`).
 * Returns 0, or -1 with `out` empty if the value does not decode exactly. */
int vulndb_advisory_decode(const void *value, size_t len, const vulndb_source *sources,
                           size_t n_sources, vulndb_advisory *out);

/* vulndb_advisory_decode() into out->adv, and from the fixed-versions
 * section `m` of a match those whose keys sort above `key` into
 * out->fix_versions, in the same block. Returns 0, or -1 with `out` empty
 * if either does not decode exactly. */
int vulndb_hit_decode(const void *value, size_t len, const vulndb_source *sources,
                      size_t n_sources, const vulndb_match *m, const uint8_t *key, size_t klen,
                      vulndb_hit *out);

/* vulndb_hit_decode() of what vulndb_lookup_pooled() keeps (vulndb.h):
 * the advisory and the fixed-versions section `m` are checked whole, and
 * it returns 0 exactly when vulndb_hit_decode() would, with the same
 * fields, but the origins and the packages are left out (0 and NULL).
 * The strings are cut from one copy of the value's bytes up to the end
 * of the references, each ended in place by a NUL written over the first
 * byte of the field after it; that copy, the arrays and the fixed
 * versions with their keys (out->fix_keys) are one piece of `pool`, and
 * adv.strings stays NULL. -1 leaves `out` empty (the pool keeps what it
 * gave, if anything). */
int vulndb_hit_decode_pooled(const void *value, size_t len, const vulndb_match *m,
                             const uint8_t *key, size_t klen, vulndb_pool *pool,
                             vulndb_hit *out);

#endif
