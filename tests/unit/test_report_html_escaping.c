/* report_html.c's escaping (h(): printable ASCII copied 8 bytes at a time,
 * the rest through core/text.h's filter and escaped in runs) against the
 * escaping it replaced (reference_report_html.h), through the whole page:
 * every byte value in every position of an 8-byte word, long runs of
 * every byte, invalid UTF-8 and random hostile strings, in the host name
 * (the page's title and footer) and a finding's details. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/reports/report.h"

#include "report_random.h"
#include "reference_report_html.h"
#include "report_stream_check.h"

/* A report of one vulnerable dependency with `s` in its host name, the
 * finding's summary and details and the dependency's name. */
static void compare_text(const char *s)
{
    scan_report r;
    memset(&r, 0, sizeof r);
    r.hostname = xstrdup(s);
    r.deps.items = xcalloc(1, sizeof *r.deps.items);
    r.deps.len = r.deps.cap = 1;
    r.deps.items[0].name = xstrdup(s);
    r.deps.items[0].version_text = xstrdup("1.0");
    r.findings = xcalloc(1, sizeof *r.findings);
    r.findings[0].items = xcalloc(1, sizeof *r.findings[0].items);
    r.findings[0].len = 1;
    finding *f = &r.findings[0].items[0];
    f->id = xstrdup("PYSEC-1");
    f->summary = xstrdup(s);
    f->details = xstrdup(s);
    f->level = SEVERITY_HIGH;
    f->score = -1;
    rs_compare(&r, reference_write_html, report_write_html);
    scan_report_free(&r);
}

static void test_every_byte_every_lane(void **state)
{
    (void)state;
    for (int c = 1; c < 256; c++) {
        for (size_t at = 0; at < 17; at++) {
            char s[32];
            memset(s, 'a', 24);
            s[24] = '\0';
            s[at] = (char)c;
            compare_text(s);
        }
    }
}

static void test_runs(void **state)
{
    (void)state;
    for (int c = 1; c < 256; c += (c < 0x80 ? 1 : 7)) {
        char s[64];
        for (size_t n = 1; n < sizeof s; n += 5) {
            memset(s, c, n);
            s[n] = '\0';
            compare_text(s);
        }
    }
    static const char *const tails[] = {"\xc3\xa9", "\xc3", "\xe2\x80\xae", "\xed\xa0\x80",
                                        "\xf0\x9f\x90\x8d", "\r\n", "\r", "\n\t", "\x1b[1m",
                                        "&<>\"'=", "?", "~\x7f"};
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++)
        for (size_t lead = 0; lead < 20; lead++) {
            char s[64];
            memset(s, 'x', lead);
            snprintf(s + lead, sizeof s - lead, "%s plain text after", tails[i]);
            compare_text(s);
        }
}

static void test_random(void **state)
{
    (void)state;
    uint64_t seed = 31337;
    for (int i = 0; i < 3000; i++) {
        char *s = rr_string(&seed);
        compare_text(s);
        free(s);
    }
}

int main(void)
{
    (void)rr_report; /* the shared headers serve here for their strings and compare */
    (void)rs_compare_random;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_byte_every_lane),
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
