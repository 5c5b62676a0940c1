/* The streaming table writer (scanner/reports/report_table.c) against the
 * cJSON-tree writer it replaced (reference_report_table.h), byte for byte,
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
#include "reference_report_table.h"
#include "report_stream_check.h"

static int want_plain(const scan_report *r, FILE *f, airlock_error *err)
{
    return reference_write_table(r, &(report_style){false}, f, err);
}

static int want_color(const scan_report *r, FILE *f, airlock_error *err)
{
    return reference_write_table(r, &(report_style){true}, f, err);
}

static int got_plain(const scan_report *r, FILE *f, airlock_error *err)
{
    return report_write_table(r, &(report_style){false}, f, err);
}

static int got_color(const scan_report *r, FILE *f, airlock_error *err)
{
    return report_write_table(r, &(report_style){true}, f, err);
}

static void compare_report(const scan_report *r)
{
    rs_compare(r, want_plain, got_plain);
    rs_compare(r, want_color, got_color);
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
