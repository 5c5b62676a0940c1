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
#include "report_stream_check.h"

static void compare_report(const scan_report *r)
{
    rs_compare(r, reference_write_markdown, report_write_markdown);
}

static void test_reports(void **state)
{
    (void)state;
    rs_compare_random(compare_report, 1717, 300, 1, 150);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
