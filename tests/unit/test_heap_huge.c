/* heap_huge (core/heap_huge.c): after the heap is reserved, a scan's
 * allocations, its threads' too, come from the heap, in a mapping advised
 * for huge pages, and take a fraction of the page faults they take on a
 * heap without it (a child process measures that first, so the test can
 * tell the two apart). */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/heap_huge.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define SANITIZER_MALLOC 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER_MALLOC 1
#endif

#define RESERVE ((size_t)16 << 20)
#define BLOCKS 8000 /* of 1,000 bytes: 8 MB, about 1,950 pages */

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

#ifndef SANITIZER_MALLOC
/* The VmFlags line of the mapping in /proc/self/smaps that holds `p`, and
 * its AnonHugePages in kB; false when none holds it. */
static bool mapping_of(const void *p, char *flags, size_t cap, long *huge_kb)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (f == NULL)
        return false;
    char line[512];
    bool inside = false, found = false;
    *huge_kb = -1;
    while (fgets(line, sizeof line, f) != NULL) {
        uintptr_t lo, hi;
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &lo, &hi) == 2) { /* a mapping's first line */
            if (found)
                break;
            inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
            continue;
        }
        if (!inside)
            continue;
        if (strncmp(line, "AnonHugePages:", 14) == 0)
            *huge_kb = strtol(line + 14, NULL, 10);
        if (strncmp(line, "VmFlags:", 8) == 0) {
            snprintf(flags, cap, "%s", line + 8);
            found = true;
        }
    }
    fclose(f);
    return found;
}

static void *allocate_1k(void *arg)
{
    (void)arg;
    return malloc(1024);
}

static bool thp_never(void)
{
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f == NULL)
        return true;
    char line[128] = "";
    if (fgets(line, sizeof line, f) == NULL)
        line[0] = '\0';
    fclose(f);
    return strstr(line, "[never]") != NULL || line[0] == '\0';
}

#endif

static void test_too_small(void **state)
{
    (void)state;
    assert_false(heap_huge_reserve(0));
    assert_false(heap_huge_reserve(4096));
    assert_false(heap_huge_reserve(((size_t)4 << 20) - 1));
}

static void test_reserved_heap(void **state)
{
    (void)state;
    /* A child first, on an unreserved heap: the same allocations take a
     * fault a page. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(faults_of_allocating() > BLOCKS / 8 ? 0 : 1);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    bool reserved = heap_huge_reserve(RESERVE);
#ifdef SANITIZER_MALLOC
    assert_false(reserved); /* the sanitizer's allocator has no heap to advise */
    skip();
#else
    assert_true(reserved);
    /* A block of a few MiB now comes from the heap (not a mapping of its
     * own), where the next blocks are cut: in the advised mapping ("hg" in
     * its flags). */
    char *big = malloc((size_t)3 << 20);
    assert_non_null(big);
    assert_true((uintptr_t)big < (uintptr_t)sbrk(0));
    char flags[512];
    long huge_kb;
    assert_true(mapping_of(big, flags, sizeof flags, &huge_kb));
    if (strstr(flags, " hg") == NULL)
        fail_msg("flags of %p: %s", (void *)big, flags);
    free(big);
    /* A thread started afterwards allocates from the same heap. */
    pthread_t t;
    void *theirs = NULL;
    assert_int_equal(pthread_create(&t, NULL, allocate_1k, NULL), 0);
    assert_int_equal(pthread_join(t, &theirs), 0);
    assert_non_null(theirs);
    assert_true(mapping_of(theirs, flags, sizeof flags, &huge_kb));
    assert_non_null(strstr(flags, " hg"));
    free(theirs);
    if (thp_never())
        skip(); /* transparent huge pages off: 4 KiB pages, as before */
    long faults = faults_of_allocating();
    /* Only the part of the heap below its first 2 MiB boundary (at most
     * 512 pages) is in small pages; the rest is a fault per 2 MiB. */
    if (faults >= BLOCKS / 8) {
        char *p = malloc(1000);
        assert_true(mapping_of(p, flags, sizeof flags, &huge_kb));
        free(p);
        if (huge_kb == 0)
            skip(); /* the kernel had no huge page to give (fragmented memory) */
    }
    assert_true(faults < BLOCKS / 8);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_too_small),
        cmocka_unit_test(test_reserved_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
