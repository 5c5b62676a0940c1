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

/* Keys of any bytes and lengths: empty keys, keys that are prefixes of
 * others, bytes >= 0x80 (strcmp compares them as unsigned char), and long
 * shared prefixes, at sizes on both sides of where the radix sort hands
 * buckets to insertion sort. */
static void check_bytes(size_t n, size_t prefix, unsigned alphabet, uint64_t *seed)
{
    size_t width = prefix + 8;
    char *text = malloc((n ? n : 1) * width);
    str_item *v = malloc((n ? n : 1) * sizeof *v), *want = malloc((n ? n : 1) * sizeof *want);
    for (size_t i = 0; i < n; i++) {
        char *t = text + i * width;
        memset(t, 'p', prefix);
        size_t len = prefix + next(seed) % 7;
        for (size_t j = prefix; j < len; j++)
            t[j] = (char)(1 + next(seed) % alphabet * (255 / alphabet));
        t[len] = '\0';
        v[i] = (str_item){t, i};
    }
    memcpy(want, v, n * sizeof *v);
    qsort(want, n, sizeof *want, by_key_then_index);
    str_items_sort(v, n);
    for (size_t i = 0; i < n; i++) {
        if (v[i].index != want[i].index || v[i].key != want[i].key)
            fail_msg("n=%zu prefix=%zu alphabet=%u: item %zu differs", n, prefix, alphabet, i);
    }
    free(text);
    free(v);
    free(want);
}

static void test_any_bytes(void **state)
{
    (void)state;
    uint64_t seed = 0x2545f4914f6cdd1du;
    for (size_t n = 0; n <= 200; n += 7)
        for (unsigned alphabet = 1; alphabet <= 255; alphabet = alphabet * 4 + 1) {
            check_bytes(n, 0, alphabet, &seed);
            check_bytes(n, 3, alphabet, &seed);
        }
    check_bytes(3000, 0, 255, &seed);
    check_bytes(3000, 1, 2, &seed);
    check_bytes(3000, 200, 3, &seed); /* deep: 200 bytes shared */
    check_bytes(3000, 1000, 1, &seed);
}

/* Thousands of equal keys, and a one-sided split at each byte (one item
 * leaves the bucket each time): neither may recurse once per item. */
static void test_degenerate(void **state)
{
    (void)state;
    enum { N = 20000, LEN = 4000 };
    char *same = malloc(LEN + 1);
    memset(same, 'x', LEN);
    same[LEN] = '\0';
    char (*steps)[LEN + 1] = malloc((size_t)LEN * sizeof *steps);
    str_item *v = malloc(N * sizeof *v), *want = malloc(N * sizeof *want);
    for (size_t i = 0; i < N; i++)
        v[i] = (str_item){same, N - i};
    str_items_sort(v, N);
    for (size_t i = 0; i < N; i++)
        if (v[i].index != N - i)
            fail_msg("equal keys: item %zu moved", i);
    /* steps[i] = LEN x's with a 'a' at i: every prefix splits one off. */
    for (size_t i = 0; i < LEN; i++) {
        memset(steps[i], 'x', LEN);
        steps[i][i] = 'a';
        steps[i][LEN] = '\0';
        v[i] = (str_item){steps[i], i};
    }
    memcpy(want, v, LEN * sizeof *v);
    qsort(want, LEN, sizeof *want, by_key_then_index);
    str_items_sort(v, LEN);
    for (size_t i = 0; i < LEN; i++)
        if (v[i].index != want[i].index)
            fail_msg("one-sided splits: item %zu differs", i);
    free(same);
    free(steps);
    free(v);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_and_shapes),
        cmocka_unit_test(test_any_bytes),
        cmocka_unit_test(test_degenerate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
