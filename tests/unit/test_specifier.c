/* Tests for core/specifier: one case per rule of packaging 23.0's
 * Specifier/SpecifierSet (answers taken from packaging itself). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/specifier.h"

static const struct {
    const char *set, *version;
    spec_prereleases pre;
    bool in;
} CONTAINS[] = {
    {"~=2.2", "2.3", SPEC_PRERELEASES_DEFAULT, true},
    {"~=2.2", "3.0", SPEC_PRERELEASES_DEFAULT, false},
    {"~=2.2", "2.1", SPEC_PRERELEASES_DEFAULT, false},
    {"~=1.4.5", "1.4.9", SPEC_PRERELEASES_DEFAULT, true},
    {"~=1.4.5", "1.5.0", SPEC_PRERELEASES_DEFAULT, false},
    {"~=1.4.5a4", "1.4.5", SPEC_PRERELEASES_DEFAULT, true},
    {"~=1.4.5a4", "1.4.5a4", SPEC_PRERELEASES_DEFAULT, true},
    {"~=1.4.r1", "1.4.3", SPEC_PRERELEASES_DEFAULT, true},
    {"~=1.4.post1", "1.9", SPEC_PRERELEASES_DEFAULT, true},
    {"==1.1.*", "1.1.post1", SPEC_PRERELEASES_DEFAULT, true},
    {"==1.1.*", "1.10", SPEC_PRERELEASES_DEFAULT, false},
    {"==1.1.*", "1.1a1", SPEC_PRERELEASES_DEFAULT, false},
    {"==1.1.*", "1.1a1", SPEC_PRERELEASES_INCLUDE, true},
    {"!=1.1.*", "1.2", SPEC_PRERELEASES_DEFAULT, true},
    {"!=1.1.*", "1.1.5", SPEC_PRERELEASES_DEFAULT, false},
    {"==1.0", "1.0+local", SPEC_PRERELEASES_DEFAULT, true},
    {"==1.0+local", "1.0", SPEC_PRERELEASES_DEFAULT, false},
    {"==1.0+local", "1.0+LOCAL", SPEC_PRERELEASES_DEFAULT, true},
    {"!=1.0", "1.0+x", SPEC_PRERELEASES_DEFAULT, false},
    {"==1.0.0", "1.0", SPEC_PRERELEASES_DEFAULT, true},
    {"==1!1.0.*", "1!1.0", SPEC_PRERELEASES_DEFAULT, false},
    {"==1!1.*", "1!1.0", SPEC_PRERELEASES_DEFAULT, true},
    {"<1.0", "1.0rc1", SPEC_PRERELEASES_DEFAULT, false},
    {"<1.0", "1.0rc1", SPEC_PRERELEASES_INCLUDE, false},
    {"<1.0rc2", "1.0rc1", SPEC_PRERELEASES_DEFAULT, false},
    {"<1.0", "0.9a1", SPEC_PRERELEASES_INCLUDE, true},
    {">1.0", "1.0.post1", SPEC_PRERELEASES_DEFAULT, false},
    {">1.0.post1", "1.0.post2", SPEC_PRERELEASES_DEFAULT, true},
    {">1.0", "1.0+local", SPEC_PRERELEASES_DEFAULT, false},
    {">1.0", "1.1", SPEC_PRERELEASES_DEFAULT, true},
    {"<=1.0", "1.0+local", SPEC_PRERELEASES_DEFAULT, true},
    {">=1.0", "1.0+local", SPEC_PRERELEASES_DEFAULT, true},
    {">=1.0", "2.0a1", SPEC_PRERELEASES_DEFAULT, false},
    {">=1.0a1", "2.0a1", SPEC_PRERELEASES_DEFAULT, true},
    {">=1.0", "2.0a1", SPEC_PRERELEASES_EXCLUDE, false},
    {"", "1.0a1", SPEC_PRERELEASES_DEFAULT, false},
    {"", "1.0a1", SPEC_PRERELEASES_INCLUDE, true},
    {"", "1.0", SPEC_PRERELEASES_DEFAULT, true},
    {"===1.0", "1.0", SPEC_PRERELEASES_DEFAULT, true},
    {"===1.0", "1.0.0", SPEC_PRERELEASES_DEFAULT, false},
    {"===1.0+LOCAL", "1.0+local", SPEC_PRERELEASES_DEFAULT, true},
    {"===foo", "1.0", SPEC_PRERELEASES_INCLUDE, false},
    {"===foo", "1.0", SPEC_PRERELEASES_DEFAULT, false},  /* raises */
    {">=1.0,<2.0", "1.5", SPEC_PRERELEASES_DEFAULT, true},
    {">=1.0,<2.0", "2.0", SPEC_PRERELEASES_DEFAULT, false},
    {">=1.0,!=1.5", "1.5", SPEC_PRERELEASES_DEFAULT, false},
    {"===1.0,===1.0.0", "1.0", SPEC_PRERELEASES_DEFAULT, true},
    {"<=2.0,>=1.0a1", "1.5b1", SPEC_PRERELEASES_DEFAULT, true},
    {">1.0a1", "1.0a2", SPEC_PRERELEASES_DEFAULT, false},
};

static void test_contains(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof CONTAINS / sizeof CONTAINS[0]; i++) {
        specset *s;
        airlock_error err;
        if (specset_parse(CONTAINS[i].set, strlen(CONTAINS[i].set), &s, &err) != 0)
            fail_msg("%s: %s", CONTAINS[i].set, err.msg);
        version v;
        assert_int_equal(version_parse(&v, CONTAINS[i].version, strlen(CONTAINS[i].version), &err), 0);
        bool in = specset_contains(s, &v, CONTAINS[i].pre);
        if (in != CONTAINS[i].in)
            fail_msg("'%s' contains '%s' (prereleases %d): %d", CONTAINS[i].set,
                     CONTAINS[i].version, (int)CONTAINS[i].pre, in);
        assert_int_equal(specset_contains_text(s, CONTAINS[i].version,
                                               strlen(CONTAINS[i].version), CONTAINS[i].pre), in);
        version_clear(&v);
        specset_free(s);
    }
}

static const struct {
    const char *in, *str; /* str NULL: invalid */
} FORMS[] = {
    {"~=1", NULL},
    {"~=1.0.*", NULL},
    {"<1.0.*", NULL},
    {"<=1.0+local", NULL},
    {"==1.0a1.*", NULL},
    {"==1.0.*+x", NULL},
    {"== v 1.0", NULL},
    {"===1.0;", NULL},
    {">=1.0 <2", NULL},
    {"=>1.0", NULL},
    {"1.0", NULL},
    {"==", NULL},
    {">=1.0,,<2", "<2,>=1.0"},
    {" >= 1.0 , < 2.0 ", "<2.0,>=1.0"},
    {"== 1.0", "==1.0"},
    {"~=1.0", "~=1.0"},
    {"!=2.*", "!=2.*"},
    {"==v1!1.0.*", "==v1!1.0.*"},
    {"===", "==="},
    {"==1.0, ==1.0.0", "==1.0"},
    {">=1.0,>=1.0.0", ">=1.0"},
    {"~=1.0,~=1.0.0", "~=1.0,~=1.0.0"},
};

static void test_parse_and_format(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof FORMS / sizeof FORMS[0]; i++) {
        specset *s = NULL;
        airlock_error err;
        int rc = specset_parse(FORMS[i].in, strlen(FORMS[i].in), &s, &err);
        if (FORMS[i].str == NULL) {
            if (rc == 0)
                fail_msg("'%s' accepted", FORMS[i].in);
            assert_non_null(strstr(err.msg, "invalid specifier"));
            continue;
        }
        if (rc != 0)
            fail_msg("%s: %s", FORMS[i].in, err.msg);
        char out[256];
        size_t n = specset_format(s, out, sizeof out);
        assert_string_equal(out, FORMS[i].str);
        assert_int_equal(n, strlen(FORMS[i].str));
        specset_free(s);
    }
}

static void test_inspection(void **state)
{
    (void)state;
    specset *s;
    airlock_error err;
    const char *text = ">=1.0, ==2.*,<3";
    assert_int_equal(specset_parse(text, strlen(text), &s, &err), 0);
    assert_int_equal(specset_count(s), 3);
    /* In str() order: "<3", "==2.*", ">=1.0". */
    assert_int_equal(specset_op(s, 0), SPEC_LESS);
    assert_string_equal(specset_version_text(s, 0), "3");
    assert_int_equal(specset_op(s, 1), SPEC_EQUAL);
    assert_true(specset_is_wildcard(s, 1));
    assert_string_equal(specset_version_text(s, 1), "2");
    assert_int_equal(specset_op(s, 2), SPEC_GREATER_EQUAL);
    assert_null(specset_exact_pin(s));
    char small[4];
    assert_int_equal(specset_format(s, small, sizeof small), strlen("<3,==2.*,>=1.0"));
    assert_string_equal(small, "<3,");
    specset_free(s);

    static const struct { const char *in, *pin; } pins[] = {
        {"== 1.2.3", "1.2.3"}, {"===foo", "foo"}, {"==1.*", NULL}, {"==1,==1.0", "1"},
        {"==1,<2", NULL}, {"", NULL}, {">=1", NULL},
    };
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        assert_int_equal(specset_parse(pins[i].in, strlen(pins[i].in), &s, &err), 0);
        const char *pin = specset_exact_pin(s);
        if (pins[i].pin == NULL)
            assert_null(pin);
        else
            assert_string_equal(pin, pins[i].pin);
        specset_free(s);
    }
}

static void test_bad_input(void **state)
{
    (void)state;
    specset *s = NULL;
    airlock_error err;
    /* Not NUL-terminated: only the first 5 bytes count. */
    char *heap = malloc(5);
    memcpy(heap, ">=1.0", 5);
    assert_int_equal(specset_parse(heap, 5, &s, &err), 0);
    free(heap);
    specset_free(s);
    assert_int_equal(specset_parse(">=1.0;", 5, &s, &err), 0);
    specset_free(s);
    assert_int_equal(specset_parse(">=1.0\x00", 6, &s, &err), -1);
    assert_int_equal(specset_parse("==1.0 .*", 8, &s, &err), -1);
    assert_int_equal(specset_parse("===a b", 6, &s, &err), -1);
    assert_int_equal(specset_parse("=== a", 5, &s, &err), 0);
    specset_free(s);
    /* A version that does not parse matches nothing (packaging raises). */
    assert_int_equal(specset_parse("===foo", 6, &s, &err), 0);
    assert_false(specset_contains_text(s, "foo", 3, SPEC_PRERELEASES_INCLUDE));
    specset_free(s);
    /* Many specifiers; duplicates collapse as in a Python set. */
    size_t n = 2000 * 6;
    char *many = malloc(n);
    for (size_t i = 0; i < 2000; i++)
        memcpy(many + 6 * i, ">=1.0,", 6);
    assert_int_equal(specset_parse(many, n, &s, &err), 0); /* duplicates collapse */
    assert_int_equal(specset_count(s), 1);
    specset_free(s);
    for (size_t i = 0; i < 2000; i++)
        many[6 * i + 2] = (char)('0' + i % 10), many[6 * i + 4] = (char)('0' + i / 10 % 10);
    assert_int_equal(specset_parse(many, n, &s, &err), 0);
    assert_int_equal(specset_count(s), 100);
    specset_free(s);
    free(many);
    char *huge = calloc(1, 70000);
    assert_int_equal(specset_parse(huge, 70000, &s, &err), -1);
    assert_non_null(strstr(err.msg, "longer than"));
    free(huge);
    /* An overlong version. */
    char *longv = malloc(VERSION_MAX_TEXT + 8);
    memcpy(longv, ">=", 2);
    memset(longv + 2, '1', VERSION_MAX_TEXT + 1);
    assert_int_equal(specset_parse(longv, VERSION_MAX_TEXT + 3, &s, &err), -1);
    assert_non_null(strstr(err.msg, "too long"));
    free(longv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_parse_and_format),
        cmocka_unit_test(test_inspection),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
