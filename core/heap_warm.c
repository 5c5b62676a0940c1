/*
 * heap_warm.c - map the heap's next pages in on another core
 * (heap_warm.h).
 */
#define _GNU_SOURCE /* SCHED_IDLE */
#include "core/heap_warm.h"

#include <stdlib.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define WARM_NO_ALLOCATOR 1 /* the sanitizer's malloc, not glibc's heap */
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WARM_NO_ALLOCATOR 1
#endif

#if defined(__GLIBC__) && defined(__linux__) && !defined(WARM_NO_ALLOCATOR)

#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels say EINVAL */
#endif

/* What one madvise() maps in before the thread looks at `stop` again:
 * about 0.1 ms of work, the most heap_warm_end() waits. */
#define PIECE ((size_t)256 << 10)

struct heap_warm {
    pthread_t thread;
    char *lo, *hi; /* the pages to map in */
    atomic_bool stop;
    atomic_size_t done; /* bytes mapped in so far */
};

static void *warm_run(void *arg)
{
    heap_warm *w = arg;
    /* Idle time only: the database digest and the main thread come first,
     * and on a busy machine the faults fall where they did. */
    struct sched_param idle = {0};
    (void)pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);
    for (char *p = w->lo; p < w->hi && !atomic_load(&w->stop); p += PIECE) {
        size_t n = (size_t)(w->hi - p) < PIECE ? (size_t)(w->hi - p) : PIECE;
        if (madvise(p, n, MADV_POPULATE_WRITE) != 0)
            break; /* EINVAL on an old kernel: the faults fall as before */
        atomic_fetch_add(&w->done, n);
    }
    return NULL;
}

heap_warm *heap_warm_start(size_t bytes)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    if (bytes < 2 * PIECE || bytes > INT_MAX / 2 || page == 0 || (page & (page - 1)) != 0)
        return NULL;
    heap_warm *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    /* Growth by `bytes`, no trimming below twice that (warm pages handed
     * back would fault again), and blocks up to `bytes` from the heap
     * (above it glibc maps each block apart, in pages never reused). */
    if (mallopt(M_TOP_PAD, (int)bytes) != 1 || mallopt(M_TRIM_THRESHOLD, (int)(2 * bytes)) != 1 ||
        mallopt(M_MMAP_THRESHOLD, (int)(bytes + page)) != 1) {
        free(w);
        return NULL;
    }
    /* A block of `bytes` makes the heap grow; freed, it is the top of the
     * heap again, with `bytes` kept above it by the pad. */
    char *block = malloc(bytes);
    if (block == NULL) {
        free(w);
        return NULL;
    }
    uintptr_t lo = ((uintptr_t)block + page - 1) & ~(page - 1);
    free(block);
    uintptr_t hi = (uintptr_t)sbrk(0) & ~(page - 1);
    /* The heap must be the brk area, and the block at its top: otherwise
     * (the main arena moved to mmap when brk failed) there is nothing to
     * name. */
    if (hi == (uintptr_t)-1 || hi <= lo || hi - lo > 3 * bytes) {
        free(w);
        return NULL;
    }
    w->lo = (char *)lo;
    w->hi = (char *)hi;
    atomic_init(&w->stop, false);
    atomic_init(&w->done, 0);
    if (pthread_create(&w->thread, NULL, warm_run, w) != 0) {
        free(w);
        return NULL;
    }
    return w;
}

size_t heap_warm_mapped(const heap_warm *w)
{
    return atomic_load(&((heap_warm *)w)->done);
}

size_t heap_warm_size(const heap_warm *w)
{
    return (size_t)(w->hi - w->lo);
}

size_t heap_warm_end(heap_warm *w)
{
    if (w == NULL)
        return 0;
    atomic_store(&w->stop, true);
    pthread_join(w->thread, NULL);
    size_t done = atomic_load(&w->done);
    free(w);
    return done;
}

#else /* not glibc's heap: nothing to warm */

heap_warm *heap_warm_start(size_t bytes)
{
    (void)bytes;
    return NULL;
}

size_t heap_warm_mapped(const heap_warm *w)
{
    (void)w;
    return 0;
}

size_t heap_warm_size(const heap_warm *w)
{
    (void)w;
    return 0;
}

size_t heap_warm_end(heap_warm *w)
{
    (void)w;
    return 0;
}

#endif
