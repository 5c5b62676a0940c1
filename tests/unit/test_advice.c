/*
 * test_advice - the rules of advice.h and plan.h: latest and outdated,
 * yanked pins, pre-releases, fixes with and without release data, ignored
 * findings, the no-fix case, --to latest, range risk and the version pip
 * would resolve, and each phase of the plan with its once-only rule.
 *
 * Advisories come from a database compiled from tests/data/advice/osv
 * (alpha: ADV-A1 HIGH <1.2, ADV-A2 MODERATE [1.2, 1.3); gamma: ADV-G1
 * MODERATE <2.0, ADV-G2 LOW <3.0; delta: ADV-D1, no severity, no fix);
 * releases from the tables below, given through advice_compute_from().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/name.h"
#include "db/vulndb.h"
#include "dbbuild/compile.h"
#include "scanner/advice.h"
#include "scanner/match.h"
#include "scanner/plan.h"

/* A release table: "1.0", "1.3!broken" (yanked with a reason), "1.5!"
 * (yanked, no reason). */
typedef struct project {
    const char *name;
    const char *releases[12];
} project;

static const project index_pages[] = {
    {"alpha", {"1.0", "1.1", "1.2", "1.2.1", "1.3!broken build", "1.4", "2.0", "2.1rc1", NULL}},
    {"gamma", {"1.0", "2.0", "2.5", "3.0", "3.1", NULL}},
    {"delta", {"1.0", "2.0", NULL}},
    {"epsilon", {"1.0", "1.5", "1.6.dev1", "2.0", NULL}},
    {"zeta", {"1.0", "2.0", "2.1!", NULL}},
    {"onlypre", {"1.0a1", "1.0b2", NULL}},
};

static void make_releases(const project *p, vulndb_releases *out)
{
    size_t n = 0;
    while (p->releases[n] != NULL)
        n++;
    out->items = xcalloc(n, sizeof *out->items);
    out->len = n;
    for (size_t i = 0; i < n; i++) {
        vulndb_release *x = &out->items[i];
        const char *t = p->releases[i];
        const char *bang = strchr(t, '!');
        size_t len = bang ? (size_t)(bang - t) : strlen(t);
        airlock_error e;
        assert_int_equal(version_parse(&x->v, t, len, &e), 0);
        char canon[256];
        version_format(&x->v, canon, sizeof canon);
        x->version = xstrdup(canon);
        x->yanked = bang != NULL;
        x->yank_reason = xstrdup(bang ? bang + 1 : "");
        x->upload_time = xstrdup("");
        x->requires_python = xstrdup("");
    }
}

static void free_releases(void *ctx, vulndb_releases *r)
{
    (void)ctx;
    for (size_t i = 0; i < r->len; i++) {
        free(r->items[i].version);
        version_clear(&r->items[i].v);
        free(r->items[i].yank_reason);
        free(r->items[i].upload_time);
        free(r->items[i].requires_python);
    }
    free(r->items);
    memset(r, 0, sizeof *r);
}

static int get_releases(void *ctx, const char *name, vulndb_releases *out, airlock_error *err)
{
    (void)ctx;
    (void)err;
    for (size_t i = 0; i < sizeof index_pages / sizeof *index_pages; i++)
        if (strcmp(index_pages[i].name, name) == 0) {
            make_releases(&index_pages[i], out);
            return (int)out->len;
        }
    return 0;
}

static const advice_source with_index = {get_releases, free_releases, NULL};

static char db_path[128];
static vulndb *db;

static int setup(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_advice.XXXXXX";
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(db_path, sizeof db_path, "%s/data.mdb", dir);
    char src[4096];
    const char *data = getenv("AIRLOCK_TEST_DATA");
    snprintf(src, sizeof src, "%s/advice/osv", data ? data : "tests/data");
    const char *s = src;
    compile_options opt = {.build_time = 1};
    compile_totals tot;
    airlock_error err;
    if (compile_sources(&s, 1, &opt, db_path, NULL, &tot, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return vulndb_open(db_path, &db, &err);
}

static int teardown(void **state)
{
    (void)state;
    vulndb_close(db);
    unlink(db_path);
    *strrchr(db_path, '/') = '\0';
    rmdir(db_path);
    return 0;
}

/* Add a pinned dependency (`version` NULL: a requirement with `spec`). */
static dependency *add(scan_report *r, dep_kind kind, const char *name, const char *ver,
                       const char *spec)
{
    dependency *d = dep_list_add(&r->deps);
    d->kind = kind;
    d->name = xstrdup(name);
    d->normalized = name_canonicalize(name, strlen(name));
    if (ver != NULL) {
        airlock_error e;
        assert_int_equal(version_parse(&d->version, ver, strlen(ver), &e), 0);
        d->has_version = true;
        d->version_text = xstrdup(ver);
    } else {
        d->specifier = xstrdup(spec);
        d->skip_reason = xstrdup("not pinned");
    }
    return d;
}

static void match(scan_report *r)
{
    airlock_error err;
    assert_int_equal(match_report(db, r, &err), 0);
}

static void ignore(scan_report *r, size_t dep, const char *id)
{
    for (size_t j = 0; j < r->findings[dep].len; j++)
        if (strcmp(r->findings[dep].items[j].id, id) == 0)
            r->findings[dep].items[j].ignored = true;
}

static void run(scan_report *r, const advice_source *src, fix_target to)
{
    airlock_error err;
    if (advice_compute_from(r, db, src, to, &err) != 0)
        fail_msg("%s", err.msg);
}

static const fix_item *fix_for(const scan_report *r, size_t dep)
{
    for (size_t i = 0; i < r->n_fixes; i++)
        if (r->fixes[i].dep == dep)
            return &r->fixes[i];
    return NULL;
}

static void test_latest_outdated_yanked(void **state)
{
    (void)state;
    scan_report r = {0};
    add(&r, DEP_INSTALLED, "Alpha", "1.3", NULL);   /* yanked, outdated */
    add(&r, DEP_INSTALLED, "alpha", "2.0", NULL);   /* latest: 2.1rc1 is a pre-release */
    add(&r, DEP_INSTALLED, "alpha", "2.1rc1", NULL); /* a pre-release pin sees pre-releases */
    add(&r, DEP_INSTALLED, "zeta", "2.1", NULL);    /* yanked without a reason, above latest */
    add(&r, DEP_INSTALLED, "unknown-project", "1.0", NULL);
    match(&r);
    run(&r, &with_index, FIX_TO_MINIMAL);
    assert_true(r.release_data);
    const dep_advice *a = r.advice;
    assert_true(a[0].release_data);
    assert_string_equal(a[0].latest_version, "2.0");
    assert_true(a[0].outdated);
    assert_true(a[0].yanked);
    assert_string_equal(a[0].yank_reason, "broken build");
    assert_string_equal(a[1].latest_version, "2.0");
    assert_false(a[1].outdated);
    assert_false(a[1].yanked);
    assert_string_equal(a[2].latest_version, "2.1rc1");
    assert_false(a[2].outdated);
    assert_string_equal(a[3].latest_version, "2.0");
    assert_false(a[3].outdated);
    assert_true(a[3].yanked);
    assert_null(a[3].yank_reason);
    assert_false(a[4].release_data);
    assert_null(a[4].latest_version);
    assert_false(a[4].outdated);
    scan_report_free(&r);
}

static void test_no_release_data(void **state)
{
    (void)state;
    scan_report r = {0};
    add(&r, DEP_INSTALLED, "alpha", "1.0", NULL);
    add(&r, DEP_REQUIREMENT, "alpha", NULL, ">=1.0");
    match(&r);
    run(&r, NULL, FIX_TO_MINIMAL);
    assert_false(r.release_data);
    assert_false(r.advice[0].release_data);
    assert_null(r.advice[0].latest_version);
    assert_false(r.advice[1].release_data);
    assert_string_equal(r.advice[1].specifier, ">=1.0");
    assert_null(r.advice[1].resolved_version);
    assert_int_equal(r.advice[1].n_range_risk, 0);
    /* ADV-A1's fix 1.2 is in ADV-A2's range, whose fix 1.3 clears both:
     * the fix versions are followed, never a vulnerable one proposed. */
    assert_int_equal(r.n_fixes, 1);
    assert_string_equal(r.fixes[0].name, "alpha");
    assert_string_equal(r.fixes[0].old_version, "1.0");
    assert_string_equal(r.fixes[0].new_version, "1.3");
    assert_non_null(strstr(r.fixes[0].note, "no release data"));
    scan_report_free(&r);
}

/* A fix version's key in the database is trusted no more than its text.
 * alpha 1.0 has one finding, ADV-A1, fixed in 1.2, which ADV-A2 affects
 * (fixed in 1.3). Its keys are altered here as a snapshot whose stored key
 * and text disagree would give them: the fix's key made `forged`'s
 * (`second`: a second fix version, text 1.2 and key `forged`'s, added
 * instead). Advice must fall back to the texts, as it does without keys,
 * and propose 1.3, never 1.2. */
static void check_forged_fix_key(const char *forged, bool second)
{
    scan_report r = {0};
    add(&r, DEP_INSTALLED, "alpha", "1.0", NULL);
    match(&r);
    assert_int_equal(r.findings[0].len, 1);
    finding *a1 = &r.findings[0].items[0];
    assert_string_equal(a1->id, "ADV-A1");
    assert_non_null(a1->fix_keys_); /* else this tests nothing */
    assert_int_equal(a1->n_fix_versions, 1);
    assert_string_equal(a1->fix_versions[0], "1.2");
    version v;
    airlock_error e;
    assert_int_equal(version_parse(&v, forged, strlen(forged), &e), 0);
    uint8_t k[64];
    size_t n = version_key(&v, k, sizeof k);
    version_clear(&v);
    assert_true(n <= sizeof k);
    vulndb_key keys[2] = {{k, n}};
    char *texts[2] = {a1->fix_versions[0], a1->fix_versions[0]};
    if (second) {
        keys[1] = keys[0];
        keys[0] = a1->fix_keys_[0];
    }
    const vulndb_key *real_keys = a1->fix_keys_;
    char **real_texts = a1->fix_versions;
    a1->fix_keys_ = keys;
    a1->fix_versions = texts;
    a1->n_fix_versions = second ? 2 : 1;
    run(&r, NULL, FIX_TO_MINIMAL);
    assert_int_equal(r.n_fixes, 1);
    assert_non_null(r.fixes[0].new_version); /* NULL: no fix found */
    assert_string_equal(r.fixes[0].new_version, "1.3");
    a1->fix_keys_ = real_keys; /* the pool's, for scan_report_free() */
    a1->fix_versions = real_texts;
    a1->n_fix_versions = 1;
    scan_report_free(&r);
}

/* The first fix version's key says 9.0: taken as the floor, it would make
 * 9.0's key the only candidate and advice would print its text, 1.2. */
static void test_fix_key_disagrees_with_text(void **state)
{
    (void)state;
    check_forged_fix_key("9.0", false);
}

/* A later fix version, text 1.2 and key 1.3: kept before ADV-A2's real 1.3
 * (which only the look-up of 1.2 brings in), the forged pair would stand
 * for 1.3 and advice would print its text, 1.2. */
static void test_later_fix_key_disagrees_with_text(void **state)
{
    (void)state;
    check_forged_fix_key("1.3", true);
}

/* A key below the pin (0.5 for the text 1.2): passed over as too low, it
 * was never compared with its text, and as the floor it left no candidate,
 * so no fix at all (found by review). Every key is checked, kept or not. */
static void test_fix_key_below_pin_disagrees_with_text(void **state)
{
    (void)state;
    check_forged_fix_key("0.5", false);
}

static void test_fixes_with_index(void **state)
{
    (void)state;
    scan_report r = {0};
    add(&r, DEP_INSTALLED, "alpha", "1.0", NULL); /* 1.2, 1.2.1: ADV-A2; 1.3 yanked */
    add(&r, DEP_INSTALLED, "gamma", "1.0", NULL); /* ADV-G2 up to 3.0 */
    add(&r, DEP_INSTALLED, "delta", "1.0", NULL); /* no fix at all */
    add(&r, DEP_INSTALLED, "epsilon", "1.0", NULL); /* not vulnerable */
    match(&r);
    run(&r, &with_index, FIX_TO_MINIMAL);
    assert_int_equal(r.n_fixes, 3);
    const fix_item *f = fix_for(&r, 0);
    assert_string_equal(f->new_version, "1.4");
    assert_null(f->note);
    f = fix_for(&r, 1);
    assert_string_equal(f->new_version, "3.0");
    f = fix_for(&r, 2);
    assert_null(f->new_version);
    assert_non_null(strstr(f->note, "no release above 1.0"));
    assert_null(fix_for(&r, 3));
    scan_report_free(&r);
}

static void test_fixes_ignored(void **state)
{
    (void)state;
    scan_report r = {0};
    add(&r, DEP_INSTALLED, "gamma", "1.0", NULL);
    add(&r, DEP_INSTALLED, "alpha", "1.2", NULL); /* only ADV-A2, ignored */
    match(&r);
    assert_int_equal(r.findings[0].len, 2);
    ignore(&r, 0, "ADV-G2");
    ignore(&r, 1, "ADV-A2");
    run(&r, &with_index, FIX_TO_MINIMAL);
    /* ADV-G2 is ignored: 2.0 clears what is left. */
    assert_int_equal(r.n_fixes, 1);
    assert_int_equal(r.fixes[0].dep, 0);
    assert_string_equal(r.fixes[0].new_version, "2.0");
    /* The same without release data, from ADV-G1's fix version. */
    run(&r, NULL, FIX_TO_MINIMAL);
    assert_int_equal(r.n_fixes, 1);
    assert_string_equal(r.fixes[0].new_version, "2.0");
    scan_report_free(&r);
}

static void test_fix_to_latest(void **state)
{
    (void)state;
    scan_report r = {0};
    add(&r, DEP_INSTALLED, "alpha", "1.0", NULL);
    add(&r, DEP_INSTALLED, "delta", "1.0", NULL);
    match(&r);
    run(&r, &with_index, FIX_TO_LATEST);
    assert_string_equal(fix_for(&r, 0)->new_version, "2.0");
    assert_null(fix_for(&r, 1)->new_version);
    assert_non_null(strstr(fix_for(&r, 1)->note, "latest release, 2.0, is affected by ADV-D1"));
    run(&r, NULL, FIX_TO_LATEST);
    assert_string_equal(fix_for(&r, 0)->new_version, "1.3");
    assert_non_null(strstr(fix_for(&r, 0)->note, "latest release is unknown"));
    assert_null(fix_for(&r, 1)->new_version);
    scan_report_free(&r);
}

static void test_range_risk(void **state)
{
    (void)state;
    scan_report r = {0};
    add(&r, DEP_REQUIREMENT, "alpha", NULL, ">=1.0,<2");
    add(&r, DEP_REQUIREMENT, "alpha", NULL, "");
    add(&r, DEP_REQUIREMENT, "alpha", NULL, ">2.0");      /* only 2.1rc1: not taken */
    add(&r, DEP_REQUIREMENT, "alpha", NULL, ">=2.1rc1");  /* names a pre-release */
    add(&r, DEP_REQUIREMENT, "alpha", NULL, ">1.2.1,<1.4"); /* only 1.3, yanked */
    add(&r, DEP_REQUIREMENT, "alpha", NULL, "<1.2");
    add(&r, DEP_REQUIREMENT, "onlypre", NULL, "");        /* no final release at all */
    add(&r, DEP_REQUIREMENT, "delta", NULL, "");
    add(&r, DEP_REQUIREMENT, "nowhere", NULL, ">=1");
    match(&r);
    run(&r, &with_index, FIX_TO_MINIMAL);
    const dep_advice *a = r.advice;
    /* 1.0, 1.1 (ADV-A1), 1.2, 1.2.1 (ADV-A2); 1.3 is yanked and not taken. */
    assert_int_equal(a[0].n_range_risk, 4);
    assert_string_equal(a[0].range_risk[0].version, "1.0");
    assert_string_equal(a[0].range_risk[0].ids[0], "ADV-A1");
    assert_string_equal(a[0].range_risk[3].version, "1.2.1");
    assert_int_equal(a[0].range_risk[3].n_ids, 1);
    assert_string_equal(a[0].range_risk[3].ids[0], "ADV-A2");
    assert_string_equal(a[0].resolved_version, "1.4");
    assert_false(a[0].resolved_vulnerable);
    assert_string_equal(a[1].resolved_version, "2.0");
    assert_int_equal(a[1].n_range_risk, 4);
    assert_null(a[2].resolved_version);
    assert_int_equal(a[2].n_range_risk, 0);
    assert_string_equal(a[3].resolved_version, "2.1rc1");
    assert_string_equal(a[4].resolved_version, "1.3");
    assert_true(a[4].resolved_yanked);
    assert_false(a[4].resolved_vulnerable); /* ADV-A2 is fixed in 1.3 */
    assert_string_equal(a[5].resolved_version, "1.1");
    assert_true(a[5].resolved_vulnerable);
    assert_string_equal(a[6].resolved_version, "1.0b2");
    assert_string_equal(a[7].resolved_version, "2.0");
    assert_true(a[7].resolved_vulnerable);
    assert_int_equal(a[7].n_range_risk, 2);
    assert_false(a[8].release_data);
    assert_null(a[8].resolved_version);
    assert_string_equal(a[8].specifier, ">=1");
    assert_int_equal(r.n_fixes, 0); /* ranges have findings in range_risk only */
    scan_report_free(&r);
}

static const plan_item *plan_find(const scan_report *r, unsigned phase, const char *name)
{
    const plan_phase *p = &r->plan[phase - 1];
    for (size_t i = 0; i < p->n_items; i++)
        if (strcmp(p->items[i].name, name) == 0)
            return &p->items[i];
    return NULL;
}

static size_t plan_count(const scan_report *r, const char *name)
{
    size_t n = 0;
    for (unsigned p = 1; p <= PLAN_PHASES; p++)
        n += plan_find(r, p, name) != NULL;
    return n;
}

static void test_plan(void **state)
{
    (void)state;
    scan_report r = {0};
    add(&r, DEP_REQUIREMENT, "alpha", "1.0", NULL);  /* HIGH: phase 1 */
    add(&r, DEP_LOCKED, "Alpha", "1.1", NULL);       /* the same package: once */
    add(&r, DEP_REQUIREMENT, "gamma", "1.0", NULL);  /* MODERATE, LOW: phase 2 */
    add(&r, DEP_REQUIREMENT, "delta", "1.0", NULL);  /* unknown severity: phase 1, no fix */
    add(&r, DEP_DECLARED, "epsilon", "1.0", NULL);   /* 1.5 in major 1: phase 3 */
    add(&r, DEP_REQUIREMENT, "zeta", "1.0", NULL);   /* 2.0: phase 4 */
    add(&r, DEP_REQUIREMENT, "epsilon", "2.0", NULL); /* up to date: not listed again */
    add(&r, DEP_INSTALLED, "gamma", "2.5", NULL);    /* installed: declared inputs decide */
    add(&r, DEP_INSTALLED, "zeta", "1.0", NULL);
    /* A git source with a version: not the index's project, no advice. */
    dependency *git = add(&r, DEP_LOCKED, "gamma", "1.0", NULL);
    git->skip_reason = xstrdup("git source");
    match(&r);
    run(&r, &with_index, FIX_TO_MINIMAL);
    assert_false(r.advice[9].release_data);
    assert_null(r.advice[9].latest_version);
    for (unsigned p = 1; p <= PLAN_PHASES; p++) {
        assert_int_equal(r.plan[p - 1].phase, p);
        assert_string_equal(r.plan[p - 1].title, plan_phase_title(p));
    }
    const plan_item *it = plan_find(&r, 1, "alpha");
    assert_non_null(it);
    assert_string_equal(it->from, "1.0, 1.1");
    assert_string_equal(it->to, "1.4");
    assert_int_equal(it->n_ids, 1);
    assert_string_equal(it->ids[0], "ADV-A1");
    assert_int_equal(plan_count(&r, "alpha"), 1);
    it = plan_find(&r, 1, "delta");
    assert_non_null(it);
    assert_null(it->to);
    assert_non_null(strstr(it->reason, "UNKNOWN"));
    it = plan_find(&r, 2, "gamma");
    assert_non_null(it);
    assert_string_equal(it->from, "1.0");
    assert_string_equal(it->to, "3.0");
    assert_int_equal(it->n_ids, 2);
    assert_string_equal(it->ids[0], "ADV-G1");
    assert_string_equal(it->ids[1], "ADV-G2");
    assert_int_equal(plan_count(&r, "gamma"), 1);
    it = plan_find(&r, 3, "epsilon");
    assert_non_null(it);
    assert_string_equal(it->from, "1.0, 2.0");
    assert_string_equal(it->to, "1.5");
    assert_non_null(strstr(it->reason, "2.0, a major upgrade"));
    assert_int_equal(plan_count(&r, "epsilon"), 1);
    it = plan_find(&r, 4, "zeta");
    assert_non_null(it);
    assert_string_equal(it->to, "2.0");
    assert_int_equal(it->n_ids, 0);
    assert_int_equal(plan_count(&r, "zeta"), 1);
    assert_int_equal(r.plan[0].n_items, 2);
    assert_int_equal(r.plan[1].n_items, 1);
    assert_int_equal(r.plan[2].n_items, 1);
    assert_int_equal(r.plan[3].n_items, 1);
    scan_report_free(&r);
}

/* A scan of an environment alone: its installed packages are the plan. */
static void test_plan_installed_only(void **state)
{
    (void)state;
    scan_report r = {0};
    add(&r, DEP_INSTALLED, "gamma", "2.5", NULL); /* ADV-G2 LOW: phase 2 */
    add(&r, DEP_INSTALLED, "zeta", "1.0", NULL);
    add(&r, DEP_INSTALLED, "epsilon", "2.0", NULL); /* latest: nothing to do */
    match(&r);
    run(&r, &with_index, FIX_TO_MINIMAL);
    assert_non_null(plan_find(&r, 2, "gamma"));
    assert_string_equal(plan_find(&r, 2, "gamma")->to, "3.0");
    assert_non_null(plan_find(&r, 4, "zeta"));
    assert_int_equal(plan_count(&r, "epsilon"), 0);
    /* Without release data only the security phases can be filled. */
    run(&r, NULL, FIX_TO_MINIMAL);
    assert_non_null(plan_find(&r, 2, "gamma"));
    assert_non_null(strstr(plan_find(&r, 2, "gamma")->reason, "not checked"));
    assert_int_equal(r.plan[2].n_items + r.plan[3].n_items, 0);
    scan_report_free(&r);
}

static void test_rules_alone(void **state)
{
    (void)state;
    vulndb_releases rels = {0};
    make_releases(&index_pages[0], &rels); /* alpha */
    assert_string_equal(advice_latest(&rels, false)->version, "2.0");
    assert_string_equal(advice_latest(&rels, true)->version, "2.1rc1");
    version v;
    airlock_error e;
    assert_int_equal(version_parse(&v, "1.0.0", 5, &e), 0);
    assert_string_equal(advice_find(&rels, &v)->version, "1.0");
    assert_string_equal(advice_latest_same_major(&rels, &v, false)->version, "1.4");
    version_clear(&v);
    assert_int_equal(version_parse(&v, "1!1.0", 5, &e), 0);
    assert_null(advice_find(&rels, &v));
    assert_null(advice_latest_same_major(&rels, &v, false)); /* another epoch */
    version_clear(&v);
    specset *s;
    assert_int_equal(specset_parse("~=1.1", 5, &s, &e), 0);
    assert_string_equal(rels.items[advice_resolve(s, &rels)].version, "1.4");
    specset_free(s);
    assert_int_equal(specset_parse("==2.*", 5, &s, &e), 0);
    assert_string_equal(rels.items[advice_resolve(s, &rels)].version, "2.0");
    specset_free(s);
    assert_int_equal(specset_parse("<1", 2, &s, &e), 0);
    assert_int_equal(advice_resolve(s, &rels), -1);
    specset_free(s);
    free_releases(NULL, &rels);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_alone),
        cmocka_unit_test(test_latest_outdated_yanked),
        cmocka_unit_test(test_no_release_data),
        cmocka_unit_test(test_fix_key_disagrees_with_text),
        cmocka_unit_test(test_later_fix_key_disagrees_with_text),
        cmocka_unit_test(test_fix_key_below_pin_disagrees_with_text),
        cmocka_unit_test(test_fixes_with_index),
        cmocka_unit_test(test_fixes_ignored),
        cmocka_unit_test(test_fix_to_latest),
        cmocka_unit_test(test_range_risk),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_plan_installed_only),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
