#include "signatures/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "signatures/blake2b.h"
#include "signatures/minisign.h"
#include "signatures/snapshot.h"
#include "signatures/trust.h"

#define DATA_FILE "data.mdb"
#define SIG_FILE "snapshot.minisig"
#define KEY_FILE "signer.pub"
#define HASH_FILE "snapshot.b2"
#define CURRENT "current"
#define SNAPSHOTS "snapshots"
#define STAGING "staging"
/* Largest snapshot file read into memory for verification. */
#define MAX_SNAPSHOT_BYTES (UINT64_C(2) << 30)
#define READ_PIECE ((size_t)1 << 20)

struct store {
    char *data_path;
    store_info info;
};

static char *join(const char *a, const char *b)
{
    buf p = {0};
    buf_printf(&p, "%s/%s", a, b);
    return buf_detach(&p, NULL);
}

static char *join3(const char *a, const char *b, const char *c)
{
    buf p = {0};
    buf_printf(&p, "%s/%s/%s", a, b, c);
    return buf_detach(&p, NULL);
}

int store_resolve_dir(const char *override, char **out, airlock_error *err)
{
    const char *env = getenv("AIRLOCK_DB_DIR");
    if (override != NULL && override[0] != '\0') {
        *out = xstrdup(override);
    } else if (env != NULL && env[0] != '\0') {
        *out = xstrdup(env);
    } else if (geteuid() == 0) {
        *out = xstrdup("/var/lib/airlock");
    } else {
        const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
        if (xdg != NULL && xdg[0] == '/')
            *out = join(xdg, "airlock");
        else if (home != NULL && home[0] == '/')
            *out = join(home, ".local/share/airlock");
        else
            return error_set(err, "cannot find the database directory: set HOME, "
                                  "AIRLOCK_DB_DIR or use --db-dir");
    }
    return 0;
}

/* ---- the installed snapshot ---- */

/* Snapshot directory names: digits, hex and '-' only. */
static int valid_name(const char *s)
{
    if (s[0] == '\0' || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || *s == '-'))
            return 0;
    return 1;
}

/* The name `current` points to: 0 found, 1 none installed, -1 error. */
static int read_current(const char *dir, char **name, airlock_error *err)
{
    char *link = join(dir, CURRENT);
    char target[256];
    ssize_t n = readlink(link, target, sizeof target - 1);
    int e = errno;
    free(link);
    if (n < 0 && (e == ENOENT || e == ENOTDIR))
        return 1;
    if (n < 0)
        return error_errno(err, e, "%s/%s", dir, CURRENT);
    target[n] = '\0';
    size_t plen = strlen(SNAPSHOTS "/");
    if (strncmp(target, SNAPSHOTS "/", plen) != 0 || !valid_name(target + plen))
        return error_set(err, "%s/%s: unexpected link target '%s'", dir, CURRENT, target);
    *name = xstrdup(target + plen);
    return 0;
}

/* What an installed snapshot directory records, verified with its own key. */
typedef struct installed {
    snapshot_meta meta;
    minisign_pubkey key;
    uint8_t file_hash[MINISIGN_HASH_BYTES];
    store_info info;
} installed;

static int parse_hex(const char *s, size_t n, uint8_t *out, size_t outlen)
{
    if (n != 2 * outlen)
        return -1;
    for (size_t i = 0; i < outlen; i++) {
        unsigned v = 0;
        for (int j = 0; j < 2; j++) {
            char c = s[2 * i + (size_t)j];
            unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                         : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;
            if (d > 15)
                return -1;
            v = v * 16 + d;
        }
        out[i] = (uint8_t)v;
    }
    return 0;
}

static void fill_info(store_info *info, const snapshot_meta *m, const minisign_pubkey *key,
                      const uint8_t file_hash[MINISIGN_HASH_BYTES], const char *comment)
{
    memset(info, 0, sizeof *info);
    info->format = m->format;
    info->sequence = m->sequence;
    info->build_time = m->build_time;
    info->db_size = m->db_size;
    snapshot_hex(m->db_digest, SNAPSHOT_DIGEST_BYTES, info->db_digest);
    snapshot_hex(file_hash, MINISIGN_HASH_BYTES, info->snapshot_digest);
    minisign_keyid_hex(key->keyid, info->key_id);
    snprintf(info->trusted_comment, sizeof info->trusted_comment, "%s", comment);
}

static int load_installed(const char *snapdir, installed *ins, airlock_error *err)
{
    char *sigp = join(snapdir, SIG_FILE), *keyp = join(snapdir, KEY_FILE),
         *hashp = join(snapdir, HASH_FILE);
    char *sigtext = NULL, *hashtext = NULL;
    size_t siglen, hashlen;
    minisign_sig sig = {0};
    int rc = -1;
    if (file_read_all(sigp, MINISIGN_FILE_MAX, &sigtext, &siglen, err) != 0 ||
        minisign_sig_parse(sigtext, siglen, sigp, &sig, err) != 0 ||
        minisign_pubkey_load(keyp, &ins->key, err) != 0 ||
        file_read_all(hashp, 1024, &hashtext, &hashlen, err) != 0)
        goto out;
    if (hashlen > 0 && hashtext[hashlen - 1] == '\n')
        hashlen--;
    if (parse_hex(hashtext, hashlen, ins->file_hash, sizeof ins->file_hash) != 0) {
        error_set(err, "%s: not a BLAKE2b-512 digest", hashp);
        goto out;
    }
    if (minisign_sig_verify(&sig, &ins->key, ins->file_hash, err) != 0) {
        error_prefix(err, "%s", sigp);
        goto out;
    }
    if (snapshot_meta_parse(sig.trusted_comment, strlen(sig.trusted_comment), sigp, &ins->meta,
                            err) != 0)
        goto out;
    fill_info(&ins->info, &ins->meta, &ins->key, ins->file_hash, sig.trusted_comment);
    rc = 0;
out:
    minisign_sig_free(&sig);
    free(sigtext);
    free(hashtext);
    free(sigp);
    free(keyp);
    free(hashp);
    return rc;
}

/* The data file must have the signed size and (unless skipped) digest. */
static int check_data(const char *path, const snapshot_meta *m, int digest, airlock_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return error_errno(err, errno, "%s", path);
    if (!S_ISREG(st.st_mode))
        return error_set(err, "%s: not a regular file", path);
    if ((uint64_t)st.st_size != m->db_size)
        return error_set(err, "%s: %lld bytes, but the signed size is %" PRIu64, path,
                         (long long)st.st_size, m->db_size);
    if (!digest)
        return 0;
    uint8_t d[SNAPSHOT_DIGEST_BYTES];
    uint64_t size;
    if (snapshot_digest_file(path, d, &size, err) != 0)
        return -1;
    if (size != m->db_size || sodium_memcmp(d, m->db_digest, sizeof d) != 0)
        return error_set(err, "%s: contents do not match the signed digest", path);
    return 0;
}

static int no_database(const char *dir, airlock_error *err)
{
    return error_set(err, "no vulnerability database installed in %s: run 'airlock db import "
                          "SNAPSHOT --trusted-key KEY.pub' (or use --db-dir)", dir);
}

/* Resolve and load the installed snapshot: 0, 1 if none, -1 on error. */
static int open_installed(const char *dir, char **snapdir, installed *ins, airlock_error *err)
{
    char *name = NULL;
    int rc = read_current(dir, &name, err);
    if (rc != 0)
        return rc;
    *snapdir = join3(dir, SNAPSHOTS, name);
    free(name);
    if (load_installed(*snapdir, ins, err) != 0) {
        free(*snapdir);
        *snapdir = NULL;
        return -1;
    }
    return 0;
}

int store_open(const char *dir, unsigned flags, store **out, airlock_error *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return error_set(err, "cannot initialise libsodium");
    char *snapdir = NULL;
    installed ins;
    int rc = open_installed(dir, &snapdir, &ins, err);
    if (rc == 1)
        return no_database(dir, err);
    if (rc != 0)
        return error_prefix(err, "the installed database in %s fails verification (re-import "
                                 "a snapshot with 'airlock db import')", dir);
    char *data = join(snapdir, DATA_FILE);
    free(snapdir);
    if (check_data(data, &ins.meta, !(flags & STORE_OPEN_SKIP_DIGEST), err) != 0) {
        free(data);
        return error_prefix(err, "the installed database in %s fails verification (re-import "
                                 "a snapshot with 'airlock db import')", dir);
    }
    store *s = xcalloc(1, sizeof *s);
    s->data_path = data;
    s->info = ins.info;
    *out = s;
    return 0;
}

const char *store_data_path(const store *s)
{
    return s->data_path;
}

const store_info *store_get_info(const store *s)
{
    return &s->info;
}

void store_close(store *s)
{
    if (s == NULL)
        return;
    free(s->data_path);
    free(s);
}

int store_check_age(const store_info *info, int64_t now, int max_age_days, int64_t *age_days,
                    airlock_error *err)
{
    int64_t age = now - info->build_time;
    int64_t days = age >= 0 ? age / 86400 : -((-age) / 86400);
    if (age_days != NULL)
        *age_days = days;
    if (max_age_days >= 0 && age > (int64_t)max_age_days * 86400) {
        error_set(err, "the vulnerability database is %" PRId64 " days old, more than "
                       "--max-db-age %d: import a newer snapshot with 'airlock db import'",
                  days, max_age_days);
        return -1;
    }
    if (age > (int64_t)STORE_WARN_AGE_DAYS * 86400) {
        error_set(err, "the vulnerability database is %" PRId64 " days old: import a newer "
                       "snapshot with 'airlock db import'", days);
        return 1;
    }
    if (age < -3600) {
        error_set(err, "the vulnerability database was built in the future (is the clock "
                       "right?)");
        return 1;
    }
    return 0;
}

int store_verify(const char *dir, const char *const *trusted_keys, size_t ntrusted_keys,
                 store_info *info, airlock_error *err)
{
    keyring kr;
    if (sodium_init() < 0)
        return error_set(err, "cannot initialise libsodium");
    if (keyring_load(&kr, trusted_keys, ntrusted_keys, err) != 0)
        return -1;
    char *snapdir = NULL;
    installed ins;
    int rc = open_installed(dir, &snapdir, &ins, err);
    if (rc == 1)
        rc = no_database(dir, err);
    else if (rc != 0)
        error_prefix(err, "%s", dir);
    if (rc == 0 && keyring_find(&kr, &ins.key) == NULL)
        rc = error_set(err, "%s: the installed snapshot was signed by key %s, which is no longer "
                            "trusted (pass --trusted-key, set AIRLOCK_TRUSTED_KEYS or install "
                            "the key in %s)", dir, ins.info.key_id, TRUST_SYSTEM_DIR);
    if (rc == 0) {
        char *data = join(snapdir, DATA_FILE);
        rc = check_data(data, &ins.meta, 1, err);
        free(data);
    }
    if (rc == 0 && info != NULL)
        *info = ins.info;
    free(snapdir);
    keyring_free(&kr);
    return rc;
}

/* ---- import ---- */

/* Remove a directory tree that an import made (no symlinks are followed). */
static int remove_tree_at(int parent, const char *name, int depth)
{
    if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
        return 0;
    if ((errno != EISDIR && errno != EPERM) || depth > 4)
        return -1;
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (remove_tree_at(fd, e->d_name, depth + 1) != 0)
            rc = -1;
    }
    closedir(d);
    if (rc == 0 && unlinkat(parent, name, AT_REMOVEDIR) != 0)
        rc = -1;
    return rc;
}

static int remove_tree(const char *path)
{
    return remove_tree_at(AT_FDCWD, path, 0);
}

/* Remove every entry of `dir` except `keep1` and `keep2` (either may be NULL). */
static void prune_dir(const char *dir, const char *keep1, const char *keep2, FILE *log)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 || (keep1 && strcmp(n, keep1) == 0) ||
            (keep2 && strcmp(n, keep2) == 0))
            continue;
        if (remove_tree_at(fd, n, 0) != 0 && log != NULL)
            fprintf(log, "airlock: warning: cannot remove %s/%s: %s\n", dir, n, strerror(errno));
    }
    closedir(d);
}

static int make_dir(const char *path, airlock_error *err)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST)
        return 0;
    return error_errno(err, errno, "cannot create %s", path);
}

/* mkdir -p for the database directory itself. */
static int make_dirs(const char *path, airlock_error *err)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            int e = errno;
            error_errno(err, e, "cannot create %s", p);
            free(p);
            return -1;
        }
        *s = '/';
    }
    free(p);
    return make_dir(path, err);
}

static int take_lock(const char *dir, FILE *log, int *fd_out, airlock_error *err)
{
    char *path = join(dir, "lock");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        error_errno(err, errno, "%s", path);
        free(path);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (log != NULL)
            fprintf(log, "airlock: waiting for another import into %s to finish\n", dir);
        while (flock(fd, LOCK_EX) != 0) {
            if (errno != EINTR) {
                error_errno(err, errno, "lock %s", path);
                close(fd);
                free(path);
                return -1;
            }
        }
    }
    free(path);
    *fd_out = fd;
    return 0;
}

/* A verified candidate snapshot, held in memory so that what was verified is
 * exactly what gets decompressed. */
typedef struct candidate {
    char *path;
    uint8_t *data; /* an anonymous mapping of `cap` bytes */
    size_t len, cap;
    uint8_t hash[MINISIGN_HASH_BYTES];
    snapshot_meta meta;
    minisign_pubkey key;
    char *sigtext;
    char *comment;
} candidate;

static void candidate_free(candidate *c)
{
    free(c->path);
    if (c->data != NULL)
        munmap(c->data, c->cap);
    free(c->sigtext);
    free(c->comment);
    memset(c, 0, sizeof *c);
}

/* Memory for a whole snapshot. Huge pages where the kernel allows them:
 * faulting in a fresh 100 MB buffer a page at a time costs more than
 * reading the file into it. */
static uint8_t *snapshot_buffer(size_t cap)
{
    void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, cap, MADV_HUGEPAGE);
#endif
    return p;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
#define POPULATE_PIECE ((size_t)8 << 20)

typedef struct populate_job {
    uint8_t *data;
    size_t cap;
} populate_job;

/* Fault the buffer in from its end backwards while the reader fills it from
 * the start: on a virtual machine the first touch of memory the host has not
 * backed yet can cost more than reading and hashing the file. Pages the
 * reader has already touched are passed over cheaply. */
static void *populate_run(void *arg)
{
    const populate_job *j = arg;
    size_t end = j->cap & ~(size_t)4095;
    while (end > 0) {
        size_t start = end > POPULATE_PIECE ? end - POPULATE_PIECE : 0;
        if (madvise(j->data + start, end - start, MADV_POPULATE_WRITE) != 0)
            break; /* not supported: the reader faults the pages in */
        end = start;
    }
    return NULL;
}

/* Read the whole file, hashing it; nothing else is looked at. It is read a
 * megabyte at a time so that each piece is hashed while still in cache. */
static int read_snapshot(const char *path, candidate *c, airlock_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return error_errno(err, errno, "%s", path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return error_errno(err, e, "%s", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return error_set(err, "%s: not a regular file", path);
    }
    if (st.st_size == 0 || (uint64_t)st.st_size > MAX_SNAPSHOT_BYTES) {
        close(fd);
        return error_set(err, "%s: %s (%lld bytes)", path,
                         st.st_size == 0 ? "empty file" : "too large for a snapshot",
                         (long long)st.st_size);
    }
    size_t size = (size_t)st.st_size, got = 0, cap = size + 1;
    uint8_t *data = snapshot_buffer(cap);
    if (data == NULL) {
        int e = errno;
        close(fd);
        return error_errno(err, e, "%s: cannot hold %zu bytes in memory", path, size);
    }
    populate_job job = {data, cap};
    pthread_t populator;
    int populating = pthread_create(&populator, NULL, populate_run, &job) == 0;
    blake2b_state hs;
    blake2b_init(&hs, MINISIGN_HASH_BYTES);
    int rc = 0;
    for (;;) {
        size_t want = cap - got < READ_PIECE ? cap - got : READ_PIECE;
        ssize_t n = read(fd, data + got, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = error_errno(err, errno, "%s", path);
            break;
        }
        if (n == 0)
            break;
        blake2b_update(&hs, data + got, (size_t)n);
        got += (size_t)n;
        if (got > size) {
            rc = error_set(err, "%s: changed while being read", path);
            break;
        }
    }
    close(fd);
    if (populating)
        pthread_join(populator, NULL);
    blake2b_final(&hs, c->hash);
    if (rc == 0 && got != size)
        rc = error_set(err, "%s: changed while being read", path);
    if (rc != 0) {
        munmap(data, cap);
        return -1;
    }
    c->data = data;
    c->len = size;
    c->cap = cap;
    return 0;
}

/* Verify one snapshot and its signature against the keyring. */
static int verify_candidate(const char *path, const char *sigpath, const keyring *kr,
                            candidate *c, airlock_error *err)
{
    memset(c, 0, sizeof *c);
    minisign_sig sig = {0};
    size_t siglen;
    int rc = -1;
    if (file_read_all(sigpath, MINISIGN_FILE_MAX, &c->sigtext, &siglen, err) != 0) {
        if (access(sigpath, F_OK) != 0)
            error_set(err, "%s: no signature (expected %s)", path, sigpath);
        goto out;
    }
    if (minisign_sig_parse(c->sigtext, siglen, sigpath, &sig, err) != 0)
        goto out;
    char id[17];
    minisign_keyid_hex(sig.keyid, id);
    size_t pos = 0;
    const minisign_pubkey *key = keyring_next(kr, sig.keyid, &pos);
    if (key == NULL) {
        error_set(err, "%s: signed by key %s, which is not a trusted key", path, id);
        goto out;
    }
    if (read_snapshot(path, c, err) != 0)
        goto out;
    /* Several trusted keys may share an id: any one that verifies will do. */
    for (; key != NULL; key = keyring_next(kr, sig.keyid, &pos)) {
        if (minisign_sig_verify(&sig, key, c->hash, err) == 0)
            break;
    }
    if (key == NULL) {
        error_prefix(err, "%s", path);
        goto out;
    }
    c->key = *key;
    if (snapshot_meta_parse(sig.trusted_comment, strlen(sig.trusted_comment), sigpath, &c->meta,
                            err) != 0)
        goto out;
    c->comment = sig.trusted_comment;
    sig.trusted_comment = NULL;
    c->path = xstrdup(path);
    rc = 0;
out:
    minisign_sig_free(&sig);
    if (rc != 0)
        candidate_free(c);
    return rc;
}

/* Is `a` newer than `b`? */
static int newer(const candidate *a, const candidate *b)
{
    if (a->meta.sequence != b->meta.sequence)
        return a->meta.sequence > b->meta.sequence;
    return a->meta.build_time > b->meta.build_time;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every SNAPSHOT with a SNAPSHOT.minisig in `dir`: keep the newest valid. */
static int pick_from_dir(const char *dir, const keyring *kr, FILE *log, candidate *best,
                         airlock_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return error_errno(err, errno, "%s", dir);
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 8 && strcmp(e->d_name + len - 8, ".minisig") == 0) {
            names = xrealloc(names, (n + 1) * sizeof *names);
            names[n++] = xstrndup(e->d_name, len - 8);
        }
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    memset(best, 0, sizeof *best);
    size_t rejected = 0;
    for (size_t i = 0; i < n; i++) {
        char *path = join(dir, names[i]);
        buf sigp = {0};
        buf_printf(&sigp, "%s.minisig", path);
        candidate c;
        airlock_error e1;
        error_clear(&e1);
        if (verify_candidate(path, sigp.data, kr, &c, &e1) != 0) {
            rejected++;
            if (log != NULL)
                fprintf(log, "airlock: skipping %s\n", e1.msg);
        } else if (best->data == NULL || newer(&c, best)) {
            candidate_free(best);
            *best = c;
        } else {
            candidate_free(&c);
        }
        buf_free(&sigp);
        free(path);
        free(names[i]);
    }
    free(names);
    if (best->data == NULL)
        return error_set(err, "%s: no valid signed snapshot found (%zu rejected)", dir, rejected);
    return 0;
}

static int write_small(const char *path, const char *text, airlock_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (fd < 0)
        return error_errno(err, errno, "%s", path);
    size_t n = strlen(text);
    ssize_t w = write(fd, text, n);
    int rc = 0;
    if (w < 0 || (size_t)w != n || fsync(fd) != 0)
        rc = error_errno(err, w < 0 || (size_t)w == n ? errno : EIO, "cannot write %s", path);
    if (close(fd) != 0 && rc == 0)
        rc = error_errno(err, errno, "cannot write %s", path);
    return rc;
}

static int fsync_dir(const char *path, airlock_error *err)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return error_errno(err, errno, "%s", path);
    int rc = fsync(fd) != 0 && errno != EINVAL ? error_errno(err, errno, "fsync %s", path) : 0;
    close(fd);
    return rc;
}

/* Write the snapshot directory in staging, then publish it. */
static int install(const char *dir, const candidate *c, const char *old_name, FILE *log,
                   airlock_error *err)
{
    char *staging = join(dir, STAGING), *snaps = join(dir, SNAPSHOTS);
    char *work = join(staging, "import.XXXXXX");
    char *data = NULL, *final = NULL, *tmplink = NULL, *current = join(dir, CURRENT);
    char name[64];
    int rc = -1;
    if (mkdtemp(work) == NULL) {
        error_errno(err, errno, "cannot create a directory in %s", staging);
        goto out;
    }
    chmod(work, 0755);
    data = join(work, DATA_FILE);
    if (snapshot_extract(c->data, c->len, c->path, &c->meta, data, err) != 0)
        goto out;
    char hex[2 * MINISIGN_HASH_BYTES + 2];
    snapshot_hex(c->hash, MINISIGN_HASH_BYTES, hex);
    strcat(hex, "\n");
    char *pub = minisign_pubkey_format(&c->key);
    char *p1 = join(work, SIG_FILE), *p2 = join(work, KEY_FILE), *p3 = join(work, HASH_FILE);
    int wrc = write_small(p1, c->sigtext, err);
    if (wrc == 0)
        wrc = write_small(p2, pub, err);
    if (wrc == 0)
        wrc = write_small(p3, hex, err);
    free(pub);
    free(p1);
    free(p2);
    free(p3);
    if (wrc != 0 || fsync_dir(work, err) != 0)
        goto out;
    /* A unique name: re-importing the same snapshot never touches the
     * directory that `current` (or a running scan) uses. */
    uint8_t rnd[4];
    randombytes_buf(rnd, sizeof rnd);
    char rhex[9];
    snapshot_hex(rnd, sizeof rnd, rhex);
    snprintf(name, sizeof name, "%020" PRIu64 "-%.16s-%s", c->meta.sequence, hex, rhex);
    final = join(snaps, name);
    if (rename(work, final) != 0) {
        error_errno(err, errno, "cannot move the new snapshot into %s", snaps);
        goto out;
    }
    if (fsync_dir(snaps, err) != 0 || fsync_dir(staging, err) != 0)
        goto out;
    /* Publish: a new symlink renamed over `current` in one step. */
    buf t = {0};
    buf_printf(&t, "%s.tmp.%ld", current, (long)getpid());
    tmplink = buf_detach(&t, NULL);
    buf target = {0};
    buf_printf(&target, SNAPSHOTS "/%s", name);
    unlink(tmplink);
    int src = symlink(target.data, tmplink);
    buf_free(&target);
    if (src != 0) {
        error_errno(err, errno, "cannot create %s", tmplink);
        goto out;
    }
    if (rename(tmplink, current) != 0) {
        error_errno(err, errno, "cannot replace %s", current);
        unlink(tmplink);
        goto out;
    }
    if (fsync_dir(dir, err) != 0)
        goto out;
    /* Keep the new and the previous snapshot (a scan may have just resolved
     * it); remove everything else, including what killed imports left. */
    prune_dir(snaps, name, old_name, log);
    rc = 0;
out:
    if (rc != 0 && work != NULL)
        remove_tree(work);
    free(staging);
    free(snaps);
    free(work);
    free(data);
    free(final);
    free(tmplink);
    free(current);
    return rc;
}

/* Remove leftovers of killed imports: staging/ and current.tmp.* links. */
static void clean_leftovers(const char *dir, FILE *log)
{
    char *staging = join(dir, STAGING);
    prune_dir(staging, NULL, NULL, log);
    free(staging);
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, CURRENT ".tmp.", strlen(CURRENT ".tmp.")) == 0)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

int store_import(const char *dir, const char *source, const store_import_options *opt,
                 store_import_result *res, airlock_error *err)
{
    memset(res, 0, sizeof *res);
    if (sodium_init() < 0)
        return error_set(err, "cannot initialise libsodium");
    keyring kr;
    if (keyring_load(&kr, opt->trusted_keys, opt->ntrusted_keys, err) != 0)
        return -1;
    if (kr.n == 0) {
        keyring_free(&kr);
        return error_set(err, "no trusted keys: pass --trusted-key PUBFILE, or put keys in %s/ "
                              "or in the directory named by AIRLOCK_TRUSTED_KEYS", TRUST_SYSTEM_DIR);
    }
    candidate c;
    memset(&c, 0, sizeof c);
    int rc;
    struct stat st;
    if (stat(source, &st) != 0) {
        rc = error_errno(err, errno, "%s", source);
    } else if (S_ISDIR(st.st_mode)) {
        rc = opt->signature != NULL
                 ? error_set(err, "%s: --signature names the signature of one snapshot file, "
                                  "not of a directory", source)
                 : pick_from_dir(source, &kr, opt->log, &c, err);
    } else {
        buf sigp = {0};
        if (opt->signature != NULL)
            buf_puts(&sigp, opt->signature);
        else
            buf_printf(&sigp, "%s.minisig", source);
        rc = verify_candidate(source, sigp.data, &kr, &c, err);
        buf_free(&sigp);
    }
    keyring_free(&kr);
    if (rc != 0)
        return -1;

    int lockfd = -1;
    char *staging = join(dir, STAGING), *snaps = join(dir, SNAPSHOTS);
    char *old_name = NULL, *old_dir = NULL;
    if (make_dirs(dir, err) != 0 || make_dir(snaps, err) != 0 || make_dir(staging, err) != 0 ||
        take_lock(dir, opt->log, &lockfd, err) != 0) {
        rc = -1;
        goto out;
    }
    clean_leftovers(dir, opt->log);

    airlock_error e2;
    error_clear(&e2);
    int cur = read_current(dir, &old_name, &e2);
    installed old;
    if (cur == 0) {
        old_dir = join(snaps, old_name);
        if (load_installed(old_dir, &old, &e2) != 0) {
            /* A damaged installation cannot enforce rollback; say so. */
            if (opt->log != NULL)
                fprintf(opt->log, "airlock: warning: the installed database is damaged (%s); "
                                  "replacing it\n", e2.msg);
        } else {
            res->had_old = true;
            res->old_sequence = old.meta.sequence;
        }
    } else if (cur < 0 && opt->log != NULL) {
        fprintf(opt->log, "airlock: warning: %s\n", e2.msg);
    }
    if (res->had_old) {
        char *data = join(old_dir, DATA_FILE);
        int same = sodium_memcmp(old.file_hash, c.hash, sizeof c.hash) == 0 &&
                   snapshot_meta_equal(&old.meta, &c.meta) &&
                   check_data(data, &old.meta, 1, &e2) == 0;
        free(data);
        if (same) {
            res->already_installed = true;
            res->installed = old.info;
            rc = 0;
            goto out;
        }
        if (c.meta.sequence < old.meta.sequence && !opt->allow_downgrade) {
            rc = error_set(err, "%s: refusing to downgrade: its sequence %" PRIu64 " is older "
                                "than the installed sequence %" PRIu64 " (--allow-downgrade "
                                "to force)", c.path, c.meta.sequence, old.meta.sequence);
            goto out;
        }
    }
    rc = install(dir, &c, old_name, opt->log, err);
    if (rc == 0)
        fill_info(&res->installed, &c.meta, &c.key, c.hash, c.comment);
out:
    if (lockfd >= 0)
        close(lockfd);
    free(old_name);
    free(old_dir);
    free(staging);
    free(snaps);
    candidate_free(&c);
    return rc;
}
