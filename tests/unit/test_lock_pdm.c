/* Tests for scanner/inputs/lock_pdm.c on fixtures in
 * tests/data/lockfiles/pdm/: lock_version 2, 3.1, 4.2, 4.4.1 and 4.5.0,
 * each source kind (index, git, hg, path, editable path, url), groups and
 * sections with dev, the extras entries kept as written, the line of each
 * package, bad entries (warnings, kept skipped) and files refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lock_check.h"

#define PYPI NULL
#define CHECKED NULL

static void expect(const char *rel, const want *w, size_t n, const want_warning *ww, size_t nw)
{
    char path[4096];
    dep_list l = {0};
    warning_log log;
    airlock_error err;
    if (read_fixture(lock_pdm_parse, rel, path, sizeof path, &l, &log, &err) != 0)
        fail_msg("%s: %s", rel, err.msg);
    check_warnings(&log, path, ww, nw);
    check_deps(&l, path, w, n);
    dep_list_free(&l);
}

/* lock 2: `sections`, dev when "default" is not among them; the entry for
 * lunr[languages] is listed again, as written. */
static void test_lock_2(void **state)
{
    (void)state;
    static const want w[] = {
        {1, "appdirs", "1.4.4", "registry", "default", false, PYPI, CHECKED},
        {7, "atomicwrites", "1.4.0", "registry", "test", true, PYPI, CHECKED},
        {14, "lunr", "0.5.8", "registry", "doc", true, PYPI, CHECKED},
        {24, "lunr", "0.5.8", "registry", "doc", true, PYPI, CHECKED},
        {35, "Pygments", "2.9.0", "registry", "doc, default", false, PYPI, CHECKED},
    };
    expect("pdm/lock-2.lock", w, N_OF(w), NULL, 0);
}

/* 3.1: no groups at all; a git source with ref and revision. */
static void test_lock_3_1(void **state)
{
    (void)state;
    static const want w[] = {
        {1, "cachecontrol", "0.12.11", "registry", NULL, false, PYPI, CHECKED},
        {11, "cachecontrol", "0.12.11", "registry", NULL, false, PYPI, CHECKED},
        {22, "toml", "0.10.2", "git", NULL, false, "https://github.com/uiri/toml.git",
         "git source"},
    };
    expect("pdm/lock-3.1.lock", w, N_OF(w), NULL, 0);
}

/* 4.2: a path source and a url source. */
static void test_lock_4_2(void **state)
{
    (void)state;
    static const want w[] = {
        {4, "annotated-types", "0.5.0", "registry", NULL, false, PYPI, CHECKED},
        {13, "pydantic-core", "2.16.2", "path", NULL, false, "../pydantic-core", "path source"},
        {20, "wheel-from-url", "0.1.0", "url", NULL, false,
         "https://example.org/dist/wheel_from_url-0.1.0-py3-none-any.whl", "url source"},
    };
    expect("pdm/lock-4.2.lock", w, N_OF(w), NULL, 0);
}

/* 4.4.1 with inherit_metadata: [metadata] first, per-package `groups`;
 * an editable path (the project itself) and a path with editable = false. */
static void test_lock_4_4(void **state)
{
    (void)state;
    static const want w[] = {
        {10, "pyroute2", "0.7.11", "registry", "default", false, PYPI, CHECKED},
        {22, "pytest", "8.1.1", "registry", "dev", true, PYPI, CHECKED},
        {31, "my-app", "0.1.0", "editable", "default, dev", false, ".", "editable source"},
        {40, "vendored", "1.0", "path", "dev", true, "./vendor/vendored-1.0.tar.gz",
         "path source"},
    };
    expect("pdm/lock-4.4.lock", w, N_OF(w), NULL, 0);
}

/* 4.5.0: [[metadata.targets]]; coverage[toml] listed twice as written; a
 * git source marked editable stays git; a Mercurial source. */
static void test_lock_4_5(void **state)
{
    (void)state;
    static const want w[] = {
        {13, "coverage", "7.14.2", "registry", "dev", true, PYPI, CHECKED},
        {21, "coverage", "7.14.2", "registry", "dev", true, PYPI, CHECKED},
        {34, "httpx", "0.28.1", "registry", "default", false, PYPI, CHECKED},
        {42, "mkdocs-theme", "2.0.0", "git", "docs", true,
         "https://github.com/example/mkdocs-theme.git", "git source"},
        {52, "hg-lib", "0.9", "hg", "dev, docs", true, "https://hg.example.org/hg-lib",
         "hg source"},
    };
    expect("pdm/lock-4.5.lock", w, N_OF(w), NULL, 0);
}

static void test_bad_entries(void **state)
{
    (void)state;
    static const want w[] = {
        {16, "int-version", NULL, "registry", "default", false, PYPI,
         "locked version is not a string"},
        {21, "bad-version", "1.0-final-final", "registry", "default", false, PYPI,
         "locked version is not a PEP 440 version"},
        {26, "groups-table", "2.0", "registry", NULL, false, PYPI, CHECKED},
        {31, "sections-mixed", "2.1", "registry", "test", true, PYPI, CHECKED},
        {36, "git-int", "3.0", "git", "default", false, NULL, "git source"},
        {42, "editable-string", "3.1", "path", "default", false, "../pkg", "path source"},
        {49, "good", "4.0", "registry", "default", false, PYPI, CHECKED},
    };
    static const want_warning ww[] = {
        {7, "no name: left out"},
        {13, "'name' is an array, not a string: left out"},
        {18, "'version' is an integer, not a string"},
        {21, "bad-version"},
        {29, "'groups' is a table, not an array"},
        {34, "element 1 is not a group name"},
        {39, "'git' is an integer, not a string"},
        {46, "'editable' is a string, not a boolean"},
    };
    expect("pdm/bad-entries.lock", w, N_OF(w), ww, N_OF(ww));
}

static void test_newer_minor(void **state)
{
    (void)state;
    static const want w[] = {{6, "six", "1.16.0", "registry", "default", false, PYPI, CHECKED}};
    static const want_warning ww[] = {{3, "lock_version 4.6 is newer than this reader knows"}};
    expect("pdm/newer-minor.lock", w, N_OF(w), ww, N_OF(ww));
}

static void test_no_lock_version(void **state)
{
    (void)state;
    static const want w[] = {{4, "six", "1.16.0", "registry", "default", false, PYPI, CHECKED}};
    static const want_warning ww[] = {{1, "no [metadata] lock_version"}};
    expect("pdm/no-lock-version.lock", w, N_OF(w), ww, N_OF(ww));
}

static void test_refused(void **state)
{
    (void)state;
    check_refused(lock_pdm_parse, "pdm/lock-5.0.lock", 3,
                  "invalid lock_version '5.0': pdm.lock format not known");
    check_refused(lock_pdm_parse, "pdm/lock-version-bad.lock", 2,
                  "invalid lock_version '4.x': pdm.lock format not known");
    check_refused(lock_pdm_parse, "pdm/not-a-lockfile.lock", 1,
                  "not a pdm.lock: no [[package]] array and no [metadata] table");
    check_refused(lock_pdm_parse, "pdm/invalid-toml.lock", 6, "");
}

/* lockfile_read() dispatches to this reader. */
static void test_lockfile_read(void **state)
{
    (void)state;
    char path[4096];
    fixture_path(path, sizeof path, "pdm/lock-4.5.lock");
    dep_list l = {0};
    warning_log log = {0};
    diag d = {keep_warning, &log, 0};
    airlock_error err;
    assert_int_equal(lockfile_read(path, LOCK_PDM, &l, &d, NULL, NULL, &err), 0);
    assert_int_equal(l.len, 5);
    assert_int_equal(log.n, 0);
    dep_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_2),        cmocka_unit_test(test_lock_3_1),
        cmocka_unit_test(test_lock_4_2),      cmocka_unit_test(test_lock_4_4),
        cmocka_unit_test(test_lock_4_5),      cmocka_unit_test(test_bad_entries),
        cmocka_unit_test(test_newer_minor),   cmocka_unit_test(test_no_lock_version),
        cmocka_unit_test(test_refused),       cmocka_unit_test(test_lockfile_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
