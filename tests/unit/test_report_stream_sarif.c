/* The streaming sarif writer (scanner/reports/report_sarif.c) against the
 * cJSON-tree writer it replaced (reference_report_sarif.h), byte for byte,
 * on random reports (report_random.h); large ones with the threads that
 * render their rules and results (json_out.h, parts) and without (linked
 * with --wrap=pthread_create). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/reports/out_pipe.h"
#include "scanner/reports/report.h"

#include "report_random.h"
#include "reference_report_sarif.h"
#include "report_stream_check.h"

/* A process out of threads while `refuse_threads` is set. */
static int refuse_threads, thread_calls;

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
    thread_calls++;
    if (refuse_threads)
        return EAGAIN;
    return __real_pthread_create(t, a, fn, arg);
}

static void compare_report(const scan_report *r)
{
    rs_compare(r, reference_write_sarif, report_write_sarif);
}

static void test_reports(void **state)
{
    (void)state;
    rs_compare_random(compare_report, 1717, 300, 1, 150);
}

/* Reports with enough rules for the parts: the writer thread and two
 * parts are asked for (three threads), with threads and without, and the
 * bytes are the reference's either way. */
static void test_large(void **state)
{
    (void)state;
    uint64_t s = 2027;
    for (int refuse = 0; refuse < 2; refuse++) {
        refuse_threads = refuse;
        /* One report each way: wide (many dependencies, few findings each), for
         * many rules in a few megabytes. */
        for (int i = 0; i < 1; i++) {
            scan_report r;
            rr_report_wide(&s, &r, 600, 3);
            /* report_random.h draws from 7 IDs: make about 150 rules,
             * each of several findings, some IDs still hostile. */
            size_t n = 0;
            for (size_t d = 0; d < r.deps.len && r.findings != NULL; d++)
                for (size_t k = 0; k < r.findings[d].len; k++, n++) {
                    finding *f = &r.findings[d].items[k];
                    if (n % 4 == 3)
                        continue;
                    char id[32];
                    snprintf(id, sizeof id, "PYSEC-2026-%zu", (n * 7919) % 150);
                    free(f->id);
                    f->id = xstrdup(id);
                }
            assert_true(n > 300);
            int before = thread_calls;
            compare_report(&r);
            assert_int_equal(thread_calls - before, out_pipe_worth() ? 3 : 0);
            scan_report_free(&r);
        }
    }
    refuse_threads = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reports),
        cmocka_unit_test(test_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
