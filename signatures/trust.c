#include "signatures/trust.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fileio.h"

/* Owned by root or the user running Airlock. */
static int check_owner(const char *path, const char *part, const struct stat *st,
                       airlock_error *err)
{
    if (st->st_uid == 0 || st->st_uid == geteuid())
        return 0;
    return error_set(err, "refusing %s: %s is owned by uid %lu, not by root or the current user",
                     path, part, (unsigned long)st->st_uid);
}

/* Not writable by group or others; a directory on the way may be sticky. */
static int check_mode(const char *path, const char *part, const struct stat *st, int on_the_way,
                      airlock_error *err)
{
    if (!(st->st_mode & (S_IWGRP | S_IWOTH)))
        return 0;
    if (on_the_way && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))
        return 0;
    return error_set(err, "refusing %s: %s is writable by group or others%s (chmod go-w %s)",
                     path, part,
                     S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) ? ", sticky or not" : "",
                     part);
}

/* The rule of trust.h for each component of the walk (ctx: the path as
 * given): owned by root or the user, a link followed, a directory on the
 * way not writable by group or others unless sticky, nothing missing. */
static int trust_step(void *ctx, const path_step *s, airlock_error *err)
{
    const char *path = *(const char *const *)ctx;
    if (s->st == NULL)
        return error_errno(err, s->error, "%s", s->walked);
    if (check_owner(path, s->walked, s->st, err) != 0)
        return -1;
    if (S_ISLNK(s->st->st_mode)) {
        if (s->links > PATH_WALK_MAX_LINKS)
            return error_errno(err, ELOOP, "%s", path);
        if (s->target_len <= 0)
            return error_errno(err, s->target_len < 0 ? s->error : ENOENT, "%s", s->walked);
        return PATH_WALK_ON;
    }
    if (!S_ISDIR(s->st->st_mode) && s->more)
        return error_errno(err, ENOTDIR, "%s", s->walked);
    if (s->more && check_mode(path, s->walked, s->st, 1, err) != 0)
        return -1;
    return PATH_WALK_ON;
}

/* Walk `path` as given (path_walk), checking the root, each directory and
 * symlink on the way and the object it ends at (*last gets that object's
 * lstat). What the walk resolves is not opened: the caller compares *last
 * with what it opened. */
static int check_walk(const char *path, struct stat *last, airlock_error *err)
{
    struct stat st;
    if (lstat("/", &st) != 0)
        return error_errno(err, errno, "/");
    if (check_owner(path, "/", &st, err) != 0 || check_mode(path, "/", &st, 1, err) != 0)
        return -1;
    buf end = {0};
    int rc = path_walk(path, trust_step, &path, &end, err);
    /* The end of the walk: what the path names, with no sticky exception. */
    if (rc == 0 && lstat(end.data, last) != 0)
        rc = error_errno(err, errno, "%s", end.data);
    if (rc == 0 && check_mode(path, end.data, last, 0, err) != 0)
        rc = -1;
    buf_free(&end);
    return rc;
}

int trust_check_fd(int fd, const char *name, airlock_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return error_errno(err, errno, "%s", name);
    if (check_owner(name, name, &st, err) != 0 || check_mode(name, name, &st, 0, err) != 0)
        return -1;
    return 0;
}

int trust_open(const char *path, int flags, int *fd_out, airlock_error *err)
{
    *fd_out = -1;
    /* O_NONBLOCK: a FIFO planted at the path must not hang the open. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | flags);
    if (fd < 0) {
        int e = errno;
        error_errno(err, e, "%s", path);
        errno = e;
        return -1;
    }
    struct stat st, walked;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return error_errno(err, e, "%s", path);
    }
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        close(fd);
        return error_set(err, "refusing %s: not a regular file or directory", path);
    }
    /* Check after the open, and check that the walk ends at what was
     * opened: a link swapped in between makes the two differ. */
    if (check_walk(path, &walked, err) != 0) {
        close(fd);
        return -1;
    }
    if (walked.st_dev != st.st_dev || walked.st_ino != st.st_ino) {
        close(fd);
        return error_set(err, "refusing %s: it changed while it was being checked", path);
    }
    if (trust_check_fd(fd, path, err) != 0) {
        close(fd);
        return -1;
    }
    *fd_out = fd;
    return 0;
}

int keyring_add_file(keyring *kr, const char *path, airlock_error *err)
{
    minisign_pubkey pk;
    int fd;
    if (trust_open(path, 0, &fd, err) != 0)
        return error_prefix(err, "trusted key");
    char *text = NULL;
    size_t len;
    int rc = file_read_fd(fd, path, MINISIGN_FILE_MAX, &text, &len, err);
    close(fd);
    if (rc == 0)
        rc = minisign_pubkey_parse(text, len, path, &pk, err);
    free(text);
    if (rc != 0)
        return error_prefix(err, "trusted key");
    kr->keys = xrealloc(kr->keys, (kr->n + 1) * sizeof *kr->keys);
    kr->paths = xrealloc(kr->paths, (kr->n + 1) * sizeof *kr->paths);
    kr->keys[kr->n] = pk;
    kr->paths[kr->n] = xstrdup(path);
    kr->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int keyring_add_dir(keyring *kr, const char *dir, airlock_error *err)
{
    int fd;
    if (trust_open(dir, O_DIRECTORY, &fd, err) != 0)
        return error_prefix(err, "trusted key directory");
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        int e = errno;
        close(fd);
        return error_errno(err, e, "trusted key directory %s", dir);
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".pub") != 0)
            continue;
        names = xrealloc(names, (n + 1) * sizeof *names);
        names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    /* Sorted, so that messages come in a stable order. */
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            buf p = {0};
            buf_printf(&p, "%s/%s", dir, names[i]);
            rc = keyring_add_file(kr, p.data, err);
            buf_free(&p);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int keyring_load(keyring *kr, const char *const *files, size_t nfiles, airlock_error *err)
{
    memset(kr, 0, sizeof *kr);
    for (size_t i = 0; i < nfiles; i++)
        if (keyring_add_file(kr, files[i], err) != 0)
            goto fail;
    const char *env = getenv("AIRLOCK_TRUSTED_KEYS");
    if (env != NULL && env[0] != '\0' && keyring_add_dir(kr, env, err) != 0)
        goto fail;
    struct stat st;
    if (lstat(TRUST_SYSTEM_DIR, &st) == 0 && keyring_add_dir(kr, TRUST_SYSTEM_DIR, err) != 0)
        goto fail;
    return 0;
fail:
    keyring_free(kr);
    return -1;
}

const minisign_pubkey *keyring_find(const keyring *kr, const minisign_pubkey *pk)
{
    for (size_t i = 0; i < kr->n; i++)
        if (memcmp(&kr->keys[i], pk, sizeof *pk) == 0)
            return &kr->keys[i];
    return NULL;
}

const minisign_pubkey *keyring_next(const keyring *kr, const uint8_t keyid[MINISIGN_KEYID_BYTES],
                                    size_t *pos)
{
    for (; *pos < kr->n; (*pos)++) {
        if (memcmp(kr->keys[*pos].keyid, keyid, MINISIGN_KEYID_BYTES) == 0)
            return &kr->keys[(*pos)++];
    }
    return NULL;
}

void keyring_free(keyring *kr)
{
    for (size_t i = 0; i < kr->n; i++)
        free(kr->paths[i]);
    free(kr->paths);
    free(kr->keys);
    memset(kr, 0, sizeof *kr);
}
