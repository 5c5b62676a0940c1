/* Tests for scanner/inputs/archive.h: the zip and tar.gz readers of
 * wheelhouse archives. Archives are built here byte by byte (zlib for the
 * compression), so that each broken shape is exactly the one named. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "core/buf.h"
#include "scanner/inputs/archive.h"

/* ---- building archives ------------------------------------------------ */

static void put16(buf *b, unsigned v)
{
    buf_putc(b, (char)(v & 0xff));
    buf_putc(b, (char)(v >> 8));
}
static void put32(buf *b, uint32_t v)
{
    put16(b, v & 0xffff);
    put16(b, v >> 16);
}

typedef struct zmember {
    const char *name;
    const char *data;
    size_t len;
    bool deflate;
    /* Overrides: 0 keeps the true value. */
    uint32_t usize, crc;
    bool point_at_first; /* central entry points at member 0's local header */
} zmember;

static size_t deflate_raw(const char *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (unsigned char *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t got = cap - zs.avail_out;
    deflateEnd(&zs);
    return got;
}

/* A zip of `n` members, with `comment` after the end record. */
static void build_zip(buf *out, const zmember *m, size_t n, const char *comment)
{
    buf central = {0};
    uint32_t *offs = calloc(n, sizeof *offs);
    unsigned char *comp = malloc(1 << 20);
    for (size_t i = 0; i < n; i++) {
        size_t clen = m[i].deflate ? deflate_raw(m[i].data, m[i].len, comp, 1 << 20) : m[i].len;
        const void *cdata = m[i].deflate ? (const void *)comp : (const void *)m[i].data;
        uint32_t crc = m[i].crc ? m[i].crc
                                : (uint32_t)crc32(0, (const unsigned char *)m[i].data,
                                                  (uInt)m[i].len);
        uint32_t usize = m[i].usize ? m[i].usize : (uint32_t)m[i].len;
        size_t nlen = strlen(m[i].name);
        offs[i] = (uint32_t)out->len;
        put32(out, 0x04034b50);
        put16(out, 20), put16(out, 0), put16(out, m[i].deflate ? 8 : 0), put16(out, 0);
        put16(out, 0), put32(out, crc), put32(out, (uint32_t)clen), put32(out, usize);
        put16(out, (unsigned)nlen), put16(out, 0);
        buf_append(out, m[i].name, nlen);
        buf_append(out, cdata, clen);
        put32(&central, 0x02014b50);
        put16(&central, 20), put16(&central, 20), put16(&central, 0);
        put16(&central, m[i].deflate ? 8 : 0), put16(&central, 0), put16(&central, 0);
        put32(&central, crc), put32(&central, (uint32_t)clen), put32(&central, usize);
        put16(&central, (unsigned)nlen), put16(&central, 0), put16(&central, 0);
        put16(&central, 0), put16(&central, 0), put32(&central, 0);
        put32(&central, m[i].point_at_first ? offs[0] : offs[i]);
        buf_append(&central, m[i].name, nlen);
    }
    uint32_t cd_off = (uint32_t)out->len;
    buf_append(out, central.data, central.len);
    put32(out, 0x06054b50);
    put16(out, 0), put16(out, 0), put16(out, (unsigned)n), put16(out, (unsigned)n);
    put32(out, (uint32_t)central.len), put32(out, cd_off);
    put16(out, (unsigned)strlen(comment));
    buf_puts(out, comment);
    buf_free(&central);
    free(offs);
    free(comp);
}

static void tar_header(buf *out, const char *name, size_t size, char type, const char *prefix)
{
    unsigned char h[512];
    memset(h, 0, sizeof h);
    memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
    snprintf((char *)h + 100, 8, "%07o", 0644);
    snprintf((char *)h + 124, 12, "%011zo", size);
    memset(h + 148, ' ', 8);
    h[156] = (unsigned char)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    if (prefix)
        memcpy(h + 345, prefix, strlen(prefix));
    unsigned sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    buf_append(out, h, sizeof h);
}

static void tar_member(buf *out, const char *name, const char *data, size_t len, char type,
                       const char *prefix)
{
    tar_header(out, name, len, type, prefix);
    buf_append(out, data, len);
    static const char zero[512];
    buf_append(out, zero, (512 - len % 512) % 512);
}

static void tar_end(buf *out)
{
    static const char zero[1024];
    buf_append(out, zero, sizeof zero);
}

static void gzip(const buf *in, buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, in->len) + 64;
    buf_reserve(out, cap);
    zs.next_in = (unsigned char *)in->data;
    zs.avail_in = (uInt)in->len;
    zs.next_out = (unsigned char *)out->data + out->len;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out->len += cap - zs.avail_out;
    deflateEnd(&zs);
}

/* ---- reading them ----------------------------------------------------- */

static int fd_of(const buf *b)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
    fflush(f);
    int fd = dup(fileno(f));
    fclose(f);
    lseek(fd, 0, SEEK_SET);
    return fd;
}

typedef struct seen {
    buf names;  /* "name:size:content|" per member */
} seen;

static int on_entry(void *arg, const archive_entry *e, airlock_error *err)
{
    (void)err;
    seen *s = arg;
    buf_printf(&s->names, "%s%s:%llu:", s->names.len ? "|" : "", e->name,
               (unsigned long long)e->size);
    return e->is_file ? 1 : 0;
}

static int on_data(void *arg, const unsigned char *d, size_t n, airlock_error *err)
{
    (void)err;
    buf_append(&((seen *)arg)->names, d, n);
    return 0;
}

/* Walk `b`; returns the walk's status, the listing in `out`, the error in `err`. */
static int walk(const buf *b, bool zip, const archive_limits *lim, buf *out, airlock_error *err)
{
    int fd = fd_of(b);
    seen s = {{0}};
    int rc = zip ? archive_zip_walk(fd, lim, on_entry, on_data, &s, err)
                 : archive_tgz_walk(fd, lim, on_entry, on_data, &s, err);
    close(fd);
    buf_reset(out);
    buf_append(out, s.names.data ? s.names.data : "", s.names.len);
    buf_free(&s.names);
    return rc;
}

static void expect_zip_error(const zmember *m, size_t n, const char *comment,
                             const archive_limits *lim, const char *needle)
{
    buf z = {0}, out = {0};
    build_zip(&z, m, n, comment);
    airlock_error err = {{0}};
    assert_int_equal(walk(&z, true, lim, &out, &err), -1);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("expected '%s' in '%s'", needle, err.msg);
    buf_free(&z);
    buf_free(&out);
}

static char zeros[300000];

static void test_zip_good(void **state)
{
    (void)state;
    zmember m[] = {
        {"pkg/", "", 0, false, 0, 0, false},
        {"pkg/a.py", "print(1)\n", 9, true, 0, 0, false},
        {"pkg/b.txt", "stored", 6, false, 0, 0, false},
    };
    buf z = {0}, out = {0};
    build_zip(&z, m, 3, "a comment");
    airlock_error err = {{0}};
    assert_int_equal(walk(&z, true, NULL, &out, &err), 0);
    assert_string_equal(out.data, "pkg/:0:|pkg/a.py:9:print(1)\n|pkg/b.txt:6:stored");
    buf_free(&z);
    buf_free(&out);
}

static void test_zip_broken(void **state)
{
    (void)state;
    zmember crc[] = {{"a", "hello", 5, true, 0, 0x1234, false}};
    expect_zip_error(crc, 1, "", NULL, "CRC-32 mismatch");
    zmember lie[] = {{"a", zeros, 200000, true, 1000, 0, false}};
    expect_zip_error(lie, 1, "", NULL, "more than the 1000 bytes");
    zmember big[] = {{"a", zeros, 5000, true, 0, 0, false}};
    archive_limits lim = archive_default_limits;
    lim.max_entry_size = 4000;
    expect_zip_error(big, 1, "", &lim, "over the limit");
    lim = archive_default_limits;
    lim.max_total_size = 9000;
    zmember two[] = {{"a", zeros, 5000, true, 0, 0, false}, {"b", zeros, 5000, true, 0, 0, false}};
    expect_zip_error(two, 2, "", &lim, "in all");
    lim = archive_default_limits;
    lim.max_entries = 1;
    expect_zip_error(two, 2, "", &lim, "members");
    lim = archive_default_limits;
    lim.max_ratio = 10;
    expect_zip_error(big, 1, "", &lim, "ratio");
    lim = archive_default_limits;
    lim.max_name = 3;
    zmember longname[] = {{"abcd", "x", 1, false, 0, 0, false}};
    expect_zip_error(longname, 1, "", &lim, "too long");
    zmember shared[] = {{"a", "xxxx", 4, false, 0, 0, false}, {"b", "xxxx", 4, false, 0, 0, true}};
    expect_zip_error(shared, 2, "", NULL, "overlaps");
    zmember dup[] = {{"a", "1", 1, false, 0, 0, false}, {"a", "2", 1, false, 0, 0, false}};
    expect_zip_error(dup, 2, "", NULL, "twice");
    zmember dotdot[] = {{"x/../../e", "1", 1, false, 0, 0, false}};
    expect_zip_error(dotdot, 1, "", NULL, "'..'");
    zmember abs_[] = {{"/e", "1", 1, false, 0, 0, false}};
    expect_zip_error(abs_, 1, "", NULL, "absolute");
    zmember bs[] = {{"a\\b", "1", 1, false, 0, 0, false}};
    expect_zip_error(bs, 1, "", NULL, "backslash");
    zmember drive[] = {{"C:x", "1", 1, false, 0, 0, false}};
    expect_zip_error(drive, 1, "", NULL, "drive");
    /* Names pip writes to one file: "./a" is "a", "x/./a" is "x/a". */
    zmember dotdup[] = {{"a", "1", 1, false, 0, 0, false}, {"./a", "2", 1, false, 0, 0, false}};
    expect_zip_error(dotdup, 2, "", NULL, "twice");
    zmember dotmid[] = {{"x/./a", "1", 1, false, 0, 0, false}};
    expect_zip_error(dotmid, 1, "", NULL, "'.' in path");
    /* A comment holding an end record signature: Python's zipfile (pip)
     * would take it for the end record and read another directory. */
    expect_zip_error(crc, 1, "PK\x05\x06 not the end", NULL, "second end of central");
}

static void test_zip_structure(void **state)
{
    (void)state;
    zmember m[] = {{"a", "hello", 5, false, 0, 0, false}};
    buf z = {0}, out = {0};
    airlock_error err = {{0}};
    build_zip(&z, m, 1, "");
    /* Bytes before the archive: the directory no longer ends at the end record's offset. */
    buf pre = {0};
    buf_puts(&pre, "junk");
    buf_append(&pre, z.data, z.len);
    assert_int_equal(walk(&pre, true, NULL, &out, &err), -1);
    assert_non_null(strstr(err.msg, "does not end"));
    /* A local header whose name differs from the central entry's. */
    buf bad = {0};
    buf_append(&bad, z.data, z.len);
    bad.data[30] = 'b';
    assert_int_equal(walk(&bad, true, NULL, &out, &err), -1);
    assert_non_null(strstr(err.msg, "names another"));
    /* A local header whose CRC differs from the central entry's. */
    buf_reset(&bad);
    buf_append(&bad, z.data, z.len);
    bad.data[14] ^= 1;
    assert_int_equal(walk(&bad, true, NULL, &out, &err), -1);
    assert_non_null(strstr(err.msg, "disagrees"));
    /* Every truncation fails cleanly. */
    for (size_t n = 0; n < z.len; n++) {
        buf cut = {0};
        buf_append(&cut, z.data, n);
        assert_int_equal(walk(&cut, true, NULL, &out, &err), -1);
        buf_free(&cut);
    }
    buf_free(&pre);
    buf_free(&bad);
    buf_free(&z);
    buf_free(&out);
}

static void test_tgz_good(void **state)
{
    (void)state;
    buf t = {0}, g = {0}, out = {0};
    tar_member(&t, "p-1.0/", "", 0, '5', NULL);
    tar_member(&t, "PKG-INFO", "Name: p\n", 8, '0', "p-1.0");
    /* A pax path overrides the header's name; a GNU long name likewise. */
    const char *pax = "31 path=p-1.0/from/pax/name.py\n";
    tar_member(&t, "PaxHeader", pax, strlen(pax), 'x', NULL);
    tar_member(&t, "short", "pax", 3, '0', NULL);
    char longname[300];
    memset(longname, 'x', sizeof longname);
    memcpy(longname, "p-1.0/", 6);
    longname[299] = '\0';
    tar_member(&t, "././@LongLink", longname, 300, 'L', NULL);
    tar_member(&t, "trunc", "long", 4, '0', NULL);
    tar_member(&t, "p-1.0/link", "", 0, '2', NULL);
    tar_end(&t);
    /* Two gzip members are one stream. */
    buf half = {0};
    buf_append(&half, t.data, 1024);
    gzip(&half, &g);
    buf_reset(&half);
    buf_append(&half, t.data + 1024, t.len - 1024);
    gzip(&half, &g);
    airlock_error err = {{0}};
    assert_int_equal(walk(&g, false, NULL, &out, &err), 0);
    buf want = {0};
    buf_printf(&want, "p-1.0/:0:|p-1.0/PKG-INFO:8:Name: p\n|p-1.0/from/pax/name.py:3:pax|%s:4:long"
               "|p-1.0/link:0:", longname);
    assert_string_equal(out.data, want.data);
    buf_free(&want);
    buf_free(&half);
    buf_free(&t);
    buf_free(&g);
    buf_free(&out);
}

static void expect_tgz_error(const buf *t, const archive_limits *lim, const char *needle)
{
    buf g = {0}, out = {0};
    gzip(t, &g);
    airlock_error err = {{0}};
    assert_int_equal(walk(&g, false, lim, &out, &err), -1);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("expected '%s' in '%s'", needle, err.msg);
    buf_free(&g);
    buf_free(&out);
}

static void test_tgz_broken(void **state)
{
    (void)state;
    buf t = {0};
    tar_member(&t, "a/../../evil", "x", 1, '0', NULL);
    tar_end(&t);
    expect_tgz_error(&t, NULL, "'..'");
    buf_reset(&t);
    tar_member(&t, "a/f", "1", 1, '0', NULL);
    tar_member(&t, "a/f", "2", 1, '0', NULL);
    tar_end(&t);
    expect_tgz_error(&t, NULL, "twice");
    buf_reset(&t);
    tar_member(&t, "a/f", "1", 1, '0', NULL);
    t.data[0] = 'b'; /* the checksum no longer matches */
    tar_end(&t);
    expect_tgz_error(&t, NULL, "checksum");
    /* A bomb: megabytes of zeros in one member, over a small total. */
    buf_reset(&t);
    tar_member(&t, "a/z", zeros, sizeof zeros, '0', NULL);
    tar_end(&t);
    archive_limits lim = archive_default_limits;
    lim.max_total_size = 100000;
    expect_tgz_error(&t, &lim, "more than");
    lim = archive_default_limits;
    lim.max_entry_size = 1000;
    expect_tgz_error(&t, &lim, "over the limit");
    lim = archive_default_limits;
    lim.max_entries = 0;
    expect_tgz_error(&t, &lim, "members");
    /* Truncated streams fail; never crash. */
    buf g = {0}, out = {0};
    buf_reset(&t);
    tar_member(&t, "a/f", "hello", 5, '0', NULL);
    tar_end(&t);
    gzip(&t, &g);
    for (size_t n = 0; n < g.len - 8; n++) {
        buf cut = {0};
        buf_append(&cut, g.data, n);
        airlock_error err = {{0}};
        assert_int_equal(walk(&cut, false, NULL, &out, &err), -1);
        buf_free(&cut);
    }
    buf_free(&g);
    buf_free(&out);
    buf_free(&t);
}

static void test_names(void **state)
{
    (void)state;
    size_t max = 1024;
    assert_null(archive_name_problem("a/b.py", 6, max));
    assert_null(archive_name_problem("a/", 2, max));
    assert_null(archive_name_problem("./a", 3, max));
    assert_null(archive_name_problem("a..b/..c", 8, max));
    assert_non_null(archive_name_problem("", 0, max));
    assert_non_null(archive_name_problem("..", 2, max));
    assert_non_null(archive_name_problem("a/..", 4, max));
    assert_non_null(archive_name_problem("a//b", 4, max));
    assert_non_null(archive_name_problem("a\0b", 3, max));
    assert_non_null(archive_name_problem("/a", 2, max));
    assert_non_null(archive_name_problem("c:/a", 4, max));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zip_good),   cmocka_unit_test(test_zip_broken),
        cmocka_unit_test(test_zip_structure), cmocka_unit_test(test_tgz_good),
        cmocka_unit_test(test_tgz_broken), cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
