/*
 * toml_int.h - what core/toml.c (tree, tables, grammar) and core/toml_lex.c
 * (bytes, strings, numbers, date-times) share. Private to the TOML parser.
 */
#ifndef AIRLOCK_TOML_INT_H
#define AIRLOCK_TOML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/toml.h"

/* Table flags. A table made by a [header] is EXPLICIT; one that a header
 * path only passed through is neither (a later [header] may still define
 * it); one made or extended by dotted keys remembers the section it was in
 * (`dotted_section`), as only that section may add to it by dotted keys.
 * Inline tables, and every table inside one, are FROZEN. Arrays of tables
 * carry AOT; other arrays (literals) are frozen by nature. */
enum {
    TF_EXPLICIT = 1,
    TF_FROZEN = 2,
    TF_AOT = 4,
};

typedef struct toml_entry {
    const char *key; /* NUL-terminated, in the arena */
    size_t klen;
    uint64_t hash;
    toml_value *val;
} toml_entry;

struct toml_value {
    uint8_t type;
    uint8_t flags;
    uint16_t depth; /* containers: nesting below the root */
    unsigned line;
    unsigned dotted_section; /* tables: section + 1 of dotted keys, or 0 */
    toml_value *next_container; /* every container, for toml_free() */
    union {
        struct {
            char *s;
            size_t len;
        } str; /* strings and date-times */
        int64_t i;
        double f;
        bool b;
        struct {
            toml_value **items;
            size_t n, cap;
        } arr;
        struct {
            toml_entry *e;
            size_t n, cap;
            uint32_t *idx; /* open addressing, entry index + 1; NULL while small */
            size_t idxcap;
            uint64_t seed; /* the tree's hash seed */
        } tab;
    } u;
};

typedef struct toml_chunk {
    struct toml_chunk *next;
    size_t used, cap;
    max_align_t data[];
} toml_chunk;

/* One part of a dotted key: in the arena (`owned`, NUL-terminated) or
 * pointing into the input (a bare key). */
typedef struct toml_keypart {
    const char *s;
    size_t len;
    bool owned;
    uint64_t hash;
} toml_keypart;

/* The parse in progress: cursor, line, arena, scratch space and the key
 * being read (one at a time: a key is walked before its value is read). */
typedef struct toml_parser {
    const char *p, *end;
    const char *file;
    unsigned line;
    unsigned section;
    uint64_t seed; /* per tree, so that colliding keys cannot be precomputed */
    airlock_error *err;
    toml_chunk *chunks;
    toml_value *containers;
    buf scratch;
    toml_keypart key[TOML_DEPTH_MAX + 1];
    size_t nkey;
    unsigned key_line;
    char quoted[400]; /* a key quoted for a message */
} toml_parser;

/* Arena allocation, 16-byte aligned, owned by the tree. */
void *tp_alloc(toml_parser *P, size_t n);
char *tp_strdup(toml_parser *P, const char *s, size_t n);

/* "FILE:LINE: message" at the parser's current line. Returns -1. */
int tp_error(toml_parser *P, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Check the whole input once: valid UTF-8, no NUL or other control
 * character except tab, LF and CR before LF. Returns 0 or -1. */
int tl_check_bytes(toml_parser *P);

/* A string of any kind at P->p (which is at ' or "). `key` refuses the
 * multi-line kinds. On success the decoded bytes are in the arena,
 * NUL-terminated, and P->p is past the closing quote(s). */
int tl_string(toml_parser *P, bool key, char **out, size_t *len);

/* A boolean, number or date-time at P->p into `v` (type and value). */
int tl_scalar(toml_parser *P, toml_value *v);

#endif
