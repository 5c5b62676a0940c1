/* Tests for dbbuild/osv_source and dbbuild/osv_yaml: the YAML conversion
 * rules, JSON checks, trees, single files, archives (zip, tar.gz, tar.zst
 * written here with libarchive) and bad inputs. The shared PyPA data is
 * test_osv_source_pypa.c, a test of its own that is skipped without it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "dbbuild/osv_source.h"
#include "dbbuild/osv_yaml.h"

/* ---- helpers ---- */

typedef struct collected {
    buf origins;  /* one origin per line */
    buf records;  /* one compact JSON record per line */
    buf warnings; /* "file:line: msg" per line */
    size_t n;
    int stop_after; /* callback fails after this many records (0: never) */
} collected;

static int collect(void *arg, const char *origin, cJSON *record, airlock_error *err)
{
    collected *c = arg;
    buf_printf(&c->origins, "%s\n", origin);
    char *s = cJSON_PrintUnformatted(record);
    buf_printf(&c->records, "%s\n", s);
    free(s);
    c->n++;
    if (c->stop_after > 0 && c->n >= (size_t)c->stop_after)
        return error_set(err, "stop requested");
    return 0;
}

static void on_warning(void *arg, const char *file, unsigned line, const char *msg)
{
    collected *c = arg;
    buf_printf(&c->warnings, "%s:%u: %s\n", file ? file : "-", line, msg);
}

static void collected_free(collected *c)
{
    buf_free(&c->origins);
    buf_free(&c->records);
    buf_free(&c->warnings);
}

/* Parse from an exact-size heap copy so that ASan catches any read past
 * `len` (the API promises not to need a NUL). */
static cJSON *parse_exact(const char *text, size_t len, int yaml, airlock_error *err)
{
    char *copy = xmalloc(len ? len : 1);
    memcpy(copy, text, len);
    cJSON *r = yaml ? osv_parse_yaml(copy, len, err) : osv_parse_json(copy, len, err);
    free(copy);
    return r;
}

static cJSON *yaml(const char *text, airlock_error *err)
{
    return parse_exact(text, strlen(text), 1, err);
}

static cJSON *json(const char *text, airlock_error *err)
{
    return parse_exact(text, strlen(text), 0, err);
}

static void expect_error(cJSON *r, const airlock_error *err, const char *want)
{
    if (r != NULL || strstr(err->msg, want) == NULL) {
        fprintf(stderr, "want error containing '%s', got %s '%s'\n", want,
                r ? "a tree" : "error", err->msg);
        cJSON_Delete(r);
        fail();
    }
}

static const char *data_dir(void)
{
    const char *d = getenv("AIRLOCK_TEST_DATA");
    return d ? d : "tests/data";
}

static void sha_hex(const void *data, size_t len, char out[65])
{
    unsigned char h[32];
    crypto_hash_sha256(h, data, len);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* ---- YAML conversion ---- */

static void test_yaml_scalars(void **state)
{
    (void)state;
    airlock_error err;
    cJSON *r = yaml("a: 1.10\n"
                    "b: null\n"
                    "c: ~\n"
                    "d:\n"
                    "e: true\n"
                    "f: false\n"
                    "g: 'true'\n"
                    "h: 2021-03-26T20:01:00.5Z\n"
                    "i: 0001-01-01T00:00:00Z\n"
                    "j: yes\n"
                    "k: 012\n"
                    "l: \"null\"\n"
                    "m: !!str true\n"
                    "n: 1e3\n"
                    "o: |\n  two\n  lines\n"
                    "p: NULL\n"
                    "q: True\n",
                    &err);
    assert_non_null(r);
    assert_string_equal(cJSON_GetObjectItem(r, "a")->valuestring, "1.10");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(r, "b")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(r, "c")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(r, "d")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "e")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(r, "f")));
    assert_string_equal(cJSON_GetObjectItem(r, "g")->valuestring, "true");
    assert_string_equal(cJSON_GetObjectItem(r, "h")->valuestring, "2021-03-26T20:01:00.5Z");
    assert_string_equal(cJSON_GetObjectItem(r, "i")->valuestring, "0001-01-01T00:00:00Z");
    assert_string_equal(cJSON_GetObjectItem(r, "j")->valuestring, "yes");
    assert_string_equal(cJSON_GetObjectItem(r, "k")->valuestring, "012");
    assert_string_equal(cJSON_GetObjectItem(r, "l")->valuestring, "null");
    assert_string_equal(cJSON_GetObjectItem(r, "m")->valuestring, "true");
    assert_string_equal(cJSON_GetObjectItem(r, "n")->valuestring, "1e3");
    assert_string_equal(cJSON_GetObjectItem(r, "o")->valuestring, "two\nlines\n");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(r, "p")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "q")));
    cJSON_Delete(r);
}

static void test_yaml_structure(void **state)
{
    (void)state;
    airlock_error err;
    cJSON *r = yaml("---\n"
                    "id: X\n"
                    "affected:\n"
                    "- package: {name: p, ecosystem: PyPI}\n"
                    "  versions: [1.0, \"2.0\"]\n"
                    "refs: &r\n"
                    "  - a\n"
                    "  - b\n"
                    "again: *r\n"
                    "...\n",
                    &err);
    assert_non_null(r);
    char *s = cJSON_PrintUnformatted(r);
    assert_string_equal(s, "{\"id\":\"X\",\"affected\":[{\"package\":{\"name\":\"p\","
                           "\"ecosystem\":\"PyPI\"},\"versions\":[\"1.0\",\"2.0\"]}],"
                           "\"refs\":[\"a\",\"b\"],\"again\":[\"a\",\"b\"]}");
    free(s);
    cJSON_Delete(r);
}

static void test_yaml_bad(void **state)
{
    (void)state;
    airlock_error err;
    expect_error(yaml("a: 1\n---\nb: 2\n", &err), &err, "more than one YAML document");
    expect_error(yaml("id: A\nid: B\n", &err), &err, "duplicate key 'id'");
    expect_error(yaml("- a\n- b\n", &err), &err, "top level is not an object");
    expect_error(yaml("just a string\n", &err), &err, "top level is not an object");
    expect_error(yaml("", &err), &err, "top level is not an object");
    expect_error(yaml("a: *nothing\n", &err), &err, "undefined alias");
    expect_error(yaml("a: !!int 5\n", &err), &err, "unsupported tag");
    expect_error(yaml("a: !custom x\n", &err), &err, "unsupported tag");
    expect_error(yaml("? [a, b]\n: c\n", &err), &err, "mapping key must be a scalar");
    expect_error(yaml("a: &x 1\n*x : 2\n", &err), &err, "alias as a mapping key");
    expect_error(yaml("a: [1, 2\n", &err), &err, "line ");
    expect_error(yaml("a: b\n\tc: d\n", &err), &err, "line 2");
    expect_error(yaml("a: \"caf\xe9\"\n", &err), &err, "not valid UTF-8");
    expect_error(yaml("a: \"\xed\xa0\x80\"\n", &err), &err, "not valid UTF-8"); /* surrogate */
    expect_error(yaml("a: \"\xc0\xaf\"\n", &err), &err, "not valid UTF-8");     /* overlong */
    expect_error(yaml("a: \"\xf0\x9f\x98\"\n", &err), &err, "not valid UTF-8"); /* truncated */
    expect_error(parse_exact("a: b\0c: d\n", 10, 1, &err), &err, "NUL byte");
    /* Valid multi-byte UTF-8 passes. */
    cJSON *r = yaml("a: \"caf\xc3\xa9 \xf0\x9f\x98\x80\"\n", &err);
    assert_non_null(r);
    cJSON_Delete(r);
}

static void test_yaml_depth(void **state)
{
    (void)state;
    airlock_error err;
    buf b = {0};
    /* root mapping + 62 nested flow sequences = 63 levels: accepted */
    buf_puts(&b, "a: ");
    for (int i = 0; i < 62; i++)
        buf_putc(&b, '[');
    for (int i = 0; i < 62; i++)
        buf_putc(&b, ']');
    cJSON *r = yaml(b.data, &err);
    assert_non_null(r);
    cJSON_Delete(r);
    buf_reset(&b);
    buf_puts(&b, "a: ");
    for (int i = 0; i < 100000; i++)
        buf_putc(&b, '[');
    expect_error(yaml(b.data, &err), &err, "nested deeper than 64");
    buf_free(&b);
}

/* Billion laughs: ten aliases per level, nine levels. Must fail fast. */
static void test_yaml_alias_bomb(void **state)
{
    (void)state;
    buf b = {0};
    buf_puts(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 10; i++) {
        buf_printf(&b, "a%d: &a%d [", i, i);
        for (int j = 0; j < 10; j++)
            buf_printf(&b, "%s*a%d", j ? ", " : "", i - 1);
        buf_puts(&b, "]\n");
    }
    airlock_error err;
    expect_error(yaml(b.data, &err), &err, "aliases expand to more than");
    /* Deep structure through aliases is bounded by depth too. */
    buf_reset(&b);
    buf_puts(&b, "a: &d ");
    for (int i = 0; i < 40; i++)
        buf_putc(&b, '[');
    for (int i = 0; i < 40; i++)
        buf_putc(&b, ']');
    buf_puts(&b, "\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[*d]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n");
    expect_error(yaml(b.data, &err), &err, "nested deeper than 64");
    /* Many anchors: bounded, since aliases look them up one by one. */
    buf_reset(&b);
    for (int i = 0; i < 1025; i++)
        buf_printf(&b, "k%d: &a%d v\n", i, i);
    expect_error(yaml(b.data, &err), &err, "more than 1024 anchors");
    buf_reset(&b);
    for (int i = 0; i < 1024; i++)
        buf_printf(&b, "k%d: &a%d v\n", i, i);
    buf_puts(&b, "last: *a0\n");
    cJSON *r = yaml(b.data, &err);
    assert_non_null(r);
    assert_string_equal(cJSON_GetObjectItem(r, "last")->valuestring, "v");
    cJSON_Delete(r);
    buf_free(&b);
}

/* ---- JSON ---- */

static void test_json(void **state)
{
    (void)state;
    airlock_error err;
    cJSON *r = json("\xef\xbb\xbf {\"id\": \"A\", \"n\": 1.10}\n\t", &err);
    assert_non_null(r);
    assert_string_equal(cJSON_GetObjectItem(r, "id")->valuestring, "A");
    cJSON_Delete(r);
    expect_error(json("{\"id\": \"A\"} x", &err), &err, "line 1: text after the JSON value");
    expect_error(json("{\"id\": \"A\"}\n{}", &err), &err, "line 2: text after");
    expect_error(json("{\"id\":\n\n \"A\",}", &err), &err, "line 3: invalid JSON");
    expect_error(json("{\"id\": \"A\", \"id\": \"B\"}", &err), &err, "duplicate key 'id'");
    expect_error(json("[1]", &err), &err, "top level is not an object");
    expect_error(json("", &err), &err, "invalid JSON");
    expect_error(json("{\"a\": \"caf\xe9\"}", &err), &err, "not valid UTF-8");
    expect_error(parse_exact("{\"a\": 1}\0", 9, 0, &err), &err, "NUL byte");
    /* Many keys: the sorted duplicate check. */
    buf b = {0};
    buf_putc(&b, '{');
    for (int i = 0; i < 5000; i++)
        buf_printf(&b, "%s\"k%d\": %d", i ? "," : "", i, i);
    buf_puts(&b, "}");
    r = json(b.data, &err);
    assert_non_null(r);
    cJSON_Delete(r);
    b.data[b.len - 1] = ',';
    buf_puts(&b, "\"k4321\": 0}");
    expect_error(json(b.data, &err), &err, "duplicate key 'k4321'");
    /* Depth: 64 accepted, 65 refused, 100000 refused without a crash. */
    buf_reset(&b);
    buf_puts(&b, "{\"a\":");
    for (int i = 0; i < 63; i++)
        buf_putc(&b, '[');
    for (int i = 0; i < 63; i++)
        buf_putc(&b, ']');
    buf_putc(&b, '}');
    r = json(b.data, &err);
    assert_non_null(r);
    cJSON_Delete(r);
    buf_reset(&b);
    buf_puts(&b, "{\"a\":");
    for (int i = 0; i < 64; i++)
        buf_putc(&b, '[');
    for (int i = 0; i < 64; i++)
        buf_putc(&b, ']');
    buf_putc(&b, '}');
    expect_error(json(b.data, &err), &err, "nested deeper than 64");
    buf_reset(&b);
    for (int i = 0; i < 100000; i++)
        buf_putc(&b, '[');
    expect_error(json(b.data, &err), &err, "nested deeper than 64");
    buf_free(&b);
}

/* ---- trees and files ---- */

static void test_tree(void **state)
{
    (void)state;
    char root[4096];
    snprintf(root, sizeof root, "%s/osv/tree/", data_dir());
    collected c = {0};
    diag d = {on_warning, &c, 0};
    osv_source_info info;
    airlock_error err;
    error_clear(&err);
    assert_int_equal(osv_source_read(root, collect, &c, &d, &info, &err), 0);

    char base[4096];
    snprintf(base, sizeof base, "%s/osv/tree", data_dir());
    /* Sorted paths; hidden directories and non-record files left out. */
    buf want = {0};
    buf_printf(&want, "%s/pypi/alpha/PYSEC-0001-1.yaml\n%s/pypi/beta/GHSA-beta.json\n"
                      "%s/pypi/beta/PYSEC-0002-2.yml\n", base, base, base);
    assert_string_equal(c.origins.data, want.data);
    assert_int_equal(c.n, 3);
    assert_int_equal(info.files, 7);
    assert_int_equal(info.unreadable, 4);
    assert_int_equal(info.ignored, 1);
    assert_int_equal(d.warnings, 4);
    assert_non_null(strstr(c.warnings.data, "bad/array.json:0: not an OSV record"));
    assert_non_null(strstr(c.warnings.data, "bad/broken.json:1: invalid JSON"));
    assert_non_null(strstr(c.warnings.data, "bad/dupkey.yaml:0: duplicate key 'id'"));
    assert_non_null(strstr(c.warnings.data, "bad/latin1.json:1: not valid UTF-8"));
    assert_null(strstr(c.records.data, "HIDDEN"));
    /* The YAML record: the conversion rules on a file. */
    assert_non_null(strstr(c.records.data,
                           "\"modified\":\"2021-03-26T20:01:00.12345Z\""));
    assert_non_null(strstr(c.records.data, "\"fixed\":\"1.10\""));
    assert_non_null(strstr(c.records.data, "\"versions\":[\"1.0\",\"1.9\",\"1.10\"]"));
    assert_non_null(strstr(c.records.data, "\"withdrawn\":null"));
    assert_non_null(strstr(c.records.data, "\"flag\":true,\"other\":false,\"empty\":null,"
                                           "\"count\":\"12\""));
    /* database_specific is not built: only its severity stays. */
    assert_non_null(strstr(c.records.data, "\"database_specific\":{\"severity\":\"HIGH\"}"));

    /* SHA-256: sha256sum's listing of every record file, sorted. */
    static const char *const rel[] = {
        "bad/array.json", "bad/broken.json", "bad/dupkey.yaml", "bad/latin1.json",
        "pypi/alpha/PYSEC-0001-1.yaml", "pypi/beta/GHSA-beta.json",
        "pypi/beta/PYSEC-0002-2.yml",
    };
    buf listing = {0};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char path[8300], hex[65];
        snprintf(path, sizeof path, "%s/%s", base, rel[i]);
        char *data;
        size_t len;
        assert_int_equal(file_read_all(path, 1 << 20, &data, &len, &err), 0);
        sha_hex(data, len, hex);
        buf_printf(&listing, "%s  %s\n", hex, rel[i]);
        free(data);
    }
    char hex[65];
    sha_hex(listing.data, listing.len, hex);
    assert_string_equal(info.sha256, hex);

    /* Reading again gives the same everything (deterministic). */
    collected c2 = {0};
    osv_source_info info2;
    assert_int_equal(osv_source_read(base, collect, &c2, NULL, &info2, &err), 0);
    assert_string_equal(c.origins.data, c2.origins.data);
    assert_string_equal(c.records.data, c2.records.data);
    assert_string_equal(info.sha256, info2.sha256);
    buf_free(&listing);
    buf_free(&want);
    collected_free(&c);
    collected_free(&c2);
}

static void test_single_file(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/osv/tree/pypi/beta/GHSA-beta.json", data_dir());
    collected c = {0};
    osv_source_info info;
    airlock_error err;
    assert_int_equal(osv_source_read(path, collect, &c, NULL, &info, &err), 0);
    assert_int_equal(c.n, 1);
    char want[4200];
    snprintf(want, sizeof want, "%s\n", path);
    assert_string_equal(c.origins.data, want);
    char *data;
    size_t len;
    char hex[65];
    assert_int_equal(file_read_all(path, 1 << 20, &data, &len, &err), 0);
    sha_hex(data, len, hex);
    assert_string_equal(info.sha256, hex);
    assert_int_equal(info.bytes, len);
    free(data);
    collected_free(&c);

    /* A missing source is an error naming it. */
    assert_int_equal(osv_source_read("/nonexistent/x.json", collect, &c, NULL, &info, &err),
                     -1);
    assert_non_null(strstr(err.msg, "/nonexistent/x.json"));
    collected_free(&c);
}

static char *make_tmpdir(void)
{
    char tmpl[] = "/tmp/airlock-osv-test-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return xstrdup(tmpl);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_tree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_tree_symlinks(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *outside = make_tmpdir();
    write_file(outside, "SECRET.json", "{\"id\": \"OUTSIDE\"}");
    write_file(dir, "A.json", "{\"id\": \"A\"}");
    char link1[4200], link2[4200], target[4200];
    snprintf(target, sizeof target, "%s/SECRET.json", outside);
    snprintf(link1, sizeof link1, "%s/link.json", dir);
    snprintf(link2, sizeof link2, "%s/linkdir", dir);
    assert_int_equal(symlink(target, link1), 0);
    assert_int_equal(symlink(outside, link2), 0);
    collected c = {0};
    diag d = {on_warning, &c, 0};
    osv_source_info info;
    airlock_error err;
    assert_int_equal(osv_source_read(dir, collect, &c, &d, &info, &err), 0);
    assert_int_equal(c.n, 1);
    assert_null(strstr(c.records.data, "OUTSIDE"));
    assert_int_equal(d.warnings, 2);
    assert_non_null(strstr(c.warnings.data, "symbolic link not followed"));
    assert_int_equal(info.unreadable, 1); /* link.json is a record lost, linkdir is not */
    collected_free(&c);

    /* An empty tree is fine, with a warning. */
    char *empty = make_tmpdir();
    diag d2 = {on_warning, &c, 0};
    assert_int_equal(osv_source_read(empty, collect, &c, &d2, &info, &err), 0);
    assert_int_equal(d2.warnings, 1);
    assert_non_null(strstr(c.warnings.data, "no OSV record files"));
    collected_free(&c);
    remove_tree(dir);
    remove_tree(outside);
    remove_tree(empty);
    free(dir);
    free(outside);
    free(empty);
}

/* A record file whose name holds a control character is read from its real
 * name; only the origin shown and stored is filtered. Before, the filtered
 * name was opened: "a\x1b.json" was lost as "cannot stat" (in a
 * subdirectory, with no warning at all), and next to a file really named
 * "a?.json" that file was read twice and the other one never. */
static void test_tree_control_names(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char sub[2048];
    snprintf(sub, sizeof sub, "%s/s\x01" "b", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file(dir, "a\x1b.json", "{\"id\": \"ESC\"}");
    write_file(dir, "a?.json", "{\"id\": \"QUESTION\"}");
    write_file(sub, "c\xc2\x9b.json", "{\"id\": \"C1\"}");
    write_file(sub, "c?.json", "{\"id\": \"C1Q\"}");
    collected c = {0};
    diag d = {on_warning, &c, 0};
    osv_source_info info;
    airlock_error err;
    assert_int_equal(osv_source_read(dir, collect, &c, &d, &info, &err), 0);
    assert_int_equal(d.warnings, 0);
    assert_int_equal(info.files, 4);
    assert_int_equal(info.unreadable, 0);
    assert_int_equal(c.n, 4);
    static const char *const ids[] = {"\"ESC\"", "\"QUESTION\"", "\"C1\"", "\"C1Q\""};
    for (size_t i = 0; i < 4; i++) {
        const char *p = strstr(c.records.data, ids[i]);
        assert_non_null(p);
        assert_null(strstr(p + 1, ids[i])); /* each record once */
    }
    /* Origins are filtered (core/text.h): no control reaches a message. */
    assert_null(strchr(c.origins.data, '\x1b'));
    assert_null(strchr(c.origins.data, '\x01'));
    assert_null(strstr(c.origins.data, "\xc2\x9b"));
    char want[4300];
    snprintf(want, sizeof want, "%s/s?b/c?.json\n", dir);
    assert_non_null(strstr(c.origins.data, want));
    collected_free(&c);
    remove_tree(dir);
    free(dir);
}

static void test_callback_stops(void **state)
{
    (void)state;
    char root[4096];
    snprintf(root, sizeof root, "%s/osv/tree", data_dir());
    collected c = {0};
    c.stop_after = 2;
    osv_source_info info;
    airlock_error err;
    assert_int_equal(osv_source_read(root, collect, &c, NULL, &info, &err), -1);
    assert_string_equal(err.msg, "stop requested");
    assert_int_equal(c.n, 2);
    collected_free(&c);
}

/* ---- archives ---- */

typedef struct member {
    const char *name;
    const char *text; /* NULL: a directory */
    size_t len;       /* 0: strlen(text) */
} member;

enum { ZIP, TAR_GZ, TAR_ZST };

static unsigned char *make_archive(int kind, const member *m, size_t n, size_t cap,
                                   size_t *len)
{
    struct archive *a = archive_write_new();
    if (kind == ZIP) {
        archive_write_set_format_zip(a);
    } else {
        archive_write_set_format_pax_restricted(a);
        if (kind == TAR_GZ)
            archive_write_add_filter_gzip(a);
        else
            archive_write_add_filter_zstd(a);
    }
    unsigned char *out = xmalloc(cap);
    size_t used = 0;
    assert_int_equal(archive_write_open_memory(a, out, cap, &used), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, m[i].name);
        size_t sz = m[i].text ? (m[i].len ? m[i].len : strlen(m[i].text)) : 0;
        archive_entry_set_filetype(e, m[i].text ? AE_IFREG : AE_IFDIR);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)sz);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (sz > 0)
            assert_int_equal(archive_write_data(a, m[i].text, sz), (la_ssize_t)sz);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    *len = used;
    return out;
}

static const member sample[] = {
    {"all/", NULL, 0},
    {"all/Z-1.json", "{\"id\": \"Z-1\"}", 0},
    {"all/A-1.yaml", "id: A-1\nmodified: 2020-01-01T00:00:00Z\n", 0},
    {"all/notes.txt", "ignored", 0},
    {"all/bad.json", "{\"id\": ", 0},
    {"__MACOSX/all/._Z-1.json", "\x00\x05\x16\x07", 4},
    {"./all/.hidden.json", "{\"id\": \"HIDDEN\"}", 0},
    {"./all/B-1.yml", "id: B-1\n", 0},
};

static void check_archive(int kind)
{
    size_t len;
    unsigned char *arc = make_archive(kind, sample, sizeof sample / sizeof sample[0], 1 << 20,
                                      &len);
    collected c = {0};
    diag d = {on_warning, &c, 0};
    osv_source_info info;
    airlock_error err;
    error_clear(&err);
    assert_int_equal(osv_source_read_archive_memory(arc, len, "dump.zip", collect, &c, &d,
                                                    &info, &err), 0);
    /* Archive order, not sorted. */
    assert_string_equal(c.origins.data, "dump.zip:all/Z-1.json\ndump.zip:all/A-1.yaml\n"
                                        "dump.zip:./all/B-1.yml\n");
    assert_int_equal(info.files, 4);
    assert_int_equal(info.unreadable, 1);
    assert_int_equal(info.ignored, 4); /* dir, notes.txt, __MACOSX, .hidden */
    assert_int_equal(d.warnings, 1);
    assert_non_null(strstr(c.warnings.data, "dump.zip:all/bad.json:1: invalid JSON"));
    char hex[65];
    sha_hex(arc, len, hex);
    assert_string_equal(info.sha256, hex);

    /* The same bytes as a file: same records, SHA-256 of the file. */
    char *dir = make_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/dump.%s", dir,
             kind == ZIP ? "zip" : kind == TAR_GZ ? "tar.gz" : "tar.zst");
    assert_int_equal(file_write_atomic(path, arc, len, 0644, &err), 0);
    collected c2 = {0};
    assert_int_equal(osv_source_read(path, collect, &c2, NULL, &info, &err), 0);
    assert_string_equal(c.records.data, c2.records.data);
    assert_string_equal(info.sha256, hex);
    assert_int_equal(info.files, 4);
    collected_free(&c2);

    /* Truncated: an error naming the source (or, if the cut falls after
     * the last entry, the same records). Never a crash. */
    for (size_t cut = 0; cut < len; cut += len / 7 + 1) {
        collected c3 = {0};
        error_clear(&err);
        int rc = osv_source_read_archive_memory(arc, cut, "cut.zip", collect, &c3, NULL, &info,
                                                &err);
        if (rc != 0)
            assert_non_null(strstr(err.msg, "cut.zip"));
        collected_free(&c3);
    }
    remove_tree(dir);
    free(dir);
    free(arc);
    collected_free(&c);
}

static void test_zip(void **state)
{
    (void)state;
    check_archive(ZIP);
}

static void test_tar_gz(void **state)
{
    (void)state;
    check_archive(TAR_GZ);
}

static void test_tar_zst(void **state)
{
    (void)state;
    check_archive(TAR_ZST);
}

static void test_archive_garbage(void **state)
{
    (void)state;
    collected c = {0};
    osv_source_info info;
    airlock_error err;
    const char garbage[] = "this is not an archive at all, just some text\n";
    assert_int_equal(osv_source_read_archive_memory(garbage, sizeof garbage - 1, "junk.zip",
                                                    collect, &c, NULL, &info, &err), -1);
    assert_non_null(strstr(err.msg, "junk.zip"));
    /* A zip whose entry data is corrupted. */
    size_t len;
    member m[] = {{"A.json", "{\"id\": \"A\", \"details\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
                   0}};
    unsigned char *arc = make_archive(TAR_GZ, m, 1, 1 << 16, &len);
    for (size_t i = 20; i < len - 10; i++)
        arc[i] ^= 0x5a;
    assert_int_equal(osv_source_read_archive_memory(arc, len, "bad.tar.gz", collect, &c, NULL,
                                                    &info, &err), -1);
    assert_non_null(strstr(err.msg, "bad.tar.gz"));
    free(arc);
    collected_free(&c);
}

static void test_archive_oversized(void **state)
{
    (void)state;
    size_t big = OSV_MAX_RECORD_BYTES + 10;
    char *text = xmalloc(big);
    memset(text, ' ', big);
    text[0] = '{';
    text[big - 1] = '}';
    member m[] = {{"BIG.json", text, big}, {"OK.json", "{\"id\": \"OK\"}", 0}};
    for (int kind = ZIP; kind <= TAR_GZ; kind++) {
        size_t len;
        unsigned char *arc = make_archive(kind, m, 2, 1 << 22, &len);
        collected c = {0};
        diag d = {on_warning, &c, 0};
        osv_source_info info;
        airlock_error err;
        assert_int_equal(osv_source_read_archive_memory(arc, len, "big", collect, &c, &d,
                                                        &info, &err), 0);
        assert_int_equal(c.n, 1);
        assert_int_equal(info.unreadable, 1);
        assert_non_null(strstr(c.warnings.data, "big:BIG.json:0: larger than the limit"));
        free(arc);
        collected_free(&c);
    }
    free(text);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_scalars),
        cmocka_unit_test(test_yaml_structure),
        cmocka_unit_test(test_yaml_bad),
        cmocka_unit_test(test_yaml_depth),
        cmocka_unit_test(test_yaml_alias_bomb),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_tree),
        cmocka_unit_test(test_single_file),
        cmocka_unit_test(test_tree_symlinks),
        cmocka_unit_test(test_tree_control_names),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_zip),
        cmocka_unit_test(test_tar_gz),
        cmocka_unit_test(test_tar_zst),
        cmocka_unit_test(test_archive_garbage),
        cmocka_unit_test(test_archive_oversized),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
