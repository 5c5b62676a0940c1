/*
 * heap_huge.c - the heap in 2 MiB pages (heap_huge.h).
 */
#include "core/heap_huge.h"

#include <stdlib.h> /* defines __GLIBC__, which the test below needs */

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define HUGE_NO_ALLOCATOR 1 /* the sanitizer's malloc, not glibc's heap */
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HUGE_NO_ALLOCATOR 1
#endif

#if defined(__GLIBC__) && defined(__linux__) && !defined(HUGE_NO_ALLOCATOR)

#include <limits.h>
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

bool heap_huge_reserve(size_t bytes)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    if (bytes < ((size_t)4 << 20) || bytes > INT_MAX / 2 || page == 0 ||
        (page & (page - 1)) != 0)
        return false;
    /* Growth by `bytes`, no trimming below twice that (pages handed back
     * would fault again), and blocks up to `bytes` from the heap (above it
     * glibc maps each block apart, in 4 KiB pages never reused). */
    if (mallopt(M_TOP_PAD, (int)bytes) != 1 || mallopt(M_TRIM_THRESHOLD, (int)(2 * bytes)) != 1 ||
        mallopt(M_MMAP_THRESHOLD, (int)(bytes + page)) != 1)
        return false;
    /* Other threads allocate here too, rather than in arenas of their own
     * (64 MiB mappings whose 4 KiB pages are all fresh): a scan's helper
     * threads allocate a few blocks each, so the shared lock costs less
     * than the faults it saves. */
    if (mallopt(M_ARENA_MAX, 1) != 1)
        return false;
    /* A block of `bytes` makes the heap grow; freed, it is part of the
     * heap's top chunk again, with `bytes` kept above it by the pad. */
    char *block = malloc(bytes);
    if (block == NULL)
        return false;
    free(block);
    /* The top chunk (where the next blocks are cut from) may start below
     * the block, where free room merged with it: keepcost is its size. */
    uintptr_t end = (uintptr_t)sbrk(0);
    struct mallinfo2 mi = mallinfo2();
    if (end == (uintptr_t)-1 || mi.keepcost < bytes || mi.keepcost > end)
        return false; /* the main arena is not the brk area: nothing to name */
    uintptr_t lo = (end - mi.keepcost) & ~(page - 1);
    uintptr_t hi = end & ~(page - 1);
    /* The heap's later growth extends the same mapping, advised too. */
    return madvise((void *)lo, hi - lo, MADV_HUGEPAGE) == 0;
}

#else /* not glibc's heap */

bool heap_huge_reserve(size_t bytes)
{
    (void)bytes;
    return false;
}

#endif
