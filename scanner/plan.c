/*
 * plan.c - the phased update plan (plan.h, docs/remediation.md).
 */
#include "scanner/plan.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/strsort.h"
#include "core/version.h"

static const char *const titles[PLAN_PHASES] = {
    "Security fixes: critical, high or unknown severity",
    "Other security fixes",
    "Newer releases within the same major version",
    "Major-version upgrades",
};

const char *plan_phase_title(unsigned phase)
{
    return phase >= 1 && phase <= PLAN_PHASES ? titles[phase - 1] : "";
}

/* The package a plan is about: what the project declares (requirement
 * files, lockfiles, pyproject.toml). A scan of environments or SBOMs alone
 * has nothing declared, and its plan is about what is installed. */
static bool is_declared(const dependency *d)
{
    return d->kind == DEP_REQUIREMENT || d->kind == DEP_LOCKED || d->kind == DEP_DECLARED;
}

/* The texts of plan items go to the report's advice pool (results.h):
 * one free for all of them when the report goes. */
static char *kept(scan_report *r, const char *s)
{
    return vulndb_pool_strdup(&r->advice_pool_, s);
}

/* kept() of what `b` holds; `b` is freed. */
static char *kept_buf(scan_report *r, buf *b)
{
    char *t = vulndb_pool_strndup(&r->advice_pool_, b->data ? b->data : "", b->len);
    buf_free(b);
    return t;
}

/* The `n` texts one after the other, in the pool. */
static char *kept_parts(scan_report *r, const char *const *parts, size_t n)
{
    size_t len[8], total = 0;
    for (size_t k = 0; k < n && k < 8; k++)
        total += len[k] = strlen(parts[k]);
    char *t = vulndb_pool_alloc(&r->advice_pool_, total + 1), *at = t;
    for (size_t k = 0; k < n && k < 8; k++) {
        memcpy(at, parts[k], len[k]);
        at += len[k];
    }
    *at = '\0';
    return t;
}

/* <0, 0, >0 as version text a sorts before, equal to or after b; text
 * that does not parse sorts first (it never does: all of it is canonical). */
static int vcmp(const char *a, const char *b)
{
    version va, vb;
    airlock_error e;
    bool oka = version_parse(&va, a, strlen(a), &e) == 0;
    bool okb = version_parse(&vb, b, strlen(b), &e) == 0;
    int c = oka && okb ? version_compare(&va, &vb) : (int)oka - (int)okb;
    if (oka)
        version_clear(&va);
    if (okb)
        version_clear(&vb);
    return c;
}

/* A dependency of the plan: its normalised name (key) and its index in
 * r->deps (index). Sorted stably by name, so equal names stay in
 * dependency order. */
typedef str_item entry;

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first fix of each dependency. advice.c adds them in dependency
 * order, one each, and then a binary search finds it; else (a report
 * made otherwise) a table made once, rather than a scan of every fix for
 * each dependency: quadratic for a file that pins one project on many
 * lines. */
typedef struct fix_index {
    const scan_report *r;
    const fix_item **table; /* per dependency, or NULL: search r->fixes */
} fix_index;

static void fix_index_init(fix_index *fi, const scan_report *r)
{
    fi->r = r;
    fi->table = NULL;
    bool ascending = true;
    for (size_t i = 1; i < r->n_fixes && ascending; i++)
        ascending = r->fixes[i - 1].dep < r->fixes[i].dep;
    if (ascending)
        return;
    fi->table = xcalloc(r->deps.len ? r->deps.len : 1, sizeof *fi->table);
    for (size_t i = r->n_fixes; i-- > 0;)
        if (r->fixes[i].dep < r->deps.len)
            fi->table[r->fixes[i].dep] = &r->fixes[i];
}

static const fix_item *fix_of(const fix_index *fi, size_t dep)
{
    if (fi->table != NULL)
        return fi->table[dep];
    size_t lo = 0, hi = fi->r->n_fixes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fi->r->fixes[mid].dep < dep)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < fi->r->n_fixes && fi->r->fixes[lo].dep == dep ? &fi->r->fixes[lo] : NULL;
}

static plan_item *add_item(scan_report *r, unsigned phase)
{
    plan_phase *p = &r->plan[phase - 1];
    /* Room doubles at each power of two: one realloc an item was a copy
     * of the phase each time. */
    if ((p->n_items & (p->n_items - 1)) == 0)
        p->items = xrealloc(p->items, (p->n_items ? 2 * p->n_items : 1) * sizeof *p->items);
    plan_item *it = &p->items[p->n_items++];
    memset(it, 0, sizeof *it);
    return it;
}

static int by_version(const void *a, const void *b)
{
    const dependency *x = *(const dependency *const *)a, *y = *(const dependency *const *)b;
    return version_compare(&x->version, &y->version);
}

/* The distinct versions of a group, ascending, joined with ", ". Sorted
 * rather than inserted one by one: a file may pin one project at
 * thousands of versions. */
static char *versions_of(scan_report *r, const entry *g, size_t n)
{
    char text[VERSION_MAX_TEXT + 64];
    if (n == 1) { /* most groups: one dependency */
        version_format(&r->deps.items[g[0].index].version, text, sizeof text);
        return kept(r, text);
    }
    const dependency **ds = xcalloc(n ? n : 1, sizeof *ds);
    for (size_t k = 0; k < n; k++)
        ds[k] = &r->deps.items[g[k].index];
    qsort(ds, n, sizeof *ds, by_version);
    buf b = {0};
    for (size_t j = 0; j < n; j++) {
        if (j > 0 && version_compare(&ds[j]->version, &ds[j - 1]->version) == 0)
            continue;
        version_format(&ds[j]->version, text, sizeof text);
        if (b.len > 0)
            buf_puts(&b, ", ");
        buf_puts(&b, text);
    }
    free(ds);
    char *t = vulndb_pool_strndup(&r->advice_pool_, b.data, b.len);
    buf_free(&b);
    return t;
}

/* Phases 1 and 2: the group has open findings. */
static void security_item(scan_report *r, const entry *g, size_t n, const fix_index *fixes)
{
    bool urgent = false, no_fix = false, unchecked = false;
    size_t n_open = 0;
    severity worst = SEVERITY_NONE;
    size_t room = 0;
    for (size_t k = 0; k < n; k++)
        room += r->findings[g[k].index].len;
    char **ids = xmalloc((room ? room : 1) * sizeof *ids);
    size_t n_ids = 0;
    const char *to = NULL;
    for (size_t k = 0; k < n; k++) {
        const dep_findings *fs = &r->findings[g[k].index];
        bool open = false;
        for (size_t j = 0; j < fs->len; j++) {
            const finding *f = &fs->items[j];
            if (f->ignored)
                continue;
            open = true;
            if (f->level == SEVERITY_UNKNOWN || f->level >= SEVERITY_HIGH)
                urgent = true;
            if (f->level == SEVERITY_UNKNOWN || (worst != SEVERITY_UNKNOWN && f->level > worst))
                worst = f->level;
            ids[n_ids++] = f->id;
        }
        if (!open)
            continue;
        const fix_item *fx = fix_of(fixes, g[k].index);
        if (fx == NULL || fx->new_version == NULL)
            no_fix = true;
        else if (to == NULL || vcmp(fx->new_version, to) > 0)
            to = fx->new_version;
        if (fx != NULL && fx->new_version != NULL && fx->note != NULL)
            unchecked = true;
    }
    size_t sorted = 1; /* one dependency's findings come sorted by ID (match.h) */
    while (sorted < n_ids && strcmp(ids[sorted - 1], ids[sorted]) <= 0)
        sorted++;
    if (sorted < n_ids)
        qsort(ids, n_ids, sizeof *ids, str_cmp);
    plan_item *it = add_item(r, urgent ? 1 : 2);
    it->name = kept(r, r->deps.items[g[0].index].name);
    it->from = versions_of(r, g, n);
    it->to = no_fix || to == NULL ? NULL : kept(r, to);
    it->ids = vulndb_pool_alloc(&r->advice_pool_, (n_ids ? n_ids : 1) * sizeof *it->ids);
    for (size_t k = 0; k < n_ids; k++)
        if (k == 0 || strcmp(ids[k], ids[k - 1]) != 0)
            it->ids[it->n_ids++] = kept(r, ids[k]);
    free(ids);
    n_open = it->n_ids;
    /* Put together without printf: one reason per vulnerable package. */
    char digits[24];
    size_t d = sizeof digits;
    digits[--d] = '\0';
    do {
        digits[--d] = (char)('0' + n_open % 10);
        n_open /= 10;
    } while (n_open > 0);
    const char *parts[] = {
        "fixes ",
        digits + d,
        it->n_ids == 1 ? " known vulnerability (highest severity "
                       : " known vulnerabilities (highest severity ",
        severity_name(worst),
        ")",
        it->to == NULL ? "; no release clears every finding: see fixes"
        : unchecked    ? "; a fix version from the advisories, not checked against a package index"
                       : "",
    };
    _Static_assert(sizeof parts / sizeof parts[0] <= 8, "kept_parts() takes up to 8");
    it->reason = kept_parts(r, parts, sizeof parts / sizeof parts[0]);
}

/* Phases 3 and 4, or nothing: the group has no open finding. */
static void upgrade_item(scan_report *r, const entry *g, size_t n, const char *const *same_major)
{
    const char *minor_to = NULL, *major_to = NULL, *latest = NULL;
    for (size_t k = 0; k < n; k++) {
        size_t i = g[k].index;
        const dependency *d = &r->deps.items[i];
        const char *m = same_major != NULL ? same_major[i] : NULL;
        const char *l = r->advice[i].latest_version;
        if (m == NULL && l == NULL)
            continue; /* nothing to compare: no text to format */
        char text[VERSION_MAX_TEXT + 64];
        version_format(&d->version, text, sizeof text);
        if (m != NULL && vcmp(m, text) > 0 && (minor_to == NULL || vcmp(m, minor_to) > 0))
            minor_to = m;
        if (l != NULL && vcmp(l, text) > 0 && (major_to == NULL || vcmp(l, major_to) > 0))
            major_to = l;
        if (l != NULL && (latest == NULL || vcmp(l, latest) > 0))
            latest = l;
    }
    if (minor_to == NULL && major_to == NULL)
        return;
    plan_item *it = add_item(r, minor_to != NULL ? 3 : 4);
    it->name = kept(r, r->deps.items[g[0].index].name);
    it->from = versions_of(r, g, n);
    it->to = kept(r, minor_to != NULL ? minor_to : major_to);
    buf b = {0};
    if (minor_to != NULL) {
        buf_printf(&b, "latest release of the same major version");
        if (latest != NULL && vcmp(latest, minor_to) > 0)
            buf_printf(&b, "; %s, a major upgrade, is the latest release", latest);
    } else {
        buf_printf(&b, "major-version upgrade: read the release notes for breaking changes");
    }
    it->reason = kept_buf(r, &b);
}

/* Sort `es` by name, stably. An inventory lists each directory in name
 * order (the bench tree of 5,000 comes as two ascending runs, merged in
 * about 0.4 M instructions where the sort took 1.0 M): one run is left as
 * it is, two are merged, and anything else goes to str_items_sort(). */
static void sort_entries(entry *es, size_t n)
{
    size_t run = 1;
    while (run < n && strcmp(es[run - 1].key, es[run].key) <= 0)
        run++;
    if (run >= n)
        return;
    for (size_t k = run + 1; k < n; k++) {
        if (strcmp(es[k - 1].key, es[k].key) > 0) {
            str_items_sort(es, n);
            return;
        }
    }
    /* The first run to the side, then merged from the front: the output
     * never overtakes the second run's next item. Equal keys take the
     * first run's item first (stable). */
    entry *first = xmalloc(run * sizeof *first);
    memcpy(first, es, run * sizeof *first);
    size_t i = 0, j = run, k = 0;
    while (i < run && j < n)
        es[k++] = strcmp(es[j].key, first[i].key) < 0 ? es[j++] : first[i++];
    memcpy(es + k, first + i, (run - i) * sizeof *es);
    free(first);
}

void plan_build(scan_report *r, const char *const *same_major)
{
    for (unsigned p = 1; p <= PLAN_PHASES; p++)
        r->plan[p - 1] = (plan_phase){p, titles[p - 1], NULL, 0};
    bool declared = false;
    for (size_t i = 0; i < r->deps.len && !declared; i++)
        declared = is_declared(&r->deps.items[i]);
    entry *es = xmalloc((r->deps.len ? r->deps.len : 1) * sizeof *es); /* n filled below */
    size_t n = 0;
    for (size_t i = 0; i < r->deps.len; i++) {
        const dependency *d = &r->deps.items[i];
        if (d->has_version && d->skip_reason == NULL && d->normalized != NULL &&
            (!declared || is_declared(d)))
            es[n++] = (entry){d->normalized, i};
    }
    sort_entries(es, n);
    fix_index fixes;
    fix_index_init(&fixes, r);
    for (size_t k = 0; k < n;) {
        size_t e = k + 1;
        while (e < n && strcmp(es[e].key, es[k].key) == 0)
            e++;
        bool open = false;
        for (size_t j = k; j < e && !open && r->findings != NULL; j++) {
            const dep_findings *fs = &r->findings[es[j].index];
            for (size_t f = 0; f < fs->len && !open; f++)
                open = !fs->items[f].ignored;
        }
        if (open)
            security_item(r, es + k, e - k, &fixes);
        else if (r->advice != NULL &&
                 (e - k > 1 || (same_major != NULL && same_major[es[k].index] != NULL) ||
                  r->advice[es[k].index].latest_version != NULL))
            upgrade_item(r, es + k, e - k, same_major); /* else it has nothing to compare */
        k = e;
    }
    free(fixes.table);
    free(es);
}
