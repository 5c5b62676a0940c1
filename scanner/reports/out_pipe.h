/*
 * out_pipe.h - a worker thread that hands finished buffers of a report to
 * where they go (a write() through a FILE*, a hash), in the order they were
 * finished, while the main thread renders the next ones (issue 17: the
 * scan's tail is serial, and the second core was idle).
 *
 * Bounded: a fixed pool of OUT_PIPE_BUFFERS buffers of `cap` bytes each is
 * allocated at the start; the producer takes an empty one with
 * out_pipe_buffer() (waiting while every one is in flight) and hands it
 * over, filled, with out_pipe_submit(). The worker calls each chunk's
 * function, in submission order, then returns the buffer to the pool.
 *
 * Errors: the first function that returns false stops the pipe: every
 * later chunk is dropped unwritten (as a writer that stops at its first
 * failed write would drop it), out_pipe_submit() returns false from then
 * on so that the producer may stop, and out_pipe_finish() returns false.
 *
 * Threads: the functions run on the worker, one at a time; whatever they
 * touch (the FILE*, a hash state) must not be used by the producer between
 * out_pipe_start() and out_pipe_finish(), which joins the worker (so that
 * after it everything the functions did is visible to the caller).
 * Only one thread may produce.
 */
#ifndef AIRLOCK_OUT_PIPE_H
#define AIRLOCK_OUT_PIPE_H

#include <stdbool.h>
#include <stddef.h>

#define OUT_PIPE_BUFFERS 8
/* An idle worker is woken when this many chunks wait (or the producer
 * waits for a buffer, or finishes). */
#define OUT_PIPE_BATCH 3

/* Where a chunk goes: returns false on failure (see above). */
typedef bool (*out_pipe_fn)(void *ctx, const void *data, size_t len);

typedef struct out_pipe out_pipe;

/* Whether a thread of ours can run beside the caller: the process may
 * run on more than one CPU (sched_getaffinity()). On one, a worker only
 * adds context switches: out_pipe_start() and json_out's parts then do
 * without. */
bool out_pipe_worth(void);

/* Start the worker with a pool of buffers of `cap` bytes. Returns NULL
 * when the thread cannot be created (nothing is left allocated) or is not
 * worth it (out_pipe_worth()): the caller then writes itself, as it would
 * without a pipe. */
out_pipe *out_pipe_start(size_t cap);

/* An empty buffer of the pool (`cap` bytes), owned by the caller until it
 * is submitted; waits while all are in flight. */
char *out_pipe_buffer(out_pipe *p);

/* Hand over `len` bytes of a buffer from out_pipe_buffer(), to be given to
 * fn(ctx, data, len) on the worker. The buffer is the pipe's again.
 * Returns false once an earlier chunk's function failed (this one is
 * dropped). */
bool out_pipe_submit(out_pipe *p, char *buffer, size_t len, out_pipe_fn fn, void *ctx);

/* Wait for every submitted chunk, stop the worker and free the pipe with
 * all its buffers (those the producer still holds too). Returns false if
 * a function failed. */
bool out_pipe_finish(out_pipe *p);

#endif
