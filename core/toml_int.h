/*
 * toml_int.h - what core/toml.c (tree, tables, grammar) and core/toml_lex.c
 * (bytes, strings, numbers, date-times) share. Private to the TOML parser.
 */
#ifndef AIRLOCK_TOML_INT_H
#define AIRLOCK_TOML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* A table's key: `key` is NUL-terminated in the arena (shared by every
 * table that holds the same bare key). `hash` is the seeded hash's low 32
 * bits once the table is indexed; while it is small (and scanned) it is the
 * key's tag instead (see toml_keypart). */
typedef struct toml_entry {
    const char *key;
    toml_value *val;
    uint32_t klen;
    uint32_t hash;
} toml_entry;

/* A large table's open-addressing index: entry index + 1 per slot. */
typedef struct toml_index {
    uint64_t seed; /* the tree's hash seed, for toml_get() */
    uint32_t cap;  /* slots, a power of two */
    uint32_t slot[];
} toml_index;

/* 32 bytes. Everything lives in the tree's arena, so that toml_free() only
 * frees the arena's chunks. Arrays and tables that may still grow (tables
 * and arrays of tables, which later headers extend) have a capacity of the
 * power of two at or above their length (at least 4), so it need not be
 * stored; literal arrays are built on the parser's stack and copied once,
 * exactly sized, when they close. */
struct toml_value {
    uint8_t type;
    uint8_t flags;
    uint16_t depth; /* containers: nesting below the root */
    uint32_t line;
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
            uint32_t n;
        } arr;
        struct {
            toml_entry *e;
            uint32_t n;
            uint32_t dotted_section; /* section + 1 of dotted keys, or 0 */
            toml_index *idx;         /* NULL while small */
        } tab;
    } u;
};

typedef struct toml_chunk {
    struct toml_chunk *next;
    size_t used, cap;
    max_align_t data[];
} toml_chunk;

/* One part of a dotted key: in the arena (`owned`, NUL-terminated) or
 * pointing into the input (a bare key). `tag`, an unseeded mix of its
 * length and first eight bytes, spares most comparisons in small tables;
 * the seeded hash is computed only when an indexed table needs it. */
typedef struct toml_keypart {
    const char *s;
    size_t len;
    uint64_t head; /* its first eight bytes, zero-padded */
    uint64_t hash;
    uint32_t tag;
    bool owned;
    bool hashed;
} toml_keypart;

typedef struct toml_interned toml_interned;

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
    buf scratch;
    /* Elements of the literal arrays being read, innermost last. */
    toml_value **stack;
    size_t nstack, capstack;
    /* Recent bare keys, by a hash of their bytes, so that a key repeated
     * in thousands of inline tables is stored once. */
    struct toml_interned {
        const char *s;
        size_t len;
        uint64_t head;
    } intern[256];
    toml_keypart key[TOML_DEPTH_MAX + 1];
    size_t nkey;
    unsigned key_line;
    char quoted[400]; /* a key quoted for a message */
} toml_parser;

/* A chunk with room for `n` more bytes (a new one when the head is full). */
toml_chunk *tp_chunk_for(toml_parser *P, size_t n);

/* Arena allocation owned by the tree: 8-byte aligned, or (bytes) not.
 * Inline: a tree of a lockfile makes some 100 000 of them. */
static inline void *tp_alloc(toml_parser *P, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    toml_chunk *c = P->chunks;
    size_t at = c ? (c->used + 7) & ~(size_t)7 : 0;
    if (!c || at > c->cap || c->cap - at < n) {
        c = tp_chunk_for(P, n);
        at = c->used;
    }
    c->used = at + n;
    return (char *)c->data + at;
}

static inline char *tp_alloc_bytes(toml_parser *P, size_t n)
{
    toml_chunk *c = P->chunks;
    if (!c || c->cap - c->used < n)
        c = tp_chunk_for(P, n);
    char *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

static inline char *tp_strdup(toml_parser *P, const char *s, size_t n)
{
    char *d = tp_alloc_bytes(P, n + 1);
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

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
