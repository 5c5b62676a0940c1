/* The streaming html writer (scanner/reports/report_html.c) against the
 * cJSON-tree writer it replaced (reference_report_html.h), byte for byte,
 * on random reports (report_random.h); and core/text.c's filter against
 * the one of then (reference_text.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "scanner/reports/report.h"
#include "scanner/reports/report_util.h"

#include "report_random.h"
#include "reference_report_html.h"
#include "report_stream_check.h"

static void compare_report(const scan_report *r)
{
    rs_compare(r, reference_write_html, report_write_html);
}

static void test_reports(void **state)
{
    (void)state;
    rs_compare_random(compare_report, 1717, 300, 1, 150);
}

/* text_safe_append() and report_md_append() copy printable ASCII in runs:
 * the same text as before, on random strings and on one byte of each kind
 * at every position of strings up to 40 bytes. */
static void check_text(const char *s)
{
    for (unsigned flags = 0; flags <= TEXT_LINES; flags += TEXT_LINES) {
        buf want = {0}, got = {0};
        ref_text_safe_append(&want, s, flags);
        text_safe_append(&got, s, flags);
        assert_int_equal(want.len, got.len);
        assert_memory_equal(want.data != NULL ? want.data : "", got.data != NULL ? got.data : "",
                            got.len);
        buf_free(&want);
        buf_free(&got);
    }
    buf want = {0}, got = {0};
    buf_puts(&want, "www");
    buf_puts(&got, "www");
    ref_md_append(&want, s);
    report_md_append(&got, s);
    assert_int_equal(want.len, got.len);
    assert_memory_equal(want.data, got.data, got.len);
    buf_free(&want);
    buf_free(&got);
}

static void test_text(void **state)
{
    (void)state;
    uint64_t s = 4242;
    for (int i = 0; i < 5000; i++) {
        char *t = rr_string(&s);
        check_text(t);
        free(t);
    }
    static const char stops[] = {'\n', '\t', '\r', '\x01', '\x1f', '\x7f', (char)0x80, (char)0xc2,
                                 (char)0xff, '.', ':', '/', '*', '<', '&', '=', ' ', '~'};
    char text[48];
    for (size_t len = 1; len <= 40; len++)
        for (size_t at = 0; at < len; at++)
            for (size_t k = 0; k < sizeof stops; k++) {
                memset(text, 'w', len);
                text[len] = '\0';
                text[at] = stops[k];
                check_text(text);
                if (at + 2 < len) {
                    text[at + 1] = '/';
                    text[at + 2] = '/';
                    check_text(text);
                }
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reports),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
