/* Tests for core/buf, core/error and core/fileio. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/percent.h"

static void test_buf_grows_and_terminates(void **state)
{
    (void)state;
    buf b = {0};
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "%d,", i);
    assert_int_equal(strlen(b.data), b.len);
    assert_true(strncmp(b.data, "0,1,2,", 6) == 0);
    assert_true(strcmp(b.data + b.len - 4, "999,") == 0);
    size_t n;
    char *s = buf_detach(&b, &n);
    assert_int_equal(n, strlen(s));
    assert_null(b.data);
    free(s);
    char *empty = buf_detach(&b, &n);
    assert_string_equal(empty, "");
    assert_int_equal(n, 0);
    free(empty);
}

static void test_error_prefix(void **state)
{
    (void)state;
    airlock_error err;
    assert_int_equal(error_set(&err, "invalid version '%s'", "x"), -1);
    error_prefix(&err, "%s:%d", "req.txt", 12);
    assert_string_equal(err.msg, "req.txt:12: invalid version 'x'");
}

/* error_invalid quotes untrusted text through core/text.h's filter, the one
 * every other message uses: controls of every kind become one '?' each,
 * text is shown as text, and the 80-byte bound never splits a character. */
static void test_error_invalid_filters(void **state)
{
    (void)state;
    airlock_error err;
    static const char esc[] = "1.0\x1b]0;owned\x07\x1b[2J";
    assert_int_equal(error_invalid(&err, "version", esc, sizeof esc - 1, NULL), -1);
    assert_string_equal(err.msg, "invalid version '1.0?]0;owned??[2J'");
    /* C1 CSI and a bidi override: one '?' each, as `airlock show` prints */
    static const char c1[] = "1.0\xc2\x9b" "2J\xe2\x80\xae" "1";
    error_invalid(&err, "version", c1, sizeof c1 - 1, "why");
    assert_string_equal(err.msg, "invalid version '1.0?2J?1': why");
    /* text is kept; a quote and a NUL inside `len` are not */
    static const char text[] = "caf\xc3\xa9'\0x";
    error_invalid(&err, "project name", text, sizeof text - 1, NULL);
    assert_string_equal(err.msg, "invalid project name 'caf\xc3\xa9??x'");
    /* invalid UTF-8 is U+FFFD, as everywhere */
    error_invalid(&err, "version", "1\xff", 2, NULL);
    assert_string_equal(err.msg, "invalid version '1\xef\xbf\xbd'");
    /* the bound: 80 bytes, cut before a character that would cross it */
    char longer[100];
    memset(longer, 'a', 79);
    memcpy(longer + 79, "\xc3\xa9zz", 4);
    error_invalid(&err, "version", longer, 83, NULL);
    char want[128];
    snprintf(want, sizeof want, "invalid version '%.79s...'", longer);
    assert_string_equal(err.msg, want);
    error_invalid(&err, "version", longer + 1, 80, NULL); /* exactly 80: whole */
    snprintf(want, sizeof want, "invalid version '%.80s'", longer + 1);
    assert_string_equal(err.msg, want);
    error_invalid(&err, "version", NULL, 0, NULL);
    assert_string_equal(err.msg, "invalid version ''");
}

static char *temp_dir(void)
{
    char tmpl[] = "/tmp/airlock-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static void test_atomic_write_and_read_limit(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char path[512];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    airlock_error err;
    assert_int_equal(file_write_atomic(path, "hello\n", 6, 0600, &err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *data;
    size_t len;
    assert_int_equal(file_read_all(path, 100, &data, &len, &err), 0);
    assert_int_equal(len, 6);
    assert_string_equal(data, "hello\n");
    free(data);
    /* Over the limit is an error naming the file, not a truncated read. */
    assert_int_equal(file_read_all(path, 5, &data, &len, &err), -1);
    assert_null(data);
    assert_non_null(strstr(err.msg, "out.txt"));
    unlink(path);
    rmdir(dir);
    free(dir);
}

static void test_atomic_exclusive_refuses_existing(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char path[512];
    snprintf(path, sizeof path, "%s/key", dir);
    airlock_error err;
    atomic_file af;
    assert_int_equal(atomic_open(&af, path, 0600, 1, &err), 0);
    fputs("first", af.fp);
    assert_int_equal(atomic_commit(&af, &err), 0);
    /* A second exclusive create fails at open ... */
    assert_int_equal(atomic_open(&af, path, 0600, 1, &err), -1);
    assert_non_null(strstr(err.msg, "already exists"));
    /* ... and the original content is intact. */
    char *data;
    size_t len;
    assert_int_equal(file_read_all(path, 100, &data, &len, &err), 0);
    assert_string_equal(data, "first");
    free(data);
    /* An aborted write leaves nothing behind. */
    char other[512];
    snprintf(other, sizeof other, "%s/other", dir);
    assert_int_equal(atomic_open(&af, other, 0644, 0, &err), 0);
    fputs("partial", af.fp);
    atomic_abort(&af);
    assert_int_equal(access(other, F_OK), -1);
    unlink(path);
    assert_int_equal(rmdir(dir), 0); /* fails if a temp file was left */
    free(dir);
}

static void test_percent_decode(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"torch-2.1.2%2Bcpu-cp311.whl", "torch-2.1.2+cpu-cp311.whl"},
        {"%2b%2B", "++"},             /* either case */
        {"/a%20b/c", "/a b/c"},
        {"%00x", "%00x"},             /* never an embedded NUL */
        {"%zz%4", "%zz%4"},           /* malformed escapes stay as written */
        {"100%", "100%"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = percent_decode(cases[i].in);
        assert_string_equal(got, cases[i].out);
        free(got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_grows_and_terminates),
        cmocka_unit_test(test_error_prefix),
        cmocka_unit_test(test_error_invalid_filters),
        cmocka_unit_test(test_atomic_write_and_read_limit),
        cmocka_unit_test(test_atomic_exclusive_refuses_existing),
        cmocka_unit_test(test_percent_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
