#include "scanner/inputs/inventory.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

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

void dependency_clear(dependency *d)
{
    free(d->name);
    free(d->normalized);
    free(d->version_text);
    if (d->has_version)
        version_clear(&d->version);
    free(d->source_file);
    free(d->location);
    free(d->skip_reason);
    free(d->specifier);
    free(d->source_kind);
    free(d->group);
    memset(d, 0, sizeof *d);
}

void dep_list_free(dep_list *l)
{
    for (size_t i = 0; i < l->len; i++)
        dependency_clear(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}
