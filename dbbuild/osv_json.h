/*
 * osv_json.h - the pass over a JSON record's text before cJSON parses it.
 *
 * A scanner must not lose an advisory over a cosmetic field, and cJSON drops
 * a whole record over two things the OSV data can hold: a string escape of a
 * lone UTF-16 surrogate ("\ud800", a reversed pair: grammatical JSON whose
 * text is not valid Unicode), and nesting deeper than its limit in the
 * free-form objects the schema leaves to each database. This pass checks the
 * JSON grammar without recursion and writes the text cJSON then parses:
 *
 *   - an escaped lone surrogate becomes \uFFFD, and so does \u0000 (a C
 *     string would end there and cut the text): NUL is replaced, not dropped;
 *   - the value of every member named "database_specific" or
 *     "ecosystem_specific" is checked for grammar at any depth and replaced:
 *     by an object holding only its string "severity" members when it is the
 *     record's own database_specific (the one field of it Airlock reads, the
 *     label of docs/matching.md), by {} when it is another object, by null
 *     otherwise;
 *   - everything else is left as it is, and may nest at most OSV_MAX_DEPTH
 *     levels (osv_source.h).
 *
 * Keys are compared after their escapes are decoded, as cJSON's lookups
 * compare them. Raw control characters inside strings are copied as cJSON
 * has always accepted them, except NUL, which is refused (cJSON would end
 * the text there); UTF-8 is checked before this pass.
 */
#ifndef AIRLOCK_OSV_JSON_H
#define AIRLOCK_OSV_JSON_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

/* Check `len` bytes of JSON text. Returns 0 if `data` can be parsed as it
 * is (most records), 1 if the text to parse has been appended to `out`, or
 * -1 with a message and `*pos` the byte offset of the problem. Any input,
 * any depth: memory is bounded by a small multiple of `len`. */
int osv_json_prepare(const char *data, size_t len, buf *out, size_t *pos, airlock_error *err);

#endif
