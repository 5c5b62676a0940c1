/* Tests for the sarif, cyclonedx, markdown and html renderers and the
 * helpers they share: hostile strings, invalid UTF-8, absent fields, write
 * errors, and the deterministic CycloneDX serial number. */
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
#include "scanner/reports/report_util.h"
#include "scanner/results.h"

static const report_format mine[] = {REPORT_SARIF, REPORT_CYCLONEDX, REPORT_MARKDOWN,
                                     REPORT_HTML, REPORT_PLAN};
#define N_MINE (sizeof mine / sizeof mine[0])

/* A report with one dependency and one finding whose strings are `s`, a
 * skipped dependency whose reason and group are `s`, a lockfile input whose
 * path, format and note are `s`, and a warning about file `s` whose
 * message is `s`. NULL leaves optional fields out. */
static void build(scan_report *r, const char *s, bool ignored)
{
    memset(r, 0, sizeof *r);
    r->airlock_version = xstrdup("0.1.0");
    r->scan_time = 1700000000;
    r->hostname = s ? xstrdup(s) : NULL;
    dependency *d = dep_list_add(&r->deps);
    d->kind = DEP_REQUIREMENT;
    d->name = xstrdup(s ? s : "pkg");
    d->version_text = xstrdup("1.0");
    d->source_file = s ? xstrdup(s) : NULL;
    d->source_line = 3;
    /* Lockfiles, pyproject.toml and SBOMs name groups and source kinds,
     * and an input's note holds paths: untrusted too. */
    d->group = s ? xstrdup(s) : NULL;
    d->source_kind = s ? xstrdup(s) : NULL;
    dependency *k = dep_list_add(&r->deps);
    k->kind = DEP_DECLARED;
    k->name = xstrdup("skipped-one");
    k->skip_reason = xstrdup(s ? s : "no version");
    k->group = s ? xstrdup(s) : NULL;
    k->source_kind = xstrdup("git");
    r->n_inputs = 1;
    r->inputs = xcalloc(1, sizeof *r->inputs);
    r->inputs[0].kind = INPUT_LOCKFILE;
    r->inputs[0].path = xstrdup(s ? s : "uv.lock");
    r->inputs[0].format = s ? xstrdup(s) : NULL;
    r->inputs[0].note = s ? xstrdup(s) : NULL;
    r->findings = xcalloc(2, sizeof *r->findings);
    r->findings[0].len = 1;
    r->findings[0].items = xcalloc(1, sizeof(finding));
    finding *f = &r->findings[0].items[0];
    f->id = xstrdup("PYSEC-0000-1");
    f->summary = s ? xstrdup(s) : NULL;
    f->details = s ? xstrdup(s) : NULL;
    f->level = SEVERITY_UNKNOWN;
    f->score = -1;
    if (s != NULL) {
        f->n_aliases = 1;
        f->aliases = xcalloc(1, sizeof *f->aliases);
        f->aliases[0] = xstrdup(s);
        f->n_fix_versions = 1;
        f->fix_versions = xcalloc(1, sizeof *f->fix_versions);
        f->fix_versions[0] = xstrdup(s);
        f->n_references = 1;
        f->references = xcalloc(1, sizeof *f->references);
        f->references[0].type = xstrdup("WEB");
        f->references[0].url = xstrdup(s);
    }
    f->ignored = ignored;
    f->ignore_reason = ignored && s ? xstrdup(s) : NULL;
    scan_report_add_warning(r, s, s ? 9 : 0, s ? s : "a line that was not read");
    /* Advice: a yanked pin, a range of the skipped one, a fix without a
     * release, a plan item; every text `s`. */
    r->release_data = true;
    r->advice = xcalloc(2, sizeof *r->advice);
    r->advice[0].release_data = true;
    r->advice[0].yanked = true;
    r->advice[0].yank_reason = s ? xstrdup(s) : NULL;
    r->advice[0].latest_version = s ? xstrdup(s) : NULL;
    r->advice[1].release_data = true;
    r->advice[1].specifier = xstrdup(s ? s : "");
    r->advice[1].resolved_version = s ? xstrdup(s) : NULL;
    r->advice[1].n_range_risk = 1;
    r->advice[1].range_risk = xcalloc(1, sizeof *r->advice[1].range_risk);
    r->advice[1].range_risk[0].version = xstrdup(s ? s : "0.9");
    r->advice[1].range_risk[0].ids = xcalloc(1, sizeof(char *));
    r->advice[1].range_risk[0].ids[0] = xstrdup(s ? s : "PYSEC-0000-1");
    r->advice[1].range_risk[0].n_ids = 1;
    r->n_fixes = 1;
    r->fixes = xcalloc(1, sizeof *r->fixes);
    r->fixes[0] = (fix_item){0, xstrdup(s ? s : "pkg"), xstrdup("1.0"), NULL,
                             s ? xstrdup(s) : NULL};
    r->plan[0].n_items = 1;
    r->plan[0].items = xcalloc(1, sizeof(plan_item));
    plan_item *it = &r->plan[0].items[0];
    it->name = xstrdup(s ? s : "pkg");
    it->from = xstrdup("1.0");
    it->reason = s ? xstrdup(s) : NULL;
    it->ids = xcalloc(1, sizeof(char *));
    it->ids[0] = xstrdup("PYSEC-0000-1");
    it->n_ids = 1;
}

static char *render(report_format fmt, const scan_report *r)
{
    char *data = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&data, &len);
    assert_non_null(mem);
    airlock_error err = {{0}};
    report_style style = {false};
    assert_int_equal(report_write(fmt, r, &style, mem, &err), 0);
    assert_int_equal(fclose(mem), 0);
    assert_int_equal(strlen(data), len); /* no NUL bytes in any report */
    return data;
}

static bool valid_utf8(const char *s)
{
    buf b = {0};
    report_utf8_append(&b, s);
    bool same = b.len == strlen(s) && memcmp(b.data, s, b.len) == 0;
    buf_free(&b);
    return same;
}

/* Does `needle` occur in `s` without a backslash before it? */
static bool has_unescaped(const char *s, const char *needle)
{
    for (const char *p = strstr(s, needle); p != NULL; p = strstr(p + 1, needle))
        if (p == s || p[-1] != '\\')
            return true;
    return false;
}

/* Unescaped pipes in a Markdown table row. */
static size_t count_cells(const char *line)
{
    size_t n = 0;
    for (const char *p = line; *p; p++) {
        if (*p == '\\' && p[1] != '\0')
            p++;
        else if (*p == '|')
            n++;
    }
    return n;
}

static void test_hostile_strings(void **state)
{
    (void)state;
    const char *hostile = "<script>alert(\"x\")</script>' | `a` *b* [c](d) \\ \r\n\x01 "
                          "\xff\xfe bad \xc0\xaf overlong \xed\xa0\x80 surrogate";
    for (int ig = 0; ig < 2; ig++) {
        scan_report r;
        build(&r, hostile, ig == 1);
        for (size_t i = 0; i < N_MINE; i++) {
            char *out = render(mine[i], &r);
            assert_true(valid_utf8(out));
            if (mine[i] == REPORT_SARIF || mine[i] == REPORT_CYCLONEDX) {
                cJSON *doc = cJSON_Parse(out);
                assert_non_null(doc);
                if (mine[i] == REPORT_SARIF) {
                    /* runs[0].tool.driver.rules[0].help.markdown is rendered. */
                    const cJSON *rule = cJSON_GetArrayItem(
                        cJSON_GetObjectItem(
                            cJSON_GetObjectItem(
                                cJSON_GetObjectItem(
                                    cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "runs"), 0),
                                    "tool"),
                                "driver"),
                            "rules"),
                        0);
                    const cJSON *help = cJSON_GetObjectItem(
                        cJSON_GetObjectItem(rule, "help"), "markdown");
                    assert_true(cJSON_IsString(help));
                    assert_false(has_unescaped(help->valuestring, "<script"));
                    assert_non_null(strstr(help->valuestring, "\\<script\\>"));
                }
                cJSON_Delete(doc);
            }
            if (mine[i] == REPORT_HTML) {
                assert_null(strstr(out, "<script"));
                assert_null(strstr(out, "\x01"));
                assert_non_null(strstr(out, "&lt;script&gt;alert(&quot;x&quot;)"));
            }
            if (mine[i] == REPORT_MARKDOWN || mine[i] == REPORT_PLAN) {
                assert_false(has_unescaped(out, "<script"));
                assert_non_null(strstr(out, "\\<script\\>"));
                /* Every table row has as many cells as the row before it. */
                size_t prev = 0;
                for (char *line = out; line != NULL && *line;) {
                    char *nl = strchr(line, '\n');
                    if (nl != NULL)
                        *nl = '\0';
                    assert_null(strchr(line, '\r'));
                    size_t cells = line[0] == '|' ? count_cells(line) : 0;
                    if (cells > 0 && prev > 0)
                        assert_int_equal(cells, prev);
                    prev = cells;
                    line = nl ? nl + 1 : NULL;
                }
            }
            free(out);
        }
        scan_report_free(&r);
    }
}

/* The HTML report filters text as every other format does (core/text.h):
 * C1 controls (CSI U+009B) and bidirectional controls (U+202E, U+2066) do
 * not reach the page, where they would reorder what is shown around them. */
static void test_html_controls(void **state)
{
    (void)state;
    const char *hostile = "a\xc2\x9b" "2J \xe2\x80\xae" "gpj.exe \xe2\x81\xa6x\xc2\x85y\x7f"
                          "\r\n\xd8\x9c" "caf\xc3\xa9";
    scan_report r;
    build(&r, hostile, false);
    char *out = render(REPORT_HTML, &r);
    static const char *const banned[] = {"\xc2\x9b", "\xe2\x80\xae", "\xe2\x81\xa6",
                                         "\xc2\x85", "\x7f", "\r", "\xd8\x9c"};
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
        assert_null(strstr(out, banned[i]));
    /* What the table report and `airlock show` print, HTML-escaped; the
     * details keep their line break (shown pre-wrapped). */
    assert_non_null(strstr(out, "<p>a?2J ?gpj.exe ?x?y?\n?caf\xc3\xa9</p>"));
    free(out);
    scan_report_free(&r);
}

/* A skipped requirement with no version shows a dash, as in the table and
 * Markdown reports and every other empty HTML cell, not an empty <code>. */
static void test_html_no_version(void **state)
{
    (void)state;
    scan_report r;
    build(&r, NULL, false);
    assert_null(r.deps.items[1].version_text);
    char *out = render(REPORT_HTML, &r);
    assert_non_null(strstr(out, "<b>skipped-one</b> <code>&ndash;</code>"));
    assert_null(strstr(out, "<code></code>"));
    free(out);
    scan_report_free(&r);
}

static void test_absent_fields(void **state)
{
    (void)state;
    scan_report r;
    build(&r, NULL, true);
    for (size_t i = 0; i < N_MINE; i++) {
        char *out = render(mine[i], &r);
        assert_non_null(strstr(out, "PYSEC-0000-1"));
        free(out);
    }
    scan_report_free(&r);

    /* No findings array at all, no dependencies. */
    scan_report empty;
    memset(&empty, 0, sizeof empty);
    for (size_t i = 0; i < N_MINE; i++)
        free(render(mine[i], &empty));
}

static void test_write_error(void **state)
{
    (void)state;
    FILE *full = fopen("/dev/full", "w");
    if (full == NULL)
        skip();
    setvbuf(full, NULL, _IONBF, 0);
    scan_report r;
    build(&r, "x", false);
    for (size_t i = 0; i < N_MINE; i++) {
        airlock_error err = {{0}};
        report_style style = {false};
        assert_int_equal(report_write(mine[i], &r, &style, full, &err), -1);
        assert_true(err.msg[0] != '\0');
        clearerr(full);
    }
    fclose(full);
    scan_report_free(&r);
}

static const char *serial_of(const char *bom, char out[64])
{
    cJSON *doc = cJSON_Parse(bom);
    assert_non_null(doc);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(doc, "serialNumber");
    assert_true(cJSON_IsString(s));
    snprintf(out, 64, "%s", s->valuestring);
    cJSON_Delete(doc);
    return out;
}

static void test_cyclonedx_serial(void **state)
{
    (void)state;
    scan_report r;
    build(&r, "a", false);
    char *one = render(REPORT_CYCLONEDX, &r);
    r.scan_time += 3600; /* only the timestamp may change */
    char *two = render(REPORT_CYCLONEDX, &r);
    char s1[64], s2[64], s3[64];
    assert_string_equal(serial_of(one, s1), serial_of(two, s2));
    /* urn:uuid:xxxxxxxx-xxxx-8xxx-[89ab]xxx-xxxxxxxxxxxx */
    assert_int_equal(strlen(s1), 45);
    assert_true(strncmp(s1, "urn:uuid:", 9) == 0);
    assert_int_equal(s1[23], '8');
    assert_non_null(strchr("89ab", s1[28]));
    assert_true(strcmp(one, two) != 0);
    free(r.findings[0].items[0].summary);
    r.findings[0].items[0].summary = xstrdup("b");
    char *three = render(REPORT_CYCLONEDX, &r);
    assert_true(strcmp(serial_of(three, s3), s1) != 0);
    free(one);
    free(two);
    free(three);
    scan_report_free(&r);
}

static void test_purl_and_uri(void **state)
{
    (void)state;
    dependency d = {0};
    d.name = "Zope.Interface_X";
    d.version_text = "1.0+local.1";
    char *p = report_purl(&d);
    assert_string_equal(p, "pkg:pypi/zope.interface-x@1.0%2Blocal.1");
    free(p);
    /* purl's pypi name is the name as written, lower-cased, '_' as '-':
     * dots stay (PEP 503's normalised name is not what purl asks for). */
    d.normalized = "zope-interface-x";
    p = report_purl(&d);
    assert_string_equal(p, "pkg:pypi/zope.interface-x@1.0%2Blocal.1");
    free(p);
    /* A version that is not checked (not PEP 440) is still the registry's
     * version: kept, so that a reader of the BOM gets it back. */
    d.skip_reason = "locked version is not a PEP 440 version";
    d.source_kind = "registry";
    p = report_purl(&d);
    assert_string_equal(p, "pkg:pypi/zope.interface-x@1.0%2Blocal.1");
    free(p);
    /* Not from the registry: "1.0" is not PyPI's 1.0, so no version. */
    d.source_kind = "git";
    d.skip_reason = "git source";
    p = report_purl(&d);
    assert_string_equal(p, "pkg:pypi/zope.interface-x");
    free(p);
    /* No version, no "@". */
    d.source_kind = NULL;
    d.version_text = NULL;
    p = report_purl(&d);
    assert_string_equal(p, "pkg:pypi/zope.interface-x");
    free(p);
    /* A name that is not a valid project name as written (a folded
     * METADATA line) gives the name the scan matched; blanks around the
     * version are not part of it. */
    d.name = "\nfoldname";
    d.normalized = "foldname";
    d.version_text = "0.1 ";
    p = report_purl(&d);
    assert_string_equal(p, "pkg:pypi/foldname@0.1");
    free(p);
    /* Everything outside purl's allowed set is percent-encoded, as UTF-8;
     * ':' never is (no normalised name here: the name as written is all
     * there is). */
    d.normalized = NULL;
    d.name = "Caf\xc3\xa9 pkg/x@y";
    d.version_text = "1!2.0:post 1";
    p = report_purl(&d);
    assert_string_equal(p, "pkg:pypi/caf%C3%A9%20pkg%2Fx%40y@1%212.0:post%201");
    free(p);
    char *u = report_file_uri("/srv/my app/req#1.txt");
    assert_string_equal(u, "file:///srv/my%20app/req%231.txt");
    free(u);
    u = report_file_uri("sub/r\xc3\xa9q.txt");
    assert_string_equal(u, "sub/r%C3%A9q.txt");
    free(u);
}

static void test_utf8_clean(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"caf\xc3\xa9", "caf\xc3\xa9"},
        {"\xf0\x9f\x94\x92 lock", "\xf0\x9f\x94\x92 lock"},
        {"\xff", "\xef\xbf\xbd"},
        {"\xc3", "\xef\xbf\xbd"},                 /* truncated at the end */
        {"\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd"},  /* truncated 3-byte */
        {"\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd"},  /* overlong NUL */
        {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
        {"\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf b = {0};
        report_utf8_append(&b, cases[i].in);
        assert_string_equal(b.data, cases[i].out);
        buf_free(&b);
    }
}

static void test_time(void **state)
{
    (void)state;
    char t[32];
    report_time_rfc3339(0, t);
    assert_string_equal(t, "1970-01-01T00:00:00Z");
    report_time_rfc3339(1763900000, t);
    assert_string_equal(t, "2025-11-23T12:13:20Z");
    report_time_rfc3339(INT64_MAX, t); /* out of range: the epoch, not garbage */
    assert_string_equal(t, "1970-01-01T00:00:00Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_strings),  cmocka_unit_test(test_absent_fields),
        cmocka_unit_test(test_write_error),      cmocka_unit_test(test_cyclonedx_serial),
        cmocka_unit_test(test_purl_and_uri),     cmocka_unit_test(test_utf8_clean),
        cmocka_unit_test(test_time),           cmocka_unit_test(test_html_controls),
        cmocka_unit_test(test_html_no_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
