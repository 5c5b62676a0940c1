#define _GNU_SOURCE /* O_DIRECT */
#include "signatures/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "signatures/blake2b.h"

#define CHUNK (1u << 20)

size_t snapshot_meta_format(const snapshot_meta *m, char *out, size_t cap)
{
    char hex[2 * SNAPSHOT_DIGEST_BYTES + 1];
    snapshot_hex(m->db_digest, SNAPSHOT_DIGEST_BYTES, hex);
    int n = snprintf(out, cap,
                     "airlock-snapshot format=%" PRIu32 " sequence=%" PRIu64
                     " build_time=%" PRId64 " db_size=%" PRIu64 " db_blake2b=%s",
                     m->format, m->sequence, m->build_time, m->db_size, hex);
    return n < 0 ? 0 : (size_t)n;
}

void snapshot_hex(const uint8_t *bin, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, bin, n);
}

/* Decimal digits only, no sign, no overflow. */
static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 20)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

enum { F_FORMAT, F_SEQUENCE, F_BUILD_TIME, F_DB_SIZE, F_DB_DIGEST, F_COUNT };
static const char *const field_names[F_COUNT] = {"format", "sequence", "build_time", "db_size",
                                                 "db_blake2b"};

static int set_field(snapshot_meta *m, int f, const char *v, size_t n)
{
    uint64_t u;
    switch (f) {
    case F_FORMAT:
        if (parse_u64(v, n, &u) != 0 || u > UINT32_MAX)
            return -1;
        m->format = (uint32_t)u;
        return 0;
    case F_SEQUENCE:
        return parse_u64(v, n, &m->sequence);
    case F_BUILD_TIME:
        if (parse_u64(v, n, &u) != 0 || u > INT64_MAX)
            return -1;
        m->build_time = (int64_t)u;
        return 0;
    case F_DB_SIZE:
        if (parse_u64(v, n, &m->db_size) != 0 || m->db_size == 0 ||
            m->db_size > SNAPSHOT_MAX_DB_SIZE)
            return -1;
        return 0;
    default: {
        /* Exactly 128 hex digits, either case; no separators. */
        size_t got = 0;
        if (n != 2 * SNAPSHOT_DIGEST_BYTES ||
            sodium_hex2bin(m->db_digest, SNAPSHOT_DIGEST_BYTES, v, n, NULL, &got, NULL) != 0 ||
            got != SNAPSHOT_DIGEST_BYTES)
            return -1;
        return 0;
    }
    }
}

int snapshot_meta_parse(const char *text, size_t len, const char *name, snapshot_meta *m,
                        airlock_error *err)
{
    memset(m, 0, sizeof *m);
    int seen[F_COUNT] = {0};
    size_t i = 0;
    while (i < len) {
        if (text[i] == ' ' || text[i] == '\t') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && text[i] != ' ' && text[i] != '\t')
            i++;
        const char *tok = text + start;
        size_t tlen = i - start;
        const char *eq = memchr(tok, '=', tlen);
        if (eq == NULL)
            continue;
        size_t klen = (size_t)(eq - tok);
        for (int f = 0; f < F_COUNT; f++) {
            if (strlen(field_names[f]) != klen || memcmp(tok, field_names[f], klen) != 0)
                continue;
            if (seen[f])
                return error_set(err, "%s: trusted comment has '%s' twice", name, field_names[f]);
            seen[f] = 1;
            if (set_field(m, f, eq + 1, tlen - klen - 1) != 0)
                return error_set(err, "%s: trusted comment has an invalid %s '%.*s'", name,
                                 field_names[f], (int)(tlen - klen - 1 > 200 ? 200 : tlen - klen - 1),
                                 eq + 1);
        }
    }
    char missing[128] = "";
    for (int f = 0; f < F_COUNT; f++) {
        if (!seen[f]) {
            if (missing[0] != '\0')
                strcat(missing, ", ");
            strcat(missing, field_names[f]);
        }
    }
    if (missing[0] != '\0')
        return error_set(err, "%s: trusted comment is not an Airlock snapshot comment: missing %s",
                         name, missing);
    if (m->format != SNAPSHOT_FORMAT)
        return error_set(err, "%s: snapshot format %" PRIu32 " is not supported (this airlock "
                              "reads format %d)", name, m->format, SNAPSHOT_FORMAT);
    return 0;
}

int snapshot_meta_equal(const snapshot_meta *a, const snapshot_meta *b)
{
    return a->format == b->format && a->sequence == b->sequence &&
           a->build_time == b->build_time && a->db_size == b->db_size &&
           memcmp(a->db_digest, b->db_digest, SNAPSHOT_DIGEST_BYTES) == 0;
}

int snapshot_digest_file(const char *path, uint8_t digest[SNAPSHOT_DIGEST_BYTES],
                         uint64_t *size, airlock_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return error_errno(err, errno, "%s", path);
    int rc = snapshot_digest_fd(fd, path, digest, size, UINT64_MAX, err);
    close(fd);
    return rc;
}

int snapshot_sig_path(const char *path, char **out, airlock_error *err)
{
    char *target;
    if (path_follow_links(path, &target, err) != 0)
        return -1;
    buf p = {0};
    buf_printf(&p, "%s.minisig", target);
    free(target);
    *out = buf_detach(&p, NULL);
    return 0;
}

int snapshot_digest_fd(int fd, const char *name, uint8_t digest[SNAPSHOT_DIGEST_BYTES],
                       uint64_t *size, uint64_t max, airlock_error *err)
{
    uint8_t *chunk = xmalloc(CHUNK);
    blake2b_state st;
    blake2b_init(&st, SNAPSHOT_DIGEST_BYTES);
    uint64_t total = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = pread(fd, chunk, CHUNK, (off_t)total);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = error_errno(err, errno, "%s", name);
            break;
        }
        if (n == 0)
            break;
        blake2b_update(&st, chunk, (size_t)n);
        total += (uint64_t)n;
        if (total > max)
            break;
    }
    blake2b_final(&st, digest);
    free(chunk);
    *size = total;
    return rc;
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

int snapshot_read_header(const uint8_t *data, size_t len, const char *name, snapshot_meta *m,
                         size_t *frame_len, airlock_error *err)
{
    size_t idlen = strlen(SNAPSHOT_FRAME_ID);
    if (len < 8 || get_le32(data) != SNAPSHOT_FRAME_MAGIC)
        return error_set(err, "%s: not an Airlock snapshot (no header frame)", name);
    uint32_t size = get_le32(data + 4);
    if (size < idlen || size > SNAPSHOT_FRAME_MAX)
        return error_set(err, "%s: header frame has a bad size (%" PRIu32 ")", name, size);
    if (size > len - 8)
        return error_set(err, "%s: truncated header frame", name);
    if (memcmp(data + 8, SNAPSHOT_FRAME_ID, idlen) != 0)
        return error_set(err, "%s: header frame is not an Airlock header", name);
    const char *text = (const char *)data + 8 + idlen;
    size_t tlen = size - idlen;
    if (memchr(text, '\0', tlen) != NULL || memchr(text, '\n', tlen) != NULL)
        return error_set(err, "%s: header frame holds more than one line of text", name);
    if (snapshot_meta_parse(text, tlen, name, m, err) != 0)
        return -1;
    *frame_len = 8 + (size_t)size;
    return 0;
}

/* Compression threads: one per CPU, at least one. With one or more, zstd
 * gives the same bytes whatever their number (not so with none: the
 * single-threaded encoder cuts its blocks differently), so snapshots stay
 * reproducible from one machine to another. */
static int compress_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 16 ? 16 : (int)n;
}

int snapshot_level(uint64_t db_size)
{
    return db_size >= SNAPSHOT_LARGE_DB ? SNAPSHOT_LEVEL_LARGE : SNAPSHOT_LEVEL_SMALL;
}

int snapshot_write(const char *mdb_path, const snapshot_meta *m, int level, FILE *out,
                   const char *out_name, snapshot_progress_fn *on_progress, void *arg,
                   airlock_error *err)
{
    int in = open(mdb_path, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return error_errno(err, errno, "%s", mdb_path);
    char line[512];
    size_t llen = snapshot_meta_format(m, line, sizeof line);
    size_t idlen = strlen(SNAPSHOT_FRAME_ID);
    uint8_t hdr[8];
    put_le32(hdr, SNAPSHOT_FRAME_MAGIC);
    put_le32(hdr + 4, (uint32_t)(idlen + llen));
    fwrite(hdr, 1, sizeof hdr, out);
    fwrite(SNAPSHOT_FRAME_ID, 1, idlen, out);
    fwrite(line, 1, llen, out);

    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    size_t outcap = ZSTD_CStreamOutSize();
    uint8_t *inbuf = xmalloc(CHUNK), *outbuf = xmalloc(outcap);
    if (cctx == NULL) {
        free(inbuf);
        free(outbuf);
        close(in);
        return error_set(err, "out of memory");
    }
    size_t zr = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
    if (!ZSTD_isError(zr))
        zr = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    if (!ZSTD_isError(zr))
        zr = ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, compress_threads());
    if (!ZSTD_isError(zr))
        zr = ZSTD_CCtx_setPledgedSrcSize(cctx, m->db_size);
    uint64_t total = 0;
    int rc = 0;
    if (ZSTD_isError(zr))
        rc = error_set(err, "zstd: %s", ZSTD_getErrorName(zr));
    while (rc == 0) {
        ssize_t n = read(in, inbuf, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = error_errno(err, errno, "%s", mdb_path);
            break;
        }
        total += (uint64_t)n;
        if (total > m->db_size) {
            rc = error_set(err, "%s: changed while being compressed", mdb_path);
            break;
        }
        if (on_progress != NULL)
            on_progress(arg, total, m->db_size);
        ZSTD_EndDirective mode = n == 0 ? ZSTD_e_end : ZSTD_e_continue;
        ZSTD_inBuffer zin = {inbuf, (size_t)n, 0};
        int done = 0;
        while (!done) {
            ZSTD_outBuffer zout = {outbuf, outcap, 0};
            size_t left = ZSTD_compressStream2(cctx, &zout, &zin, mode);
            if (ZSTD_isError(left)) {
                rc = error_set(err, "zstd: %s", ZSTD_getErrorName(left));
                break;
            }
            fwrite(outbuf, 1, zout.pos, out);
            done = mode == ZSTD_e_end ? left == 0 : zin.pos == zin.size;
        }
        if (n == 0)
            break;
    }
    if (rc == 0 && total != m->db_size)
        rc = error_set(err, "%s: changed while being compressed", mdb_path);
    ZSTD_freeCCtx(cctx);
    free(inbuf);
    free(outbuf);
    close(in);
    if (rc == 0 && (ferror(out) || fflush(out) != 0))
        rc = error_errno(err, errno ? errno : EIO, "cannot write %s", out_name);
    return rc;
}

/* Extraction is a pipeline over a ring of buffers. The main thread
 * decompresses into the next free buffer; a hasher thread hashes the
 * buffers in order and a writer thread writes them in order, each at its own
 * pace, the writer as many ready buffers as lie next to each other in one
 * call; a buffer is free again once both have passed it. A flusher calls
 * fdatasync each time another FLUSH_STEP bytes have been written, so that
 * the disk flushes while the CPU works instead of in one fsync at the end.
 *
 * Each thread sleeps on its own condition and is woken only when there is
 * enough for it to do: the writer for WRITE_BATCH buffers, the decompressor,
 * once the ring is full, for half of it. Waking a thread costs tens of
 * microseconds on a virtual machine; waking every thread at every buffer
 * cost a fifth of the extraction.
 *
 * The file is opened with O_DIRECT where the filesystem allows it: the data
 * goes from the ring to the disk with no copy into the page cache and no
 * gigabyte of fresh page cache to allocate, which is what made imports
 * slow and erratic (the import waits for the disk anyway, to fsync). */
#define RING_BUFS 16
#define RING_BUF_SIZE ((size_t)1 << 20)
#define WRITE_BATCH 4
#define DIRECT_ALIGN 4096
#define FLUSH_STEP ((uint64_t)64 << 20)

typedef struct pipeline {
    pthread_mutex_t mu;
    pthread_cond_t hash_cv;  /* the hasher waits here for a buffer */
    pthread_cond_t write_cv; /* the writer waits here for WRITE_BATCH buffers */
    pthread_cond_t flush_cv; /* the flusher waits here for FLUSH_STEP bytes */
    pthread_cond_t free_cv;  /* the decompressor waits here for free buffers */
    uint8_t *ring;    /* RING_BUFS buffers of RING_BUF_SIZE, one after another */
    size_t len[RING_BUFS];
    uint64_t filled;  /* buffers handed over by the decompressor */
    uint64_t hashed;  /* buffers hashed, in order */
    uint64_t written; /* buffers written, in order */
    uint64_t bytes;   /* bytes written */
    uint64_t flushed; /* bytes the flusher has started to flush */
    int done;         /* no more buffers will come */
    int want_free;    /* the decompressor waits for free buffers */
    int fd;
    int write_errno;  /* first write error, 0 if none */
    int flush_errno;  /* first fdatasync error, 0 if none */
    blake2b_state st;
} pipeline;

/* The buffer that holds the `seq`-th piece of output. */
static uint8_t *ring_buf(const pipeline *p, uint64_t seq)
{
    return p->ring + (size_t)(seq % RING_BUFS) * RING_BUF_SIZE;
}

/* Buffers not yet passed by both the hasher and the writer. */
static uint64_t ring_used(const pipeline *p)
{
    return p->filled - (p->hashed < p->written ? p->hashed : p->written);
}

/* After the hasher or the writer moved on: wake the decompressor if it waits
 * and half the ring is free. */
static void wake_decompressor(pipeline *p)
{
    if (p->want_free && ring_used(p) <= RING_BUFS / 2)
        pthread_cond_signal(&p->free_cv);
}

static void *hasher_run(void *arg)
{
    pipeline *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->hashed == p->filled && !p->done)
            pthread_cond_wait(&p->hash_cv, &p->mu);
        if (p->hashed == p->filled)
            break;
        const uint8_t *b = ring_buf(p, p->hashed);
        size_t n = p->len[p->hashed % RING_BUFS];
        pthread_mutex_unlock(&p->mu);
        blake2b_update(&p->st, b, n);
        pthread_mutex_lock(&p->mu);
        p->hashed++;
        wake_decompressor(p);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static int pwrite_all(int fd, const uint8_t *b, size_t n, uint64_t off)
{
    while (n > 0) {
        ssize_t w = pwrite(fd, b, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w == 0)
            errno = EIO;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

/* Write `n` bytes at `off`. O_DIRECT takes whole blocks only: a short tail
 * (the end of the database) goes through the page cache, as does everything
 * after a filesystem refuses O_DIRECT for a write (EINVAL: blocks larger
 * than DIRECT_ALIGN, or no support for it). */
static int write_buffer(int fd, const uint8_t *b, size_t n, uint64_t off)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -1;
    if (fl & O_DIRECT) {
        size_t whole = n - n % DIRECT_ALIGN;
        if (whole > 0 && pwrite_all(fd, b, whole, off) == 0) {
            b += whole;
            n -= whole;
            off += whole;
        } else if (whole > 0 && errno != EINVAL) {
            return -1;
        }
        if (n == 0)
            return 0;
        if (fcntl(fd, F_SETFL, fl & ~O_DIRECT) != 0)
            return -1;
    }
    return pwrite_all(fd, b, n, off);
}

static void *writer_run(void *arg)
{
    pipeline *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->filled - p->written < WRITE_BATCH && !p->done)
            pthread_cond_wait(&p->write_cv, &p->mu);
        if (p->written == p->filled)
            break;
        /* Write every buffer that is ready, up to the end of the ring, in
         * one call: the buffers are adjacent in memory and in the file. */
        int b = (int)(p->written % RING_BUFS), k = 0;
        size_t n = 0;
        while (p->written + (uint64_t)k < p->filled && b + k < RING_BUFS) {
            size_t len = p->len[b + k++];
            n += len;
            if (len != RING_BUF_SIZE)
                break; /* the short last one */
        }
        const uint8_t *first = ring_buf(p, p->written);
        int failed = p->write_errno != 0;
        uint64_t off = p->bytes;
        pthread_mutex_unlock(&p->mu);
        /* After an error the buffers are only passed, so that nobody waits. */
        int e = !failed && write_buffer(p->fd, first, n, off) != 0 ? errno : 0;
        pthread_mutex_lock(&p->mu);
        if (e != 0 && p->write_errno == 0)
            p->write_errno = e;
        p->bytes += n;
        if (p->bytes - p->flushed >= FLUSH_STEP)
            pthread_cond_signal(&p->flush_cv);
        p->written += (uint64_t)k;
        wake_decompressor(p);
        if (e != 0)
            pthread_cond_signal(&p->free_cv); /* to see the error at once */
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void *flusher_run(void *arg)
{
    pipeline *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->done) {
        if (p->bytes - p->flushed < FLUSH_STEP) {
            pthread_cond_wait(&p->flush_cv, &p->mu);
            continue;
        }
        p->flushed = p->bytes;
        pthread_mutex_unlock(&p->mu);
        /* An error is kept: a later fsync may no longer report it. */
        int e = fdatasync(p->fd) != 0 ? errno : 0;
        pthread_mutex_lock(&p->mu);
        if (e != 0 && p->flush_errno == 0)
            p->flush_errno = e;
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Hand the buffer being filled, with `n` bytes, to the hasher and the
 * writer; wait until the next one is free and return it, or NULL once a
 * write has failed. A full ring is left to drain to half before the
 * decompressor goes on. */
static uint8_t *pipeline_submit(pipeline *p, size_t n)
{
    pthread_mutex_lock(&p->mu);
    p->len[p->filled % RING_BUFS] = n;
    p->filled++;
    pthread_cond_signal(&p->hash_cv);
    if (p->filled - p->written == WRITE_BATCH)
        pthread_cond_signal(&p->write_cv);
    if (ring_used(p) >= RING_BUFS) {
        p->want_free = 1;
        while (ring_used(p) > RING_BUFS / 2 && p->write_errno == 0)
            pthread_cond_wait(&p->free_cv, &p->mu);
        p->want_free = 0;
    }
    uint8_t *next = p->write_errno == 0 ? ring_buf(p, p->filled) : NULL;
    pthread_mutex_unlock(&p->mu);
    return next;
}

/* Let the threads end once they have passed every buffer handed over. */
static void pipeline_finish(pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    p->done = 1;
    pthread_cond_broadcast(&p->hash_cv);
    pthread_cond_broadcast(&p->write_cv);
    pthread_cond_broadcast(&p->flush_cv);
    pthread_mutex_unlock(&p->mu);
}

int snapshot_extract(const uint8_t *data, size_t len, const char *name, const snapshot_meta *m,
                     const char *out_path, airlock_error *err)
{
    snapshot_meta hm;
    size_t off;
    if (snapshot_read_header(data, len, name, &hm, &off, err) != 0)
        return -1;
    if (!snapshot_meta_equal(&hm, m))
        return error_set(err, "%s: header frame does not match the signed trusted comment", name);
    /* Not every filesystem takes O_DIRECT (tmpfs before Linux 6.6 does
     * not); the page cache is then used, as any other write would. */
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
    int fd = open(out_path, flags | O_DIRECT, 0444);
    if (fd < 0 && errno == EINVAL)
        fd = open(out_path, flags, 0444);
    if (fd < 0)
        return error_errno(err, errno, "%s", out_path);
    /* Reserve the signed size first: a disk too small fails now, not after
     * minutes of work, and the writes fill blocks that already exist. */
    if (m->db_size > 0 && fallocate(fd, 0, 0, (off_t)m->db_size) != 0 && errno != EOPNOTSUPP) {
        int e = errno;
        close(fd);
        unlink(out_path);
        return error_errno(err, e, "cannot reserve %" PRIu64 " bytes for %s", m->db_size, out_path);
    }
    pipeline p;
    memset(&p, 0, sizeof p);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_t *cvs[] = {&p.hash_cv, &p.write_cv, &p.flush_cv, &p.free_cv};
    for (size_t i = 0; i < sizeof cvs / sizeof *cvs; i++)
        pthread_cond_init(cvs[i], NULL);
    int rc = 0;
    p.ring = mmap(NULL, RING_BUFS * RING_BUF_SIZE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p.ring == MAP_FAILED) {
        p.ring = NULL;
        rc = error_set(err, "out of memory");
    } else {
        madvise(p.ring, RING_BUFS * RING_BUF_SIZE, MADV_HUGEPAGE);
    }
    p.fd = fd;
    blake2b_init(&p.st, SNAPSHOT_DIGEST_BYTES);
    pthread_t threads[3];
    void *(*const run[3])(void *) = {hasher_run, writer_run, flusher_run};
    int started = 0;
    while (rc == 0 && started < 3 && pthread_create(&threads[started], NULL, run[started], &p) == 0)
        started++;
    if (rc == 0 && started < 3)
        rc = error_set(err, "cannot start a thread");

    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    if (rc == 0 && dctx == NULL)
        rc = error_set(err, "out of memory");
    ZSTD_inBuffer in = {data + off, len - off, 0};
    uint64_t total = 0;
    size_t ret = 1;
    ZSTD_outBuffer out = {p.ring, RING_BUF_SIZE, 0};
    if (rc == 0 && in.size == 0)
        rc = error_set(err, "%s: truncated: no data after the header", name);
    while (rc == 0) {
        size_t before = out.pos, in_before = in.pos;
        ret = ZSTD_decompressStream(dctx, &out, &in);
        if (ZSTD_isError(ret)) {
            rc = error_set(err, "%s: corrupt compressed data: %s", name, ZSTD_getErrorName(ret));
            break;
        }
        /* The signed size bounds the output: no decompression bombs. */
        if (out.pos - before > m->db_size - total) {
            rc = error_set(err, "%s: decompresses to more than the signed %" PRIu64 " bytes",
                           name, m->db_size);
            break;
        }
        total += out.pos - before;
        /* Done when the last frame is complete; a call that makes no
         * progress with room to spare means the input ends early. */
        int stalled = in.pos == in_before && out.pos == before;
        int finished = (ret == 0 && in.pos == in.size) || stalled;
        if (out.pos == out.size || (finished && out.pos > 0)) {
            out.dst = pipeline_submit(&p, out.pos);
            out.pos = 0;
            if (out.dst == NULL)
                break; /* reported below */
        }
        if (finished)
            break;
    }
    pipeline_finish(&p);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    ZSTD_freeDCtx(dctx);

    uint8_t digest[SNAPSHOT_DIGEST_BYTES];
    blake2b_final(&p.st, digest);
    if (rc == 0 && p.write_errno != 0)
        rc = error_errno(err, p.write_errno, "cannot write %s", out_path);
    if (rc == 0 && ret != 0)
        rc = error_set(err, "%s: truncated compressed data", name);
    if (rc == 0 && total != m->db_size)
        rc = error_set(err, "%s: decompresses to %" PRIu64 " bytes, not the signed %" PRIu64,
                       name, total, m->db_size);
    if (rc == 0 && sodium_memcmp(digest, m->db_digest, sizeof digest) != 0)
        rc = error_set(err, "%s: database digest does not match the signed digest", name);
    if (rc == 0 && p.flush_errno != 0)
        rc = error_errno(err, p.flush_errno, "fdatasync %s", out_path);
    if (rc == 0 && fsync(fd) != 0)
        rc = error_errno(err, errno, "fsync %s", out_path);
    if (close(fd) != 0 && rc == 0)
        rc = error_errno(err, errno, "cannot write %s", out_path);
    if (p.ring)
        munmap(p.ring, RING_BUFS * RING_BUF_SIZE);
    for (size_t i = 0; i < sizeof cvs / sizeof *cvs; i++)
        pthread_cond_destroy(cvs[i]);
    pthread_mutex_destroy(&p.mu);
    if (rc != 0)
        unlink(out_path);
    return rc;
}
