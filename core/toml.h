/*
 * toml.h - TOML 1.0.0, read into a tree of values that remember their line.
 *
 * toml_parse() accepts exactly the documents TOML 1.0.0 accepts (a leading
 * UTF-8 BOM included, as the specification allows) and rejects every other
 * with a message "FILE:LINE: why". Lockfile and pyproject.toml readers walk
 * the tree it returns; every value carries the 1-based line on which it
 * starts, so that a report can name the line a package came from.
 *
 * Guarantees, for any bytes: no read outside the buffer given, no unbounded
 * recursion (arrays and inline tables nest at most TOML_DEPTH_MAX deep; a
 * deeper document is an error saying so), and time near-linear in the
 * input (key lookups in large tables are hashed, not scanned).
 *
 * Ownership: toml_parse() returns one tree owned by the caller, freed with
 * toml_free(). Every pointer an accessor returns (values, keys, strings)
 * points into that tree and lives until toml_free().
 */
#ifndef AIRLOCK_TOML_H
#define AIRLOCK_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Arrays and inline tables nested deeper than this are refused. Real
 * lockfiles nest four deep; the limit only stops a hostile document from
 * exhausting the stack. */
#define TOML_DEPTH_MAX 128

typedef enum toml_type {
    TOML_TABLE,
    TOML_ARRAY,
    TOML_STRING,
    TOML_INTEGER,
    TOML_FLOAT,
    TOML_BOOL,
    TOML_DATETIME,       /* offset date-time: 1979-05-27T07:32:00Z */
    TOML_DATETIME_LOCAL, /* local date-time:  1979-05-27T07:32:00 */
    TOML_DATE_LOCAL,     /* local date:       1979-05-27 */
    TOML_TIME_LOCAL      /* local time:       07:32:00 */
} toml_type;

typedef struct toml_value toml_value;

/* Parse the `len` bytes at `data` (not NUL-terminated; a NUL byte anywhere
 * is an error, as TOML forbids it). `file` names the input in messages and
 * may be NULL ("<input>"). On success *out is the root table. Returns 0, or
 * -1 with "FILE:LINE: message" in `err` (*out NULL). */
int toml_parse(const char *data, size_t len, const char *file, toml_value **out,
               airlock_error *err);

/* Free a tree returned by toml_parse(); NULL is allowed. */
void toml_free(toml_value *root);

/* The value's type, and the 1-based line on which it starts (for a table:
 * its [header], or the line of its first key when it has none; the root
 * table is line 1). */
toml_type toml_type_of(const toml_value *v);
unsigned toml_line(const toml_value *v);

/* Number of elements of an array, or of keys of a table; 0 for others. */
size_t toml_len(const toml_value *v);

/* Element `i` of an array (NULL when `v` is not an array or `i` is out of
 * range). */
const toml_value *toml_at(const toml_value *v, size_t i);

/* Key `i` of a table, in the order the keys were first defined, and its
 * value; NULL when `v` is not a table or `i` is out of range. Keys are
 * NUL-terminated; a key holding an escaped NUL (\u0000) is cut there for
 * this call; toml_key_len() gives its full length. */
const char *toml_key_at(const toml_value *v, size_t i);
size_t toml_key_len(const toml_value *v, size_t i);
const toml_value *toml_value_at(const toml_value *v, size_t i);

/* The value of `key` in table `v` (NUL-terminated key, compared bytewise),
 * or NULL when `v` is not a table or has no such key. */
const toml_value *toml_get(const toml_value *v, const char *key);

/* Typed getters on a value: NULL / false when `v` is NULL or of another
 * type, so that `toml_string(toml_get(t, "version"))` needs no checks.
 * Strings are UTF-8 and NUL-terminated; one holding \u0000 continues past
 * it, and *len (when `len` is not NULL) gives its full length. */
const char *toml_string(const toml_value *v, size_t *len);
bool toml_integer(const toml_value *v, int64_t *out);
bool toml_float(const toml_value *v, double *out);
bool toml_bool(const toml_value *v, bool *out);

/* A date-time, date or time as written in the document, NUL-terminated
 * (with 't' and ' ' separators normalised to 'T', and 'z' to 'Z'); NULL
 * for other types. */
const char *toml_datetime(const toml_value *v);

/* Shorthands for walking lockfiles: the string / table / array at `key`
 * of table `v`, or NULL when absent or of another type. */
const char *toml_get_string(const toml_value *v, const char *key);
const toml_value *toml_get_table(const toml_value *v, const char *key);
const toml_value *toml_get_array(const toml_value *v, const char *key);

/* The type's name as toml-test spells it ("string", "integer", "float",
 * "bool", "datetime", "datetime-local", "date-local", "time-local"; "table"
 * and "array" for the containers), for messages and for toml-decode. */
const char *toml_type_name(toml_type t);

#endif
