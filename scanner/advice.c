/*
 * advice.c - release facts, fixes and range risk for each dependency
 * (advice.h); the plan is plan.c's. The rules are in docs/remediation.md.
 */
#include "scanner/advice.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/plan.h"

/* ---- the rules on releases ---- */

const vulndb_release *advice_latest(const vulndb_releases *rels, bool allow_pre)
{
    for (size_t i = rels->len; i-- > 0;) {
        const vulndb_release *x = &rels->items[i];
        if (!x->yanked && (allow_pre || !version_is_prerelease(&x->v)))
            return x;
    }
    return NULL;
}

/* The canonical text up to the end of the first release segment ("2",
 * "1!2"): equal for two versions exactly when epoch and major are. */
static size_t major_prefix(const version *v, char *out, size_t cap)
{
    size_t n = version_format(v, out, cap);
    if (n >= cap)
        n = cap - 1;
    size_t i = 0;
    while (i < n && out[i] != '!' && out[i] != '.' && out[i] >= '0' && out[i] <= '9')
        i++;
    if (i < n && out[i] == '!') {
        i++;
        while (i < n && out[i] >= '0' && out[i] <= '9')
            i++;
    }
    out[i] = '\0';
    return i;
}

const vulndb_release *advice_latest_same_major(const vulndb_releases *rels, const version *v,
                                               bool allow_pre)
{
    char want[VERSION_MAX_TEXT + 64], have[VERSION_MAX_TEXT + 64];
    major_prefix(v, want, sizeof want);
    for (size_t i = rels->len; i-- > 0;) {
        const vulndb_release *x = &rels->items[i];
        if (x->yanked || (!allow_pre && version_is_prerelease(&x->v)))
            continue;
        major_prefix(&x->v, have, sizeof have);
        if (strcmp(want, have) == 0)
            return x;
    }
    return NULL;
}

const vulndb_release *advice_find(const vulndb_releases *rels, const version *v)
{
    size_t lo = 0, hi = rels->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = version_compare(&rels->items[mid].v, v);
        if (c == 0)
            return &rels->items[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* packaging's SpecifierSet.prereleases for a set built without the
 * argument: whether one of its specifiers is inclusive (==, ===, >=, <=,
 * ~=) of a pre-release version. */
static bool set_names_prerelease(const specset *s)
{
    for (size_t i = 0; i < specset_count(s); i++) {
        spec_op op = specset_op(s, i);
        if (op != SPEC_EQUAL && op != SPEC_ARBITRARY && op != SPEC_GREATER_EQUAL &&
            op != SPEC_LESS_EQUAL && op != SPEC_COMPATIBLE)
            continue;
        const char *t = specset_version_text(s, i);
        version v;
        airlock_error e;
        if (version_parse(&v, t, strlen(t), &e) != 0)
            continue; /* === on a non-version: packaging would raise; no pre-release */
        bool pre = version_is_prerelease(&v);
        version_clear(&v);
        if (pre)
            return true;
    }
    return false;
}

void advice_filter(const specset *spec, const vulndb_releases *rels, bool *admitted)
{
    if (specset_count(spec) > 0) {
        /* Each specifier filters with prereleases=bool(set.prereleases):
         * False rejects every pre-release, with no fallback. */
        spec_prereleases pre = set_names_prerelease(spec) ? SPEC_PRERELEASES_INCLUDE
                                                          : SPEC_PRERELEASES_EXCLUDE;
        for (size_t i = 0; i < rels->len; i++) {
            const vulndb_release *x = &rels->items[i];
            admitted[i] = specset_contains_text(spec, x->version, strlen(x->version), pre);
        }
        return;
    }
    /* The empty set: final releases, or the pre-releases when none is. */
    bool any_final = false;
    for (size_t i = 0; i < rels->len; i++)
        if (!version_is_prerelease(&rels->items[i].v))
            any_final = true;
    for (size_t i = 0; i < rels->len; i++)
        admitted[i] = !any_final || !version_is_prerelease(&rels->items[i].v);
}

ptrdiff_t advice_resolve(const specset *spec, const vulndb_releases *rels)
{
    if (rels->len == 0)
        return -1;
    bool *ok = xcalloc(rels->len, sizeof *ok);
    advice_filter(spec, rels, ok);
    ptrdiff_t best = -1, best_yanked = -1;
    for (size_t i = rels->len; i-- > 0 && best < 0;) {
        if (!ok[i])
            continue;
        if (!rels->items[i].yanked)
            best = (ptrdiff_t)i;
        else if (best_yanked < 0)
            best_yanked = (ptrdiff_t)i;
    }
    free(ok);
    return best >= 0 ? best : best_yanked;
}

/* ---- one scan ---- */

typedef struct advice_ctx {
    scan_report *r;
    vulndb *db;
    fix_target to;
    airlock_error *err;
    char **same_major; /* per dependency: the latest release of its major;
                        * NULL without release data (none to say) */
    vulndb_pool scratch; /* the hits fix_from_keys() looks at, freed as it returns */
} advice_ctx;

/* The texts of fixes go to the report's advice pool (results.h): one
 * free for all of them when the report goes. */
static char *kept(advice_ctx *c, const char *s)
{
    return vulndb_pool_strdup(&c->r->advice_pool_, s);
}

/* kept() of a heap string, which is freed. */
static char *kept_heap(advice_ctx *c, char *s)
{
    char *t = kept(c, s);
    free(s);
    return t;
}

/* The three texts one after the other, in the pool. */
static char *kept3(advice_ctx *c, const char *a, const char *b, const char *d)
{
    size_t na = strlen(a), nb = strlen(b), nd = strlen(d);
    char *t = vulndb_pool_alloc(&c->r->advice_pool_, na + nb + nd + 1);
    memcpy(t, a, na);
    memcpy(t + na, b, nb);
    memcpy(t + na + nb, d, nd + 1);
    return t;
}

static bool is_ignored(const dep_findings *fs, const char *id)
{
    for (size_t j = 0; fs != NULL && j < fs->len; j++)
        if (fs->items[j].ignored && strcmp(fs->items[j].id, id) == 0)
            return true;
    return false;
}

static bool any_ignored(const dep_findings *fs)
{
    for (size_t j = 0; fs != NULL && j < fs->len; j++)
        if (fs->items[j].ignored)
            return true;
    return false;
}

/* How many groups affect `v` of `name`, leaving out those `fs` has as
 * ignored findings; with `ids`, their primary IDs too (sorted). An
 * advisory ignored for another version is not known to be ignored here:
 * it counts (docs/remediation.md). -1 on a damaged database. */
static int affecting(advice_ctx *c, const char *name, const version *v, const dep_findings *fs,
                     char ***ids, size_t *n_ids)
{
    int n = vulndb_count_affecting(c->db, name, v, c->err);
    if (n <= 0 || (ids == NULL && !any_ignored(fs)))
        return n;
    vulndb_hits hits = {0};
    n = vulndb_lookup(c->db, name, v, &hits, c->err);
    if (n < 0) {
        vulndb_hits_free(&hits);
        return -1;
    }
    int kept = 0;
    for (size_t h = 0; h < hits.len; h++) {
        if (is_ignored(fs, hits.items[h].adv.id))
            continue;
        if (ids != NULL) {
            *ids = xrealloc(*ids, (*n_ids + 1) * sizeof **ids);
            (*ids)[(*n_ids)++] = xstrdup(hits.items[h].adv.id);
        }
        kept++;
    }
    vulndb_hits_free(&hits);
    return kept;
}

static void release_facts(advice_ctx *c, size_t i, const vulndb_releases *rels)
{
    const dependency *d = &c->r->deps.items[i];
    dep_advice *a = &c->r->advice[i];
    bool pin_pre = d->has_version && version_is_prerelease(&d->version);
    const vulndb_release *l = advice_latest(rels, pin_pre);
    if (l != NULL)
        a->latest_version = xstrdup(l->version);
    if (!d->has_version)
        return;
    a->outdated = l != NULL && version_compare(&d->version, &l->v) < 0;
    const vulndb_release *p = advice_find(rels, &d->version);
    if (p != NULL && p->yanked) {
        a->yanked = true;
        if (p->yank_reason != NULL && p->yank_reason[0] != '\0')
            a->yank_reason = xstrdup(p->yank_reason);
    }
    const vulndb_release *m = advice_latest_same_major(rels, &d->version, pin_pre);
    if (m != NULL)
        c->same_major[i] = xstrdup(m->version);
}

static int range_risk(advice_ctx *c, size_t i, const vulndb_releases *rels)
{
    const dependency *d = &c->r->deps.items[i];
    dep_advice *a = &c->r->advice[i];
    specset *s;
    airlock_error e;
    if (specset_parse(d->specifier, strlen(d->specifier), &s, &e) != 0)
        return 0; /* read once already; a reader that keeps a bad one says why it skipped */
    bool *ok = xcalloc(rels->len ? rels->len : 1, sizeof *ok);
    advice_filter(s, rels, ok);
    ptrdiff_t pick = advice_resolve(s, rels);
    specset_free(s);
    int rc = 0;
    for (size_t k = 0; k < rels->len; k++) {
        const vulndb_release *x = &rels->items[k];
        /* pip does not take a yanked release for a range unless it must. */
        if (!ok[k] || (x->yanked && (ptrdiff_t)k != pick))
            continue;
        char **ids = NULL;
        size_t n_ids = 0;
        int n = affecting(c, d->normalized, &x->v, NULL, &ids, &n_ids);
        if (n < 0) {
            rc = error_prefix(c->err, "looking up %s %s", d->normalized, x->version);
            break;
        }
        if (n == 0)
            continue;
        a->range_risk = xrealloc(a->range_risk, (a->n_range_risk + 1) * sizeof *a->range_risk);
        a->range_risk[a->n_range_risk++] = (range_hit){xstrdup(x->version), ids, n_ids};
        if ((ptrdiff_t)k == pick)
            a->resolved_vulnerable = true;
    }
    if (rc == 0 && pick >= 0) {
        a->resolved_version = xstrdup(rels->items[pick].version);
        a->resolved_yanked = rels->items[pick].yanked;
    }
    free(ok);
    return rc;
}

static bool has_open_finding(const dep_findings *fs)
{
    for (size_t j = 0; fs != NULL && j < fs->len; j++)
        if (!fs->items[j].ignored)
            return true;
    return false;
}

/* A lower bound on any fix: every open finding's pin lies in a range that
 * ends at its smallest fix version above the pin (fix_versions are sorted),
 * so nothing below the largest of those clears them all. Saves a look-up
 * per release or fix version below it (a package pinned years back has
 * hundreds). False when no open finding names a fix. */
static bool fix_floor(const dep_findings *fs, version *floor)
{
    bool have = false;
    for (size_t j = 0; j < fs->len; j++) {
        const finding *f = &fs->items[j];
        version v;
        airlock_error e;
        if (f->ignored || f->n_fix_versions == 0 ||
            version_parse(&v, f->fix_versions[0], strlen(f->fix_versions[0]), &e) != 0)
            continue;
        if (!have || version_compare(&v, floor) > 0) {
            if (have)
                version_clear(floor);
            *floor = v;
            have = true;
        } else {
            version_clear(&v);
        }
    }
    return have;
}

/* A growing set of candidate versions, for fix_from_advisories(). */
typedef struct candidates {
    version *v;
    size_t len, cap;
    const version *floor; /* none below it is kept (fix_floor()), or NULL */
} candidates;

/* Keep `v` (taken over: kept or cleared) as a candidate when it is above
 * `above`, not a pre-release unless `pre`, not below the floor and not
 * there already. */
static void candidates_keep(candidates *c, version *v, const version *above, bool pre)
{
    /* Below the floor is left out here rather than after: the set stays
     * small, and the look-for-duplicates below with it. */
    bool keep = version_compare(v, above) > 0 && (pre || !version_is_prerelease(v)) &&
                (c->floor == NULL || version_compare(v, c->floor) >= 0);
    for (size_t k = 0; keep && k < c->len; k++)
        keep = version_compare(&c->v[k], v) != 0;
    if (!keep) {
        version_clear(v);
        return;
    }
    if (c->len == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 8;
        c->v = xrealloc(c->v, c->cap * sizeof *c->v);
    }
    c->v[c->len++] = *v;
}

static void candidates_add(candidates *c, const char *text, const version *above, bool pre)
{
    version v;
    airlock_error e;
    if (version_parse(&v, text, strlen(text), &e) == 0)
        candidates_keep(c, &v, above, pre);
}

/* The first candidates of fix_from_advisories(): every fix version of the
 * open findings of `fs`, each parsed once, at or above fix_floor()'s
 * floor (the largest first fix version of a finding: *floored says if
 * there is one, and *floor is then the caller's to clear). */
static void first_candidates(const dep_findings *fs, const version *above, bool pre,
                             candidates *cs, version *floor, bool *floored)
{
    size_t total = 0;
    for (size_t j = 0; j < fs->len; j++)
        if (!fs->items[j].ignored)
            total += fs->items[j].n_fix_versions;
    struct {
        version v;
        bool ok;
    } *all = xmalloc((total ? total : 1) * sizeof *all);
    size_t n = 0;
    *floored = false;
    for (size_t j = 0; j < fs->len; j++) {
        const finding *f = &fs->items[j];
        for (size_t k = 0; !f->ignored && k < f->n_fix_versions; k++, n++) {
            airlock_error e;
            const char *t = f->fix_versions[k];
            all[n].ok = version_parse(&all[n].v, t, strlen(t), &e) == 0;
            if (k == 0 && all[n].ok && (!*floored || version_compare(&all[n].v, floor) > 0)) {
                *floor = all[n].v; /* a shallow copy: all[n] stays the owner */
                *floored = true;
            }
        }
    }
    if (*floored) { /* its own copy: the candidates below take theirs over */
        version f = *floor;
        version_copy(floor, &f);
    }
    cs->floor = *floored ? floor : NULL;
    for (size_t k = 0; k < n; k++)
        if (all[k].ok)
            candidates_keep(cs, &all[k].v, above, pre);
    free(all);
}

/* ---- the same by the database's keys of the fix versions ---- */

/* A candidate of fix_from_keys(): a fix version's key and its text. */
typedef struct key_cand {
    vulndb_key k;
    const char *text;
} key_cand;

typedef struct key_cands {
    key_cand *v;
    size_t len, cap;
    const vulndb_key *floor; /* none below it is kept, or NULL */
    bool pre;                /* pre-releases are candidates too */
    bool forged;             /* a key that is not its text's: see key_keep() */
} key_cands;

/* version_key_compare() (memcmp, then the shorter first), inline: a few
 * calls for each fix version. */
static inline int keycmp(const vulndb_key *a, const vulndb_key *b)
{
    size_t m = a->len < b->len ? a->len : b->len;
    int r = m ? memcmp(a->p, b->p, m) : 0;
    if (r != 0)
        return r;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* 1 when `text` parses and its version_key() is *k, 0 when it parses to
 * another key (or to one over 128 bytes, not compared: the caller then
 * goes back to the texts, which is right either way), -1 when it does not
 * parse; *pre: a pre-release. The database
 * stores both, and a snapshot is untrusted input even when signed: the key
 * is what the look-ups check and the text what advice proposes, so a pair
 * that disagrees must never be proposed. */
static int key_is_text(const vulndb_key *k, const char *text, bool *pre)
{
    version v;
    airlock_error e;
    if (version_parse(&v, text, strlen(text), &e) != 0)
        return -1;
    uint8_t own[128];
    size_t n = version_key(&v, own, sizeof own);
    *pre = version_is_prerelease(&v);
    version_clear(&v);
    return n <= sizeof own && n == k->len && memcmp(own, k->p, n) == 0;
}

/* candidates_keep() by key (version_key() order is version order, and
 * equal keys are equal versions). Every key is first compared with its
 * text, kept or not: the look-ups check the key and advice proposes the
 * text, and a key that is not its text's (a crafted or damaged database)
 * could otherwise pass over a fix as too low, or set the floor, unseen.
 * One that differs sets cs->forged, and the caller goes back to the texts,
 * as without keys. Pre-releases and text that does not parse are left
 * out, as candidates_add() does. */
static void key_keep(key_cands *cs, const vulndb_key *k, const char *text,
                     const vulndb_key *above)
{
    bool pre;
    int same = key_is_text(k, text, &pre);
    if (same == 0)
        cs->forged = true;
    if (same != 1 || (pre && !cs->pre))
        return;
    if (keycmp(k, above) <= 0 || (cs->floor != NULL && keycmp(k, cs->floor) < 0))
        return;
    for (size_t j = 0; j < cs->len; j++)
        if (keycmp(&cs->v[j].k, k) == 0)
            return;
    if (cs->len == cs->cap) {
        cs->cap = cs->cap ? 2 * cs->cap : 8;
        cs->v = xrealloc(cs->v, cs->cap * sizeof *cs->v);
    }
    cs->v[cs->len++] = (key_cand){*k, text};
}

/* The fix's text as fix_from_advisories() gives it: the version formatted. */
static char *formatted(advice_ctx *c, const char *text)
{
    version v;
    airlock_error e;
    char out[VERSION_MAX_TEXT + 64];
    if (version_parse(&v, text, strlen(text), &e) != 0)
        return kept(c, text); /* not reached: key_keep() parsed it */
    version_format(&v, out, sizeof out);
    version_clear(&v);
    return kept(c, out);
}

/* fix_from_advisories() when every open finding has the keys of its fix
 * versions (pooled, match.c): the candidates compared by key (memcmp), not
 * as versions copied and compared field by field; each fix version is
 * still parsed once, to check its key (key_keep()). 1 when it cannot (no
 * keys, a pin whose key is over 128 bytes, or a key that is not its
 * text's), else as fix_from_advisories(). */
static int fix_from_keys(advice_ctx *c, size_t i, char **out)
{
    const dependency *d = &c->r->deps.items[i];
    const dep_findings *fs = &c->r->findings[i];
    for (size_t j = 0; j < fs->len; j++)
        if (!fs->items[j].ignored && fs->items[j].n_fix_versions > 0 &&
            fs->items[j].fix_keys_ == NULL)
            return 1;
    uint8_t pk[128];
    size_t pl = version_key(&d->version, pk, sizeof pk);
    if (pl > sizeof pk)
        return 1;
    vulndb_key pin = {pk, pl};
    key_cands cs = {.pre = version_is_prerelease(&d->version)};
    /* fix_floor(): the largest first fix version. Its key is checked
     * against its text below, with every other (key_keep()). */
    for (size_t j = 0; j < fs->len; j++) {
        const finding *f = &fs->items[j];
        if (!f->ignored && f->n_fix_versions > 0 &&
            (cs.floor == NULL || keycmp(&f->fix_keys_[0], cs.floor) > 0))
            cs.floor = &f->fix_keys_[0];
    }
    for (size_t j = 0; j < fs->len; j++) {
        const finding *f = &fs->items[j];
        for (size_t k = 0; !f->ignored && k < f->n_fix_versions; k++)
            key_keep(&cs, &f->fix_keys_[k], f->fix_versions[k], &pin);
    }
    *out = NULL;
    int rc = cs.forged ? 1 : 0;
    vulndb_key last = pin;
    while (rc == 0) {
        size_t next = cs.len;
        for (size_t k = 0; k < cs.len; k++)
            if (keycmp(&cs.v[k].k, &last) > 0 &&
                (next == cs.len || keycmp(&cs.v[k].k, &cs.v[next].k) < 0))
                next = k;
        if (next == cs.len)
            break;
        last = cs.v[next].k;
        const char *text = cs.v[next].text;
        int n = vulndb_count_affecting_key(c->db, d->normalized, last.p, last.len, c->err);
        if (n < 0) {
            rc = -1;
            break;
        }
        if (n == 0) {
            *out = formatted(c, text);
            break;
        }
        vulndb_hits hits;
        if (vulndb_lookup_pooled_key(c->db, d->normalized, last.p, last.len, &c->scratch,
                                     &hits, c->err) < 0) {
            vulndb_hits_free(&hits);
            rc = -1;
            break;
        }
        size_t open = 0;
        for (size_t h = 0; h < hits.len; h++) {
            const vulndb_hit *x = &hits.items[h];
            if (is_ignored(fs, x->adv.id))
                continue;
            open++;
            for (size_t k = 0; k < x->n_fix_versions; k++)
                key_keep(&cs, &x->fix_keys[k], x->fix_versions[k], &last);
        }
        vulndb_hits_free(&hits);
        if (cs.forged)
            rc = 1;
        else if (open == 0) {
            *out = formatted(c, text);
            break;
        }
    }
    free(cs.v);
    vulndb_pool_free(&c->scratch); /* cs's texts and keys were in it; *out is not */
    return rc;
}

/* Without release data: the smallest fix version named by the open
 * findings that no known (unignored) advisory affects. A fix version that
 * another advisory affects is not the answer, but that advisory's own fix
 * versions may be: they join the candidates, which only grow upwards, so
 * this ends. *out in the advice pool, NULL when none clears everything. */
static int fix_from_advisories(advice_ctx *c, size_t i, char **out)
{
    int by_keys = fix_from_keys(c, i, out);
    if (by_keys != 1)
        return by_keys;
    const dependency *d = &c->r->deps.items[i];
    const dep_findings *fs = &c->r->findings[i];
    bool pre = version_is_prerelease(&d->version);
    candidates cs = {0};
    version floor;
    bool floored;
    first_candidates(fs, &d->version, pre, &cs, &floor, &floored);
    int rc = 0;
    *out = NULL;
    version last;
    version_copy(&last, &d->version);
    for (;;) {
        size_t next = cs.len;
        for (size_t k = 0; k < cs.len; k++)
            if (version_compare(&cs.v[k], &last) > 0 &&
                (next == cs.len || version_compare(&cs.v[k], &cs.v[next]) < 0))
                next = k;
        if (next == cs.len)
            break;
        version_clear(&last);
        version_copy(&last, &cs.v[next]); /* cs.v moves as it grows */
        int n = vulndb_count_affecting(c->db, d->normalized, &last, c->err);
        if (n < 0) {
            rc = -1;
            break;
        }
        if (n == 0) {
            char text[VERSION_MAX_TEXT + 64];
            version_format(&last, text, sizeof text);
            *out = kept(c, text);
            break;
        }
        vulndb_hits hits = {0};
        if (vulndb_lookup(c->db, d->normalized, &last, &hits, c->err) < 0) {
            vulndb_hits_free(&hits);
            rc = -1;
            break;
        }
        size_t open = 0;
        for (size_t h = 0; h < hits.len; h++) {
            if (is_ignored(fs, hits.items[h].adv.id))
                continue;
            open++;
            for (size_t k = 0; k < hits.items[h].n_fix_versions; k++)
                candidates_add(&cs, hits.items[h].fix_versions[k], &last, pre);
        }
        vulndb_hits_free(&hits);
        if (open == 0) {
            char text[VERSION_MAX_TEXT + 64];
            version_format(&last, text, sizeof text);
            *out = kept(c, text);
            break;
        }
    }
    version_clear(&last);
    for (size_t k = 0; k < cs.len; k++)
        version_clear(&cs.v[k]);
    free(cs.v);
    if (floored)
        version_clear(&floor);
    return rc;
}

static char *printed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *printed(const char *fmt, ...)
{
    buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return buf_detach(&b, NULL);
}

/* With release data: the smallest (or the latest) release above the pin,
 * not yanked, not a pre-release unless the pin is, that no known
 * unignored advisory affects. */
static int fix_from_releases(advice_ctx *c, size_t i, const vulndb_releases *rels, fix_item *f)
{
    const dependency *d = &c->r->deps.items[i];
    const dep_findings *fs = &c->r->findings[i];
    bool pin_pre = version_is_prerelease(&d->version);
    if (c->to == FIX_TO_LATEST) {
        const vulndb_release *l = advice_latest(rels, pin_pre);
        if (l == NULL || version_compare(&l->v, &d->version) <= 0) {
            f->note = kept_heap(c, printed("no release above %s in the index", f->old_version));
            return 0;
        }
        char **ids = NULL;
        size_t n_ids = 0;
        int n = affecting(c, d->normalized, &l->v, fs, &ids, &n_ids);
        if (n == 0)
            f->new_version = kept(c, l->version);
        else if (n > 0) {
            buf b = {0};
            buf_printf(&b, "the latest release, %s, is affected by", l->version);
            for (size_t k = 0; k < n_ids; k++)
                buf_printf(&b, "%s %s", k ? "," : "", ids[k]);
            f->note = kept_heap(c, buf_detach(&b, NULL));
        }
        for (size_t k = 0; k < n_ids; k++)
            free(ids[k]);
        free(ids);
        return n < 0 ? -1 : 0;
    }
    version floor;
    bool floored = fix_floor(fs, &floor);
    for (size_t k = 0; k < rels->len; k++) {
        const vulndb_release *x = &rels->items[k];
        if (version_compare(&x->v, &d->version) <= 0 || x->yanked ||
            (!pin_pre && version_is_prerelease(&x->v)) ||
            (floored && version_compare(&x->v, &floor) < 0))
            continue;
        int n = affecting(c, d->normalized, &x->v, fs, NULL, NULL);
        if (n <= 0) {
            if (n == 0)
                f->new_version = kept(c, x->version);
            if (floored)
                version_clear(&floor);
            return n < 0 ? -1 : 0;
        }
    }
    if (floored)
        version_clear(&floor);
    f->note = kept_heap(c, printed("no release above %s in the index clears every finding",
                                   f->old_version));
    return 0;
}

static int fix_dep(advice_ctx *c, size_t i, const vulndb_releases *rels)
{
    const dependency *d = &c->r->deps.items[i];
    scan_report *r = c->r;
    if (!d->has_version || r->findings == NULL || !has_open_finding(&r->findings[i]))
        return 0;
    /* Room doubles at each power of two (fixes grow only here): one
     * realloc a fix is quadratic copying for a file of many pins. */
    if ((r->n_fixes & (r->n_fixes - 1)) == 0)
        r->fixes = xrealloc(r->fixes, (r->n_fixes ? 2 * r->n_fixes : 1) * sizeof *r->fixes);
    fix_item *f = &r->fixes[r->n_fixes++];
    memset(f, 0, sizeof *f);
    f->dep = i;
    f->name = kept(c, d->name);
    if (d->version_text != NULL) {
        f->old_version = kept(c, d->version_text);
    } else {
        char text[VERSION_MAX_TEXT + 64];
        version_format(&d->version, text, sizeof text);
        f->old_version = kept(c, text);
    }
    if (rels != NULL)
        return fix_from_releases(c, i, rels, f);
    if (fix_from_advisories(c, i, &f->new_version) != 0)
        return -1;
    const char *why = r->release_data ? "the index does not list this project"
                                      : "no release data";
    const char *latest = c->to == FIX_TO_LATEST ? ", so the latest release is unknown" : "";
    /* Fixed words put together without printf: one note per vulnerable
     * dependency, and vsnprintf cost a thousand instructions each. */
    if (f->new_version != NULL)
        f->note = kept3(c, why, latest,
                        ": the smallest fix version that clears every finding, not checked "
                        "against a package index");
    else
        f->note = kept3(c, why, "", ", and no fix version of the advisories clears every finding");
    return 0;
}

int advice_compute_from(scan_report *r, vulndb *db, const advice_source *src, fix_target to,
                        airlock_error *err)
{
    scan_report_clear_advice(r);
    r->release_data = src != NULL;
    r->advice = xcalloc(r->deps.len ? r->deps.len : 1, sizeof *r->advice);
    advice_ctx c = {r, db, to, err,
                    src != NULL ? xcalloc(r->deps.len ? r->deps.len : 1, sizeof(char *)) : NULL,
                    {0}};
    int rc = 0;
    for (size_t i = 0; i < r->deps.len && rc == 0; i++) {
        const dependency *d = &r->deps.items[i];
        /* A pin that was checked, or a range: a git or path source's version
         * says nothing about the index's releases of that name. */
        bool pin = d->has_version && d->skip_reason == NULL;
        if (d->normalized == NULL || (!pin && d->specifier == NULL))
            continue;
        vulndb_releases rels;
        memset(&rels, 0, sizeof rels);
        int n = 0;
        if (src != NULL && (n = src->get(src->ctx, d->normalized, &rels, err)) < 0) {
            rc = error_prefix(err, "release data of %s", d->normalized);
            break;
        }
        dep_advice *a = &r->advice[i];
        if (n > 0) /* else it stays false: no write to a page of mostly nothing */
            a->release_data = true;
        if (!d->has_version)
            a->specifier = xstrdup(d->specifier);
        if (n > 0) {
            release_facts(&c, i, &rels);
            if (!d->has_version)
                rc = range_risk(&c, i, &rels);
        }
        if (rc == 0 && fix_dep(&c, i, n > 0 ? &rels : NULL) != 0)
            rc = error_prefix(err, "fix for %s", d->normalized);
        if (src != NULL)
            src->release(src->ctx, &rels);
    }
    if (rc == 0)
        plan_build(r, (const char *const *)c.same_major);
    for (size_t i = 0; c.same_major != NULL && i < r->deps.len; i++)
        free(c.same_major[i]);
    free(c.same_major);
    vulndb_pool_free(&c.scratch);
    if (rc != 0)
        scan_report_clear_advice(r);
    return rc;
}

/* ---- with the database's own release data ---- */

static int db_get_releases(void *ctx, const char *name, vulndb_releases *out,
                           airlock_error *err)
{
    return vulndb_get_releases(ctx, name, out, err);
}

static void db_free_releases(void *ctx, vulndb_releases *rels)
{
    (void)ctx;
    vulndb_releases_free(rels);
}

int advice_compute(scan_report *r, vulndb *db, fix_target to, airlock_error *err)
{
    advice_source src = {db_get_releases, db_free_releases, db};
    return advice_compute_from(r, db, vulndb_has_releases(db) == 1 ? &src : NULL, to, err);
}
