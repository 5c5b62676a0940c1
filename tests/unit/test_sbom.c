/* Tests for scanner/inputs/sbom.c on tests/data/sbom (CycloneDX 1.4, 1.5
 * and 1.6 with nested components, SPDX 2.3) and inline documents. Expected
 * lines are found by searching the fixture for the purl, not written down. */
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
#include "scanner/inputs/sbom.h"

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

typedef struct fixture {
    char *path;
    char *text;
    size_t len;
    dep_list deps;
    sbom_info info;
    warnings w;
    diag d;
} fixture;

static void load(fixture *f, const char *name)
{
    memset(f, 0, sizeof *f);
    const char *data = getenv("AIRLOCK_TEST_DATA");
    buf b = {0};
    buf_printf(&b, "%s/sbom/%s", data ? data : "tests/data", name);
    f->path = buf_detach(&b, NULL);
    airlock_error err;
    int rc = file_read_all(f->path, SBOM_MAX_SIZE, &f->text, &f->len, &err);
    if (rc != 0)
        fail_msg("%s", err.msg);
    f->d = (diag){collect, &f->w, 0};
    rc = sbom_read(f->path, &f->deps, &f->info, &f->d, NULL, NULL, &err);
    if (rc != 0)
        fail_msg("%s", err.msg);
}

static void unload(fixture *f)
{
    dep_list_free(&f->deps);
    buf_free(&f->w.text);
    free(f->text);
    free(f->path);
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

typedef struct want {
    const char *purl; /* as written in the fixture: its line is the oracle */
    const char *name;
    const char *normalized;
    const char *version;
    bool checked;
    const char *group;
    bool dev;
} want;

static void expect(const fixture *f, const want *w, size_t n)
{
    if (f->deps.len != n)
        fail_msg("%s: %zu dependencies, expected %zu", f->path, f->deps.len, n);
    for (size_t i = 0; i < n; i++) {
        const dependency *d = &f->deps.items[i];
        assert_int_equal(d->kind, DEP_SBOM);
        assert_string_equal(d->name, w[i].name);
        assert_string_equal(d->normalized, w[i].normalized);
        if (w[i].version == NULL)
            assert_null(d->version_text);
        else
            assert_string_equal(d->version_text, w[i].version);
        if ((d->has_version && d->skip_reason == NULL) != w[i].checked)
            fail_msg("%s: %s checked is %d", f->path, d->name, !w[i].checked);
        if (!w[i].checked)
            assert_non_null(d->skip_reason);
        if (w[i].group == NULL)
            assert_null(d->group);
        else
            assert_string_equal(d->group, w[i].group);
        assert_int_equal(d->dev, w[i].dev);
        assert_string_equal(d->source_file, f->path);
        buf q = {0};
        buf_printf(&q, "\"%s\"", w[i].purl);
        assert_int_equal(d->source_line, line_of(f->text, q.data));
        buf_free(&q);
    }
}

static void test_cyclonedx_14(void **state)
{
    (void)state;
    fixture f;
    load(&f, "cyclonedx-1.4.json");
    assert_int_equal(f.info.format, SBOM_CYCLONEDX);
    assert_string_equal(f.info.spec_version, "1.4");
    /* metadata.component (no purl), 3 pypi, npm, no purl */
    assert_int_equal(f.info.components, 6);
    assert_int_equal(f.info.pypi, 3);
    assert_int_equal(f.info.other, 3);
    assert_int_equal(f.w.n, 0);
    static const want w[] = {
        {"pkg:pypi/requests@2.31.0", "requests", "requests", "2.31.0", true, NULL, false},
        {"pkg:PyPI/Flask@2.0.1", "Flask", "flask", "2.0.1", true, NULL, false},
        {"pkg:pypi/typing_extensions@4.7.1", "typing_extensions", "typing-extensions", "4.7.1",
         true, NULL, false},
    };
    expect(&f, w, 3);
    unload(&f);
}

/* metadata.component and its nested components come first, then the
 * components depth first; scope is kept in the group. */
static void test_cyclonedx_15_nested(void **state)
{
    (void)state;
    fixture f;
    load(&f, "cyclonedx-1.5.json");
    assert_string_equal(f.info.spec_version, "1.5");
    assert_int_equal(f.info.components, 8);
    assert_int_equal(f.info.pypi, 7);
    assert_int_equal(f.info.other, 1);
    assert_int_equal(f.w.n, 0);
    static const want w[] = {
        {"pkg:pypi/billing-service@1.2.0", "billing-service", "billing-service", "1.2.0", true,
         NULL, false},
        {"pkg:pypi/billing-core@1.2.0", "billing-core", "billing-core", "1.2.0", true, NULL,
         false},
        {"pkg:pypi/django@4.2.7?file_name=Django-4.2.7-py3-none-any.whl", "django", "django",
         "4.2.7", true, NULL, false},
        {"pkg:pypi/asgiref@3.7.2", "asgiref", "asgiref", "3.7.2", true, NULL, false},
        {"pkg:pypi/sqlparse@0.4.4#sqlparse/engine", "sqlparse", "sqlparse", "0.4.4", true, NULL,
         false},
        {"pkg:pypi/pytest@7.4.3", "pytest", "pytest", "7.4.3", true, "scope:excluded", true},
        {"pkg:pypi/uvloop@0.19.0?vcs_url=git%2Bhttps://github.com/MagicStack/uvloop.git",
         "uvloop", "uvloop", "0.19.0", true, "scope:optional", false},
    };
    expect(&f, w, 7);
    unload(&f);
}

/* Broken purls: a warning at their line; kept, skipped, when named. */
static void test_cyclonedx_16_edge_cases(void **state)
{
    (void)state;
    fixture f;
    load(&f, "cyclonedx-1.6.json");
    assert_string_equal(f.info.spec_version, "1.6");
    assert_int_equal(f.info.components, 12);
    assert_int_equal(f.info.pypi, 8);
    assert_int_equal(f.info.other, 4); /* container, not-a-purl, debian, deb package */
    static const want w[] = {
        {"pkg:pypi/torch@2.1.0%2Bcu118", "torch", "torch", "2.1.0+cu118", true, NULL, false},
        {"pkg:pypi/zope.interface@6.1", "zope.interface", "zope-interface", "6.1", true, NULL,
         false},
        {"pkg:pypi/internal-tool", "internal-tool", "internal-tool", NULL, false, NULL, false},
        {"pkg:pypi/ruamel.yaml@0.18%2G5", "ruamel.yaml", "ruamel-yaml", NULL, false, NULL, false},
        {"pkg:pypi/acme/scoped@1.0", "scoped", "scoped", "1.0", false, NULL, false},
        {"pkg:pypi/odd-version@latest", "odd-version", "odd-version", "latest", false, NULL,
         false},
        {"pkg:pypi/at%40name@1.0", "at@name", "at@name", "1.0", false, NULL, false},
        {"pkg:pypi/PyYAML@6.0", "PyYAML", "pyyaml", "6.0", true, NULL, false},
    };
    expect(&f, w, 8);
    assert_string_equal(f.deps.items[2].skip_reason, "no version");
    assert_string_equal(f.deps.items[3].skip_reason, "invalid package URL");
    assert_int_equal(f.w.n, 4);
    static const char *const warned[] = {"ruamel.yaml@", "acme/scoped", "odd-version@",
                                         "at%40name"};
    for (size_t i = 0; i < 4; i++) {
        char at[512];
        snprintf(at, sizeof at, "%s:%u: ", f.path, line_of(f.text, warned[i]));
        if (strstr(f.w.text.data, at) == NULL)
            fail_msg("no warning at %s in:\n%s", at, f.w.text.data);
    }
    unload(&f);
}

static void test_spdx_23(void **state)
{
    (void)state;
    fixture f;
    load(&f, "spdx-2.3.json");
    assert_int_equal(f.info.format, SBOM_SPDX);
    assert_string_equal(f.info.spec_version, "SPDX-2.3");
    assert_int_equal(f.info.components, 5);
    assert_int_equal(f.info.pypi, 3);
    assert_int_equal(f.info.other, 2);
    assert_int_equal(f.w.n, 0);
    static const want w[] = {
        {"pkg:pypi/numpy@1.26.2", "numpy", "numpy", "1.26.2", true, NULL, false},
        {"pkg:pypi/pillow@10.1.0", "pillow", "pillow", "10.1.0", true, NULL, false},
        {"pkg:pypi/charset_normalizer@3.3.2", "charset_normalizer", "charset-normalizer", "3.3.2",
         true, NULL, false},
    };
    expect(&f, w, 3);
    unload(&f);
}

static int parse(const char *text, dep_list *deps, sbom_info *info, warnings *w,
                 airlock_error *err)
{
    diag d = {collect, w, 0};
    return sbom_parse(text, strlen(text), "x.json", deps, info, &d, err);
}

/* Refused files: an error naming file and line, nothing appended. */
static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want; /* in the message, after "x.json:" */
    } cases[] = {
        {"", "1: invalid JSON"},
        {"{\n\"bomFormat\": \"CycloneDX\",\n\"components\": [,]}", "3: invalid JSON"},
        {"{\"bomFormat\": \"CycloneDX\"}\n{}", "2: invalid JSON: text after"},
        {"<?xml version=\"1.0\"?><bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\"/>",
         "1: invalid JSON: an XML"},
        {"[]", "1: not an SBOM"},
        {"{\"bomFormat\": \"SWID\"}", "1: not an SBOM"},
        {"{\"name\": \"x\", \"packages\": []}", "1: not an SBOM"},
        {"{\"spdxVersion\": 2.3, \"packages\": []}", "1: not an SBOM"},
        /* which purl would be meant depends on the JSON reader: refused */
        {"{\"bomFormat\": \"CycloneDX\", \"components\": [{\"type\": \"library\",\n"
         "\"purl\": \"pkg:pypi/a@1.0\",\n\"purl\": \"pkg:pypi/a@2.0\"}]}",
         "3: invalid JSON: a key given twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dep_list deps = {0};
        sbom_info info;
        warnings w = {0};
        airlock_error err = {{0}};
        int rc = parse(cases[i].text, &deps, &info, &w, &err);
        if (rc != -1 || strncmp(err.msg, "x.json:", 7) != 0 ||
            strstr(err.msg + 7, cases[i].want) != err.msg + 7)
            fail_msg("case %zu: rc %d, message \"%s\", wanted \"x.json:%s...\"", i, rc, err.msg,
                     cases[i].want);
        assert_int_equal(deps.len, 0);
        buf_free(&w.text);
    }
}

/* Versions outside what is known: a warning, and read anyway. */
static void test_other_versions(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned warnings;
    } cases[] = {
        {"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.3\",\n\"components\": "
         "[{\"type\": \"library\", \"name\": \"a\", \"purl\": \"pkg:pypi/a@1\"}]}",
         1},
        {"{\"bomFormat\": \"CycloneDX\",\n\"components\": "
         "[{\"type\": \"library\", \"name\": \"a\", \"purl\": \"pkg:pypi/a@1\"}]}",
         1},
        {"{\"spdxVersion\": \"SPDX-2.2\", \"packages\": [{\"externalRefs\": [{\"referenceType\": "
         "\"purl\", \"referenceLocator\": \"pkg:pypi/a@1\"}]}]}",
         0},
        {"{\"spdxVersion\": \"SPDX-9.9\", \"packages\": [{\"externalRefs\": [{\"referenceType\": "
         "\"purl\", \"referenceLocator\": \"pkg:pypi/a@1\"}]}]}",
         1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dep_list deps = {0};
        sbom_info info;
        warnings w = {0};
        airlock_error err;
        assert_int_equal(parse(cases[i].text, &deps, &info, &w, &err), 0);
        if (w.n != cases[i].warnings)
            fail_msg("case %zu: %u warnings: %s", i, w.n, w.text.data ? w.text.data : "");
        assert_int_equal(deps.len, 1);
        assert_true(deps.items[0].has_version);
        dep_list_free(&deps);
        buf_free(&w.text);
    }
}

/* Wrong types inside a good file: warnings, the rest still read. */
static void test_bad_shapes(void **state)
{
    (void)state;
    const char *text = "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\",\n"
                       "\"metadata\": {\"component\": {\"type\": \"library\", \"name\": \"m\",\n"
                       "  \"components\": 3}},\n"
                       "\"components\": [7,\n"
                       " {\"type\": \"library\", \"name\": \"p\", \"purl\": 5},\n"
                       " {\"type\": \"library\", \"name\": \"q\", \"purl\": \"pkg:pypi/q@2.0\"}]}";
    dep_list deps = {0};
    sbom_info info;
    warnings w = {0};
    airlock_error err;
    assert_int_equal(parse(text, &deps, &info, &w, &err), 0);
    assert_int_equal(deps.len, 1);
    assert_string_equal(deps.items[0].name, "q");
    assert_int_equal(deps.items[0].source_line, 6);
    assert_int_equal(info.components, 4);
    assert_int_equal(info.other, 3);
    assert_int_equal(w.n, 3);
    assert_non_null(strstr(w.text.data, "x.json:3: "));
    assert_non_null(strstr(w.text.data, "x.json:4: "));
    assert_non_null(strstr(w.text.data, "x.json:5: "));
    dep_list_free(&deps);
    buf_free(&w.text);

    const char *spdx = "{\"spdxVersion\": \"SPDX-2.3\", \"packages\": [\n"
                       "{\"externalRefs\": {}},\n"
                       "{\"externalRefs\": [{\"referenceType\": \"purl\"},\n"
                       " {\"referenceType\": \"purl\", \"referenceLocator\": \"pkg:pypi/a@1\"},\n"
                       " {\"referenceType\": \"purl\", \"referenceLocator\": \"pkg:pypi/b@2\"}]}]}";
    memset(&w, 0, sizeof w);
    assert_int_equal(parse(spdx, &deps, &info, &w, &err), 0);
    /* Two pkg:pypi purls in one package: two dependencies, one package. */
    assert_int_equal(deps.len, 2);
    assert_int_equal(info.components, 2);
    assert_int_equal(info.pypi, 1);
    assert_int_equal(info.other, 1);
    assert_int_equal(w.n, 2);
    dep_list_free(&deps);
    buf_free(&w.text);
}

/* The shape of Airlock's own CycloneDX report (report_cyclonedx.c): the
 * purl's name is normalised, its version escaped, and a skipped
 * dependency's purl has no version. */
static void test_airlock_report_shape(void **state)
{
    (void)state;
    const char *text =
        "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": [\n"
        "{\"type\": \"library\", \"bom-ref\": \"dep-1\", \"name\": \"Torch_Vision\",\n"
        " \"version\": \"0.16.0+cu118\", \"purl\": \"pkg:pypi/torch-vision@0.16.0%2Bcu118\"},\n"
        "{\"type\": \"library\", \"bom-ref\": \"dep-2\", \"name\": \"unpinned\",\n"
        " \"purl\": \"pkg:pypi/unpinned\"}]}";
    dep_list deps = {0};
    sbom_info info;
    warnings w = {0};
    airlock_error err;
    assert_int_equal(parse(text, &deps, &info, &w, &err), 0);
    assert_int_equal(deps.len, 2);
    assert_string_equal(deps.items[0].name, "torch-vision");
    assert_string_equal(deps.items[0].version_text, "0.16.0+cu118");
    assert_true(deps.items[0].has_version);
    assert_int_equal(deps.items[0].source_line, 3);
    assert_null(deps.items[1].version_text);
    assert_string_equal(deps.items[1].skip_reason, "no version");
    dep_list_free(&deps);
}

static void on_file(void *arg, const char *path, const char *data, size_t len)
{
    (void)path;
    (void)data;
    *(size_t *)arg = len;
}

static void test_read_reports_bytes(void **state)
{
    (void)state;
    fixture f;
    load(&f, "spdx-2.3.json");
    dep_list deps = {0};
    sbom_info info;
    size_t seen = 0;
    airlock_error err;
    assert_int_equal(sbom_read(f.path, &deps, &info, NULL, on_file, &seen, &err), 0);
    assert_int_equal(seen, f.len);
    assert_string_equal(sbom_format_name(SBOM_SPDX), "spdx");
    assert_string_equal(sbom_format_name(SBOM_CYCLONEDX), "cyclonedx");
    assert_int_equal(sbom_read("/nonexistent/bom.json", &deps, &info, NULL, NULL, NULL, &err),
                     -1);
    assert_non_null(strstr(err.msg, "/nonexistent/bom.json"));
    dep_list_free(&deps);
    unload(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cyclonedx_14),
        cmocka_unit_test(test_cyclonedx_15_nested),
        cmocka_unit_test(test_cyclonedx_16_edge_cases),
        cmocka_unit_test(test_spdx_23),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_other_versions),
        cmocka_unit_test(test_bad_shapes),
        cmocka_unit_test(test_airlock_report_shape),
        cmocka_unit_test(test_read_reports_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
