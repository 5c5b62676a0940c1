/* Tests for core/toml: line numbers, accessors, limits, errors and the
 * rules toml-test's 1.0 cases do not reach (int64 overflow, leap days,
 * escaped NULs). Conformance itself is tests/scripts/test_toml_conformance.py. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/toml.h"

static toml_value *parse_ok(const char *doc)
{
    toml_value *root = NULL;
    airlock_error err;
    if (toml_parse(doc, strlen(doc), "t.toml", &root, &err) < 0)
        fail_msg("unexpected error: %s", err.msg);
    return root;
}

/* Parse must fail with a message starting "t.toml:LINE: " and holding `what`. */
static void parse_bad(const char *doc, size_t len, unsigned line, const char *what)
{
    toml_value *root = (toml_value *)1;
    airlock_error err;
    assert_int_equal(toml_parse(doc, len, "t.toml", &root, &err), -1);
    assert_null(root);
    char want[64];
    snprintf(want, sizeof want, "t.toml:%u: ", line);
    if (strncmp(err.msg, want, strlen(want)) != 0 || !strstr(err.msg, what))
        fail_msg("for %.40s: want '%s...%s', got '%s'", doc, want, what, err.msg);
}

/* For string literals (which may hold a NUL): their full length. */
#define BAD(doc, line, what) parse_bad(doc, sizeof(doc) - 1, line, what)

static const char LINES_DOC[] =
    "# a lockfile-shaped document\n"            /* 1 */
    "version = 1\n"                             /* 2 */
    "\n"                                        /* 3 */
    "[[package]]\n"                             /* 4 */
    "name = \"a\"\n"                            /* 5 */
    "deps = [\n"                                /* 6 */
    "  { name = \"b\" },\n"                     /* 7 */
    "  \"\"\"two\n"                             /* 8 */
    "lines\"\"\",\n"                            /* 9 */
    "  { name = \"c\" },\n"                     /* 10 */
    "]\n"                                       /* 11 */
    "\n"                                        /* 12 */
    "[[package]]\n"                             /* 13 */
    "name = \"b\"\n"                            /* 14 */
    "meta.x.y = 5\n"                            /* 15 */
    "[package.sdist]\n"                         /* 16 */
    "url = 'u'\n"                               /* 17 */
    "[tool.uv.sources]\n"                       /* 18 */
    "z = 1\n";                                  /* 19 */

static void check_lines(const char *doc, const char *two_lines)
{
    toml_value *root = parse_ok(doc);
    assert_int_equal(toml_line(root), 1);
    assert_int_equal(toml_line(toml_get(root, "version")), 2);
    const toml_value *pk = toml_get_array(root, "package");
    assert_int_equal(toml_len(pk), 2);
    assert_int_equal(toml_line(pk), 4);
    const toml_value *p0 = toml_at(pk, 0), *p1 = toml_at(pk, 1);
    assert_int_equal(toml_line(p0), 4);
    assert_int_equal(toml_line(toml_get(p0, "name")), 5);
    const toml_value *deps = toml_get_array(p0, "deps");
    assert_int_equal(toml_line(deps), 6);
    assert_int_equal(toml_len(deps), 3);
    assert_int_equal(toml_line(toml_at(deps, 0)), 7);
    assert_int_equal(toml_line(toml_get(toml_at(deps, 0), "name")), 7);
    assert_int_equal(toml_line(toml_at(deps, 1)), 8);
    assert_string_equal(toml_string(toml_at(deps, 1), NULL), two_lines);
    assert_int_equal(toml_line(toml_at(deps, 2)), 10);
    assert_int_equal(toml_line(p1), 13);
    assert_int_equal(toml_line(toml_get(p1, "name")), 14);
    /* Tables made by dotted keys start at their key. */
    const toml_value *meta = toml_get_table(p1, "meta");
    assert_int_equal(toml_line(meta), 15);
    assert_int_equal(toml_line(toml_get_table(meta, "x")), 15);
    /* A sub-table of the last [[package]] entry, at its header. */
    const toml_value *sd = toml_get_table(p1, "sdist");
    assert_int_equal(toml_line(sd), 16);
    assert_int_equal(toml_line(toml_get(sd, "url")), 17);
    assert_null(toml_get(p0, "sdist"));
    /* Tables a header only passes through start at that header. */
    assert_int_equal(toml_line(toml_get_table(root, "tool")), 18);
    assert_int_equal(toml_line(toml_get(toml_get_table(toml_get_table(root, "tool"), "uv"),
                                        "sources")),
                     18);
    toml_free(root);
}

static void test_lines(void **state)
{
    (void)state;
    check_lines(LINES_DOC, "two\nlines");
    /* The same with CRLF line ends: same lines, and a multi-line string
     * reads CRLF as LF, as tomllib does. */
    buf crlf = {0};
    for (const char *p = LINES_DOC; *p; p++) {
        if (*p == '\n')
            buf_putc(&crlf, '\r');
        buf_putc(&crlf, *p);
    }
    check_lines(crlf.data, "two\nlines");
    buf_free(&crlf);
    toml_value *root;
    /* A table defined after a header passed through it takes that line. */
    root = parse_ok("[a.b]\n\n[a]\nx = 1\n");
    assert_int_equal(toml_line(toml_get(root, "a")), 3);
    assert_int_equal(toml_line(toml_get(toml_get(root, "a"), "b")), 1);
    toml_free(root);
}

static void test_accessors(void **state)
{
    (void)state;
    toml_value *root = parse_ok("z = 'last-letter'\n"
                                "a = 1\n"
                                "m = 2.5\n"
                                "t.y = true\n"
                                "d = 1979-05-27T07:32:00z\n"
                                "ld = 1979-05-27\n"
                                "[[arr]]\n"
                                "[b]\n");
    assert_int_equal(toml_type_of(root), TOML_TABLE);
    assert_int_equal(toml_len(root), 8);
    /* Keys in the order they were first defined, not sorted. */
    const char *order[] = {"z", "a", "m", "t", "d", "ld", "arr", "b"};
    for (size_t i = 0; i < 8; i++) {
        assert_string_equal(toml_key_at(root, i), order[i]);
        assert_int_equal(toml_key_len(root, i), strlen(order[i]));
        assert_ptr_equal(toml_value_at(root, i), toml_get(root, order[i]));
    }
    assert_null(toml_key_at(root, 8));
    assert_null(toml_value_at(root, 8));
    assert_int_equal(toml_key_len(root, 8), 0);
    assert_null(toml_get(root, "missing"));
    assert_null(toml_get(root, "A")); /* bytewise */

    int64_t i = 0;
    double f = 0;
    bool b = false;
    assert_true(toml_integer(toml_get(root, "a"), &i));
    assert_int_equal(i, 1);
    assert_false(toml_float(toml_get(root, "a"), &f));
    assert_true(toml_float(toml_get(root, "m"), &f));
    assert_true(f == 2.5);
    assert_false(toml_integer(toml_get(root, "m"), &i));
    assert_true(toml_bool(toml_get(toml_get(root, "t"), "y"), &b));
    assert_true(b);
    assert_string_equal(toml_datetime(toml_get(root, "d")), "1979-05-27T07:32:00Z");
    assert_int_equal(toml_type_of(toml_get(root, "d")), TOML_DATETIME);
    assert_int_equal(toml_type_of(toml_get(root, "ld")), TOML_DATE_LOCAL);
    assert_null(toml_datetime(toml_get(root, "a")));
    assert_null(toml_string(toml_get(root, "a"), NULL));
    assert_string_equal(toml_get_string(root, "z"), "last-letter");

    /* The shorthands refuse other types and tolerate NULL. */
    assert_null(toml_get_string(root, "a"));
    assert_null(toml_get_table(root, "a"));
    assert_null(toml_get_array(root, "b"));
    assert_null(toml_get_table(root, "arr"));
    assert_non_null(toml_get_array(root, "arr"));
    assert_non_null(toml_get_table(root, "b"));
    assert_null(toml_get(NULL, "a"));
    assert_null(toml_get(toml_get(root, "a"), "a"));
    assert_null(toml_get_string(NULL, "a"));
    assert_null(toml_string(NULL, NULL));
    assert_false(toml_integer(NULL, &i));
    assert_int_equal(toml_len(toml_get(root, "a")), 0);
    assert_null(toml_at(root, 0));
    assert_null(toml_at(toml_get(root, "arr"), 1));
    assert_non_null(toml_at(toml_get(root, "arr"), 0));
    assert_null(toml_key_at(toml_get(root, "arr"), 0));
    assert_string_equal(toml_type_name(TOML_DATETIME_LOCAL), "datetime-local");
    assert_string_equal(toml_type_name(TOML_TABLE), "table");
    toml_free(root);
    toml_free(NULL);
}

/* `n` nested arrays (or inline tables) around a 1. */
static char *nested(int n, bool tables)
{
    buf b = {0};
    buf_puts(&b, "x = ");
    for (int i = 0; i < n; i++)
        buf_puts(&b, tables ? "{a = " : "[");
    buf_puts(&b, "1");
    for (int i = 0; i < n; i++)
        buf_puts(&b, tables ? "}" : "]");
    buf_putc(&b, '\n');
    return buf_detach(&b, NULL);
}

static void test_depth_limit(void **state)
{
    (void)state;
    for (int t = 0; t < 2; t++) {
        char *ok = nested(TOML_DEPTH_MAX, t), *deep = nested(TOML_DEPTH_MAX + 1, t);
        toml_value *root = parse_ok(ok);
        const toml_value *v = toml_get(root, "x");
        for (int i = 1; i < TOML_DEPTH_MAX; i++)
            v = t ? toml_get(v, "a") : toml_at(v, 0);
        assert_non_null(v);
        toml_free(root);
        parse_bad(deep, strlen(deep), 1, "depth");
        free(ok);
        free(deep);
    }
    /* Dotted keys and headers nest tables too. */
    buf b = {0};
    buf_putc(&b, '[');
    for (int i = 0; i <= TOML_DEPTH_MAX; i++)
        buf_puts(&b, i ? ".k" : "k");
    buf_puts(&b, "]\n");
    parse_bad(b.data, b.len, 1, "depth");
    buf_free(&b);
}

static void test_errors_name_lines(void **state)
{
    (void)state;
    BAD("a = 1\nb = 2\na = 3\n", 3, "'a' is defined twice");
    BAD("a = 1\nb = \"open\nc = 1\n", 2, "unterminated string");
    BAD("a = 1\n\nb = '''\nnever closed\n", 3, "unterminated multi-line");
    BAD("a = 1\nb = \"x\\qy\"\n", 2, "escape");
    BAD("a = 1\r\nb = 2\r\nc = \"\xff\"\r\n", 3, "UTF-8");
    BAD("a = 1\nb = \"x\0\"\n", 2, "NUL");
    BAD("a = 1\n# bell \a\n", 2, "control");
    BAD("a = 1\nb = 2\rc = 3\n", 2, "carriage return");
    BAD("[t]\nx = 1\n[t]\n", 3, "defined twice");
    BAD("a = [\n1,\n2\n3]\n", 4, "expected ','");
    BAD("a = { b = 1,\n c = 2 }\n", 1, "");
    BAD("a = { b = 1, }\n", 1, "trailing comma");
    BAD("a = 1 b = 2\n", 1, "new line");
    BAD("\n\n\na = 9223372036854775808\n", 4, "64 bits");
    BAD("a = -9223372036854775809\n", 1, "64 bits");
    BAD("a = 0x8000000000000000\n", 1, "64 bits");
    BAD("a = 0o1777777777777777777777\n", 1, "64 bits");
    BAD("a = \"\\uD800\"\n", 1, "scalar");
    BAD("a = \"\\U00110000\"\n", 1, "scalar");
    BAD("a = 1\n\xef\xbb\xbf b = 2\n", 2, "");
    BAD("a = 1900-02-29\n", 1, "date");
    BAD("a = 2023-02-29\n", 1, "date");
    BAD("a = 2023-04-31\n", 1, "date");
    BAD("a = 24:00:00\n", 1, "time");
    BAD("a = 23:59:61\n", 1, "time");
    BAD("a = 2000-01-01T00:00:00+24:00\n", 1, "offset");
    /* Header and dotted-key redefinitions (tomllib's rules). */
    BAD("[a]\nx.y = 1\n[a.x]\n", 3, "defined twice");
    BAD("[[a]]\n[a]\n", 2, "array of tables");
    BAD("a = [1]\n[[a]]\n", 2, "array of tables");
    BAD("[a.b.c]\n[a]\nb.c.d = 1\n", 3, "defined elsewhere");
    BAD("a = {b = 1}\n[a.c]\n", 2, "inline table");
    BAD("a = {b = {c = 1}, b.d = 2}\n", 1, "inline table");
    /* Keys reach messages filtered: no escape sequence gets through. */
    BAD("\"\\u001b[31m\\u0000x\" = 1\n\"\\u001b[31m\\u0000x\" = 2\n", 2, "'?[31m?x' is defined");
    toml_value *r = parse_ok("[a.b.c]\n[a]\nb.d = 1\n[a.x]\ny.z = 1\n[a.x.y.w]\n"
                             "[[p]]\n[p.q]\n[[p]]\n[p.q]\n");
    assert_non_null(toml_get(toml_get(toml_get(toml_get(r, "a"), "x"), "y"), "w"));
    assert_int_equal(toml_len(toml_get(r, "p")), 2);
    toml_free(r);
    /* A NULL name reads as <input>. */
    toml_value *root;
    airlock_error err;
    assert_int_equal(toml_parse("=", 1, NULL, &root, &err), -1);
    assert_true(strncmp(err.msg, "<input>:1: ", 11) == 0);
}

static void test_values(void **state)
{
    (void)state;
    toml_value *r = parse_ok("\xef\xbb\xbf"
                             "max = 9223372036854775807\n"
                             "min = -9223372036854775808\n"
                             "hex = 0x7FFF_ffff_ffff_ffff\n"
                             "bin = 0b1_0\n"
                             "dt = 1987-07-05 17:45:00.123z\n"
                             "off = 1987-07-05t17:45:00-07:00\n"
                             "leap = 2000-02-29\n"
                             "ls = 23:59:60\n"
                             "e = \"\\u00e9\\U0001F600\"\n");
    int64_t i;
    assert_true(toml_integer(toml_get(r, "max"), &i) && i == INT64_MAX);
    assert_true(toml_integer(toml_get(r, "min"), &i) && i == INT64_MIN);
    assert_true(toml_integer(toml_get(r, "hex"), &i) && i == INT64_MAX);
    assert_true(toml_integer(toml_get(r, "bin"), &i) && i == 2);
    assert_string_equal(toml_datetime(toml_get(r, "dt")), "1987-07-05T17:45:00.123Z");
    assert_string_equal(toml_datetime(toml_get(r, "off")), "1987-07-05T17:45:00-07:00");
    assert_string_equal(toml_datetime(toml_get(r, "leap")), "2000-02-29");
    assert_int_equal(toml_type_of(toml_get(r, "ls")), TOML_TIME_LOCAL);
    assert_string_equal(toml_get_string(r, "e"), "\xc3\xa9\xf0\x9f\x98\x80");
    toml_free(r);
}

static void test_nul_in_strings_and_keys(void **state)
{
    (void)state;
    toml_value *r = parse_ok("\"k\\u0000ey\" = \"va\\u0000lue\"\nplain = 'x'\n");
    assert_int_equal(toml_len(r), 2);
    assert_string_equal(toml_key_at(r, 0), "k");
    assert_int_equal(toml_key_len(r, 0), 4);
    assert_memory_equal(toml_key_at(r, 0), "k\0ey", 5);
    size_t n = 0;
    const char *s = toml_string(toml_value_at(r, 0), &n);
    assert_int_equal(n, 6);
    assert_memory_equal(s, "va\0lue", 7);
    /* toml_get takes a C string: it finds "k" only if there is such a key. */
    assert_null(toml_get(r, "k"));
    assert_string_equal(toml_get_string(r, "plain"), "x");
    toml_free(r);
}

static const char SAMPLE[] =
    "\xef\xbb\xbfversion = 1 # comment\r\n"
    "requires-python = \">=3.9\"\n"
    "[[package]]\n"
    "name = \"anyio\"\n"
    "source = { registry = \"https://pypi.org/simple\", n = [1, 2.5e3, -inf] }\n"
    "dependencies = [\n"
    "    { name = \"idna\" }, # trailing\n"
    "    { name = \"typing-extensions\", marker = \"python_full_version < '3.13'\" },\n"
    "]\n"
    "sdist = { url = 'https://x/anyio.tar.gz', hash = \"sha256:\\u00e9\", upload-time = "
    "2025-11-28T23:37:38.911Z }\n"
    "notes = \"\"\"\n  multi \\\n  line \"\" \"\"\"\n"
    "lit = '''\nraw\\n'''\n"
    "[package.optional-dependencies]\n"
    "dev.x = [0x1F, 0o7, 0b1, 1_000, 07:32:00, 1979-05-27]\n"
    "[[package]]\n"
    "\"quoted key\".'lit' = true\n";

static void test_truncation_never_crashes(void **state)
{
    (void)state;
    toml_value *root = parse_ok(SAMPLE);
    toml_free(root);
    size_t len = sizeof(SAMPLE) - 1;
    size_t parsed = 0;
    for (size_t n = 0; n <= len; n++) {
        /* An exact-size copy, so that ASan sees any read past the end. */
        char *copy = malloc(n ? n : 1);
        memcpy(copy, SAMPLE, n);
        airlock_error err;
        err.msg[0] = '\0';
        if (toml_parse(copy, n, "t.toml", &root, &err) == 0) {
            assert_int_equal(toml_type_of(root), TOML_TABLE);
            toml_free(root);
            parsed++;
        } else {
            assert_null(root);
            assert_true(strncmp(err.msg, "t.toml:", 7) == 0);
        }
        free(copy);
    }
    /* Cuts at line ends (and a few elsewhere) parse; most do not. */
    assert_true(parsed > 5 && parsed < len / 2);
}

/* The arena's shortcuts: bare keys stored once and told apart past their
 * first eight bytes, tables switching from tags to hashes at nine keys,
 * literal arrays built on a stack (nested, and past its first growth), and
 * a string larger than the first chunk. */
static void test_arena_shortcuts(void **state)
{
    (void)state;
    buf d = {0};
    buf_puts(&d, "w = [\n");
    for (int i = 0; i < 300; i++)
        buf_printf(&d,
                   "  { upload-time-a = %d, upload-time-b = [%d, [%d]],"
                   " 'upload-time-a2' = 1 },\n",
                   i, i + 1, i + 2);
    buf_puts(&d, "]\n[t]\n");
    for (int i = 0; i < 12; i++)
        buf_printf(&d, "abcdefgh%d = %d\n", i, i);
    buf_puts(&d, "big = \"");
    for (int i = 0; i < 200000; i++)
        buf_putc(&d, (char)('a' + i % 26));
    buf_puts(&d, "\"\nq = 1");
    toml_value *root;
    airlock_error err;
    assert_int_equal(toml_parse(d.data, d.len, "t.toml", &root, &err), 0);
    const toml_value *w = toml_get_array(root, "w");
    assert_int_equal(toml_len(w), 300);
    int64_t v;
    for (size_t i = 0; i < 300; i += 299) {
        const toml_value *e = toml_at(w, i);
        assert_int_equal(toml_len(e), 3);
        assert_true(toml_integer(toml_get(e, "upload-time-a"), &v) && v == (int64_t)i);
        const toml_value *b = toml_get_array(e, "upload-time-b");
        assert_int_equal(toml_len(b), 2);
        assert_true(toml_integer(toml_at(b, 0), &v) && v == (int64_t)i + 1);
        assert_true(toml_integer(toml_at(toml_at(b, 1), 0), &v) && v == (int64_t)i + 2);
        assert_string_equal(toml_key_at(e, 1), "upload-time-b");
        assert_string_equal(toml_key_at(e, 2), "upload-time-a2");
        assert_null(toml_get(e, "upload-time-c"));
    }
    const toml_value *t = toml_get_table(root, "t");
    assert_int_equal(toml_len(t), 14);
    for (int i = 0; i < 12; i++) {
        char k[16];
        snprintf(k, sizeof k, "abcdefgh%d", i);
        assert_true(toml_integer(toml_get(t, k), &v) && v == i);
    }
    assert_null(toml_get(t, "abcdefgh12"));
    size_t len;
    const char *big = toml_string(toml_get(t, "big"), &len);
    assert_int_equal(len, 200000);
    assert_true(big[0] == 'a' && big[199999] == (char)('a' + 199999 % 26) && big[200000] == '\0');
    assert_true(toml_integer(toml_get(t, "q"), &v) && v == 1);
    toml_free(root);
    /* A key defined twice is still found once the table is hashed, and
     * before. */
    buf_reset(&d);
    buf_puts(&d, "[t]\n");
    for (int i = 0; i < 12; i++)
        buf_printf(&d, "abcdefgh%d = %d\n", i, i);
    buf_puts(&d, "abcdefgh3 = 0\n");
    parse_bad(d.data, d.len, 14, "defined twice");
    parse_bad("a = { upload-time-x = 1, upload-time-x = 2 }", 44, 1, "defined twice");
    buf_free(&d);
}

static void test_large_tables_are_linear(void **state)
{
    (void)state;
    const long n = 200000;
    buf a = {0}, b = {0};
    buf_puts(&a, "[t]\n");
    for (long i = 0; i < n; i++)
        buf_printf(&a, "key%ld = %ld\n", i, i);
    for (long i = 0; i < n; i++)
        buf_printf(&b, "[[a]]\nname = \"p%ld\"\n", i);
    clock_t t0 = clock();
    toml_value *ra, *rb;
    airlock_error err;
    assert_int_equal(toml_parse(a.data, a.len, "a.toml", &ra, &err), 0);
    assert_int_equal(toml_parse(b.data, b.len, "b.toml", &rb, &err), 0);
    double cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
    const toml_value *t = toml_get(ra, "t");
    assert_int_equal(toml_len(t), n);
    int64_t v;
    assert_true(toml_integer(toml_get(t, "key199999"), &v) && v == 199999);
    assert_true(toml_integer(toml_get(t, "key0"), &v) && v == 0);
    assert_string_equal(toml_key_at(t, 123456), "key123456");
    assert_null(toml_get(t, "key200000"));
    assert_int_equal(toml_len(toml_get(rb, "a")), n);
    assert_string_equal(toml_get_string(toml_at(toml_get(rb, "a"), n - 1), "name"), "p199999");
    assert_int_equal(toml_line(toml_at(toml_get(rb, "a"), n - 1)), 2 * n - 1);
    /* About 0.25 s in a release build; quadratic would be minutes. The
     * bound leaves room for ASan and a loaded machine. */
    if (cpu > 8.0)
        fail_msg("400,000 keys took %.2f s of CPU", cpu);
    toml_free(ra);
    toml_free(rb);
    buf_free(&a);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_accessors),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_errors_name_lines),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_nul_in_strings_and_keys),
        cmocka_unit_test(test_truncation_never_crashes),
        cmocka_unit_test(test_arena_shortcuts),
        cmocka_unit_test(test_large_tables_are_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
