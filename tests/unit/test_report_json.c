/* Tests for scanner/reports/report_json.c: the JSON report from a hand-built
 * scan_report, read back with cJSON. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "scanner/reports/report.h"

static char **strv(size_t n, ...)
{
    char **v = xcalloc(n, sizeof *v);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        v[i] = xstrdup(va_arg(ap, const char *));
    va_end(ap);
    return v;
}

/* Three dependencies: one vulnerable (two findings, one ignored), one clean,
 * one skipped. */
static void build(scan_report *r)
{
    memset(r, 0, sizeof *r);
    r->airlock_version = xstrdup("9.8.7");
    r->scan_time = 1795392000; /* 2026-11-23T00:00:00Z */
    r->hostname = xstrdup("host\x01name");
    r->n_inputs = 1;
    r->inputs = xcalloc(1, sizeof *r->inputs);
    r->inputs[0].kind = INPUT_REQUIREMENTS;
    r->inputs[0].path = xstrdup("req.txt");
    r->inputs[0].sha256 = xstrdup("ab12");
    r->db.sequence = 42;
    r->db.build_time = 1795305600; /* 2026-11-22 */
    r->db.signer_key_id = xstrdup("0123456789ABCDEF");
    r->db.snapshot_digest = xstrdup("feed");
    r->db.n_sources = 1;
    r->db.sources = xcalloc(1, sizeof *r->db.sources);
    r->db.sources[0].name = xstrdup("pypa");
    r->db.sources[0].sha256 = xstrdup("cafe");
    r->db.sources[0].kept = 10;
    r->db.sources[0].withdrawn = 2;
    r->db.n_indexes = 1;
    r->db.indexes = xcalloc(1, sizeof *r->db.indexes);
    r->db.indexes[0].name = xstrdup("mirror-pages");
    r->db.indexes[0].sha256 = xstrdup("beef");
    r->db.indexes[0].projects = 12;
    r->db.indexes[0].releases = 345;

    dependency *d = dep_list_add(&r->deps);
    d->kind = DEP_REQUIREMENT;
    d->name = xstrdup("Django");
    d->normalized = xstrdup("django");
    d->version_text = xstrdup("4.2.1");
    d->source_file = xstrdup("req.txt");
    d->source_line = 3;
    d = dep_list_add(&r->deps);
    d->kind = DEP_INSTALLED;
    d->name = xstrdup("caf\xc3\xa9-\xff\"x"); /* valid UTF-8, invalid byte, quote */
    d->normalized = xstrdup("cafe-x");
    d->version_text = xstrdup("1.0");
    d->source_file = xstrdup("/sp/cafe-1.0.dist-info/METADATA");
    d->location = xstrdup("/sp/cafe-1.0.dist-info");
    d = dep_list_add(&r->deps);
    d->kind = DEP_REQUIREMENT;
    d->name = xstrdup("torch");
    d->normalized = xstrdup("torch");
    d->source_file = xstrdup("req.txt");
    d->source_line = 4;
    d->skip_reason = xstrdup("not pinned to one version");

    r->findings = xcalloc(3, sizeof *r->findings);
    r->findings[0].len = 2;
    r->findings[0].items = xcalloc(2, sizeof(finding));
    finding *f = &r->findings[0].items[0];
    f->id = xstrdup("PYSEC-2023-100");
    f->aliases = strv(2, "CVE-2023-36053", "GHSA-jh3w-4vvf-mjgr");
    f->n_aliases = 2;
    f->summary = xstrdup("ReDoS in validators");
    f->details = xstrdup("Long \"details\"\nwith a newline");
    f->level = SEVERITY_HIGH;
    f->score = 7.5;
    f->n_ratings = 1;
    f->ratings = xcalloc(1, sizeof *f->ratings);
    f->ratings[0].type = xstrdup("CVSS_V3");
    f->ratings[0].vector = xstrdup("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H");
    f->ratings[0].score = 7.5;
    f->ratings[0].level = SEVERITY_HIGH;
    f->fix_versions = strv(2, "4.2.3", "5.0");
    f->n_fix_versions = 2;
    f->n_references = 1;
    f->references = xcalloc(1, sizeof *f->references);
    f->references[0].type = xstrdup("ADVISORY");
    f->references[0].url = xstrdup("https://example.org/a");
    f = &r->findings[0].items[1];
    f->id = xstrdup("PYSEC-2023-222");
    f->summary = xstrdup("summary only");
    f->level = SEVERITY_UNKNOWN;
    f->score = -1;
    f->ignored = true;
    f->ignore_reason = xstrdup("accepted");
    f->ignore_until = xstrdup("2027-01-01");

    r->n_expired = 1;
    r->expired = xcalloc(1, sizeof *r->expired);
    r->expired[0].id = xstrdup("CVE-1");
    r->expired[0].until = xstrdup("2026-01-01");
    r->expired[0].file = xstrdup("ignore.txt");
    r->expired[0].line = 7;

    scan_report_add_warning(r, "req.txt", 5, "invalid requirement line: bad \xff");
    scan_report_add_warning(r, NULL, 0, "no file, no line");
}

static char *render(const scan_report *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    airlock_error err = {{0}};
    assert_int_equal(report_write_json(r, fp, &err), 0);
    fclose(fp);
    return text;
}

static cJSON *get(const cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (v == NULL)
        fail_msg("missing key %s", key);
    return v;
}

static void test_pip_audit_shape_and_extras(void **state)
{
    (void)state;
    scan_report r;
    build(&r);
    char *text = render(&r);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);

    assert_string_equal(get(get(root, "scanner"), "version")->valuestring, "9.8.7");
    assert_string_equal(get(root, "scan_time")->valuestring, "2026-11-23T00:00:00Z");
    assert_string_equal(get(root, "hostname")->valuestring, "host\x01name");
    const cJSON *in = cJSON_GetArrayItem(get(root, "inputs"), 0);
    assert_string_equal(get(in, "kind")->valuestring, "requirements");
    assert_string_equal(get(in, "sha256")->valuestring, "ab12");
    const cJSON *db = get(root, "database");
    assert_int_equal(get(db, "sequence")->valueint, 42);
    assert_string_equal(get(db, "build_time")->valuestring, "2026-11-22T00:00:00Z");
    assert_string_equal(get(db, "signer_key_id")->valuestring, "0123456789ABCDEF");
    assert_string_equal(get(db, "snapshot_digest")->valuestring, "feed");
    assert_true(cJSON_IsNull(get(db, "db_digest")));
    const cJSON *src = cJSON_GetArrayItem(get(db, "sources"), 0);
    assert_int_equal(get(src, "kept")->valueint, 10);
    assert_int_equal(get(src, "withdrawn")->valueint, 2);
    const cJSON *idx = get(db, "indexes");
    assert_int_equal(cJSON_GetArraySize(idx), 1);
    assert_string_equal(get(cJSON_GetArrayItem(idx, 0), "name")->valuestring, "mirror-pages");
    assert_string_equal(get(cJSON_GetArrayItem(idx, 0), "sha256")->valuestring, "beef");
    assert_int_equal(get(cJSON_GetArrayItem(idx, 0), "projects")->valueint, 12);
    assert_int_equal(get(cJSON_GetArrayItem(idx, 0), "releases")->valueint, 345);

    const cJSON *sum = get(root, "summary");
    assert_int_equal(get(sum, "dependencies")->valueint, 3);
    assert_int_equal(get(sum, "skipped")->valueint, 1);
    assert_int_equal(get(sum, "vulnerable")->valueint, 1);
    assert_int_equal(get(sum, "vulnerabilities")->valueint, 1);
    assert_int_equal(get(sum, "ignored")->valueint, 1);
    assert_int_equal(get(sum, "warnings")->valueint, 2);
    assert_int_equal(get(get(sum, "by_severity"), "HIGH")->valueint, 1);
    assert_int_equal(get(get(sum, "by_severity"), "UNKNOWN")->valueint, 0);

    const cJSON *deps = get(root, "dependencies");
    assert_int_equal(cJSON_GetArraySize(deps), 3);
    const cJSON *d0 = cJSON_GetArrayItem(deps, 0);
    assert_string_equal(get(d0, "name")->valuestring, "Django");
    assert_string_equal(get(d0, "version")->valuestring, "4.2.1");
    assert_null(cJSON_GetObjectItemCaseSensitive(d0, "skip_reason"));
    assert_string_equal(get(get(d0, "source"), "file")->valuestring, "req.txt");
    assert_int_equal(get(get(d0, "source"), "line")->valueint, 3);
    const cJSON *vulns = get(d0, "vulns");
    assert_int_equal(cJSON_GetArraySize(vulns), 2);
    const cJSON *v0 = cJSON_GetArrayItem(vulns, 0);
    assert_string_equal(get(v0, "id")->valuestring, "PYSEC-2023-100");
    assert_string_equal(cJSON_GetArrayItem(get(v0, "fix_versions"), 0)->valuestring, "4.2.3");
    assert_string_equal(cJSON_GetArrayItem(get(v0, "fix_versions"), 1)->valuestring, "5.0");
    assert_string_equal(cJSON_GetArrayItem(get(v0, "aliases"), 1)->valuestring,
                        "GHSA-jh3w-4vvf-mjgr");
    assert_string_equal(get(v0, "description")->valuestring, "Long \"details\"\nwith a newline");
    const cJSON *sev = get(v0, "severity");
    assert_string_equal(get(sev, "level")->valuestring, "HIGH");
    assert_true(get(sev, "score")->valuedouble == 7.5);
    assert_string_equal(get(cJSON_GetArrayItem(get(sev, "vectors"), 0), "type")->valuestring,
                        "CVSS_V3");
    assert_false(cJSON_IsTrue(get(v0, "ignored")));
    assert_true(cJSON_IsNull(get(v0, "ignore_reason")));
    const cJSON *v1 = cJSON_GetArrayItem(vulns, 1);
    assert_string_equal(get(v1, "description")->valuestring, "summary only");
    assert_true(cJSON_IsTrue(get(v1, "ignored")));
    assert_string_equal(get(v1, "ignore_reason")->valuestring, "accepted");
    assert_string_equal(get(v1, "ignore_until")->valuestring, "2027-01-01");
    assert_true(cJSON_IsNull(get(get(v1, "severity"), "score")));
    assert_string_equal(get(get(v1, "severity"), "level")->valuestring, "UNKNOWN");

    /* A clean dependency is listed with an empty vulns array; bad UTF-8 is
     * replaced, the rest kept. */
    const cJSON *d1 = cJSON_GetArrayItem(deps, 1);
    assert_int_equal(cJSON_GetArraySize(get(d1, "vulns")), 0);
    assert_string_equal(get(d1, "name")->valuestring, "caf\xc3\xa9-\xef\xbf\xbd\"x");
    assert_string_equal(get(get(d1, "source"), "kind")->valuestring, "installed");
    assert_true(cJSON_IsNull(get(get(d1, "source"), "line")));

    /* pip-audit's skipped shape. */
    const cJSON *d2 = cJSON_GetArrayItem(deps, 2);
    assert_string_equal(get(d2, "skip_reason")->valuestring, "not pinned to one version");
    assert_null(cJSON_GetObjectItemCaseSensitive(d2, "vulns"));

    assert_int_equal(cJSON_GetArraySize(get(root, "fixes")), 0);
    const cJSON *x = cJSON_GetArrayItem(get(root, "expired_ignores"), 0);
    assert_string_equal(get(x, "id")->valuestring, "CVE-1");
    assert_int_equal(get(x, "line")->valueint, 7);

    /* Every warning, with its file and line (null when unknown). */
    const cJSON *ws = get(root, "warnings");
    assert_int_equal(cJSON_GetArraySize(ws), 2);
    const cJSON *w0 = cJSON_GetArrayItem(ws, 0);
    assert_string_equal(get(w0, "file")->valuestring, "req.txt");
    assert_int_equal(get(w0, "line")->valueint, 5);
    assert_string_equal(get(w0, "message")->valuestring,
                        "invalid requirement line: bad \xef\xbf\xbd");
    const cJSON *w1 = cJSON_GetArrayItem(ws, 1);
    assert_true(cJSON_IsNull(get(w1, "file")));
    assert_true(cJSON_IsNull(get(w1, "line")));
    assert_string_equal(get(w1, "message")->valuestring, "no file, no line");

    cJSON_Delete(root);
    free(text);
    scan_report_free(&r);
}

static void test_deterministic_and_key_order(void **state)
{
    (void)state;
    scan_report r;
    build(&r);
    char *a = render(&r);
    char *b = render(&r);
    assert_string_equal(a, b);
    /* Top-level keys in a fixed order. */
    const char *order[] = {"\"scanner\"", "\"scan_time\"", "\"inputs\"", "\"database\"",
                           "\"summary\"", "\"dependencies\"", "\"fixes\"", "\"expired_ignores\"",
                           "\"warnings\":\t["};
    const char *prev = a;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *p = strstr(a, order[i]);
        assert_non_null(p);
        assert_true(p >= prev);
        prev = p;
    }
    /* Control characters are escaped, never raw. */
    for (const char *p = a; *p; p++)
        assert_false((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t');
    free(a);
    free(b);
    scan_report_free(&r);
}

static void test_empty_report(void **state)
{
    (void)state;
    scan_report r;
    memset(&r, 0, sizeof r);
    char *text = render(&r);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    assert_int_equal(cJSON_GetArraySize(get(root, "dependencies")), 0);
    assert_true(cJSON_IsNull(get(root, "scan_time")));
    assert_int_equal(cJSON_GetArraySize(get(root, "warnings")), 0); /* present, empty */
    assert_int_equal(get(get(root, "summary"), "warnings")->valueint, 0);
    cJSON_Delete(root);
    free(text);
}

/* Past SCAN_WARNINGS_LISTED, one last entry counts the rest; the summary
 * counts every warning. */
static void test_warnings_listed_limit(void **state)
{
    (void)state;
    scan_report r;
    memset(&r, 0, sizeof r);
    for (unsigned i = 1; i <= SCAN_WARNINGS_LISTED + 5; i++)
        scan_report_add_warning(&r, "big.txt", i, "invalid requirement line");
    char *text = render(&r);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    const cJSON *ws = get(root, "warnings");
    assert_int_equal(cJSON_GetArraySize(ws), SCAN_WARNINGS_LISTED + 1);
    const cJSON *w = cJSON_GetArrayItem(ws, SCAN_WARNINGS_LISTED - 1);
    assert_int_equal(get(w, "line")->valueint, SCAN_WARNINGS_LISTED);
    w = cJSON_GetArrayItem(ws, SCAN_WARNINGS_LISTED);
    assert_true(cJSON_IsNull(get(w, "file")));
    assert_true(cJSON_IsNull(get(w, "line")));
    assert_string_equal(get(w, "message")->valuestring,
                        "5 more warnings not listed: a report lists the first 10000 (the scan "
                        "printed every one to standard error)");
    assert_int_equal(get(get(root, "summary"), "warnings")->valueint, SCAN_WARNINGS_LISTED + 5);
    cJSON_Delete(root);
    free(text);
    scan_report_free(&r);

    /* One past the limit: one more, in the singular. */
    for (unsigned i = 1; i <= SCAN_WARNINGS_LISTED + 1; i++)
        scan_report_add_warning(&r, NULL, 0, "x");
    assert_int_equal(r.n_warnings, SCAN_WARNINGS_LISTED + 1);
    assert_string_equal(r.warnings[SCAN_WARNINGS_LISTED].message,
                        "1 more warning not listed: a report lists the first 10000 (the scan "
                        "printed every one to standard error)");
    scan_report_free(&r);
}

static void test_write_error(void **state)
{
    (void)state;
    scan_report r;
    build(&r);
    FILE *fp = fopen("/dev/full", "w");
    if (fp == NULL)
        skip();
    setvbuf(fp, NULL, _IONBF, 0);
    airlock_error err = {{0}};
    assert_int_equal(report_write_json(&r, fp, &err), -1);
    fclose(fp);
    scan_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pip_audit_shape_and_extras),
        cmocka_unit_test(test_deterministic_and_key_order),
        cmocka_unit_test(test_empty_report),
        cmocka_unit_test(test_warnings_listed_limit),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
