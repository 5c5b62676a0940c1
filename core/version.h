/*
 * version.h - PEP 440 versions.
 *
 * A parsed `version` compares without allocating: version_compare() is a
 * pure function of two parsed values. The order and the canonical text are
 * exactly those of Python's packaging.version.Version (the oracle for our
 * differential tests), including epochs, pre/post/dev releases, local
 * versions and trailing-zero equality ("1.0" == "1.0.0").
 *
 * Ownership: version_parse() fills a caller-provided `version`; the caller
 * releases it with version_clear(). A parse may allocate (very long release
 * segments or local labels), so version_clear() must always be called after
 * a successful parse; after a failed one there is nothing to release.
 *
 * The struct is public so versions can live on the stack and in arrays, but
 * its fields belong to version.c: use the calls below.
 */
#ifndef AIRLOCK_VERSION_H
#define AIRLOCK_VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Longest version text accepted (packaging has no limit; real versions are
 * far shorter and a bound keeps hostile input cheap). */
#define VERSION_MAX_TEXT 1024

#include "core/version_repr.h"

/* Parse `len` bytes of `text` (no NUL needed) with all of PEP 440's
 * normalisations. Returns 0, or -1 with a message naming the text. */
int version_parse(version *v, const char *text, size_t len, airlock_error *err);

/* The same as version_parse(), always by the general parser, which
 * version_parse() hands everything but plain releases ("1.2.3") to. The
 * two give identical results (tests/unit/test_version.c and the fuzz
 * target check it); exported for those checks. */
int version_parse_full(version *v, const char *text, size_t len, airlock_error *err);

/* Release what a successful version_parse() allocated. Idempotent. */
void version_clear(version *v);

/* Deep copy `src` into `dst` (release `dst` with version_clear()). */
void version_copy(version *dst, const version *src);

/* <0, 0, >0 as `a` sorts before, equal to, or after `b`, exactly as
 * packaging's Version ordering does. */
int version_compare(const version *a, const version *b);

/* Write the canonical form (str(Version(text))) into `out`, NUL-terminated
 * if `cap` > 0. Returns the length of the full canonical text, which may be
 * >= cap (as snprintf does). */
size_t version_format(const version *v, char *out, size_t cap);

/* Write an order-preserving binary key: for any a, b,
 *   memcmp-order(key(a), key(b)) == sign(version_compare(a, b)),
 * with shorter-prefix-first order for keys of different length, and equal
 * keys exactly when version_compare() is 0. The database stores these keys
 * so that the scanner compares ranges with memcmp. Returns the key length,
 * which may be > cap (then nothing useful is written; retry larger). */
size_t version_key(const version *v, uint8_t *out, size_t cap);

/* Compare two keys from version_key() (memcmp, then length). */
int version_key_compare(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* Decode a key back into a version (for `airlock show` and tests). Returns 0,
 * or -1 if the bytes are not a valid key (keys come from signed databases,
 * but are still checked). */
int version_from_key(version *v, const uint8_t *key, size_t len, airlock_error *err);

/* Properties used by specifiers. */
bool version_is_prerelease(const version *v);  /* has a pre or dev segment */
bool version_is_postrelease(const version *v);
bool version_is_devrelease(const version *v);
bool version_has_local(const version *v);

/* The public part (the version without its local label) into `dst`. */
void version_public(version *dst, const version *src);

/* The base version (epoch and release only, as packaging's base_version)
 * into `dst`. `dst` may be `src`. */
void version_base(version *dst, const version *src);

/* Narrow [*text, *text + *len) past Python's whitespace (str.isspace(), the
 * `\s` of packaging's regexes, UTF-8 encoded) at both ends. */
void version_strip_space(const char **text, size_t *len);

#endif
