/* Tests for scanner/inputs/lock_uv.c and lock_uv_groups.c: the fixtures in
 * tests/data/lockfiles/uv, one per revision, source kind and rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
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

static char *fixture(const char *name)
{
    const char *dir = getenv("AIRLOCK_TEST_DATA");
    buf b = {0};
    buf_printf(&b, "%s/lockfiles/uv/%s", dir ? dir : "tests/data", name);
    return buf_detach(&b, NULL);
}

static void read_fixture(const char *name, result *r)
{
    memset(r, 0, sizeof *r);
    diag d = {collect, r, 0};
    char *path = fixture(name);
    r->rc = lockfile_read(path, LOCK_UV, &r->deps, &d, NULL, NULL, &r->err);
    assert_int_equal(d.warnings, r->nwarn);
    free(path);
}

static void result_free(result *r)
{
    dep_list_free(&r->deps);
    buf_free(&r->warnings);
}

/* Dependency `i` is `name` at `version` (NULL: none) from `kind`, on `line`;
 * checked exactly when `checked`. */
static const dependency *expect(const result *r, size_t i, const char *name, const char *want_version,
                                const char *kind, bool checked, unsigned line)
{
    if (i >= r->deps.len)
        fail_msg("only %zu dependencies, want #%zu (%s)", r->deps.len, i, name);
    const dependency *d = &r->deps.items[i];
    assert_string_equal(d->name, name);
    assert_int_equal(d->kind, DEP_LOCKED);
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

static void expect_group(const result *r, size_t i, const char *group, bool dev)
{
    const dependency *d = &r->deps.items[i];
    if (group == NULL && d->group != NULL)
        fail_msg("%s: group '%s', want none", d->name, d->group);
    if (group != NULL && (d->group == NULL || strcmp(d->group, group) != 0))
        fail_msg("%s: group '%s', want '%s'", d->name, d->group ? d->group : "(none)", group);
    if (d->dev != dev)
        fail_msg("%s: dev %d, want %d", d->name, d->dev, dev);
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

static void test_revision_absent(void **state)
{
    (void)state;
    result r;
    read_fixture("rev-absent.lock", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.nwarn, 0);
    assert_int_equal(r.deps.len, 2);
    expect(&r, 0, "certifi", "2024.8.30", "registry", true, 4);
    assert_string_equal(r.deps.items[0].location, "https://pypi.org/simple");
    /* A workspace member without a version: kept, skipped. */
    const dependency *d = expect(&r, 1, "myapp", NULL, "editable", false, 13);
    assert_string_equal(d->skip_reason, "editable source");
    assert_true(d->editable);
    assert_string_equal(d->location, ".");
    result_free(&r);
}

static void test_revisions_1_2_3(void **state)
{
    (void)state;
    result r;
    read_fixture("rev1.lock", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.nwarn, 0);
    assert_int_equal(r.deps.len, 2);
    expect(&r, 0, "idna", "3.10", "registry", true, 5);
    expect(&r, 1, "Jinja2", "3.1.4", "registry", true, 11);
    assert_string_equal(r.deps.items[1].normalized, "jinja2");
    result_free(&r);

    read_fixture("rev2.lock", &r); /* upload-time as a quoted string */
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.nwarn, 0);
    assert_int_equal(r.deps.len, 1);
    expect(&r, 0, "idna", "3.10", "registry", true, 5);
    result_free(&r);

    read_fixture("rev3.lock", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.nwarn, 0);
    assert_int_equal(r.deps.len, 1);
    expect(&r, 0, "urllib3", "2.2.1", "registry", true, 5);
    result_free(&r);
}

static void test_newer_revision_warns(void **state)
{
    (void)state;
    result r;
    read_fixture("revision9.lock", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.nwarn, 1);
    expect_warning(&r, "revision9.lock:2: uv.lock revision 9 is newer");
    expect(&r, 0, "idna", "3.10", "registry", true, 4);
    result_free(&r);
}

static void test_source_kinds(void **state)
{
    (void)state;
    result r;
    read_fixture("sources.lock", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.nwarn, 0);
    assert_int_equal(r.deps.len, 7);
    const dependency *d = expect(&r, 0, "torch", "2.7.1+cu128", "registry", true, 5);
    assert_string_equal(d->location, "https://download.pytorch.org/whl/cu128");
    d = expect(&r, 1, "dependency", "0.1.0", "git", false, 10);
    assert_string_equal(d->skip_reason, "git source");
    assert_non_null(strstr(d->location, "#6c5aa0a65db737c9e7e2e60dc865bd8087012e64"));
    d = expect(&r, 2, "tqdm", "4.67.1", "url", false, 15);
    assert_string_equal(d->skip_reason, "url source");
    d = expect(&r, 3, "localwheel", "1.0", "path", false, 20);
    assert_string_equal(d->location, "wheels/localwheel-1.0-py3-none-any.whl");
    d = expect(&r, 4, "sd-scripts", "0.9.1", "directory", false, 25);
    assert_string_equal(d->skip_reason, "directory source");
    d = expect(&r, 5, "docling-core", "2.1.0", "editable", false, 30);
    assert_true(d->editable);
    d = expect(&r, 6, "check-cache-changes", "0.1.0", "virtual", false, 35);
    assert_string_equal(d->skip_reason, "virtual source");
    assert_string_equal(d->location, ".");
    result_free(&r);
}

static void test_duplicates_kept(void **state)
{
    (void)state;
    result r;
    read_fixture("duplicates.lock", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.nwarn, 0);
    assert_int_equal(r.deps.len, 3);
    expect(&r, 0, "av", "17.1.0", "registry", true, 9);
    expect(&r, 1, "av", "18.1.0", "registry", true, 17);
    expect(&r, 2, "app", "0.1.0", "virtual", false, 25);
    /* Each reference names its version: both are the project's. */
    expect_group(&r, 0, "project", false);
    expect_group(&r, 1, "project", false);
    result_free(&r);
}

static void test_groups(void **state)
{
    (void)state;
    result r;
    read_fixture("groups.lock", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.nwarn, 0);
    assert_int_equal(r.deps.len, 12);
    const char *want[][2] = {
        {"certifi", "project, dev"}, /* also through requests in the dev group */
        {"cryptography", "dev"},     /* only through the dev group's requests[security] */
        {"iniconfig", "dev"},
        {"jinja2", "docs"},
        {"lonely", "project"},       /* nothing depends on it: a root */
        {"proj", "project"},
        {"pygments", "dev, docs"},   /* needed by two groups */
        {"pysocks", "extra:socks"},
        {"pytest", "dev"},
        {"requests", "project, dev"},
        {"sphinx", "docs"},
        {"urllib3", "project, dev"},
    };
    for (size_t i = 0; i < 12; i++) {
        assert_string_equal(r.deps.items[i].name, want[i][0]);
        expect_group(&r, i, want[i][1], strcmp(want[i][1], "dev") == 0);
    }
    result_free(&r);
}

static void test_workspace_members(void **state)
{
    (void)state;
    result r;
    read_fixture("workspace.lock", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.nwarn, 0);
    assert_int_equal(r.deps.len, 4);
    expect(&r, 0, "a", NULL, "editable", false, 11);
    expect(&r, 1, "b", "0.2.0", "editable", false, 18);
    /* b is a member by [manifest], though a depends on it: its dev group
     * counts. */
    expect_group(&r, 1, "project", false);
    expect_group(&r, 2, "dev", true);
    expect_group(&r, 3, "project", false);
    result_free(&r);

    read_fixture("manifest-groups.lock", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 3);
    expect_group(&r, 0, "dev", true);     /* iniconfig, through pytest */
    expect_group(&r, 1, "dev", true);     /* pytest */
    expect_group(&r, 2, "project", false); /* requests */
    result_free(&r);
}

static void test_bad_entries(void **state)
{
    (void)state;
    result r;
    read_fixture("bad.lock", &r);
    assert_int_equal(r.rc, 0);
    /* The entry without a name is the only one left out. */
    assert_int_equal(r.deps.len, 7);
    expect_warning(&r, "bad.lock:4: package entry without a name");
    expect(&r, 0, "badver", "1.0-foo-bar!!", "registry", false, 8);
    assert_string_equal(r.deps.items[0].skip_reason, "locked version is not a PEP 440 version");
    expect_warning(&r, "bad.lock:8: badver:");
    expect(&r, 1, "intver", NULL, "registry", false, 13);
    expect_warning(&r, "bad.lock:15: intver: `version` must be a string, not integer");
    expect(&r, 2, "twosrc", "1.0", "unknown", false, 18);
    expect_warning(&r, "bad.lock:21: twosrc: `source` is not a table with exactly one key");
    expect(&r, 3, "weirdsrc", "1.0", "unknown", false, 23);
    expect_warning(&r, "bad.lock:26: weirdsrc: unknown source kind `svn`");
    expect(&r, 4, "nosrc", "1.0", "unknown", false, 28);
    expect_warning(&r, "bad.lock:28: nosrc: no `source`");
    expect(&r, 5, "bad name!", "1.0", "registry", false, 32);
    assert_string_equal(r.deps.items[5].skip_reason, "not a valid project name");
    expect_warning(&r, "bad.lock:32: 'bad name!' is not a valid project name");
    expect(&r, 6, "okpkg", "1.0", "registry", true, 37);
    assert_int_equal(r.nwarn, 7);
    result_free(&r);

    read_fixture("nontable.lock", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 1);
    expect(&r, 0, "a", "1.0", "registry", true, 3);
    assert_int_equal(r.nwarn, 1);
    expect_warning(&r, "nontable.lock:4: package entry must be a table, not string");
    result_free(&r);
}

static void test_not_a_uv_lock(void **state)
{
    (void)state;
    expect_error("version2.lock", ":1: uv.lock version 2 is not known");
    expect_error("version-string.lock", ":1: not a uv.lock: `version` must be an integer, not string");
    expect_error("poetry-like.lock", ":1: not a uv.lock: no top-level `version`");
    expect_error("no-packages.lock", "not a uv.lock: no [[package]] entries");
    expect_error("package-not-array.lock", ":2: not a uv.lock: `package` must be an array of tables, not string");
    expect_error("not-toml.lock", "not-toml.lock:2");
    result r;
    read_fixture("missing.lock", &r);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err.msg, "missing.lock"));
    result_free(&r);
}

/* In memory, as the fuzz target drives it: a NUL inside a name is refused,
 * and appending to a list that holds entries keeps them. */
static void test_parse_in_memory(void **state)
{
    (void)state;
    static const char doc[] = "version = 1\n[[package]]\nname = \"a\\u0000b\"\nversion = \"1\"\n"
                              "source = { registry = \"r\" }\n[[package]]\nname = \"c\"\n"
                              "version = \"2\"\nsource = { registry = \"r\" }\n";
    dep_list l = {0};
    lock_add(&l, "x", 1, "first", "1.0", "registry", NULL, NULL, false, NULL);
    diag d = {0};
    d.fn = NULL;
    airlock_error err;
    result r = {0};
    d.fn = collect;
    d.arg = &r;
    assert_int_equal(lock_uv_parse(doc, sizeof doc - 1, "mem.lock", &l, &d, &err), 0);
    assert_int_equal(l.len, 2);
    assert_string_equal(l.items[0].name, "first");
    assert_string_equal(l.items[1].name, "c");
    assert_int_equal(l.items[1].source_line, 6);
    expect_warning(&r, "mem.lock:3: package: `name` holds a NUL character");
    dep_list_free(&l);
    buf_free(&r.warnings);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_revision_absent),
        cmocka_unit_test(test_revisions_1_2_3),
        cmocka_unit_test(test_newer_revision_warns),
        cmocka_unit_test(test_source_kinds),
        cmocka_unit_test(test_duplicates_kept),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_workspace_members),
        cmocka_unit_test(test_bad_entries),
        cmocka_unit_test(test_not_a_uv_lock),
        cmocka_unit_test(test_parse_in_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
