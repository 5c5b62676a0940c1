/* report_stream_check.h - the harness the test_report_stream_*.c tests
 * share: render a report with the writer under test and with the writer it
 * replaced (reference_report_*.h), and fail at the first byte that differs;
 * run that over random reports (report_random.h). Include after cmocka.h
 * and report_random.h. */
#ifndef AIRLOCK_REPORT_STREAM_CHECK_H
#define AIRLOCK_REPORT_STREAM_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/reports/report.h"

typedef int (*rs_writer)(const scan_report *r, FILE *out, airlock_error *err);

static void rs_compare(const scan_report *r, rs_writer old_writer, rs_writer new_writer)
{
    char *want = NULL, *got = NULL;
    size_t want_len = 0, got_len = 0;
    airlock_error err = {0};
    FILE *f = open_memstream(&want, &want_len);
    assert_int_equal(old_writer(r, f, &err), 0);
    fclose(f);
    f = open_memstream(&got, &got_len);
    assert_int_equal(new_writer(r, f, &err), 0);
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

/* `compare` on `n` random reports of 0-6 dependencies, an empty report,
 * and `n_large` reports of `large` dependencies. */
static void rs_compare_random(void (*compare)(const scan_report *r), uint64_t seed, int n,
                              int n_large, size_t large)
{
    uint64_t s = seed;
    scan_report r;
    for (int i = 0; i < n; i++) {
        rr_report(&s, &r, (size_t)(i % 7));
        compare(&r);
        scan_report_free(&r);
    }
    memset(&r, 0, sizeof r);
    compare(&r);
    for (int i = 0; i < n_large; i++) {
        rr_report(&s, &r, large);
        compare(&r);
        scan_report_free(&r);
    }
}

#endif
