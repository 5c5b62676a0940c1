/* Tests for signatures/snapshot: metadata lines, the header frame, and the
 * container round trip with its bounds. This program is linked with open,
 * pwrite, fallocate and fsync wrapped (tests/CMakeLists.txt), to stand in
 * for filesystems and disks that refuse or fail them. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "signatures/snapshot.h"

static const char good[] =
    "airlock-snapshot format=1 sequence=42 build_time=1700000000 db_size=16384 db_blake2b="
    "7f90d20c8b3a1bee5fe8490c1e3aabf23d7e290fb6060c8346dc943efc2d6e80"
    "cdc634d3127f109498b6c7293e978eab31a1a3e35e2ce2bb218b5d4b5f41b636";

/* What the wrapped calls do while `faults.on`; otherwise they pass through. */
static struct {
    int on;
    int open_direct_errno;  /* open with O_DIRECT fails with this */
    int write_direct_errno; /* a pwrite on an O_DIRECT file fails with this */
    int write_errno;        /* every pwrite fails with this */
    int fallocate_errno;
    int fsync_errno;
    int direct_writes, buffered_writes, refused_writes;
} faults;

int __real_open(const char *path, int flags, ...);
ssize_t __real_pwrite(int fd, const void *b, size_t n, off_t off);
int __real_fallocate(int fd, int mode, off_t off, off_t len);
int __real_fsync(int fd);

int __wrap_open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = (flags & O_CREAT) ? va_arg(ap, mode_t) : 0;
    va_end(ap);
    if (faults.on && (flags & O_DIRECT) && faults.open_direct_errno) {
        errno = faults.open_direct_errno;
        return -1;
    }
    return __real_open(path, flags, mode);
}

ssize_t __wrap_pwrite(int fd, const void *b, size_t n, off_t off)
{
    if (faults.on) {
        int direct = (fcntl(fd, F_GETFL) & O_DIRECT) != 0;
        int e = faults.write_errno ? faults.write_errno : direct ? faults.write_direct_errno : 0;
        if (e) {
            faults.refused_writes++;
            errno = e;
            return -1;
        }
        if (direct)
            faults.direct_writes++;
        else
            faults.buffered_writes++;
    }
    return __real_pwrite(fd, b, n, off);
}

int __wrap_fallocate(int fd, int mode, off_t off, off_t len)
{
    if (faults.on && faults.fallocate_errno) {
        errno = faults.fallocate_errno;
        return -1;
    }
    return __real_fallocate(fd, mode, off, len);
}

int __wrap_fsync(int fd)
{
    if (faults.on && faults.fsync_errno) {
        errno = faults.fsync_errno;
        return -1;
    }
    return __real_fsync(fd);
}

static int setup(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

static void test_meta_roundtrip(void **state)
{
    (void)state;
    airlock_error err;
    snapshot_meta m, m2;
    assert_int_equal(snapshot_meta_parse(good, strlen(good), "c", &m, &err), 0);
    assert_int_equal(m.sequence, 42);
    assert_int_equal(m.build_time, 1700000000);
    assert_int_equal(m.db_size, 16384);
    assert_int_equal(m.db_digest[0], 0x7f);
    char line[512];
    size_t n = snapshot_meta_format(&m, line, sizeof line);
    assert_int_equal(n, strlen(good));
    assert_string_equal(line, good);
    /* Order, tabs, unknown keys and words without '=' do not matter. */
    const char *mixed = "hello\tdb_size=16384 extra=1 sequence=42\tformat=1 build_time=1700000000 "
                        "db_blake2b=7F90D20C8B3A1BEE5FE8490C1E3AABF23D7E290FB6060C8346DC943EFC2D6E80"
                        "CDC634D3127F109498B6C7293E978EAB31A1A3E35E2CE2BB218B5D4B5F41B636 file:x";
    assert_int_equal(snapshot_meta_parse(mixed, strlen(mixed), "c", &m2, &err), 0);
    assert_true(snapshot_meta_equal(&m, &m2));
}

static void test_meta_bad(void **state)
{
    (void)state;
    airlock_error err;
    snapshot_meta m;
    const char *def = "timestamp:1795427041\tfile:f\thashed";
    assert_int_equal(snapshot_meta_parse(def, strlen(def), "c", &m, &err), -1);
    assert_non_null(strstr(err.msg, "missing format, sequence, build_time, db_size, db_blake2b"));
    const char *cases[][2] = {
        {"format=1 sequence=1 build_time=1 db_size=1", "missing db_blake2b"},
        {"format=2 sequence=1 build_time=1 db_size=1 db_blake2b=" "00000000000000000000000000000000"
         "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
         "format 2 is not supported"},
        {"sequence=1 sequence=2", "twice"},
        {"sequence=-1", "invalid sequence"},
        {"sequence=18446744073709551616", "invalid sequence"},
        {"sequence=1x", "invalid sequence"},
        {"sequence=", "invalid sequence"},
        {"db_size=0", "invalid db_size"},
        {"db_size=99999999999999", "invalid db_size"},
        {"db_blake2b=abc", "invalid db_blake2b"},
        /* The right length, but a character that is not a hex digit. */
        {"db_blake2b=0000000000000000000000000000000000000000000000000000000000000000"
         "000000000000000000000000000000000000000000000000000000000000000g",
         "invalid db_blake2b"},
        {"db_blake2b=:000000000000000000000000000000000000000000000000000000000000000"
         "0000000000000000000000000000000000000000000000000000000000000000",
         "invalid db_blake2b"},
        {"build_time=9223372036854775808", "invalid build_time"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(snapshot_meta_parse(cases[i][0], strlen(cases[i][0]), "c", &m, &err), -1);
        if (strstr(err.msg, cases[i][1]) == NULL)
            fail_msg("'%s': got '%s'", cases[i][0], err.msg);
    }
    assert_int_equal(snapshot_meta_parse(good, strlen(good) - 1, "c", &m, &err), -1);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void test_header_bad(void **state)
{
    (void)state;
    airlock_error err;
    snapshot_meta m;
    size_t flen;
    uint8_t b[600];
    size_t len = strlen(good);
    put_le32(b, SNAPSHOT_FRAME_MAGIC);
    put_le32(b + 4, (uint32_t)(8 + len));
    memcpy(b + 8, "AIRLOCK1", 8);
    memcpy(b + 16, good, len);
    assert_int_equal(snapshot_read_header(b, 16 + len, "s", &m, &flen, &err), 0);
    assert_int_equal(flen, 16 + len);
    for (size_t n = 0; n < 16 + len; n++)
        assert_int_equal(snapshot_read_header(b, n, "s", &m, &flen, &err), -1);
    b[8] = 'X';
    assert_int_equal(snapshot_read_header(b, 16 + len, "s", &m, &flen, &err), -1);
    b[8] = 'A';
    put_le32(b + 4, 0xFFFFFFFFu);
    assert_int_equal(snapshot_read_header(b, 16 + len, "s", &m, &flen, &err), -1);
    put_le32(b + 4, (uint32_t)(8 + len));
    b[20] = '\n';
    assert_int_equal(snapshot_read_header(b, 16 + len, "s", &m, &flen, &err), -1);
    put_le32(b, 0xFD2FB528u); /* a plain zstd frame */
    assert_int_equal(snapshot_read_header(b, 16 + len, "s", &m, &flen, &err), -1);
    assert_non_null(strstr(err.msg, "no header frame"));
}

/* Write a file of `n` bytes and return its path in `dir`. */
static char *make_file(const char *dir, const char *name, size_t n, uint8_t fill)
{
    buf p = {0};
    buf_printf(&p, "%s/%s", dir, name);
    uint8_t *data = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (uint8_t)(fill + (i % 251 == 0 ? i / 251 : 0));
    airlock_error err;
    assert_int_equal(file_write_atomic(p.data, data, n, 0644, &err), 0);
    free(data);
    return buf_detach(&p, NULL);
}

/* Write the snapshot of `mdb` to the new file `path`. */
static void write_snapshot(const char *mdb, const snapshot_meta *m, int level, const char *path)
{
    airlock_error err;
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(snapshot_write(mdb, m, level, fp, path, NULL, NULL, &err), 0);
    assert_int_equal(fclose(fp), 0);
}

static void test_write_extract(void **state)
{
    (void)state;
    airlock_error err;
    char dir[] = "/tmp/airlock-test-snapshot.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *mdb = make_file(dir, "in.mdb", 300000, 7);
    snapshot_meta m = {.format = 1, .sequence = 5, .build_time = 1700000000};
    assert_int_equal(snapshot_digest_file(mdb, m.db_digest, &m.db_size, &err), 0);
    assert_int_equal(m.db_size, 300000);
    buf p = {0};
    buf_printf(&p, "%s/s.snap", dir);
    write_snapshot(mdb, &m, 3, p.data);
    char *data;
    size_t len;
    assert_int_equal(file_read_all(p.data, 1 << 24, &data, &len, &err), 0);
    /* A standard zstd stream: libzstd itself decodes it to the input. */
    uint8_t *plain = xmalloc(400000);
    size_t got = ZSTD_decompress(plain, 400000, data, len);
    assert_false(ZSTD_isError(got));
    assert_int_equal(got, 300000);
    free(plain);

    buf out = {0};
    buf_printf(&out, "%s/out.mdb", dir);
    assert_int_equal(snapshot_extract((uint8_t *)data, len, "s", &m, out.data, &err), 0);
    struct stat st;
    assert_int_equal(stat(out.data, &st), 0);
    assert_int_equal(st.st_size, 300000);
    assert_int_equal(st.st_mode & 0777, 0444);
    /* Exists already: refused (O_EXCL). */
    assert_int_equal(snapshot_extract((uint8_t *)data, len, "s", &m, out.data, &err), -1);
    unlink(out.data);

    /* A smaller signed size stops the decompression early. */
    snapshot_meta small = m;
    small.db_size = 1000;
    assert_int_equal(snapshot_extract((uint8_t *)data, len, "s", &small, out.data, &err), -1);
    assert_int_equal(access(out.data, F_OK), -1);
    /* Metadata that disagrees with the header frame. */
    snapshot_meta other = m;
    other.sequence = 6;
    assert_int_equal(snapshot_extract((uint8_t *)data, len, "s", &other, out.data, &err), -1);
    assert_non_null(strstr(err.msg, "does not match"));
    /* Truncation anywhere fails and leaves no file. */
    for (size_t n = 0; n < len; n += 1 + n / 3) {
        assert_int_equal(snapshot_extract((uint8_t *)data, n, "s", &m, out.data, &err), -1);
        assert_int_equal(access(out.data, F_OK), -1);
    }
    /* A wrong digest. */
    snapshot_meta wrong = m;
    wrong.db_digest[3] ^= 1;
    char *data2 = xmalloc(len);
    memcpy(data2, data, len);
    char line[512];
    size_t llen = snapshot_meta_format(&wrong, line, sizeof line);
    memcpy(data2 + 16, line, llen); /* same length: only the digest differs */
    assert_int_equal(snapshot_extract((uint8_t *)data2, len, "s", &wrong, out.data, &err), -1);
    assert_non_null(strstr(err.msg, "digest"));
    free(data2);

    free(data);
    unlink(p.data);
    unlink(mdb);
    rmdir(dir);
    buf_free(&p);
    buf_free(&out);
    free(mdb);
}

/* A database file of `n` bytes in a new temporary directory, its snapshot
 * at `level` read into memory, and where to extract it. */
typedef struct fixture {
    char dir[40];
    char *mdb;
    buf snap, out;
    snapshot_meta m;
    char *data; /* the snapshot */
    size_t len;
    char *plain; /* the database */
    size_t plain_len;
} fixture;

static void fixture_make(fixture *f, size_t n, uint8_t fill, int level)
{
    memset(f, 0, sizeof *f);
    strcpy(f->dir, "/tmp/airlock-test-snapshot.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    airlock_error err;
    f->mdb = make_file(f->dir, "in.mdb", n, fill);
    f->m = (snapshot_meta){.format = 1, .sequence = 5, .build_time = 1700000000};
    assert_int_equal(snapshot_digest_file(f->mdb, f->m.db_digest, &f->m.db_size, &err), 0);
    buf_printf(&f->snap, "%s/s.snap", f->dir);
    buf_printf(&f->out, "%s/out.mdb", f->dir);
    write_snapshot(f->mdb, &f->m, level, f->snap.data);
    assert_int_equal(file_read_all(f->snap.data, 1 << 26, &f->data, &f->len, &err), 0);
    assert_int_equal(file_read_all(f->mdb, 1 << 26, &f->plain, &f->plain_len, &err), 0);
}

/* The extracted file holds exactly the database; it is removed. */
static void fixture_check_out(fixture *f)
{
    airlock_error err;
    char *got;
    size_t len;
    assert_int_equal(file_read_all(f->out.data, 1 << 26, &got, &len, &err), 0);
    assert_int_equal(len, f->plain_len);
    assert_memory_equal(got, f->plain, len);
    free(got);
    unlink(f->out.data);
}

static void fixture_free(fixture *f)
{
    unlink(f->out.data);
    unlink(f->snap.data);
    unlink(f->mdb);
    rmdir(f->dir);
    free(f->mdb);
    free(f->data);
    free(f->plain);
    buf_free(&f->snap);
    buf_free(&f->out);
}

/* Extraction fills 1 MiB buffers: sizes at and around their edges, and more
 * than the ring holds, come out whole (an exact multiple once failed as
 * "truncated"). */
static void test_extract_sizes(void **state)
{
    (void)state;
    /* Around the 1 MiB buffer, the 4 KiB O_DIRECT block (a short tail is
     * written through the page cache) and the 16-buffer ring. */
    static const size_t sizes[] = {1,         4095,          4096,          4097,
                                   (1u << 20) - 1, 1u << 20,  (1u << 20) + 1, (1u << 20) + 4096,
                                   (3u << 20) + 5, 16u << 20, (16u << 20) + 4097, 37u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        fixture f;
        fixture_make(&f, sizes[i], (uint8_t)i, 1);
        airlock_error err;
        if (snapshot_extract((uint8_t *)f.data, f.len, "s", &f.m, f.out.data, &err) != 0)
            fail_msg("size %zu: %s", sizes[i], err.msg);
        fixture_check_out(&f);
        fixture_free(&f);
    }
}

/* The compressed stream does not depend on the number of CPUs: it is what
 * libzstd makes with one thread or with three. (Without threads it would
 * differ: from 16 MiB on, the single-threaded encoder cuts blocks its own
 * way.) */
static void check_reproducible(size_t n, int level)
{
    fixture f;
    fixture_make(&f, n, 9, level);
    size_t hdr = 8 + (size_t)((uint8_t)f.data[4] | (uint8_t)f.data[5] << 8 |
                              (uint8_t)f.data[6] << 16 | (uint32_t)(uint8_t)f.data[7] << 24);
    size_t cap = ZSTD_compressBound(f.plain_len);
    uint8_t *z = xmalloc(cap);
    static const int workers[] = {1, 3};
    for (size_t i = 0; i < 2; i++) {
        ZSTD_CCtx *cctx = ZSTD_createCCtx();
        assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)));
        assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)));
        assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, workers[i])));
        size_t zlen = ZSTD_compress2(cctx, z, cap, f.plain, f.plain_len);
        assert_false(ZSTD_isError(zlen));
        ZSTD_freeCCtx(cctx);
        if (zlen != f.len - hdr || memcmp(z, f.data + hdr, zlen) != 0)
            fail_msg("level %d: the snapshot's stream differs from libzstd's with %d threads",
                     level, workers[i]);
    }
    free(z);
    fixture_free(&f);
}

/* At either level the build uses, the stream is libzstd's at that level
 * whatever the number of threads. */
static void test_write_reproducible(void **state)
{
    (void)state;
    check_reproducible(20u << 20, SNAPSHOT_LEVEL_SMALL);
    check_reproducible(20u << 20, snapshot_level(20u << 20));
}

/* A bounded digest stops soon after its bound, and says it read more than
 * it: a file that keeps growing cannot keep a scan's check going. The
 * whole file, with no bound, gives the digest of the whole file. */
static void test_digest_bound(void **state)
{
    (void)state;
    airlock_error err;
    char dir[] = "/tmp/airlock-test-snapshot.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = make_file(dir, "big", 3u << 20, 9);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    uint8_t whole[SNAPSHOT_DIGEST_BYTES], part[SNAPSHOT_DIGEST_BYTES];
    uint64_t size;
    assert_int_equal(snapshot_digest_fd(fd, path, whole, &size, UINT64_MAX, &err), 0);
    assert_int_equal(size, 3u << 20);
    assert_int_equal(snapshot_digest_fd(fd, path, part, &size, 1000, &err), 0);
    assert_true(size > 1000 && size < (3u << 20));
    assert_int_equal(snapshot_digest_fd(fd, path, part, &size, 3u << 20, &err), 0);
    assert_int_equal(size, 3u << 20);
    assert_memory_equal(part, whole, sizeof whole);
    close(fd);
    unlink(path);
    free(path);
    rmdir(dir);
}

/* The level follows the database's size, with the edge where the docs say. */
static void test_level(void **state)
{
    (void)state;
    assert_int_equal(snapshot_level(1), SNAPSHOT_LEVEL_SMALL);
    assert_int_equal(snapshot_level(SNAPSHOT_LARGE_DB - 1), SNAPSHOT_LEVEL_SMALL);
    assert_int_equal(snapshot_level(SNAPSHOT_LARGE_DB), SNAPSHOT_LEVEL_LARGE);
    assert_int_equal(snapshot_level(SNAPSHOT_MAX_DB_SIZE), SNAPSHOT_LEVEL_LARGE);
    assert_int_equal(SNAPSHOT_LARGE_DB, 16u << 20);
    assert_int_equal(SNAPSHOT_LEVEL_LARGE, 16);
    assert_int_equal(SNAPSHOT_LEVEL_SMALL, 9);
}

/* Every way the disk or filesystem can refuse: O_DIRECT refused at open or
 * on a write falls back to the page cache with the same result; no
 * fallocate is fine; a full disk, a failed write or a failed fsync fails
 * with the reason and leaves no file. */
static void test_extract_fallbacks(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, (5u << 20) + 5, 3, 1);
    /* Whether this filesystem takes O_DIRECT at all (tmpfs before 6.6 does not). */
    int probe = open(f.out.data, O_WRONLY | O_CREAT | O_EXCL | O_DIRECT, 0600);
    int direct_ok = probe >= 0;
    if (probe >= 0)
        close(probe);
    unlink(f.out.data);

    static const struct {
        const char *what;
        int open_direct, write_direct, write, fallocate, fsync;
        const char *error; /* NULL: must succeed */
    } cases[] = {
        {"no faults", 0, 0, 0, 0, 0, NULL},
        {"O_DIRECT refused at open", EINVAL, 0, 0, 0, 0, NULL},
        {"O_DIRECT refused on a write", 0, EINVAL, 0, 0, 0, NULL},
        {"no fallocate", 0, 0, 0, EOPNOTSUPP, 0, NULL},
        {"disk too small", 0, 0, 0, ENOSPC, 0, "cannot reserve"},
        {"disk full while writing", 0, 0, ENOSPC, 0, 0, "cannot write"},
        {"write error", 0, 0, EIO, 0, 0, "cannot write"},
        {"fsync error", 0, 0, 0, 0, EIO, "fsync"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memset(&faults, 0, sizeof faults);
        faults.open_direct_errno = cases[i].open_direct;
        faults.write_direct_errno = cases[i].write_direct;
        faults.write_errno = cases[i].write;
        faults.fallocate_errno = cases[i].fallocate;
        faults.fsync_errno = cases[i].fsync;
        faults.on = 1;
        airlock_error err;
        int rc = snapshot_extract((uint8_t *)f.data, f.len, "s", &f.m, f.out.data, &err);
        faults.on = 0;
        if (cases[i].error == NULL) {
            if (rc != 0)
                fail_msg("%s: %s", cases[i].what, err.msg);
            fixture_check_out(&f);
        } else {
            if (rc == 0 || strstr(err.msg, cases[i].error) == NULL)
                fail_msg("%s: want an error with \"%s\", got %d: %s", cases[i].what,
                         cases[i].error, rc, rc ? err.msg : "");
            assert_int_equal(access(f.out.data, F_OK), -1);
        }
        if (i == 0 && direct_ok)
            assert_true(faults.direct_writes > 0);
        if (cases[i].open_direct)
            assert_int_equal(faults.direct_writes, 0);
        if (cases[i].write_direct && direct_ok)
            assert_int_equal(faults.refused_writes, 1); /* then the page cache */
        if (cases[i].fallocate == ENOSPC)
            assert_int_equal(faults.direct_writes + faults.buffered_writes, 0);
    }
    fixture_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meta_roundtrip),
        cmocka_unit_test(test_meta_bad),
        cmocka_unit_test(test_header_bad),
        cmocka_unit_test(test_write_extract),
        cmocka_unit_test(test_extract_sizes),
        cmocka_unit_test(test_extract_fallbacks),
        cmocka_unit_test(test_write_reproducible),
        cmocka_unit_test(test_level),
        cmocka_unit_test(test_digest_bound),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
