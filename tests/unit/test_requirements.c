/* Tests for scanner/requirements: the fixtures in tests/data/requirements,
 * one per input kind and rule, read for CPython 3.11 on Linux. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "scanner/inputs/requirements.h"

typedef struct warnings {
    buf text;
    unsigned n;
} warnings;

static void collect(void *arg, const char *file, unsigned line, const char *msg)
{
    warnings *w = arg;
    buf_printf(&w->text, "%s:%u: %s\n", file ? file : "?", line, msg);
    w->n++;
}

typedef struct result {
    dep_list deps;
    warnings w;
    int rc;
    airlock_error err;
} result;

static char *fixture(const char *name)
{
    const char *dir = getenv("AIRLOCK_TEST_DATA");
    buf b = {0};
    buf_printf(&b, "%s/requirements/%s", dir ? dir : "tests/data", name);
    return buf_detach(&b, NULL);
}

static void read_fixture(const char *name, const char *py, const char *platform, result *r)
{
    memset(r, 0, sizeof *r);
    marker_env env;
    assert_int_equal(marker_env_for_target(&env, py, platform, &r->err), 0);
    diag d = {collect, &r->w, 0};
    char *path = fixture(name);
    r->rc = requirements_read(path, &env, &r->deps, &d, &r->err);
    assert_int_equal(d.warnings, r->w.n);
    free(path);
    marker_env_clear(&env);
}

static void result_free(result *r)
{
    dep_list_free(&r->deps);
    buf_free(&r->w.text);
}

static const dependency *find(const result *r, const char *name)
{
    for (size_t i = 0; i < r->deps.len; i++)
        if (strcmp(r->deps.items[i].name, name) == 0)
            return &r->deps.items[i];
    fail_msg("no dependency '%s'", name);
    return NULL;
}

static void expect_pin(const result *r, const char *name, const char *want, unsigned line)
{
    const dependency *d = find(r, name);
    if (d->skip_reason)
        fail_msg("%s skipped: %s", name, d->skip_reason);
    assert_true(d->has_version);
    assert_string_equal(d->version_text, want);
    assert_int_equal(d->source_line, line);
    assert_int_equal(d->kind, DEP_REQUIREMENT);
    assert_false(d->editable);
}

static void expect_skip(const result *r, const char *name, const char *reason, unsigned line)
{
    const dependency *d = find(r, name);
    assert_false(d->has_version);
    assert_non_null(d->skip_reason);
    if (strcmp(d->skip_reason, reason) != 0)
        fail_msg("%s: skip reason '%s', want '%s'", name, d->skip_reason, reason);
    assert_int_equal(d->source_line, line);
}

static void expect_warning(const result *r, const char *needle)
{
    if (!r->w.text.data || !strstr(r->w.text.data, needle))
        fail_msg("no warning containing '%s' in:\n%s", needle,
                 r->w.text.data ? r->w.text.data : "");
}

static void test_basic(void **state)
{
    (void)state;
    result r;
    read_fixture("basic.txt", "3.11", "linux", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 13);
    expect_pin(&r, "requests", "2.31.0", 2);
    expect_pin(&r, "Django", "3.2.1", 3);
    assert_string_equal(find(&r, "Django")->normalized, "django");
    expect_skip(&r, "urllib3", "not pinned to an exact version (<2,>=1.26)", 4);
    expect_skip(&r, "flask", "not pinned to an exact version", 5);
    expect_pin(&r, "Jinja2", "3.1.2", 6);
    expect_pin(&r, "zope.interface", "5.4.0", 7);
    assert_string_equal(find(&r, "zope.interface")->normalized, "zope-interface");
    expect_skip(&r, "legacy-thing", "pinned to 'not.a.version', which is not a PEP 440 version", 8);
    expect_skip(&r, "six", "not pinned to an exact version (==1.*)", 9);
    expect_skip(&r, "pytz", "not pinned to an exact version (~=2023.3)", 10);
    expect_pin(&r, "certifi", "2023.7.22", 12);
    expect_pin(&r, "packaging", "23.0", 15);
    expect_skip(&r, "attrs", "not pinned to an exact version (>=22)", 16);
    /* '#' glued to the version is not a comment: pip rejects the line */
    assert_int_equal(r.w.n, 1);
    expect_warning(&r, "basic.txt:13: invalid requirement 'idna==3.4#");
    /* and the line is kept, skipped with the warning's message */
    assert_non_null(strstr(find(&r, "idna")->skip_reason, "invalid requirement 'idna==3.4#"));
    assert_int_equal(find(&r, "idna")->source_line, 13);
    for (size_t i = 0; i < r.deps.len; i++)
        assert_non_null(strstr(r.deps.items[i].source_file, "basic.txt"));
    result_free(&r);
}

static void test_options_and_hashes(void **state)
{
    (void)state;
    result r;
    read_fixture("options.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.w.n, 0);
    assert_int_equal(r.deps.len, 3);
    expect_pin(&r, "cryptography", "41.0.3", 15);
    expect_pin(&r, "cffi", "1.15.1", 18);
    expect_pin(&r, "pycparser", "2.21", 19);
    result_free(&r);
}

static void test_continuations(void **state)
{
    (void)state;
    result r;
    read_fixture("continuation.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, 0);
    expect_pin(&r, "alpha", "1.0", 1); /* marker on the continued line applies */
    expect_pin(&r, "beta", "2.0", 3);
    expect_pin(&r, "gamma", "3.0", 5); /* a comment ends the continuation */
    expect_pin(&r, "zeta", "6.0", 10); /* a backslash on the last line */
    /* "delta==4.0 \\" joins with the next lines into one broken line */
    assert_int_equal(r.w.n, 1);
    expect_warning(&r, "continuation.txt:7: invalid requirement 'delta==4.0 epsilon");
    assert_int_equal(r.deps.len, 5);
    assert_int_equal(find(&r, "delta")->source_line, 7);
    result_free(&r);
}

static void test_nested_and_constraints(void **state)
{
    (void)state;
    result r;
    read_fixture("nested.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.w.n, 0);
    const char *order[] = {"top", "a-pkg", "b-pkg", "a-after",
                           "required-through-constraint-file", "c-pkg",
                           "unpinned-by-constraint", "ranged-by-constraint",
                           "conflicting-by-constraint", "last"};
    assert_int_equal(r.deps.len, 10);
    for (size_t i = 0; i < 10; i++)
        assert_string_equal(r.deps.items[i].name, order[i]);
    expect_pin(&r, "a-pkg", "1.1", 1);
    assert_non_null(strstr(find(&r, "a-pkg")->source_file, "requirements/sub/inc_a.txt"));
    expect_pin(&r, "b-pkg", "2.2", 1);
    /* includes are relative to the including file */
    assert_non_null(strstr(find(&r, "b-pkg")->source_file, "requirements/sub/../inc_b.txt"));
    expect_pin(&r, "a-after", "1.2", 3);
    /* -r inside a constraints file reads requirements (as pip does) */
    expect_pin(&r, "required-through-constraint-file", "0.1", 1);
    expect_skip(&r, "c-pkg", "markers do not apply: sys_platform == \"win32\"", 1);
    /* constraints supply versions by normalised name */
    expect_pin(&r, "unpinned-by-constraint", "4.0", 5);
    expect_pin(&r, "ranged-by-constraint", "1.5", 6);
    const dependency *c = find(&r, "conflicting-by-constraint");
    assert_false(c->has_version);
    assert_non_null(strstr(c->skip_reason, "constraint ==2.0"));
    assert_non_null(strstr(c->skip_reason, "conflicts with <1.0"));
    expect_pin(&r, "last", "9.9", 8);
    result_free(&r);
}

static void test_urls_paths_editables(void **state)
{
    (void)state;
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    char *dir = fixture("");
    assert_int_equal(chdir(dir), 0); /* pip resolves local paths from the cwd */
    free(dir);
    result r;
    read_fixture("urls.txt", NULL, NULL, &r);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.w.n, 0);
    assert_int_equal(r.deps.len, 11);
    expect_skip(&r, "pip", "URL requirement", 1);
    expect_skip(&r, "pkg-b", "URL requirement", 2);
    expect_skip(&r, "Some-Wheel", "URL requirement", 3);
    expect_skip(&r, "project", "URL requirement", 4);
    expect_skip(&r, "git+https://github.com/example/noname.git@v1.0", "URL requirement", 5);
    assert_null(r.deps.items[4].normalized);
    expect_skip(&r, "editable-pkg", "editable requirement", 6);
    assert_true(find(&r, "editable-pkg")->editable);
    assert_string_equal(find(&r, "editable-pkg")->normalized, "editable-pkg");
    const dependency *e = &r.deps.items[6];
    assert_true(e->editable);
    assert_string_equal(e->skip_reason, "editable requirement");
    assert_string_equal(e->location, "./localpkg");
    assert_true(r.deps.items[7].editable);
    expect_skip(&r, "./localpkg", "editable requirement", 7);
    assert_string_equal(r.deps.items[8].skip_reason, "local path requirement");
    assert_int_equal(r.deps.items[8].source_line, 9);
    expect_skip(&r, "./dist/missing-1.0.tar.gz", "local path requirement", 10);
    expect_skip(&r, "http://example.org/archive.tar.gz", "URL requirement", 11);
    result_free(&r);
}

static void test_encodings(void **state)
{
    (void)state;
    result r;
    read_fixture("crlf.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 3);
    expect_pin(&r, "crlf-one", "1.0", 1);
    expect_pin(&r, "crlf-two", "2.0", 2);
    expect_skip(&r, "crlf-three", "not pinned to an exact version", 5);
    result_free(&r);

    read_fixture("bom.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, 0);
    expect_pin(&r, "bom-pkg", "1.0", 1);
    expect_pin(&r, "second", "2.0", 2);
    result_free(&r);

    read_fixture("latin1.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, 0);
    expect_pin(&r, "latin-pkg", "1.0", 2);
    result_free(&r);

    /* UTF-16 with a BOM, as Windows PowerShell writes `pip freeze > f` */
    read_fixture("utf16le.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 2);
    expect_pin(&r, "utf16-pkg", "1.0", 1);
    expect_pin(&r, "second-utf16", "2.0", 3);
    result_free(&r);
    read_fixture("utf16be.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, 0);
    expect_pin(&r, "be-pkg", "3.0", 1);
    result_free(&r);

    read_fixture("nul.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err.msg, "nul.txt:2: contains a NUL character"));
    result_free(&r);

    /* pip cannot decode it either: the file is an error, with its line */
    read_fixture("badutf8.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, -1);
    assert_int_equal(r.deps.len, 0);
    assert_non_null(strstr(r.err.msg, "badutf8.txt:2: not valid UTF-8"));
    result_free(&r);
}

static void test_env_vars(void **state)
{
    (void)state;
    setenv("AIRLOCK_REQ_TEST_NAME", "expanded-name", 1);
    setenv("AIRLOCK_REQ_TEST_VERSION", "7.1", 1);
    unsetenv("AIRLOCK_REQ_UNSET_VAR");
    result r;
    read_fixture("envvars.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, 0);
    expect_pin(&r, "expanded-name", "1.0", 1);
    expect_pin(&r, "envpkg", "7.1", 2);
    /* unset variables stay as written */
    expect_skip(&r, "unset-var", "markers do not apply: extra == \"${airlock-req-unset-var}\"", 3);
    /* only ${UPPER_CASE} is expanded */
    expect_warning(&r, "envvars.txt:4: invalid requirement '$lowercase{x}==1'");
    result_free(&r);
    unsetenv("AIRLOCK_REQ_TEST_NAME");
    unsetenv("AIRLOCK_REQ_TEST_VERSION");
}

static void test_broken_lines_are_warnings(void **state)
{
    (void)state;
    result r;
    read_fixture("broken.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, 0);
    /* each broken line that starts with a name stays, skipped */
    assert_int_equal(r.deps.len, 6);
    expect_pin(&r, "ok-one", "1.0", 1);
    expect_pin(&r, "ok-two", "2.0", 4);
    expect_pin(&r, "ok-four", "4.0", 8);
    assert_int_equal(find(&r, "bad-version")->source_line, 3);
    assert_int_equal(find(&r, "name")->source_line, 5);
    assert_int_equal(find(&r, "ok-three")->source_line, 7);
    assert_false(find(&r, "ok-three")->has_version);
    assert_int_equal(r.w.n, 5);
    expect_warning(&r, "broken.txt:2: invalid requirement 'this is not a requirement'");
    expect_warning(&r, "broken.txt:3: invalid requirement 'bad-version==1.0.0.x'");
    expect_warning(&r, "broken.txt:5:");
    expect_warning(&r, "broken.txt:6:");
    expect_warning(&r, "broken.txt:7:");
    result_free(&r);

    read_fixture("badoption.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 4);
    expect_pin(&r, "ok-four", "4.0", 7);
    expect_skip(&r, "ok-three", "invalid requirement line: arguments to --hash must be a "
                                "hash name followed by a value, like --hash=sha256:abcde...", 5);
    assert_int_equal(r.w.n, 4);
    expect_warning(&r, "badoption.txt:2: invalid requirement line: no such option");
    expect_warning(&r, "badoption.txt:4: invalid requirement line: allowed hash algorithms");
    expect_warning(&r, "badoption.txt:5: invalid requirement line: arguments to --hash");
    expect_warning(&r, "badoption.txt:6: invalid requirement line: could not split options");
    result_free(&r);
}

static void test_markers_for_targets(void **state)
{
    (void)state;
    result r;
    read_fixture("markers.txt", "3.11", "linux", &r);
    assert_int_equal(r.rc, 0);
    expect_pin(&r, "linux-only", "1.0", 1);
    expect_skip(&r, "windows-only", "markers do not apply: sys_platform == \"win32\"", 2);
    expect_skip(&r, "old-python", "markers do not apply: python_version < \"3.8\"", 3);
    expect_pin(&r, "new-python", "1.0", 4);
    expect_pin(&r, "either", "1.0", 5);
    expect_skip(&r, "with-extra", "markers do not apply: extra == \"test-extra\"", 6);
    /* unknowable for a target: warned, and checked (fail closed) */
    expect_pin(&r, "release", "1.0", 7);
    expect_warning(&r, "markers.txt:7: cannot evaluate markers");
    result_free(&r);

    read_fixture("markers.txt", "3.7", "win32", &r);
    assert_int_equal(r.rc, 0);
    expect_skip(&r, "linux-only", "markers do not apply: sys_platform == \"linux\"", 1);
    expect_pin(&r, "windows-only", "1.0", 2);
    expect_pin(&r, "old-python", "1.0", 3);
    expect_skip(&r, "new-python",
                "markers do not apply: python_version >= \"3.8\" and platform_machine == \"x86_64\"", 4);
    expect_pin(&r, "either", "1.0", 5);
    result_free(&r);
}

static void test_fatal_errors(void **state)
{
    (void)state;
    result r;
    read_fixture("cycle_a.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, -1);
    assert_int_equal(r.deps.len, 0);
    assert_non_null(strstr(r.err.msg, "cycle_b.txt:2: requirement files include each other"));
    assert_non_null(strstr(r.err.msg, "cycle_a.txt -> "));
    result_free(&r);

    read_fixture("missing_include.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, -1);
    assert_int_equal(r.deps.len, 0);
    assert_non_null(strstr(r.err.msg, "missing_include.txt:2: cannot read included"));
    assert_non_null(strstr(r.err.msg, "does-not-exist.txt"));
    result_free(&r);

    read_fixture("no-such-file.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err.msg, "no-such-file.txt"));
    result_free(&r);
}

static void test_include_forms(void **state)
{
    (void)state;
    result r;
    read_fixture("includes_misc.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, 0);
    /* -rFILE, --requirement FILE, --requireme=FILE each read
     * inc_b.txt (--requireme=, a unique prefix); a requirement line's -r is ignored; on a line with both,
     * -r wins over -c */
    const char *names[] = {"b-pkg", "b-pkg", "solo", "b-pkg", "c-pkg"};
    assert_int_equal(r.deps.len, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(r.deps.items[i].name, names[i]);
    expect_pin(&r, "solo", "1.0", 3);
    assert_int_equal(r.w.n, 2);
    expect_warning(&r, "includes_misc.txt:4: invalid requirement 'not-a-vcs-or-dir'");
    expect_warning(&r, "includes_misc.txt:5: invalid requirement 'git+https://example.org/x.git': could not detect requirement name");
    result_free(&r);

    read_fixture("remote_include.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, -1);
    assert_int_equal(r.deps.len, 0);
    assert_non_null(strstr(r.err.msg, "remote_include.txt:2: cannot read remote requirement file"));
    result_free(&r);

    read_fixture("device_include.txt", NULL, NULL, &r);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err.msg, "device_include.txt:2: cannot read included requirement file: /dev/null: not a regular file"));
    result_free(&r);
}

static void test_long_lines(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/airlock-req-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char path[512];
    snprintf(path, sizeof path, "%s/long.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("before==1.0\n", f);
    /* a continued line that grows past REQ_MAX_LINE, then one that does not */
    const unsigned n = REQ_MAX_LINE / 32; /* 63 bytes each once joined */
    for (unsigned i = 0; i < n; i++)
        fputs("                                                              x\\\n", f);
    fputs("==1.0\nafter==2.0\n", f);
    fclose(f);
    marker_env env;
    airlock_error err;
    assert_int_equal(marker_env_for_target(&env, NULL, NULL, &err), 0);
    dep_list deps = {0};
    warnings w = {0};
    diag d = {collect, &w, 0};
    assert_int_equal(requirements_read(path, &env, &deps, &d, &err), 0);
    assert_int_equal(deps.len, 2);
    assert_string_equal(deps.items[0].name, "before");
    assert_string_equal(deps.items[1].name, "after");
    assert_int_equal(deps.items[1].source_line, n + 3);
    assert_int_equal(w.n, 1);
    if (!strstr(w.text.data, "long.txt:2: line longer than"))
        fail_msg("warnings: %.300s", w.text.data);
    dep_list_free(&deps);
    buf_free(&w.text);
    marker_env_clear(&env);
    unlink(path);
    rmdir(dir);
}

static void test_include_depth_bound(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/airlock-req-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char path[512];
    for (int i = 0; i <= REQ_MAX_DEPTH + 2; i++) {
        snprintf(path, sizeof path, "%s/r%d.txt", dir, i);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "pkg%d==1.0\n-r r%d.txt\n", i, i + 1);
        fclose(f);
    }
    marker_env env;
    airlock_error err;
    assert_int_equal(marker_env_for_target(&env, NULL, NULL, &err), 0);
    dep_list deps = {0};
    warnings w = {0};
    diag d = {collect, &w, 0};
    snprintf(path, sizeof path, "%s/r0.txt", dir);
    assert_int_equal(requirements_read(path, &env, &deps, &d, &err), -1);
    assert_non_null(strstr(err.msg, "nested deeper than"));
    assert_int_equal(deps.len, 0);
    /* a constraints file read from the top gives no dependencies */
    req_lines lines = {0};
    snprintf(path, sizeof path, "%s/r%d.txt", dir, REQ_MAX_DEPTH + 2);
    assert_int_equal(requirements_parse(path, true, &lines, &d, &err), -1); /* r35 missing */
    assert_int_equal(lines.len, 1);
    assert_true(lines.items[0].constraint);
    assert_int_equal(requirements_resolve(&lines, &env, &deps, &d, &err), 0);
    assert_int_equal(deps.len, 0);
    req_lines_free(&lines);
    for (int i = 0; i <= REQ_MAX_DEPTH + 2; i++) {
        snprintf(path, sizeof path, "%s/r%d.txt", dir, i);
        unlink(path);
    }
    rmdir(dir);
    buf_free(&w.text);
    marker_env_clear(&env);
}

/* Write `count` copies of `line` to dir/name. */
static void write_repeated(const char *dir, const char *name, const char *line, size_t count)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < count; i++)
        fputs(line, f);
    assert_int_equal(fclose(f), 0);
}

/* Names are the file author's: 30,000 constraint pins and requirements
 * whose names collide in the low 17 bits of FNV-1a (the fixed hash of the
 * old index, whose table then had 2^17 slots) made every insertion and
 * lookup walk one cluster: about 4 s of CPU in a release build. Matching
 * must not depend on the names' hash; 1.5 s of CPU is far above what the
 * sorted index takes under ASan. */
static void test_constraint_names_colliding(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/airlock-req-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char cpath[512], rpath[512];
    snprintf(cpath, sizeof cpath, "%s/c.txt", dir);
    snprintf(rpath, sizeof rpath, "%s/r.txt", dir);
    FILE *c = fopen(cpath, "w"), *r = fopen(rpath, "w");
    assert_non_null(c);
    assert_non_null(r);
    fputs("-c c.txt\n", r);
    const unsigned n = 30000;
    char name[32];
    for (unsigned long long i = 0, got = 0; got < n; i++) {
        snprintf(name, sizeof name, "p%llx", i);
        unsigned long long h = 14695981039346656037ull;
        for (const char *p = name; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
        if ((h & ((1u << 17) - 1)) < 64) {
            fprintf(c, "%s==1.0\n", name);
            fprintf(r, "%s\n", name);
            got++;
        }
    }
    assert_int_equal(fclose(c), 0);
    assert_int_equal(fclose(r), 0);

    marker_env env;
    airlock_error err;
    assert_int_equal(marker_env_for_target(&env, NULL, NULL, &err), 0);
    warnings w = {0};
    diag d = {collect, &w, 0};
    req_lines lines = {0};
    assert_int_equal(requirements_parse(rpath, false, &lines, &d, &err), 0);
    dep_list deps = {0};
    clock_t t0 = clock();
    assert_int_equal(requirements_resolve(&lines, &env, &deps, &d, &err), 0);
    double cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_int_equal(deps.len, n);
    for (size_t i = 0; i < deps.len; i++)
        assert_true(deps.items[i].has_version);
    if (cpu > 1.5)
        fail_msg("matching %u colliding names took %.2f s of CPU", n, cpu);
    assert_int_equal(w.n, 0);
    dep_list_free(&deps);
    req_lines_free(&lines);
    marker_env_clear(&env);
    buf_free(&w.text);
    unlink(cpath);
    unlink(rpath);
    rmdir(dir);
}

/* Each constraint's marker is evaluated once. The index used to keep
 * every same-name pin in a chain and evaluate the chain's markers for each
 * requirement looking it up: 20,000 `django` lines against 20,000
 * `django==1.0 ; python_version<"0"` pins did not finish in 10 minutes
 * (0.6 s now), and a marker that cannot be evaluated was one warning per
 * requirement (three here) instead of one for its line. The first pin
 * whose marker applies still wins. */
static void test_constraint_markers_once(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/airlock-req-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    write_repeated(dir, "c.txt", "django==1.0 ; python_version<\"0\"\n", 3);
    char path[512];
    snprintf(path, sizeof path, "%s/c.txt", dir);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("flask==2.0 ; platform_release>\"1\"\nDjango==2.0\ndjango==3.0\n", f);
    assert_int_equal(fclose(f), 0);
    write_repeated(dir, "r.txt", "-c c.txt\ndjango\nflask\nflask\nflask\n", 1);
    snprintf(path, sizeof path, "%s/r.txt", dir);

    marker_env env;
    airlock_error err;
    assert_int_equal(marker_env_for_target(&env, NULL, NULL, &err), 0);
    result r;
    memset(&r, 0, sizeof r);
    diag d = {collect, &r.w, 0};
    assert_int_equal(requirements_read(path, &env, &r.deps, &d, &r.err), 0);
    assert_int_equal(r.deps.len, 4);
    expect_pin(&r, "django", "2.0", 2);
    for (size_t i = 1; i < 4; i++)
        assert_string_equal(r.deps.items[i].version_text, "2.0");
    if (r.w.n != 1)
        fail_msg("one warning expected, got:\n%s", r.w.text.data);
    assert_non_null(strstr(r.w.text.data, "c.txt:4: cannot evaluate markers"));
    result_free(&r);
    marker_env_clear(&env);
    unlink(path);
    snprintf(path, sizeof path, "%s/c.txt", dir);
    unlink(path);
    rmdir(dir);
}

/* One small file included many times made millions of lines: 100 reads of
 * a 1 MB file of "a==1" lines took 23 GB before the OOM killer stopped
 * the scan. Reading stops, fatally, past REQ_MAX_LINES lines or
 * REQ_MAX_TOTAL_SIZE bytes in all. */
static void test_total_bounds(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/airlock-req-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    write_repeated(dir, "many.txt", "a\n", 1000);
    write_repeated(dir, "lines.txt", "-r many.txt\n", REQ_MAX_LINES / 1000 + 1);
    /* 9 MiB of comment read 8 times: 72 MiB */
    char comment[1025];
    memset(comment, 'x', sizeof comment - 1);
    comment[0] = '#';
    comment[sizeof comment - 2] = '\n';
    comment[sizeof comment - 1] = '\0';
    write_repeated(dir, "big.txt", comment, 9 * 1024);
    write_repeated(dir, "bytes.txt", "-r big.txt\n", 8);

    marker_env env;
    airlock_error err;
    assert_int_equal(marker_env_for_target(&env, NULL, NULL, &err), 0);
    warnings w = {0};
    diag d = {collect, &w, 0};
    char path[512];
    dep_list deps = {0};
    snprintf(path, sizeof path, "%s/lines.txt", dir);
    assert_int_equal(requirements_read(path, &env, &deps, &d, &err), -1);
    assert_non_null(strstr(err.msg, "many.txt:1: more than 500000 requirement lines"));
    assert_int_equal(deps.len, 0);
    snprintf(path, sizeof path, "%s/bytes.txt", dir);
    assert_int_equal(requirements_read(path, &env, &deps, &d, &err), -1);
    assert_non_null(strstr(err.msg, "bytes.txt:8: requirement files larger than 64 MiB"));
    assert_int_equal(deps.len, 0);
    assert_int_equal(w.n, 0);

    static const char *const names[] = {"many.txt", "lines.txt", "big.txt", "bytes.txt"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    buf_free(&w.text);
    marker_env_clear(&env);
}

/* Write `len` bytes to DIR/name in a fresh temporary directory and read
 * the file for CPython 3.11 on Linux. The file and directory are removed. */
static void read_bytes(const char *name, const char *data, size_t len, result *r)
{
    char tmpl[] = "/tmp/airlock-req-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    memset(r, 0, sizeof *r);
    marker_env env;
    assert_int_equal(marker_env_for_target(&env, NULL, NULL, &r->err), 0);
    diag d = {collect, &r->w, 0};
    r->rc = requirements_read(path, &env, &r->deps, &d, &r->err);
    marker_env_clear(&env);
    unlink(path);
    rmdir(dir);
}

#define READ_TEXT(name, text, r) read_bytes(name, text, sizeof text - 1, r)

/* Issue 13: `-r ""` made shlex_split hand apply_opt an unterminated empty
 * word (ASan: heap-buffer-overflow in xstrdup; the release build printed
 * heap bytes as the file name). */
static void test_empty_include_name(void **state)
{
    (void)state;
    result r;
    READ_TEXT("empty.txt", "-r \"\"\n", &r);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err.msg, "empty.txt:1: cannot read included requirement file: "
                                      "/tmp/airlock-req-"));
    /* the name is the directory of empty.txt plus "", nothing else */
    assert_non_null(strstr(r.err.msg, "/: not a regular file"));
    result_free(&r);
    READ_TEXT("empty.txt", "-c ''\n", &r);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err.msg, "/: not a regular file"));
    result_free(&r);
}

/* Issue 13: lines pip reads that Airlock dropped; each pins Django. */
static void test_lines_pip_reads(void **state)
{
    (void)state;
    result r;
    READ_TEXT("pip.txt",
              "django==1.0; os_name=='posix'andpython_version>'3'\n"
              "django==1.1; os_name=='nt'orpython_version>'3'\n"
              "django==1.2; 'posix'inos_name\n"
              "django==1.3; os_name!='po\\six'\n"
              "django==1.4 --config-settings=editable_mode=compat\n"
              "django==1.5 -C key=value\n"
              "django==1.6 --in=https://example.org/simple\n"
              "django==1.7 --use-feature=inprocess-build-deps\n",
              &r);
    assert_int_equal(r.rc, 0);
    if (r.w.n)
        fail_msg("warnings:\n%s", r.w.text.data);
    assert_int_equal(r.deps.len, 8);
    static const char *const want[] = {"1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"};
    for (unsigned i = 0; i < 8; i++) {
        if (r.deps.items[i].skip_reason)
            fail_msg("line %u skipped: %s", i + 1, r.deps.items[i].skip_reason);
        assert_string_equal(r.deps.items[i].version_text, want[i]);
        assert_int_equal(r.deps.items[i].source_line, i + 1);
    }
    result_free(&r);
    /* --install-option went in pip 23.1; its KEY=VAL rule for -C */
    READ_TEXT("gone.txt", "django==2.0 --install-option=x\ndjango==2.1 -C novalue\n", &r);
    assert_int_equal(r.rc, 0);
    expect_warning(&r, "gone.txt:1: invalid requirement line: no such option");
    expect_warning(&r, "gone.txt:2: invalid requirement line: arguments to -C must be of "
                       "the form KEY=VAL");
    result_free(&r);
}

/* Issue 13: after FF FE, Python's "utf-16" codec takes a second BOM as the
 * byte order; pip then reads the pin. */
static void test_utf16_second_bom(void **state)
{
    (void)state;
    static const char le[] = "\xff\xfe\xff\xfe" "d\0j\0a\0n\0g\0o\0=\0=\0" "1\0.\0" "0\0\n\0";
    static const char be[] = "\xff\xfe\xfe\xff" "\0d\0j\0a\0n\0g\0o\0=\0=\0" "2\0.\0" "0\0\n";
    result r;
    read_bytes("le.txt", le, sizeof le - 1, &r);
    assert_int_equal(r.rc, 0);
    expect_pin(&r, "django", "1.0", 1);
    result_free(&r);
    read_bytes("be.txt", be, sizeof be - 1, &r);
    assert_int_equal(r.rc, 0);
    expect_pin(&r, "django", "2.0", 1);
    result_free(&r);
}

/* Issue 13: a Latin-1 file skipped the NUL check, and `flask==1.0\0junk`
 * was pinned as flask 1.0. */
static void test_latin1_nul(void **state)
{
    (void)state;
    static const char text[] = "# coding: latin-1\nflask==1.0\0junk\n";
    result r;
    read_bytes("l1.txt", text, sizeof text - 1, &r);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err.msg, "l1.txt:2: contains a NUL character"));
    assert_int_equal(r.deps.len, 0);
    result_free(&r);
}

/* pip's PEP 263 pattern (`coding[:=]\s*([-\w.]+)`) skips \r, \f and \v
 * after the colon, so this file is UTF-8 for pip, which pins django on
 * line 4 (U+2028 ends line 3's comment). Airlock skipped only blanks and
 * tabs, took the later "coding: latin-1", read U+2028's bytes as Latin-1
 * text inside the comment, and django vanished without a warning. */
static void test_coding_blanks(void **state)
{
    (void)state;
    static const char text[] = "# coding:\vutf-8 ; python_version<\"0\" # coding: latin-1\n"
                               "# x\xe2\x80\xa8" "django==1.0\n";
    result r;
    read_bytes("coding.txt", text, sizeof text - 1, &r);
    assert_int_equal(r.rc, 0);
    if (r.w.n)
        fail_msg("warnings:\n%s", r.w.text.data);
    expect_pin(&r, "django", "1.0", 4);
    result_free(&r);
}

/* Issue 13: the 1 MiB bound on a logical line counts only what is left
 * once the comment is gone, as pip reads no comment. */
static void test_line_bound_after_comments(void **state)
{
    (void)state;
    buf b = {0};
    buf_puts(&b, "django==1.8 # ");
    while (b.len <= REQ_MAX_LINE + 16)
        buf_puts(&b, "a long comment ");
    buf_puts(&b, "\\\n");
    buf_puts(&b, "  \nflask==2.0\n");
    result r;
    read_bytes("comment.txt", b.data, b.len, &r);
    buf_free(&b);
    assert_int_equal(r.rc, 0);
    if (r.w.n)
        fail_msg("warnings:\n%s", r.w.text.data);
    expect_pin(&r, "django", "1.8", 1);
    expect_pin(&r, "flask", "2.0", 3);
    result_free(&r);
}

/* Requirement lines must never vanish: a line that cannot be read is a
 * warning, and a skipped dependency when a name can be made out. */
static void test_unreadable_lines_kept(void **state)
{
    (void)state;
    result r;
    READ_TEXT("bad.txt",
              "django==1.0.0.x\n"
              "this is not a requirement\n"
              "flask==1.0; os_name == 'posix' junk\n"
              "jinja2==3.0 --hash=md5:abc\n"
              "-e not-a-vcs-url\n"
              "-c constraints-with-bad-line.txt\n",
              &r);
    assert_int_equal(r.rc, -1); /* the include is missing: fatal */
    result_free(&r);
    READ_TEXT("bad.txt",
              "django==1.0.0.x\n"
              "this is not a requirement\n"
              "flask==1.0; os_name == 'posix' junk\n"
              "jinja2==3.0 --hash=md5:abc\n"
              "-e not-a-vcs-url\n"
              "ok==1.0\n",
              &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.w.n, 5);
    assert_int_equal(r.deps.len, 4);
    expect_skip(&r, "django", "invalid requirement 'django==1.0.0.x': invalid requirement: "
                              "invalid specifier '==1.0.0.x': not a valid version", 1);
    expect_warning(&r, "bad.txt:1: invalid requirement 'django==1.0.0.x'");
    expect_warning(&r, "bad.txt:2: invalid requirement 'this is not a requirement'");
    const dependency *d = find(&r, "flask");
    assert_int_equal(d->source_line, 3);
    assert_non_null(strstr(d->source_file, "bad.txt"));
    assert_string_equal(d->normalized, "flask");
    assert_non_null(strstr(d->skip_reason, "invalid marker"));
    expect_skip(&r, "jinja2", "invalid requirement line: allowed hash algorithms for --hash "
                              "are sha256, sha384, sha512", 4);
    expect_warning(&r, "bad.txt:5: invalid requirement 'not-a-vcs-url'");
    expect_pin(&r, "ok", "1.0", 6);
    result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_options_and_hashes),
        cmocka_unit_test(test_continuations),
        cmocka_unit_test(test_nested_and_constraints),
        cmocka_unit_test(test_urls_paths_editables),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_env_vars),
        cmocka_unit_test(test_broken_lines_are_warnings),
        cmocka_unit_test(test_markers_for_targets),
        cmocka_unit_test(test_fatal_errors),
        cmocka_unit_test(test_include_forms),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_include_depth_bound),
        cmocka_unit_test(test_empty_include_name),
        cmocka_unit_test(test_lines_pip_reads),
        cmocka_unit_test(test_utf16_second_bom),
        cmocka_unit_test(test_latin1_nul),
        cmocka_unit_test(test_coding_blanks),
        cmocka_unit_test(test_total_bounds),
        cmocka_unit_test(test_constraint_markers_once),
        cmocka_unit_test(test_constraint_names_colliding),
        cmocka_unit_test(test_line_bound_after_comments),
        cmocka_unit_test(test_unreadable_lines_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
