/*
 * strsort.c - a stable merge sort of string-keyed items (strsort.h).
 */
#include "core/strsort.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

/* Runs this short are sorted by insertion first: fewer passes. */
#define RUN 8

static void insertion(str_item *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        str_item x = v[i];
        size_t j = i;
        while (j > 0 && strcmp(v[j - 1].key, x.key) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* Merge the sorted runs a[0, na) and b[0, nb) into out; a's items go
 * first on equal keys. */
static void merge(const str_item *a, size_t na, const str_item *b, size_t nb, str_item *out)
{
    size_t i = 0, j = 0, k = 0;
    while (i < na && j < nb) {
        if (strcmp(b[j].key, a[i].key) < 0)
            out[k++] = b[j++];
        else
            out[k++] = a[i++];
    }
    while (i < na)
        out[k++] = a[i++];
    while (j < nb)
        out[k++] = b[j++];
}

void str_items_sort(str_item *items, size_t n)
{
    for (size_t i = 0; i < n; i += RUN)
        insertion(items + i, n - i < RUN ? n - i : RUN);
    if (n <= RUN)
        return;
    str_item *tmp = xmalloc(n * sizeof *tmp);
    str_item *from = items, *to = tmp;
    for (size_t width = RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            /* Already in order across the boundary: a copy will do (input
             * sorted, or nearly, as directory listings often are). */
            if (mid < hi && strcmp(from[mid - 1].key, from[mid].key) <= 0) {
                memcpy(to + lo, from + lo, (hi - lo) * sizeof *to);
                continue;
            }
            merge(from + lo, mid - lo, from + mid, hi - mid, to + lo);
        }
        str_item *t = from;
        from = to;
        to = t;
    }
    if (from != items)
        memcpy(items, from, n * sizeof *items);
    free(tmp);
}
