/*
 * test_index_page - the PEP 691 page reader (dbbuild/index_page.h): good
 * pages (PEP 700 versions, versions from file names), yanked with and
 * without a reason, bad pages, bad items inside good pages (each a counted
 * warning), and hostile sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "db/vulndb_rel.h"
#include "dbbuild/index_page.h"

/* Warnings kept for the assertions. */
typedef struct seen {
    buf text;
    unsigned n;
} seen;

static void keep(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)line;
    seen *s = arg;
    buf_printf(&s->text, "%s: %s\n", file ? file : "-", msg);
    s->n++;
}

static int parse(const char *json, const char *expect, seen *s, index_project *p,
                 airlock_error *err)
{
    diag d = {.fn = keep, .arg = s};
    return index_page_parse(json, strlen(json), "page.json", expect, &d, p, err);
}

static const index_release *rel(const index_project *p, const char *v)
{
    for (size_t i = 0; i < p->n_rels; i++)
        if (strcmp(p->rels[i].text, v) == 0)
            return &p->rels[i];
    fail_msg("no release %s", v);
    return NULL;
}

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_pep700_versions(void **state)
{
    (void)state;
    const char *page =
        "{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"Foo_Bar\",\"versions\":[\"1.0\","
        "\"2.0rc1\",\"0.9\"],\"files\":["
        "{\"filename\":\"foo_bar-1.0-py3-none-any.whl\",\"hashes\":{\"sha256\":\"" H64 "\"},"
        "\"requires-python\":\">=3.8\",\"upload-time\":\"2024-01-02T03:04:05.678901Z\","
        "\"yanked\":false},"
        "{\"filename\":\"Foo-Bar-1.0.tar.gz\",\"hashes\":{\"sha256\":\"" H64 "\"},"
        "\"upload-time\":\"2024-01-02T03:04:01Z\"}]}";
    seen s = {0};
    index_project p;
    airlock_error err;
    assert_int_equal(parse(page, "foo-bar", &s, &p, &err), 0);
    assert_int_equal(s.n, 0);
    assert_string_equal(p.name, "foo-bar");
    assert_int_equal(p.n_rels, 3);
    assert_string_equal(p.rels[0].text, "0.9");
    assert_string_equal(p.rels[1].text, "1.0");
    assert_string_equal(p.rels[2].text, "2.0rc1");
    const index_release *r = rel(&p, "1.0");
    assert_int_equal(r->n_files, 2);
    assert_string_equal(r->files[0].filename, "Foo-Bar-1.0.tar.gz"); /* sorted */
    assert_string_equal(r->files[1].sha256, H64);
    assert_false(index_release_yanked(r));
    assert_int_equal(index_release_upload_time(r), 1704164641); /* the earlier file */
    assert_string_equal(index_release_requires_python(r), ">=3.8");
    assert_int_equal(rel(&p, "0.9")->n_files, 0);
    assert_false(index_release_yanked(rel(&p, "0.9")));
    assert_int_equal(p.n_files, 2);
    index_project_clear(&p);
    buf_free(&s.text);
}

static void test_file_name_versions(void **state)
{
    (void)state;
    /* API 1.0: no `versions`; every kind of file name. */
    const char *page =
        "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"zope.interface\",\"files\":["
        "{\"filename\":\"zope.interface-5.0.tar.gz\"},"
        "{\"filename\":\"zope_interface-5.0-1-cp39-cp39-manylinux1_x86_64.whl\"},"
        "{\"filename\":\"zope.interface-4.0.zip\"},"
        "{\"filename\":\"zope.interface-3.0.tar.bz2\"},"
        "{\"filename\":\"zope.interface-3.0-py2.7-linux-x86_64.egg\"},"
        "{\"filename\":\"zope-interface-6.0.post1.tgz\"},"
        "{\"filename\":\"zope.interface-1.0_rc1.tar.gz\"}]}";
    seen s = {0};
    index_project p;
    airlock_error err;
    assert_int_equal(parse(page, NULL, &s, &p, &err), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(p.n_rels, 5);
    assert_string_equal(p.rels[0].text, "1.0rc1"); /* canonical */
    assert_int_equal(rel(&p, "5.0")->n_files, 2);
    assert_int_equal(rel(&p, "3.0")->n_files, 2);
    assert_int_equal(rel(&p, "6.0.post1")->n_files, 1);
    assert_string_equal(rel(&p, "4.0")->files[0].sha256, "");
    index_project_clear(&p);
    buf_free(&s.text);
}

static void test_yanked(void **state)
{
    (void)state;
    const char *page =
        "{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"y\",\"files\":["
        "{\"filename\":\"y-1.0.tar.gz\",\"yanked\":true},"
        "{\"filename\":\"y-1.0-py3-none-any.whl\",\"yanked\":true},"
        "{\"filename\":\"y-2.0.tar.gz\",\"yanked\":\"broken build\"},"
        "{\"filename\":\"y-2.0-py3-none-any.whl\",\"yanked\":\"\"},"
        "{\"filename\":\"y-3.0.tar.gz\",\"yanked\":\"only the sdist\"},"
        "{\"filename\":\"y-3.0-py3-none-any.whl\",\"yanked\":false},"
        "{\"filename\":\"y-4.0.tar.gz\",\"yanked\":null}]}";
    seen s = {0};
    index_project p;
    airlock_error err;
    assert_int_equal(parse(page, NULL, &s, &p, &err), 0);
    assert_int_equal(s.n, 0);
    assert_true(index_release_yanked(rel(&p, "1.0")));
    assert_null(index_release_yank_reason(rel(&p, "1.0")));
    assert_true(index_release_yanked(rel(&p, "2.0")));
    assert_string_equal(index_release_yank_reason(rel(&p, "2.0")), "broken build");
    assert_false(index_release_yanked(rel(&p, "3.0")));
    assert_false(index_release_yanked(rel(&p, "4.0")));

    /* Through the encoding and the database's decoder. */
    buf v = {0};
    index_project_encode(&p, &v);
    vulndb_releases out;
    assert_int_equal(vulndb_releases_decode(v.data, v.len, &out), 4);
    assert_true(out.items[0].yanked);
    assert_string_equal(out.items[0].yank_reason, "");
    assert_true(out.items[1].yanked);
    assert_string_equal(out.items[1].yank_reason, "broken build");
    assert_false(out.items[2].yanked);
    assert_string_equal(out.items[2].files[1].filename, "y-3.0.tar.gz");
    vulndb_releases_free(&out);
    buf_free(&v);
    index_project_clear(&p);
    buf_free(&s.text);
}

static void test_bad_pages(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"x\",\"files\":[",
        "[]",
        "{\"name\":\"x\",\"files\":[]}",                                  /* no meta */
        "{\"meta\":{\"api-version\":\"2.0\"},\"name\":\"x\",\"files\":[]}", /* v2 */
        "{\"meta\":{\"api-version\":\"10.0\"},\"name\":\"x\",\"files\":[]}",
        "{\"meta\":{\"api-version\":1},\"name\":\"x\",\"files\":[]}",
        "{\"meta\":{\"api-version\":\"1.0\"},\"files\":[]}",              /* no name */
        "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"-x-\",\"files\":[]}",
        "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"x\"}",            /* no files */
        "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"x\",\"files\":{}}",
        "{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"x\",\"files\":[],\"versions\":\"1.0\"}",
        "<!DOCTYPE html><html><body><a href=\"x-1.0.tar.gz\">x-1.0.tar.gz</a></body></html>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        seen s = {0};
        index_project p;
        airlock_error err;
        err.msg[0] = '\0';
        assert_int_equal(parse(bad[i], NULL, &s, &p, &err), -1);
        assert_true(err.msg[0] != '\0');
        index_project_clear(&p);
        buf_free(&s.text);
    }
}

static void test_bad_items(void **state)
{
    (void)state;
    const char *page =
        "{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"x\",\"versions\":[\"1.0\",\"v.x\",7],"
        "\"files\":["
        "{\"filename\":\"x-1.0.tar.gz\",\"hashes\":{\"sha256\":\"abc\"}},"     /* kept, no hash */
        "{\"filename\":\"x-1.0.tar.gz\"},"                                     /* duplicate */
        "{\"filename\":\"x-latest.tar.gz\"},"                                  /* bad version */
        "{\"filename\":\"other-1.0.tar.gz\"},"                                 /* other project */
        "{\"filename\":\"other-1.0-py3-none-any.whl\"},"
        "{\"filename\":\"x-1.0.win32.exe\"},"                                  /* not a dist */
        "{\"filename\":\"../x-1.0.zip\"},"                                     /* a path */
        "{\"filename\":\"x-1.0 .zip\"},"
        "{\"nofilename\":1},7,"
        "{\"filename\":\"x-2.0.tar.gz\",\"yanked\":3,\"upload-time\":\"yesterday\","
        "\"requires-python\":5,\"hashes\":[]}]}";
    seen s = {0};
    index_project p;
    airlock_error err;
    assert_int_equal(parse(page, "y", &s, &p, &err), 0);
    assert_int_equal(p.n_rels, 2);
    assert_int_equal(p.bad, 11); /* v.x, 7, duplicate, latest, 2 others, exe, 2 names, 2 non-files */
    assert_string_equal(rel(&p, "1.0")->files[0].sha256, "");
    const index_release *r = rel(&p, "2.0");
    assert_false(index_release_yanked(r));
    assert_int_equal(index_release_upload_time(r), -1);
    assert_null(index_release_requires_python(r));
    const char *t = s.text.data;
    assert_non_null(strstr(t, "filed as 'y'"));
    assert_non_null(strstr(t, "versions[1]: invalid version"));
    assert_non_null(strstr(t, "x-1.0.tar.gz: invalid sha256"));
    assert_non_null(strstr(t, "x-1.0.tar.gz: listed twice"));
    assert_non_null(strstr(t, "x-latest.tar.gz: invalid version"));
    assert_non_null(strstr(t, "other-1.0.tar.gz: the file name does not start"));
    assert_non_null(strstr(t, "other-1.0-py3-none-any.whl: file of another project"));
    assert_non_null(strstr(t, "x-1.0.win32.exe: not a wheel, egg or sdist"));
    assert_non_null(strstr(t, "invalid file name '../x-1.0.zip'"));
    assert_non_null(strstr(t, "x-2.0.tar.gz: 'yanked' is neither"));
    assert_non_null(strstr(t, "x-2.0.tar.gz: invalid upload-time"));
    assert_non_null(strstr(t, "x-2.0.tar.gz: 'requires-python' is not a string"));
    assert_non_null(strstr(t, "x-2.0.tar.gz: 'hashes' is not an object"));
    index_project_clear(&p);
    buf_free(&s.text);
}

static void test_hostile_sizes(void **state)
{
    (void)state;
    seen s = {0};
    index_project p;
    airlock_error err;
    diag d = {.fn = keep, .arg = &s};

    /* Over the page limit: refused before parsing. */
    size_t big = INDEX_MAX_PAGE_BYTES + 1;
    char *huge = xmalloc(big);
    memset(huge, ' ', big);
    assert_int_equal(index_page_parse(huge, big, "big.json", NULL, &d, &p, &err), -1);
    assert_non_null(strstr(err.msg, "larger than"));
    index_project_clear(&p);
    free(huge);

    /* Long names, versions and texts. */
    buf b = {0};
    buf_puts(&b, "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"x\",\"files\":[{\"filename\":\"x-1.0-");
    for (int i = 0; i < 300; i++)
        buf_putc(&b, 'a');
    buf_puts(&b, ".whl\"},{\"filename\":\"x-1.");
    for (int i = 0; i < 200; i++)
        buf_putc(&b, '1');
    buf_puts(&b, ".tar.gz\"},{\"filename\":\"x-2.0.tar.gz\",\"yanked\":\"");
    for (int i = 0; i < 700; i++)
        buf_puts(&b, "\xc3\xa9"); /* 1,400 bytes of two-byte characters */
    buf_puts(&b, "\",\"requires-python\":\"");
    for (int i = 0; i < 2000; i++)
        buf_putc(&b, '>');
    buf_puts(&b, "\"}]}");
    assert_int_equal(index_page_parse(b.data, b.len, "long.json", NULL, &d, &p, &err), 0);
    assert_int_equal(p.n_rels, 1);
    assert_int_equal(p.bad, 2);
    const char *reason = index_release_yank_reason(&p.rels[0]);
    assert_true(strlen(reason) <= INDEX_MAX_TEXT && strlen(reason) >= INDEX_MAX_TEXT - 1);
    assert_int_equal(strlen(reason) % 2, 0); /* cut between characters */
    assert_int_equal(strlen(index_release_requires_python(&p.rels[0])), INDEX_MAX_TEXT);
    index_project_clear(&p);

    /* More files than the limit: the rest dropped with one warning. */
    buf_reset(&b);
    buf_puts(&b, "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"x\",\"files\":[");
    for (unsigned i = 0; i < INDEX_MAX_FILES + 5; i++)
        buf_printf(&b, "%s{\"filename\":\"x-%u.tar.gz\"}", i ? "," : "", i);
    buf_puts(&b, "]}");
    s.n = 0;
    assert_int_equal(index_page_parse(b.data, b.len, "many.json", NULL, &d, &p, &err), 0);
    assert_int_equal(p.n_rels, INDEX_MAX_FILES);
    assert_int_equal(s.n, 1);
    index_project_clear(&p);

    /* Deep nesting is cJSON's to refuse, without a crash. */
    buf_reset(&b);
    buf_puts(&b, "{\"meta\":{\"api-version\":\"1.0\"},\"name\":\"x\",\"files\":[],\"z\":");
    for (int i = 0; i < 100000; i++)
        buf_putc(&b, '[');
    assert_int_equal(index_page_parse(b.data, b.len, "deep.json", NULL, &d, &p, &err), -1);
    index_project_clear(&p);
    buf_free(&b);
    buf_free(&s.text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pep700_versions), cmocka_unit_test(test_file_name_versions),
        cmocka_unit_test(test_yanked),          cmocka_unit_test(test_bad_pages),
        cmocka_unit_test(test_bad_items),       cmocka_unit_test(test_hostile_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
