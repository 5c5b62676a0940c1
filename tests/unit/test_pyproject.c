/* Tests for scanner/inputs/pyproject: the fixtures in tests/data/pyproject,
 * one per section kind and rule, and a few documents built in memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/inputs/poetry_constraint.h"
#include "scanner/inputs/pyproject.h"

typedef struct result {
    dep_list deps;
    buf warnings; /* "FILE:LINE: MSG\n" each */
    unsigned n_warnings;
    char *note;
    int rc;
    airlock_error err;
} result;

static void collect(void *arg, const char *file, unsigned line, const char *msg)
{
    result *r = arg;
    buf_printf(&r->warnings, "%s:%u: %s\n", file ? file : "?", line, msg);
    r->n_warnings++;
}

static char *fixture(const char *name)
{
    const char *dir = getenv("AIRLOCK_TEST_DATA");
    buf b = {0};
    buf_printf(&b, "%s/pyproject/%s", dir ? dir : "tests/data", name);
    return buf_detach(&b, NULL);
}

static void read_fixture(const char *name, result *r)
{
    memset(r, 0, sizeof *r);
    diag d = {collect, r, 0};
    char *path = fixture(name);
    r->rc = pyproject_read_note(path, &r->deps, &d, NULL, NULL, &r->note, &r->err);
    assert_int_equal(d.warnings, r->n_warnings);
    free(path);
}

static void parse_text(const char *text, result *r)
{
    memset(r, 0, sizeof *r);
    diag d = {collect, r, 0};
    r->rc = pyproject_parse_note(text, strlen(text), "mem.toml", &r->deps, &d, &r->note,
                                 &r->err);
}

static void result_free(result *r)
{
    dep_list_free(&r->deps);
    buf_free(&r->warnings);
    free(r->note);
}

/* The dependency `name` declared at `line`. */
static const dependency *at(const result *r, const char *name, unsigned line)
{
    for (size_t i = 0; i < r->deps.len; i++)
        if (strcmp(r->deps.items[i].name, name) == 0 && r->deps.items[i].source_line == line)
            return &r->deps.items[i];
    fail_msg("no dependency '%s' at line %u", name, line);
    return NULL;
}

static void expect_common(const dependency *d, const char *group, bool dev, const char *kind)
{
    assert_int_equal(d->kind, DEP_DECLARED);
    assert_non_null(d->source_file);
    if (strcmp(d->group, group) != 0)
        fail_msg("%s: group '%s', want '%s'", d->name, d->group, group);
    assert_int_equal(d->dev, dev);
    if (kind == NULL)
        assert_null(d->source_kind);
    else if (d->source_kind == NULL || strcmp(d->source_kind, kind) != 0)
        fail_msg("%s: source kind '%s', want '%s'", d->name,
                 d->source_kind ? d->source_kind : "(null)", kind);
}

static void expect_pin(const result *r, const char *name, unsigned line, const char *want,
                       const char *group, bool dev)
{
    const dependency *d = at(r, name, line);
    if (d->skip_reason)
        fail_msg("%s:%u skipped: %s", name, line, d->skip_reason);
    assert_true(d->has_version);
    assert_string_equal(d->version_text, want);
    expect_common(d, group, dev, "registry");
}

static void expect_skip(const result *r, const char *name, unsigned line, const char *reason,
                        const char *group, bool dev, const char *kind)
{
    const dependency *d = at(r, name, line);
    assert_false(d->has_version);
    if (d->skip_reason == NULL || strcmp(d->skip_reason, reason) != 0)
        fail_msg("%s:%u: skip reason '%s', want '%s'", name, line,
                 d->skip_reason ? d->skip_reason : "(none)", reason);
    expect_common(d, group, dev, kind);
}

static void expect_warning(const result *r, const char *needle)
{
    if (!r->warnings.data || !strstr(r->warnings.data, needle))
        fail_msg("no warning containing '%s' in:\n%s", needle,
                 r->warnings.data ? r->warnings.data : "");
}

static void test_project(void **state)
{
    (void)state;
    result r;
    read_fixture("project.toml", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 13);
    expect_pin(&r, "requests", 6, "2.31.0", "project", false);
    expect_skip(&r, "urllib3", 7, "range '>=1.26,<3'", "project", false, "registry");
    expect_skip(&r, "flask", 8, "not pinned", "project", false, "registry");
    expect_pin(&r, "Django", 9, "4.2.1", "project", false);
    assert_string_equal(at(&r, "Django", 9)->normalized, "django");
    expect_skip(&r, "numpy", 10, "range '==1.26.*'", "project", false, "registry");
    expect_skip(&r, "legacy", 11, "pinned to '1.0-custom', which is not a PEP 440 version",
                "project", false, "registry");
    expect_pin(&r, "oldpin", 12, "2.0", "project", false);
    expect_skip(&r, "pkg", 13, "url source", "project", false, "url");
    assert_string_equal(at(&r, "pkg", 13)->location, "https://example.com/pkg-1.0.tar.gz");
    expect_skip(&r, "vcs", 14, "git source", "project", false, "git");
    expect_skip(&r, "local", 15, "path source", "project", false, "path");
    /* Not PEP 508: a warning with the line, and kept when it has a name. */
    expect_skip(&r, "broken-spec", 16, "invalid requirement", "project", false, NULL);
    expect_warning(&r, "project.toml:16: [project] dependencies: invalid requirement "
                       "'broken-spec >= '");
    expect_warning(&r, "project.toml:17: [project] dependencies: invalid requirement '!!! not");
    assert_int_equal(r.n_warnings, 2);
    expect_pin(&r, "PySocks", 21, "1.7.1", "extra:socks", false);
    expect_skip(&r, "pytest", 23, "range '>=7'", "extra:Test_Extra", false, "registry");
    /* File order. */
    assert_string_equal(r.deps.items[0].name, "requests");
    assert_string_equal(r.deps.items[12].name, "pytest");
    assert_null(r.note);
    result_free(&r);
}

static void test_dependency_groups(void **state)
{
    (void)state;
    result r;
    read_fixture("groups.toml", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 6);
    /* Each requirement once, with every group that holds it (its own, then
     * those including it directly or not, in file order). */
    expect_pin(&r, "coverage", 3, "7.4.0", "coverage, test, dev, all", false);
    expect_pin(&r, "pytest", 5, "8.0.0", "test, dev, all", false);
    expect_skip(&r, "ruff", 10, "range '>=0.4'", "dev", true, "registry");
    expect_skip(&r, "sphinx", 12, "not pinned", "Docs_Site, all", false, "registry");
    expect_pin(&r, "mypy", 19, "1.9.0", "typing", false);
    /* "docs.site" and "Docs_Site" normalise alike: a warning, and the
     * include of "docs-site" includes both. */
    expect_pin(&r, "furo", 20, "2024.1.29", "docs.site, all", false);
    expect_warning(&r, "groups.toml:20: dependency groups 'Docs_Site' and 'docs.site'");
    expect_warning(&r, "groups.toml:16: dependency group 'all': include-group 'missing': no "
                       "such group");
    expect_warning(&r, "groups.toml:17: dependency group 'all': a table in a group must be");
    assert_int_equal(r.n_warnings, 3);
    assert_string_equal(r.deps.items[0].name, "coverage");
    assert_string_equal(r.deps.items[5].name, "furo");
    result_free(&r);
}

static void test_include_cycle(void **state)
{
    (void)state;
    result r;
    read_fixture("groups_cycle.toml", &r);
    assert_int_equal(r.rc, -1);
    if (!strstr(r.err.msg, "groups_cycle.toml:8: dependency groups include each other in a "
                           "cycle: a -> b -> c -> a"))
        fail_msg("error: %s", r.err.msg);
    assert_int_equal(r.deps.len, 0); /* nothing appended, [project]'s included */
    result_free(&r);

    parse_text("[dependency-groups]\nok = [\"x\"]\nself = [\"y\", {include-group = \"Self\"}]\n",
               &r);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err.msg, "mem.toml:3: "));
    assert_non_null(strstr(r.err.msg, "self -> self"));
    result_free(&r);
}

static void test_include_bounds(void **state)
{
    (void)state;
    /* A chain g0 -> g1 -> ... -> g200: g200's requirement is held by all
     * 201 groups; its group string is cut and counts the rest. */
    buf doc = {0};
    buf_puts(&doc, "[dependency-groups]\n");
    for (int i = 0; i < 200; i++)
        buf_printf(&doc, "g%d = [\"p%d\", {include-group = \"g%d\"}]\n", i, i, i + 1);
    buf_puts(&doc, "g200 = [\"last==1.0\"]\n");
    result r;
    parse_text(doc.data, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 201);
    const dependency *last = at(&r, "last", 202);
    assert_true(strncmp(last->group, "g200, g0, g1, g2, ", 18) == 0);
    assert_non_null(strstr(last->group, " more)"));
    assert_true(strlen(last->group) < 600);
    assert_true(last->has_version);
    result_free(&r);

    /* 2,000 groups in a chain: about two million links to follow. */
    buf_reset(&doc);
    buf_puts(&doc, "[dependency-groups]\n");
    for (int i = 0; i < 2000; i++)
        buf_printf(&doc, "g%d = [{include-group = \"g%d\"}]\n", i, i + 1);
    buf_puts(&doc, "g2000 = [\"x\"]\n");
    parse_text(doc.data, &r);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err.msg, "include-group links"));
    assert_int_equal(r.deps.len, 0);
    result_free(&r);

    /* 1,100 groups whose names normalise alike, included by 1,000 groups:
     * over a million links, refused before they are recorded. */
    buf_reset(&doc);
    buf_puts(&doc, "[dependency-groups]\n");
    for (int i = 0; i < 1100; i++) {
        buf_puts(&doc, "\"a");
        for (int k = 0; k <= i; k++)
            buf_putc(&doc, k % 2 ? '_' : '-');
        buf_puts(&doc, "b\" = [\"x\"]\n");
    }
    for (int i = 0; i < 1000; i++)
        buf_printf(&doc, "inc%d = [{include-group = \"a-b\"}]\n", i);
    parse_text(doc.data, &r);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err.msg, "include-group links"));
    assert_int_equal(r.deps.len, 0);
    result_free(&r);

    /* At most PYPROJECT_MAX_DEPS dependencies: one more refuses the file,
     * naming the line of the one too many, and appends nothing. */
    buf_reset(&doc);
    buf_puts(&doc, "[project]\ndependencies = [\n");
    for (int i = 0; i <= PYPROJECT_MAX_DEPS; i++)
        buf_puts(&doc, "\"a\",\n");
    buf_puts(&doc, "]\n");
    parse_text(doc.data, &r);
    assert_int_equal(r.rc, -1);
    char want[64];
    snprintf(want, sizeof want, "mem.toml:%d: more than %d dependencies", PYPROJECT_MAX_DEPS + 3,
             PYPROJECT_MAX_DEPS);
    assert_string_equal(r.err.msg, want);
    assert_int_equal(r.deps.len, 0);
    result_free(&r);

    /* A long group name is cut in the group string. */
    buf_reset(&doc);
    buf_puts(&doc, "[dependency-groups]\n");
    for (int i = 0; i < 300; i++)
        buf_putc(&doc, 'n');
    buf_puts(&doc, " = [\"x==1\"]\n");
    parse_text(doc.data, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 1);
    assert_int_equal(strlen(r.deps.items[0].group), 128 + 3);
    expect_warning(&r, "not a valid name"); /* longer than names may be */
    result_free(&r);
    buf_free(&doc);
}

static void test_poetry(void **state)
{
    (void)state;
    result r;
    read_fixture("poetry.toml", &r);
    assert_int_equal(r.rc, 0);
    for (size_t i = 0; i < r.deps.len; i++)
        assert_string_not_equal(r.deps.items[i].name, "python");
    assert_int_equal(r.deps.len, 27);
    expect_pin(&r, "requests", 8, "2.31.0", "main", false);
    expect_pin(&r, "django", 9, "4.2.1", "main", false);
    expect_pin(&r, "arbitrary", 10, "1.0", "main", false);
    expect_skip(&r, "caret", 11, "range '^1.2'", "main", false, "registry");
    expect_skip(&r, "tilde", 12, "range '~1.2'", "main", false, "registry");
    expect_skip(&r, "tilde-eq", 13, "range '~=1.2'", "main", false, "registry");
    expect_skip(&r, "both", 14, "range '>=1,<2'", "main", false, "registry");
    expect_skip(&r, "spaced", 15, "range '>=1 <2'", "main", false, "registry");
    expect_skip(&r, "anything", 16, "not pinned", "main", false, "registry");
    expect_skip(&r, "blank", 17, "not pinned", "main", false, "registry");
    expect_skip(&r, "wild", 18, "range '1.2.*'", "main", false, "registry");
    expect_skip(&r, "either", 19, "range '1.2 || 1.3'", "main", false, "registry");
    /* Ranges carry their PEP 440 meaning for range_risk; a union has none. */
    assert_string_equal(at(&r, "caret", 11)->specifier, ">=1.2,<2.0.0");
    assert_string_equal(at(&r, "spaced", 15)->specifier, ">=1,<2");
    assert_string_equal(at(&r, "anything", 16)->specifier, "");
    assert_null(at(&r, "either", 19)->specifier);
    assert_null(at(&r, "requests", 8)->specifier);
    expect_skip(&r, "bad-pin", 20, "pinned to 'not.a.version', which is not a PEP 440 version",
                "main", false, "registry");
    expect_warning(&r, "poetry.toml:20: bad-pin: ");
    assert_int_equal(r.n_warnings, 1);
    expect_pin(&r, "zope.interface", 21, "5.4.0", "main", false);
    assert_string_equal(at(&r, "zope.interface", 21)->normalized, "zope-interface");
    expect_skip(&r, "unversioned", 22, "not pinned", "main", false, "registry");
    expect_skip(&r, "rangetab", 23, "range '>=2'", "main", false, "registry");
    /* An array of tables: one dependency per element, at its line. */
    expect_pin(&r, "numpy", 25, "1.24.4", "main", false);
    expect_skip(&r, "numpy", 26, "range '>=1.26'", "main", false, "registry");
    expect_skip(&r, "vcs", 28, "git source", "main", false, "git");
    assert_string_equal(at(&r, "vcs", 28)->location, "https://github.com/o/vcs.git");
    expect_skip(&r, "archive", 29, "url source", "main", false, "url");
    expect_skip(&r, "wheel", 30, "path source", "main", false, "path");
    expect_skip(&r, "localdir", 31, "directory source", "main", false, "directory");
    expect_skip(&r, "editable", 32, "editable source", "main", false, "editable");
    assert_true(at(&r, "editable", 32)->editable);
    assert_false(at(&r, "localdir", 31)->editable);
    expect_pin(&r, "subtable", 46, "3.0.0", "main", false);
    /* Groups: dev unless named main; an optional group is read too. */
    expect_pin(&r, "pytest", 35, "8.0.0", "test", true);
    expect_skip(&r, "sphinx", 41, "range '^7'", "docs", true, "registry");
    expect_pin(&r, "attrs", 44, "23.2.0", "main", false);
    assert_null(r.note);
    result_free(&r);

    read_fixture("poetry_old.toml", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 3);
    expect_pin(&r, "six", 7, "1.16.0", "main", false);
    expect_skip(&r, "pytest", 10, "range '^6.0'", "dev", true, "registry");
    expect_pin(&r, "black", 11, "22.3.0", "dev", true);
    assert_int_equal(r.n_warnings, 0);
    result_free(&r);
}

static void test_constraint_classes(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        poetry_constraint_kind kind;
        const char *out;
    } cases[] = {
        {"4.2.1", POETRY_PIN, "4.2.1"},      {" ==4.2.1 ", POETRY_PIN, "4.2.1"},
        {"== 4.2.1", POETRY_PIN, "4.2.1"},   {"=4.2", POETRY_PIN, "4.2"},
        {"===1.0", POETRY_PIN, "1.0"},       {"v1.0", POETRY_PIN, "v1.0"},
        {"^1.2", POETRY_RANGE, "^1.2"},      {"~1.2", POETRY_RANGE, "~1.2"},
        {"~=1.2", POETRY_RANGE, "~=1.2"},    {">=1,<2", POETRY_RANGE, ">=1,<2"},
        {" >=1 <2", POETRY_RANGE, ">=1 <2"}, {"1.2.*", POETRY_RANGE, "1.2.*"},
        {"1.2 || 1.3", POETRY_RANGE, "1.2 || 1.3"}, {"1.2|1.3", POETRY_RANGE, "1.2|1.3"},
        {"!=1.0", POETRY_RANGE, "!=1.0"},    {"==", POETRY_RANGE, "=="},
        {"====1", POETRY_RANGE, "====1"},    {"==*", POETRY_RANGE, "==*"},
        {"*", POETRY_ANY, NULL},             {"", POETRY_ANY, NULL},
        {"  \t", POETRY_ANY, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *out = NULL;
        size_t n = 0;
        poetry_constraint_kind k =
            poetry_constraint_classify(cases[i].text, strlen(cases[i].text), &out, &n);
        if (k != cases[i].kind)
            fail_msg("'%s': kind %d, want %d", cases[i].text, (int)k, (int)cases[i].kind);
        if (cases[i].out && (n != strlen(cases[i].out) || memcmp(out, cases[i].out, n) != 0))
            fail_msg("'%s': gave '%.*s', want '%s'", cases[i].text, (int)n, out, cases[i].out);
    }
    /* No NUL needed: only `len` bytes are looked at. */
    assert_int_equal(poetry_constraint_classify("1.0^", 3, NULL, NULL), POETRY_PIN);
}

/* Poetry's ranges as PEP 440 specifiers, by poetry-core's documented rules
 * (python-poetry.org, "Dependency specification"): ^ allows changes that
 * keep the leftmost non-zero part, ~ changes of the last part given (of
 * the minor when two or more are given). */
static void test_constraint_pep440(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want; /* NULL: no PEP 440 form */
    } cases[] = {
        {"^1.2.3", ">=1.2.3,<2.0.0"}, {"^1.2", ">=1.2,<2.0.0"},   {"^1", ">=1,<2.0.0"},
        {"^0.2.3", ">=0.2.3,<0.3.0"}, {"^0.0.3", ">=0.0.3,<0.0.4"}, {"^0.0", ">=0.0,<0.1.0"},
        {"^0", ">=0,<1.0.0"},         {"^1.2.3.4", ">=1.2.3.4,<2.0.0.0"},
        {"^2.0b1", ">=2.0b1,<3.0.0"}, {"~1.2.3", ">=1.2.3,<1.3.0"}, {"~1.2", ">=1.2,<1.3"},
        {"~1", ">=1,<2"},             {"~=1.2", "~=1.2"},           {">=1,<2", ">=1,<2"},
        {" >=1 <2", ">=1,<2"},        {">= 1.0, < 2.0", ">=1.0,<2.0"}, {"1.2.*", "==1.2.*"},
        {"!=1.0", "!=1.0"},           {"4.2.1", "==4.2.1"},         {"=4.2", "==4.2"},
        {"*", ""},                    {"", ""},                     {">=1,*", ">=1"},
        {"1.2 || 1.3", NULL},         {"1.2|1.3", NULL},            {"^x", NULL},
        {"^", NULL},                  {"=<1", NULL},                {"^=1", NULL},
        {"====1", NULL},              {"^99999999999999999", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf out = {0};
        buf_puts(&out, "x");
        int rc = poetry_constraint_pep440(cases[i].text, strlen(cases[i].text), &out);
        if (cases[i].want == NULL) {
            if (rc != -1 || strcmp(out.data, "x") != 0)
                fail_msg("'%s': rc %d, gave '%s', want no form", cases[i].text, rc, out.data);
        } else if (rc != 0 || strcmp(out.data + 1, cases[i].want) != 0) {
            fail_msg("'%s': rc %d, gave '%s', want '%s'", cases[i].text, rc, out.data + 1,
                     cases[i].want);
        }
        buf_free(&out);
    }
}

typedef struct seen_file {
    int calls;
    char *path;
    char *data;
    size_t len;
} seen_file;

static void on_file(void *arg, const char *path, const char *data, size_t len)
{
    seen_file *s = arg;
    s->calls++;
    s->path = strdup(path);
    s->data = malloc(len + 1);
    memcpy(s->data, data, len);
    s->len = len;
}

static void test_dynamic_and_notes(void **state)
{
    (void)state;
    result r;
    read_fixture("dynamic.toml", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n_warnings, 0); /* not a defect of the file */
    assert_int_equal(r.deps.len, 1);   /* and no pseudo-dependency */
    expect_pin(&r, "pytest", 6, "8.0.0", "dev", true);
    assert_non_null(r.note);
    assert_non_null(strstr(r.note, "[project] dependencies are dynamic: the build backend "
                                   "computes them and this file does not list them"));
    assert_non_null(strstr(r.note, "[project] optional-dependencies are dynamic"));
    result_free(&r);

    read_fixture("dynamic_poetry.toml", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 1);
    expect_pin(&r, "attrs", 8, "23.2.0", "main", false);
    assert_string_equal(r.note,
                        "[project] dependencies are dynamic: read from [tool.poetry.dependencies]");
    result_free(&r);

    read_fixture("empty.toml", &r); /* [build-system] requires is not read */
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 0);
    assert_string_equal(r.note, "declares no dependencies");
    result_free(&r);

    /* Listed statically and as dynamic: PEP 621 forbids it; read, warned. */
    parse_text("[project]\ndynamic = [\"dependencies\"]\ndependencies = [\"a==1\"]\n", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 1);
    expect_warning(&r, "mem.toml:3: [project] dependencies is also listed in dynamic");
    result_free(&r);

    /* pyproject_parse() and pyproject_read() are the same without a note. */
    dep_list deps = {0};
    airlock_error err;
    const char *text = "[project]\ndependencies = [\"a==1\"]\n";
    assert_int_equal(pyproject_parse(text, strlen(text), "x.toml", &deps, NULL, &err), 0);
    assert_int_equal(deps.len, 1);
    char *path = fixture("poetry_old.toml");
    seen_file seen = {0};
    assert_int_equal(pyproject_read(path, &deps, NULL, on_file, &seen, &err), 0);
    assert_int_equal(deps.len, 4);
    /* on_file is told of exactly the bytes parsed (what evidence records). */
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.path, path);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char bytes[4096];
    size_t n = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    assert_int_equal(seen.len, n);
    assert_memory_equal(seen.data, bytes, n);
    free(seen.path);
    free(seen.data);
    free(path);
    dep_list_free(&deps);
}

static void test_bad_input(void **state)
{
    (void)state;
    result r;
    read_fixture("invalid.toml", &r);
    assert_int_equal(r.rc, -1);
    if (!strstr(r.err.msg, "invalid.toml:5: "))
        fail_msg("error: %s", r.err.msg);
    assert_int_equal(r.deps.len, 0);
    result_free(&r);

    read_fixture("no-such-file.toml", &r);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err.msg, "no-such-file.toml"));
    result_free(&r);

    /* Values of the wrong type: warnings with their line; a Poetry entry is
     * kept, skipped, since its key names it. */
    read_fixture("types.toml", &r);
    assert_int_equal(r.rc, 0);
    expect_pin(&r, "ok", 3, "1.0", "project", false);
    expect_warning(&r, "types.toml:3: [project] dependencies: a requirement must be a string, "
                       "not integer");
    expect_warning(&r, "types.toml:3: [project] dependencies: a requirement must be a string, "
                       "not table");
    expect_warning(&r, "types.toml:4: [project] optional-dependencies must be a table");
    expect_warning(&r, "types.toml:7: dependency group 'strgroup' must be an array");
    expect_pin(&r, "good", 8, "2.0", "mixed", false);
    expect_warning(&r, "types.toml:8: dependency group mixed: a requirement must be a string, "
                       "not float");
    expect_warning(&r, "types.toml:8: dependency group 'mixed': a table in a group must be");
    expect_warning(&r, "types.toml:11: [tool.poetry.dev-dependencies] must be a table");
    expect_skip(&r, "num", 15, "invalid entry", "main", false, NULL);
    expect_skip(&r, "arr-empty", 16, "invalid entry", "main", false, NULL);
    expect_skip(&r, "arr-strings", 17, "invalid entry", "main", false, NULL);
    expect_skip(&r, "badver", 18, "invalid entry", "main", false, NULL);
    expect_skip(&r, "badgit", 19, "invalid entry", "main", false, NULL);
    expect_skip(&r, "bad name!", 20, "invalid project name", "main", false, NULL);
    expect_warning(&r, "types.toml:15: [tool.poetry.dependencies]: num: ");
    expect_warning(&r, "types.toml:20: [tool.poetry.dependencies]: 'bad name!' is not a valid");
    expect_warning(&r, "types.toml:23: [tool.poetry.group.notatable] must be a table");
    expect_warning(&r, "types.toml:24: [tool.poetry.group.broken.dependencies] must be a table");
    assert_int_equal(r.deps.len, 8);
    assert_int_equal(r.n_warnings, 15);
    result_free(&r);

    read_fixture("types_root.toml", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.deps.len, 0);
    expect_warning(&r, "types_root.toml:1: [project] must be a table, not integer");
    expect_warning(&r, "types_root.toml:2: [dependency-groups] must be a table, not array");
    expect_warning(&r, "types_root.toml:3: [tool] must be a table, not string");
    assert_int_equal(r.n_warnings, 3);
    result_free(&r);

    /* A name longer than any project name before the bad character: no
     * name is made up by cutting it; "name-" before one is "name". */
    buf doc = {0};
    buf_puts(&doc, "[project]\ndependencies = [\"");
    for (int i = 0; i < 300; i++)
        buf_putc(&doc, 'a');
    buf_puts(&doc, " !\", \"tail- !\"]\n");
    parse_text(doc.data, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n_warnings, 2);
    assert_int_equal(r.deps.len, 1);
    expect_skip(&r, "tail", 2, "invalid requirement", "project", false, NULL);
    result_free(&r);
    buf_free(&doc);

    /* A requirement string holding a NUL: a warning, kept by its name. */
    parse_text("[project]\ndependencies = [\"evil\\u0000==1.0\"]\n", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n_warnings, 1);
    expect_skip(&r, "evil", 2, "invalid requirement", "project", false, NULL);
    result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_project),
        cmocka_unit_test(test_dependency_groups),
        cmocka_unit_test(test_include_cycle),
        cmocka_unit_test(test_include_bounds),
        cmocka_unit_test(test_poetry),
        cmocka_unit_test(test_constraint_classes),
        cmocka_unit_test(test_constraint_pep440),
        cmocka_unit_test(test_dynamic_and_notes),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
