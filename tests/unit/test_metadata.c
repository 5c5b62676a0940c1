/* Tests for scanner/metadata: header blocks as importlib.metadata reads them.
 * Expected values were taken from importlib.metadata._adapters.Message(
 * email.message_from_string(text)) on Debian's Python 3.11. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "scanner/inputs/metadata.h"

static void parse(const char *text, metadata *md)
{
    assert_int_equal(metadata_parse(text, strlen(text), true, md), 0);
}

static void expect(const char *text, const char *name, const char *version)
{
    metadata md = {0};
    parse(text, &md);
    if (name == NULL)
        assert_null(md.name);
    else
        assert_string_equal(md.name, name);
    if (version == NULL)
        assert_null(md.version);
    else
        assert_string_equal(md.version, version);
    metadata_clear(&md);
}

static void test_plain(void **state)
{
    (void)state;
    metadata md = {0};
    parse("Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nSummary: x\n\nbody\n", &md);
    assert_string_equal(md.name, "requests");
    assert_string_equal(md.version, "2.31.0");
    assert_int_equal(md.name_line, 2);
    assert_int_equal(md.version_line, 3);
    assert_false(md.bom);
    metadata_clear(&md);
    assert_null(md.name);
}

static void test_line_endings(void **state)
{
    (void)state;
    expect("Name: crlf\r\nVersion: 1.0\r\n\r\nName: body\r\n", "crlf", "1.0");
    expect("Name: cr\rVersion: 1.1\r\rName: body\r", "cr", "1.1");
    expect("Name: noeol\nVersion: 0.3", "noeol", "0.3");
    /* A folded value's CRLF becomes "\n" (universal newlines). */
    expect("Name: x\r\n y\r\n", "       x\ny", NULL);
}

static void test_bom(void **state)
{
    (void)state;
    metadata md = {0};
    parse("\xef\xbb\xbfName: bom\nVersion: 4.0\n", &md);
    assert_true(md.bom);
    assert_string_equal(md.name, "bom");
    assert_int_equal(md.name_line, 1);
    metadata_clear(&md);
}

static void test_case_and_repeats(void **state)
{
    (void)state;
    expect("nAmE: MixedCase\nVERSION: 2.0\n", "MixedCase", "2.0");
    expect("Name: repeat\nVersion: 1.0\nVersion: 2.0\nName: other\n", "repeat", "1.0");
}

static void test_blanks_kept(void **state)
{
    (void)state;
    expect("Version: 1.0 \t\nName:  x y  \n", "x y  ", "1.0 \t");
    expect("Name:\n", "", NULL);
}

static void test_folding_and_redent(void **state)
{
    (void)state;
    expect("Name: a\n  b\nVersion: 1\n", "      a\nb", "1");
    expect("Name:\n    foldname\n", "\nfoldname", NULL);
    expect("Name: a\n\tb\n   \n c\n", "        a\n\tb\n\n c", NULL);
    expect("Summary: s\n  more\nName: after\nVersion: 9\n", "after", "9");
}

static void test_block_end(void **state)
{
    (void)state;
    /* A blank line ends the block; header-like body lines do not count. */
    expect("Name: one\n two\n\nVersion: 2\n", "       one\ntwo", NULL);
    /* So does any line that is not a header or continuation. */
    expect("Name: cut\nSummary: s\nnot a header\nVersion: 1.0\n", "cut", NULL);
    /* A blank before the colon: not a header line, so no headers at all. */
    expect("Name : spaced\nVersion: 1.0\n", NULL, NULL);
    /* Non-ASCII in a field name ends the block. */
    expect("N\xc3\xa4me: x\nName: y\n", NULL, NULL);
    /* Text without headers. */
    expect("", NULL, NULL);
    expect("\n\nName: x\n", NULL, NULL);
    expect("bogus\n", NULL, NULL);
    /* A BOM only counts at the very start. */
    expect("Name: a\n\xef\xbb\xbfVersion: 1\n", "a", NULL);
}

static void test_odd_lines(void **state)
{
    (void)state;
    expect("From nobody\nName: f\nFrom x\n cont\nVersion: 3\n", "f", "3");
    expect(":bad\n cont\nName: n\n", "n", NULL);
    expect("Name: n\nVersion: 1\nFrom y\n", "n", "1");
    /* A continuation first has no field to continue. */
    expect("  lead\nName: n\n", "n", NULL);
}

static void test_nul_in_value(void **state)
{
    (void)state;
    const char text[] = "Name: a\0b\nVersion: 1\n";
    metadata md = {0};
    assert_int_equal(metadata_parse(text, sizeof text - 1, true, &md), 0);
    assert_int_equal(md.name_len, 3);
    assert_memory_equal(md.name, "a\0b", 3);
    assert_string_equal(md.version, "1");
    metadata_clear(&md);
}

static void test_need_more(void **state)
{
    (void)state;
    metadata md = {0};
    const char *t = "Name: x\nVer";
    assert_int_equal(metadata_parse(t, strlen(t), false, &md), 1);
    assert_int_equal(metadata_parse(t, strlen(t), true, &md), 0);
    assert_string_equal(md.name, "x");
    /* A CR at the end may be half of a CRLF. */
    t = "Name: x\r";
    assert_int_equal(metadata_parse(t, strlen(t), false, &md), 1);
    /* Whole lines but no end of block yet: the next may continue it. */
    t = "Name: x\n";
    assert_int_equal(metadata_parse(t, strlen(t), false, &md), 1);
    t = "Name: x\n y\n";
    assert_int_equal(metadata_parse(t, strlen(t), false, &md), 1);
    /* Once the block has ended, more text changes nothing. */
    t = "Name: x\n\nrest";
    assert_int_equal(metadata_parse(t, strlen(t), false, &md), 0);
    assert_int_equal(metadata_parse("\xef\xbb", 2, false, &md), 1);
    metadata_clear(&md);
}

/* metadata_parse() (with its shortcut for the common layout) and
 * metadata_parse_general() agree on `len` bytes of `text` cut at every
 * point, with and without EOF: return, fields, lengths, lines, BOM. */
static void same_as_general(const char *text, size_t len)
{
    /* Exact-size copies, so that ASan sees a read past the cut. */
    for (size_t cut = 0; cut <= len; cut++) {
        char *t = malloc(cut ? cut : 1);
        memcpy(t, text, cut);
        for (int eof = 0; eof <= 1; eof++) {
            metadata a = {0}, b = {0};
            int ra = metadata_parse(t, cut, eof, &a);
            int rb = metadata_parse_general(t, cut, eof, &b);
            bool same = ra == rb;
            if (same && ra == 0)
                same = (a.name == NULL) == (b.name == NULL) && a.name_len == b.name_len &&
                       (a.name == NULL || memcmp(a.name, b.name, a.name_len + 1) == 0) &&
                       (a.version == NULL) == (b.version == NULL) &&
                       a.version_len == b.version_len &&
                       (a.version == NULL || memcmp(a.version, b.version, a.version_len + 1) == 0) &&
                       a.name_line == b.name_line && a.version_line == b.version_line &&
                       a.bom == b.bom;
            if (!same)
                fail_msg("'%.*s' (%zu of %zu bytes, eof %d): %d, general %d", (int)cut, t, cut,
                         len, eof, ra, rb);
            metadata_clear(&a);
            metadata_clear(&b);
        }
        free(t);
    }
}

static void test_common_layout_shortcut(void **state)
{
    (void)state;
    static const char *cases[] = {
        "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nSummary: x\n\nbody\n",
        "Metadata-Version: 2.1\nName: a\nVersion: 1\n\n",
        "Metadata-Version: 2.1\nName: a\nVersion: 1\n",
        "Metadata-Version: 2.1\nName:\t \tspaced \t\nVersion:   1.0  \nX: y\n",
        "Metadata-Version: 2.1\nName:\nVersion:\nX: y\n",         /* empty values */
        "Metadata-Version: 2.1\nName: a\nVersion: 1\n folded\nX: y\n", /* continued */
        "Metadata-Version: 2.1\nName: a\nVersion: 1\n\tfolded\nX: y\n",
        "Metadata-Version: 2.1\nName: a\n more\nVersion: 1\nX: y\n",
        "Metadata-Version: 2.1\r\nName: a\r\nVersion: 1\r\nX: y\r\n",
        "Metadata-Version: 2.1\nName: a\r\nVersion: 1\nX: y\n",
        "Metadata-Version: 2.1\nName: a\nVersion: 1\r\nX: y\n",
        "Metadata-Version: 2.1\nName: a\nVersion: 1\nX: y\r",
        "Metadata-Version: 2.1\nName: a\nVersion: 1\n\r",
        "Metadata-Version: 2.1\nName: a\nVersion: 1\nFrom here\n",
        "Metadata-Version: 2.1\nName: a\nVersion: 1\nbody text\n",
        "Metadata-Version: 2.1\nVersion: 1\nName: a\nX: y\n",     /* other order */
        "Metadata-Version: 2.1\nname: a\nVERSION: 1\nX: y\n",     /* other case */
        "Metadata-Version: 2.1\nName : a\nVersion: 1\nX: y\n",
        "Metadata-Version 2.1\nName: a\nVersion: 1\nX: y\n",
        "Metadata-Version: 2\x001\nName: a\x00b\nVersion: 1\x80\nX: y\n",
        "\xef\xbb\xbfMetadata-Version: 2.1\nName: a\nVersion: 1\nX: y\n",
        "Metadata-Version: 2.1\nName: a\nName: b\nVersion: 1\nX: y\n",
        "Metadata-Version: 2.1\nName: a\nVersion: 1\nVersion: 2\n\n",
        "Metadata-Version: 2.1\n\nName: a\nVersion: 1\n\n",
        "Metadata-Version:\nName:a\nVersion:1\n:\n",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        same_as_general(cases[i], strlen(cases[i]));
    static const char nul[] = "Metadata-Version: 2\0\nName: a\0b\nVersion: 1\0\nX: y\n";
    same_as_general(nul, sizeof nul - 1);
}

static char tmpdir[64];

static void write_file(const char *rel, const char *data, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void test_read_at(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/airlock-md-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    int dfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
    assert_true(dfd >= 0);
    buf scratch = {0};
    metadata md = {0};
    airlock_error err = {{0}};

    /* Absent, empty, a directory, under a non-directory: 0 (importlib moves on). */
    assert_int_equal(metadata_read_at(dfd, "missing", "missing", &scratch, &md, &err), 0);
    write_file("empty", "", 0);
    assert_int_equal(metadata_read_at(dfd, "empty", "empty", &scratch, &md, &err), 0);
    char sub[256];
    snprintf(sub, sizeof sub, "%s/dir", tmpdir);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(metadata_read_at(dfd, "dir", "dir", &scratch, &md, &err), 0);
    assert_int_equal(metadata_read_at(dfd, "empty/METADATA", "x", &scratch, &md, &err), 0);

    /* A header block longer than the first read, then a body. */
    buf big = {0};
    buf_puts(&big, "Name: big\n");
    for (int i = 0; i < 2000; i++)
        buf_printf(&big, "Classifier: Topic :: Number %d\n", i);
    buf_puts(&big, "Version: 7\n\nbody\n");
    write_file("big", big.data, big.len);
    assert_int_equal(metadata_read_at(dfd, "big", "big", &scratch, &md, &err), 1);
    assert_string_equal(md.name, "big");
    assert_string_equal(md.version, "7");
    assert_int_equal(md.version_line, 2002);

    /* A header block over the bound is an error naming the file. */
    buf_reset(&big);
    buf_puts(&big, "Name: huge\nDescription: x\n");
    while (big.len <= METADATA_MAX_HEADER)
        buf_puts(&big, "        a folded line of a huge description.................\n");
    write_file("huge", big.data, big.len);
    assert_int_equal(metadata_read_at(dfd, "huge", "shown/huge", &scratch, &md, &err), -1);
    assert_non_null(strstr(err.msg, "shown/huge"));

    /* The same block with both fields at its top: reading stops after the
     * line that follows them (first wins: nothing later can change them),
     * as importlib, which reads the whole file, agrees. */
    buf_reset(&big);
    buf_puts(&big, "Name: huge\nVersion: 1.0\n  .post1\nDescription: x\n");
    while (big.len <= METADATA_MAX_HEADER)
        buf_puts(&big, "        a folded line of a huge description.................\n");
    buf_puts(&big, "Name: other\nVersion: 2\n\n");
    write_file("huge2", big.data, big.len);
    buf_free(&scratch);
    assert_int_equal(metadata_read_at(dfd, "huge2", "huge2", &scratch, &md, &err), 1);
    assert_string_equal(md.name, "huge");
    /* folded, as importlib (3.11) gives it: "      1.0\\n.post1" */
    assert_string_equal(md.version, "      1.0\n.post1");
    assert_int_equal(md.version_line, 2);
    assert_true(scratch.cap < ((size_t)1 << 20)); /* the first read sufficed */
    buf_free(&big);

    /* A FIFO does not hang the scan. */
    snprintf(sub, sizeof sub, "%s/fifo", tmpdir);
    assert_int_equal(mkfifo(sub, 0644), 0);
    assert_int_equal(metadata_read_at(dfd, "fifo", "fifo", &scratch, &md, &err), -1);
    assert_non_null(strstr(err.msg, "fifo: not a regular file"));

    metadata_clear(&md);
    buf_free(&scratch);
    close(dfd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_line_endings),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_case_and_repeats),
        cmocka_unit_test(test_blanks_kept),
        cmocka_unit_test(test_folding_and_redent),
        cmocka_unit_test(test_block_end),
        cmocka_unit_test(test_odd_lines),
        cmocka_unit_test(test_nul_in_value),
        cmocka_unit_test(test_need_more),
        cmocka_unit_test(test_common_layout_shortcut),
        cmocka_unit_test(test_read_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
