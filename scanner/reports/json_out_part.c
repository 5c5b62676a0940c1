/* json_out parts (json_out.h): a stretch of a document rendered on a
 * thread of its own, its text appended at the join. */
#include "scanner/reports/json_out.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/reports/json_out_impl.h"
#include "scanner/reports/out_pipe.h"

/* A piece of a part's text (the formatted one or its twin's). */
typedef struct part_chunk {
    struct part_chunk *next;
    bool twin;
    size_t len;
    char data[];
} part_chunk;

struct jo_part {
    jo_part_fn fn;
    void *arg;
    unsigned depth;       /* where it starts and must end */
    bool threaded;
    pthread_t thread;
    json_out *w;          /* the part's own writer */
    pthread_mutex_t lock;
    pthread_cond_t ready; /* the joiner waits: a chunk, or the end */
    pthread_cond_t room;  /* the part waits: held bytes under JO_PART_HOLD */
    part_chunk *head, *tail;
    size_t held;
    bool done;
};

static bool part_put(jo_part *p, bool twin, const void *data, size_t len)
{
    part_chunk *c = xmalloc(sizeof *c + len);
    c->next = NULL;
    c->twin = twin;
    c->len = len;
    memcpy(c->data, data, len);
    pthread_mutex_lock(&p->lock);
    while (p->held > JO_PART_HOLD)
        pthread_cond_wait(&p->room, &p->lock);
    if (p->tail != NULL)
        p->tail->next = c;
    else
        p->head = c;
    p->tail = c;
    p->held += len;
    pthread_cond_signal(&p->ready);
    pthread_mutex_unlock(&p->lock);
    return true;
}

static bool part_main_sink(void *ctx, const void *data, size_t len)
{
    return part_put(ctx, false, data, len);
}

static bool part_twin_sink(void *ctx, const void *data, size_t len)
{
    return part_put(ctx, true, data, len);
}

static void *part_thread(void *arg)
{
    jo_part *p = arg;
    p->fn(p->w, p->arg);
    jo_flush_more(p->w, false);
    if (p->w->twin)
        jo_twin_flush(p->w);
    pthread_mutex_lock(&p->lock);
    p->done = true;
    pthread_cond_signal(&p->ready);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

jo_part *jo_part_start(json_out *j, jo_part_fn fn, void *arg)
{
    jo_part *p = xcalloc(1, sizeof *p);
    p->fn = fn;
    p->arg = arg;
    p->depth = j->depth;
    if (j->depth == 0 || j->keyed)
        j->misused = j->failed = true;
    if (j->failed || !out_pipe_worth())
        return p; /* nothing more is written, or done at the join */
    json_out *w = xmalloc(sizeof *w);
    jo_init_sink(w, part_main_sink, p, j->pretty);
    w->no_pipe = true;
    if (j->twin) {
        w->twin = true;
        w->twin_sink = part_twin_sink;
        w->twin_ctx = p;
    }
    w->depth = j->depth;
    memcpy(w->is_array, j->is_array, sizeof w->is_array);
    memcpy(w->has_items, j->has_items, sizeof w->has_items);
    w->has_items[j->depth - 1] = true;
    p->w = w;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->ready, NULL);
    pthread_cond_init(&p->room, NULL);
    if (pthread_create(&p->thread, NULL, part_thread, p) != 0) {
        pthread_cond_destroy(&p->room);
        pthread_cond_destroy(&p->ready);
        pthread_mutex_destroy(&p->lock);
        free(w);
        p->w = NULL;
        return p;
    }
    p->threaded = true;
    return p;
}

void jo_part_join(json_out *j, jo_part *p)
{
    if (j->depth != p->depth || j->depth == 0 || j->keyed || !j->has_items[j->depth - 1]) {
        j->misused = j->failed = true;
    } else if (!p->threaded) {
        p->fn(j, p->arg);
    }
    if (!p->threaded) {
        free(p);
        return;
    }
    /* Append the part's text as it comes, then take its position. */
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->head == NULL && !p->done)
            pthread_cond_wait(&p->ready, &p->lock);
        part_chunk *c = p->head;
        if (c == NULL)
            break;
        p->head = p->tail = NULL;
        p->held = 0;
        pthread_cond_signal(&p->room);
        pthread_mutex_unlock(&p->lock);
        while (c != NULL) {
            part_chunk *next = c->next;
            if (!j->failed) {
                if (c->twin)
                    jo_tput(j, c->data, c->len);
                else
                    jo_put_long(j, c->data, c->len);
            }
            free(c);
            c = next;
        }
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    json_out *w = p->w;
    if (w->misused || w->depth != p->depth || w->keyed)
        j->misused = j->failed = true;
    pthread_cond_destroy(&p->room);
    pthread_cond_destroy(&p->ready);
    pthread_mutex_destroy(&p->lock);
    free(w);
    free(p);
}
