/* report_util.c's escaping and encoding (Markdown escaping, purls, file
 * URIs, source text, the URL check, numbers) against the versions they
 * replaced (reference_report_util.h) and against printf, byte for byte: on
 * every byte value alone and in context, on invalid UTF-8, on long runs and
 * on random strings of hostile pieces. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/reports/report_util.h"

#include "report_random.h"
#include "reference_report_util.h"

static const char *const pieces[] = {
    "www", "WwW", "wWw.", ".", "..", ":", "://", ":/", "https://", "HTTP://", "http:", "ftp://",
    "javascript:", "@", "[", "]", "[::1]", "#", "##", "?", "/", "%", "%4", "%41", "%zz", "%aF",
    "80", ":8080", "example.com", "user:pw@", "-._~", "!$&'()*+,;=", "<>\"{}|\\^`", " ", "_",
    "A_B", "Django", "\xc3\xa9", "\xc3", "\xa9", "\xe2\x80\xae", "\xed\xa0\x80", "\xf0\x9f\x90\x8d",
    "\xf4\x90\x80\x80", "\xe2\x82", "\xc0\xaf", "\xff\xfe", "\r\n", "\r", "\n", "\t", "\x1b[31m",
    "\xc2\x9b", "\x7f", "registry", "1.0", " 1.0 ", "\t2.0\n", "v1!2.0+local.7", "uv.lock",
};

/* A random string: pieces, random bytes (any but NUL) and long runs. */
static char *random_text(uint64_t *s)
{
    buf b = {0};
    size_t n = rr_below(s, 9);
    for (size_t i = 0; i < n; i++) {
        switch (rr_below(s, 10)) {
        case 0:
        case 1: {
            char c = (char)(rr_next(s) & 0xff);
            buf_putc(&b, c != 0 ? c : 'x');
            break;
        }
        case 2: { /* a run, up to a few hundred bytes of one piece or byte */
            size_t len = 1 + rr_below(s, 300);
            char c = (char)(rr_next(s) & 0xff);
            for (size_t k = 0; k < len; k++)
                buf_putc(&b, c != 0 ? c : '.');
            break;
        }
        case 3:
            buf_puts(&b, rr_pieces[rr_below(s, sizeof rr_pieces / sizeof rr_pieces[0])]);
            break;
        default:
            buf_puts(&b, pieces[rr_below(s, sizeof pieces / sizeof pieces[0])]);
            break;
        }
    }
    return buf_detach(&b, NULL);
}

static void assert_same(const buf *want, const buf *got, const char *what, const char *input)
{
    if (want->len != got->len || memcmp(want->data, got->data, want->len) != 0)
        fail_msg("%s differs for input \"%s\":\nwant \"%s\"\ngot  \"%s\"", what, input,
                 want->data, got->data);
    assert_int_equal(got->data[got->len], '\0');
}

/* Escape `s` after `before` (what the buffer held: "www" before ".com"
 * matters), into a fresh buffer and into one with room to spare. */
static void compare_md(const char *before, const char *s)
{
    for (int roomy = 0; roomy < 2; roomy++) {
        buf want = {0}, got = {0};
        if (roomy)
            buf_reserve(&got, 4096);
        buf_puts(&want, before);
        buf_puts(&got, before);
        ref_md_append(&want, s);
        report_md_append(&got, s);
        /* A second call continues from the first's output. */
        ref_md_append(&want, s);
        report_md_append(&got, s);
        assert_same(&want, &got, "report_md_append", s);
        buf_free(&want);
        buf_free(&got);
    }
}

static void test_md_every_byte(void **state)
{
    (void)state;
    static const char *const around[] = {"", "www", "xw", "a", "//", "/", "w.w"};
    for (int c = 1; c < 256; c++) {
        for (size_t i = 0; i < sizeof around / sizeof around[0]; i++)
            for (size_t k = 0; k < sizeof around / sizeof around[0]; k++) {
                char s[16];
                snprintf(s, sizeof s, "%s%c%s", around[i], c, around[k]);
                compare_md("", s);
                compare_md("www", s);
                compare_md("WW", s);
            }
    }
}

/* Every byte in every lane of the 8-byte words report_md_append tests at
 * once, and in the tail after them. */
static void test_md_every_lane(void **state)
{
    (void)state;
    for (int c = 1; c < 256; c++)
        for (size_t len = 8; len <= 19; len += 11)
            for (size_t at = 0; at < len; at++) {
                char s[24];
                memset(s, 'a', len);
                s[len] = '\0';
                s[at] = (char)c;
                compare_md("", s);
            }
}

static void test_md_random(void **state)
{
    (void)state;
    uint64_t s = 4242;
    for (int i = 0; i < 20000; i++) {
        char *before = random_text(&s);
        char *t = random_text(&s);
        compare_md(i % 3 == 0 ? before : "", t);
        free(before);
        free(t);
    }
}

static void compare_uri(const char *path)
{
    char *want = ref_file_uri(path);
    char *got = report_file_uri(path);
    assert_string_equal(got, want);
    free(want);
    free(got);
}

static void test_file_uri(void **state)
{
    (void)state;
    for (int c = 1; c < 256; c++) {
        char s[8];
        snprintf(s, sizeof s, "%c", c);
        compare_uri(s);
        snprintf(s, sizeof s, "/%c/", c);
        compare_uri(s);
    }
    uint64_t s = 99;
    for (int i = 0; i < 20000; i++) {
        char *t = random_text(&s);
        compare_uri(t);
        if (i % 2 == 0) {
            char *abs = xmalloc(strlen(t) + 2);
            abs[0] = '/';
            strcpy(abs + 1, t);
            compare_uri(abs);
            free(abs);
        }
        free(t);
    }
}

/* A random dependency: every field the purl and the source text read. */
static void random_dep(uint64_t *s, dependency *d)
{
    memset(d, 0, sizeof *d);
    static const char *const kinds[] = {"registry", "git", "path", "", "Registry"};
    d->name = rr_below(s, 6) == 0 ? NULL : random_text(s);
    d->normalized = rr_below(s, 3) == 0 ? NULL : random_text(s);
    d->version_text = rr_below(s, 5) == 0 ? NULL : random_text(s);
    d->source_kind = rr_below(s, 2) == 0 ? NULL : xstrdup(kinds[rr_below(s, 5)]);
    d->source_file = rr_below(s, 3) == 0 ? NULL : random_text(s);
    d->source_line = rr_below(s, 3) == 0 ? 0 : (unsigned)rr_next(s);
    d->location = rr_below(s, 3) == 0 ? NULL : random_text(s);
    d->group = rr_below(s, 2) == 0 ? NULL : random_text(s);
}

static void free_dep(dependency *d)
{
    free(d->name);
    free(d->normalized);
    free(d->version_text);
    free(d->source_kind);
    free(d->source_file);
    free(d->location);
    free(d->group);
}

static void test_purl_and_source(void **state)
{
    (void)state;
    uint64_t s = 7;
    for (int i = 0; i < 30000; i++) {
        dependency d;
        random_dep(&s, &d);
        if (i < 255) { /* every byte in a name that is otherwise valid */
            free(d.name);
            d.name = xstrdup("Ab_c");
            d.name[1] = (char)(i + 1);
        }
        char *want = ref_purl(&d);
        char *got = report_purl(&d);
        assert_string_equal(got, want);
        free(want);
        free(got);
        want = ref_source_text(&d);
        got = report_source_text(&d);
        assert_string_equal(got, want);
        free(want);
        free(got);
        free_dep(&d);
    }
}

/* A URL-shaped random string: a scheme or not, then pieces. */
static char *random_url(uint64_t *s)
{
    static const char *const schemes[] = {"https://", "http://", "HTTPS://", "hTtP://", "ftp://",
                                          "https:/", "", "file:///"};
    buf b = {0};
    buf_puts(&b, schemes[rr_below(s, sizeof schemes / sizeof schemes[0])]);
    size_t n = rr_below(s, 8);
    for (size_t i = 0; i < n; i++) {
        if (rr_below(s, 12) == 0) {
            char c = (char)(rr_next(s) & 0xff);
            buf_putc(&b, c != 0 ? c : 'x');
        } else {
            buf_puts(&b, pieces[rr_below(s, sizeof pieces / sizeof pieces[0])]);
        }
    }
    return buf_detach(&b, NULL);
}

static void test_url_ok(void **state)
{
    (void)state;
    assert_int_equal(report_url_ok(NULL), ref_url_ok(NULL));
    uint64_t s = 1234;
    size_t ok = 0;
    for (int i = 0; i < 50000; i++) {
        char *u = random_url(&s);
        bool want = ref_url_ok(u);
        if (report_url_ok(u) != want)
            fail_msg("report_url_ok(\"%s\") is not %d", u, want);
        ok += want;
        free(u);
    }
    for (int c = 1; c < 256; c++) {
        char u[64];
        snprintf(u, sizeof u, "https://a%cb.example:8%c/p%c?q%c#f%c", c, c, c, c, c);
        assert_int_equal(report_url_ok(u), ref_url_ok(u));
        snprintf(u, sizeof u, "http://u%c@[::%c]/", c, c);
        assert_int_equal(report_url_ok(u), ref_url_ok(u));
    }
    /* Both answers were seen: the comparison meant something. */
    assert_true(ok > 500 && ok < 49000);
}

static void compare_score(double v)
{
    static const size_t caps[] = {64, 48, 39, 16, 9, 4, 1};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        char want[64], got[64];
        memset(got, 'x', sizeof got);
        int wn = snprintf(want, caps[i], "%.1f", v);
        int gn = report_score_text(v, got, caps[i]);
        assert_int_equal(gn, wn);
        assert_string_equal(got, want);
    }
    buf want = {0}, got = {0};
    buf_printf(&want, "%.1f", v);
    report_put_score(&got, v);
    assert_same(&want, &got, "report_put_score", "(a number)");
    buf_free(&want);
    buf_free(&got);
}

static void test_numbers(void **state)
{
    (void)state;
    for (int k = 0; k <= 20000; k++) {
        compare_score(k / 10.0);
        compare_score(k * 0.1);
        compare_score(k / 100.0); /* ties and near-ties: x.x5 */
    }
    static const double edges[] = {-0.0, -1, -0.05, 0.05, 0.25, 0.35, 9.95, 999999.95,
                                   999999.94, 1e6, 1e6 - 0.05, 1e7, 9007199254740993.0,
                                   1e300, 1.7976931348623157e308, 4.9e-324};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        compare_score(edges[i]);
    compare_score(NAN);
    compare_score(-NAN);
    compare_score(INFINITY);
    compare_score(-INFINITY);
    uint64_t s = 5;
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = rr_next(&s);
        double v;
        memcpy(&v, &bits, sizeof v);
        compare_score(v);
        compare_score((double)(bits % 100000) / 1000.0);
        compare_score(rr_score(&s));
    }
    static const unsigned long long nums[] = {0, 1, 9, 10, 99, 4294967295ull,
                                              18446744073709551615ull};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0] + 20000; i++) {
        unsigned long long v = i < sizeof nums / sizeof nums[0] ? nums[i] : rr_next(&s) >> rr_below(&s, 64);
        buf want = {0}, got = {0};
        buf_printf(&want, "%llu", v);
        report_put_uint(&got, v);
        assert_same(&want, &got, "report_put_uint", "(a number)");
        buf_free(&want);
        buf_free(&got);
    }
}

int main(void)
{
    (void)rr_report; /* report_random.h serves here for its strings and scores */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md_every_byte),
        cmocka_unit_test(test_md_every_lane),
        cmocka_unit_test(test_md_random),
        cmocka_unit_test(test_file_uri),
        cmocka_unit_test(test_purl_and_source),
        cmocka_unit_test(test_url_ok),
        cmocka_unit_test(test_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
