/*
 * heap_warm.h - map the heap's next pages in on another core.
 *
 * A page of memory costs its first write a fault: the kernel finds a free
 * page, zeroes it and maps it. On the VMs Airlock is measured on that is
 * about 2 us a page, and a scan of 5,000 installed distributions takes
 * some 1,200 of them for its dependencies, findings and reports: 2.5 ms on
 * a path whose floor is 30 ms. The inputs are read on the main thread and
 * the second core is mostly idle then, so the faults can be taken there in
 * advance, the way out_pipe's worker maps its buffers in.
 *
 * heap_warm_start() makes malloc's heap grow by `bytes` at once (glibc:
 * M_TOP_PAD, and M_MMAP_THRESHOLD so that blocks up to `bytes` come from
 * the heap, where they reuse its warm pages) and starts a thread that
 * writes those pages in with madvise(MADV_POPULATE_WRITE), a piece at a
 * time. The main thread's later allocations are carved from them without a
 * fault. Nothing else changes: where warming is not possible (another C
 * library, a sanitizer's allocator, a kernel before 5.14, no thread) the
 * start returns NULL and the faults are taken where they fall, as before.
 *
 * The memory is the process's whether it is used or not: `bytes` is what
 * the scan is expected to use (a few MiB), not a cap.
 */
#ifndef AIRLOCK_HEAP_WARM_H
#define AIRLOCK_HEAP_WARM_H

#include <stddef.h>

typedef struct heap_warm heap_warm;

/* Grow the heap by `bytes` and start mapping them in. Call once, early, on
 * the thread that will use the memory, before other threads allocate.
 * Returns the handle that heap_warm_end() takes, or NULL when nothing was
 * started (see above). */
heap_warm *heap_warm_start(size_t bytes);

/* The bytes mapped in so far (they grow while the thread runs), and the
 * bytes it set out to map. */
size_t heap_warm_mapped(const heap_warm *w);
size_t heap_warm_size(const heap_warm *w);

/* Stop the thread after the piece it is mapping (at most 256 KiB: it does
 * not wait for the rest), join it and free `w`. Returns the bytes that
 * were mapped in. `w` may be NULL (returns 0). */
size_t heap_warm_end(heap_warm *w);

#endif
