/* Tests for scanner/inputs/purl.c: the purl specification's parse steps
 * (its pypi test cases among them) and the edge cases an SBOM brings:
 * escaped '/', '@' and '+', case, qualifiers, subpaths, no version, bad
 * escapes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/name.h"
#include "scanner/inputs/purl.h"

typedef struct purl_case {
    const char *text;
    int rc;              /* purl_parse()'s */
    const char *type;    /* NULL: none made out */
    const char *ns;
    const char *name;
    const char *version;
    int pypi_rc;         /* purl_check_pypi()'s, when rc == 0 and type is pypi */
} purl_case;

static const purl_case cases[] = {
    /* the specification's pypi examples */
    {"pkg:pypi/django@1.11.1", 0, "pypi", NULL, "django", "1.11.1", 0},
    {"pkg:pypi/django@1.11.1?filename=Django-1.11.1.tar.gz", 0, "pypi", NULL, "django", "1.11.1", 0},
    {"pkg:pypi/django-allauth@12.23", 0, "pypi", NULL, "django-allauth", "12.23", 0},
    {"pkg:pypi/My.PyPI_.--._Package@1.11.1.dev1", 0, "pypi", NULL, "My.PyPI_.--._Package",
     "1.11.1.dev1", 0},
    /* scheme and type case, leading slashes */
    {"pkg:PyPI/Flask@2.0.1", 0, "pypi", NULL, "Flask", "2.0.1", 0},
    {"PKG:PYPI/flask@2.0.1", 0, "pypi", NULL, "flask", "2.0.1", 0},
    {"pkg://pypi/flask@2.0.1", 0, "pypi", NULL, "flask", "2.0.1", 0},
    /* qualifiers and subpath ignored, even when they hold '@' or '/' */
    {"pkg:pypi/sqlparse@0.4.4#sqlparse/engine", 0, "pypi", NULL, "sqlparse", "0.4.4", 0},
    {"pkg:pypi/uvloop@0.19.0?vcs_url=git%2Bhttps://git@github.com/x/y.git#sub/dir", 0, "pypi",
     NULL, "uvloop", "0.19.0", 0},
    {"pkg:pypi/x?a=b", 0, "pypi", NULL, "x", NULL, 0},
    /* '+' of a local version: escaped or not */
    {"pkg:pypi/torch@2.1.0%2Bcu118", 0, "pypi", NULL, "torch", "2.1.0+cu118", 0},
    {"pkg:pypi/torch@2.1.0%2bcu118", 0, "pypi", NULL, "torch", "2.1.0+cu118", 0},
    {"pkg:pypi/torch@2.1.0+cu118", 0, "pypi", NULL, "torch", "2.1.0+cu118", 0},
    /* no version; a trailing '/' */
    {"pkg:pypi/internal-tool", 0, "pypi", NULL, "internal-tool", NULL, 0},
    {"pkg:pypi/internal-tool/", 0, "pypi", NULL, "internal-tool", NULL, 0},
    /* escaped '/' and '@' stay in the name: not a project name */
    {"pkg:pypi/a%2Fb@1.0", 0, "pypi", NULL, "a/b", "1.0", -1},
    {"pkg:pypi/at%40name@1.0", 0, "pypi", NULL, "at@name", "1.0", -1},
    {"pkg:pypi/at@name@1.0", 0, "pypi", NULL, "at@name", "1.0", -1},
    /* a namespace: allowed by purl, not by the pypi type */
    {"pkg:pypi/acme/scoped@1.0", 0, "pypi", "acme", "scoped", "1.0", -1},
    {"pkg:npm/%40angular/core@12.0.0", 0, "npm", "@angular", "core", "12.0.0", 0},
    {"pkg:maven//org.apache//commons@1.0", 0, "maven", "org.apache", "commons", "1.0", 0},
    /* UTF-8 after decoding */
    {"pkg:generic/caf%C3%A9@1", 0, "generic", NULL, "caf\xc3\xa9", "1", 0},
    /* broken: what was made out is kept */
    {"pkg:pypi/foo@", -1, "pypi", NULL, "foo", NULL, 0},
    {"pkg:pypi/foo@1.0%2", -1, "pypi", NULL, "foo", NULL, 0},
    {"pkg:pypi/foo@1.0%2G", -1, "pypi", NULL, "foo", NULL, 0},
    {"pkg:pypi/foo@1%00", -1, "pypi", NULL, "foo", NULL, 0},
    {"pkg:pypi/foo@%C3", -1, "pypi", NULL, "foo", NULL, 0},
    {"pkg:pypi/fo%zzo@1.0", -1, "pypi", NULL, NULL, "1.0", 0},
    {"pkg:pypi/@1.0", -1, "pypi", NULL, NULL, "1.0", 0},
    {"pkg:pypi", -1, "pypi", NULL, NULL, NULL, 0},
    {"pkg:pypi/", -1, "pypi", NULL, NULL, NULL, 0},
    {"pkg:1pypi/foo@1", -1, NULL, NULL, NULL, NULL, 0},
    {"pkg:py_pi/foo@1", -1, NULL, NULL, NULL, NULL, 0},
    {"pkg:py%70i/foo@1", -1, NULL, NULL, NULL, NULL, 0},
    {"pkg:/foo@1", -1, NULL, NULL, NULL, NULL, 0},
    {"pypi/foo@1.0", -1, NULL, NULL, NULL, NULL, 0},
    {"http://pypi/foo@1.0", -1, NULL, NULL, NULL, NULL, 0},
    {"pk:pypi/foo", -1, NULL, NULL, NULL, NULL, 0},
    {"", -1, NULL, NULL, NULL, NULL, 0},
};

static void expect_str(size_t i, const char *what, const char *got, const char *want)
{
    if (want == NULL ? got != NULL : got == NULL || strcmp(got, want) != 0)
        fail_msg("case %zu (%s): %s is %s, expected %s", i, cases[i].text, what,
                 got ? got : "NULL", want ? want : "NULL");
}

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const purl_case *c = &cases[i];
        purl p;
        airlock_error err = {{0}};
        int rc = purl_parse(c->text, strlen(c->text), &p, &err);
        if (rc != c->rc)
            fail_msg("case %zu (%s): rc %d (%s)", i, c->text, rc, err.msg);
        if (rc != 0 && err.msg[0] == '\0')
            fail_msg("case %zu: no message", i);
        expect_str(i, "type", p.type, c->type);
        expect_str(i, "namespace", p.namespace, c->ns);
        expect_str(i, "name", p.name, c->name);
        expect_str(i, "version", p.version, c->version);
        if (rc == 0 && strcmp(p.type, "pypi") == 0) {
            rc = purl_check_pypi(&p, &err);
            if (rc != c->pypi_rc)
                fail_msg("case %zu (%s): purl_check_pypi %d (%s)", i, c->text, rc, err.msg);
        }
        purl_clear(&p);
        assert_null(p.name);
    }
}

/* purl's pypi normalisation is PEP 503's (the specification's own case). */
static void test_pypi_normalisation(void **state)
{
    (void)state;
    const char *t = "pkg:pypi/My.PyPI_.--._Package@1.11.1.dev1";
    purl p;
    airlock_error err;
    assert_int_equal(purl_parse(t, strlen(t), &p, &err), 0);
    char *n = name_canonicalize(p.name, strlen(p.name));
    assert_string_equal(n, "my-pypi-package");
    free(n);
    purl_clear(&p);
}

/* The length bounds the parse: a NUL inside it is an error, bytes past it
 * are not read. */
static void test_length(void **state)
{
    (void)state;
    purl p;
    airlock_error err;
    const char with_nul[] = "pkg:pypi/foo\0bar@1.0";
    assert_int_equal(purl_parse(with_nul, sizeof with_nul - 1, &p, &err), -1);
    assert_null(p.name);
    purl_clear(&p);
    const char *t = "pkg:pypi/foo@1.0XXXX";
    char *copy = malloc(16);
    memcpy(copy, t, 16);
    assert_int_equal(purl_parse(copy, 16, &p, &err), 0);
    assert_string_equal(p.version, "1.0");
    purl_clear(&p);
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_pypi_normalisation),
        cmocka_unit_test(test_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
