/* Tests for scanner/pep508: requirements as packaging 23.0's Requirement(). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/inputs/pep508.h"

static pep508_req parse_ok(const char *text)
{
    pep508_req r;
    airlock_error err;
    if (pep508_parse(text, strlen(text), &r, &err) < 0)
        fail_msg("'%s' did not parse: %s", text, err.msg);
    return r;
}

static char *spec_of(const pep508_req *r)
{
    size_t n = specset_format(r->spec, NULL, 0);
    char *s = malloc(n + 1);
    specset_format(r->spec, s, n + 1);
    return s;
}

static void test_name_and_specifiers(void **state)
{
    (void)state;
    pep508_req r = parse_ok("requests==2.31.0");
    assert_string_equal(r.name, "requests");
    assert_string_equal(r.spec_text, "==2.31.0");
    assert_string_equal(specset_exact_pin(r.spec), "2.31.0");
    assert_null(r.url);
    assert_null(r.marker);
    assert_int_equal(r.n_extras, 0);
    pep508_clear(&r);

    r = parse_ok("  Django  ==  3.2.1 ");
    assert_string_equal(r.name, "Django");
    assert_string_equal(specset_exact_pin(r.spec), "3.2.1");
    pep508_clear(&r);

    r = parse_ok("urllib3>=1.26 , <2");
    assert_string_equal(r.spec_text, ">=1.26,<2");
    assert_int_equal(specset_count(r.spec), 2);
    assert_null(specset_exact_pin(r.spec));
    pep508_clear(&r);

    r = parse_ok("packaging (==23.0)");
    assert_string_equal(r.spec_text, "==23.0");
    pep508_clear(&r);

    r = parse_ok("flask");
    assert_string_equal(r.spec_text, "");
    assert_int_equal(specset_count(r.spec), 0);
    pep508_clear(&r);

    r = parse_ok("zope.interface===5.4.0");
    assert_string_equal(r.name, "zope.interface");
    assert_string_equal(specset_exact_pin(r.spec), "5.4.0");
    pep508_clear(&r);

    r = parse_ok("six==1.*");
    assert_null(specset_exact_pin(r.spec));
    char *s = spec_of(&r);
    assert_string_equal(s, "==1.*");
    free(s);
    pep508_clear(&r);
}

static void test_extras(void **state)
{
    (void)state;
    pep508_req r = parse_ok("attrs[ tests , docs ]>=22");
    assert_int_equal(r.n_extras, 2);
    assert_string_equal(r.extras[0], "tests");
    assert_string_equal(r.extras[1], "docs");
    assert_string_equal(r.spec_text, ">=22");
    pep508_clear(&r);
    r = parse_ok("name[]");
    assert_int_equal(r.n_extras, 0);
    pep508_clear(&r);
}

static void test_url_and_markers(void **state)
{
    (void)state;
    pep508_req r = parse_ok("pip @ https://github.com/pypa/pip/archive/22.0.2.zip");
    assert_string_equal(r.url, "https://github.com/pypa/pip/archive/22.0.2.zip");
    assert_string_equal(r.spec_text, "");
    pep508_clear(&r);

    r = parse_ok("pkg[x] @ file:///tmp/pkg ; python_version >= '3.8'");
    assert_string_equal(r.url, "file:///tmp/pkg");
    assert_non_null(r.marker);
    pep508_clear(&r);

    r = parse_ok("name>=1.0;os_name=='posix'");
    assert_non_null(r.marker);
    buf b = {0};
    marker_format(r.marker, &b);
    assert_string_equal(b.data, "os_name == \"posix\"");
    buf_free(&b);
    pep508_clear(&r);

    r = parse_ok("name ; extra == 'Foo_Bar'");
    b = (buf){0};
    marker_format(r.marker, &b);
    assert_string_equal(b.data, "extra == \"foo-bar\"");
    buf_free(&b);
    pep508_clear(&r);
}

static void test_bad_input(void **state)
{
    (void)state;
    const char *bad[] = {
        "", "   ", "=bad==1.0", "-name", "name[", "name[a b]", "name[a,]",
        "name @", "name @ not-a-url", "name @ file:/x", "name @ FILE:///x",
        "name @ https:///nohost", "name==1.0 junk", "name;", "name; os_name",
        "name==", "name>=1.0,", "name>=1.0,,<2", "name (==1.0", "name==1.0.x", "name ~= 1",
        "name==1.0 ; os_name == 'a' junk", "this is not a requirement",
        "na#me==1", "name-==1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        pep508_req r;
        airlock_error err;
        err.msg[0] = '\0';
        if (pep508_parse(bad[i], strlen(bad[i]), &r, &err) == 0)
            fail_msg("parsed: '%s'", bad[i]);
        assert_true(err.msg[0] != '\0');
        assert_null(r.name);
        assert_null(r.spec);
    }
    char with_nul[] = "name==1.0\0junk";
    pep508_req r;
    airlock_error err;
    assert_int_equal(pep508_parse(with_nul, sizeof with_nul - 1, &r, &err), -1);
    buf b = {0};
    buf_puts(&b, "name");
    while (b.len <= PEP508_MAX_TEXT)
        buf_puts(&b, " ");
    assert_int_equal(pep508_parse(b.data, b.len, &r, &err), -1);
    buf_free(&b);
    /* idempotent clear */
    pep508_clear(&r);
    pep508_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_and_specifiers),
        cmocka_unit_test(test_extras),
        cmocka_unit_test(test_url_and_markers),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
