/*
 * json_out.h - a streaming JSON writer for the reports.
 *
 * Writes JSON text as it is produced, through a buffer of its own, to a
 * FILE*: no tree of the document is ever built. The bytes are exactly what
 * cJSON 1.7.15's cJSON_Print() (formatted) gives for the same values in the
 * same order, which is what the JSON, SARIF and CycloneDX reports printed
 * before they streamed:
 *   - an object is "{", then each member on its own line indented with one
 *     tab per level, as "key":<TAB>value, members separated by ",", then a
 *     newline and "}" at the parent's indentation; an empty object is "{",
 *     a newline, the parent's indentation and "}";
 *   - an array is "[" with its values separated by ", " on the same line,
 *     then "]"; an empty array is "[]";
 *   - a string is escaped once, as it is written: '"' and '\\' get a
 *     backslash, \b \f \n \r \t their short escapes, the other bytes below
 *     0x20 "\u00XX" (lower-case hex); every byte that does not start a valid
 *     UTF-8 sequence becomes U+FFFD (report strings come from untrusted
 *     files, and the output must be valid JSON);
 *   - a number prints as cJSON prints a double: "%1.15g" when that reads
 *     back to the same double (within cJSON's epsilon), else "%1.17g"; NaN
 *     and infinities print as null.
 *
 * Usage: jo_init(), then one value (usually jo_object_begin() ... ), then
 * jo_finish(), which writes the final newline, hands the buffer to the
 * FILE* and reports any write error. Inside an object every value is
 * preceded by jo_key(); the jo_key_*() calls do both. Allocation-free:
 * errors (a failed write, nesting deeper than JO_MAX_DEPTH, a misuse) are
 * remembered and reported once, by jo_finish(); after one, nothing more is
 * written.
 */
#ifndef AIRLOCK_JSON_OUT_H
#define AIRLOCK_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

#define JO_MAX_DEPTH 32
#define JO_BUFFER 65536

/* Where the text goes instead of a FILE* (jo_init_sink): returns false on
 * failure. */
typedef bool (*jo_sink)(void *ctx, const void *data, size_t len);

typedef struct json_out {
    FILE *out;
    jo_sink sink;                   /* used when out is NULL */
    void *sink_ctx;
    bool pretty;                    /* cJSON_Print(); false: cJSON_PrintUnformatted() */
    size_t len;                     /* bytes in buffer */
    unsigned depth;                 /* open containers */
    bool failed;                    /* a write failed or the calls were misused:
                                       nothing more is written */
    bool misused;                   /* unbalanced or misplaced calls */
    bool keyed;                     /* jo_key() was called, its value not yet written */
    bool is_array[JO_MAX_DEPTH];    /* per open container */
    bool has_items[JO_MAX_DEPTH];
    char buffer[JO_BUFFER];
} json_out;

/* Start writing one JSON value to `out`, formatted. `j` holds no
 * resources. */
void jo_init(json_out *j, FILE *out);

/* Start writing one JSON value to `sink`, formatted when `pretty`, else as
 * cJSON_PrintUnformatted() does (no whitespace at all; what the CycloneDX
 * serial number hashes). */
void jo_init_sink(json_out *j, jo_sink sink, void *ctx, bool pretty);

void jo_object_begin(json_out *j);
void jo_object_end(json_out *j);
void jo_array_begin(json_out *j);
void jo_array_end(json_out *j);

/* The name of the next member of the current object. */
void jo_key(json_out *j, const char *key);

/* Values. jo_string(NULL) writes null. */
void jo_string(json_out *j, const char *s);
void jo_number(json_out *j, double v);
void jo_bool(json_out *j, bool v);
void jo_null(json_out *j);

/* A member: jo_key() and the value. */
void jo_key_string(json_out *j, const char *key, const char *s);
/* The member only when `s` is not NULL (SARIF and CycloneDX leave absent
 * values out). */
void jo_key_string_opt(json_out *j, const char *key, const char *s);
void jo_key_number(json_out *j, const char *key, double v);
void jo_key_bool(json_out *j, const char *key, bool v);
void jo_key_null(json_out *j, const char *key);
void jo_key_object_begin(json_out *j, const char *key);
void jo_key_array_begin(json_out *j, const char *key);

/* An array of strings (NULL entries write null). */
void jo_key_strings(json_out *j, const char *key, char *const *v, size_t n);

/* End the document: every container must be closed. Writes a newline
 * (formatted output only) and the buffered text to the FILE* (without
 * fflush) or the sink. Returns 0, or -1 with "cannot write the WHAT report"
 * (or "... misused" for unbalanced calls). */
int jo_finish(json_out *j, const char *what, airlock_error *err);

#endif
