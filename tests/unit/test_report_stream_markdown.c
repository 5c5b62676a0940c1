/* The streaming markdown writer (scanner/reports/report_markdown.c) against the
 * cJSON-tree writer it replaced (reference_report_markdown.h), byte for byte,
 * on random reports (report_random.h). */
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
#include "reference_report_markdown.h"

static void compare_report(const scan_report *r)
{
    char *want = NULL, *got = NULL;
    size_t want_len = 0, got_len = 0;
    airlock_error err = {0};
    FILE *f = open_memstream(&want, &want_len);
    assert_int_equal(reference_write_markdown(r, f, &err), 0);
    fclose(f);
    f = open_memstream(&got, &got_len);
    assert_int_equal(report_write_markdown(r, f, &err), 0);
    fclose(f);
    if (want_len != got_len || memcmp(want, got, got_len) != 0) {
        size_t i = 0;
        while (i < got_len && i < want_len && want[i] == got[i])
            i++;
        fail_msg("differs at byte %zu:\nwant ...%.80s\ngot  ...%.80s", i,
                 want + (i > 40 ? i - 40 : 0), got + (i > 40 ? i - 40 : 0));
    }
    free(want);
    free(got);
}

static void test_reports(void **state)
{
    (void)state;
    uint64_t s = 1717;
    for (int i = 0; i < 300; i++) {
        scan_report r;
        rr_report(&s, &r, (size_t)(i % 7));
        compare_report(&r);
        scan_report_free(&r);
    }
    /* An empty report and large ones. */
    scan_report r;
    memset(&r, 0, sizeof r);
    compare_report(&r);
    for (int i = 0; i < 1; i++) {
        rr_report(&s, &r, 150);
        compare_report(&r);
        scan_report_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
