/* Tests for scanner/ignore (ignore files, --ignore-vuln, expiry) and the
 * exit-status rule of scanner/match (--fail-on, ignored findings). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "scanner/ignore.h"
#include "scanner/match.h"

typedef struct warnings {
    char text[16][256];
    unsigned n;
} warnings;

static void collect(void *arg, const char *file, unsigned line, const char *msg)
{
    warnings *w = arg;
    if (w->n < 16)
        snprintf(w->text[w->n++], sizeof w->text[0], "%s:%u: %s", file ? file : "-", line, msg);
}

static void test_parse_entries(void **state)
{
    (void)state;
    static const char text[] =
        "# accepted risks\n"
        "\n"
        "   \t\n"
        "PYSEC-2023-100\n"
        "CVE-2023-43804 until=2027-01-31 not reachable: we never send cookies\r\n"
        "GHSA-qf9m-vfgh-m389   reason only, with # inside\n"
        "  CVE-1 until=2026-02-28";
    ignore_list l = {0};
    warnings w = {0};
    diag d = {collect, &w, 0};
    assert_int_equal(ignore_parse(&l, "ig.txt", text, sizeof text - 1, &d), 4);
    assert_int_equal(w.n, 0);
    assert_string_equal(l.items[0].id, "PYSEC-2023-100");
    assert_null(l.items[0].until);
    assert_null(l.items[0].reason);
    assert_int_equal(l.items[0].line, 4);
    assert_string_equal(l.items[0].file, "ig.txt");
    assert_string_equal(l.items[1].id, "CVE-2023-43804");
    assert_string_equal(l.items[1].until, "2027-01-31");
    assert_string_equal(l.items[1].reason, "not reachable: we never send cookies");
    assert_string_equal(l.items[2].reason, "reason only, with # inside");
    assert_null(l.items[2].until);
    assert_string_equal(l.items[3].id, "CVE-1");
    assert_string_equal(l.items[3].until, "2026-02-28");
    assert_int_equal(l.items[3].line, 7);
    ignore_list_free(&l);
}

static void test_parse_bad_lines_warn(void **state)
{
    (void)state;
    static const char text[] =
        "GOOD-1\n"
        "bad/id\n"                       /* 2: invalid character */
        "CVE-2 until=2026-02-30\n"       /* 3: no such day */
        "CVE-3 until=26-01-01\n"         /* 4: wrong form */
        "CVE-4 until=\n"                 /* 5: empty date */
        "CVE-5\x1b[31m\n"                /* 6: control character */
        "CVE-6 until=2024-02-29 leap\n"  /* 7: valid (leap year) */
        "CVE-7 until=2100-02-29\n"       /* 8: 2100 is not a leap year */
        "\xff\xfe\n"                     /* 9: not an ID */
        "GOOD-2";
    ignore_list l = {0};
    warnings w = {0};
    diag d = {collect, &w, 0};
    assert_int_equal(ignore_parse(&l, "f", text, sizeof text - 1, &d), 3);
    assert_int_equal(w.n, 7);
    assert_non_null(strstr(w.text[0], "f:2: invalid vulnerability ID"));
    assert_non_null(strstr(w.text[1], "f:3: invalid date"));
    assert_non_null(strstr(w.text[2], "f:4:"));
    assert_non_null(strstr(w.text[3], "f:5:"));
    assert_non_null(strstr(w.text[4], "f:6: control character"));
    assert_non_null(strstr(w.text[5], "f:8:"));
    assert_non_null(strstr(w.text[6], "f:9:"));
    assert_string_equal(l.items[1].id, "CVE-6");
    assert_string_equal(l.items[2].id, "GOOD-2");
    ignore_list_free(&l);

    /* An over-long ID and an embedded NUL are rejected, not truncated. */
    char longid[300];
    memset(longid, 'A', sizeof longid);
    ignore_list l2 = {0};
    warnings w2 = {0};
    diag d2 = {collect, &w2, 0};
    assert_int_equal(ignore_parse(&l2, "g", longid, sizeof longid, &d2), 0);
    assert_int_equal(ignore_parse(&l2, "g", "CVE\0-1\n", 7, &d2), 0);
    assert_int_equal(w2.n, 2);
    ignore_list_free(&l2);
}

static void test_add_id(void **state)
{
    (void)state;
    ignore_list l = {0};
    airlock_error err = {{0}};
    assert_int_equal(ignore_add_id(&l, "GHSA-v845-jxx5-vc9f", &err), 0);
    assert_int_equal(ignore_add_id(&l, "", &err), -1);
    assert_int_equal(ignore_add_id(&l, "CVE 1", &err), -1);
    assert_non_null(strstr(err.msg, "invalid vulnerability ID"));
    assert_int_equal(l.len, 1);
    assert_int_equal(l.items[0].line, 0);
    assert_null(l.items[0].file);
    ignore_list_free(&l);
}

static void test_load_missing_file(void **state)
{
    (void)state;
    ignore_list l = {0};
    airlock_error err = {{0}};
    assert_int_equal(ignore_load(&l, "/nonexistent/ignore.txt", NULL, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/ignore.txt"));
    ignore_list_free(&l);
}

/* A report with one dependency and the given findings (id, alias, level). */
static void make_report(scan_report *r, size_t n, const char *const *ids,
                        const char *const *aliases, const severity *levels)
{
    memset(r, 0, sizeof *r);
    dependency *d = dep_list_add(&r->deps);
    d->name = xstrdup("demo");
    d->normalized = xstrdup("demo");
    d->version_text = xstrdup("1.0");
    r->findings = xcalloc(1, sizeof *r->findings);
    r->findings[0].items = xcalloc(n, sizeof(finding));
    r->findings[0].len = n;
    for (size_t i = 0; i < n; i++) {
        finding *f = &r->findings[0].items[i];
        f->id = xstrdup(ids[i]);
        f->score = -1;
        f->level = levels[i];
        if (aliases[i] != NULL) {
            f->aliases = xcalloc(1, sizeof *f->aliases);
            f->aliases[0] = xstrdup(aliases[i]);
            f->n_aliases = 1;
        }
    }
}

static void test_apply_and_expiry(void **state)
{
    (void)state;
    static const char *const ids[] = {"PYSEC-1", "PYSEC-2", "PYSEC-3"};
    static const char *const aliases[] = {"CVE-2020-1", "GHSA-aaaa-bbbb-cccc", NULL};
    static const severity levels[] = {SEVERITY_HIGH, SEVERITY_LOW, SEVERITY_MEDIUM};
    scan_report r;
    make_report(&r, 3, ids, aliases, levels);
    static const char text[] =
        "cve-2020-1 until=2026-11-23 reviewed\n"   /* alias, any case, last day */
        "GHSA-aaaa-bbbb-cccc until=2026-11-22 old\n" /* expired yesterday */
        "PYSEC-404\n";
    ignore_list l = {0};
    warnings w = {0};
    diag d = {collect, &w, 0};
    ignore_parse(&l, "ig", text, sizeof text - 1, &d);
    assert_int_equal(w.n, 0);
    ignore_apply(&l, "2026-11-23", &r, &d);
    const finding *f = r.findings[0].items;
    assert_true(f[0].ignored);
    assert_string_equal(f[0].ignore_reason, "reviewed");
    assert_string_equal(f[0].ignore_until, "2026-11-23");
    assert_false(f[1].ignored);
    assert_false(f[2].ignored);
    assert_int_equal(r.n_expired, 1);
    assert_string_equal(r.expired[0].id, "GHSA-aaaa-bbbb-cccc");
    assert_string_equal(r.expired[0].until, "2026-11-22");
    assert_string_equal(r.expired[0].reason, "old");
    assert_int_equal(r.expired[0].line, 2);
    assert_int_equal(w.n, 1);
    assert_non_null(strstr(w.text[0], "ig:2: ignore entry for GHSA-aaaa-bbbb-cccc expired"));

    /* Counting and the exit rule see only unignored findings. */
    scan_counts c;
    scan_report_count(&r, &c);
    assert_int_equal(c.findings, 2);
    assert_int_equal(c.ignored, 1);
    assert_true(match_fails(&r, MATCH_FAIL_ANY));
    assert_true(match_fails(&r, SEVERITY_MEDIUM));
    assert_false(match_fails(&r, SEVERITY_HIGH)); /* the HIGH one is ignored */
    ignore_list_free(&l);
    scan_report_free(&r);
}

static void test_fail_on_rules(void **state)
{
    (void)state;
    static const char *const ids[] = {"A", "B"};
    static const char *const aliases[] = {NULL, NULL};
    severity levels[] = {SEVERITY_LOW, SEVERITY_NONE};
    scan_report r;
    make_report(&r, 2, ids, aliases, levels);
    assert_true(match_fails(&r, MATCH_FAIL_ANY));
    assert_true(match_fails(&r, SEVERITY_LOW));
    assert_false(match_fails(&r, SEVERITY_MEDIUM));
    /* Unknown severity fails closed: it counts as critical. */
    r.findings[0].items[1].level = SEVERITY_UNKNOWN;
    assert_true(match_fails(&r, SEVERITY_CRITICAL));
    /* All ignored: never fails. */
    r.findings[0].items[0].ignored = true;
    r.findings[0].items[1].ignored = true;
    assert_false(match_fails(&r, MATCH_FAIL_ANY));
    /* A skipped dependency's findings do not count. */
    r.findings[0].items[1].ignored = false;
    r.deps.items[0].skip_reason = xstrdup("no version");
    assert_false(match_fails(&r, MATCH_FAIL_ANY));
    scan_report_free(&r);

    severity s;
    airlock_error err;
    assert_int_equal(match_parse_fail_on("HIGH", &s, &err), 0);
    assert_int_equal(s, SEVERITY_HIGH);
    assert_int_equal(match_parse_fail_on("low", &s, &err), 0);
    assert_int_equal(s, SEVERITY_LOW);
    assert_int_equal(match_parse_fail_on("none", &s, &err), -1);
    assert_int_equal(match_parse_fail_on("severe", &s, &err), -1);
    assert_non_null(strstr(err.msg, "--fail-on"));
}

static void test_date_valid(void **state)
{
    (void)state;
    assert_true(ignore_date_valid("2024-02-29", 10));
    assert_false(ignore_date_valid("2023-02-29", 10));
    assert_true(ignore_date_valid("2000-02-29", 10));
    assert_false(ignore_date_valid("2023-13-01", 10));
    assert_false(ignore_date_valid("2023-00-10", 10));
    assert_false(ignore_date_valid("2023-04-31", 10));
    assert_false(ignore_date_valid("2023-4-1", 8));
    assert_false(ignore_date_valid("2023/04/01", 10));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_entries),
        cmocka_unit_test(test_parse_bad_lines_warn),
        cmocka_unit_test(test_add_id),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_apply_and_expiry),
        cmocka_unit_test(test_fail_on_rules),
        cmocka_unit_test(test_date_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
