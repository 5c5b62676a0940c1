/* Tests for scanner/inputs/lock_pipfile.c on tests/data/lockfiles/pipfile
 * and on inline documents. Expected lines are found by searching the
 * fixture's text for the entry's key, not written down. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "scanner/inputs/lockfile.h"

typedef struct warnings {
    buf text; /* "FILE:LINE: MSG\n" per warning */
    unsigned n;
} warnings;

static void collect(void *arg, const char *file, unsigned line, const char *msg)
{
    warnings *w = arg;
    buf_printf(&w->text, "%s:%u: %s\n", file ? file : "-", line, msg);
    w->n++;
}

static char *fixture_path(const char *name)
{
    const char *data = getenv("AIRLOCK_TEST_DATA");
    buf b = {0};
    buf_printf(&b, "%s/lockfiles/pipfile/%s", data ? data : "tests/data", name);
    return buf_detach(&b, NULL);
}

static char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    airlock_error err;
    int rc = file_read_all(path, LOCKFILE_MAX_SIZE, &data, len, &err);
    if (rc != 0)
        fail_msg("%s", err.msg);
    return data;
}

/* The 1-based line of the first `needle` in `text` (the oracle). */
static unsigned line_of(const char *text, const char *needle)
{
    size_t n = strlen(needle);
    unsigned line = 1;
    for (size_t i = 0; text[i] != '\0'; i++) {
        if (strncmp(text + i, needle, n) == 0)
            return line;
        line += text[i] == '\n';
    }
    fail_msg("%s is not in the fixture", needle);
    return 0;
}

static void expect_dep(const dependency *d, const char *name, const char *normalized,
                       const char *vtext, const char *kind, bool checked, const char *group,
                       bool dev)
{
    assert_int_equal(d->kind, DEP_LOCKED);
    assert_string_equal(d->name, name);
    assert_string_equal(d->normalized, normalized);
    if (vtext == NULL)
        assert_null(d->version_text);
    else
        assert_string_equal(d->version_text, vtext);
    assert_string_equal(d->source_kind, kind);
    assert_int_equal(d->has_version && d->skip_reason == NULL, checked);
    if (!checked)
        assert_non_null(d->skip_reason);
    assert_string_equal(d->group, group);
    assert_int_equal(d->dev, dev);
}

static void test_spec6(void **state)
{
    (void)state;
    char *path = fixture_path("spec6.Pipfile.lock");
    size_t len;
    char *text = slurp(path, &len);
    dep_list deps = {0};
    warnings w = {0};
    diag d = {collect, &w, 0};
    airlock_error err;
    assert_int_equal(lock_pipfile_parse(text, len, path, &deps, &d, &err), 0);
    assert_int_equal(w.n, 0);
    assert_int_equal(deps.len, 13);
    const dependency *x = deps.items;
    expect_dep(&x[0], "Django", "django", "4.2.7", "registry", true, "default", false);
    expect_dep(&x[1], "requests", "requests", "2.31.0", "registry", true, "default", false);
    expect_dep(&x[2], "mylib", "mylib", NULL, "git", false, "default", false);
    assert_string_equal(x[2].location, "https://github.com/example/mylib.git");
    assert_string_equal(x[2].skip_reason, "git source");
    expect_dep(&x[3], "localpkg", "localpkg", NULL, "editable", false, "default", false);
    assert_true(x[3].editable);
    assert_string_equal(x[3].location, "./localpkg");
    expect_dep(&x[4], "vendored", "vendored", NULL, "path", false, "default", false);
    assert_false(x[4].editable);
    expect_dep(&x[5], "wheelpkg", "wheelpkg", NULL, "url", false, "default", false);
    assert_string_equal(x[5].location, "https://example.org/wheels/wheelpkg-1.0-py3-none-any.whl");
    expect_dep(&x[6], "torch", "torch", "2.1.0+cu118", "registry", true, "default", false);
    expect_dep(&x[7], "arbitrary", "arbitrary", "1.0.post1", "registry", true, "default", false);
    expect_dep(&x[8], "anything", "anything", "*", "registry", false, "default", false);
    assert_non_null(strstr(x[8].skip_reason, "not an exact pin"));
    expect_dep(&x[9], "legacy_egg", "legacy-egg", "0.1", "hg", false, "default", false);
    expect_dep(&x[10], "pytest", "pytest", "7.4.3", "registry", true, "develop", true);
    expect_dep(&x[11], "django", "django", "4.2.7", "registry", true, "develop", true);
    expect_dep(&x[12], "Sphinx", "sphinx", "7.2.6", "registry", true, "docs", false);

    static const char *const keys[] = {"\"Django\"", "\"requests\"", "\"mylib\"",
                                       "\"localpkg\"", "\"vendored\"", "\"wheelpkg\"",
                                       "\"torch\"", "\"arbitrary\"", "\"anything\"",
                                       "\"legacy_egg\"", "\"pytest\"", "\"django\"",
                                       "\"Sphinx\""};
    for (size_t i = 0; i < deps.len; i++) {
        assert_string_equal(x[i].source_file, path);
        assert_int_equal(x[i].source_line, line_of(text, keys[i]));
    }
    dep_list_free(&deps);
    buf_free(&w.text);
    free(text);
    free(path);
}

static void test_spec1(void **state)
{
    (void)state;
    char *path = fixture_path("spec1.Pipfile.lock");
    size_t len;
    char *text = slurp(path, &len);
    dep_list deps = {0};
    warnings w = {0};
    diag d = {collect, &w, 0};
    airlock_error err;
    assert_int_equal(lock_pipfile_parse(text, len, path, &deps, &d, &err), 0);
    assert_int_equal(d.warnings, 0);
    assert_int_equal(deps.len, 3);
    expect_dep(&deps.items[0], "click", "click", "6.7", "registry", true, "default", false);
    expect_dep(&deps.items[1], "flask", "flask", "0.12.2", "registry", true, "default", false);
    expect_dep(&deps.items[2], "pytest", "pytest", "3.2.3", "registry", true, "develop", true);
    assert_int_equal(deps.items[2].source_line, line_of(text, "\"pytest\""));
    dep_list_free(&deps);
    buf_free(&w.text);
    free(text);
    free(path);
}

/* One line, as osv-scalibr's minified.json: every entry on line 1. */
static void test_minified(void **state)
{
    (void)state;
    char *path = fixture_path("minified.Pipfile.lock");
    size_t len;
    char *text = slurp(path, &len);
    dep_list deps = {0};
    airlock_error err;
    assert_int_equal(lock_pipfile_parse(text, len, path, &deps, NULL, &err), 0);
    assert_int_equal(deps.len, 3);
    assert_string_equal(deps.items[0].normalized, "markupsafe");
    assert_string_equal(deps.items[1].normalized, "jinja2");
    assert_string_equal(deps.items[2].normalized, "black");
    assert_true(deps.items[2].dev);
    for (size_t i = 0; i < deps.len; i++)
        assert_int_equal(deps.items[i].source_line, 1);
    dep_list_free(&deps);
    free(text);
    free(path);
}

/* Bad entries in a good file: a warning each, kept as skipped when named. */
static void test_bad_entries(void **state)
{
    (void)state;
    char *path = fixture_path("bad-entries.Pipfile.lock");
    size_t len;
    char *text = slurp(path, &len);
    dep_list deps = {0};
    warnings w = {0};
    diag d = {collect, &w, 0};
    airlock_error err;
    assert_int_equal(lock_pipfile_parse(text, len, path, &deps, &d, &err), 0);
    assert_int_equal(deps.len, 4);
    expect_dep(&deps.items[0], "notanobject", "notanobject", NULL, "registry", false, "default",
               false);
    expect_dep(&deps.items[1], "numversion", "numversion", NULL, "registry", false, "default",
               false);
    expect_dep(&deps.items[2], "badversion", "badversion", "not a version", "registry", false,
               "default", false);
    expect_dep(&deps.items[3], "fine", "fine", "1.0", "registry", true, "default", false);
    assert_int_equal(w.n, 5); /* 3 entries, the nameless one, "junk" */
    char want[512];
    static const char *const at[] = {"\"notanobject\"", "\"numversion\"", "\"badversion\"",
                                     "\"\": {", "\"junk\""};
    for (size_t i = 0; i < 5; i++) {
        snprintf(want, sizeof want, "%s:%u: ", path, line_of(text, at[i]));
        assert_non_null(strstr(w.text.data, want));
    }
    dep_list_free(&deps);
    buf_free(&w.text);
    free(text);
    free(path);
}

/* Files that are not (valid) Pipfile.lock: an error naming file and line,
 * nothing appended. */
static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want; /* in the message, after "x.lock:" */
    } cases[] = {
        {"", "1: invalid JSON"},
        {"{\n\"_meta\": {},\n\"default\": {,}\n}", "3: invalid JSON"},
        {"{\"_meta\": {\"pipfile-spec\": 6}, \"default\": {}}\n\n}", "3: invalid JSON: text after"},
        {"{\"_meta\": {\"pipfile-spec\": 6},\n \"default\": {\"a\": {\"version\": \"==1\t\"}}}",
         "2: invalid JSON: a control character"},
        {"{\"_meta\": {\"pipfile-spec\": 06}, \"default\": {}}", "1: invalid JSON"},
        {"{\"_meta\": {\"pipfile-spec\": +6}, \"default\": {}}", "1: invalid JSON"},
        {"{\"_meta\": {\"pipfile-spec\": 6}, \"default\": {\"\xff\": {}}}",
         "1: invalid JSON: a string that is not UTF-8"},
        {"[1, 2]", "1: not a Pipfile.lock"},
        {"{\"default\": {}}", "1: not a Pipfile.lock: no \"_meta\""},
        {"{\"_meta\": {\"pipfile-spec\": 6}, \"other\": {}}", "1: not a Pipfile.lock: neither"},
        {"{\"_meta\": {\"pipfile-spec\": 6},\n\"default\": []}", "2: not a Pipfile.lock"},
        {"{\"_meta\": {\n\"pipfile-spec\": 7}, \"default\": {}}", "2: pipfile-spec"},
        {"{\"_meta\": {\"pipfile-spec\": \"6\"}, \"default\": {}}", "1: pipfile-spec"},
        {"<?xml version=\"1.0\"?>", "1: invalid JSON: an XML"},
        /* a key given twice: the line of the second */
        {"{\"_meta\": {\"pipfile-spec\": 6}, \"default\": {\"a\": {\"version\": \"==1.0\",\n"
         "\"version\": \"==2.0\"}}}",
         "2: invalid JSON: a key given twice"},
        {"{\"_meta\": {\"pipfile-spec\": 6}, \"default\": {\n\"a\": {},\n\"b\": {},\n\"a\": {}}}",
         "4: invalid JSON: a key given twice"},
        {"{\"_meta\": {\"pipfile-spec\": 6}, \"default\": {}, \"default\": {}}",
         "1: invalid JSON: a key given twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dep_list deps = {0};
        airlock_error err = {{0}};
        int rc = lock_pipfile_parse(cases[i].text, strlen(cases[i].text), "x.lock", &deps, NULL,
                                    &err);
        if (rc != -1 || strncmp(err.msg, "x.lock:", 7) != 0 ||
            strstr(err.msg + 7, cases[i].want) != err.msg + 7)
            fail_msg("case %zu: rc %d, message \"%s\", wanted \"x.lock:%s...\"", i, rc, err.msg,
                     cases[i].want);
        assert_int_equal(deps.len, 0);
    }
}

/* The buffer is not NUL-terminated: a parse must stop at `len`. */
static void test_length_bounded(void **state)
{
    (void)state;
    const char *doc = "{\"_meta\": {\"pipfile-spec\": 6}, \"default\": {\"a\": {\"version\": "
                      "\"==1.0\"}}}";
    size_t n = strlen(doc);
    char *copy = malloc(n);
    memcpy(copy, doc, n);
    dep_list deps = {0};
    airlock_error err;
    assert_int_equal(lock_pipfile_parse(copy, n, "x", &deps, NULL, &err), 0);
    assert_int_equal(deps.len, 1);
    dep_list_free(&deps);
    assert_int_equal(lock_pipfile_parse(copy, n - 1, "x", &deps, NULL, &err), -1);
    free(copy);
}

static void on_file(void *arg, const char *path, const char *data, size_t len)
{
    (void)path;
    (void)data;
    *(size_t *)arg = len;
}

/* lockfile_read() dispatches "pipfile:FILE" here and reports the bytes read. */
static void test_lockfile_read(void **state)
{
    (void)state;
    char *path = fixture_path("spec1.Pipfile.lock");
    buf arg = {0};
    buf_printf(&arg, "pipfile:%s", path);
    lock_format f;
    const char *file;
    airlock_error err;
    assert_int_equal(lockfile_parse_arg(arg.data, &f, &file, &err), 0);
    assert_int_equal(f, LOCK_PIPFILE);
    dep_list deps = {0};
    size_t seen = 0;
    assert_int_equal(lockfile_read(file, f, &deps, NULL, on_file, &seen, &err), 0);
    assert_int_equal(deps.len, 3);
    size_t len;
    free(slurp(path, &len));
    assert_int_equal(seen, len);
    dep_list_free(&deps);
    buf_free(&arg);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec6),       cmocka_unit_test(test_spec1),
        cmocka_unit_test(test_minified),    cmocka_unit_test(test_bad_entries),
        cmocka_unit_test(test_errors),      cmocka_unit_test(test_length_bounded),
        cmocka_unit_test(test_lockfile_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
