/* Tests for scanner/inputs/lock_poetry.c on fixtures in
 * tests/data/lockfiles/poetry/: each layout Poetry has written (<= 0.12,
 * 1.0, 1.1, 2.0, 2.1), each source kind, groups and dev, the line of each
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
    if (read_fixture(lock_poetry_parse, rel, path, sizeof path, &l, &log, &err) != 0)
        fail_msg("%s: %s", rel, err.msg);
    check_warnings(&log, path, ww, nw);
    check_deps(&l, path, w, n);
    dep_list_free(&l);
}

/* Poetry <= 0.12: no lock-version, keys sorted (category before name),
 * `marker` singular, [metadata.hashes]. */
static void test_pre_1_0(void **state)
{
    (void)state;
    static const want w[] = {
        {1, "requests", "2.21.0", "registry", "main", false, PYPI, CHECKED},
        {13, "aspy.yaml", "1.1.1", "registry", "dev", true, PYPI, CHECKED},
        {21, "black", "18.9b0", "registry", "dev", true, PYPI, CHECKED},
    };
    expect("poetry/pre-1.0.lock", w, N_OF(w), NULL, 0);
}

/* 1.0: sorted keys, no blank line before [[package]] after a source,
 * url (reference ""), git (reference = commit) and file sources. */
static void test_lock_1_0(void **state)
{
    (void)state;
    static const want w[] = {
        {1, "numpy", "1.24.4", "url", "main", false,
         "https://files.pythonhosted.org/packages/a4/9b/numpy-1.24.4.tar.gz", "url source"},
        {13, "six", "1.16.0", "registry", "dev", true, PYPI, CHECKED},
        {21, "mylib", "0.3.0", "git", "main", false, "https://github.com/example/mylib.git",
         "git source"},
        {34, "Package_A", "23.42", "path", "main", false, "../dist/package-a-23.42.tar.gz",
         "path source"},
    };
    expect("poetry/lock-1.0.lock", w, N_OF(w), NULL, 0);
}

/* 1.1: a legacy index (checked, its URL kept), directories with
 * develop = false (directory) and develop = true (editable). */
static void test_lock_1_1(void **state)
{
    (void)state;
    static const want w[] = {
        {1, "appdirs", "1.4.4", "registry", "main", false, "https://piwheels.org/simple",
         CHECKED},
        {14, "authorizenet", "1.1.5", "directory", "main", false, "vendored/authorizenet",
         "directory source"},
        {30, "my-tool", "0.1.0", "editable", "dev", true, "../my-tool", "editable source"},
        {43, "pytest", "7.2.0", "registry", "dev", true, PYPI, CHECKED},
    };
    expect("poetry/lock-1.1.lock", w, N_OF(w), NULL, 0);
}

/* 2.0: `files` in each package; early files keep `category`, later ones
 * have no group at all. One name at two versions is two dependencies. */
static void test_lock_2_0(void **state)
{
    (void)state;
    static const want w[] = {
        {3, "aiohttp", "3.8.4", "registry", "main", false, PYPI, CHECKED},
        {14, "numpy", "1.24.4", "registry", NULL, false, PYPI, CHECKED},
        {22, "numpy", "1.26.4", "registry", NULL, false, PYPI, CHECKED},
        {30, "torch", "2.1.0+cu118", "registry", NULL, false,
         "https://download.pytorch.org/whl/cu118", CHECKED},
        {43, "ffmpy", "0.3.2", "git", NULL, false, "https://github.com/EuDs63/ffmpy.git",
         "git source"},
    };
    expect("poetry/lock-2.0.lock", w, N_OF(w), NULL, 0);
}

/* 2.1: `groups` joined with ", ", dev only when "main" is not among them;
 * `markers` a string or a table keyed by group (not read). */
static void test_lock_2_1(void **state)
{
    (void)state;
    static const want w[] = {
        {3, "anyio", "4.13.0", "registry", "main", false, PYPI, CHECKED},
        {18, "cffi", "1.17.1", "registry", "main, dev", false, PYPI, CHECKED},
        {28, "mkdocs", "1.6.1", "registry", "dev, docs", true, PYPI, CHECKED},
        {38, "zipp", "3.21.0", "registry", "linting", true, PYPI, CHECKED},
        {47, "polylith-cli", "1.0.0", "editable", "dev", true, "components/polylith",
         "editable source"},
        {61, "private-lib", "2.0.1", "git", "main", false,
         "https://git.example.org/team/private-lib.git", "git source"},
    };
    expect("poetry/lock-2.1.lock", w, N_OF(w), NULL, 0);
}

/* Bad entries: a warning at the line of the bad value; kept, skipped,
 * when the entry has a name; the good entry after them still read. */
static void test_bad_entries(void **state)
{
    (void)state;
    static const want w[] = {
        {11, "float-version", NULL, "registry", "main", false, PYPI,
         "locked version is not a string"},
        {16, "bad-version", "not a version", "registry", "main", false, PYPI,
         "locked version is not a PEP 440 version"},
        {21, "foo bar", "1.0", "registry", "main", false, PYPI, "not a valid project name"},
        {26, "groups-string", "2.0", "registry", NULL, false, PYPI, CHECKED},
        {31, "groups-mixed", "2.1", "registry", "dev", true, PYPI, CHECKED},
        {36, "source-string", "3.0", "unknown", "main", false, NULL, "unknown source"},
        {42, "source-mercurial", "3.1", "unknown", "main", false, "https://hg.example.org/repo",
         "unknown source"},
        {51, "develop-string", "3.2", "directory", "main", false, "../develop-string",
         "directory source"},
        {61, "source-no-type", "3.3", "registry", "main", false, "https://example.org/simple",
         CHECKED},
        {69, "category-int", "3.4", "registry", NULL, false, PYPI, CHECKED},
        {74, "good", "4.0", "registry", "main", false, PYPI, CHECKED},
    };
    static const want_warning ww[] = {
        {1, "no name: left out"},
        {7, "'name' is an integer, not a string: left out"},
        {13, "'version' is a float, not a string"},
        {16, "bad-version"},
        {22, "not a valid project name"},
        {29, "'groups' is a string, not an array"},
        {34, "element 1 is not a group name"},
        {40, "'source' is a string, not a table"},
        {47, "source type 'mercurial' not known"},
        {55, "'develop' is a string, not a boolean"},
        {66, "has no type: read as an index"},
        {72, "'category' is an integer, not a string"},
    };
    expect("poetry/bad-entries.lock", w, N_OF(w), ww, N_OF(ww));
}

/* The package array written inline: an element that is not a table is a
 * warning at its line; the table after it is read at its own line. */
static void test_inline_array(void **state)
{
    (void)state;
    static const want w[] = {{3, "six", "1.16.0", "registry", "main", false, PYPI, CHECKED}};
    static const want_warning ww[] = {{2, "entry 1 is a string, not a table"}};
    expect("poetry/inline-array.lock", w, N_OF(w), ww, N_OF(ww));
}

/* A newer minor of a known major: a warning, then read. */
static void test_newer_minor(void **state)
{
    (void)state;
    static const want w[] = {{1, "six", "1.16.0", "registry", "main", false, PYPI, CHECKED}};
    static const want_warning ww[] = {{7, "lock-version 2.9 is newer than this reader knows"}};
    expect("poetry/newer-minor.lock", w, N_OF(w), ww, N_OF(ww));
}

/* No [metadata] at all (a test fixture, a file cut short): a warning. */
static void test_no_metadata(void **state)
{
    (void)state;
    static const want w[] = {{1, "appdirs", "1.4.4", "registry", "main", false,
                              "https://piwheels.org/simple", CHECKED}};
    static const want_warning ww[] = {{1, "no [metadata] table"}};
    expect("poetry/no-metadata.lock", w, N_OF(w), ww, N_OF(ww));
}

/* A project without dependencies: nothing, no warning. */
static void test_empty_project(void **state)
{
    (void)state;
    expect("poetry/empty-project.lock", NULL, 0, NULL, 0);
}

static void test_refused(void **state)
{
    (void)state;
    check_refused(lock_poetry_parse, "poetry/lock-3.0.lock", 7,
                  "invalid lock-version '3.0': poetry.lock format not known");
    check_refused(lock_poetry_parse, "poetry/lock-version-int.lock", 6,
                  "lock-version is an integer, not a string");
    check_refused(lock_poetry_parse, "poetry/not-a-lockfile.lock", 1,
                  "not a poetry.lock: no [[package]] array and no [metadata] table");
    check_refused(lock_poetry_parse, "poetry/package-not-array.lock", 3,
                  "'package' is a table, not an array of tables");
    check_refused(lock_poetry_parse, "poetry/invalid-toml.lock", 3, "");
}

static void on_file(void *arg, const char *path, const char *data, size_t len)
{
    (void)path;
    (void)data;
    *(size_t *)arg = len;
}

/* lockfile_read() dispatches to this reader and reports the bytes read. */
static void test_lockfile_read(void **state)
{
    (void)state;
    char path[4096];
    fixture_path(path, sizeof path, "poetry/lock-2.1.lock");
    dep_list l = {0};
    warning_log log = {0};
    diag d = {keep_warning, &log, 0};
    airlock_error err;
    size_t seen = 0;
    assert_int_equal(lockfile_read(path, LOCK_POETRY, &l, &d, on_file, &seen, &err), 0);
    assert_int_equal(l.len, 6);
    assert_int_equal(log.n, 0);
    assert_true(seen > 1000);
    dep_list_free(&l);

    /* A refused file through lockfile_read: the message names the file. */
    fixture_path(path, sizeof path, "poetry/lock-3.0.lock");
    assert_int_equal(lockfile_read(path, LOCK_POETRY, &l, &d, NULL, NULL, &err), -1);
    assert_int_equal(l.len, 0);
    assert_non_null(strstr(err.msg, path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pre_1_0),       cmocka_unit_test(test_lock_1_0),
        cmocka_unit_test(test_lock_1_1),      cmocka_unit_test(test_lock_2_0),
        cmocka_unit_test(test_lock_2_1),      cmocka_unit_test(test_bad_entries),
        cmocka_unit_test(test_inline_array),  cmocka_unit_test(test_newer_minor),
        cmocka_unit_test(test_no_metadata),   cmocka_unit_test(test_empty_project),
        cmocka_unit_test(test_refused),       cmocka_unit_test(test_lockfile_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
