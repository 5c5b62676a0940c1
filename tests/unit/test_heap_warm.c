/* heap_warm (core/heap_warm.c): after the heap is warmed, the allocations
 * of a scan's size take no page faults; without it they do (a child
 * process shows that first, so the test can tell the two apart). */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/heap_warm.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define SANITIZER_MALLOC 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER_MALLOC 1
#endif

#define WARM ((size_t)4 << 20)
#define BLOCKS 2000 /* of 1 KiB: 2 MB, about 500 pages */

static long minor_faults(void)
{
    struct rusage u;
    assert_int_equal(getrusage(RUSAGE_THREAD, &u), 0);
    return u.ru_minflt;
}

/* Faults taken while BLOCKS small blocks are allocated and written (and
 * then freed). */
static long faults_of_allocating(void)
{
    static char *blocks[BLOCKS];
    long before = minor_faults();
    for (size_t i = 0; i < BLOCKS; i++) {
        blocks[i] = malloc(1000);
        assert_non_null(blocks[i]);
        memset(blocks[i], (int)i, 1000);
    }
    long after = minor_faults();
    for (size_t i = 0; i < BLOCKS; i++)
        free(blocks[i]);
    return after - before;
}

static void test_null_and_small(void **state)
{
    (void)state;
    assert_int_equal(heap_warm_end(NULL), 0);
    assert_null(heap_warm_start(0));
    assert_null(heap_warm_start(4096)); /* less than the pieces it maps */
}

static void test_warm_heap_takes_no_faults(void **state)
{
    (void)state;
    /* A child first, on a cold heap: the same allocations fault. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(faults_of_allocating() > BLOCKS / 8 ? 0 : 1);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    heap_warm *w = heap_warm_start(WARM);
#ifdef SANITIZER_MALLOC
    assert_null(w); /* the sanitizer's allocator has no heap to warm */
    skip();
#else
    assert_non_null(w);
    size_t size = heap_warm_size(w);
    assert_true(size >= WARM - 2 * 4096 && size <= 3 * WARM);
    /* Mapping 4 MiB in takes a few ms, but the thread runs in idle time
     * only (SCHED_IDLE): on a machine busy with other tests, wait longer. */
    for (int i = 0; i < 600 && heap_warm_mapped(w) < size; i++) {
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    size_t done = heap_warm_end(w);
    if (done == 0)
        skip(); /* a kernel before 5.14: MADV_POPULATE_WRITE is EINVAL */
    assert_int_equal(done, size);
    long faults = faults_of_allocating();
    assert_true(faults < BLOCKS / 64);
#endif
}

/* Ended at once: the thread stops after its piece, the call returns. */
static void test_end_at_once(void **state)
{
    (void)state;
    heap_warm *w = heap_warm_start((size_t)64 << 20);
#ifdef SANITIZER_MALLOC
    assert_null(w);
#else
    assert_non_null(w);
    size_t done = heap_warm_end(w);
    assert_true(done < ((size_t)64 << 20));
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_and_small),
        cmocka_unit_test(test_warm_heap_takes_no_faults),
        cmocka_unit_test(test_end_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
