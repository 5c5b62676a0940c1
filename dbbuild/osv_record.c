/*
 * osv_record.c - validation of one OSV record and its reduction to the
 * compiled form the database stores. The rules are those of the OSV schema
 * that matter for matching; docs/matching.md explains each choice.
 */
#include "dbbuild/osv_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/name.h"
#include "core/version.h"
#include "dbbuild/cvss.h"
#include "db/vulndb_format.h"

/* ---- small helpers ---- */

static const cJSON *member(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* An optional string member: NULL if absent or null, -1 if of another type. */
static int opt_string(const cJSON *obj, const char *key, const char **out, airlock_error *err)
{
    const cJSON *m = member(obj, key);
    *out = NULL;
    if (m == NULL || cJSON_IsNull(m))
        return 0;
    if (!cJSON_IsString(m) || m->valuestring == NULL)
        return error_set(err, "'%s' is not a string", key);
    *out = m->valuestring;
    return 0;
}

bool osv_id_valid(const char *s)
{
    size_t n = strlen(s), i = 0;
    if (n == 0 || n > OSV_ID_MAX)
        return false;
    /* PREFIX: letters and digits, starting with a letter. */
    if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return false;
    while (i < n && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
                     (s[i] >= '0' && s[i] <= '9')))
        i++;
    if (i >= n - 1 || s[i] != '-')
        return false;
    for (i++; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-'))
            return false;
    }
    return true;
}

/* ---- timestamps ---- */

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int timestamp_normalize(const char *text, char out[64], airlock_error *err)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *s = text;
    int y, mo, d, h, mi, sec;
    /* RFC 3339 wants four year digits, but some converters print year 1 as
     * "1" (strftime's %Y): accept 1-4 digits and write four. */
    int ylen = 0;
    while (ylen < 4 && s[ylen] >= '0' && s[ylen] <= '9')
        ylen++;
    if (ylen == 0 || digits(s, ylen, &y) || s[ylen] != '-')
        return error_set(err, "invalid timestamp '%.40s'", text);
    s += ylen; /* at the '-' after the year */
    if (strlen(s) < 15 || digits(s + 1, 2, &mo) || s[3] != '-' || digits(s + 4, 2, &d) ||
        (s[6] != 'T' && s[6] != 't' && s[6] != ' ') || digits(s + 7, 2, &h) ||
        s[9] != ':' || digits(s + 10, 2, &mi) || s[12] != ':' || digits(s + 13, 2, &sec))
        return error_set(err, "invalid timestamp '%.40s'", text);
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) ||
        h > 23 || mi > 59 || sec > 60)
        return error_set(err, "timestamp out of range '%.40s'", text);
    s += 15;
    char frac[24] = "";
    if (*s == '.') {
        size_t n = 0;
        for (s++; *s >= '0' && *s <= '9'; s++) {
            if (n + 1 >= sizeof frac)
                return error_set(err, "timestamp fraction too long '%.40s'", text);
            frac[n++] = *s;
        }
        if (n == 0)
            return error_set(err, "invalid timestamp '%.40s'", text);
        while (n > 0 && frac[n - 1] == '0')
            n--;
        frac[n] = '\0';
    }
    if (*s == ' ')
        s++;
    int offset = 0;
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        int sign = *s == '-' ? -1 : 1, oh = 0, om = 0;
        s++;
        if (digits(s, 2, &oh))
            return error_set(err, "invalid timestamp offset '%.40s'", text);
        s += 2;
        if (*s == ':')
            s++;
        if (*s != '\0') {
            if (digits(s, 2, &om))
                return error_set(err, "invalid timestamp offset '%.40s'", text);
            s += 2;
        }
        if (oh > 23 || om > 59)
            return error_set(err, "timestamp offset out of range '%.40s'", text);
        offset = sign * (oh * 3600 + om * 60);
    }
    if (*s != '\0')
        return error_set(err, "invalid timestamp '%.40s'", text);
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t rem = t - days * 86400, yy;
    int mm, dd;
    civil_from_days(days, &yy, &mm, &dd);
    if (yy < 0 || yy > 9999)
        return error_set(err, "timestamp out of range '%.40s'", text);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d%s%sZ", (int)yy, mm, dd,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), frac[0] ? "." : "", frac);
    return 0;
}

int64_t timestamp_seconds(const char *n)
{
    int y = 0, mo = 1, d = 1, h = 0, mi = 0, sec = 0;
    if (strlen(n) < 19 || digits(n, 4, &y) || digits(n + 5, 2, &mo) || digits(n + 8, 2, &d) ||
        digits(n + 11, 2, &h) || digits(n + 14, 2, &mi) || digits(n + 17, 2, &sec))
        return 0;
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
}

int timestamp_compare(const char *a, const char *b)
{
    /* Both are "YYYY-MM-DDTHH:MM:SS" then an optional ".digits", then "Z". */
    int r = strncmp(a, b, 19);
    if (r != 0 || strlen(a) < 19 || strlen(b) < 19)
        return r != 0 ? r : strcmp(a, b);
    const char *fa = a[19] == '.' ? a + 20 : "";
    const char *fb = b[19] == '.' ? b + 20 : "";
    for (;;) {
        char ca = (*fa >= '0' && *fa <= '9') ? *fa++ : '0';
        char cb = (*fb >= '0' && *fb <= '9') ? *fb++ : '0';
        if (ca != cb)
            return ca < cb ? -1 : 1;
        if (!(*fa >= '0' && *fa <= '9') && !(*fb >= '0' && *fb <= '9'))
            return 0;
    }
}

/* ---- versions ---- */

/* A key's bytes and its text share one allocation (`p`, then the text): a
 * 500,000-record build holds millions of keys, and malloc's overhead per
 * allocation was a fifth of the build's memory. */
static void key_clear(osv_key *k)
{
    free(k->p);
    k->p = NULL;
    k->text = NULL;
    k->len = 0;
}

static void key_copy(osv_key *dst, const osv_key *src)
{
    size_t tn = strlen(src->text);
    dst->len = src->len;
    dst->p = xmalloc(src->len + tn + 1);
    memcpy(dst->p, src->p, src->len + tn + 1); /* text follows the bytes */
    dst->text = (char *)dst->p + src->len;
}

static int key_cmp(const osv_key *a, const osv_key *b)
{
    return vdb_keycmp(a->p, a->len, b->p, b->len);
}

static int key_cmp_qsort(const void *a, const void *b)
{
    return key_cmp(a, b);
}

/* Parse `text` into a key and its canonical text. */
static int key_make(const char *text, osv_key *out, airlock_error *err)
{
    version v;
    if (version_parse(&v, text, strlen(text), err) != 0)
        return -1;
    uint8_t probe[1];
    size_t n = version_key(&v, probe, 0);
    size_t tn = version_format(&v, (char *)probe, 0);
    out->len = n;
    out->p = xmalloc(n + tn + 1);
    version_key(&v, out->p, n);
    out->text = (char *)out->p + n;
    version_format(&v, out->text, tn + 1);
    version_clear(&v);
    return 0;
}

/* Sort and drop duplicates, releasing them. */
static size_t keys_unique(osv_key *k, size_t n)
{
    if (n == 0)
        return 0;
    qsort(k, n, sizeof *k, key_cmp_qsort);
    size_t w = 1;
    for (size_t i = 1; i < n; i++) {
        if (key_cmp(&k[i], &k[w - 1]) == 0)
            key_clear(&k[i]);
        else
            k[w++] = k[i];
    }
    return w;
}

/* ---- ranges ---- */

enum { EV_INTRODUCED, EV_FIXED, EV_LAST_AFFECTED, EV_LIMIT };
static const char *const event_names[] = {"introduced", "fixed", "last_affected", "limit"};

typedef struct event {
    int kind;
    bool zero;      /* introduced "0" (or unparseable introduced): -inf */
    osv_key key;
} event;

static int event_cmp(const void *pa, const void *pb)
{
    const event *a = pa, *b = pb;
    if (a->zero != b->zero)
        return a->zero ? -1 : 1;
    if (!a->zero) {
        int r = key_cmp(&a->key, &b->key);
        if (r != 0)
            return r;
    }
    return (a->kind > b->kind) - (a->kind < b->kind);
}

typedef struct pkg_builder {
    osv_interval *iv;
    size_t n_iv, cap_iv;
    osv_key *versions;
    size_t n_versions, cap_versions;
    osv_key *fixed;
    size_t n_fixed, cap_fixed;
} pkg_builder;

static void push_interval(pkg_builder *b, const event *lo, const osv_key *hi, unsigned hiflags)
{
    if (b->n_iv == b->cap_iv) {
        b->cap_iv = b->cap_iv ? 2 * b->cap_iv : 4;
        b->iv = xrealloc(b->iv, b->cap_iv * sizeof *b->iv);
    }
    osv_interval *iv = &b->iv[b->n_iv++];
    memset(iv, 0, sizeof *iv);
    if (lo != NULL && !lo->zero) {
        iv->flags |= VULNDB_IV_LO;
        key_copy(&iv->lo, &lo->key);
    }
    if (hi != NULL) {
        iv->flags |= hiflags;
        key_copy(&iv->hi, hi);
    }
}

static void push_key(osv_key **arr, size_t *n, size_t *cap, osv_key *k)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 8;
        *arr = xrealloc(*arr, *cap * sizeof **arr);
    }
    (*arr)[(*n)++] = *k;
}

/* Shape of one range per the schema (for every ecosystem). */
static int check_range(const cJSON *range, airlock_error *err)
{
    if (!cJSON_IsObject(range))
        return error_set(err, "a range is not an object");
    const char *type;
    if (opt_string(range, "type", &type, err) != 0 || type == NULL)
        return error_set(err, "a range has no string 'type'");
    if (strcmp(type, "ECOSYSTEM") != 0 && strcmp(type, "SEMVER") != 0 && strcmp(type, "GIT") != 0)
        return error_set(err, "unknown range type '%.40s'", type);
    if (strcmp(type, "GIT") == 0) {
        const char *repo;
        if (opt_string(range, "repo", &repo, err) != 0 || repo == NULL)
            return error_set(err, "a GIT range has no 'repo'");
    }
    const cJSON *events = member(range, "events");
    if (!cJSON_IsArray(events) || cJSON_GetArraySize(events) == 0)
        return error_set(err, "a %s range has no events", type);
    bool introduced = false;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events) {
        if (!cJSON_IsObject(ev) || ev->child == NULL || ev->child->next != NULL)
            return error_set(err, "an event must be an object with exactly one key");
        const cJSON *kv = ev->child;
        int kind = -1;
        for (int i = 0; i < 4; i++)
            if (kv->string != NULL && strcmp(kv->string, event_names[i]) == 0)
                kind = i;
        if (kind < 0)
            return error_set(err, "unknown event '%.40s'", kv->string ? kv->string : "");
        if (!cJSON_IsString(kv) || kv->valuestring == NULL || kv->valuestring[0] == '\0')
            return error_set(err, "event '%s' has no version string", event_names[kind]);
        if (kind == EV_INTRODUCED)
            introduced = true;
    }
    if (!introduced)
        return error_set(err, "a %s range has no 'introduced' event", type);
    return 0;
}

/* Compile one ECOSYSTEM/SEMVER range of a PyPI package into intervals. */
static void compile_range(const cJSON *range, const char *id, const char *origin, diag *d,
                          pkg_builder *b)
{
    const cJSON *events = member(range, "events");
    size_t n = 0, cap = (size_t)cJSON_GetArraySize(events);
    event *ev = xcalloc(cap ? cap : 1, sizeof *ev);
    bool have_limit = false, infinite_limit = false;
    osv_key limit = {0};
    const cJSON *e;
    cJSON_ArrayForEach(e, events) {
        const cJSON *kv = e->child;
        int kind = 0;
        for (int i = 0; i < 4; i++)
            if (strcmp(kv->string, event_names[i]) == 0)
                kind = i;
        const char *text = kv->valuestring;
        if (kind == EV_INTRODUCED && strcmp(text, "0") == 0) {
            ev[n].kind = kind;
            ev[n++].zero = true;
            continue;
        }
        /* The specification: a limit containing '*' is infinity. */
        if (kind == EV_LIMIT && strchr(text, '*') != NULL) {
            infinite_limit = true;
            continue;
        }
        osv_key k = {0};
        airlock_error verr;
        if (key_make(text, &k, &verr) != 0) {
            /* A limit is an OR of bounds (the spec's BeforeLimits): one we
             * cannot read may be the highest, so the range has no bound
             * rather than a narrower one. */
            if (kind == EV_LIMIT) {
                diag_warn(d, origin, 0, "%s: limit '%.60s' is not a PEP 440 version; the range "
                                        "is not limited", id, text);
                infinite_limit = true;
                continue;
            }
            /* Fail towards reporting: an unknown start is the beginning, an
             * unknown end does not end the range. */
            diag_warn(d, origin, 0, "%s: %s event '%.60s' is not a PEP 440 version; %s", id,
                      event_names[kind], text,
                      kind == EV_INTRODUCED ? "treated as introduced 0" : "event ignored");
            if (kind == EV_INTRODUCED) {
                ev[n].kind = kind;
                ev[n++].zero = true;
            }
            continue;
        }
        if (kind == EV_LIMIT) {
            if (!have_limit || key_cmp(&k, &limit) > 0) {
                key_clear(&limit);
                limit = k;
                have_limit = true;
            } else {
                key_clear(&k);
            }
            continue;
        }
        if (kind == EV_FIXED) {
            osv_key f;
            key_copy(&f, &k);
            push_key(&b->fixed, &b->n_fixed, &b->cap_fixed, &f);
        }
        ev[n].kind = kind;
        ev[n++].key = k;
    }
    if (n > 1)
        qsort(ev, n, sizeof *ev, event_cmp);
    size_t first = b->n_iv;
    const event *open = NULL;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == EV_INTRODUCED) {
            if (open == NULL)
                open = &ev[i];
        } else if (open != NULL) {
            push_interval(b, open, &ev[i].key,
                          VULNDB_IV_HI | (ev[i].kind == EV_LAST_AFFECTED ? VULNDB_IV_HI_INCL : 0));
            open = NULL;
        }
    }
    if (open != NULL)
        push_interval(b, open, NULL, 0);
    /* A limit: only versions below the highest limit are affected. */
    if (have_limit && !infinite_limit) {
        size_t w = first;
        for (size_t i = first; i < b->n_iv; i++) {
            osv_interval *iv = &b->iv[i];
            if ((iv->flags & VULNDB_IV_LO) && key_cmp(&iv->lo, &limit) >= 0) {
                key_clear(&iv->lo);
                key_clear(&iv->hi);
                continue;
            }
            if (!(iv->flags & VULNDB_IV_HI) || key_cmp(&iv->hi, &limit) >= 0) {
                key_clear(&iv->hi);
                key_copy(&iv->hi, &limit);
                iv->flags = (iv->flags & VULNDB_IV_LO) | VULNDB_IV_HI;
            }
            b->iv[w++] = *iv;
        }
        b->n_iv = w;
    }
    key_clear(&limit);
    for (size_t i = 0; i < n; i++)
        key_clear(&ev[i].key);
    free(ev);
}

static bool in_interval(const osv_interval *iv, const osv_key *k)
{
    if ((iv->flags & VULNDB_IV_LO) && key_cmp(k, &iv->lo) < 0)
        return false;
    if (iv->flags & VULNDB_IV_HI) {
        int r = key_cmp(k, &iv->hi);
        return r < 0 || (r == 0 && (iv->flags & VULNDB_IV_HI_INCL));
    }
    return true;
}

static int interval_cmp(const void *pa, const void *pb)
{
    const osv_interval *a = pa, *b = pb;
    if ((a->flags & VULNDB_IV_LO) != (b->flags & VULNDB_IV_LO))
        return (a->flags & VULNDB_IV_LO) ? 1 : -1;
    int r = (a->flags & VULNDB_IV_LO) ? key_cmp(&a->lo, &b->lo) : 0;
    if (r != 0)
        return r;
    if ((a->flags & VULNDB_IV_HI) != (b->flags & VULNDB_IV_HI))
        return (a->flags & VULNDB_IV_HI) ? -1 : 1;
    r = (a->flags & VULNDB_IV_HI) ? key_cmp(&a->hi, &b->hi) : 0;
    if (r != 0)
        return r;
    return (a->flags > b->flags) - (a->flags < b->flags);
}

/* An array of `n` elements cut down to its length (NULL when empty): the
 * builder's arrays grow by doubling, and most listed versions are dropped
 * below, so what a record keeps would otherwise be mostly spare capacity. */
static void *fit(void *arr, size_t n, size_t size)
{
    if (n == 0) {
        free(arr);
        return NULL;
    }
    return xrealloc(arr, n * size);
}

/* Turn the builder into a package: intervals sorted and de-duplicated,
 * listed versions already inside an interval dropped (same answers, less
 * to store and to compare). */
static void finish_package(pkg_builder *b, osv_package *p)
{
    if (b->n_iv > 1)
        qsort(b->iv, b->n_iv, sizeof *b->iv, interval_cmp);
    size_t w = 0;
    for (size_t i = 0; i < b->n_iv; i++) {
        if (w > 0 && interval_cmp(&b->iv[i], &b->iv[w - 1]) == 0) {
            key_clear(&b->iv[i].lo);
            key_clear(&b->iv[i].hi);
        } else {
            b->iv[w++] = b->iv[i];
        }
    }
    p->iv = fit(b->iv, w, sizeof *b->iv);
    p->n_iv = w;
    size_t nv = keys_unique(b->versions, b->n_versions);
    size_t vw = 0;
    for (size_t i = 0; i < nv; i++) {
        bool covered = false;
        for (size_t j = 0; j < w && !covered; j++)
            covered = in_interval(&p->iv[j], &b->versions[i]);
        if (covered)
            key_clear(&b->versions[i]);
        else
            b->versions[vw++] = b->versions[i];
    }
    p->versions = fit(b->versions, vw, sizeof *b->versions);
    p->n_versions = vw;
    p->n_fixed = keys_unique(b->fixed, b->n_fixed);
    p->fixed = fit(b->fixed, p->n_fixed, sizeof *b->fixed);
}

void osv_package_clear(osv_package *p)
{
    free(p->name);
    for (size_t i = 0; i < p->n_iv; i++) {
        key_clear(&p->iv[i].lo);
        key_clear(&p->iv[i].hi);
    }
    free(p->iv);
    for (size_t i = 0; i < p->n_versions; i++)
        key_clear(&p->versions[i]);
    free(p->versions);
    for (size_t i = 0; i < p->n_fixed; i++)
        key_clear(&p->fixed[i]);
    free(p->fixed);
    memset(p, 0, sizeof *p);
}

void osv_package_merge(osv_package *into, const osv_package *from)
{
    pkg_builder b = {0};
    b.iv = xcalloc(into->n_iv + from->n_iv + 1, sizeof *b.iv);
    if (into->n_iv > 0)
        memcpy(b.iv, into->iv, into->n_iv * sizeof *b.iv);
    b.n_iv = b.cap_iv = into->n_iv;
    for (size_t i = 0; i < from->n_iv; i++) {
        osv_interval *iv = &b.iv[b.n_iv++];
        memset(iv, 0, sizeof *iv);
        iv->flags = from->iv[i].flags;
        if (iv->flags & VULNDB_IV_LO)
            key_copy(&iv->lo, &from->iv[i].lo);
        if (iv->flags & VULNDB_IV_HI)
            key_copy(&iv->hi, &from->iv[i].hi);
    }
    b.cap_iv = b.n_iv;
    b.versions = xcalloc(into->n_versions + from->n_versions + 1, sizeof *b.versions);
    if (into->n_versions > 0)
        memcpy(b.versions, into->versions, into->n_versions * sizeof *b.versions);
    b.n_versions = into->n_versions;
    for (size_t i = 0; i < from->n_versions; i++)
        key_copy(&b.versions[b.n_versions++], &from->versions[i]);
    b.fixed = xcalloc(into->n_fixed + from->n_fixed + 1, sizeof *b.fixed);
    if (into->n_fixed > 0)
        memcpy(b.fixed, into->fixed, into->n_fixed * sizeof *b.fixed);
    b.n_fixed = into->n_fixed;
    for (size_t i = 0; i < from->n_fixed; i++)
        key_copy(&b.fixed[b.n_fixed++], &from->fixed[i]);
    free(into->iv);
    free(into->versions);
    free(into->fixed);
    finish_package(&b, into);
}

/* One affected[] entry: checked for every ecosystem, compiled for PyPI. */
static int add_affected(osv_record *r, const cJSON *aff, const char *origin, diag *d,
                        airlock_error *err)
{
    if (!cJSON_IsObject(aff))
        return error_set(err, "an 'affected' entry is not an object");
    const cJSON *pkg = member(aff, "package");
    const char *name = NULL, *eco = NULL;
    if (pkg != NULL) {
        if (!cJSON_IsObject(pkg))
            return error_set(err, "affected[].package is not an object");
        if (opt_string(pkg, "name", &name, err) != 0 || name == NULL || name[0] == '\0')
            return error_set(err, "affected[].package has no 'name'");
        if (opt_string(pkg, "ecosystem", &eco, err) != 0 || eco == NULL || eco[0] == '\0')
            return error_set(err, "affected[].package has no 'ecosystem'");
    }
    const cJSON *ranges = member(aff, "ranges");
    if (ranges != NULL && !cJSON_IsArray(ranges))
        return error_set(err, "affected[].ranges is not an array");
    const cJSON *range;
    cJSON_ArrayForEach(range, ranges) {
        if (check_range(range, err) != 0)
            return -1;
    }
    const cJSON *versions = member(aff, "versions");
    if (versions != NULL && !cJSON_IsArray(versions))
        return error_set(err, "affected[].versions is not an array");
    const cJSON *v;
    cJSON_ArrayForEach(v, versions) {
        if (!cJSON_IsString(v) || v->valuestring == NULL)
            return error_set(err, "affected[].versions holds a non-string");
    }
    if (eco == NULL || strcmp(eco, "PyPI") != 0) {
        r->n_other++;
        return 0;
    }
    char norm[NAME_MAX_LEN + 1];
    airlock_error nerr;
    if (name_normalize(name, strlen(name), norm, sizeof norm, &nerr) < 0)
        return error_set(err, "invalid PyPI package name '%.80s'", name);

    pkg_builder b = {0};
    cJSON_ArrayForEach(range, ranges) {
        const char *type = member(range, "type")->valuestring;
        if (strcmp(type, "GIT") != 0)
            compile_range(range, r->id, origin, d, &b);
    }
    size_t bad = 0;
    const char *first_bad = NULL;
    cJSON_ArrayForEach(v, versions) {
        osv_key k = {0};
        airlock_error verr;
        if (key_make(v->valuestring, &k, &verr) != 0) {
            if (bad++ == 0)
                first_bad = v->valuestring;
            continue;
        }
        push_key(&b.versions, &b.n_versions, &b.cap_versions, &k);
    }
    if (bad > 0)
        diag_warn(d, origin, 0, "%s: %zu listed version%s of %s %s not PEP 440 (e.g. '%.60s'), ignored",
                  r->id, bad, bad == 1 ? "" : "s", norm, bad == 1 ? "is" : "are", first_bad);
    r->pkgs = xrealloc(r->pkgs, (r->n_pkgs + 1) * sizeof *r->pkgs);
    osv_package *p = &r->pkgs[r->n_pkgs++];
    memset(p, 0, sizeof *p);
    p->name = xstrdup(norm);
    finish_package(&b, p);
    return 0;
}

/* ---- severity, references, aliases ---- */

int osv_cvss_rank(const osv_cvss *a, const osv_cvss *b)
{
    if (a->version != b->version)
        return a->version > b->version ? -1 : 1;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return strcmp(a->vector, b->vector);
}

static int cvss_qsort(const void *a, const void *b)
{
    return osv_cvss_rank(a, b);
}

/* The OSV schema's enums: a type outside them is a warning, and the field is
 * dropped (severity) or made generic (a reference's type becomes WEB), never
 * the record. The texts are shown by `airlock show` and the reports. */
static const char *const severity_types[] = {"CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu", NULL};
static const char *const reference_types[] = {"ADVISORY", "ARTICLE", "DETECTION", "DISCUSSION",
                                              "REPORT", "FIX", "INTRODUCED", "GIT",
                                              "PACKAGE", "EVIDENCE", "WEB", NULL};

static bool in_enum(const char *s, const char *const *set)
{
    for (; *set != NULL; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

static int add_severity(osv_record *r, const cJSON *sev, const char *origin, diag *d,
                        airlock_error *err)
{
    if (sev == NULL || cJSON_IsNull(sev))
        return 0;
    if (!cJSON_IsArray(sev))
        return error_set(err, "'severity' is not an array");
    const cJSON *s;
    cJSON_ArrayForEach(s, sev) {
        const char *type, *score;
        if (!cJSON_IsObject(s) || opt_string(s, "type", &type, err) != 0 || type == NULL ||
            opt_string(s, "score", &score, err) != 0 || score == NULL)
            return error_set(err, "a severity entry needs string 'type' and 'score'");
        if (!in_enum(type, severity_types)) {
            diag_warn(d, origin, 0, "%s: severity type '%.40s' is not in the OSV schema; ignored",
                      r->id, type);
            continue;
        }
        if (strncmp(type, "CVSS_V", 6) != 0)
            continue; /* "Ubuntu": not a vector we can score */
        cvss_result res;
        airlock_error cerr;
        if (cvss_score(score, strlen(score), &res, &cerr) != 0) {
            diag_warn(d, origin, 0, "%s: severity %s ignored: %s", r->id, type, cerr.msg);
            continue;
        }
        r->cvss = xrealloc(r->cvss, (r->n_cvss + 1) * sizeof *r->cvss);
        osv_cvss *c = &r->cvss[r->n_cvss++];
        c->type = xstrdup(type);
        c->vector = xstrdup(score);
        c->version = (int)res.version;
        c->score = res.score;
        c->level = res.rating;
    }
    if (r->n_cvss > 1)
        qsort(r->cvss, r->n_cvss, sizeof *r->cvss, cvss_qsort);
    return 0;
}

static int add_references(osv_record *r, const cJSON *refs, const char *origin, diag *d,
                          airlock_error *err)
{
    if (refs == NULL || cJSON_IsNull(refs))
        return 0;
    if (!cJSON_IsArray(refs))
        return error_set(err, "'references' is not an array");
    const cJSON *ref;
    cJSON_ArrayForEach(ref, refs) {
        const char *type, *url;
        if (!cJSON_IsObject(ref) || opt_string(ref, "type", &type, err) != 0 || type == NULL ||
            opt_string(ref, "url", &url, err) != 0 || url == NULL)
            return error_set(err, "a reference needs string 'type' and 'url'");
        if (!in_enum(type, reference_types)) {
            diag_warn(d, origin, 0,
                      "%s: reference type '%.40s' is not in the OSV schema; kept as WEB", r->id,
                      type);
            type = "WEB";
        }
        r->refs = xrealloc(r->refs, (r->n_refs + 1) * sizeof *r->refs);
        r->refs[r->n_refs].type = xstrdup(type);
        r->refs[r->n_refs++].url = xstrdup(url);
    }
    return 0;
}

static int str_qsort(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_aliases(osv_record *r, const cJSON *aliases, const char *origin, diag *d,
                       airlock_error *err)
{
    if (aliases == NULL || cJSON_IsNull(aliases))
        return 0;
    if (!cJSON_IsArray(aliases))
        return error_set(err, "'aliases' is not an array");
    const cJSON *a;
    cJSON_ArrayForEach(a, aliases) {
        if (!cJSON_IsString(a) || a->valuestring == NULL)
            return error_set(err, "'aliases' holds a non-string");
        if (!osv_id_valid(a->valuestring)) {
            diag_warn(d, origin, 0, "%s: alias '%.60s' is not an ID, ignored", r->id, a->valuestring);
            continue;
        }
        if (strcmp(a->valuestring, r->id) == 0)
            continue;
        r->aliases = xrealloc(r->aliases, (r->n_aliases + 1) * sizeof *r->aliases);
        r->aliases[r->n_aliases++] = xstrdup(a->valuestring);
    }
    if (r->n_aliases > 1) {
        qsort(r->aliases, r->n_aliases, sizeof *r->aliases, str_qsort);
        size_t w = 1;
        for (size_t i = 1; i < r->n_aliases; i++) {
            if (strcmp(r->aliases[i], r->aliases[w - 1]) == 0)
                free(r->aliases[i]);
            else
                r->aliases[w++] = r->aliases[i];
        }
        r->n_aliases = w;
    }
    return 0;
}

static int timestamp_member(const cJSON *j, const char *key, bool required, char **out,
                            airlock_error *err)
{
    const char *s;
    char norm[64];
    if (opt_string(j, key, &s, err) != 0)
        return -1;
    if (s == NULL) {
        if (required)
            return error_set(err, "'%s' is missing", key);
        *out = xstrdup("");
        return 0;
    }
    if (timestamp_normalize(s, norm, err) != 0)
        return error_prefix(err, "'%s'", key);
    *out = xstrdup(norm);
    return 0;
}

int osv_record_from_json(const cJSON *j, const char *origin, diag *d, osv_record *r,
                         airlock_error *err)
{
    memset(r, 0, sizeof *r);
    const char *id, *summary, *details;
    char *withdrawn = NULL;
    if (!cJSON_IsObject(j))
        return error_set(err, "record is not an object");
    if (opt_string(j, "id", &id, err) != 0 || id == NULL)
        return error_set(err, "record has no string 'id'");
    if (!osv_id_valid(id))
        return error_set(err, "invalid id '%.60s'", id);
    r->id = xstrdup(id);
    if (timestamp_member(j, "modified", true, &r->modified, err) != 0 ||
        timestamp_member(j, "published", false, &r->published, err) != 0 ||
        timestamp_member(j, "withdrawn", false, &withdrawn, err) != 0 ||
        opt_string(j, "summary", &summary, err) != 0 ||
        opt_string(j, "details", &details, err) != 0)
        goto bad;
    r->withdrawn = withdrawn[0] != '\0';
    free(withdrawn);
    withdrawn = NULL;
    r->summary = xstrdup(summary ? summary : "");
    r->details = xstrdup(details ? details : "");
    const cJSON *dbs = member(j, "database_specific");
    const cJSON *label = cJSON_IsObject(dbs) ? member(dbs, "severity") : NULL;
    r->label = xstrdup(cJSON_IsString(label) && label->valuestring ? label->valuestring : "");
    if (add_aliases(r, member(j, "aliases"), origin, d, err) != 0 ||
        add_severity(r, member(j, "severity"), origin, d, err) != 0 ||
        add_references(r, member(j, "references"), origin, d, err) != 0)
        goto bad;
    const cJSON *affected = member(j, "affected");
    if (affected != NULL && !cJSON_IsNull(affected)) {
        if (!cJSON_IsArray(affected)) {
            error_set(err, "'affected' is not an array");
            goto bad;
        }
        const cJSON *aff;
        cJSON_ArrayForEach(aff, affected) {
            if (add_affected(r, aff, origin, d, err) != 0)
                goto bad;
        }
    }
    return 0;
bad:
    free(withdrawn);
    osv_record_clear(r);
    return -1;
}

void osv_record_clear(osv_record *r)
{
    free(r->id);
    for (size_t i = 0; i < r->n_aliases; i++)
        free(r->aliases[i]);
    free(r->aliases);
    free(r->modified);
    free(r->published);
    free(r->summary);
    free(r->details);
    free(r->label);
    for (size_t i = 0; i < r->n_cvss; i++) {
        free(r->cvss[i].type);
        free(r->cvss[i].vector);
    }
    free(r->cvss);
    for (size_t i = 0; i < r->n_refs; i++) {
        free(r->refs[i].type);
        free(r->refs[i].url);
    }
    free(r->refs);
    for (size_t i = 0; i < r->n_pkgs; i++)
        osv_package_clear(&r->pkgs[i]);
    free(r->pkgs);
    memset(r, 0, sizeof *r);
}
