/*
 * strsort.c - a stable sort of string-keyed items (strsort.h): an MSD radix
 * sort on the keys' bytes, insertion sort for small buckets.
 *
 * A comparison sort of n names costs n log n strcmp() calls that each
 * walk the shared prefix again ("pkg_0001..."); the radix sort looks at
 * each byte of a key about once. Stability comes from distributing each
 * bucket in input order (a counting sort per byte).
 */
#include "core/strsort.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

/* Buckets this small are sorted by insertion: a counting pass over 256
 * buckets costs more than a few comparisons. */
#define SMALL 20

/* Insertion sort of keys equal in their first `depth` bytes. */
static void insertion(str_item *v, size_t n, size_t depth)
{
    for (size_t i = 1; i < n; i++) {
        str_item x = v[i];
        size_t j = i;
        while (j > 0 && strcmp(v[j - 1].key + depth, x.key + depth) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static unsigned char byte_at(const str_item *it, size_t depth)
{
    return (unsigned char)it->key[depth];
}

/* Sort v[0, n), whose keys agree in their first `depth` bytes, with
 * tmp[0, n) as scratch. Recurses into every bucket but the largest, which
 * the loop takes on: the stack stays within log2(n) frames whatever the
 * keys. */
static void msd(str_item *v, str_item *tmp, size_t n, size_t depth)
{
    while (n > SMALL) {
        size_t count[256];
        memset(count, 0, sizeof count);
        unsigned lo = 255, hi = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned c = byte_at(&v[i], depth);
            count[c]++;
            lo = c < lo ? c : lo;
            hi = c > hi ? c : hi;
        }
        if (lo == hi) {
            if (lo == 0)
                return; /* all keys end here: equal, in input order */
            depth++;    /* a shared byte: look at the next one */
            continue;
        }
        /* Only the bytes present, [lo, hi]: names use a few dozen. */
        size_t start[256], fill[256];
        size_t at = 0;
        for (unsigned b = lo; b <= hi; b++) {
            start[b] = fill[b] = at;
            at += count[b];
        }
        for (size_t i = 0; i < n; i++)
            tmp[fill[byte_at(&v[i], depth)]++] = v[i];
        memcpy(v, tmp, n * sizeof *v);
        /* Bucket 0 holds the keys that end here: done. */
        unsigned first = lo ? lo : 1, big = first;
        for (unsigned b = first + 1; b <= hi; b++)
            if (count[b] > count[big])
                big = b;
        for (unsigned b = first; b <= hi; b++)
            if (b != big && count[b] > 1)
                msd(v + start[b], tmp + start[b], count[b], depth + 1);
        v += start[big];
        tmp += start[big];
        n = count[big];
        depth++;
    }
    insertion(v, n, depth);
}

void str_items_sort(str_item *items, size_t n)
{
    /* Already in order (a sorted listing, a plan's sorted names): one
     * comparison an item, nothing moved. */
    size_t i = 1;
    while (i < n && strcmp(items[i - 1].key, items[i].key) <= 0)
        i++;
    if (i >= n)
        return;
    if (n <= SMALL) {
        insertion(items, n, 0);
        return;
    }
    str_item *tmp = xmalloc(n * sizeof *tmp);
    msd(items, tmp, n, 0);
    free(tmp);
}
