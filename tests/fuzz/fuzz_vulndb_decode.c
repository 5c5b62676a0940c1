/* libFuzzer target: the "pkg" and "adv" values of the database
 * (db/vulndb_adv.h), which come from a signed snapshot and are decoded
 * without trusting it. The input is
 *   [key length: 1 byte][installed version key][pkg length: 2 bytes BE]
 *   [pkg value][adv value: the rest].
 * Every match of the key in the pkg value is decoded with the adv value as
 * a hit, and the adv value on its own as an advisory. What decodes must
 * agree field by field with the decoder this one replaced (one allocation
 * per string and array, kept below as the reference), and what does not
 * must not decode there either. A pooled hit (vulndb_hit_decode_pooled)
 * must decode exactly when the reference does, and agree with it on every
 * field it keeps, the fixed versions' keys included. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "db/vulndb_adv.h"
#include "db/vulndb_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the reference: the decoder before the one-block change ---- */

typedef struct ref_adv {
    vulndb_advisory a;
    char **fix;
    size_t n_fix;
    const uint8_t **fixk; /* the fixed versions' keys, in the value */
    size_t *fixk_len;
} ref_adv;

static char *ref_str(vdb_cursor *c)
{
    size_t n;
    const uint8_t *p = vdb_get_bytes(c, &n);
    return xstrndup((const char *)p, n);
}

static char **ref_strs(vdb_cursor *c, size_t *n)
{
    *n = vdb_get_count(c, 1);
    char **v = xcalloc(*n ? *n : 1, sizeof *v);
    for (size_t i = 0; i < *n; i++)
        v[i] = ref_str(c);
    return v;
}

static severity ref_level(vdb_cursor *c)
{
    uint64_t v = vdb_get_varint(c);
    if (v > SEVERITY_CRITICAL) {
        c->bad = true;
        return SEVERITY_UNKNOWN;
    }
    return (severity)v;
}

static void ref_free_strs(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        free(v[i]);
    free(v);
}

static void ref_clear(ref_adv *r)
{
    vulndb_advisory *a = &r->a;
    free(a->id);
    ref_free_strs(a->ids, a->n_ids);
    free(a->summary);
    free(a->details);
    free(a->published);
    free(a->modified);
    free(a->cvss_type);
    free(a->cvss_vector);
    free(a->label);
    for (size_t i = 0; a->cvss != NULL && i < a->n_cvss; i++) {
        free(a->cvss[i].type);
        free(a->cvss[i].vector);
    }
    free(a->cvss);
    for (size_t i = 0; a->refs != NULL && i < a->n_refs; i++) {
        free(a->refs[i].type);
        free(a->refs[i].url);
    }
    free(a->refs);
    for (size_t i = 0; a->origins != NULL && i < a->n_origins; i++) {
        free(a->origins[i].id);
        free(a->origins[i].modified);
        free(a->origins[i].source);
        free(a->origins[i].origin);
    }
    free(a->origins);
    for (size_t i = 0; a->packages != NULL && i < a->n_packages; i++) {
        free(a->packages[i].name);
        ref_free_strs(a->packages[i].ranges, a->packages[i].n_ranges);
        ref_free_strs(a->packages[i].fixed, a->packages[i].n_fixed);
    }
    free(a->packages);
    ref_free_strs(r->fix, r->n_fix);
    free(r->fixk);
    free(r->fixk_len);
    memset(r, 0, sizeof *r);
}

static const vulndb_source sources[2] = {{.name = "pypa.zip"}, {.name = "osv"}};

static int ref_decode(const uint8_t *p, size_t n, const vulndb_match *m, const uint8_t *key,
                      size_t klen, ref_adv *r)
{
    memset(r, 0, sizeof *r);
    vulndb_advisory *a = &r->a;
    vdb_cursor c = {p, p + n, false};
    a->id = ref_str(&c);
    a->ids = ref_strs(&c, &a->n_ids);
    a->summary = ref_str(&c);
    a->details = ref_str(&c);
    a->published = ref_str(&c);
    a->modified = ref_str(&c);
    a->level = ref_level(&c);
    uint64_t s = vdb_get_varint(&c);
    a->score = s == 0 ? -1.0 : (double)(s - 1) / 10.0;
    a->cvss_type = ref_str(&c);
    a->cvss_vector = ref_str(&c);
    a->label = ref_str(&c);
    a->n_cvss = vdb_get_count(&c, 4);
    a->cvss = xcalloc(a->n_cvss ? a->n_cvss : 1, sizeof *a->cvss);
    for (size_t i = 0; i < a->n_cvss; i++) {
        a->cvss[i].type = ref_str(&c);
        a->cvss[i].vector = ref_str(&c);
        a->cvss[i].score = (double)vdb_get_varint(&c) / 10.0;
        a->cvss[i].level = ref_level(&c);
    }
    a->n_refs = vdb_get_count(&c, 2);
    a->refs = xcalloc(a->n_refs ? a->n_refs : 1, sizeof *a->refs);
    for (size_t i = 0; i < a->n_refs; i++) {
        a->refs[i].type = ref_str(&c);
        a->refs[i].url = ref_str(&c);
    }
    a->n_origins = vdb_get_count(&c, 4);
    a->origins = xcalloc(a->n_origins ? a->n_origins : 1, sizeof *a->origins);
    for (size_t i = 0; i < a->n_origins; i++) {
        a->origins[i].id = ref_str(&c);
        a->origins[i].modified = ref_str(&c);
        uint64_t src = vdb_get_varint(&c);
        a->origins[i].source = xstrdup(src < 2 ? sources[src].name : "?");
        a->origins[i].origin = ref_str(&c);
    }
    a->n_packages = vdb_get_count(&c, 3);
    a->packages = xcalloc(a->n_packages ? a->n_packages : 1, sizeof *a->packages);
    for (size_t i = 0; i < a->n_packages; i++) {
        a->packages[i].name = ref_str(&c);
        a->packages[i].ranges = ref_strs(&c, &a->packages[i].n_ranges);
        a->packages[i].fixed = ref_strs(&c, &a->packages[i].n_fixed);
    }
    bool bad = c.bad || c.p != c.end;
    if (m != NULL) {
        vdb_cursor f = {m->fixed, m->end, false};
        size_t nfix = vdb_get_count(&f, 2);
        r->fix = xcalloc(nfix ? nfix : 1, sizeof *r->fix);
        r->fixk = xcalloc(nfix ? nfix : 1, sizeof *r->fixk);
        r->fixk_len = xcalloc(nfix ? nfix : 1, sizeof *r->fixk_len);
        for (size_t i = 0; i < nfix; i++) {
            size_t len, tlen;
            const uint8_t *fk = vdb_get_bytes(&f, &len);
            const uint8_t *text = vdb_get_bytes(&f, &tlen);
            if (vdb_keycmp(fk, len, key, klen) > 0) {
                r->fixk[r->n_fix] = fk;
                r->fixk_len[r->n_fix] = len;
                r->fix[r->n_fix++] = xstrndup((const char *)text, tlen);
            }
        }
        bad = bad || f.bad || f.p != f.end;
    }
    if (bad) {
        ref_clear(r);
        return -1;
    }
    return 0;
}

/* ---- the comparison ---- */

static void same_str(const char *a, const char *b)
{
    if (a == NULL || b == NULL || strcmp(a, b) != 0)
        abort();
}

static void same_strs(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb || (na > 0 && (a == NULL || b == NULL)))
        abort();
    for (size_t i = 0; i < na; i++)
        same_str(a[i], b[i]);
}

static void same_advisory(const vulndb_advisory *a, const vulndb_advisory *b)
{
    same_str(a->id, b->id);
    same_strs(a->ids, a->n_ids, b->ids, b->n_ids);
    same_str(a->summary, b->summary);
    same_str(a->details, b->details);
    same_str(a->published, b->published);
    same_str(a->modified, b->modified);
    same_str(a->cvss_type, b->cvss_type);
    same_str(a->cvss_vector, b->cvss_vector);
    same_str(a->label, b->label);
    if (a->level != b->level || a->score != b->score || a->n_cvss != b->n_cvss ||
        a->n_refs != b->n_refs || a->n_origins != b->n_origins ||
        a->n_packages != b->n_packages || a->strings == NULL)
        abort();
    for (size_t i = 0; i < a->n_cvss; i++) {
        same_str(a->cvss[i].type, b->cvss[i].type);
        same_str(a->cvss[i].vector, b->cvss[i].vector);
        if (a->cvss[i].score != b->cvss[i].score || a->cvss[i].level != b->cvss[i].level)
            abort();
    }
    for (size_t i = 0; i < a->n_refs; i++) {
        same_str(a->refs[i].type, b->refs[i].type);
        same_str(a->refs[i].url, b->refs[i].url);
    }
    for (size_t i = 0; i < a->n_origins; i++) {
        same_str(a->origins[i].id, b->origins[i].id);
        same_str(a->origins[i].modified, b->origins[i].modified);
        same_str(a->origins[i].source, b->origins[i].source);
        same_str(a->origins[i].origin, b->origins[i].origin);
    }
    for (size_t i = 0; i < a->n_packages; i++) {
        same_str(a->packages[i].name, b->packages[i].name);
        same_strs(a->packages[i].ranges, a->packages[i].n_ranges, b->packages[i].ranges,
                  b->packages[i].n_ranges);
        same_strs(a->packages[i].fixed, a->packages[i].n_fixed, b->packages[i].fixed,
                  b->packages[i].n_fixed);
    }
}

/* A pooled hit (vulndb_hit_decode_pooled) against the reference: every
 * field but the origins and packages, which it leaves out. */
static void same_pooled(const vulndb_hit *h, const ref_adv *r)
{
    vulndb_advisory a = h->adv;
    if (a.strings != NULL || a.n_origins != 0 || a.origins != NULL || a.n_packages != 0 ||
        a.packages != NULL)
        abort();
    a.n_origins = r->a.n_origins;
    a.n_packages = r->a.n_packages;
    a.origins = r->a.origins;
    a.packages = r->a.packages;
    a.strings = (char *)h; /* same_advisory() wants one: any non-NULL */
    same_advisory(&a, &r->a);
    same_strs(h->fix_versions, h->n_fix_versions, r->fix, r->n_fix);
    for (size_t i = 0; i < r->n_fix; i++)
        if (h->fix_keys == NULL || h->fix_keys[i].len != r->fixk_len[i] ||
            (r->fixk_len[i] > 0 && memcmp(h->fix_keys[i].p, r->fixk[i], r->fixk_len[i]) != 0))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    size_t klen = data[0];
    if (size < 1 + klen + 2)
        return 0;
    const uint8_t *key = data + 1;
    const uint8_t *p = key + klen;
    size_t plen = (size_t)p[0] << 8 | p[1];
    p += 2;
    size_t rest = size - 1 - klen - 2;
    if (plen > rest)
        plen = rest;
    const uint8_t *adv = p + plen;
    size_t alen = rest - plen;

    /* Copies of exactly their length: an over-read of either is caught. */
    uint8_t *pkgv = xmalloc(plen ? plen : 1), *advv = xmalloc(alen ? alen : 1);
    if (plen > 0)
        memcpy(pkgv, p, plen);
    if (alen > 0)
        memcpy(advv, adv, alen);

    vulndb_match *m = NULL;
    size_t cap = 0;
    vulndb_pool pool = {0};
    int n = vulndb_pkg_match(pkgv, plen, key, klen, &m, &cap);
    if (vulndb_pkg_match(pkgv, plen, key, klen, NULL, NULL) != n)
        abort();
    for (int i = 0; i < n; i++) {
        vulndb_hit h;
        ref_adv r;
        int got = vulndb_hit_decode(advv, alen, sources, 2, &m[i], key, klen, &h);
        int want = ref_decode(advv, alen, &m[i], key, klen, &r);
        if (got != want)
            abort();
        vulndb_hit ph;
        if (vulndb_hit_decode_pooled(advv, alen, &m[i], key, klen, &pool, &ph) != want)
            abort();
        if (want != 0 && (ph.adv.id != NULL || ph.fix_versions != NULL))
            abort(); /* a failure leaves `out` empty */
        if (got == 0) {
            same_pooled(&ph, &r);
            same_advisory(&h.adv, &r.a);
            same_strs(h.fix_versions, h.n_fix_versions, r.fix, r.n_fix);
            ref_clear(&r);
            vulndb_advisory_clear(&h.adv); /* the fixed versions with it */
        } else if (h.adv.strings != NULL || h.fix_versions != NULL) {
            abort(); /* a failure leaves nothing behind */
        }
    }
    free(m);
    vulndb_pool_free(&pool);

    vulndb_advisory a;
    ref_adv r;
    int got = vulndb_advisory_decode(advv, alen, sources, 2, &a);
    if (got != ref_decode(advv, alen, NULL, NULL, 0, &r))
        abort();
    if (got == 0) {
        same_advisory(&a, &r.a);
        ref_clear(&r);
        vulndb_advisory_clear(&a);
    } else if (a.strings != NULL) {
        abort();
    }
    free(pkgv);
    free(advv);
    return 0;
}
