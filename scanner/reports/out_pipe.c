#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "scanner/reports/out_pipe.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "core/buf.h"

typedef struct chunk {
    char *data;
    size_t len;
    out_pipe_fn fn;
    void *ctx;
} chunk;

struct out_pipe {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t work;  /* the worker waits: a chunk, or the end */
    pthread_cond_t room;  /* the producer waits: an empty buffer */
    char *pool;           /* OUT_PIPE_BUFFERS buffers in one allocation */
    char *free_list[OUT_PIPE_BUFFERS];
    size_t n_free;
    chunk queue[OUT_PIPE_BUFFERS]; /* a ring: never more than the buffers */
    size_t head, count;
    bool idle;            /* the worker waits for work */
    bool closing;         /* out_pipe_finish(): nothing more comes */
    bool failed;          /* a function failed: drop the rest */
};

static void *worker(void *arg)
{
    out_pipe *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->count == 0 && !p->closing) {
            p->idle = true;
            pthread_cond_wait(&p->work, &p->lock);
            p->idle = false;
        }
        if (p->count == 0)
            break; /* closing, and everything done */
        chunk c = p->queue[p->head];
        p->head = (p->head + 1) % OUT_PIPE_BUFFERS;
        p->count--;
        bool skip = p->failed;
        pthread_mutex_unlock(&p->lock);
        bool ok = skip || c.fn(c.ctx, c.data, c.len);
        pthread_mutex_lock(&p->lock);
        if (!ok)
            p->failed = true;
        p->free_list[p->n_free++] = c.data;
        pthread_cond_signal(&p->room);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

bool out_pipe_worth(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return true; /* unknown: as before */
    return CPU_COUNT(&set) > 1;
}

out_pipe *out_pipe_start(size_t cap)
{
    if (!out_pipe_worth())
        return NULL;
    out_pipe *p = xcalloc(1, sizeof *p);
    p->pool = xmalloc(OUT_PIPE_BUFFERS * cap);
    for (size_t i = 0; i < OUT_PIPE_BUFFERS; i++)
        p->free_list[i] = p->pool + i * cap;
    p->n_free = OUT_PIPE_BUFFERS;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->room, NULL);
    if (pthread_create(&p->thread, NULL, worker, p) != 0) {
        pthread_cond_destroy(&p->room);
        pthread_cond_destroy(&p->work);
        pthread_mutex_destroy(&p->lock);
        free(p->pool);
        free(p);
        return NULL;
    }
    return p;
}

char *out_pipe_buffer(out_pipe *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->n_free == 0) {
        pthread_cond_signal(&p->work); /* whatever is queued must go */
        pthread_cond_wait(&p->room, &p->lock);
    }
    char *b = p->free_list[--p->n_free];
    pthread_mutex_unlock(&p->lock);
    return b;
}

bool out_pipe_submit(out_pipe *p, char *buffer, size_t len, out_pipe_fn fn, void *ctx)
{
    pthread_mutex_lock(&p->lock);
    bool ok = !p->failed;
    if (ok) {
        p->queue[(p->head + p->count) % OUT_PIPE_BUFFERS] = (chunk){buffer, len, fn, ctx};
        p->count++;
        /* An idle worker is woken once a few chunks wait, not for each:
         * every wake-up is a futex call here and a context switch there
         * (in a VM, an interrupt between cores too). */
        if (p->idle && p->count >= OUT_PIPE_BATCH)
            pthread_cond_signal(&p->work);
    } else {
        p->free_list[p->n_free++] = buffer;
    }
    pthread_mutex_unlock(&p->lock);
    return ok;
}

bool out_pipe_finish(out_pipe *p)
{
    pthread_mutex_lock(&p->lock);
    p->closing = true;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    bool ok = !p->failed;
    pthread_cond_destroy(&p->room);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    free(p->pool);
    free(p);
    return ok;
}
