#define _GNU_SOURCE /* sched_setaffinity */
/* The reports' writer thread (scanner/reports/out_pipe.h): chunks reach
 * their functions whole and in order, however many more there are than
 * buffers; the first failure drops every later chunk and is reported by
 * submit and finish; no thread to be had is a NULL pipe, nothing leaked.
 * Linked with --wrap=pthread_create (tests/CMakeLists.txt). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "scanner/reports/out_pipe.h"

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

/* A destination: appends what it gets; fails once it holds `fail_at`
 * bytes or more (0: never); slow when asked, so that the producer has to
 * wait for buffers. */
typedef struct dest {
    buf got;
    size_t fail_at;
    size_t calls;
    bool slow;
} dest;

static bool to_dest(void *ctx, const void *data, size_t len)
{
    dest *d = ctx;
    d->calls++;
    if (d->slow) {
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    if (d->fail_at != 0 && d->got.len >= d->fail_at)
        return false;
    buf_append(&d->got, data, len);
    return true;
}

/* Tests that need the worker: on a machine (or an affinity) of one CPU
 * there is none (out_pipe_worth()). */
static void need_worker(void)
{
    if (!out_pipe_worth())
        skip();
}

/* `n` chunks of up to `cap` bytes to two destinations, alternating; each
 * must get exactly its own bytes, in order. */
static void run_chunks(size_t cap, size_t n, bool slow)
{
    out_pipe *p = out_pipe_start(cap);
    assert_non_null(p);
    dest a = {{0}, 0, 0, slow}, b = {{0}, 0, 0, false};
    buf want_a = {0}, want_b = {0};
    unsigned seed = 1;
    for (size_t i = 0; i < n; i++) {
        char *chunk = out_pipe_buffer(p);
        seed = seed * 1103515245u + 12345u;
        size_t len = 1 + (seed >> 8) % cap;
        for (size_t k = 0; k < len; k++)
            chunk[k] = (char)('a' + (i + k) % 26);
        buf_append(i % 2 ? &want_b : &want_a, chunk, len);
        assert_true(out_pipe_submit(p, chunk, len, to_dest, i % 2 ? &b : &a));
    }
    assert_true(out_pipe_finish(p));
    assert_int_equal(a.got.len, want_a.len);
    assert_int_equal(b.got.len, want_b.len);
    if (want_a.len > 0)
        assert_memory_equal(a.got.data, want_a.data, want_a.len);
    if (want_b.len > 0)
        assert_memory_equal(b.got.data, want_b.data, want_b.len);
    assert_int_equal(a.calls + b.calls, n);
    buf_free(&a.got);
    buf_free(&b.got);
    buf_free(&want_a);
    buf_free(&want_b);
}

static void test_order(void **state)
{
    (void)state;
    need_worker();
    run_chunks(100, 0, false);
    run_chunks(100, 1, false);
    run_chunks(1000, 3 * OUT_PIPE_BUFFERS, false);
    run_chunks(4096, 500, false);
    run_chunks(64, 40, true); /* the producer waits for buffers */
}

/* After the first failure nothing more is written, submit says so (at
 * the latest once the worker has seen it: at finish), finish fails. */
static void test_failure(void **state)
{
    (void)state;
    need_worker();
    out_pipe *p = out_pipe_start(10);
    assert_non_null(p);
    dest d = {{0}, 25, 0, false};
    size_t refused = 0;
    for (int i = 0; i < 200; i++) {
        char *chunk = out_pipe_buffer(p);
        memcpy(chunk, "0123456789", 10);
        if (!out_pipe_submit(p, chunk, 10, to_dest, &d))
            refused++;
    }
    assert_false(out_pipe_finish(p));
    /* Three chunks went through (0, 10, 20 bytes held before each), the
     * fourth failed, every later one was dropped unseen or refused. */
    assert_int_equal(d.got.len, 30);
    assert_true(d.calls == 4);
    assert_true(refused > 0);
    buf_free(&d.got);

    /* A failure on the very last chunk is still reported. */
    p = out_pipe_start(10);
    assert_non_null(p);
    dest e = {{0}, 10, 0, false};
    for (int i = 0; i < 2; i++) {
        char *chunk = out_pipe_buffer(p);
        memcpy(chunk, "0123456789", 10);
        out_pipe_submit(p, chunk, 10, to_dest, &e);
    }
    assert_false(out_pipe_finish(p));
    assert_int_equal(e.got.len, 10);
    buf_free(&e.got);
}

/* Buffers held by the producer at the end are the pipe's to free. */
static void test_held_at_finish(void **state)
{
    (void)state;
    need_worker();
    out_pipe *p = out_pipe_start(32);
    assert_non_null(p);
    for (int i = 0; i < OUT_PIPE_BUFFERS; i++)
        (void)out_pipe_buffer(p);
    assert_true(out_pipe_finish(p));
}

/* Pinned to one CPU, no thread is even asked for. */
static void test_one_cpu(void **state)
{
    (void)state;
    cpu_set_t old, one;
    assert_int_equal(sched_getaffinity(0, sizeof old, &old), 0);
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &old)) {
            CPU_SET(c, &one);
            break;
        }
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
    int before = thread_calls;
    bool worth = out_pipe_worth();
    out_pipe *p = out_pipe_start(4096);
    assert_int_equal(sched_setaffinity(0, sizeof old, &old), 0);
    assert_false(worth);
    assert_null(p);
    assert_int_equal(thread_calls, before);
}

static void test_no_thread(void **state)
{
    (void)state;
    int before = thread_calls;
    refuse_threads = 1;
    assert_null(out_pipe_start(4096));
    refuse_threads = 0;
    assert_int_equal(thread_calls, before + (out_pipe_worth() ? 1 : 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_failure),
        cmocka_unit_test(test_held_at_finish),
        cmocka_unit_test(test_no_thread),
        cmocka_unit_test(test_one_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
