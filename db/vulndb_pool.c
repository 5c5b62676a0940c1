/*
 * vulndb_pool.c - a pool that many decoded advisories share (vulndb.h).
 *
 * Chunks of POOL_CHUNK bytes are cut front to back; a request larger than
 * a quarter of that gets a chunk of its own, so that the current chunk's
 * room is not thrown away for it. Nothing is freed until the whole pool is.
 */
#include "db/vulndb.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

#define POOL_CHUNK ((size_t)64 * 1024)
#define POOL_ALIGN alignof(max_align_t)
/* A chunk starts with the pointer to the next, padded to POOL_ALIGN. */
#define POOL_HEAD ((sizeof(void *) + POOL_ALIGN - 1) / POOL_ALIGN * POOL_ALIGN)

void *vulndb_pool_alloc(vulndb_pool *p, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - POOL_HEAD - POOL_ALIGN)
        abort(); /* as xmalloc does when it cannot */
    n = (n + POOL_ALIGN - 1) / POOL_ALIGN * POOL_ALIGN;
    if (p->at != NULL && n <= (size_t)(p->end - p->at)) {
        void *r = p->at;
        p->at += n;
        return r;
    }
    if (n > POOL_CHUNK / 4) { /* its own chunk, linked behind the current one */
        char *c = xmalloc(POOL_HEAD + n);
        if (p->chunks != NULL) {
            *(void **)c = *(void **)p->chunks;
            *(void **)p->chunks = c;
        } else {
            *(void **)c = NULL;
            p->chunks = c;
        }
        return c + POOL_HEAD;
    }
    char *c = xmalloc(POOL_CHUNK);
    *(void **)c = p->chunks;
    p->chunks = c;
    p->at = c + POOL_HEAD + n;
    p->end = c + POOL_CHUNK;
    return c + POOL_HEAD;
}

char *vulndb_pool_strndup(vulndb_pool *p, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        abort();
    char *t = vulndb_pool_alloc(p, n + 1);
    if (n > 0)
        memcpy(t, s, n);
    t[n] = '\0';
    return t;
}

char *vulndb_pool_strdup(vulndb_pool *p, const char *s)
{
    return vulndb_pool_strndup(p, s, strlen(s));
}

void vulndb_pool_free(vulndb_pool *p)
{
    void *c = p->chunks;
    while (c != NULL) {
        void *next = *(void **)c;
        free(c);
        c = next;
    }
    p->at = p->end = NULL;
    p->chunks = NULL;
}
