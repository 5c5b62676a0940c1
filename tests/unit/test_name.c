/* Tests for core/name: PEP 508 validity and PEP 503 normalisation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/name.h"

static void test_valid(void **state)
{
    (void)state;
    static const char *good[] = {"a", "A", "0", "requests", "Django", "zope.interface",
                                 "ruamel.yaml.clib", "typing_extensions", "a-b", "a__b",
                                 "a-_.b", "9x", "x9"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(name_is_valid(good[i], strlen(good[i])));
    static const char *bad[] = {"", "-a", "a-", ".a", "a.", "_", "a b", "a/b", "a+b",
                                "caf\xc3\xa9", "a\n", "a!", "a@1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (name_is_valid(bad[i], strlen(bad[i])))
            fail_msg("'%s' accepted", bad[i]);
    /* Only `len` bytes count. */
    assert_true(name_is_valid("ab-", 2));
    assert_false(name_is_valid("ab-", 3));
    assert_false(name_is_valid(NULL, 0));
}

static void norm(const char *in, const char *want)
{
    char out[NAME_MAX_LEN + 1];
    airlock_error err;
    int n = name_normalize(in, strlen(in), out, sizeof out, &err);
    if (n < 0)
        fail_msg("%s: %s", in, err.msg);
    assert_string_equal(out, want);
    assert_int_equal((size_t)n, strlen(want));
}

static void test_normalize(void **state)
{
    (void)state;
    norm("Django", "django");
    norm("zope.interface", "zope-interface");
    norm("Typing_Extensions", "typing-extensions");
    norm("A-_.-B", "a-b");
    norm("a__b..c--d", "a-b-c-d");
    norm("X", "x");
}

static void test_normalize_errors(void **state)
{
    (void)state;
    char out[8];
    airlock_error err;
    assert_int_equal(name_normalize("-bad", 4, out, sizeof out, &err), -1);
    assert_non_null(strstr(err.msg, "invalid project name '-bad'"));
    assert_int_equal(name_normalize("abcdefgh", 8, out, sizeof out, &err), -1); /* no room */
    assert_int_equal(name_normalize("abcdefg", 7, out, sizeof out, &err), 7);
    assert_string_equal(out, "abcdefg");
    assert_int_equal(name_normalize("a", 1, out, 0, &err), -1);
    char *longname = malloc(NAME_MAX_LEN + 1);
    memset(longname, 'a', NAME_MAX_LEN + 1);
    assert_false(name_is_valid(longname, NAME_MAX_LEN + 1));
    assert_true(name_is_valid(longname, NAME_MAX_LEN));
    assert_int_equal(name_normalize(longname, NAME_MAX_LEN + 1, out, sizeof out, &err), -1);
    assert_non_null(strstr(err.msg, "longer than"));
    free(longname);
}

/* name_normalize() against its definition: valid (name_is_valid) names
 * give name_canonicalize()'s text when it fits in `cap`, anything else -1.
 * Over random names of the bytes names hold and some they do not, at every
 * length around the sixteen-byte blocks the SSE2 path takes, with room to
 * spare, just enough and too little. */
static void check_normalize(const char *in, size_t len, size_t cap)
{
    char out[NAME_MAX_LEN + 64];
    airlock_error err = {{0}};
    int n = name_normalize(in, len, out, cap, &err);
    if (!name_is_valid(in, len)) {
        if (n != -1)
            fail_msg("'%.*s' (%zu bytes) accepted", (int)len, in, len);
        return;
    }
    char *want = name_canonicalize(in, len);
    size_t wl = strlen(want);
    if (wl + 1 > cap) {
        if (n != -1)
            fail_msg("'%.*s' fit in %zu bytes", (int)len, in, cap);
    } else if (n < 0 || (size_t)n != wl || memcmp(out, want, wl + 1) != 0) {
        fail_msg("'%.*s' (cap %zu): %d '%s', want '%s'", (int)len, in, cap, n,
                 n < 0 ? err.msg : out, want);
    }
    free(want);
}

static void test_normalize_random(void **state)
{
    (void)state;
    static const char common[] = "abcxyzABCXYZ0189---";
    static const char rare[] = "abcxyzABCXYZ0189---_.@[`{/: \x80\xff\x01";
    uint64_t seed = 0x853c49e6748fea9bu;
    char in[NAME_MAX_LEN + 8];
    for (int round = 0; round < 200000; round++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        size_t len = round % 4 == 0 ? seed % (NAME_MAX_LEN + 3) : seed % 40;
        bool plain = round % 2 == 0;
        uint64_t r = seed;
        for (size_t i = 0; i < len; i++) {
            r = r * 6364136223846793005u + 1442695040888963407u;
            in[i] = plain ? common[(r >> 33) % (sizeof common - 1)]
                          : rare[(r >> 33) % (sizeof rare - 1)];
        }
        size_t caps[] = {len + 1, len, len > 2 ? len - 2 : 0, NAME_MAX_LEN + 64};
        for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++)
            check_normalize(in, len, caps[c]);
    }
    /* A '-' on either side of a block boundary, and doubled across it. */
    static const char *edges[] = {"abcdefghijklmno-p", "abcdefghijklmnop-q", "abcdefghijklmno--p",
                                  "abcdefghijklmnop--q", "abcdefghijklmnopqrstuvwxyzABCDE-",
                                  "-bcdefghijklmnopqrstuvwxyzABCDEF", "A-B-C-D-E-F-G-H-I-J"};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        check_normalize(edges[i], strlen(edges[i]), NAME_MAX_LEN + 1);
    check_normalize(NULL, 0, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_normalize_errors),
        cmocka_unit_test(test_normalize_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
