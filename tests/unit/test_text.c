/* Tests for core/text.h (the one filter for untrusted text on terminals and
 * in Markdown), report_url_ok(), and what the renderers do with hostile
 * advisory strings: terminal escapes, C1 and bidirectional controls,
 * javascript: and data: URLs, bare URLs that Markdown would link. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/text.h"
#include "scanner/reports/report.h"
#include "scanner/reports/report_util.h"
#include "scanner/results.h"

static void check_filter(const char *in, unsigned flags, const char *want)
{
    char *got = text_safe_dup(in, flags);
    if (strcmp(got, want) != 0)
        fail_msg("filter(\"%s\", %u): got \"%s\", want \"%s\"", in, flags, got, want);
    free(got);
}

static void test_filter(void **state)
{
    (void)state;
    /* the severity type of the issue: clear screen, set the title */
    check_filter("CVSS_V3\x1b[2J\x1b]0;pwned\x07", 0, "CVSS_V3?[2J?]0;pwned?");
    check_filter("a\x7f" "b", 0, "a?b");
    /* C1 controls, CSI U+009B among them, as UTF-8 */
    check_filter("x\xc2\x9b" "31mred\xc2\x80\xc2\x9f", 0, "x?31mred??");
    /* U+00A0 is not a control */
    check_filter("nb\xc2\xa0sp", 0, "nb\xc2\xa0sp");
    /* bidirectional controls: RLO, LRE..RLO, LRI..PDI, LRM, RLM, ALM */
    check_filter("a\xe2\x80\xae" "b\xe2\x80\xaa\xe2\x80\xac" "c\xe2\x81\xa6\xe2\x81\xa9"
                 "d\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c",
                 0, "a?b??c??d???");
    /* a raw C1 byte is invalid UTF-8: U+FFFD, never the byte */
    check_filter("\x9b" "2J", 0, "\xef\xbf\xbd" "2J");
    check_filter("\xed\xa0\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    /* line breaks: '?' on one line, kept in multi-line text */
    check_filter("a\nb\tc\r\nd\re", 0, "a?b?c??d?e");
    check_filter("a\nb\tc\r\nd\re", TEXT_LINES, "a\nb\tc\nd?e");
    check_filter("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80", 0,
                 "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80");
    check_filter("", 0, "");
    char *n = text_safe_dup(NULL, 0);
    assert_string_equal(n, "");
    free(n);
}

static void test_utf8_seq(void **state)
{
    (void)state;
    uint32_t cp = 0;
    assert_int_equal(text_utf8_seq((const unsigned char *)"\xe2\x80\xae", 3, &cp), 3);
    assert_int_equal(cp, 0x202E);
    assert_int_equal(text_utf8_seq((const unsigned char *)"\xe2\x80\xae", 2, &cp), 0);
    assert_int_equal(text_utf8_seq((const unsigned char *)"\xc0\xaf", 2, &cp), 0);
    assert_int_equal(text_utf8_seq((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), 0);
    assert_int_equal(text_utf8_seq((const unsigned char *)"", 0, &cp), 0);
}

static void test_url_ok(void **state)
{
    (void)state;
    static const char *const good[] = {
        "https://github.com/advisories/GHSA-xxxx-yyyy-zzzz",
        "http://example.com",
        "HTTPS://Example.COM:8443/a/b?c=d&e=%2F#frag",
        "https://user:pw@example.com/",
        "https://[2001:db8::1]:443/x",
        "https://example.com/a(b)c!$'*+,;=:@",
    };
    static const char *const bad[] = {
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "JavaScript://example.com/%0aalert(1)",
        "file:///etc/passwd",
        "ftp://example.com/",
        "//example.com/",
        "https://",
        "https:///path",
        "https://exa mple.com/",
        "https://example.com/a b",
        "https://example.com/<script>",
        "https://example.com/\"onmouseover",
        "https://example.com/%zz",
        "https://example.com/%4",
        "https://example.com:80x/",
        "https://example.com/#a#b",
        "https://example.com/\x1b[2J",
        "https://exam\xc3\xa9ple.com/",
        "https://[::1/",
        "https://a@b@c/",
        "not a url",
        "",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (!report_url_ok(good[i]))
            fail_msg("refused: %s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (report_url_ok(bad[i]))
            fail_msg("accepted: %s", bad[i]);
    assert_false(report_url_ok(NULL));
}

static void check_md(const char *in, const char *want)
{
    buf b = {0};
    report_md_append(&b, in);
    if (strcmp(b.data ? b.data : "", want) != 0)
        fail_msg("md(\"%s\"): got \"%s\", want \"%s\"", in, b.data, want);
    buf_free(&b);
}

static void test_markdown_escape(void **state)
{
    (void)state;
    check_md("see https://evil.example/x and www.evil.example",
             "see https\\://evil.example/x and www\\.evil.example");
    check_md("WWW.Evil.example", "WWW\\.Evil.example");
    check_md("version 1.2.3: fixed", "version 1.2.3: fixed");
    check_md("gnu.org", "gnu.org");
    check_md("abc\xe2\x80\xae" "txt.exe", "abc?txt.exe");
    check_md("x\xc2\x9b" "1m", "x?1m");
    check_md("a\r\nb\tc", "a b c");
    check_md("[x](javascript:y)", "\\[x\\]\\(javascript:y\\)");
}

/* A report with one finding whose references are `urls` (type ADVISORY for
 * the first, WEB after), rendered in `fmt`. */
static char *render_refs(report_format fmt, const char *const *urls, size_t n, const char *id)
{
    scan_report r;
    memset(&r, 0, sizeof r);
    r.airlock_version = xstrdup("0.1.0");
    r.scan_time = 1700000000;
    dependency *d = dep_list_add(&r.deps);
    d->kind = DEP_REQUIREMENT;
    d->name = xstrdup("pkg");
    d->version_text = xstrdup("1.0");
    r.findings = xcalloc(1, sizeof *r.findings);
    r.findings[0].len = 1;
    r.findings[0].items = xcalloc(1, sizeof(finding));
    finding *f = &r.findings[0].items[0];
    f->id = xstrdup(id);
    f->summary = xstrdup("bidi \xe2\x80\xae" "gnp.exe and C1 \xc2\x9b" "2J");
    f->level = SEVERITY_HIGH;
    f->score = -1;
    f->n_references = n;
    f->references = xcalloc(n, sizeof *f->references);
    for (size_t i = 0; i < n; i++) {
        f->references[i].type = xstrdup(i == 0 ? "ADVISORY" : "WEB");
        f->references[i].url = xstrdup(urls[i]);
    }
    char *data = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&data, &len);
    assert_non_null(mem);
    airlock_error err = {{0}};
    report_style style = {false};
    assert_int_equal(report_write(fmt, &r, &style, mem, &err), 0);
    assert_int_equal(fclose(mem), 0);
    scan_report_free(&r);
    return data;
}

static void test_reports_emit_only_http_urls(void **state)
{
    (void)state;
    const char *const urls[] = {"javascript:alert(document.cookie)", "data:text/html,x",
                                "not a uri at all", "https://ok.example/advisory"};
    char *sarif = render_refs(REPORT_SARIF, urls, 4, "PYSEC-0000-1");
    assert_null(strstr(sarif, "\"helpUri\":\t\"javascript"));
    assert_non_null(strstr(sarif, "\"helpUri\":\t\"https://ok.example/advisory\""));
    free(sarif);
    char *cdx = render_refs(REPORT_CYCLONEDX, urls, 4, "PYSEC-0000-1");
    assert_null(strstr(cdx, "\"url\":\t\"javascript"));
    assert_null(strstr(cdx, "\"url\":\t\"data:"));
    assert_null(strstr(cdx, "\"url\":\t\"not a uri"));
    assert_non_null(strstr(cdx, "\"url\":\t\"https://ok.example/advisory\""));
    free(cdx);
    char *md = render_refs(REPORT_MARKDOWN, urls, 4, "PYSEC-0000-1");
    assert_non_null(strstr(md, "[PYSEC-0000-1](https://ok.example/advisory)"));
    assert_null(strstr(md, "\xe2\x80\xae"));
    assert_null(strstr(md, "\xc2\x9b"));
    assert_non_null(strstr(md, "bidi ?gnp.exe and C1 ?2J"));
    free(md);
    /* nothing valid: no helpUri at all */
    const char *const only_bad[] = {"javascript:alert(1)"};
    sarif = render_refs(REPORT_SARIF, only_bad, 1, "PYSEC-0000-1");
    assert_null(strstr(sarif, "helpUri"));
    free(sarif);
}

static void test_table_filters_advisory_text(void **state)
{
    (void)state;
    const char *const urls[] = {"https://ok.example/"};
    char *t = render_refs(REPORT_TABLE, urls, 1,
                          "PYSEC-1\x1b]0;t\x07\xc2\x9b" "2J\xe2\x80\xae" "x\x9b");
    assert_null(strchr(t, '\x1b'));
    assert_null(strstr(t, "\xc2\x9b"));
    assert_null(strstr(t, "\xe2\x80\xae"));
    assert_null(strchr(t, (char)0x9b)); /* raw C1 byte */
    assert_non_null(strstr(t, "PYSEC-1?]0;t??2J?x\xef\xbf\xbd"));
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_utf8_seq),
        cmocka_unit_test(test_url_ok),
        cmocka_unit_test(test_markdown_escape),
        cmocka_unit_test(test_reports_emit_only_http_urls),
        cmocka_unit_test(test_table_filters_advisory_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
