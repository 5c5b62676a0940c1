/*
 * vulndb_format.h - the on-disk encoding of the vulnerability database,
 * shared by its writer (dbbuild/dbwriter.c) and its reader (db/vulndb.c).
 * docs/database-schema.md describes the same layout in prose; change both
 * together and bump VULNDB_SCHEMA_VERSION whenever the bytes change.
 *
 * Values are sequences of unsigned LEB128 varints and byte strings (a varint
 * length, then the bytes, no NUL). The reader checks every length against the
 * end of the value.
 */
#ifndef AIRLOCK_VULNDB_FORMAT_H
#define AIRLOCK_VULNDB_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"

#define VULNDB_SCHEMA_VERSION 1u

/* Named databases. */
#define VULNDB_DB_META "meta" /* text key -> value (see the docs) */
#define VULNDB_DB_PKG "pkg"   /* normalised name -> compiled ranges per group */
#define VULNDB_DB_ADV "adv"   /* u32 big-endian group number -> advisory */
#define VULNDB_DB_IDS "ids"   /* every ID and alias -> u32 big-endian group */
/* Optional (a database built without --index has none, and still opens):
 * normalised name -> the project's releases. */
#define VULNDB_DB_REL "rel"
#define VULNDB_MAX_DBS 5

/* Flags of one release in a "rel" value. */
#define VULNDB_REL_YANKED 1u       /* every file yanked; a yank reason follows */
#define VULNDB_REL_SAME_PYTHON 2u  /* requires-python as the previous release's */

/* Flags of one compiled interval in a "pkg" value. */
#define VULNDB_IV_LO 1u       /* has a lower bound (inclusive); else from -inf */
#define VULNDB_IV_HI 2u       /* has an upper bound; else to +inf */
#define VULNDB_IV_HI_INCL 4u  /* upper bound inclusive (last_affected) */

/* Fixed map size of the environment: recorded in the file, so it is part of
 * what makes a build reproducible. */
#define VULNDB_MAP_SIZE ((size_t)1 << 32)

/* ---- encoding ---- */

static inline void vdb_put_varint(buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        uint8_t byte = (uint8_t)(v & 0x7f);
        v >>= 7;
        tmp[n++] = (uint8_t)(byte | (v ? 0x80 : 0));
    } while (v);
    buf_append(b, tmp, n);
}

static inline void vdb_put_bytes(buf *b, const void *p, size_t len)
{
    vdb_put_varint(b, len);
    buf_append(b, p, len);
}

static inline void vdb_put_str(buf *b, const char *s)
{
    vdb_put_bytes(b, s ? s : "", s ? strlen(s) : 0);
}

static inline void vdb_put_u32be(uint8_t out[4], uint32_t v)
{
    out[0] = (uint8_t)(v >> 24);
    out[1] = (uint8_t)(v >> 16);
    out[2] = (uint8_t)(v >> 8);
    out[3] = (uint8_t)v;
}

/* ---- decoding: a cursor over one value; any overrun sets `bad` ---- */

typedef struct vdb_cursor {
    const uint8_t *p;
    const uint8_t *end;
    bool bad;
} vdb_cursor;

static inline uint64_t vdb_get_varint(vdb_cursor *c)
{
    /* Most are one byte (lengths and counts under 128): no loop for them. */
    if (c->p < c->end && *c->p < 0x80)
        return *c->p++;
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (c->p >= c->end) {
            c->bad = true;
            return 0;
        }
        uint8_t byte = *c->p++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return v;
    }
    c->bad = true;
    return 0;
}

/* A byte string pointing into the value (not copied). */
static inline const uint8_t *vdb_get_bytes(vdb_cursor *c, size_t *len)
{
    uint64_t n = vdb_get_varint(c);
    if (c->bad || n > (uint64_t)(c->end - c->p)) {
        c->bad = true;
        *len = 0;
        return (const uint8_t *)"";
    }
    const uint8_t *p = c->p;
    c->p += n;
    *len = (size_t)n;
    return p;
}

/* A count of items of at least `min_item` bytes each: one that the rest of
 * the value could not hold sets `bad` (and is 0), so that no caller sizes
 * an allocation from a count the value cannot back. */
static inline size_t vdb_get_count(vdb_cursor *c, size_t min_item)
{
    uint64_t n = vdb_get_varint(c);
    if (c->bad || n > (uint64_t)(c->end - c->p) / (min_item ? min_item : 1)) {
        c->bad = true;
        return 0;
    }
    return (size_t)n;
}

static inline uint32_t vdb_get_u32be(const uint8_t in[4])
{
    return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

/* LMDB's default key order, which is also version_key()'s: memcmp over the
 * common prefix, then the shorter first. */
static inline int vdb_keycmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int r = memcmp(a, b, alen < blen ? alen : blen);
    if (r != 0)
        return r;
    return alen < blen ? -1 : alen > blen;
}

#endif
