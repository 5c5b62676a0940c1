/*
 * archive_zip.c - a zip reader of ours over zlib's raw inflate: the central
 * directory is checked whole (sizes, limits, names, local headers, overlap)
 * before any member is read. Zip64 end records and extra fields are read.
 */
#include "scanner/inputs/archive.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "core/buf.h"

const archive_limits archive_default_limits = {
    .max_entries = 100000,
    .max_name = 1024,
    .max_entry_size = (uint64_t)4 << 30,
    .max_total_size = (uint64_t)16 << 30,
    .max_ratio = 1100,
};

#define CHUNK 65536
#define EOCD_SIZE 22
#define EOCD64_SIZE 56
#define LOCATOR_SIZE 20
#define CENTRAL_SIZE 46
#define LOCAL_SIZE 30
/* A central directory larger than this is refused before it is read. */
#define MAX_CENTRAL ((uint64_t)64 << 20)

const char *archive_name_problem(const char *name, size_t len, size_t max_name)
{
    if (len == 0)
        return "empty name";
    if (len > max_name)
        return "name too long";
    if (memchr(name, '\0', len) != NULL)
        return "NUL byte in name";
    if (memchr(name, '\\', len) != NULL)
        return "backslash in name";
    if (name[0] == '/')
        return "absolute path";
    if (len >= 2 && name[1] == ':' &&
        ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z')))
        return "drive letter in name";
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && name[j] != '/')
            j++;
        if (j - i == 2 && name[i] == '.' && name[i + 1] == '.')
            return "'..' in path";
        /* pip normalises a/./b to a/b: it would be another name for a file. */
        if (j - i == 1 && name[i] == '.' && i > 0)
            return "'.' in path";
        if (j == i && j + 1 < len)
            return "empty path component";
        i = j + 1;
    }
    return NULL;
}

/* "./a" and "a" are one file to pip and tar. */
static const char *without_dot(const char *s)
{
    return s[0] == '.' && s[1] == '/' ? s + 2 : s;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(without_dot(*(const char *const *)a), without_dot(*(const char *const *)b));
}

bool archive_find_duplicate(const char **names, size_t n, const char **dup)
{
    qsort(names, n, sizeof *names, cmp_name);
    for (size_t i = 1; i < n; i++)
        if (cmp_name(&names[i - 1], &names[i]) == 0) {
            *dup = names[i];
            return true;
        }
    return false;
}

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const unsigned char *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static int read_at(int fd, void *dst, size_t n, uint64_t off, airlock_error *err)
{
    size_t done = 0;
    while (done < n) {
        ssize_t got = pread(fd, (char *)dst + done, n - done, (off_t)(off + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return error_errno(err, errno, "read");
        if (got == 0)
            return error_set(err, "truncated archive");
        done += (size_t)got;
    }
    return 0;
}

typedef struct zentry {
    char *name;
    size_t name_len;
    uint16_t flags, method;
    uint32_t crc;
    uint64_t csize, usize, local_off, data_off;
} zentry;

typedef struct zip {
    int fd;
    uint64_t file_size;
    uint64_t cd_off, cd_size, n_entries;
    zentry *e;
    size_t len;
} zip;

static void zip_free(zip *z)
{
    for (size_t i = 0; i < z->len; i++)
        free(z->e[i].name);
    free(z->e);
}

/* Find the end of central directory record (and the zip64 one). */
static int find_end(zip *z, airlock_error *err)
{
    if (z->file_size < EOCD_SIZE)
        return error_set(err, "not a zip archive (too short)");
    size_t tail = z->file_size < EOCD_SIZE + 65535 ? (size_t)z->file_size : EOCD_SIZE + 65535;
    unsigned char *t = xmalloc(tail);
    uint64_t base = z->file_size - tail;
    if (read_at(z->fd, t, tail, base, err) != 0) {
        free(t);
        return -1;
    }
    /* The record whose comment runs exactly to the end of the file: a
     * signature inside the comment cannot be taken for it. */
    size_t at = tail;
    for (size_t i = tail - EOCD_SIZE + 1; i-- > 0;)
        if (le32(t + i) == 0x06054b50 && i + EOCD_SIZE + le16(t + i + 20) == tail) {
            at = i;
            break;
        }
    if (at == tail) {
        free(t);
        return error_set(err, "not a zip archive (no end of central directory record)");
    }
    /* Python's zipfile (pip) takes the last signature in the tail: one in
     * the comment or in the record itself would make it read another
     * directory than ours. */
    for (size_t i = at + 1; i + 4 <= tail; i++)
        if (le32(t + i) == 0x06054b50) {
            free(t);
            return error_set(err, "a second end of central directory record in the archive "
                             "comment (pip would read another directory)");
        }
    const unsigned char *p = t + at;
    uint64_t eocd = base + at;
    uint16_t disk = le16(p + 4), cd_disk = le16(p + 6), on_disk = le16(p + 8), total = le16(p + 10);
    z->n_entries = total;
    z->cd_size = le32(p + 12);
    z->cd_off = le32(p + 16);
    bool zip64 = total == 0xffff || on_disk == 0xffff || z->cd_size == 0xffffffff ||
                 z->cd_off == 0xffffffff;
    int rc = 0;
    uint64_t cd_end = eocd;
    unsigned char loc[LOCATOR_SIZE], e64[EOCD64_SIZE];
    /* Python's zipfile reads a zip64 locator found just before the end
     * record whatever that record holds, and its zip64 record just before
     * the locator whatever the locator says (CVE-2025-8291): where either
     * is, we must read it, at exactly that place. */
    bool has_loc = eocd >= LOCATOR_SIZE &&
                   read_at(z->fd, loc, sizeof loc, eocd - LOCATOR_SIZE, err) == 0 &&
                   le32(loc) == 0x07064b50;
    if (zip64 || has_loc) {
        if (!has_loc) {
            rc = error_set(err, "zip64 end of central directory locator missing");
        } else {
            uint64_t off = le64(loc + 8);
            if (le32(loc + 4) != 0 || le32(loc + 16) > 1 || eocd < LOCATOR_SIZE + EOCD64_SIZE ||
                off != eocd - LOCATOR_SIZE - EOCD64_SIZE)
                rc = error_set(err, "bad zip64 end of central directory locator (the zip64 "
                               "record must lie just before it)");
            else if (read_at(z->fd, e64, sizeof e64, off, err) != 0 || le32(e64) != 0x06064b50 ||
                     le64(e64 + 4) != EOCD64_SIZE - 12)
                rc = error_set(err, "zip64 end of central directory record missing or with "
                               "extensible data");
            else if (le32(e64 + 16) != 0 || le32(e64 + 20) != 0 ||
                     le64(e64 + 24) != le64(e64 + 32))
                rc = error_set(err, "multi-disk zip archives are not supported");
            else {
                z->n_entries = le64(e64 + 32);
                z->cd_size = le64(e64 + 40);
                z->cd_off = le64(e64 + 48);
                cd_end = off;
            }
        }
    } else if (disk != 0 || cd_disk != 0 || on_disk != total) {
        rc = error_set(err, "multi-disk zip archives are not supported");
    }
    free(t);
    if (rc != 0)
        return -1;
    /* Strict: the directory ends where the end record starts (no prefixed
     * data, no gap a second archive could hide in). */
    if (z->cd_off > cd_end || cd_end - z->cd_off != z->cd_size)
        return error_set(err, "central directory does not end at the end record (offset %llu, "
                         "size %llu, end record at %llu)", (unsigned long long)z->cd_off,
                         (unsigned long long)z->cd_size, (unsigned long long)cd_end);
    return 0;
}

/* The zip64 extended information extra field fills the fields saturated
 * in the central entry, in order. Python's zipfile (pip) reads every
 * block: a second zip64 block, or an Info-ZIP Unicode Path block (0x7075,
 * which Python 3.12+ takes as the member's name) naming another file than
 * the entry's, would make it see another member than ours. */
static int central_extra(const unsigned char *x, size_t n, zentry *e, bool need_u, bool need_c,
                         bool need_off, airlock_error *err)
{
    bool seen64 = false;
    for (size_t i = 0; i + 4 <= n;) {
        uint16_t id = le16(x + i), sz = le16(x + i + 2);
        if (i + 4 + sz > n)
            break;
        const unsigned char *p = x + i + 4;
        if (id == 0x0001) {
            if (seen64)
                return error_set(err, "two zip64 extra fields");
            seen64 = true;
            size_t left = sz;
            uint64_t *want[3] = {need_u ? &e->usize : NULL, need_c ? &e->csize : NULL,
                                 need_off ? &e->local_off : NULL};
            for (size_t k = 0; k < 3; k++) {
                if (want[k] == NULL)
                    continue;
                if (left < 8)
                    return error_set(err, "short zip64 extra field");
                *want[k] = le64(p);
                p += 8;
                left -= 8;
            }
        } else if (id == 0x7075 &&
                   (sz < 5 || (size_t)sz - 5 != e->name_len ||
                    memcmp(p + 5, e->name, e->name_len) != 0)) {
            return error_set(err, "a Unicode Path extra field names another file (pip on "
                             "Python 3.12+ would install it under that name)");
        }
        i += 4 + (size_t)sz;
    }
    if (!seen64 && (need_u || need_c || need_off))
        return error_set(err, "zip64 extra field missing");
    return 0;
}

static int read_central(zip *z, const archive_limits *lim, airlock_error *err)
{
    if (z->n_entries > lim->max_entries)
        return error_set(err, "%llu members, over the limit of %zu",
                         (unsigned long long)z->n_entries, lim->max_entries);
    if (z->cd_size > MAX_CENTRAL)
        return error_set(err, "central directory of %llu bytes, over the limit of %llu",
                         (unsigned long long)z->cd_size, (unsigned long long)MAX_CENTRAL);
    if (z->cd_size < z->n_entries * CENTRAL_SIZE)
        return error_set(err, "central directory too small for %llu members",
                         (unsigned long long)z->n_entries);
    unsigned char *cd = xmalloc(z->cd_size ? (size_t)z->cd_size : 1);
    if (read_at(z->fd, cd, (size_t)z->cd_size, z->cd_off, err) != 0) {
        free(cd);
        return -1;
    }
    z->e = xcalloc(z->n_entries ? (size_t)z->n_entries : 1, sizeof *z->e);
    size_t pos = 0;
    uint64_t total = 0;
    int rc = 0;
    for (size_t i = 0; i < z->n_entries && rc == 0; i++) {
        if (z->cd_size - pos < CENTRAL_SIZE || le32(cd + pos) != 0x02014b50) {
            rc = error_set(err, "bad central directory entry %zu", i + 1);
            break;
        }
        const unsigned char *p = cd + pos;
        size_t nlen = le16(p + 28), xlen = le16(p + 30), clen = le16(p + 32);
        if (z->cd_size - pos - CENTRAL_SIZE < nlen + xlen + clen) {
            rc = error_set(err, "central directory entry %zu runs past the directory", i + 1);
            break;
        }
        zentry *e = &z->e[z->len++];
        e->flags = le16(p + 8);
        e->method = le16(p + 10);
        e->crc = le32(p + 16);
        e->csize = le32(p + 20);
        e->usize = le32(p + 24);
        e->local_off = le32(p + 42);
        e->name = xstrndup((const char *)p + CENTRAL_SIZE, nlen);
        e->name_len = nlen;
        const char *why = archive_name_problem((const char *)p + CENTRAL_SIZE, nlen,
                                               lim->max_name);
        if (why != NULL) {
            rc = error_invalid(err, "member name", (const char *)p + CENTRAL_SIZE, nlen, why);
            break;
        }
        if (central_extra(p + CENTRAL_SIZE + nlen, xlen, e, e->usize == 0xffffffff,
                          e->csize == 0xffffffff, e->local_off == 0xffffffff, err) != 0 ||
            (le16(p + 34) != 0 && le16(p + 34) != 0xffff)) {
            rc = error_prefix(err, "member '%s'", e->name);
            break;
        }
        pos += CENTRAL_SIZE + nlen + xlen + clen;
        if (e->flags & 0x41)
            rc = error_set(err, "member '%s' is encrypted", e->name);
        else if (e->method != 0 && e->method != 8)
            rc = error_set(err, "member '%s': compression method %u not supported (stored "
                           "and deflate are)", e->name, e->method);
        else if (e->method == 0 && e->csize != e->usize)
            rc = error_set(err, "member '%s': stored with compressed size %llu != size %llu",
                           e->name, (unsigned long long)e->csize,
                           (unsigned long long)e->usize);
        else if (e->usize > lim->max_entry_size)
            rc = error_set(err, "member '%s' of %llu bytes, over the limit of %llu", e->name,
                           (unsigned long long)e->usize,
                           (unsigned long long)lim->max_entry_size);
        else if (e->usize > 4096 && e->usize / lim->max_ratio > e->csize)
            rc = error_set(err, "member '%s': compression ratio over %llu:1 (%llu bytes from "
                           "%llu): a zip bomb", e->name, (unsigned long long)lim->max_ratio,
                           (unsigned long long)e->usize, (unsigned long long)e->csize);
        else if ((total += e->usize) > lim->max_total_size)
            rc = error_set(err, "members of more than %llu bytes in all",
                           (unsigned long long)lim->max_total_size);
    }
    if (rc == 0 && pos != z->cd_size)
        rc = error_set(err, "central directory holds %llu bytes past its %llu entries",
                       (unsigned long long)(z->cd_size - pos), (unsigned long long)z->n_entries);
    free(cd);
    return rc;
}

static int cmp_offset(const void *a, const void *b)
{
    const zentry *x = *(const zentry *const *)a, *y = *(const zentry *const *)b;
    return x->local_off < y->local_off ? -1 : x->local_off > y->local_off;
}

/* Each local header agrees with its central entry, and members' data lie
 * one after another, none overlapping another nor the central directory. */
static int check_local(zip *z, airlock_error *err)
{
    zentry **by_off = xmalloc((z->len ? z->len : 1) * sizeof *by_off);
    for (size_t i = 0; i < z->len; i++)
        by_off[i] = &z->e[i];
    qsort(by_off, z->len, sizeof *by_off, cmp_offset);
    unsigned char *h = xmalloc(LOCAL_SIZE + 65535);
    int rc = 0;
    for (size_t i = 0; i < z->len && rc == 0; i++) {
        zentry *e = by_off[i];
        uint64_t next = i + 1 < z->len ? by_off[i + 1]->local_off : z->cd_off;
        if (e->local_off > z->cd_off || z->cd_off - e->local_off < LOCAL_SIZE + e->name_len) {
            rc = error_set(err, "member '%s': local header outside the archive", e->name);
            break;
        }
        if (read_at(z->fd, h, LOCAL_SIZE + e->name_len, e->local_off, err) != 0) {
            rc = error_prefix(err, "member '%s'", e->name);
            break;
        }
        uint16_t flags = le16(h + 6);
        uint32_t crc = le32(h + 14), cs = le32(h + 18), us = le32(h + 22);
        size_t nlen = le16(h + 26), xlen = le16(h + 28);
        if (le32(h) != 0x04034b50)
            rc = error_set(err, "member '%s': no local header at offset %llu", e->name,
                           (unsigned long long)e->local_off);
        else if (nlen != e->name_len || memcmp(h + LOCAL_SIZE, e->name, nlen) != 0)
            rc = error_set(err, "member '%s': local header names another file", e->name);
        else if (le16(h + 8) != e->method || (flags & 0x49) != (e->flags & 0x49))
            rc = error_set(err, "member '%s': local header disagrees with the central "
                           "directory (method or flags)", e->name);
        else if (!(flags & 8) &&
                 (crc != e->crc || (cs != 0xffffffff && cs != e->csize) ||
                  (us != 0xffffffff && us != e->usize)))
            rc = error_set(err, "member '%s': local header disagrees with the central "
                           "directory (CRC or sizes)", e->name);
        if (rc != 0)
            break;
        e->data_off = e->local_off + LOCAL_SIZE + nlen + xlen;
        if (e->data_off > next || next - e->data_off < e->csize)
            rc = error_set(err, "member '%s' overlaps %s", e->name,
                           i + 1 < z->len ? "another member (an overlapping zip bomb?)"
                                          : "the central directory");
    }
    free(h);
    free(by_off);
    return rc;
}

/* Inflate (or copy) one member to `on_data`, checking size and CRC. */
static int read_member(zip *z, const zentry *e, const archive_limits *lim,
                       archive_data_fn *on_data, void *arg, airlock_error *err)
{
    unsigned char *in = xmalloc(CHUNK), *out = xmalloc(CHUNK);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int rc = 0;
    if (e->method == 8 && inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
        free(in);
        free(out);
        return error_set(err, "zlib: cannot start inflating");
    }
    uint64_t left = e->csize, produced = 0;
    uLong crc = crc32(0L, Z_NULL, 0);
    bool ended = e->method == 0;
    while (rc == 0 && e->method == 0 && left > 0) {
        size_t n = left < CHUNK ? (size_t)left : CHUNK;
        if (read_at(z->fd, in, n, e->data_off + (e->csize - left), err) != 0) {
            rc = -1;
            break;
        }
        left -= n;
        crc = crc32(crc, in, (uInt)n);
        produced += n;
        rc = on_data(arg, in, n, err);
    }
    while (rc == 0 && !ended) {
        if (zs.avail_in == 0 && left > 0) {
            size_t n = left < CHUNK ? (size_t)left : CHUNK;
            if (read_at(z->fd, in, n, e->data_off + (e->csize - left), err) != 0) {
                rc = -1;
                break;
            }
            left -= n;
            zs.next_in = in;
            zs.avail_in = (uInt)n;
        }
        zs.next_out = out;
        zs.avail_out = CHUNK;
        int zr = inflate(&zs, Z_NO_FLUSH);
        if (zr == Z_STREAM_END)
            ended = true;
        else if (zr == Z_BUF_ERROR && zs.avail_in == 0 && left == 0)
            break; /* input used up before the stream's end */
        else if (zr != Z_OK) {
            rc = error_set(err, "bad deflate data (%s)", zs.msg ? zs.msg : "zlib error");
            break;
        }
        size_t got = CHUNK - zs.avail_out;
        produced += got;
        if (produced > e->usize || produced > lim->max_entry_size) {
            rc = error_set(err, "inflates to more than the %llu bytes it declares",
                           (unsigned long long)e->usize);
            break;
        }
        crc = crc32(crc, out, (uInt)got);
        if (got > 0)
            rc = on_data(arg, out, got, err);
    }
    if (e->method == 8)
        inflateEnd(&zs);
    if (rc == 0 && !ended)
        rc = error_set(err, "deflate data ends early");
    else if (rc == 0 && e->method == 8 && (zs.avail_in > 0 || left > 0))
        rc = error_set(err, "data past the end of the deflate stream");
    else if (rc == 0 && produced != e->usize)
        rc = error_set(err, "inflates to %llu bytes, not the %llu it declares",
                       (unsigned long long)produced, (unsigned long long)e->usize);
    else if (rc == 0 && (uint32_t)crc != e->crc)
        rc = error_set(err, "CRC-32 mismatch");
    free(in);
    free(out);
    return rc;
}

int archive_zip_walk(int fd, const archive_limits *lim, archive_entry_fn *on_entry,
                     archive_data_fn *on_data, void *arg, airlock_error *err)
{
    if (lim == NULL)
        lim = &archive_default_limits;
    struct stat st;
    if (fstat(fd, &st) != 0)
        return error_errno(err, errno, "stat");
    zip z;
    memset(&z, 0, sizeof z);
    z.fd = fd;
    z.file_size = (uint64_t)st.st_size;
    int rc = find_end(&z, err);
    if (rc == 0)
        rc = read_central(&z, lim, err);
    if (rc == 0 && z.len > 0) {
        const char **names = xmalloc(z.len * sizeof *names);
        const char *dup;
        for (size_t i = 0; i < z.len; i++)
            names[i] = z.e[i].name;
        if (archive_find_duplicate(names, z.len, &dup))
            rc = error_invalid(err, "archive", dup, strlen(dup), "name appears twice");
        free(names);
    }
    if (rc == 0)
        rc = check_local(&z, err);
    for (size_t i = 0; i < z.len && rc == 0; i++) {
        const zentry *e = &z.e[i];
        bool dir = e->name[e->name_len - 1] == '/';
        archive_entry ae = {e->name, e->name_len, e->usize, dir, !dir};
        int want = on_entry(arg, &ae, err);
        if (want < 0)
            rc = -1;
        else if (want > 0 && read_member(&z, e, lim, on_data, arg, err) != 0)
            rc = error_prefix(err, "member '%s'", e->name);
    }
    zip_free(&z);
    return rc;
}
