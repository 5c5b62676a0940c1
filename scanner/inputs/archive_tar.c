/*
 * archive_tar.c - a tar reader of ours over zlib's gzip inflate: ustar,
 * pax (path, size) and GNU long names, read as a stream in 512-byte
 * blocks; nothing is kept but the names (for the duplicate check).
 */
#include "scanner/inputs/archive.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "core/buf.h"

#define CHUNK 65536
#define BLOCK 512
/* A pax header or GNU long name is kept in memory: this much at most. */
#define MAX_META ((uint64_t)1 << 20)
/* Bytes of all names kept for the duplicate check. */
#define MAX_NAMES ((size_t)64 << 20)

typedef struct gz {
    int fd;
    z_stream zs;
    unsigned char in[CHUNK];
    uint64_t read_in;   /* compressed bytes read */
    uint64_t out;       /* bytes inflated */
    bool in_eof, ended; /* the file is read; the stream is over */
    const archive_limits *lim;
} gz;

/* Fill `dst` with `n` inflated bytes. Returns 1, 0 at the end of the stream
 * before any byte, or -1 (a short read is an error). */
static int gz_read(gz *g, unsigned char *dst, size_t n, airlock_error *err)
{
    size_t done = 0;
    while (done < n) {
        if (g->ended)
            return done == 0 ? 0 : error_set(err, "truncated tar stream");
        if (g->zs.avail_in == 0 && !g->in_eof) {
            ssize_t got = read(g->fd, g->in, CHUNK);
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0)
                return error_errno(err, errno, "read");
            if (got == 0)
                g->in_eof = true;
            g->read_in += (uint64_t)got;
            g->zs.next_in = g->in;
            g->zs.avail_in = (uInt)got;
        }
        g->zs.next_out = dst + done;
        g->zs.avail_out = (uInt)(n - done);
        int zr = inflate(&g->zs, Z_NO_FLUSH);
        size_t got = (n - done) - g->zs.avail_out;
        done += got;
        g->out += got;
        if (g->out > g->lim->max_total_size)
            return error_set(err, "inflates to more than %llu bytes",
                             (unsigned long long)g->lim->max_total_size);
        if (g->out > ((uint64_t)1 << 20) && g->out / g->lim->max_ratio > g->read_in)
            return error_set(err, "compression ratio over %llu:1: a gzip bomb",
                             (unsigned long long)g->lim->max_ratio);
        if (zr == Z_STREAM_END) {
            /* Another gzip member may follow, as gzip reads them. */
            if (g->zs.avail_in == 0 && g->in_eof)
                g->ended = true;
            else if (inflateReset(&g->zs) != Z_OK)
                return error_set(err, "zlib: cannot reset");
            if (g->zs.avail_in == 0 && !g->in_eof) {
                /* Peek: the file may end right after this member. */
                ssize_t more = read(g->fd, g->in, CHUNK);
                if (more < 0)
                    return error_errno(err, errno, "read");
                g->read_in += (uint64_t)more;
                g->zs.next_in = g->in;
                g->zs.avail_in = (uInt)more;
                if (more == 0) {
                    g->in_eof = true;
                    g->ended = true;
                }
            }
        } else if (zr == Z_BUF_ERROR && g->zs.avail_in == 0 && g->in_eof) {
            return error_set(err, "truncated gzip stream");
        } else if (zr != Z_OK) {
            return error_set(err, "bad gzip data (%s)", g->zs.msg ? g->zs.msg : "zlib error");
        }
    }
    return 1;
}

/* Pass `size` bytes (then the padding to a block) to `on_data`, or skip. */
static int gz_data(gz *g, uint64_t size, archive_data_fn *on_data, void *arg, airlock_error *err)
{
    unsigned char buf_[CHUNK];
    uint64_t padded = (size + BLOCK - 1) / BLOCK * BLOCK;
    for (uint64_t done = 0; done < padded;) {
        size_t n = padded - done < CHUNK ? (size_t)(padded - done) : CHUNK;
        int got = gz_read(g, buf_, n, err);
        if (got < 0)
            return -1;
        if (got == 0)
            return error_set(err, "truncated member data");
        if (on_data != NULL && done < size) {
            size_t use = size - done < n ? (size_t)(size - done) : n;
            if (on_data(arg, buf_, use, err) != 0)
                return -1;
        }
        done += n;
    }
    return 0;
}

static int collect(void *arg, const unsigned char *data, size_t len, airlock_error *err)
{
    (void)err;
    buf_append(arg, data, len);
    return 0;
}

/* An octal field (or GNU base-256). Returns -1 on bad text. */
static int parse_num(const unsigned char *f, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (f[0] & 0x80) {
        if (f[0] != 0x80)
            return -1; /* negative or huge */
        for (size_t i = 1; i < n; i++) {
            if (v >> 55)
                return -1;
            v = v << 8 | f[i];
        }
        *out = v;
        return 0;
    }
    size_t i = 0;
    while (i < n && f[i] == ' ')
        i++;
    bool digits = false;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 60)
            return -1;
        v = v << 3 | (uint64_t)(f[i] - '0');
        digits = true;
    }
    for (; i < n; i++)
        if (f[i] != ' ' && f[i] != '\0')
            return -1;
    *out = digits ? v : 0;
    return 0;
}

/* The pax records "LEN key=value\n" for `path` and `size`. */
static int parse_pax(const char *p, size_t n, buf *path, bool *has_size, uint64_t *size,
                     airlock_error *err)
{
    size_t i = 0;
    while (i < n) {
        size_t len = 0, j = i;
        while (j < n && p[j] >= '0' && p[j] <= '9' && len < n)
            len = len * 10 + (size_t)(p[j++] - '0');
        if (j == i || j >= n || p[j] != ' ' || len <= j - i + 1 || len > n - i ||
            p[i + len - 1] != '\n')
            return error_set(err, "bad pax header record");
        const char *kv = p + j + 1;
        size_t kvlen = i + len - 1 - (j + 1);
        const char *eq = memchr(kv, '=', kvlen);
        if (eq == NULL)
            return error_set(err, "bad pax header record");
        size_t klen = (size_t)(eq - kv), vlen = kvlen - klen - 1;
        if (klen == 4 && memcmp(kv, "path", 4) == 0) {
            buf_reset(path);
            buf_append(path, eq + 1, vlen);
        } else if (klen == 4 && memcmp(kv, "size", 4) == 0) {
            uint64_t v = 0;
            if (vlen == 0 || vlen > 19)
                return error_set(err, "bad pax size");
            for (size_t k = 0; k < vlen; k++) {
                if (eq[1 + k] < '0' || eq[1 + k] > '9')
                    return error_set(err, "bad pax size");
                v = v * 10 + (uint64_t)(eq[1 + k] - '0');
            }
            *size = v;
            *has_size = true;
        }
        i += len;
    }
    return 0;
}

static bool header_ok(const unsigned char *h)
{
    uint64_t want;
    if (parse_num(h + 148, 8, &want) != 0)
        return false;
    uint64_t sum = 0;
    for (size_t i = 0; i < BLOCK; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    return sum == want;
}

typedef struct names {
    char **items;
    size_t len, cap, bytes;
} names;

static int walk(gz *g, archive_entry_fn *on_entry, archive_data_fn *on_data, void *arg,
                names *seen, airlock_error *err)
{
    unsigned char h[BLOCK];
    buf long_name = {0}, meta = {0};
    bool pending_name = false, pending_size = false;
    uint64_t pax_size = 0;
    int rc = 0;
    for (;;) {
        int got = gz_read(g, h, BLOCK, err);
        if (got < 0) {
            rc = -1;
            break;
        }
        if (got == 0)
            break; /* the stream ends without zero blocks: accepted, as tar does */
        bool zero = true;
        for (size_t i = 0; i < BLOCK && zero; i++)
            zero = h[i] == 0;
        if (zero) {
            /* Read the stream to its end: gzip's CRC and length are checked
             * only there, and a truncated archive must not pass. */
            while ((got = gz_read(g, h, BLOCK, err)) == 1)
                ;
            if (got < 0 && (err == NULL || strstr(err->msg, "truncated tar stream") == NULL))
                rc = -1;
            break;
        }
        if (!header_ok(h)) {
            rc = error_set(err, "bad tar header checksum after %zu members", seen->len);
            break;
        }
        uint64_t size;
        if (parse_num(h + 124, 12, &size) != 0) {
            rc = error_set(err, "bad tar size field");
            break;
        }
        char type = (char)h[156];
        if (type == 'x' || type == 'L' || type == 'g' || type == 'K') {
            if (size > MAX_META) {
                rc = error_set(err, "tar extended header of %llu bytes",
                               (unsigned long long)size);
                break;
            }
            buf_reset(&meta);
            if (gz_data(g, size, collect, &meta, err) != 0) {
                rc = -1;
                break;
            }
            if (type == 'x') {
                if (parse_pax(meta.data ? meta.data : "", meta.len, &long_name, &pending_size,
                              &pax_size, err) != 0) {
                    rc = -1;
                    break;
                }
                pending_name = pending_name || long_name.len > 0;
            } else if (type == 'L') {
                size_t n = meta.len;
                while (n > 0 && meta.data[n - 1] == '\0')
                    n--;
                buf_reset(&long_name);
                buf_append(&long_name, meta.data, n);
                pending_name = true;
            }
            continue;
        }
        if (pending_size)
            size = pax_size;
        buf name = {0};
        if (pending_name) {
            buf_append(&name, long_name.data, long_name.len);
        } else {
            size_t plen = strnlen((const char *)h + 345, 155);
            if (memcmp(h + 257, "ustar", 5) == 0 && plen > 0) {
                buf_append(&name, h + 345, plen);
                buf_putc(&name, '/');
            }
            buf_append(&name, h, strnlen((const char *)h, 100));
        }
        pending_name = pending_size = false;
        buf_reset(&long_name);
        buf_reserve(&name, 0); /* data non-NULL even when empty */
        const char *why = archive_name_problem(name.data, name.len, g->lim->max_name);
        if (why != NULL) {
            rc = error_invalid(err, "member name", name.data, name.len, why);
            buf_free(&name);
            break;
        }
        bool file = type == '0' || type == '\0' || type == '7';
        bool dir = type == '5';
        if (seen->len >= g->lim->max_entries || seen->bytes + name.len > MAX_NAMES) {
            rc = error_set(err, "more than %zu members", seen->len);
            buf_free(&name);
            break;
        }
        if (file && size > g->lim->max_entry_size) {
            rc = error_set(err, "member '%s' of %llu bytes, over the limit of %llu", name.data,
                           (unsigned long long)size,
                           (unsigned long long)g->lim->max_entry_size);
            buf_free(&name);
            break;
        }
        /* Links and devices carry no data, whatever their size field says. */
        uint64_t data = file || type == 'S' || (type > '7' && type != 'V') ? size : 0;
        archive_entry e = {name.data, name.len, data, dir, file};
        if (seen->len == seen->cap) {
            seen->cap = seen->cap ? seen->cap * 2 : 64;
            seen->items = xrealloc(seen->items, seen->cap * sizeof *seen->items);
        }
        seen->bytes += name.len;
        seen->items[seen->len++] = buf_detach(&name, NULL);
        int want = on_entry(arg, &e, err);
        if (want < 0 ||
            gz_data(g, data, want > 0 && file ? on_data : NULL, arg, err) != 0) {
            if (want >= 0)
                error_prefix(err, "member '%s'", seen->items[seen->len - 1]);
            rc = -1;
            break;
        }
    }
    buf_free(&long_name);
    buf_free(&meta);
    return rc;
}

int archive_tgz_walk(int fd, const archive_limits *lim, archive_entry_fn *on_entry,
                     archive_data_fn *on_data, void *arg, airlock_error *err)
{
    gz *g = xcalloc(1, sizeof *g);
    g->fd = fd;
    g->lim = lim != NULL ? lim : &archive_default_limits;
    if (inflateInit2(&g->zs, 16 + MAX_WBITS) != Z_OK) {
        free(g);
        return error_set(err, "zlib: cannot start inflating");
    }
    names seen = {0};
    int rc = walk(g, on_entry, on_data, arg, &seen, err);
    const char *dup;
    if (rc == 0 && seen.len > 1 &&
        archive_find_duplicate((const char **)seen.items, seen.len, &dup))
        rc = error_invalid(err, "archive", dup, strlen(dup), "name appears twice");
    for (size_t i = 0; i < seen.len; i++)
        free(seen.items[i]);
    free(seen.items);
    inflateEnd(&g->zs);
    free(g);
    return rc;
}
