/*
 * strsort.h - a stable sort of items keyed by C strings.
 *
 * What the inventory (a directory's children) and the plan (dependencies by
 * name) sort: thousands of short names at a time, often with a long
 * shared prefix. A radix sort on the keys' bytes (in strcmp() order, bytes
 * as unsigned char) reads each byte about once where a comparison sort
 * walks the prefix again at every comparison; input already in order is
 * recognised and left as it is. It is stable: items with equal keys keep
 * their order, so an item's index breaks ties for free.
 *
 * The items and the strings stay the caller's; the sort allocates its
 * scratch space and frees it before returning.
 */
#ifndef AIRLOCK_STRSORT_H
#define AIRLOCK_STRSORT_H

#include <stddef.h>

typedef struct str_item {
    const char *key; /* compared with strcmp() */
    size_t index;    /* the caller's: carried along, never looked at */
} str_item;

/* Sort `n` items by key, ascending and stable. */
void str_items_sort(str_item *items, size_t n);

#endif
