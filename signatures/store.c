#define _GNU_SOURCE /* F_OFD_SETLK */
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
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "signatures/blake2b.h"
#include "signatures/minisign.h"
#include "signatures/snapshot.h"
#include "signatures/store_digest.h"
#include "signatures/trust.h"

#define DATA_FILE "data.mdb"
#define SIG_FILE "snapshot.minisig"
#define KEY_FILE "signer.pub"
#define HASH_FILE "snapshot.b2"
#define CURRENT "current"
#define SNAPSHOTS "snapshots"
#define STAGING "staging"
#define LOCK "lock"
/* In each snapshot directory: read-locked (fcntl OFD lock) by every scan that
 * uses the snapshot, so that an import's clean-up leaves it alone. */
#define PIN_FILE "in-use"
/* In each snapshot directory: the --trusted-key files of the import that
 * installed it, absolute paths each ended by a NUL. */
#define KEYS_FILE "trusted-keys"
/* How often a scan re-reads `current` when imports remove the snapshot it
 * found before it could pin it. */
#define OPEN_TRIES 16
/* Largest snapshot file read into memory for verification. */
#define MAX_SNAPSHOT_BYTES (UINT64_C(2) << 30)
#define READ_PIECE ((size_t)1 << 20)

struct store {
    char *dir;       /* as given, for the messages of store_wait_digest() */
    char *data_path; /* handed out only once the digest matched */
    store_info info;
    /* SIG_FILE and KEY_FILE as read and verified: the paths may name other
     * files by the time someone records them (store_signature_text()). */
    char *sig_text, *key_text;
    size_t sig_len, key_len;
    int pin_fd; /* PIN_FILE, read-locked until store_close(); -1 if none */
    /* STORE_OPEN_DIGEST_LATER: the check in its thread, and its outcome. */
    store_digest digest;
    enum { DIGEST_PENDING, DIGEST_MATCHED, DIGEST_FAILED } state;
    airlock_error failure; /* the message of DIGEST_FAILED */
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

/* The name `current` points to: 0 found, 1 none installed, -1 error.
 * `dirfd` is the database directory (open_db_dir()). */
static int read_current(int dirfd, const char *dir, char **name, airlock_error *err)
{
    char target[256];
    ssize_t n = readlinkat(dirfd, CURRENT, target, sizeof target - 1);
    if (n < 0 && errno == ENOENT)
        return 1;
    if (n < 0 && errno == EINVAL)
        return error_set(err, "%s/%s: not a symlink", dir, CURRENT);
    if (n < 0)
        return error_errno(err, errno, "%s/%s", dir, CURRENT);
    target[n] = '\0';
    size_t plen = strlen(SNAPSHOTS "/");
    if (strncmp(target, SNAPSHOTS "/", plen) != 0 || !valid_name(target + plen))
        return error_set(err, "%s/%s: unexpected link target '%s'", dir, CURRENT, target);
    *name = xstrdup(target + plen);
    return 0;
}

/* Open the database directory: the rule of signatures/trust.h (owned by
 * root or the user, not writable by others, nor anything above it), so that
 * nobody else can swap `current` or plant entries. */
static int open_db_dir(const char *dir, int *fd, airlock_error *err)
{
    if (trust_open(dir, O_DIRECTORY, fd, err) == 0)
        return 0;
    int e = errno; /* ENOENT: no database (store_open() says how to make one) */
    error_prefix(err, "database directory");
    errno = e;
    return -1;
}

/* Open the entry `name` of a checked directory (`dirfd`, named `dir` in
 * messages) as a directory that passes trust_check_fd(), never through a
 * symlink. With `create`, make it first if it is missing. */
static int open_subdir(int dirfd, const char *dir, const char *name, int create, int *out,
                       airlock_error *err)
{
    *out = -1;
    if (create && mkdirat(dirfd, name, 0755) != 0 && errno != EEXIST)
        return error_errno(err, errno, "cannot create %s/%s", dir, name);
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
        return error_set(err, "refusing %s/%s: not a directory (a symlink or another file)", dir,
                         name);
    if (fd < 0)
        return error_errno(err, errno, "%s/%s", dir, name);
    buf b = {0};
    buf_printf(&b, "%s/%s", dir, name);
    int rc = trust_check_fd(fd, b.data, err);
    buf_free(&b);
    if (rc != 0) {
        close(fd);
        return -1;
    }
    *out = fd;
    return 0;
}

/* Read the regular file `name` in the directory `dirfd` (no symlinks). */
static int read_at(int dirfd, const char *dir, const char *name, size_t max, char **text,
                   size_t *len, airlock_error *err)
{
    buf b = {0};
    buf_printf(&b, "%s/%s", dir, name);
    int rc = -1;
    struct stat st;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        error_errno(err, errno, "%s", b.data);
    else if (fstat(fd, &st) != 0)
        error_errno(err, errno, "%s", b.data);
    else if (!S_ISREG(st.st_mode))
        error_set(err, "%s: not a regular file", b.data);
    else
        rc = file_read_fd(fd, b.data, max, text, len, err);
    if (fd >= 0)
        close(fd);
    buf_free(&b);
    return rc;
}

/* What an installed snapshot directory records, verified with its own key. */
typedef struct installed {
    snapshot_meta meta;
    minisign_pubkey key;
    uint8_t file_hash[MINISIGN_HASH_BYTES];
    store_info info;
    /* The bytes of SIG_FILE and KEY_FILE that verified (owned; NULL until
     * load_installed() succeeds). */
    char *sigtext, *keytext;
    size_t siglen, keylen;
} installed;

/* Free the texts; what was parsed from them stays valid. */
static void installed_free(installed *ins)
{
    free(ins->sigtext);
    free(ins->keytext);
    ins->sigtext = ins->keytext = NULL;
}

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

static int load_installed(int snapfd, const char *snapdir, installed *ins, airlock_error *err)
{
    char *sigtext = NULL, *keytext = NULL, *hashtext = NULL;
    size_t siglen, keylen, hashlen;
    minisign_sig sig = {0};
    int rc = -1;
    char *sigp = join(snapdir, SIG_FILE);
    if (read_at(snapfd, snapdir, SIG_FILE, MINISIGN_FILE_MAX, &sigtext, &siglen, err) != 0 ||
        minisign_sig_parse(sigtext, siglen, sigp, &sig, err) != 0 ||
        read_at(snapfd, snapdir, KEY_FILE, MINISIGN_FILE_MAX, &keytext, &keylen, err) != 0 ||
        minisign_pubkey_parse(keytext, keylen, KEY_FILE, &ins->key, err) != 0 ||
        read_at(snapfd, snapdir, HASH_FILE, 1024, &hashtext, &hashlen, err) != 0)
        goto out;
    if (hashlen > 0 && hashtext[hashlen - 1] == '\n')
        hashlen--;
    if (parse_hex(hashtext, hashlen, ins->file_hash, sizeof ins->file_hash) != 0) {
        error_set(err, "%s/%s: not a BLAKE2b-512 digest", snapdir, HASH_FILE);
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
    /* Keep the very bytes that verified, not a later read of the paths. */
    ins->sigtext = sigtext;
    ins->siglen = siglen;
    ins->keytext = keytext;
    ins->keylen = keylen;
    sigtext = keytext = NULL;
    rc = 0;
out:
    minisign_sig_free(&sig);
    free(sigtext);
    free(keytext);
    free(hashtext);
    free(sigp);
    return rc;
}

static int no_database(const char *dir, airlock_error *err)
{
    return error_set(err, "no vulnerability database installed in %s: run 'airlock db import "
                          "SNAPSHOT --trusted-key KEY.pub' (or use --db-dir)", dir);
}

/* Take a read lock on the snapshot directory `snapfd` (its PIN_FILE) so that
 * imports leave it alone while it is in use. Returns 0 (*pin is the locked
 * descriptor, or -1 for a snapshot installed before pins existed), 1 if an
 * import is removing or has removed the directory, -1 on error. */
static int pin_snapshot(int snapfd, const char *snapdir, int *pin, airlock_error *err)
{
    *pin = -1;
    int fd = openat(snapfd, PIN_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            return error_errno(err, errno, "%s/%s", snapdir, PIN_FILE);
        /* An import removes the pin last of all: without a pin but with a
         * signature, this is a snapshot from before pins. */
        struct stat st;
        return fstatat(snapfd, SIG_FILE, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : 1;
    }
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
    while (fcntl(fd, F_OFD_SETLKW, &fl) != 0) {
        if (errno != EINTR) {
            int e = errno;
            close(fd);
            return error_errno(err, e, "cannot lock %s/%s", snapdir, PIN_FILE);
        }
    }
    /* The import that held the write lock may have removed it meanwhile. */
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_nlink == 0) {
        close(fd);
        return 1;
    }
    *pin = fd;
    return 0;
}

/* Resolve `current`, open its snapshot directory and pin it (pin_snapshot()),
 * then load and verify what it records. An import may remove the snapshot
 * between the resolution and the pin: then `current` is read again.
 * Returns 0, 1 if none is installed, -1 on error. On success *snapdir (owned
 * by the caller) names the directory, *snapfd is it open (close it) and *pin
 * is as for pin_snapshot(). */
static int open_installed(int dirfd, const char *dir, char **snapdir, int *snapfd, int *pin,
                          installed *ins, airlock_error *err)
{
    *snapdir = NULL;
    *snapfd = -1;
    *pin = -1;
    ins->sigtext = ins->keytext = NULL;
    char *name = NULL;
    int rc = read_current(dirfd, dir, &name, err);
    if (rc != 0)
        return rc;
    int snapsfd;
    if (open_subdir(dirfd, dir, SNAPSHOTS, 0, &snapsfd, err) != 0) {
        free(name);
        return -1;
    }
    for (int tries = 1;; tries++) {
        char *path = join3(dir, SNAPSHOTS, name);
        int fd = openat(snapsfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        free(name);
        name = NULL;
        if (fd < 0 && e == ENOENT && tries < OPEN_TRIES) {
            rc = 1;
        } else if (fd < 0) {
            rc = e == ELOOP || e == ENOTDIR
                     ? error_set(err, "refusing %s: not a directory", path)
                     : error_errno(err, e, "%s", path);
        } else if (trust_check_fd(fd, path, err) != 0) {
            rc = -1;
        } else {
            rc = pin_snapshot(fd, path, pin, err);
            if (rc == 1 && tries >= OPEN_TRIES)
                rc = error_set(err, "%s: removed by imports while being opened, %d times",
                               path, OPEN_TRIES);
        }
        if (rc == 0 && load_installed(fd, path, ins, err) != 0)
            rc = -1;
        if (rc == 0) {
            *snapdir = path;
            *snapfd = fd;
            break;
        }
        if (fd >= 0)
            close(fd);
        free(path);
        if (*pin >= 0)
            close(*pin);
        *pin = -1;
        if (rc < 0)
            break;
        /* Removed under us: see where `current` points now. */
        rc = read_current(dirfd, dir, &name, err);
        if (rc != 0)
            break;
    }
    close(snapsfd);
    return rc;
}

/* The keys a scan trusts: those of $AIRLOCK_TRUSTED_KEYS and TRUST_SYSTEM_DIR,
 * and the --trusted-key files given to the import that installed the
 * snapshot (KEYS_FILE), read again now with the same checks. A recorded file
 * that no longer exists is no longer trusted; nor is one this user cannot
 * read (root's key in /root, for a user scanning root's database): the
 * user's own trusted keys may still vouch for the signer. *unreadable gets
 * the first such file's path (owned by the caller), or NULL. */
static int load_scan_keys(int snapfd, const char *snapdir, keyring *kr, char **unreadable,
                          airlock_error *err)
{
    *unreadable = NULL;
    if (keyring_load(kr, NULL, 0, err) != 0)
        return -1;
    char *text = NULL;
    size_t len;
    int fd = openat(snapfd, KEYS_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return 0; /* installed before the keys were recorded */
    int rc = fd < 0 ? error_errno(err, errno, "%s/%s", snapdir, KEYS_FILE)
                    : file_read_fd(fd, KEYS_FILE, 1 << 20, &text, &len, err);
    if (fd >= 0)
        close(fd);
    for (size_t i = 0; rc == 0 && i < len; i += strlen(text + i) + 1) {
        /* Fewer keys can only make the scan refuse: no race to fear. */
        if (faccessat(AT_FDCWD, text + i, R_OK, AT_EACCESS) != 0 &&
            (errno == ENOENT || errno == EACCES)) {
            if (errno == EACCES && *unreadable == NULL)
                *unreadable = xstrdup(text + i);
            continue;
        }
        rc = keyring_add_file(kr, text + i, err);
    }
    free(text);
    if (rc != 0)
        keyring_free(kr);
    return rc;
}

static int untrusted_signer(const char *dir, const char *key_id, const char *unreadable,
                            airlock_error *err)
{
    buf why = {0};
    if (unreadable != NULL)
        buf_printf(&why, "; the import trusted %s, which you cannot read", unreadable);
    error_set(err, "the installed database in %s was signed by key %s, which is not a "
                   "trusted key now%s (install the key in %s or the directory named by "
                   "AIRLOCK_TRUSTED_KEYS, then import again)", dir, key_id,
              why.data != NULL ? why.data : "", TRUST_SYSTEM_DIR);
    buf_free(&why);
    return -1;
}

/* The context of every failed check of an installed snapshot. */
static int fails_verification(const char *dir, airlock_error *err)
{
    return error_prefix(err, "the installed database in %s fails verification (re-import a "
                             "snapshot with 'airlock db import')", dir);
}

int store_open(const char *dir, unsigned flags, store **out, airlock_error *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return error_set(err, "cannot initialise libsodium");
    int dirfd;
    if (open_db_dir(dir, &dirfd, err) != 0)
        return errno == ENOENT ? no_database(dir, err) : -1;
    char *snapdir = NULL;
    int snapfd, pin;
    installed ins;
    int rc = open_installed(dirfd, dir, &snapdir, &snapfd, &pin, &ins, err);
    close(dirfd);
    if (rc == 1)
        return no_database(dir, err);
    if (rc != 0)
        return fails_verification(dir, err);
    /* The signer must be trusted now, not only when it was imported: one
     * comparison, since the signature already verified with this key. */
    keyring kr;
    char *unreadable = NULL;
    rc = load_scan_keys(snapfd, snapdir, &kr, &unreadable, err);
    close(snapfd);
    if (rc == 0) {
        if (keyring_find(&kr, &ins.key) == NULL)
            rc = untrusted_signer(dir, ins.info.key_id, unreadable, err);
        keyring_free(&kr);
    }
    free(unreadable);
    char *data = join(snapdir, DATA_FILE);
    free(snapdir);
    /* The size checks are cheap and always done here; the digest is
     * compared here, later (in a thread, until store_wait_digest()), or,
     * with STORE_OPEN_SKIP_DIGEST, not at all. */
    store_digest dg = {.fd = -1};
    bool skip = flags & STORE_OPEN_SKIP_DIGEST, later = (flags & STORE_OPEN_DIGEST_LATER) && !skip;
    if (rc == 0) {
        if (store_digest_open(&dg, data, &ins.meta, err) != 0 ||
            (!skip && !later && store_digest_wait(&dg, err) != 0))
            rc = fails_verification(dir, err);
        else if (skip)
            store_digest_abandon(&dg);
    }
    if (rc != 0) {
        free(data);
        installed_free(&ins);
        if (pin >= 0)
            close(pin);
        return -1;
    }
    store *s = xcalloc(1, sizeof *s);
    s->dir = xstrdup(dir);
    s->data_path = data;
    s->info = ins.info;
    s->sig_text = ins.sigtext;
    s->sig_len = ins.siglen;
    s->key_text = ins.keytext;
    s->key_len = ins.keylen;
    s->pin_fd = pin;
    s->digest = dg;
    s->state = later ? DIGEST_PENDING : DIGEST_MATCHED;
    if (later)
        store_digest_start(&s->digest); /* after the copy: the thread gets &s->digest */
    *out = s;
    return 0;
}

int store_wait_digest(store *s, airlock_error *err)
{
    if (s->state == DIGEST_PENDING) {
        airlock_error e = {{0}};
        if (store_digest_wait(&s->digest, &e) == 0) {
            s->state = DIGEST_MATCHED;
        } else {
            fails_verification(s->dir, &e);
            s->failure = e;
            s->state = DIGEST_FAILED;
        }
    }
    if (s->state == DIGEST_FAILED) {
        *err = s->failure;
        return -1;
    }
    return 0;
}

const char *store_data_path(const store *s)
{
    return s->state == DIGEST_MATCHED ? s->data_path : NULL;
}

const struct stat *store_data_identity(const store *s)
{
    return s->state == DIGEST_MATCHED ? &s->digest.opened : NULL;
}

const store_info *store_get_info(const store *s)
{
    return &s->info;
}

const char *store_signature_text(const store *s, size_t *len)
{
    *len = s->sig_len;
    return s->sig_text;
}

const char *store_signer_text(const store *s, size_t *len)
{
    *len = s->key_len;
    return s->key_text;
}

void store_close(store *s)
{
    if (s == NULL)
        return;
    store_digest_abandon(&s->digest); /* joins a check still running */
    if (s->pin_fd >= 0)
        close(s->pin_fd);
    free(s->dir);
    free(s->data_path);
    free(s->sig_text);
    free(s->key_text);
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
    if (sodium_init() < 0)
        return error_set(err, "cannot initialise libsodium");
    int dirfd;
    if (open_db_dir(dir, &dirfd, err) != 0)
        return errno == ENOENT ? no_database(dir, err) : -1;
    char *snapdir = NULL;
    int snapfd, pin;
    installed ins;
    int rc = open_installed(dirfd, dir, &snapdir, &snapfd, &pin, &ins, err);
    close(dirfd);
    if (rc == 1)
        rc = no_database(dir, err);
    else if (rc != 0)
        error_prefix(err, "%s", dir);
    /* What a scan trusts (load_scan_keys), and the files given here. */
    keyring kr = {0};
    char *unreadable = NULL;
    if (rc == 0)
        rc = load_scan_keys(snapfd, snapdir, &kr, &unreadable, err);
    for (size_t i = 0; rc == 0 && i < ntrusted_keys; i++)
        rc = keyring_add_file(&kr, trusted_keys[i], err);
    if (snapfd >= 0)
        close(snapfd);
    if (rc == 0 && keyring_find(&kr, &ins.key) == NULL)
        rc = untrusted_signer(dir, ins.info.key_id, unreadable, err);
    free(unreadable);
    keyring_free(&kr);
    if (rc == 0) {
        char *data = join(snapdir, DATA_FILE);
        rc = store_digest_check(data, &ins.meta, true, err);
        free(data);
    }
    if (rc == 0 && info != NULL)
        *info = ins.info;
    installed_free(&ins);
    if (pin >= 0)
        close(pin);
    free(snapdir);
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

/* Remove the snapshot directory `name` in `snapsfd`, unless a scan has it
 * pinned (pin_snapshot()): returns 0 removed, 1 kept because in use, -1 on
 * error. The write lock on the pin is held throughout, and the pin goes
 * last, so a scan that opens the directory meanwhile waits and then sees it
 * gone. */
static int remove_snapshot(int snapsfd, const char *name)
{
    int fd = openat(snapsfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return remove_tree_at(snapsfd, name, 0); /* not a directory: not ours */
    int pin = openat(fd, PIN_FILE, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (pin >= 0) {
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(pin, F_OFD_SETLK, &fl) != 0) {
            close(pin);
            close(fd);
            return 1;
        }
    }
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        if (pin >= 0)
            close(pin);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (strcmp(n, ".") != 0 && strcmp(n, "..") != 0 && strcmp(n, PIN_FILE) != 0 &&
            remove_tree_at(dirfd(d), n, 1) != 0)
            rc = -1;
    }
    if (rc == 0 && pin >= 0 && unlinkat(dirfd(d), PIN_FILE, 0) != 0)
        rc = -1;
    if (rc == 0 && unlinkat(snapsfd, name, AT_REMOVEDIR) != 0)
        rc = -1;
    closedir(d);
    if (pin >= 0)
        close(pin);
    return rc;
}

/* A new descriptor of the directory `fd`, to list it: a dup(2) would share
 * the reading position, so a second listing would see nothing. */
static int reopen_dir(int fd)
{
    return openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Remove every snapshot directory except `keep` (may be NULL) and those in
 * use by scans. */
static void prune_snapshots(int snapsfd, const char *dir, const char *keep, FILE *log)
{
    int fd = reopen_dir(snapsfd);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 || (keep && strcmp(n, keep) == 0))
            continue;
        int rc = remove_snapshot(snapsfd, n);
        if (rc == 1 && log != NULL)
            fprintf(log, "airlock: keeping %s/%s/%s: a running scan uses it\n", dir, SNAPSHOTS,
                    n);
        else if (rc < 0 && log != NULL)
            fprintf(log, "airlock: warning: cannot remove %s/%s/%s: %s\n", dir, SNAPSHOTS, n,
                    strerror(errno));
    }
    closedir(d);
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
    if (mkdir(path, 0755) == 0 || errno == EEXIST)
        return 0;
    return error_errno(err, errno, "cannot create %s", path);
}

/* The process holding a flock(2) on `fd`, from /proc/locks; 0 if unknown. */
static long lock_holder(int fd)
{
    struct stat st;
    FILE *f = fstat(fd, &st) == 0 ? fopen("/proc/locks", "re") : NULL;
    if (f == NULL)
        return 0;
    char line[256];
    long pid = 0;
    while (pid == 0 && fgets(line, sizeof line, f) != NULL) {
        char kind[16];
        long p;
        unsigned maj, min;
        unsigned long ino;
        if (strstr(line, "->") == NULL &&
            sscanf(line, "%*[^:]: %15s %*s %*s %ld %x:%x:%lu", kind, &p, &maj, &min, &ino) == 5 &&
            strcmp(kind, "FLOCK") == 0 && maj == major(st.st_dev) && min == minor(st.st_dev) &&
            ino == (unsigned long)st.st_ino)
            pid = p;
    }
    fclose(f);
    return pid;
}

/* Serialise imports: an exclusive flock(2) on DIR/lock, waiting at most
 * `wait_seconds`. The file is 0600, so that no other user can open it to
 * hold the lock forever (flock needs no write access). */
static int take_lock(int dirfd, const char *dir, unsigned wait_seconds, FILE *log, int *fd_out,
                     airlock_error *err)
{
    *fd_out = -1;
    char *path = join(dir, LOCK);
    int fd = openat(dirfd, LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    struct stat st;
    int rc = 0;
    if (fd < 0 && errno == ELOOP)
        rc = error_set(err, "refusing %s: a symlink", path);
    else if (fd < 0)
        rc = error_errno(err, errno, "%s", path);
    else if (fstat(fd, &st) != 0)
        rc = error_errno(err, errno, "%s", path);
    else if (!S_ISREG(st.st_mode))
        rc = error_set(err, "refusing %s: not a regular file", path);
    else if (trust_check_fd(fd, path, err) != 0)
        rc = -1;
    /* A lock file made readable by an older Airlock: others could open it. */
    else if ((st.st_mode & 077) != 0 && fchmod(fd, 0600) != 0)
        rc = error_errno(err, errno, "chmod 600 %s", path);
    if (rc == 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        long pid = lock_holder(fd);
        char who[48] = "";
        if (pid > 0)
            snprintf(who, sizeof who, " (process %ld)", pid);
        if (log != NULL && wait_seconds > 0)
            fprintf(log, "airlock: waiting up to %u s for another import into %s to finish%s\n",
                    wait_seconds, dir, who);
        struct timespec start, now, pause = {0, 50 * 1000 * 1000};
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec - start.tv_sec >= (time_t)wait_seconds) {
                rc = error_set(err, "another import%s still holds %s after %u s: giving up "
                                    "(--lock-wait SECONDS waits longer)", who, path, wait_seconds);
                break;
            }
            nanosleep(&pause, NULL);
            if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                break;
            if (errno != EWOULDBLOCK && errno != EINTR) {
                rc = error_errno(err, errno, "lock %s", path);
                break;
            }
        }
    }
    free(path);
    if (rc != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
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
    /* O_NONBLOCK: a FIFO is refused below instead of hanging the open. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
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

/* Read the signature file of a snapshot found in a directory: a regular
 * file only, since whoever can write the directory could leave a FIFO there
 * to hang the import. */
static int read_found_sig(const char *sigpath, char **text, size_t *len, airlock_error *err)
{
    int fd = open(sigpath, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    int rc = fd < 0 || fstat(fd, &st) != 0 ? error_errno(err, errno, "%s", sigpath)
             : !S_ISREG(st.st_mode) ? error_set(err, "%s: not a regular file", sigpath)
                                    : file_read_fd(fd, sigpath, MINISIGN_FILE_MAX, text, len, err);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Verify one snapshot and its signature against the keyring. With `found`
 * (a snapshot found in a directory), the signature must be a regular file. */
static int verify_candidate(const char *path, const char *sigpath, int found, const keyring *kr,
                            candidate *c, airlock_error *err)
{
    memset(c, 0, sizeof *c);
    minisign_sig sig = {0};
    size_t siglen;
    int rc = -1;
    if ((found ? read_found_sig(sigpath, &c->sigtext, &siglen, err)
               : file_read_all(sigpath, MINISIGN_FILE_MAX, &c->sigtext, &siglen, err)) != 0) {
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
        if (verify_candidate(path, sigp.data, 1, kr, &c, &e1) != 0) {
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

/* Write a new file `name` of `n` bytes in the directory `dirfd` and start
 * its writeback; the caller fsyncs the descriptor left in `*fd_out`. Started
 * together, the small files' blocks are allocated in one journal
 * transaction, which their fsyncs then share. */
static int write_small(int dirfd, const char *dir, const char *name, const char *text, size_t n,
                       mode_t mode, int *fd_out, airlock_error *err)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return error_errno(err, errno, "%s/%s", dir, name);
    ssize_t w = n > 0 ? write(fd, text, n) : 0;
    if (w < 0 || (size_t)w != n) {
        error_errno(err, w < 0 ? errno : EIO, "cannot write %s/%s", dir, name);
        close(fd);
        return -1;
    }
    /* Only a hint: fsync below is what makes the file durable. */
    if (n > 0)
        (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    *fd_out = fd;
    return 0;
}

static int fsync_dir(int fd, const char *path, airlock_error *err)
{
    return fsync(fd) != 0 && errno != EINVAL ? error_errno(err, errno, "fsync %s", path) : 0;
}

typedef struct fsync_job {
    int fd, err; /* err: errno of a failed fsync, 0 if none */
    pthread_t thread;
    int started;
} fsync_job;

static void *fsync_run(void *arg)
{
    fsync_job *j = arg;
    j->err = fsync(j->fd) != 0 && errno != EINVAL ? errno : 0;
    return NULL;
}

/* Start an fsync of every job's descriptor, each in its own thread. On this
 * virtual disk each fsync costs a cache flush of 4-8 ms however little it
 * writes; started together, the filesystem serves them with one journal
 * commit and the flushes overlap, where one after another each costs its
 * own. */
static void fsync_start(fsync_job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        jobs[i].started = pthread_create(&jobs[i].thread, NULL, fsync_run, &jobs[i]) == 0;
}

/* Wait for the fsyncs fsync_start() began (doing here any it could not
 * start). Returns the index of the first that failed (its errno in .err),
 * or -1. */
static int fsync_wait(fsync_job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].started)
            pthread_join(jobs[i].thread, NULL);
        else
            fsync_run(&jobs[i]);
    }
    for (size_t i = 0; i < n; i++)
        if (jobs[i].err != 0)
            return (int)i;
    return -1;
}

/* The descriptors of an import: the database directory and its
 * subdirectories, each opened once and checked. */
typedef struct db_fds {
    const char *dir;
    int dir_fd, snaps_fd, staging_fd;
} db_fds;

/* Write the snapshot directory in staging, then publish it. `keys` holds the
 * KEYS_FILE contents (`nkeys` bytes). */
static int install(const db_fds *db, const candidate *c, const char *keys, size_t nkeys,
                   FILE *log, airlock_error *err)
{
    char *staging = join(db->dir, STAGING), *snaps = join(db->dir, SNAPSHOTS);
    char work[32], name[64], tmplink[64];
    int rc = -1, workfd = -1, moved = 0, published = 0;
    uint8_t rnd[4];
    char rhex[9];
    int made = -1;
    for (int i = 0; i < 100 && made != 0; i++) {
        randombytes_buf(rnd, sizeof rnd);
        snapshot_hex(rnd, sizeof rnd, rhex);
        snprintf(work, sizeof work, "import.%s", rhex);
        made = mkdirat(db->staging_fd, work, 0700) == 0 ? 0 : errno;
        if (made != EEXIST)
            break;
    }
    buf wp = {0};
    buf_printf(&wp, "%s/%s", staging, work);
    if (made != 0) {
        error_errno(err, made, "cannot create a directory in %s", staging);
        goto out;
    }
    if (open_subdir(db->staging_fd, staging, work, 0, &workfd, err) != 0)
        goto out;
    if (fchmod(workfd, 0755) != 0) {
        error_errno(err, errno, "chmod %s", wp.data);
        goto out;
    }
    /* The small files first, so that their writeback overlaps with the
     * extraction; all of them were verified (the signature, its key, the
     * hash of the signed file) or are ours. */
    char hex[2 * MINISIGN_HASH_BYTES + 2];
    snapshot_hex(c->hash, MINISIGN_HASH_BYTES, hex);
    strcat(hex, "\n");
    char *pub = minisign_pubkey_format(&c->key);
    /* Writable by the owner only (PIN_FILE): a write lock needs a descriptor
     * open for writing, so others can pin a snapshot but never block a scan. */
    const struct {
        const char *name, *text;
        size_t n;
        mode_t mode;
    } small[] = {{SIG_FILE, c->sigtext, strlen(c->sigtext), 0444},
                 {KEY_FILE, pub, strlen(pub), 0444},
                 {HASH_FILE, hex, strlen(hex), 0444},
                 {KEYS_FILE, keys, nkeys, 0444},
                 {PIN_FILE, "", 0, 0644}};
    enum { NSMALL = sizeof small / sizeof *small };
    int sfd[NSMALL], wrc = 0;
    for (size_t i = 0; i < NSMALL; i++)
        sfd[i] = -1;
    for (size_t i = 0; i < NSMALL && wrc == 0; i++)
        wrc = write_small(workfd, wp.data, small[i].name, small[i].text, small[i].n,
                          small[i].mode, &sfd[i], err);
    free(pub);
    /* Their fsyncs run while the database is extracted. */
    fsync_job jobs[NSMALL];
    memset(jobs, 0, sizeof jobs);
    for (size_t i = 0; i < NSMALL; i++)
        jobs[i].fd = sfd[i];
    if (wrc == 0)
        fsync_start(jobs, NSMALL);
    /* By path, under directories that were opened and checked: only root or
     * the owner could change them, and O_EXCL follows no symlink. The
     * extraction fsyncs the database itself. */
    if (wrc == 0) {
        char *data = join(wp.data, DATA_FILE);
        int xrc = snapshot_extract(c->data, c->len, c->path, &c->meta, data, err);
        free(data);
        int bad = fsync_wait(jobs, NSMALL);
        if (xrc != 0)
            wrc = -1;
        else if (bad >= 0)
            wrc = error_errno(err, jobs[bad].err, "cannot write %s/%s", wp.data,
                              small[bad].name);
    }
    for (size_t i = 0; i < NSMALL; i++) {
        if (sfd[i] >= 0 && close(sfd[i]) != 0 && wrc == 0)
            wrc = error_errno(err, errno, "cannot write %s/%s", wp.data, small[i].name);
    }
    /* Then the directory that names them and the database: its entries
     * were mostly committed with the files, so this is short. */
    if (wrc == 0)
        wrc = fsync_dir(workfd, wp.data, err);
    if (wrc != 0)
        goto out;
    /* A unique name: re-importing the same snapshot never touches the
     * directory that `current` (or a running scan) uses. */
    randombytes_buf(rnd, sizeof rnd);
    snapshot_hex(rnd, sizeof rnd, rhex);
    snprintf(name, sizeof name, "%020" PRIu64 "-%.16s-%s", c->meta.sequence, hex, rhex);
    if (renameat(db->staging_fd, work, db->snaps_fd, name) != 0) {
        error_errno(err, errno, "cannot move the new snapshot into %s", snaps);
        goto out;
    }
    moved = 1;
    fsync_job dirs[2] = {{.fd = db->snaps_fd}, {.fd = db->staging_fd}};
    fsync_start(dirs, 2);
    int bad = fsync_wait(dirs, 2);
    if (bad >= 0) {
        error_errno(err, dirs[bad].err, "fsync %s", bad == 0 ? snaps : staging);
        goto out;
    }
    /* Publish: a new symlink renamed over `current` in one step. */
    snprintf(tmplink, sizeof tmplink, CURRENT ".tmp.%ld", (long)getpid());
    buf target = {0};
    buf_printf(&target, SNAPSHOTS "/%s", name);
    unlinkat(db->dir_fd, tmplink, 0);
    int src = symlinkat(target.data, db->dir_fd, tmplink);
    buf_free(&target);
    if (src != 0) {
        error_errno(err, errno, "cannot create %s/%s", db->dir, tmplink);
        goto out;
    }
    if (renameat(db->dir_fd, tmplink, db->dir_fd, CURRENT) != 0) {
        error_errno(err, errno, "cannot replace %s/%s", db->dir, CURRENT);
        unlinkat(db->dir_fd, tmplink, 0);
        goto out;
    }
    published = 1;
    if (fsync_dir(db->dir_fd, db->dir, err) != 0)
        goto out;
    /* Remove every other snapshot no scan is using, including what killed
     * or failed imports left. */
    prune_snapshots(db->snaps_fd, db->dir, name, log);
    rc = 0;
out:
    /* A failed import leaves nothing behind: on a full disk, an orphan
     * snapshot would keep the space the next import needs. */
    if (rc != 0 && moved && !published)
        remove_snapshot(db->snaps_fd, name);
    else if (rc != 0 && !moved)
        remove_tree_at(db->staging_fd, work, 0);
    if (workfd >= 0)
        close(workfd);
    buf_free(&wp);
    free(staging);
    free(snaps);
    return rc;
}

/* Remove leftovers of killed or failed imports: everything in staging/,
 * current.tmp.* links, and snapshots that are neither `current` (`keep`,
 * NULL if none) nor in use. */
static void clean_leftovers(const db_fds *db, const char *keep, FILE *log)
{
    int fd = reopen_dir(db->staging_fd);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            remove_tree_at(db->staging_fd, e->d_name, 0) != 0 && log != NULL)
            fprintf(log, "airlock: warning: cannot remove %s/%s/%s: %s\n", db->dir, STAGING,
                    e->d_name, strerror(errno));
    }
    if (d != NULL)
        closedir(d);
    else if (fd >= 0)
        close(fd);
    fd = reopen_dir(db->dir_fd);
    d = fd < 0 ? NULL : fdopendir(fd);
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, CURRENT ".tmp.", strlen(CURRENT ".tmp.")) == 0)
            unlinkat(db->dir_fd, e->d_name, 0);
    }
    if (d != NULL)
        closedir(d);
    else if (fd >= 0)
        close(fd);
    prune_snapshots(db->snaps_fd, db->dir, keep, log);
}

/* The KEYS_FILE contents: the --trusted-key files whose key is `key`, as
 * absolute paths (not resolved: a scan checks them as given again). */
static char *recorded_keys(const keyring *kr, size_t nfiles, const char *const *files,
                           const minisign_pubkey *key, size_t *len)
{
    buf b = {0};
    buf_reserve(&b, 1);
    char *cwd = NULL;
    /* keyring_load() adds the files first, one key each, in order. */
    for (size_t i = 0; i < nfiles && i < kr->n; i++) {
        if (memcmp(&kr->keys[i], key, sizeof *key) != 0)
            continue;
        if (files[i][0] != '/') {
            if (cwd == NULL && (cwd = getcwd(NULL, 0)) == NULL)
                continue; /* cannot record it: a scan will not trust it */
            buf_printf(&b, "%s/", cwd);
        }
        buf_puts(&b, files[i]);
        buf_putc(&b, '\0');
    }
    free(cwd);
    return buf_detach(&b, len);
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
        char *sigp = NULL;
        rc = opt->signature != NULL ? (sigp = xstrdup(opt->signature), 0)
                                    : snapshot_sig_path(source, &sigp, err);
        if (rc == 0)
            rc = verify_candidate(source, sigp, 0, &kr, &c, err);
        free(sigp);
    }
    size_t nkeys = 0;
    char *keys = rc == 0 ? recorded_keys(&kr, opt->ntrusted_keys, opt->trusted_keys, &c.key,
                                         &nkeys)
                         : NULL;
    keyring_free(&kr);
    if (rc != 0)
        return -1;

    db_fds db = {dir, -1, -1, -1};
    int lockfd = -1, oldfd = -1;
    char *old_name = NULL, *old_dir = NULL;
    rc = -1;
    if (make_dirs(dir, err) != 0 || open_db_dir(dir, &db.dir_fd, err) != 0 ||
        open_subdir(db.dir_fd, dir, SNAPSHOTS, 1, &db.snaps_fd, err) != 0 ||
        open_subdir(db.dir_fd, dir, STAGING, 1, &db.staging_fd, err) != 0 ||
        take_lock(db.dir_fd, dir, opt->lock_wait_seconds, opt->log, &lockfd, err) != 0)
        goto out;

    airlock_error e2;
    error_clear(&e2);
    int cur = read_current(db.dir_fd, dir, &old_name, &e2);
    /* Nothing in snapshots/ is removed while `current` cannot be read. */
    if (cur != -1)
        clean_leftovers(&db, cur == 0 ? old_name : NULL, opt->log);
    installed old;
    if (cur == 0) {
        old_dir = join3(dir, SNAPSHOTS, old_name);
        oldfd = openat(db.snaps_fd, old_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (oldfd < 0)
            error_errno(&e2, errno, "%s", old_dir);
        if (oldfd < 0 || load_installed(oldfd, old_dir, &old, &e2) != 0) {
            /* A damaged installation cannot enforce rollback; say so. */
            if (opt->log != NULL)
                fprintf(opt->log, "airlock: warning: the installed database is damaged (%s); "
                                  "replacing it\n", e2.msg);
        } else {
            installed_free(&old); /* its texts: only what it records is compared */
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
                   store_digest_check(data, &old.meta, true, &e2) == 0;
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
    rc = install(&db, &c, keys, nkeys, opt->log, err);
    if (rc == 0)
        fill_info(&res->installed, &c.meta, &c.key, c.hash, c.comment);
out:
    if (lockfd >= 0)
        close(lockfd);
    int fds[] = {oldfd, db.dir_fd, db.snaps_fd, db.staging_fd};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(old_name);
    free(old_dir);
    free(keys);
    candidate_free(&c);
    return rc;
}
