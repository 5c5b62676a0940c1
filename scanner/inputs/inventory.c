#include "scanner/inputs/inventory.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

void dep_list_reserve(dep_list *l, size_t n)
{
    if (n <= l->cap - l->len)
        return;
    /* At least doubled: a reservation of a few items in a loop (one per
     * egg directory) must not copy the list each time. */
    l->cap = l->len + n > 2 * l->cap ? l->len + n : 2 * l->cap;
    l->items = xrealloc(l->items, l->cap * sizeof *l->items);
}

dependency *dep_list_add(dep_list *l)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    dependency *d = &l->items[l->len++];
    memset(d, 0, sizeof *d);
    return d;
}

/* A slab of the strings pool: slabs are chained newest first. */
struct dep_strings_slab {
    dep_strings_slab *next;
    size_t used, cap;
    char data[];
};

#define SLAB_SIZE ((size_t)64 << 10)

char *dep_list_strings(dep_list *l, dependency *d, size_t size)
{
    size_t want = size ? size : 1;
    dep_strings_slab *s = l->slabs_;
    if (s == NULL || s->cap - s->used < want) {
        /* A block over a quarter of a slab gets a slab of its own, chained
         * behind the current one, whose spare room stays in use. */
        bool own = want > SLAB_SIZE / 4;
        size_t cap = own ? want : SLAB_SIZE - sizeof *s;
        dep_strings_slab *n = xmalloc(sizeof *n + cap);
        n->used = 0;
        n->cap = cap;
        if (s != NULL && own) {
            n->next = s->next;
            s->next = n;
        } else {
            n->next = s;
            l->slabs_ = n;
        }
        s = n;
    }
    char *p = s->data + s->used;
    s->used += want;
    d->strings_ = p;
    d->strings_size_ = size;
    d->strings_pooled_ = true;
    return p;
}

char *dependency_strings(dependency *d, size_t size)
{
    d->strings_ = xmalloc(size ? size : 1);
    d->strings_size_ = size;
    return d->strings_;
}

/* Free a string field unless it lies in the dependency's block. */
static void free_field(const dependency *d, char *p)
{
    uintptr_t at = (uintptr_t)p, block = (uintptr_t)d->strings_;
    if (p != NULL && (d->strings_ == NULL || at - block >= d->strings_size_))
        free(p);
}

/* Free what `d` owns, leaving its fields dangling. */
static void dependency_release(dependency *d)
{
    free_field(d, d->name);
    free_field(d, d->normalized);
    free_field(d, d->version_text);
    if (d->has_version)
        version_clear(&d->version);
    free_field(d, d->source_file);
    free_field(d, d->location);
    free_field(d, d->skip_reason);
    free_field(d, d->specifier);
    free_field(d, d->source_kind);
    free_field(d, d->group);
    if (!d->strings_pooled_)
        free(d->strings_);
}

void dependency_clear(dependency *d)
{
    dependency_release(d);
    memset(d, 0, sizeof *d);
}

void dep_list_free(dep_list *l)
{
    /* The items go with the array: no need to zero each. */
    for (size_t i = 0; i < l->len; i++)
        dependency_release(&l->items[i]);
    free(l->items);
    for (dep_strings_slab *s = l->slabs_, *next; s != NULL; s = next) {
        next = s->next;
        free(s);
    }
    memset(l, 0, sizeof *l);
}
