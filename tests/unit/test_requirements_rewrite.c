/* Tests for scanner/inputs/requirements_rewrite.h and core/textedit.h:
 * a pin is rewritten where it stands and every other byte stays. Each
 * case gives the whole file before and after. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/textedit.h"
#include "scanner/inputs/requirements_rewrite.h"

static const char *const NEW3[] = {"c1", "c2", "c3"};
static const char *const NEW1[] = {"c1"};

/* Rewrite `in` with `fixes`, check the output is `want` and return the
 * first fix's status. */
static req_fix_status run(const char *in, const req_fix *fixes, size_t n, const char *want)
{
    req_fix_status st[8];
    assert_true(n <= 8);
    text_edits e = {0};
    airlock_error err;
    assert_int_equal(req_rewrite("t.txt", in, strlen(in), fixes, n, st, &e, &err), 0);
    assert_true(text_edits_valid(&e, strlen(in)));
    buf out = {0};
    text_edits_apply(in, strlen(in), &e, &out);
    if (strcmp(out.data ? out.data : "", want) != 0)
        fprintf(stderr, "got:\n[%s]\nwant:\n[%s]\n", out.data ? out.data : "", want);
    assert_string_equal(out.data ? out.data : "", want);
    buf_free(&out);
    text_edits_free(&e);
    return st[0];
}

static req_fix fix(unsigned line, const char *name, const char *old, const char *new)
{
    return (req_fix){line, name, old, new, NULL, 0};
}

static void test_plain_pin(void **state)
{
    (void)state;
    req_fix f = fix(1, "flask", "2.0.1", "2.2.5");
    req_fix_status st = run("flask==2.0.1\n", &f, 1, "flask==2.2.5\n");
    assert_int_equal(st.result, REQ_FIX_APPLIED);
}

/* Comments, options, extras, markers, blanks, CRLF and a missing final
 * newline all stay byte for byte. */
static void test_everything_else_kept(void **state)
{
    (void)state;
    const char *in = "# top\r\n"
                     "--index-url https://example.org/simple\r\n"
                     "Flask[async] == 2.0.1 ; python_version >= \"3.8\"  # pinned   \r\n"
                     "other==1.0\t \r\n"
                     "\r\n"
                     "last===1.0  ";
    const char *want = "# top\r\n"
                       "--index-url https://example.org/simple\r\n"
                       "Flask[async] == 2.2.5 ; python_version >= \"3.8\"  # pinned   \r\n"
                       "other==1.0\t \r\n"
                       "\r\n"
                       "last===1.1  ";
    req_fix f[] = {fix(3, "flask", "2.0.1", "2.2.5"), fix(6, "LAST", "1.0", "1.1")};
    run(in, f, 2, want);
}

static void test_parenthesised_and_lf_cr(void **state)
{
    (void)state;
    req_fix f = fix(2, "foo", "1.0", "1.2");
    run("a==1\rfoo (==1.0)\rb==2\r", &f, 1, "a==1\rfoo (==1.2)\rb==2\r");
}

/* A pin split over continuation lines: the new version takes the first
 * piece's place, the other pieces go, the continuations stay. */
static void test_continuation_split_version(void **state)
{
    (void)state;
    req_fix f = fix(1, "foo", "1.0", "2.0");
    run("foo==1.\\\n0\nbar==1\n", &f, 1, "foo==2.0\\\n\nbar==1\n");
    req_fix g = fix(2, "foo", "1.0", "2.0");
    run("x==1\nfoo \\\n  == 1.0 \\\n  ; python_version > '3'\n", &g, 1,
        "x==1\nfoo \\\n  == 2.0 \\\n  ; python_version > '3'\n");
}

static void test_hashes_per_line_replaced(void **state)
{
    (void)state;
    req_fix f = {1, "foo", "1.0", "1.1", NEW3, 3};
    req_fix_status st = run("foo==1.0 \\\n"
                            "    --hash=sha256:aaaa \\\n"
                            "    --hash=sha256:bbbb\n"
                            "bar==2.0\n",
                            &f, 1,
                            "foo==1.1 \\\n"
                            "    --hash=sha256:c1 \\\n"
                            "    --hash=sha256:c2 \\\n"
                            "    --hash=sha256:c3\n"
                            "bar==2.0\n");
    assert_int_equal(st.hashes_removed, 2);
    assert_int_equal(st.hashes_added, 3);
    /* CRLF, a comment after the last, and fewer new hashes than old. */
    req_fix g = {1, "foo", "1.0", "1.1", NEW1, 1};
    run("foo==1.0 \\\r\n  --hash=sha256:aa \\\r\n  --hash=sha256:bb  # pinned\r\n", &g, 1,
        "foo==1.1 \\\r\n  --hash=sha256:c1  # pinned\r\n");
    /* One old line, three new: continuations are added in its style. */
    req_fix h = {1, "foo", "1.0", "1.1", NEW3, 3};
    run("foo==1.0 \\\r\n --hash=sha256:aa", &h, 1,
        "foo==1.1 \\\r\n --hash=sha256:c1 \\\r\n --hash=sha256:c2 \\\r\n --hash=sha256:c3");
    /* pip splits options from the requirement at a blank, not a tab:
     * after a tab the --hash is part of the requirement, which pip
     * rejects, so the line is no pin. */
    req_fix_status st2 = run("foo==1.0 \\\n\t--hash=sha256:aa\n", &h, 1,
                             "foo==1.0 \\\n\t--hash=sha256:aa\n");
    assert_int_equal(st2.result, REQ_FIX_NOT_PINNED);
}

static void test_hashes_removed(void **state)
{
    (void)state;
    req_fix f = fix(1, "foo", "1.0", "1.1");
    req_fix_status st = run("foo==1.0 \\\n"
                            "    --hash=sha256:aaaa \\\n"
                            "    --hash=sha256:bbbb\n"
                            "bar==2.0\n",
                            &f, 1, "foo==1.1\nbar==2.0\n");
    assert_int_equal(st.hashes_removed, 2);
    assert_int_equal(st.hashes_added, 0);
    /* Without a final newline the file still has none. */
    run("foo==1.0 \\\n  --hash=sha256:aa", &f, 1, "foo==1.1");
    /* Inline, with a comment and another option kept. */
    run("foo==1.0 --hash=sha256:aa --global-option=x --hash sha256:bb # c\n", &f, 1,
        "foo==1.1 --global-option=x # c\n");
    /* A hash on the requirement's line and one on the next. */
    run("foo==1.0 --hash=sha256:aa \\\n  --hash=sha256:bb\nz==1\n", &f, 1, "foo==1.1\nz==1\n");
    /* A comment line after the continuation stays. */
    run("foo==1.0 \\\n  --hash=sha256:aa \\\n  # note\nz==1\n", &f, 1,
        "foo==1.1 \\\n  # note\nz==1\n");
}

static void test_hashes_inline_replaced(void **state)
{
    (void)state;
    req_fix f = {1, "foo", "1.0", "1.1", NEW3, 3};
    run("foo==1.0 --hash=sha256:aa --hash=sha256:bb  # c\n", &f, 1,
        "foo==1.1 --hash=sha256:c1 --hash=sha256:c2 --hash=sha256:c3  # c\n");
    req_fix g = {1, "foo", "1.0", "1.1", NEW1, 1};
    run("foo==1.0 --hash=sha256:aa \\\n  --hash=sha256:bb\n", &g, 1,
        "foo==1.1 --hash=sha256:c1\n");
}

static void test_other_version_untouched(void **state)
{
    (void)state;
    req_fix f = fix(1, "foo", "1.1", "1.2");
    req_fix_status st = run("foo==1.0\n", &f, 1, "foo==1.0\n");
    assert_int_equal(st.result, REQ_FIX_NOT_PINNED);
    assert_non_null(st.why);
    /* Equal as PEP 440 versions is the same pin; its spelling goes. */
    req_fix g = fix(1, "foo", "1.0", "1.2");
    st = run("foo==1.0.0\n", &g, 1, "foo==1.2\n");
    assert_int_equal(st.result, REQ_FIX_APPLIED);
    /* Another project, a range, a URL: not pins of foo. */
    st = run("foobar==1.0\n", &g, 1, "foobar==1.0\n");
    assert_int_equal(st.result, REQ_FIX_NOT_PINNED);
    st = run("foo>=1.0\n", &g, 1, "foo>=1.0\n");
    assert_int_equal(st.result, REQ_FIX_NOT_PINNED);
    st = run("foo==1.0.*\n", &g, 1, "foo==1.0.*\n");
    assert_int_equal(st.result, REQ_FIX_NOT_PINNED);
    st = run("foo @ https://example.org/foo-1.0.tar.gz\n", &g, 1,
             "foo @ https://example.org/foo-1.0.tar.gz\n");
    assert_int_equal(st.result, REQ_FIX_NOT_PINNED);
    /* A line that only continues another. */
    req_fix h = fix(2, "foo", "1.0", "1.2");
    st = run("bar==1 \\\nfoo==1.0\n", &h, 1, "bar==1 \\\nfoo==1.0\n");
    assert_int_equal(st.result, REQ_FIX_NOT_PINNED);
    /* A comment. */
    st = run("x==1\n# foo==1.0\n", &h, 1, "x==1\n# foo==1.0\n");
    assert_int_equal(st.result, REQ_FIX_NOT_PINNED);
}

static void test_two_pins_same_name(void **state)
{
    (void)state;
    req_fix f[] = {fix(1, "foo", "1.0", "1.1"), fix(3, "foo", "1.0", "1.1"),
                   fix(2, "foo", "1.0", "1.1")};
    run("foo==1.0 ; sys_platform == 'linux'\nfoo==0.9 ; sys_platform == 'win32'\n"
        "foo==1.0\n",
        f, 3,
        "foo==1.1 ; sys_platform == 'linux'\nfoo==0.9 ; sys_platform == 'win32'\n"
        "foo==1.1\n");
}

static void test_same_line_twice(void **state)
{
    (void)state;
    req_fix st_f[] = {fix(1, "foo", "1.0", "1.1"), fix(1, "foo", "1.0", "1.1"),
                      fix(1, "foo", "1.0", "2.0")};
    req_fix_status st[3];
    text_edits e = {0};
    airlock_error err;
    assert_int_equal(req_rewrite("t", "foo==1.0\n", 9, st_f, 3, st, &e, &err), 0);
    assert_int_equal(st[0].result, REQ_FIX_APPLIED);
    assert_int_equal(st[1].result, REQ_FIX_APPLIED);
    assert_int_equal(st[2].result, REQ_FIX_UNSAFE);
    assert_int_equal(e.len, 1);
    text_edits_free(&e);
}

static void test_unsafe_lines(void **state)
{
    (void)state;
    req_fix f = fix(1, "foo", "1.0", "1.1");
    req_fix_status st = run("foo==1.0 ${OPT}\n", &f, 1, "foo==1.0 ${OPT}\n");
    assert_int_equal(st.result, REQ_FIX_UNSAFE);
    /* An option pip does not know: pip does not read the line. */
    st = run("foo==1.0 --no-such-option\n", &f, 1, "foo==1.0 --no-such-option\n");
    assert_int_equal(st.result, REQ_FIX_NOT_PINNED);
}

static void test_encodings(void **state)
{
    (void)state;
    req_fix f = fix(1, "foo", "1.0", "1.1");
    /* A UTF-8 byte order mark stays. */
    run("\xef\xbb\xbf" "foo==1.0\n", &f, 1, "\xef\xbb\xbf" "foo==1.1\n");
    run("foo==1.0  # caf\xc3\xa9\n", &f, 1, "foo==1.1  # caf\xc3\xa9\n");
    req_fix_status st[1];
    text_edits e = {0};
    airlock_error err;
    const char utf16[] = "\xff\xfe" "f\0o\0o\0=\0=\0" "1\0.\0" "0\0";
    assert_int_equal(req_rewrite("u16", utf16, sizeof utf16 - 1, &f, 1, st, &e, &err), -1);
    assert_non_null(strstr(err.msg, "UTF-16"));
    const char *latin = "# -*- coding: latin-1 -*-\nfoo==1.0  # caf\xc3\xa9\n";
    assert_int_equal(req_rewrite("l1", latin, strlen(latin), &f, 1, st, &e, &err), -1);
    const char *bad = "foo==1.0 # \xff\n";
    assert_int_equal(req_rewrite("bad", bad, strlen(bad), &f, 1, st, &e, &err), -1);
    assert_int_equal(e.len, 0);
}

static void test_diff(void **state)
{
    (void)state;
    const char *in = "a\nb\nc\nd\ne\nfoo==1.0\ng\nh\ni\nj\nk\nl\nm\nn\nbar==1.0";
    req_fix f[] = {fix(6, "foo", "1.0", "1.1"), fix(15, "bar", "1.0", "2.0")};
    req_fix_status st[2];
    text_edits e = {0};
    airlock_error err;
    assert_int_equal(req_rewrite("t", in, strlen(in), f, 2, st, &e, &err), 0);
    buf d = {0};
    text_edits_diff(in, strlen(in), &e, "req.txt", "req.txt", 3, &d);
    assert_string_equal(d.data, "--- req.txt\n+++ req.txt\n"
                                "@@ -3,7 +3,7 @@\n c\n d\n e\n-foo==1.0\n+foo==1.1\n g\n h\n i\n"
                                "@@ -12,4 +12,4 @@\n l\n m\n n\n-bar==1.0\n"
                                "\\ No newline at end of file\n+bar==2.0\n"
                                "\\ No newline at end of file\n");
    buf_free(&d);
    text_edits_free(&e);
    /* Lines added: the new side's counts follow. */
    req_fix g = {1, "foo", "1.0", "1.1", NEW3, 3};
    const char *h = "foo==1.0 \\\n  --hash=sha256:aa\nz==1\n";
    assert_int_equal(req_rewrite("t", h, strlen(h), &g, 1, st, &e, &err), 0);
    text_edits_diff(h, strlen(h), &e, "r", "r", 3, &d);
    assert_string_equal(d.data, "--- r\n+++ r\n@@ -1,3 +1,5 @@\n-foo==1.0 \\\n"
                                "-  --hash=sha256:aa\n+foo==1.1 \\\n+  --hash=sha256:c1 \\\n"
                                "+  --hash=sha256:c2 \\\n+  --hash=sha256:c3\n z==1\n");
    buf_free(&d);
    text_edits_free(&e);
    /* No change, no diff. */
    text_edits_diff(h, strlen(h), &e, "r", "r", 3, &d);
    assert_int_equal(d.len, 0);
    buf_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_pin),
        cmocka_unit_test(test_everything_else_kept),
        cmocka_unit_test(test_parenthesised_and_lf_cr),
        cmocka_unit_test(test_continuation_split_version),
        cmocka_unit_test(test_hashes_per_line_replaced),
        cmocka_unit_test(test_hashes_removed),
        cmocka_unit_test(test_hashes_inline_replaced),
        cmocka_unit_test(test_other_version_untouched),
        cmocka_unit_test(test_two_pins_same_name),
        cmocka_unit_test(test_same_line_twice),
        cmocka_unit_test(test_unsafe_lines),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
