/*
 * heap_huge.h - the heap in 2 MiB pages.
 *
 * A page of memory costs its first write a fault: the kernel finds a free
 * page, zeroes it and maps it. On the VMs Airlock is measured on that is
 * about 2 us a 4 KiB page, and a scan of 5,000 installed distributions
 * takes some 1,200 of them for its dependencies, findings and reports:
 * 2.5 ms on a path whose floor is 40 ms. A transparent huge page is one
 * fault for 2 MiB (its zeroing is most of the cost, and it is done with
 * the fastest stores the CPU has), and at exit one page to free instead of
 * 512.
 *
 * heap_huge_reserve() makes malloc's heap grow by `bytes` at once (glibc:
 * M_TOP_PAD, and M_MMAP_THRESHOLD so that blocks up to `bytes` come from
 * the heap rather than from mappings of their own), makes the threads
 * started later allocate there too (M_ARENA_MAX 1), and asks the kernel
 * for huge pages there (madvise(MADV_HUGEPAGE)). Nothing else changes:
 * with another C library, a sanitizer's allocator, or transparent huge
 * pages off ("never"), the pages are the usual 4 KiB ones.
 *
 * An earlier version mapped 4 KiB pages in ahead of use on the other core
 * (MADV_POPULATE_WRITE from a thread): huge pages were faster on both the
 * large scan and a small one, where mapping in pages that were never used
 * cost more than it saved (docs/benchmarks.md).
 *
 * The cost: the resident size grows in 2 MiB steps (at most `bytes`, the
 * size a scan is expected to use, plus one step), and with the kernel's
 * defrag setting at "madvise" (Debian's default) a fault may compact
 * memory to find a huge page on a machine whose memory is fragmented.
 */
#ifndef AIRLOCK_HEAP_HUGE_H
#define AIRLOCK_HEAP_HUGE_H

#include <stdbool.h>
#include <stddef.h>

/* Grow the heap by `bytes` (at least 4 MiB) and ask for huge pages in it.
 * Call once, early, on the main thread, before other threads start. True when the heap was grown and advised; false when
 * nothing was done (see above: the allocations are served as before). */
bool heap_huge_reserve(size_t bytes);

#endif
