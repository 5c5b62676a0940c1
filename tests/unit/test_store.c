/* Tests for signatures/store and signatures/trust: directory resolution, age
 * checks, trusted-key permissions, and import/open through the API. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "db/vulndb.h"
#include "signatures/minisign.h"
#include "signatures/snapshot.h"
#include "signatures/store.h"
#include "signatures/trust.h"

static char *path_in(const char *dir, const char *name)
{
    buf p = {0};
    buf_printf(&p, "%s/%s", dir, name);
    return buf_detach(&p, NULL);
}

/* Another user racing Airlock: when open() is called on `path`, the symlink
 * `path` is first re-pointed at `before` (NULL: not), then the real open
 * runs, then it is re-pointed at `after` (NULL: not). Disarmed after one. */
static struct {
    const char *path, *before, *after;
} race;

int __real_open(const char *path, int flags, ...);

static void repoint(const char *link, const char *to)
{
    buf tmp = {0};
    buf_printf(&tmp, "%s.new", link);
    assert_int_equal(symlink(to, tmp.data), 0);
    assert_int_equal(rename(tmp.data, link), 0);
    buf_free(&tmp);
}

/* A file this process may not read: open() of `deny.path` fails with
 * `deny.err` while it is set. */
static struct {
    const char *path;
    int err;
} deny;

int __wrap_open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = (flags & O_CREAT) ? va_arg(ap, mode_t) : 0;
    va_end(ap);
    if (deny.path != NULL && strcmp(path, deny.path) == 0) {
        errno = deny.err;
        return -1;
    }
    if (race.path == NULL || strcmp(path, race.path) != 0)
        return __real_open(path, flags, mode);
    const char *link = race.path, *after = race.after;
    race.path = NULL;
    if (race.before != NULL)
        repoint(link, race.before);
    int fd = __real_open(path, flags, mode);
    if (after != NULL)
        repoint(link, after);
    return fd;
}

/* A process out of threads: while `refuse_threads` is set, pthread_create
 * fails with EAGAIN. Each call is counted. */
static int refuse_threads, thread_calls;

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);

/* The file `cut.path` is cut to `cut.size` bytes when a thread is asked
 * for, before the answer: another process truncating data.mdb between the
 * size check and the hash. Disarmed after one. */
static struct {
    const char *path;
    off_t size;
} cut;

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
    thread_calls++;
    if (cut.path != NULL) {
        assert_int_equal(truncate(cut.path, cut.size), 0);
        cut.path = NULL;
    }
    if (refuse_threads)
        return EAGAIN;
    return __real_pthread_create(t, a, fn, arg);
}

static int setup(void **state)
{
    (void)state;
    unsetenv("AIRLOCK_TRUSTED_KEYS");
    return sodium_init() < 0 ? -1 : 0;
}

static void test_resolve_dir(void **state)
{
    (void)state;
    airlock_error err;
    char *d;
    setenv("AIRLOCK_DB_DIR", "/from/env", 1);
    assert_int_equal(store_resolve_dir("/from/flag", &d, &err), 0);
    assert_string_equal(d, "/from/flag");
    free(d);
    assert_int_equal(store_resolve_dir(NULL, &d, &err), 0);
    assert_string_equal(d, "/from/env");
    free(d);
    unsetenv("AIRLOCK_DB_DIR");
    assert_int_equal(store_resolve_dir(NULL, &d, &err), 0);
    if (geteuid() == 0) {
        assert_string_equal(d, "/var/lib/airlock");
    } else {
        assert_non_null(strstr(d, "airlock"));
    }
    free(d);
}

static void test_check_age(void **state)
{
    (void)state;
    airlock_error err;
    store_info in = {.build_time = 1000000};
    int64_t days;
    assert_int_equal(store_check_age(&in, 1000000 + 86400, -1, &days, &err), 0);
    assert_int_equal(days, 1);
    assert_int_equal(store_check_age(&in, 1000000 + 8 * 86400, -1, &days, &err), 1);
    assert_non_null(strstr(err.msg, "8 days old"));
    assert_int_equal(store_check_age(&in, 1000000 + 8 * 86400, 30, &days, &err), 1);
    assert_int_equal(store_check_age(&in, 1000000 + 8 * 86400, 5, &days, &err), -1);
    assert_non_null(strstr(err.msg, "--max-db-age 5"));
    assert_int_equal(store_check_age(&in, 1000000 + 2 * 86400, 1, &days, &err), -1);
    assert_int_equal(store_check_age(&in, 1000000 - 2 * 86400, -1, &days, &err), 1);
    assert_non_null(strstr(err.msg, "future"));
}

static void test_trust_permissions(void **state)
{
    (void)state;
    airlock_error err;
    char dir[] = "/tmp/airlock-test-trust.XXXXXX";
    assert_non_null(mkdtemp(dir));
    minisign_pubkey pk;
    minisign_seckey sk;
    minisign_keygen(&pk, &sk);
    char *text = minisign_pubkey_format(&pk), *f = path_in(dir, "k.pub");
    assert_int_equal(file_write_atomic(f, text, strlen(text), 0644, &err), 0);
    keyring kr = {0};
    assert_int_equal(keyring_add_file(&kr, f, &err), 0);
    assert_non_null(keyring_find(&kr, &pk));
    keyring_free(&kr);
    chmod(f, 0664);
    assert_int_equal(keyring_add_file(&kr, f, &err), -1);
    assert_non_null(strstr(err.msg, "writable by group or others"));
    chmod(f, 0644);
    chmod(dir, 0777);
    assert_int_equal(keyring_add_dir(&kr, dir, &err), -1);
    assert_int_equal(keyring_add_file(&kr, f, &err), -1);
    chmod(dir, 01777); /* sticky, like /tmp: others cannot replace our file */
    assert_int_equal(keyring_add_file(&kr, f, &err), 0);
    keyring_free(&kr);
    /* but they can add keys to it: as a key directory it is refused */
    assert_int_equal(keyring_add_dir(&kr, dir, &err), -1);
    assert_non_null(strstr(err.msg, "sticky or not"));
    /* A symlink on the way is checked itself, and so is its target. */
    char *link = path_in(dir, "link.pub");
    assert_int_equal(symlink(f, link), 0);
    assert_int_equal(keyring_add_file(&kr, link, &err), 0);
    keyring_free(&kr);
    chmod(f, 0666);
    assert_int_equal(keyring_add_file(&kr, link, &err), -1);
    assert_non_null(strstr(err.msg, "writable by group or others"));
    chmod(f, 0644);
    if (geteuid() == 0) {
        /* Owned by another user, in a sticky directory: they can swap it. */
        assert_int_equal(lchown(link, 65534, 65534), 0);
        assert_int_equal(keyring_add_file(&kr, link, &err), -1);
        assert_non_null(strstr(err.msg, "owned by uid 65534"));
    } else {
        print_message("skipped: a symlink owned by another user (needs root)\n");
    }
    unlink(link);
    free(link);
    /* A loose directory further up is refused too (ssh's StrictModes). */
    char *sub = path_in(dir, "sub"), *subkey = path_in(dir, "sub/k.pub");
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(file_write_atomic(subkey, text, strlen(text), 0644, &err), 0);
    chmod(dir, 0777);
    assert_int_equal(keyring_add_file(&kr, subkey, &err), -1);
    assert_non_null(strstr(err.msg, "writable by group or others"));
    chmod(dir, 0700);
    assert_int_equal(keyring_add_file(&kr, subkey, &err), 0);
    keyring_free(&kr);
    unlink(subkey);
    rmdir(sub);
    free(sub);
    free(subkey);
    setenv("AIRLOCK_TRUSTED_KEYS", dir, 1);
    assert_int_equal(keyring_load(&kr, NULL, 0, &err), 0);
    assert_true(kr.n >= 1);
    keyring_free(&kr);
    setenv("AIRLOCK_TRUSTED_KEYS", "/nonexistent/airlock-keys", 1);
    assert_int_equal(keyring_load(&kr, NULL, 0, &err), -1);
    unsetenv("AIRLOCK_TRUSTED_KEYS");
    unlink(f);
    rmdir(dir);
    free(f);
    free(text);
}

/* Issue 13: the key was checked through realpath() and then opened again,
 * so a link swapped in between installed another user's key. */
static void test_trust_swapped_key(void **state)
{
    (void)state;
    airlock_error err;
    char dir[] = "/tmp/airlock-test-swap.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *good = path_in(dir, "good.pub"), *other = path_in(dir, "other.pub"),
         *loose = path_in(dir, "loose"), *evil = path_in(dir, "loose/evil.pub"),
         *link = path_in(dir, "k.pub");
    minisign_pubkey pk[3];
    minisign_seckey sk;
    const char *files[3] = {good, other, evil};
    assert_int_equal(mkdir(loose, 0755), 0);
    for (int i = 0; i < 3; i++) {
        minisign_keygen(&pk[i], &sk);
        minisign_seckey_wipe(&sk);
        char *text = minisign_pubkey_format(&pk[i]);
        assert_int_equal(file_write_atomic(files[i], text, strlen(text), 0644, &err), 0);
        free(text);
    }
    assert_int_equal(chmod(loose, 0777), 0); /* where the other user keeps their key */
    assert_int_equal(symlink(good, link), 0);
    keyring kr = {0};

    /* Swapped to the other user's key just before the open. */
    race.path = link;
    race.before = evil;
    race.after = NULL;
    assert_int_equal(keyring_add_file(&kr, link, &err), -1);
    assert_non_null(strstr(err.msg, "writable by group or others"));
    assert_null(keyring_find(&kr, &pk[2]));
    keyring_free(&kr);

    /* Swapped just after the open, to a key that passes: what was checked
     * is not what was opened. */
    repoint(link, good);
    race.path = link;
    race.before = NULL;
    race.after = other;
    assert_int_equal(keyring_add_file(&kr, link, &err), -1);
    assert_non_null(strstr(err.msg, "changed while it was being checked"));
    keyring_free(&kr);

    /* Left alone, the link is followed and checked. */
    assert_int_equal(keyring_add_file(&kr, link, &err), 0);
    assert_non_null(keyring_find(&kr, &pk[1]));
    keyring_free(&kr);

    unlink(link);
    unlink(evil);
    unlink(good);
    unlink(other);
    rmdir(loose);
    rmdir(dir);
    free(good);
    free(other);
    free(loose);
    free(evil);
    free(link);
}

/* A small real LMDB file with `n` records. */
static void make_lmdb(const char *path, int n)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 4), 0);
    assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "records", MDB_CREATE, &dbi), 0);
    for (int i = 0; i < n; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%06d", i);
        MDB_val key = {strlen(k), k}, val = {strlen(k), k};
        assert_int_equal(mdb_put(txn, dbi, &key, &val, 0), 0);
    }
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

/* With `bad_digest`, the signed db_blake2b is wrong: the signature verifies
 * but the extraction must fail. */
static void make_snapshot_as(const char *dir, const char *name, uint64_t seq, int records,
                             const minisign_seckey *sk, int bad_digest)
{
    airlock_error err;
    char *mdb = path_in(dir, "tmp.mdb"), *snap = path_in(dir, name);
    make_lmdb(mdb, records);
    snapshot_meta m = {.format = 1, .sequence = seq, .build_time = 1700000000};
    assert_int_equal(snapshot_digest_file(mdb, m.db_digest, &m.db_size, &err), 0);
    if (bad_digest)
        m.db_digest[0] ^= 1;
    FILE *fp = fopen(snap, "wb");
    assert_non_null(fp);
    assert_int_equal(snapshot_write(mdb, &m, 3, fp, snap, NULL, NULL, &err), 0);
    assert_int_equal(fclose(fp), 0);
    uint8_t hash[MINISIGN_HASH_BYTES];
    uint64_t size;
    assert_int_equal(snapshot_digest_file(snap, hash, &size, &err), 0);
    char line[512], *sig;
    snapshot_meta_format(&m, line, sizeof line);
    assert_int_equal(minisign_sign(sk, hash, line, NULL, &sig, &err), 0);
    buf p = {0};
    buf_printf(&p, "%s.minisig", snap);
    assert_int_equal(file_write_atomic(p.data, sig, strlen(sig), 0644, &err), 0);
    unlink(mdb);
    buf_free(&p);
    free(sig);
    free(mdb);
    free(snap);
}

static void make_snapshot(const char *dir, const char *name, uint64_t seq, int records,
                          const minisign_seckey *sk)
{
    make_snapshot_as(dir, name, seq, records, sk, 0);
}

static int count_entries(const char *path)
{
    DIR *d = opendir(path);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void expect_file(const char *dir, const char *name, const char *text, size_t n,
                        mode_t mode)
{
    char *p = path_in(dir, name), *got;
    size_t len;
    airlock_error err;
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, mode);
    assert_int_equal(file_read_all(p, 1 << 20, &got, &len, &err), 0);
    assert_int_equal(len, n);
    assert_memory_equal(got, text, n);
    free(got);
    free(p);
}

/* What an installed snapshot directory holds (the import writes the small
 * files before the extraction and fsyncs them during it), and that an
 * extraction that fails after they were written leaves nothing behind. */
static void test_import_layout(void **state)
{
    (void)state;
    airlock_error err;
    char dir[] = "/tmp/airlock-test-store.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *db = path_in(dir, "db"), *keyf = path_in(dir, "k.pub");
    minisign_pubkey pk;
    minisign_seckey sk;
    minisign_keygen(&pk, &sk);
    char *text = minisign_pubkey_format(&pk);
    assert_int_equal(file_write_atomic(keyf, text, strlen(text), 0644, &err), 0);
    make_snapshot(dir, "a.snap", 10, 100, &sk);
    make_snapshot_as(dir, "bad.snap", 20, 100, &sk, 1);
    char *a = path_in(dir, "a.snap"), *bad = path_in(dir, "bad.snap");
    const char *keys[] = {keyf};
    store_import_options opt = {.trusted_keys = keys, .ntrusted_keys = 1};
    store_import_result res;
    assert_int_equal(store_import(db, a, &opt, &res, &err), 0);

    store *s;
    assert_int_equal(store_open(db, 0, &s, &err), 0);
    char *snapdir = xstrdup(store_data_path(s));
    *strrchr(snapdir, '/') = '\0';
    store_close(s);
    assert_int_equal(count_entries(snapdir), 6);
    char *sigpath = path_in(dir, "a.snap.minisig"), *sig;
    size_t siglen;
    assert_int_equal(file_read_all(sigpath, 1 << 20, &sig, &siglen, &err), 0);
    expect_file(snapdir, "snapshot.minisig", sig, siglen, 0444);
    expect_file(snapdir, "signer.pub", text, strlen(text), 0444);
    uint8_t hash[MINISIGN_HASH_BYTES];
    uint64_t size;
    char hex[2 * MINISIGN_HASH_BYTES + 2];
    assert_int_equal(snapshot_digest_file(a, hash, &size, &err), 0);
    snapshot_hex(hash, sizeof hash, hex);
    strcat(hex, "\n");
    expect_file(snapdir, "snapshot.b2", hex, strlen(hex), 0444);
    expect_file(snapdir, "trusted-keys", keyf, strlen(keyf) + 1, 0444); /* NUL-ended */
    expect_file(snapdir, "in-use", "", 0, 0644);

    /* Signed, but its database does not match the signed digest. */
    assert_int_equal(store_import(db, bad, &opt, &res, &err), -1);
    assert_non_null(strstr(err.msg, "digest does not match"));
    char *staging = path_in(db, "staging"), *snaps = path_in(db, "snapshots");
    assert_int_equal(count_entries(staging), 0);
    assert_int_equal(count_entries(snaps), 1);
    assert_int_equal(store_open(db, 0, &s, &err), 0);
    assert_int_equal(store_get_info(s)->sequence, 10);
    store_close(s);

    free(staging);
    free(snaps);
    free(sig);
    free(sigpath);
    free(snapdir);
    free(a);
    free(bad);
    free(text);
    free(keyf);
    free(db);
    minisign_seckey_wipe(&sk);
    buf cmd = {0};
    buf_printf(&cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd.data), 0);
    buf_free(&cmd);
}

static void test_import_open(void **state)
{
    (void)state;
    airlock_error err;
    char dir[] = "/tmp/airlock-test-store.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *db = path_in(dir, "db"), *keyf = path_in(dir, "k.pub");
    store *s;
    assert_int_equal(store_open(db, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, "airlock db import"));

    minisign_pubkey pk;
    minisign_seckey sk;
    minisign_keygen(&pk, &sk);
    char *text = minisign_pubkey_format(&pk);
    assert_int_equal(file_write_atomic(keyf, text, strlen(text), 0644, &err), 0);
    make_snapshot(dir, "a.snap", 10, 100, &sk);
    make_snapshot(dir, "b.snap", 20, 200, &sk);
    char *a = path_in(dir, "a.snap"), *b = path_in(dir, "b.snap");
    const char *keys[] = {keyf};
    store_import_options opt = {.trusted_keys = keys, .ntrusted_keys = 1};
    store_import_result res;
    assert_int_equal(store_import(db, b, &opt, &res, &err), 0);
    assert_false(res.had_old);
    assert_int_equal(res.installed.sequence, 20);
    assert_int_equal(store_import(db, b, &opt, &res, &err), 0);
    assert_true(res.already_installed);
    assert_int_equal(store_import(db, a, &opt, &res, &err), -1);
    assert_non_null(strstr(err.msg, "sequence 10"));
    assert_non_null(strstr(err.msg, "sequence 20"));

    /* Open for scanning: the data file opens read-only with LMDB. */
    assert_int_equal(store_open(db, 0, &s, &err), 0);
    const store_info *in = store_get_info(s);
    assert_int_equal(in->sequence, 20);
    char id[17];
    minisign_keyid_hex(pk.keyid, id);
    assert_string_equal(in->key_id, id);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_stat st;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 4), 0);
    assert_int_equal(mdb_env_open(env, store_data_path(s), MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK,
                                  0444), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "records", 0, &dbi), 0);
    assert_int_equal(mdb_stat(txn, dbi, &st), 0);
    assert_int_equal(st.ms_entries, 200);
    mdb_txn_abort(txn);
    mdb_env_close(env);

    /* A scan that opened before an import keeps its database. */
    opt.allow_downgrade = true;
    assert_int_equal(store_import(db, a, &opt, &res, &err), 0);
    assert_true(res.had_old);
    assert_int_equal(res.old_sequence, 20);
    assert_int_equal(access(store_data_path(s), R_OK), 0);
    /* ... across any number of imports, until it closes: the evidence bundle
     * copies the signature beside data.mdb at the end of the scan. */
    buf sigb = {0};
    const char *slash = strrchr(store_data_path(s), '/');
    buf_append(&sigb, store_data_path(s), (size_t)(slash - store_data_path(s)));
    buf_puts(&sigb, "/snapshot.minisig");
    char *sigp = buf_detach(&sigb, NULL);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(store_import(db, i % 2 ? a : b, &opt, &res, &err), 0);
        assert_false(res.already_installed);
    }
    assert_int_equal(access(store_data_path(s), R_OK), 0);
    assert_int_equal(access(sigp, R_OK), 0);
    store_close(s);
    assert_int_equal(store_import(db, a, &opt, &res, &err), 0);
    assert_int_equal(access(sigp, F_OK), -1); /* released: the next import removes it */
    char *snaps = path_in(db, "snapshots");
    DIR *d = opendir(snaps);
    assert_non_null(d);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        entries += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(entries, 1);
    free(snaps);
    free(sigp);
    assert_int_equal(store_verify(db, keys, 1, NULL, &err), 0);
    /* verify trusts what a scan trusts: the key file the import recorded,
     * while it exists (it used to demand --trusted-key again, so a database
     * every scan accepted failed verification). */
    assert_int_equal(store_verify(db, NULL, 0, NULL, &err), 0);
    char *moved = xstrdup(keyf);
    moved[strlen(moved) - 1] = '_';
    assert_int_equal(rename(keyf, moved), 0);
    assert_int_equal(store_verify(db, NULL, 0, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "not a trusted key now"));
    assert_int_equal(store_open(db, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, "not a trusted key now"));
    const char *moved_keys[] = {moved};
    assert_int_equal(store_verify(db, moved_keys, 1, NULL, &err), 0);
    assert_int_equal(rename(moved, keyf), 0);
    free(moved);

    /* Corrupt the installed data: open fails closed; SKIP_DIGEST sees sizes only. */
    assert_int_equal(store_open(db, 0, &s, &err), 0);
    char *data = xstrdup(store_data_path(s));
    store_close(s);
    chmod(data, 0644);
    FILE *fp = fopen(data, "r+b");
    assert_non_null(fp);
    fseek(fp, 5000, SEEK_SET);
    fputc(0x55, fp);
    fclose(fp);
    assert_int_equal(store_open(db, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, "fails verification"));
    assert_int_equal(store_open(db, STORE_OPEN_SKIP_DIGEST, &s, &err), 0);
    store_close(s);
    free(data);

    free(a);
    free(b);
    free(text);
    free(keyf);
    free(db);
    minisign_seckey_wipe(&sk);
    buf cmd = {0};
    buf_printf(&cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd.data), 0);
    buf_free(&cmd);
}

/* Flip one bit of `path` at `offset`, keeping its size. */
static void flip_byte(const char *path, long offset)
{
    chmod(path, 0644);
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, offset, SEEK_SET), 0);
    int c = fgetc(fp);
    assert_true(c != EOF);
    assert_int_equal(fseek(fp, offset, SEEK_SET), 0);
    assert_int_equal(fputc(c ^ 0x01, fp), c ^ 0x01);
    assert_int_equal(fclose(fp), 0);
}

/* A database installed from a snapshot of 300 records, in a new directory. */
typedef struct installed_db {
    char dir[32];
    char *db, *data; /* the store, and its data.mdb */
    uint64_t size;
    buf bytes; /* data.mdb as installed, to put back */
} installed_db;

static void install_db(installed_db *f)
{
    airlock_error err;
    memset(f, 0, sizeof *f);
    strcpy(f->dir, "/tmp/airlock-test-store.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->db = path_in(f->dir, "db");
    char *keyf = path_in(f->dir, "k.pub"), *a = path_in(f->dir, "a.snap");
    minisign_pubkey pk;
    minisign_seckey sk;
    minisign_keygen(&pk, &sk);
    char *text = minisign_pubkey_format(&pk);
    assert_int_equal(file_write_atomic(keyf, text, strlen(text), 0644, &err), 0);
    make_snapshot(f->dir, "a.snap", 10, 300, &sk);
    const char *keys[] = {keyf};
    store_import_options opt = {.trusted_keys = keys, .ntrusted_keys = 1};
    store_import_result res;
    assert_int_equal(store_import(f->db, a, &opt, &res, &err), 0);
    store *s;
    assert_int_equal(store_open(f->db, 0, &s, &err), 0);
    f->data = xstrdup(store_data_path(s));
    store_close(s);
    f->size = res.installed.db_size;
    char *d;
    size_t n;
    assert_int_equal(file_read_all(f->data, 1 << 24, &d, &n, &err), 0);
    assert_int_equal(n, f->size);
    buf_append(&f->bytes, d, n);
    free(d);
    minisign_seckey_wipe(&sk);
    free(text);
    free(keyf);
    free(a);
}

/* data.mdb as installed again, in place (same inode). */
static void restore_db(const installed_db *f)
{
    FILE *fp = fopen(f->data, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(f->bytes.data, 1, f->bytes.len, fp), f->bytes.len);
    assert_int_equal(fclose(fp), 0);
}

static void remove_db(installed_db *f)
{
    buf cmd = {0};
    buf_printf(&cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd.data), 0);
    buf_free(&cmd);
    buf_free(&f->bytes);
    free(f->db);
    free(f->data);
}

/* store_open(STORE_OPEN_DIGEST_LATER) against a good database and a
 * damaged one (same size, one bit changed), with and without a thread. */
static void test_digest_later(void **state)
{
    (void)state;
    airlock_error err;
    installed_db f;
    install_db(&f);
    const char *db = f.db, *data = f.data, *dir = f.dir;
    store *s;
    assert_int_equal(store_open(db, 0, &s, &err), 0);
    assert_int_equal(store_wait_digest(s, &err), 0); /* at once: checked in store_open */
    store_close(s);

    /* Good: no path until the wait, the provenance at once, in a thread. */
    thread_calls = 0;
    assert_int_equal(store_open(db, STORE_OPEN_DIGEST_LATER, &s, &err), 0);
    assert_int_equal(thread_calls, 1);
    assert_null(store_data_path(s));
    assert_int_equal(store_get_info(s)->sequence, 10);
    assert_int_equal(store_wait_digest(s, &err), 0);
    assert_string_equal(store_data_path(s), data);
    assert_int_equal(store_wait_digest(s, &err), 0);
    store_close(s);
    /* Closed without waiting: the thread is joined (LSan: nothing leaks). */
    assert_int_equal(store_open(db, STORE_OPEN_DIGEST_LATER, &s, &err), 0);
    store_close(s);
    /* No thread to be had: hashed in the wait instead, never a failure. */
    refuse_threads = 1;
    assert_int_equal(store_open(db, STORE_OPEN_DIGEST_LATER, &s, &err), 0);
    assert_null(store_data_path(s));
    assert_int_equal(store_wait_digest(s, &err), 0);
    assert_non_null(store_data_path(s));
    store_close(s);
    refuse_threads = 0;

    /* Damaged, same size: the open passes (sizes, signature), the wait
     * fails with store_open()'s own message, and no path is handed out. */
    flip_byte(data, 3000);
    airlock_error sync_err;
    assert_int_equal(store_open(db, 0, &s, &sync_err), -1);
    assert_non_null(strstr(sync_err.msg, "contents do not match the signed digest"));
    assert_non_null(strstr(sync_err.msg, "fails verification"));
    for (int threads = 1; threads >= 0; threads--) {
        refuse_threads = !threads;
        assert_int_equal(store_open(db, STORE_OPEN_DIGEST_LATER, &s, &err), 0);
        assert_null(store_data_path(s));
        assert_int_equal(store_wait_digest(s, &err), -1);
        assert_string_equal(err.msg, sync_err.msg);
        assert_null(store_data_path(s));
        memset(&err, 0, sizeof err);
        assert_int_equal(store_wait_digest(s, &err), -1); /* the verdict stays */
        assert_string_equal(err.msg, sync_err.msg);
        assert_null(store_data_path(s));
        store_close(s);
        assert_int_equal(store_open(db, STORE_OPEN_DIGEST_LATER, &s, &err), 0);
        store_close(s); /* a failing check abandoned */
    }
    refuse_threads = 0;
    /* SKIP_DIGEST wins over DIGEST_LATER: sizes only, no thread. */
    thread_calls = 0;
    assert_int_equal(store_open(db, STORE_OPEN_SKIP_DIGEST | STORE_OPEN_DIGEST_LATER, &s, &err),
                     0);
    assert_int_equal(thread_calls, 0);
    assert_non_null(store_data_path(s));
    store_close(s);
    flip_byte(data, 3000); /* repaired */
    assert_int_equal(store_open(db, STORE_OPEN_DIGEST_LATER, &s, &err), 0);
    assert_int_equal(store_wait_digest(s, &err), 0);
    store_close(s);

    /* A size change fails in store_open itself, before any thread. */
    FILE *fp = fopen(data, "ab");
    assert_non_null(fp);
    fputc(0, fp);
    assert_int_equal(fclose(fp), 0);
    thread_calls = 0;
    assert_int_equal(store_open(db, STORE_OPEN_DIGEST_LATER, &s, &err), -1);
    assert_non_null(strstr(err.msg, "but the signed size is"));
    assert_int_equal(thread_calls, 0);
    assert_null(s);
    assert_int_equal(truncate(data, (off_t)f.size), 0);

    /* A link to an identical copy in place of data.mdb is refused, as a
     * link was before the file was opened without following links. */
    char *copy = path_in(dir, "copy.mdb"), *moved = path_in(dir, "moved.mdb");
    assert_int_equal(rename(data, moved), 0);
    buf cp = {0};
    buf_printf(&cp, "cp '%s' '%s'", moved, copy);
    assert_int_equal(system(cp.data), 0);
    buf_free(&cp);
    assert_int_equal(symlink(copy, data), 0);
    assert_int_equal(store_open(db, STORE_OPEN_DIGEST_LATER, &s, &err), -1);
    assert_non_null(strstr(err.msg, "not a regular file"));
    assert_int_equal(unlink(data), 0);
    assert_int_equal(rename(moved, data), 0);
    assert_int_equal(store_open(db, STORE_OPEN_DIGEST_LATER, &s, &err), 0);
    assert_int_equal(store_wait_digest(s, &err), 0);
    store_close(s);

    free(copy);
    free(moved);
    remove_db(&f);
}

/* data.mdb cut short after store_open() checked its size and before it is
 * hashed (another process truncating it, or `cp` writing over it): the wait
 * says so and hands out no path, with a thread and without. A hash read
 * through a mapping would die of SIGBUS instead. */
static void test_digest_cut_short(void **state)
{
    (void)state;
    installed_db f;
    install_db(&f);
    airlock_error err;
    store *s;
    for (int i = 0; i < 4; i++) {
        refuse_threads = i % 2;
        cut.path = f.data;
        cut.size = i < 2 ? 0 : (off_t)(f.size / 2);
        assert_int_equal(store_open(f.db, STORE_OPEN_DIGEST_LATER, &s, &err), 0);
        assert_null(cut.path); /* cut before the hash */
        assert_int_equal(store_wait_digest(s, &err), -1);
        assert_non_null(strstr(err.msg, "fails verification"));
        assert_non_null(strstr(err.msg, "but the signed size is"));
        assert_null(store_data_path(s));
        store_close(s);
        restore_db(&f);
        assert_int_equal(store_open(f.db, STORE_OPEN_DIGEST_LATER, &s, &err), 0);
        assert_int_equal(store_wait_digest(s, &err), 0);
        store_close(s);
    }
    refuse_threads = 0;
    remove_db(&f);
}

/* A valid LMDB file of 300 records at `path`, read through LMDB's own
 * descriptor; *st gets that descriptor's fstat. */
static void lmdb_readable(const char *path, struct stat *st)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_stat ms;
    int fd;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 4), 0);
    assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0), 0);
    assert_int_equal(mdb_env_get_fd(env, &fd), 0);
    assert_int_equal(fstat(fd, st), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "records", 0, &dbi), 0);
    assert_int_equal(mdb_stat(txn, dbi, &ms), 0);
    assert_int_equal(ms.ms_entries, 300);
    mdb_txn_abort(txn);
    mdb_env_close(env);
}

/* Another data.mdb renamed into place after the digest matched and before
 * LMDB opens the path again (by whoever can rename entries in the snapshot
 * directory): a valid LMDB file of the same size with other contents, or
 * an identical copy (another inode); and the hashed file changed in place.
 * vulndb_open_expect() refuses each as soon as LMDB has opened it. The
 * hashed file itself passes the identity check (it is then refused only
 * because the test's LMDB file is not an Airlock database). */
static void test_digest_swapped(void **state)
{
    (void)state;
    installed_db f;
    install_db(&f);
    airlock_error err;
    store *s;
    vulndb *db;
    struct stat st;
    char *other = path_in(f.dir, "other.mdb");
    for (int changed = 1; changed >= 0; changed--) {
        assert_int_equal(file_write_atomic(other, f.bytes.data, f.bytes.len, 0444, &err), 0);
        if (changed)
            flip_byte(other, 3000); /* in an unused part of a meta page: still valid */
        assert_int_equal(store_open(f.db, STORE_OPEN_DIGEST_LATER, &s, &err), 0);
        assert_null(store_data_identity(s)); /* not before the wait */
        assert_int_equal(store_wait_digest(s, &err), 0);
        const struct stat *id = store_data_identity(s);
        assert_non_null(id);
        assert_int_equal(vulndb_open_expect(store_data_path(s), id, &db, &err), -1);
        assert_non_null(strstr(err.msg, "not an Airlock vulnerability database"));
        assert_null(strstr(err.msg, "not the file that was verified"));

        assert_int_equal(rename(other, f.data), 0);
        lmdb_readable(store_data_path(s), &st); /* what LMDB would read unchecked */
        assert_int_equal(st.st_size, id->st_size);
        assert_true(st.st_ino != id->st_ino);
        assert_int_equal(vulndb_open_expect(store_data_path(s), id, &db, &err), -1);
        assert_non_null(strstr(err.msg, "not the file that was verified"));
        assert_non_null(strstr(err.msg, f.data));
        assert_null(db);
        store_close(s);
        /* The swapped-in file fails its own digest at the next open. */
        assert_int_equal(store_open(f.db, STORE_OPEN_DIGEST_LATER, &s, &err), 0);
        assert_int_equal(store_wait_digest(s, &err), changed ? -1 : 0);
        store_close(s);
        assert_int_equal(file_write_atomic(f.data, f.bytes.data, f.bytes.len, 0444, &err), 0);
    }

    /* Changed in place (same inode, same bytes written again) after the
     * wait: its times moved, so it is refused too. */
    assert_int_equal(store_open(f.db, STORE_OPEN_DIGEST_LATER, &s, &err), 0);
    assert_int_equal(store_wait_digest(s, &err), 0);
    struct timespec pause = {0, 20 * 1000 * 1000}; /* past the coarse clock's tick */
    nanosleep(&pause, NULL);
    restore_db(&f);
    assert_int_equal(vulndb_open_expect(store_data_path(s), store_data_identity(s), &db, &err),
                     -1);
    assert_non_null(strstr(err.msg, "not the file that was verified"));
    store_close(s);

    /* Nothing verified, nothing opened. */
    assert_int_equal(store_open(f.db, STORE_OPEN_DIGEST_LATER, &s, &err), 0);
    assert_int_equal(vulndb_open_expect(store_data_path(s), store_data_identity(s), &db, &err),
                     -1);
    assert_non_null(strstr(err.msg, "not verified"));
    assert_null(db);
    assert_int_equal(vulndb_check_file(0, "stdin", NULL, &err), -1);
    assert_non_null(strstr(err.msg, "not verified"));
    store_close(s);
    free(other);
    remove_db(&f);
}

/* data.mdb that cannot be read (EACCES: a user the file is not readable
 * to), a FIFO, a directory, a sparse file of the signed size, and a FIFO
 * renamed in after the digest matched: each is refused with a message that
 * names it, and nothing waits on a FIFO. */
static void test_digest_odd_files(void **state)
{
    (void)state;
    installed_db f;
    install_db(&f);
    airlock_error err;
    store *s;
    vulndb *db;
    deny.path = f.data;
    deny.err = EACCES;
    thread_calls = 0;
    assert_int_equal(store_open(f.db, STORE_OPEN_DIGEST_LATER, &s, &err), -1);
    deny.path = NULL;
    assert_null(s);
    assert_int_equal(thread_calls, 0);
    assert_non_null(strstr(err.msg, "fails verification"));
    assert_non_null(strstr(err.msg, f.data));
    assert_non_null(strstr(err.msg, strerror(EACCES)));

    char *moved = path_in(f.dir, "moved.mdb"), *fifo = path_in(f.dir, "fifo");
    assert_int_equal(rename(f.data, moved), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(i == 0 ? mkfifo(f.data, 0644) : mkdir(f.data, 0755), 0);
        assert_int_equal(store_open(f.db, STORE_OPEN_DIGEST_LATER, &s, &err), -1);
        assert_non_null(strstr(err.msg, "not a regular file"));
        assert_int_equal(i == 0 ? unlink(f.data) : rmdir(f.data), 0);
    }
    /* Holes of the signed size read as zeros: the digest, not the size,
     * refuses it (hashing costs what the real file's hash costs). */
    int fd = open(f.data, O_WRONLY | O_CREAT | O_EXCL, 0444);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)f.size), 0);
    assert_int_equal(close(fd), 0);
    assert_int_equal(store_open(f.db, STORE_OPEN_DIGEST_LATER, &s, &err), 0);
    assert_int_equal(store_wait_digest(s, &err), -1);
    assert_non_null(strstr(err.msg, "contents do not match the signed digest"));
    store_close(s);
    assert_int_equal(rename(moved, f.data), 0);

    assert_int_equal(store_open(f.db, STORE_OPEN_DIGEST_LATER, &s, &err), 0);
    assert_int_equal(store_wait_digest(s, &err), 0);
    assert_int_equal(mkfifo(fifo, 0644), 0);
    assert_int_equal(rename(fifo, f.data), 0);
    assert_int_equal(vulndb_open_expect(store_data_path(s), store_data_identity(s), &db, &err),
                     -1);
    assert_non_null(strstr(err.msg, "not a regular file"));
    store_close(s);
    assert_int_equal(unlink(f.data), 0);
    assert_int_equal(file_write_atomic(f.data, f.bytes.data, f.bytes.len, 0444, &err), 0);
    assert_int_equal(store_open(f.db, 0, &s, &err), 0);
    store_close(s);
    free(moved);
    free(fifo);
    remove_db(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve_dir),
        cmocka_unit_test(test_check_age),
        cmocka_unit_test(test_trust_permissions),
        cmocka_unit_test(test_trust_swapped_key),
        cmocka_unit_test(test_import_open),
        cmocka_unit_test(test_import_layout),
        cmocka_unit_test(test_digest_later),
        cmocka_unit_test(test_digest_cut_short),
        cmocka_unit_test(test_digest_swapped),
        cmocka_unit_test(test_digest_odd_files),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
