/* Tests for core/strsort: the same order as qsort() with the index as the
 * tie-break (what stability promises), on every size to 300 and on
 * sorted, reversed and duplicate-heavy inputs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strsort.h"

static int by_key_then_index(const void *a, const void *b)
{
    const str_item *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Keys drawn from `distinct` values, in one of four shapes. */
static void check(size_t n, unsigned distinct, int shape, uint64_t *seed)
{
    char (*text)[16] = malloc((n ? n : 1) * sizeof *text);
    str_item *v = malloc((n ? n : 1) * sizeof *v), *want = malloc((n ? n : 1) * sizeof *want);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = shape == 1 ? i : shape == 2 ? n - i : next(seed) % distinct;
        /* A shared prefix, as in generated trees: strcmp must look past it. */
        snprintf(text[i], sizeof text[i], "pkg_%06llu", (unsigned long long)(k % distinct));
        v[i] = (str_item){text[i], i};
    }
    memcpy(want, v, n * sizeof *v);
    qsort(want, n, sizeof *want, by_key_then_index);
    str_items_sort(v, n);
    for (size_t i = 0; i < n; i++) {
        if (v[i].index != want[i].index || v[i].key != want[i].key)
            fail_msg("n=%zu distinct=%u shape=%d: item %zu differs", n, distinct, shape, i);
    }
    free(text);
    free(v);
    free(want);
}

static void test_sizes_and_shapes(void **state)
{
    (void)state;
    uint64_t seed = 0x9e3779b97f4a7c15u;
    for (size_t n = 0; n <= 300; n++)
        for (int shape = 0; shape < 3; shape++) {
            check(n, 1000000, shape, &seed);
            check(n, 3, shape, &seed); /* many equal keys: stability */
        }
    check(5000, 1000000, 0, &seed);
    check(5000, 50, 0, &seed);
    check(4097, 1000000, 1, &seed);
    check(4097, 1000000, 2, &seed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_and_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
