/* Tests for core/name: PEP 508 validity and PEP 503 normalisation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_normalize_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
