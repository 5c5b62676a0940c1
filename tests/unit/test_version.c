/* Tests for core/version: one group per rule of PEP 440 as packaging 23.0
 * applies it. The differential test covers the same ground at scale. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/version.h"

/* Canonical text of `s`, or "ERR". */
static const char *canon(const char *s)
{
    static char out[2 * VERSION_MAX_TEXT];
    version v;
    airlock_error err;
    if (version_parse(&v, s, strlen(s), &err) != 0) {
        assert_true(strncmp(err.msg, "invalid version", 15) == 0);
        return "ERR";
    }
    size_t n = version_format(&v, out, sizeof out);
    assert_int_equal(n, strlen(out));
    version_clear(&v);
    return out;
}

static int cmp(const char *a, const char *b)
{
    version va, vb;
    airlock_error err;
    assert_int_equal(version_parse(&va, a, strlen(a), &err), 0);
    assert_int_equal(version_parse(&vb, b, strlen(b), &err), 0);
    int c = version_compare(&va, &vb);
    /* The key order must agree. */
    uint8_t ka[4096], kb[4096];
    size_t la = version_key(&va, ka, sizeof ka), lb = version_key(&vb, kb, sizeof kb);
    assert_int_equal(version_key_compare(ka, la, kb, lb), c);
    version_clear(&va);
    version_clear(&vb);
    return c;
}

#define CANON(in, out) assert_string_equal(canon(in), out)

static void test_normalisation(void **state)
{
    (void)state;
    CANON("1.0", "1.0");
    CANON("  1.0\n", "1.0");
    CANON("v1.0", "1.0");
    CANON("V1.0", "1.0");
    CANON("1.0ALPHA1", "1.0a1");
    CANON("1.0-beta-2", "1.0b2");
    CANON("1.0.c3", "1.0rc3");
    CANON("1.0pre4", "1.0rc4");
    CANON("1.0_preview_5", "1.0rc5");
    CANON("1.0RC", "1.0rc0");
    CANON("1.0a", "1.0a0");
    CANON("1.0-1", "1.0.post1");
    CANON("1.0rev", "1.0.post0");
    CANON("1.0.r2", "1.0.post2");
    CANON("1.0-post-3", "1.0.post3");
    CANON("1.0.dev", "1.0.dev0");
    CANON("1.0-DEV_7", "1.0.dev7");
    CANON("007.010", "7.10");
    CANON("0!1.0", "1.0");
    CANON("01!1.0", "1!1.0");
    CANON("1.0+Ubuntu-1_2.003", "1.0+ubuntu.1.2.3");
    CANON("1!2.0.0rc3.post4.dev5+ab.c", "1!2.0.0rc3.post4.dev5+ab.c");
    CANON("1.0cr1", "1.0rc0.post1"); /* "c" then "r1" */
}

static void test_quirks_of_the_regex(void **state)
{
    (void)state;
    /* Separators after a label are optional even with no number. */
    CANON("1.0a.", "1.0a0");
    CANON("1.0.post.", "1.0.post0");
    CANON("1.0.dev-", "1.0.dev0");
    CANON("1.0a--1", "1.0a0.post1");
    CANON("1.0a-1", "1.0a1");
    CANON("1.0-r-5", "1.0.post5");
    CANON("1.0a.+x", "1.0a0+x");
    /* Python's \s includes these (UTF-8 encoded). */
    CANON("\x1c" "1.0" "\xc2\x85", "1.0");
    CANON("\xe3\x80\x80" "1.0" "\xe2\x80\xa8", "1.0");
}

static void test_invalid(void **state)
{
    (void)state;
    static const char *bad[] = {
        "", " ", "v", "1.0-", "1.0+", "1.0+abc.", "1.0+a..b", "1.0a...post1", "1.0..0",
        ".1", "1.", "1!", "!1", "1.0 1", "1.0.*", "a1", "1.0-dev-post", "1.0.dev1a1",
        "1.0.post1a1", "1.0poSt1x", "1.0+\xc3\xa9", "1.0\xef\xbb\xbf", "1.0\xc2", "1.0pre-view",
        "1.0prerelease", "vv1.0", "1.0+a+b", "1,0", "1.0/", "--1.0",
        "1.0po\xc5\xbft1", /* packaging accepts this 'long s' via Unicode case folding */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (strcmp(canon(bad[i]), "ERR") != 0)
            fail_msg("'%s' was accepted as '%s'", bad[i], canon(bad[i]));
    }
}

static void test_not_nul_terminated_and_too_long(void **state)
{
    (void)state;
    version v;
    airlock_error err;
    /* Only the first 3 bytes count. */
    assert_int_equal(version_parse(&v, "1.2.3", 3, &err), 0);
    char out[32];
    version_format(&v, out, sizeof out);
    assert_string_equal(out, "1.2");
    version_clear(&v);
    /* A buffer with no NUL at all. */
    char *heap = malloc(5);
    memcpy(heap, "1.0a1", 5);
    assert_int_equal(version_parse(&v, heap, 5, &err), 0);
    version_format(&v, out, sizeof out);
    assert_string_equal(out, "1.0a1");
    version_clear(&v);
    free(heap);

    char *big = malloc(VERSION_MAX_TEXT + 2);
    memset(big, '1', VERSION_MAX_TEXT + 1);
    assert_int_equal(version_parse(&v, big, VERSION_MAX_TEXT + 1, &err), -1);
    assert_non_null(strstr(err.msg, "too long"));
    assert_int_equal(version_parse(&v, big, VERSION_MAX_TEXT, &err), 0); /* one huge number */
    version_clear(&v);
    for (size_t i = 1; i < VERSION_MAX_TEXT; i += 2)
        big[i] = '.';
    assert_int_equal(version_parse(&v, big, VERSION_MAX_TEXT - 1, &err), 0); /* 512 segments */
    size_t n = version_format(&v, NULL, 0);
    assert_int_equal(n, VERSION_MAX_TEXT - 1);
    version_clear(&v);
    version_clear(&v); /* idempotent */
    free(big);
}

/* version_parse() (with its plain-release fast path) and
 * version_parse_full() must give the same value, field for field, or the
 * same error. */
static void same_as_full(const char *text, size_t len)
{
    version a, b;
    airlock_error ea = {{0}}, eb = {{0}};
    int ra = version_parse(&a, text, len, &ea), rb = version_parse_full(&b, text, len, &eb);
    if (ra != rb)
        fail_msg("'%.*s': %d, full parser %d", (int)len, text, ra, rb);
    if (ra != 0) {
        assert_string_equal(ea.msg, eb.msg);
        return;
    }
    uint8_t ka[4096], kb[4096];
    size_t la = version_key(&a, ka, sizeof ka), lb = version_key(&b, kb, sizeof kb);
    char fa[2 * VERSION_MAX_TEXT], fb[2 * VERSION_MAX_TEXT];
    version_format(&a, fa, sizeof fa);
    version_format(&b, fb, sizeof fb);
    if (la != lb || memcmp(ka, kb, la) != 0 || strcmp(fa, fb) != 0 || a.len_ != b.len_ ||
        a.publen_ != b.publen_ || a.zeros_ != b.zeros_ || a.flags_ != b.flags_ ||
        (a.heap_ == NULL) != (b.heap_ == NULL))
        fail_msg("'%.*s': '%s', full parser '%s'", (int)len, text, fa, fb);
    version_clear(&a);
    version_clear(&b);
}

static void test_fast_path_matches_full_parser(void **state)
{
    (void)state;
    static const char *cases[] = {
        "0", "1", "1.2.3", "1.0", "1.0.0", "0.0", "00.000", "1.00.0", "010.2",
        "999999999999999999", "1000000000000000000", "18446744073709551615",
        "18446744073709551616", "1.999999999999999999.0", "1.0000000000000000000000001",
        "1.", ".1", "1..2", "1.2.", "", ".", "1 ", " 1", "1.2a1", "1.2+local", "v1.2",
        "1!2", "1.2-1", "1.2.post1", "1.2.dev0", "1.2\n", "1.2\x80",
        "1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1", /* 63: heap key */
        "1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1", /* 65: full */
        "123456789012345678.123456789012345678.123456789012345678.1234",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        same_as_full(cases[i], strlen(cases[i]));
    same_as_full("1.2\0", 4); /* a NUL inside */
    same_as_full("1.2.3", 3);  /* not NUL-terminated at len */
    same_as_full(NULL, 0);
    /* Random texts, mostly digits and dots so that many reach the end of
     * the fast path, with a sprinkling of everything else. */
    static const char alphabet[] = "0123456789.........0000 v!+-_abcdeprstv\t\x80";
    uint64_t seed = 88172645463325252u;
    char text[80];
    for (int round = 0; round < 300000; round++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        size_t len = seed % 70;
        uint64_t r = seed;
        for (size_t i = 0; i < len; i++) {
            if (i % 8 == 0) {
                r ^= r << 13;
                r ^= r >> 7;
                r ^= r << 17;
            }
            /* Two of three texts digits and dots only. */
            size_t span = round % 3 ? 19 : sizeof alphabet - 1;
            text[i] = alphabet[(r >> (8 * (i % 8))) % span];
        }
        same_as_full(text, len);
    }
}

static void test_order(void **state)
{
    (void)state;
    /* Strictly increasing, from packaging's own test suite and PEP 440. */
    static const char *seq[] = {
        "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456",
        "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0",
        "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15",
        "1.1.dev1", "1.1a1", "1.1", "1.1+a", "1.1+a.b", "1.1+a1", "1.1+b", "1.1+0", "1.1+1",
        "1.1+1.a", "1.1+2", "1.1.post0", "1.1.0.1", "1.2", "1.10", "18446744073709551615",
        "18446744073709551616", "100000000000000000000", "99999999999999999999999",
        "1!0.dev0", "1!0", "2!0.1",
    };
    size_t n = sizeof seq / sizeof seq[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int c = cmp(seq[i], seq[j]);
            int want = (i > j) - (i < j);
            if (c != want)
                fail_msg("compare(%s, %s) = %d, want %d", seq[i], seq[j], c, want);
        }
}

static void test_equalities(void **state)
{
    (void)state;
    assert_int_equal(cmp("1.0", "1.0.0"), 0);
    assert_int_equal(cmp("1", "1.0.0.0.0"), 0);
    assert_int_equal(cmp("0", "0.0"), 0);
    assert_int_equal(cmp("1.0a", "1.0a0"), 0);
    assert_int_equal(cmp("1.0-1", "1.0.post1"), 0);
    assert_int_equal(cmp("1.0+01", "1.0+1"), 0);
    assert_int_equal(cmp("1.0+ABC", "1.0+abc"), 0);
    assert_int_equal(cmp("1.0+a-b", "1.0+a.b"), 0);
    assert_int_equal(cmp("0!1", "1"), 0);
    assert_int_equal(cmp("00000000000000000000000001", "1"), 0);
    assert_true(cmp("1.0+a", "1.0+a.0") < 0);
    assert_true(cmp("1.0.1", "1.0.0.1") > 0);
    /* Formatting keeps the trailing zeros that compare away. */
    CANON("1.0.0", "1.0.0");
    CANON("0.0", "0.0");
}

static void test_huge_numbers(void **state)
{
    (void)state;
    CANON("000018446744073709551616.0", "18446744073709551616.0");
    CANON("1.0+123456789012345678901234567890", "1.0+123456789012345678901234567890");
    CANON("99999999999999999999999!1.0.post99999999999999999999999",
          "99999999999999999999999!1.0.post99999999999999999999999");
    assert_true(cmp("18446744073709551615", "18446744073709551616") < 0);
    assert_true(cmp("99999999999999999999", "100000000000000000000") < 0);
    assert_true(cmp("1.0+18446744073709551616", "1.0+18446744073709551615") > 0);
}

static void test_properties(void **state)
{
    (void)state;
    static const struct { const char *s; bool pre, post, dev, local; } cases[] = {
        {"1.0", false, false, false, false},
        {"1.0a1", true, false, false, false},
        {"1.0.dev1", true, false, true, false},
        {"1.0.post1", false, true, false, false},
        {"1.0.post1.dev1", true, true, true, false},
        {"1.0+x", false, false, false, true},
        {"1.0rc1.post2+3", true, true, false, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        version v;
        airlock_error err;
        assert_int_equal(version_parse(&v, cases[i].s, strlen(cases[i].s), &err), 0);
        assert_int_equal(version_is_prerelease(&v), cases[i].pre);
        assert_int_equal(version_is_postrelease(&v), cases[i].post);
        assert_int_equal(version_is_devrelease(&v), cases[i].dev);
        assert_int_equal(version_has_local(&v), cases[i].local);
        version_clear(&v);
    }
}

static void test_public_base_copy(void **state)
{
    (void)state;
    const char *s = "2!1.0.0rc1.post2.dev3+ubuntu.1.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s";
    version v, pub, base, copy;
    airlock_error err;
    char out[256];
    assert_int_equal(version_parse(&v, s, strlen(s), &err), 0);
    version_public(&pub, &v);
    version_format(&pub, out, sizeof out);
    assert_string_equal(out, "2!1.0.0rc1.post2.dev3");
    assert_false(version_has_local(&pub));
    assert_true(version_is_prerelease(&pub));
    version_base(&base, &v);
    version_format(&base, out, sizeof out);
    assert_string_equal(out, "2!1.0.0");
    assert_false(version_is_prerelease(&base));
    version_copy(&copy, &v); /* long key: on the heap */
    assert_int_equal(version_compare(&copy, &v), 0);
    version_clear(&v);
    version_format(&copy, out, sizeof out);
    assert_string_equal(out, s);
    version_base(&copy, &copy); /* in place */
    assert_int_equal(version_compare(&copy, &base), 0);
    version_clear(&copy);
    version_clear(&pub);
    version_clear(&base);
}

static void test_format_truncates_like_snprintf(void **state)
{
    (void)state;
    version v;
    airlock_error err;
    assert_int_equal(version_parse(&v, "1.0.post1", 9, &err), 0);
    char out[5] = "xxxx";
    assert_int_equal(version_format(&v, out, sizeof out), 9);
    assert_string_equal(out, "1.0.");
    assert_int_equal(version_format(&v, out, 0), 9);
    version_clear(&v);
}

static void roundtrip(const char *s)
{
    version v, w;
    airlock_error err;
    uint8_t key[4096];
    assert_int_equal(version_parse(&v, s, strlen(s), &err), 0);
    size_t n = version_key(&v, key, sizeof key);
    assert_true(n <= sizeof key);
    assert_int_equal(version_key(&v, key, 1), n); /* too small: length only */
    if (version_from_key(&w, key, n, &err) != 0)
        fail_msg("%s: %s", s, err.msg);
    assert_int_equal(version_compare(&v, &w), 0);
    uint8_t key2[4096];
    assert_int_equal(version_key(&w, key2, sizeof key2), n);
    assert_memory_equal(key, key2, n);
    version_clear(&v);
    version_clear(&w);
}

static void test_key_roundtrip(void **state)
{
    (void)state;
    static const char *vs[] = {
        "0", "1", "1.0", "1.2.3", "1!0", "1.0a1", "1.0b2.post3", "1.0.dev0", "1.0rc1.dev1",
        "1.0.post1.dev2", "1.0+abc.5.x", "99999999999999999999999.1+99999999999999999999999",
        "1.0+a1b2", "3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",
    };
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        roundtrip(vs[i]);
    /* Decoding drops trailing zero segments, keeping one. */
    version v, w;
    airlock_error err;
    uint8_t key[64];
    char out[64];
    assert_int_equal(version_parse(&v, "0.0.0", 5, &err), 0);
    size_t n = version_key(&v, key, sizeof key);
    assert_int_equal(version_from_key(&w, key, n, &err), 0);
    version_format(&w, out, sizeof out);
    assert_string_equal(out, "0");
    version_clear(&v);
    version_clear(&w);
}

static void test_bad_keys(void **state)
{
    (void)state;
    version v;
    airlock_error err;
    uint8_t key[64];
    assert_int_equal(version_parse(&v, "1.2a3.post4.dev5+ab.6", 21, &err), 0);
    size_t n = version_key(&v, key, sizeof key);
    version_clear(&v);
    /* Every truncation and every single-byte change must be either rejected
     * or decode to a valid key that re-encodes to the same bytes. */
    for (size_t len = 0; len < n; len++)
        assert_int_equal(version_from_key(&v, key, len, &err), -1);
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 256; b++) {
            uint8_t k2[64];
            memcpy(k2, key, n);
            k2[i] = (uint8_t)b;
            if (version_from_key(&v, k2, n, &err) == 0) {
                uint8_t k3[64];
                assert_int_equal(version_key(&v, k3, sizeof k3), n);
                assert_memory_equal(k2, k3, n);
                char text[128], again[128];
                version_format(&v, text, sizeof text);
                version w;
                assert_int_equal(version_parse(&w, text, strlen(text), &err), 0);
                version_format(&w, again, sizeof again);
                assert_string_equal(text, again);
                assert_int_equal(version_compare(&v, &w), 0);
                version_clear(&w);
                version_clear(&v);
            }
        }
    /* Non-canonical spellings of the same version. */
    static const struct { size_t n; uint8_t k[12]; } bad[] = {
        {8, {0x00, 0x02, 0x01, 0x01, 0x01, 0x04, 0x00, 0x01}},     /* no local byte */
        {10, {0x00, 0x02, 0x02, 0x00, 0x01, 0x01, 0x04, 0x00, 0x01, 0x00}}, /* 1 with a 0 byte */
        {8, {0x00, 0x02, 0x00, 0x01, 0x04, 0x00, 0x01, 0x00}}, /* trailing zero segment */
        {7, {0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00}},             /* dev without NEGINF */
        {7, {0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x05}},             /* junk local marker */
        {10, {0x00, 0x01, 0x04, 0x00, 0x01, 0x01, 0x02, '1', 0x00, 0x01}}, /* digit string */
        {10, {0x00, 0x01, 0x04, 0x00, 0x01, 0x01, 0x02, 'A', 0x00, 0x01}}, /* upper case */
        {6, {0x09, 0x00, 0x01, '1', 0x01, 0x04}},                  /* small as big */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (version_from_key(&v, bad[i].k, bad[i].n, &err) != -1)
            fail_msg("bad key %zu accepted", i);
    assert_int_equal(version_from_key(&v, NULL, 0, &err), -1);
    /* And the smallest valid key: "0". */
    const uint8_t zero[] = {0x00, 0x01, 0x04, 0x00, 0x01, 0x00};
    assert_int_equal(version_from_key(&v, zero, sizeof zero, &err), 0);
    char out[8];
    version_format(&v, out, sizeof out);
    assert_string_equal(out, "0");
    version_clear(&v);
}

static int by_version(const void *a, const void *b)
{
    return version_compare(a, b);
}

static void test_versions_move_with_memcpy(void **state)
{
    (void)state;
    /* qsort moves the structs: inline keys must not point into them. */
    static const char *vs[] = {"3.0", "1.0+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                               "2.0", "1.0", "0.1"};
    version arr[5];
    airlock_error err;
    for (int i = 0; i < 5; i++)
        assert_int_equal(version_parse(&arr[i], vs[i], strlen(vs[i]), &err), 0);
    qsort(arr, 5, sizeof arr[0], by_version);
    char out[128];
    static const char *want[] = {"0.1", "1.0", "1.0+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                 "2.0", "3.0"};
    for (int i = 0; i < 5; i++) {
        version_format(&arr[i], out, sizeof out);
        assert_string_equal(out, want[i]);
        version_clear(&arr[i]);
    }
}

static void test_strip_space(void **state)
{
    (void)state;
    const char *s = " \t\xc2\xa0x y\xe2\x80\x80\n";
    size_t n = strlen(s);
    version_strip_space(&s, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(s, "x y", 3);
    s = "\xe2\x80";
    n = 2;
    version_strip_space(&s, &n); /* a cut-off sequence is not space */
    assert_int_equal(n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalisation),
        cmocka_unit_test(test_quirks_of_the_regex),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_not_nul_terminated_and_too_long),
        cmocka_unit_test(test_fast_path_matches_full_parser),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_equalities),
        cmocka_unit_test(test_huge_numbers),
        cmocka_unit_test(test_properties),
        cmocka_unit_test(test_public_base_copy),
        cmocka_unit_test(test_format_truncates_like_snprintf),
        cmocka_unit_test(test_key_roundtrip),
        cmocka_unit_test(test_bad_keys),
        cmocka_unit_test(test_versions_move_with_memcpy),
        cmocka_unit_test(test_strip_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
