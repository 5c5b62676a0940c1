/*
 * store_digest.c - data.mdb against its signed size and digest, at once or
 * in a thread (store_digest.h).
 */
#include "signatures/store_digest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"

/* The size the file has now must be the signed one; *st gets its fstat. */
static int check_size(int fd, const char *path, uint64_t size, struct stat *st,
                      airlock_error *err)
{
    if (fstat(fd, st) != 0)
        return error_errno(err, errno, "%s", path);
    if (!S_ISREG(st->st_mode))
        return error_set(err, "%s: not a regular file", path);
    if ((uint64_t)st->st_size != size)
        return error_set(err, "%s: %lld bytes, but the signed size is %" PRIu64, path,
                         (long long)st->st_size, size);
    return 0;
}

int store_digest_open(store_digest *c, const char *path, const snapshot_meta *m,
                      airlock_error *err)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    /* O_NOFOLLOW: a link in place of the file is refused, as lstat() did;
     * O_NONBLOCK: a FIFO is refused by the size check instead of hanging
     * the open. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno == ELOOP ? error_set(err, "%s: not a regular file", path)
                              : error_errno(err, errno, "%s", path);
    /* Its fstat now, before a byte is hashed, is what the file LMDB opens
     * later must still match (store_data_identity()). */
    if (check_size(fd, path, m->db_size, &c->opened, err) != 0) {
        close(fd);
        return -1;
    }
    c->fd = fd;
    c->path = xstrdup(path);
    c->size = m->db_size;
    memcpy(c->want, m->db_digest, sizeof c->want);
    return 0;
}

/* Hash the file with pread() (snapshot_digest_fd), not through a mapping:
 * a file cut short while it is hashed (another process truncating it, or
 * `cp` writing over it) is then a short read and the size message, where a
 * mapping raised SIGBUS and killed the scan with no message. A mapping
 * filled at once (MAP_POPULATE) costs less system time: on the PyPA
 * database's 3 MB, medians of 5 x 200 scans of an empty requirements file
 * (perf stat, loaded machine), 1.2 ms against 2.1 ms (1.9 ms with 64 KiB
 * pieces), of 9.5 ms of CPU either way within the noise; the hash runs
 * beside the reading of the inputs (store_digest_start()), so that time is
 * not on the scan's path. */
static void hash_file(store_digest *c)
{
    /* Bounded: a file that grows while hashed ends the hash (the size
     * message), not a hang of the scan that waits for it. */
    c->rc = snapshot_digest_fd(c->fd, c->path, c->got, &c->got_size, c->size, &c->err);
    c->hashed = true;
}

static void *hash_run(void *arg)
{
    hash_file(arg);
    return NULL;
}

void store_digest_start(store_digest *c)
{
    if (c->fd < 0 || c->threaded || c->hashed)
        return;
    c->threaded = pthread_create(&c->thread, NULL, hash_run, c) == 0;
}

/* Join the thread, if one runs. */
static void join(store_digest *c)
{
    if (c->threaded) {
        pthread_join(c->thread, NULL);
        c->threaded = false;
    }
}

static void release(store_digest *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->path);
    c->path = NULL;
}

int store_digest_wait(store_digest *c, airlock_error *err)
{
    join(c);
    if (c->fd < 0) /* waited for already, or never opened */
        return error_set(err, "data file check: not open");
    if (!c->hashed)
        hash_file(c); /* no thread could be started */
    int rc = 0;
    struct stat now;
    if (c->rc != 0) {
        *err = c->err;
        rc = -1;
    } else if (check_size(c->fd, c->path, c->size, &now, err) != 0) {
        rc = -1; /* changed while it was hashed */
    } else if (c->got_size != c->size) {
        rc = error_set(err, "%s: %" PRIu64 " bytes read, but the signed size is %" PRIu64
                            " (changed while it was hashed)", c->path, c->got_size, c->size);
    } else if (sodium_memcmp(c->got, c->want, sizeof c->got) != 0) {
        rc = error_set(err, "%s: contents do not match the signed digest", c->path);
    }
    release(c);
    return rc;
}

void store_digest_abandon(store_digest *c)
{
    join(c);
    release(c);
}

int store_digest_check(const char *path, const snapshot_meta *m, bool digest,
                       airlock_error *err)
{
    store_digest c;
    if (store_digest_open(&c, path, m, err) != 0)
        return -1;
    if (!digest) {
        store_digest_abandon(&c);
        return 0;
    }
    return store_digest_wait(&c, err);
}
