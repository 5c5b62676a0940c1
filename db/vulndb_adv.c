/*
 * vulndb_adv.c - decoding of "pkg" and "adv" values (vulndb_adv.h).
 *
 * An advisory is decoded in two passes over its value: the first checks
 * every length and adds up the room its arrays and strings need, the
 * second copies them into one block of exactly that size. One allocation
 * an advisory (it was eight and more: each array its own, each origin's
 * source a copy), and one free when its finding goes.
 */
#include "db/vulndb_adv.h"

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "db/vulndb_format.h"

/* ---- "pkg" values ---- */

int vulndb_pkg_match(const void *value, size_t len, const uint8_t *key, size_t klen,
                     vulndb_match **out, size_t *cap)
{
    vdb_cursor c = {value, (const uint8_t *)value + len, false};
    size_t n = vdb_get_count(&c, 4);
    size_t hits = 0;
    for (size_t e = 0; e < n && !c.bad; e++) {
        uint64_t group = vdb_get_varint(&c);
        bool hit = false;
        size_t niv = vdb_get_count(&c, 1);
        for (size_t i = 0; i < niv && !c.bad; i++) {
            uint64_t flags = vdb_get_varint(&c);
            const uint8_t *lo = NULL, *hi = NULL;
            size_t lolen = 0, hilen = 0;
            if (flags & VULNDB_IV_LO)
                lo = vdb_get_bytes(&c, &lolen);
            if (flags & VULNDB_IV_HI)
                hi = vdb_get_bytes(&c, &hilen);
            if (hit)
                continue;
            if (lo != NULL && vdb_keycmp(key, klen, lo, lolen) < 0)
                continue;
            if (hi != NULL) {
                int r = vdb_keycmp(key, klen, hi, hilen);
                if (r > 0 || (r == 0 && !(flags & VULNDB_IV_HI_INCL)))
                    continue;
            }
            hit = true;
        }
        size_t nver = vdb_get_count(&c, 1);
        for (size_t i = 0; i < nver && !c.bad; i++) {
            size_t vlen;
            const uint8_t *p = vdb_get_bytes(&c, &vlen);
            if (!hit && vlen == klen && memcmp(p, key, vlen) == 0)
                hit = true;
        }
        const uint8_t *fixed = c.p;
        size_t nfix = vdb_get_count(&c, 2);
        for (size_t i = 0; i < nfix && !c.bad; i++) {
            size_t flen;
            vdb_get_bytes(&c, &flen);
            vdb_get_bytes(&c, &flen);
        }
        if (hit && !c.bad && group <= UINT32_MAX) {
            if (out != NULL) {
                if (hits == *cap) { /* room doubles: no copy per match */
                    *cap = *cap ? 2 * *cap : 4;
                    *out = xrealloc(*out, *cap * sizeof **out);
                }
                (*out)[hits] = (vulndb_match){(uint32_t)group, fixed, c.p};
            }
            hits++;
        }
    }
    if (c.bad || c.p != c.end)
        return -1;
    return hits > INT32_MAX ? INT32_MAX : (int)hits;
}

/* ---- "adv" values ---- */

/* Where the decoder puts what it reads. In the first pass (`base` NULL) it
 * only counts: `arrays` and `bytes` grow by what each array and string
 * would take. In the second, arrays are cut from [arr, arr_end) and
 * strings from [str, str_end) of the block, each cut checked against its
 * end: a pass that wanted more than the first counted sets `bad`. */
typedef struct sink {
    char *base;
    size_t arrays, bytes;        /* first pass */
    char *arr, *arr_end, *str, *str_end;
    bool bad;
} sink;

/* Every array starts aligned for anything: the block is malloc's. */
#define ARRAY_ALIGN alignof(max_align_t)

static size_t rounded(size_t n)
{
    return (n + ARRAY_ALIGN - 1) / ARRAY_ALIGN * ARRAY_ALIGN;
}

/* Room for `n` items of `size` bytes (n is a checked count: at most the
 * value's length), or NULL in the first pass. */
static inline __attribute__((always_inline)) void *take_array(sink *s, size_t n, size_t size)
{
    if (n > (SIZE_MAX - ARRAY_ALIGN) / size) {
        s->bad = true;
        return NULL;
    }
    size_t want = rounded(n * size);
    if (s->base == NULL) {
        s->arrays += want;
        return NULL;
    }
    if (want > (size_t)(s->arr_end - s->arr)) {
        s->bad = true;
        return NULL;
    }
    void *p = s->arr;
    s->arr += want;
    return p;
}

/* A copy of `n` bytes at `p` with a NUL, or NULL in the first pass. */
static inline char *put_text(sink *s, const void *p, size_t n)
{
    if (s->base == NULL) {
        s->bytes += n + 1;
        return NULL;
    }
    if (n >= (size_t)(s->str_end - s->str)) {
        s->bad = true;
        return NULL;
    }
    char *t = s->str;
    if (n > 0)
        memcpy(t, p, n);
    t[n] = '\0';
    s->str += n + 1;
    return t;
}

static inline __attribute__((always_inline)) char *get_str(sink *s, vdb_cursor *c)
{
    size_t n;
    const uint8_t *p = vdb_get_bytes(c, &n);
    return put_text(s, p, n);
}

/* A counted list of strings: *n and its array (NULL in the first pass). */
static inline __attribute__((always_inline)) char **get_strs(sink *s, vdb_cursor *c, size_t *n)
{
    *n = vdb_get_count(c, 1);
    char **v = take_array(s, *n, sizeof *v);
    for (size_t i = 0; i < *n && !c->bad; i++) {
        char *t = get_str(s, c);
        if (v != NULL)
            v[i] = t;
    }
    return v;
}

static severity get_level(vdb_cursor *c)
{
    uint64_t v = vdb_get_varint(c);
    if (v > SEVERITY_CRITICAL) {
        c->bad = true;
        return SEVERITY_UNKNOWN;
    }
    return (severity)v;
}

/* One pass over the advisory `c` reads into `a` (through `s`). In the
 * first pass `a` gets the counts only; the pointers stay NULL. */
static void read_advisory(sink *s, vdb_cursor *c, const vulndb_source *sources,
                          size_t n_sources, vulndb_advisory *a)
{
    a->id = get_str(s, c);
    a->ids = get_strs(s, c, &a->n_ids);
    a->summary = get_str(s, c);
    a->details = get_str(s, c);
    a->published = get_str(s, c);
    a->modified = get_str(s, c);
    a->level = get_level(c);
    uint64_t score = vdb_get_varint(c);
    a->score = score == 0 ? -1.0 : (double)(score - 1) / 10.0;
    a->cvss_type = get_str(s, c);
    a->cvss_vector = get_str(s, c);
    a->label = get_str(s, c);
    a->n_cvss = vdb_get_count(c, 4);
    a->cvss = take_array(s, a->n_cvss, sizeof *a->cvss);
    for (size_t i = 0; i < a->n_cvss && !c->bad; i++) {
        vulndb_cvss x;
        x.type = get_str(s, c);
        x.vector = get_str(s, c);
        x.score = (double)vdb_get_varint(c) / 10.0;
        x.level = get_level(c);
        if (a->cvss != NULL)
            a->cvss[i] = x;
    }
    a->n_refs = vdb_get_count(c, 2);
    a->refs = take_array(s, a->n_refs, sizeof *a->refs);
    for (size_t i = 0; i < a->n_refs && !c->bad; i++) {
        vulndb_reference x;
        x.type = get_str(s, c);
        x.url = get_str(s, c);
        if (a->refs != NULL)
            a->refs[i] = x;
    }
    a->n_origins = vdb_get_count(c, 4);
    a->origins = take_array(s, a->n_origins, sizeof *a->origins);
    for (size_t i = 0; i < a->n_origins && !c->bad; i++) {
        vulndb_origin x;
        x.id = get_str(s, c);
        x.modified = get_str(s, c);
        uint64_t src = vdb_get_varint(c);
        const char *name = src < n_sources && sources[src].name != NULL ? sources[src].name
                                                                          : "?";
        x.source = put_text(s, name, strlen(name));
        x.origin = get_str(s, c);
        if (a->origins != NULL)
            a->origins[i] = x;
    }
    a->n_packages = vdb_get_count(c, 3);
    a->packages = take_array(s, a->n_packages, sizeof *a->packages);
    for (size_t i = 0; i < a->n_packages && !c->bad; i++) {
        vulndb_package x;
        x.name = get_str(s, c);
        x.ranges = get_strs(s, c, &x.n_ranges);
        x.fixed = get_strs(s, c, &x.n_fixed);
        if (a->packages != NULL)
            a->packages[i] = x;
    }
}

/* The fixed versions of section `c` whose keys sort above `key`. */
static void read_fixed(sink *s, vdb_cursor *c, const uint8_t *key, size_t klen, vulndb_hit *h)
{
    size_t nfix = vdb_get_count(c, 2);
    h->fix_versions = take_array(s, nfix, sizeof *h->fix_versions);
    h->n_fix_versions = 0;
    for (size_t f = 0; f < nfix && !c->bad; f++) {
        size_t len, tlen;
        const uint8_t *fk = vdb_get_bytes(c, &len);
        const uint8_t *text = vdb_get_bytes(c, &tlen);
        if (c->bad || vdb_keycmp(fk, len, key, klen) <= 0)
            continue;
        char *t = put_text(s, text, tlen);
        if (h->fix_versions != NULL)
            h->fix_versions[h->n_fix_versions] = t;
        h->n_fix_versions++;
    }
}

/* Both passes over the advisory and, with `m`, the match's fixed versions. */
static int decode(const void *value, size_t len, const vulndb_source *sources, size_t n_sources,
                  const vulndb_match *m, const uint8_t *key, size_t klen, vulndb_hit *out)
{
    memset(out, 0, sizeof *out);
    sink s = {0};
    for (int pass = 0; pass < 2; pass++) {
        vdb_cursor c = {value, (const uint8_t *)value + len, false};
        read_advisory(&s, &c, sources, n_sources, &out->adv);
        vdb_cursor fc = {NULL, NULL, false};
        if (m != NULL) {
            fc = (vdb_cursor){m->fixed, m->end, false};
            read_fixed(&s, &fc, key, klen, out);
        }
        if (c.bad || c.p != c.end || fc.bad || fc.p != fc.end || s.bad) {
            free(s.base);
            memset(out, 0, sizeof *out);
            return -1;
        }
        if (pass == 0) {
            /* Each string took a length byte at least, each array item a
             * byte or more: both sums are bounded by a few times len. */
            size_t total = s.arrays + s.bytes;
            s.base = xmalloc(total ? total : 1);
            s.arr = s.base;
            s.arr_end = s.str = s.base + s.arrays;
            s.str_end = s.base + total;
        }
    }
    out->adv.strings = s.base;
    return 0;
}

int vulndb_advisory_decode(const void *value, size_t len, const vulndb_source *sources,
                           size_t n_sources, vulndb_advisory *out)
{
    vulndb_hit h;
    int rc = decode(value, len, sources, n_sources, NULL, NULL, 0, &h);
    *out = h.adv;
    return rc;
}

int vulndb_hit_decode(const void *value, size_t len, const vulndb_source *sources,
                      size_t n_sources, const vulndb_match *m, const uint8_t *key, size_t klen,
                      vulndb_hit *out)
{
    return decode(value, len, sources, n_sources, m, key, klen, out);
}

/* ---- pooled hits: what a finding shows ---- */

static inline void skip_strs(vdb_cursor *c, size_t n)
{
    for (size_t i = 0; i < n && !c->bad; i++) {
        size_t len;
        vdb_get_bytes(c, &len);
    }
}

/* The first pass of vulndb_hit_decode_pooled(): the whole value checked
 * as read_advisory() reads it, the counts of the arrays kept, and where
 * the references end (all that is kept lies before). */
static const uint8_t *check_advisory(vdb_cursor *c, size_t *n_ids, size_t *n_cvss,
                                     size_t *n_refs)
{
    skip_strs(c, 1); /* id */
    *n_ids = vdb_get_count(c, 1);
    skip_strs(c, *n_ids);
    skip_strs(c, 4); /* summary, details, published, modified */
    get_level(c);
    vdb_get_varint(c); /* score */
    skip_strs(c, 3);   /* cvss_type, cvss_vector, label */
    *n_cvss = vdb_get_count(c, 4);
    for (size_t i = 0; i < *n_cvss && !c->bad; i++) {
        skip_strs(c, 2);
        vdb_get_varint(c);
        get_level(c);
    }
    *n_refs = vdb_get_count(c, 2);
    skip_strs(c, 2 * *n_refs);
    const uint8_t *kept_end = c->p;
    size_t n = vdb_get_count(c, 4); /* origins */
    for (size_t i = 0; i < n && !c->bad; i++) {
        skip_strs(c, 2);
        vdb_get_varint(c);
        skip_strs(c, 1);
    }
    n = vdb_get_count(c, 3); /* packages */
    for (size_t i = 0; i < n && !c->bad; i++) {
        skip_strs(c, 1);
        skip_strs(c, vdb_get_count(c, 1));
        skip_strs(c, vdb_get_count(c, 1));
    }
    return kept_end;
}

static inline void same_count(vdb_cursor *c, size_t min_item, size_t want)
{
    if (vdb_get_count(c, min_item) != want)
        c->bad = true;
}

/* The string at the cursor as a C string in `copy` (the value's bytes
 * from `value` on, copied), ended in place. */
static inline char *in_copy(vdb_cursor *c, const uint8_t *value, char *copy, char *nul)
{
    size_t n;
    const uint8_t *p = vdb_get_bytes(c, &n);
    if (c->bad) /* not after check_advisory(); still no pointer from "" */
        return nul;
    char *t = copy + (p - value);
    t[n] = '\0';
    return t;
}

int vulndb_hit_decode_pooled(const void *value, size_t len, const vulndb_match *m,
                             const uint8_t *key, size_t klen, vulndb_pool *pool,
                             vulndb_hit *out)
{
    memset(out, 0, sizeof *out);
    const uint8_t *v = value;
    vdb_cursor c = {v, v + len, false};
    size_t n_ids, n_cvss, n_refs;
    const uint8_t *kept_end = check_advisory(&c, &n_ids, &n_cvss, &n_refs);
    if (c.bad || c.p != c.end)
        return -1;
    /* The fixed versions above `key`: how many, and their text's room. */
    vdb_cursor fc = {m->fixed, m->end, false};
    size_t nfix = vdb_get_count(&fc, 2), n_fix = 0, fix_bytes = 0;
    for (size_t f = 0; f < nfix && !fc.bad; f++) {
        size_t flen, tlen;
        const uint8_t *fk = vdb_get_bytes(&fc, &flen);
        vdb_get_bytes(&fc, &tlen);
        if (!fc.bad && vdb_keycmp(fk, flen, key, klen) > 0) {
            n_fix++;
            fix_bytes += tlen + 1 + flen;
        }
    }
    if (fc.bad || fc.p != fc.end)
        return -1;
    /* One piece: the arrays, the fixed versions' text, then the copy.
     * Every count is at most len (or the section's length); the bound
     * keeps the sums below from wrapping where size_t is narrow: with a
     * 32-bit size_t it refuses a value over 16 MiB as damaged (no real
     * advisory comes near; with 64 bits the bound is never reached). */
    const size_t most = SIZE_MAX / 256;
    if (len > most || n_ids > most || n_cvss > most || n_refs > most || n_fix > most ||
        fix_bytes > most)
        return -1;
    size_t kept = (size_t)(kept_end - v);
    size_t arrays = rounded(n_ids * sizeof(char *)) + rounded(n_cvss * sizeof(vulndb_cvss)) +
                    rounded(n_refs * sizeof(vulndb_reference)) +
                    rounded(n_fix * sizeof(char *)) + rounded(n_fix * sizeof(vulndb_key));
    char *block = vulndb_pool_alloc(pool, arrays + fix_bytes + kept + 1);
    char *arr = block, *text = block + arrays, *copy = text + fix_bytes, *text_end = copy;
    if (kept > 0)
        memcpy(copy, v, kept);
    char *nul = copy + kept;
    *nul = '\0';

    vulndb_advisory *a = &out->adv;
    a->ids = (char **)(void *)arr;
    arr += rounded(n_ids * sizeof(char *));
    a->cvss = (vulndb_cvss *)(void *)arr;
    arr += rounded(n_cvss * sizeof(vulndb_cvss));
    a->refs = (vulndb_reference *)(void *)arr;
    arr += rounded(n_refs * sizeof(vulndb_reference));
    out->fix_versions = (char **)(void *)arr;
    arr += rounded(n_fix * sizeof(char *));
    out->fix_keys = (vulndb_key *)(void *)arr;

    c = (vdb_cursor){v, kept_end, false};
    a->id = in_copy(&c, v, copy, nul);
    /* The same bytes as the first pass read: a count that differed would
     * be a bug, and is refused before it could write past an array. */
    a->n_ids = n_ids;
    same_count(&c, 1, n_ids);
    for (size_t i = 0; i < n_ids && !c.bad; i++)
        a->ids[i] = in_copy(&c, v, copy, nul);
    a->summary = in_copy(&c, v, copy, nul);
    a->details = in_copy(&c, v, copy, nul);
    a->published = in_copy(&c, v, copy, nul);
    a->modified = in_copy(&c, v, copy, nul);
    a->level = get_level(&c);
    uint64_t score = vdb_get_varint(&c);
    a->score = score == 0 ? -1.0 : (double)(score - 1) / 10.0;
    a->cvss_type = in_copy(&c, v, copy, nul);
    a->cvss_vector = in_copy(&c, v, copy, nul);
    a->label = in_copy(&c, v, copy, nul);
    a->n_cvss = n_cvss;
    same_count(&c, 4, n_cvss);
    for (size_t i = 0; i < n_cvss && !c.bad; i++) {
        vulndb_cvss *x = &a->cvss[i];
        x->type = in_copy(&c, v, copy, nul);
        x->vector = in_copy(&c, v, copy, nul);
        x->score = (double)vdb_get_varint(&c) / 10.0;
        x->level = get_level(&c);
    }
    a->n_refs = n_refs;
    same_count(&c, 2, n_refs);
    for (size_t i = 0; i < n_refs && !c.bad; i++) {
        a->refs[i].type = in_copy(&c, v, copy, nul);
        a->refs[i].url = in_copy(&c, v, copy, nul);
    }
    if (c.bad || c.p != kept_end) {
        memset(out, 0, sizeof *out);
        return -1;
    }

    fc = (vdb_cursor){m->fixed, m->end, false};
    nfix = vdb_get_count(&fc, 2);
    for (size_t f = 0; f < nfix && !fc.bad && out->n_fix_versions < n_fix; f++) {
        size_t flen, tlen;
        const uint8_t *fk = vdb_get_bytes(&fc, &flen);
        const uint8_t *t = vdb_get_bytes(&fc, &tlen);
        if (fc.bad || vdb_keycmp(fk, flen, key, klen) <= 0)
            continue;
        if (tlen + 1 + flen > (size_t)(text_end - text))
            break; /* not after the first pass over the same bytes: refused below */
        if (tlen > 0)
            memcpy(text, t, tlen);
        text[tlen] = '\0';
        out->fix_versions[out->n_fix_versions] = text;
        text += tlen + 1;
        if (flen > 0)
            memcpy(text, fk, flen);
        out->fix_keys[out->n_fix_versions++] = (vulndb_key){(const uint8_t *)text, flen};
        text += flen;
    }
    if (out->n_fix_versions != n_fix) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
}
