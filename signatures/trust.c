#include "signatures/trust.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"

static int check_stat(const char *path, const struct stat *st, airlock_error *err)
{
    uid_t me = geteuid();
    if (st->st_uid != 0 && st->st_uid != me)
        return error_set(err, "refusing %s: owned by uid %lu, not by root or the current user",
                         path, (unsigned long)st->st_uid);
    int sticky_dir = S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX);
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !sticky_dir)
        return error_set(err, "refusing %s: writable by group or others (chmod go-w %s)", path,
                         path);
    return 0;
}

int trust_check_path(const char *path, airlock_error *err)
{
    /* Check the real file and every directory above it, as ssh's StrictModes
     * does: whoever can write any of them could swap the key. */
    char *real = realpath(path, NULL);
    if (real == NULL)
        return error_errno(err, errno, "%s", path);
    int rc = 0;
    for (;;) {
        struct stat st;
        if (stat(real, &st) != 0) {
            rc = error_errno(err, errno, "%s", real);
            break;
        }
        if (check_stat(real, &st, err) != 0) {
            rc = error_prefix(err, "%s", path);
            break;
        }
        char *slash = strrchr(real, '/');
        if (slash == NULL || slash == real) {
            if (slash != NULL && slash[1] != '\0') {
                slash[1] = '\0'; /* check "/" itself last */
                continue;
            }
            break;
        }
        *slash = '\0';
    }
    free(real);
    return rc;
}

int keyring_add_file(keyring *kr, const char *path, airlock_error *err)
{
    minisign_pubkey pk;
    if (trust_check_path(path, err) != 0 || minisign_pubkey_load(path, &pk, err) != 0)
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
    if (trust_check_path(dir, err) != 0)
        return error_prefix(err, "trusted key directory");
    DIR *d = opendir(dir);
    if (d == NULL)
        return error_errno(err, errno, "trusted key directory %s", dir);
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
