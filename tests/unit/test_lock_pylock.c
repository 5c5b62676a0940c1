/* Tests for scanner/inputs/lock_pylock.c and lock_pylock_marker.c: the
 * fixtures in tests/data/lockfiles/pylock (PEP 751's example among them),
 * one per source kind and rule, and markers read for their groups. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/inputs/lock_pylock_marker.h"
#include "scanner/inputs/lockfile.h"

typedef struct result {
    dep_list deps;
    buf warnings;
    unsigned nwarn;
    int rc;
    airlock_error err;
} result;

static void collect(void *arg, const char *file, unsigned line, const char *msg)
{
    result *r = arg;
    buf_printf(&r->warnings, "%s:%u: %s\n", file ? file : "?", line, msg);
    r->nwarn++;
}

static void read_fixture(const char *name, result *r)
{
    memset(r, 0, sizeof *r);
    diag d = {collect, r, 0};
    const char *dir = getenv("AIRLOCK_TEST_DATA");
    buf path = {0};
    buf_printf(&path, "%s/lockfiles/pylock/%s", dir ? dir : "tests/data", name);
    r->rc = lockfile_read(path.data, LOCK_PYLOCK, &r->deps, &d, NULL, NULL, &r->err);
    assert_int_equal(d.warnings, r->nwarn);
    buf_free(&path);
}

static void result_free(result *r)
{
    dep_list_free(&r->deps);
    buf_free(&r->warnings);
}

static const dependency *expect(const result *r, size_t i, const char *name, const char *want_version,
                                const char *kind, bool checked, unsigned line)
{
    if (i >= r->deps.len)
        fail_msg("only %zu dependencies, want #%zu (%s)", r->deps.len, i, name);
    const dependency *d = &r->deps.items[i];
    assert_string_equal(d->name, name);
    if (want_version == NULL)
        assert_null(d->version_text);
    else
        assert_string_equal(d->version_text, want_version);
    assert_string_equal(d->source_kind, kind);
    if (checked && d->skip_reason != NULL)
        fail_msg("%s skipped: %s", name, d->skip_reason);
    if (!checked)
        assert_non_null(d->skip_reason);
    if (checked)
        assert_true(d->has_version);
    assert_int_equal(d->source_line, line);
    return d;
}

static void expect_location(const dependency *d, const char *location)
{
    if (location == NULL)
        assert_null(d->location);
    else
        assert_string_equal(d->location, location);
}

static void expect_warning(const result *r, const char *text)
{
    if (r->warnings.data == NULL || strstr(r->warnings.data, text) == NULL)
        fail_msg("no warning with '%s' in:\n%s", text, r->warnings.data ? r->warnings.data : "");
}

static void expect_error(const char *name, const char *text)
{
    result r;
    read_fixture(name, &r);
    assert_int_equal(r.rc, -1);
    assert_int_equal(r.deps.len, 0);
    if (strstr(r.err.msg, text) == NULL || strstr(r.err.msg, name) == NULL)
        fail_msg("%s: error '%s' does not name the file and say '%s'", name, r.err.msg, text);
    result_free(&r);
}

/* PEP 751's own example, plus a registry entry without a version. */
static void test_pep_example(void **state)
{
    (void)state;
    result r;
    read_fixture("pylock.toml", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.nwarn, 0);
    assert_int_equal(r.deps.len, 4);
    expect_location(expect(&r, 0, "attrs", "25.1.0", "registry", true, 6), NULL);
    expect_location(expect(&r, 1, "cattrs", "24.1.2", "registry", true, 19),
                    "https://pypi.org/simple/");
    expect(&r, 2, "numpy", "2.2.3", "registry", true, 32);
    const dependency *d = expect(&r, 3, "unversioned", NULL, "registry", false, 42);
    assert_string_equal(d->skip_reason, "no version");
    for (size_t i = 0; i < 4; i++) {
        assert_null(r.deps.items[i].group);
        assert_false(r.deps.items[i].dev);
    }
    result_free(&r);
}

static void test_source_kinds(void **state)
{
    (void)state;
    result r;
    read_fixture("pylock.kinds.toml", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.nwarn, 0);
    assert_int_equal(r.deps.len, 8);
    const dependency *d = expect(&r, 0, "uv-dynamic-metadata-test", NULL, "git", false, 4);
    assert_string_equal(d->skip_reason, "git source");
    expect_location(d, "https://github.com/astral-sh/uv-dynamic-metadata-test");
    expect_location(expect(&r, 1, "hgpkg", NULL, "hg", false, 12), "../hgrepo");
    expect_location(expect(&r, 2, "localdir", NULL, "directory", false, 16), "libs/localdir");
    d = expect(&r, 3, "myproject", NULL, "editable", false, 20);
    assert_true(d->editable);
    expect_location(d, ".");
    expect_location(expect(&r, 4, "fromurl", NULL, "url", false, 24),
                    "https://example.com/fromurl-1.0.tar.gz");
    expect_location(expect(&r, 5, "frompath", "2.0", "path", false, 28),
                    "dist/frompath-2.0-py3-none-any.whl");
    /* `editable` on the package, not in `directory` (the Aspire writer):
     * PEP 751 has no such key, so it is a directory. */
    expect_location(expect(&r, 6, "aspire", NULL, "directory", false, 35), "apphost");
    /* An sdist given by path, without an index: still a registry entry. */
    expect(&r, 7, "sdistonly", "0.5", "registry", true, 40);
    result_free(&r);
}

static void test_groups_from_markers(void **state)
{
    (void)state;
    result r;
    read_fixture("pylock.groups.toml", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.nwarn, 0);
    static const struct { const char *name, *group; bool dev; } want[] = {
        {"requests", "default", false},
        {"pytest", "dev", true},
        {"colorama", "dev, test", false},
        {"pysocks", "extra:security", false},
        {"six", NULL, false},
        {"urllib3", NULL, false},
        {"idna", "default, extra:security", false},
        {"pywin32", NULL, false},       /* ... or sys_platform == 'win32' */
        {"tomli", NULL, false},         /* 'dev' not in dependency_groups */
        {"exceptiongroup", NULL, false}, /* unreadable marker */
    };
    assert_int_equal(r.deps.len, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < r.deps.len; i++) {
        const dependency *d = &r.deps.items[i];
        assert_string_equal(d->name, want[i].name);
        assert_true(d->has_version);
        if (want[i].group == NULL && d->group != NULL)
            fail_msg("%s: group '%s', want none", d->name, d->group);
        if (want[i].group != NULL)
            assert_string_equal(d->group ? d->group : "(none)", want[i].group);
        assert_int_equal(d->dev, want[i].dev);
    }
    result_free(&r);
}

static void groups_of(const char *marker, const char *want, bool want_dev)
{
    buf b = {0};
    bool dev = !want_dev;
    pylock_marker_groups(marker, &b, &dev);
    if (strcmp(b.data ? b.data : "", want) != 0 || dev != want_dev)
        fail_msg("marker %s: groups '%s' dev %d, want '%s' dev %d", marker,
                 b.data ? b.data : "", dev, want, want_dev);
    buf_free(&b);
}

static void test_marker_shapes(void **state)
{
    (void)state;
    groups_of("'dev' in dependency_groups", "dev", true);
    groups_of("\"Dev\" in dependency_groups", "Dev", true);
    groups_of("python_version >= '3.8' and 'dev' in dependency_groups", "dev", true);
    groups_of("(('dev' in dependency_groups))", "dev", true);
    groups_of("'dev' in dependency_groups and 'test' in dependency_groups", "dev", true);
    groups_of("('dev' in dependency_groups or 'test' in dependency_groups) and os_name == 'nt'",
              "dev, test", false);
    groups_of("'dev' in dependency_groups or 'dev' in dependency_groups", "dev", true);
    groups_of("'dev' in dependency_groups and python_version < '3' or sys_platform == 'win32'",
              "", false);
    groups_of("'dev' in extras", "extra:dev", false);
    groups_of("'dev' not in dependency_groups", "", false);
    groups_of("dependency_groups in 'dev'", "", false);
    groups_of("'dev' in dependency_groups and", "", false);
    groups_of("'dev' in dependency_groups)", "", false);
    groups_of("'dev in dependency_groups", "", false);
    groups_of("", "", false);
    groups_of("python_version >= '3.8'", "", false);
    groups_of("'dev' in dependency_groups # comment", "", false);
    /* Deeper than MARKER_MAX_DEPTH: refused, not recursed into. */
    buf deep = {0};
    for (int i = 0; i < 200; i++)
        buf_putc(&deep, '(');
    buf_puts(&deep, "'dev' in dependency_groups");
    for (int i = 0; i < 200; i++)
        buf_putc(&deep, ')');
    groups_of(deep.data, "", false);
    buf_free(&deep);
}

static void test_newer_minor_version(void **state)
{
    (void)state;
    result r;
    read_fixture("pylock.minor.toml", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 1);
    expect(&r, 0, "idna", "3.10", "registry", true, 5);
    /* PEP 751: a known major version with an unknown minor one is read,
     * with a warning for each key the reader does not know. */
    assert_int_equal(r.nwarn, 2);
    expect_warning(&r, "pylock.minor.toml:3: pylock.toml: unknown key `attestations-url`");
    expect_warning(&r, "pylock.minor.toml:8: idna: unknown key `provenance`");
    result_free(&r);
}

static void test_bad_entries(void **state)
{
    (void)state;
    result r;
    read_fixture("pylock.bad.toml", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 6);
    expect_warning(&r, "pylock.bad.toml:4: package entry without a name");
    expect(&r, 0, "badver", "not a version", "registry", false, 7);
    expect_warning(&r, "pylock.bad.toml:7: badver:");
    expect(&r, 1, "intver", NULL, "registry", false, 11);
    expect_warning(&r, "pylock.bad.toml:13: intver: `version` must be a string, not integer");
    expect(&r, 2, "conflict", "1.0", "git", false, 15);
    expect_warning(&r, "pylock.bad.toml:15: conflict: more than one of vcs, directory");
    expect(&r, 3, "notype", NULL, "vcs", false, 21);
    expect_warning(&r, "pylock.bad.toml:23: notype: `vcs` without a valid `type`");
    expect(&r, 4, "dirstring", NULL, "registry", false, 25);
    expect_warning(&r, "pylock.bad.toml:27: dirstring: `directory` must be a table, not string");
    expect(&r, 5, "okpkg", "1.0", "registry", true, 29);
    assert_int_equal(r.nwarn, 6);
    result_free(&r);
}

static void test_not_a_pylock(void **state)
{
    (void)state;
    expect_error("pylock.major2.toml", ":1: pylock.toml lock-version 2.0 is not known");
    expect_error("pylock.noversion.toml", ":1: not a pylock.toml: no `lock-version`");
    expect_error("pylock.floatversion.toml", ":1: not a pylock.toml: `lock-version` must be a "
                                             "string, not float");
    expect_error("pylock.nopackages.toml", ":1: not a pylock.toml: no [[packages]] array");
    expect_error("pylock.notarray.toml", ":3: not a pylock.toml: `packages` must be an array");
    expect_error("pylock.nottoml.toml", "pylock.nottoml.toml:2");
}

static void test_lock_versions(void **state)
{
    (void)state;
    static const struct { const char *v; int rc; } cases[] = {
        {"1.0", 0}, {"1.00", 0}, {"1.1", 0}, {"1.10", 0}, {"2.0", -1}, {"0.9", -1},
        {"01.0", -1}, {"1", -1}, {"1.", -1}, {".1", -1}, {"1.0.0", -1}, {"1.0a", -1},
        {"", -1}, {"11.0", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf doc = {0};
        buf_printf(&doc, "lock-version = \"%s\"\ncreated-by = \"t\"\n[[packages]]\nname = \"a\"\n",
                   cases[i].v);
        dep_list l = {0};
        airlock_error err;
        int rc = lock_pylock_parse(doc.data, doc.len, "v.toml", &l, NULL, &err);
        if (rc != cases[i].rc)
            fail_msg("lock-version '%s': %d, want %d (%s)", cases[i].v, rc, cases[i].rc,
                     rc ? err.msg : "");
        assert_int_equal(l.len, rc == 0 ? 1 : 0);
        dep_list_free(&l);
        buf_free(&doc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pep_example),
        cmocka_unit_test(test_source_kinds),
        cmocka_unit_test(test_groups_from_markers),
        cmocka_unit_test(test_marker_shapes),
        cmocka_unit_test(test_newer_minor_version),
        cmocka_unit_test(test_bad_entries),
        cmocka_unit_test(test_not_a_pylock),
        cmocka_unit_test(test_lock_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
