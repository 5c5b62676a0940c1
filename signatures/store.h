/*
 * store.h - the installed database: where it lives, importing a signed
 * snapshot into it, and opening it for scanning.
 *
 * Layout of a database directory DIR (see docs/snapshot-format.md):
 *
 *   DIR/lock                       flock(2)ed by imports, so they serialise
 *                                  (0600: others cannot hold it)
 *   DIR/current -> snapshots/NAME  symlink, replaced with rename(2)
 *   DIR/snapshots/NAME/            one immutable directory per snapshot:
 *       data.mdb                   the LMDB data file (read-only, 0444)
 *       snapshot.minisig           the signature as it was imported
 *       signer.pub                 the trusted key that verified it
 *       snapshot.b2                BLAKE2b-512 of the snapshot file (hex)
 *       trusted-keys               the import's --trusted-key files that hold
 *                                  the signer key (absolute paths, NUL-ended)
 *       in-use                     read-locked by each scan using the snapshot
 *   DIR/staging/                   work area of imports; a later import
 *                                  removes what a killed one left
 *
 * DIR itself must pass trust_open() (signatures/trust.h): nobody but root
 * or its owner can write it. Its entries are opened relative to it without
 * following symlinks, and refused if they are not what they should be.
 *
 * A new snapshot is decompressed, checked and fsynced in staging/, renamed
 * into snapshots/ and only then published by swapping `current`. A reader
 * resolves `current` once (store_open), read-locks that snapshot's in-use
 * file and uses that directory only, so a scan that runs during imports
 * sees one database, never a mix, for as long as it runs: imports remove
 * only snapshot directories that no scan holds.
 *
 * Fail closed: store_open() refuses a missing database (the message says to
 * run `airlock db import`) and one that fails its checks.
 */
#ifndef AIRLOCK_STORE_H
#define AIRLOCK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "core/error.h"

/* Scans warn when the database is older than this many days. */
#define STORE_WARN_AGE_DAYS 7

/* The provenance of an installed snapshot. All of it was covered by the
 * signature at import time. */
typedef struct store_info {
    uint32_t format;            /* snapshot format version */
    uint64_t sequence;          /* rollback counter */
    int64_t build_time;         /* seconds since the epoch (UTC) */
    uint64_t db_size;           /* bytes of data.mdb */
    char db_digest[129];        /* BLAKE2b-512 of data.mdb, lowercase hex */
    char snapshot_digest[129];  /* BLAKE2b-512 of the snapshot file (b2sum) */
    char key_id[17];            /* signer key id, uppercase hex as minisign prints it */
    char trusted_comment[1024]; /* the signed comment, as signed (truncated if longer) */
} store_info;

/* An opened installed database (opaque). */
typedef struct store store;

/* Resolve the database directory into a new string (*out, owned by the
 * caller): `override` (--db-dir) if not NULL, else $AIRLOCK_DB_DIR, else
 * /var/lib/airlock for root, else $XDG_DATA_HOME/airlock, else
 * ~/.local/share/airlock. Does not create it. */
int store_resolve_dir(const char *override, char **out, airlock_error *err);

/* Flags for store_open(). */
#define STORE_OPEN_SKIP_DIGEST 0x1u  /* check sizes and signature, not the digest */
#define STORE_OPEN_DIGEST_LATER 0x2u /* compare the digest in a thread of its own,
                                        until store_wait_digest() (ignored with
                                        STORE_OPEN_SKIP_DIGEST) */

/* Open the installed database in `dir` (from store_resolve_dir()).
 * Resolves `current` once, then checks (fail closed):
 *   - the recorded signature verifies with the recorded signer key, and its
 *     trusted comment parses;
 *   - data.mdb is a regular file (not a symbolic link) of the signed size;
 *     it is opened once, and the digest is computed on that descriptor;
 *   - unless STORE_OPEN_SKIP_DIGEST, its BLAKE2b-512 equals the signed digest
 *     (re-hashed on every open: 4-6 ms of CPU for the PyPA database's 3 MB,
 *     worth it). With STORE_OPEN_DIGEST_LATER this one comparison is not part of
 *     store_open(): the file is hashed in a thread while the caller does
 *     work that does not touch the database (a scan reads its inputs), and
 *     store_wait_digest() gives the result. If no thread can be created,
 *     store_wait_digest() hashes instead, so the flag never fails an open.
 * On success *out owns the handle (release with store_close()). Errors say
 * how to fix them ("no database installed in DIR: run 'airlock db import
 * SNAPSHOT'"), and the signer key must be trusted now: a key of
 * $AIRLOCK_TRUSTED_KEYS or TRUST_SYSTEM_DIR, or one of the snapshot's
 * trusted-keys files (read again with trust_open(); one that no longer
 * exists is no longer trusted). The snapshot stays pinned (in-use) until
 * store_close(). */
int store_open(const char *dir, unsigned flags, store **out, airlock_error *err);

/* Wait for the digest comparison that store_open(STORE_OPEN_DIGEST_LATER)
 * started and return its result: 0 when data.mdb matches the signed digest
 * (and still has the signed size), else -1 with the message store_open()
 * gives without the flag ("the installed database in DIR fails verification
 * (...): PATH: contents do not match the signed digest"). Call it before
 * reading anything from the database; later calls return the same result.
 * For a handle opened without the flag it returns 0 at once. */
int store_wait_digest(store *s, airlock_error *err);

/* Path of the LMDB data file of the opened snapshot, or NULL while its
 * digest has not been compared (STORE_OPEN_DIGEST_LATER before
 * store_wait_digest()) or did not match: no path, no reading. Never NULL
 * for a handle opened without STORE_OPEN_DIGEST_LATER. Open it with
 * MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, and check that the file opened is
 * store_data_identity() before reading it. Valid until store_close(). */
const char *store_data_path(const store *s);

/* The identity of the data.mdb that was checked: what fstat() said of the
 * descriptor that was hashed, before the hash (device, inode, size,
 * modification and change times). NULL whenever store_data_path() is NULL.
 * The path is opened again by whoever reads the database (LMDB opens by
 * path), and by then it may name another file: the database's owner (or
 * root) can rename entries in the snapshot directory. So the file opened
 * must be compared with this one before it is read (db/vulndb.h
 * vulndb_open_expect()). Valid until store_close(). */
const struct stat *store_data_identity(const store *s);

/* Provenance of the opened snapshot. Valid until store_close(); available
 * while the digest is pending too, since all of it comes from the verified
 * signature, none from data.mdb. */
const store_info *store_get_info(const store *s);

/* The bytes of the opened snapshot's signature file (snapshot.minisig) as
 * store_open() read and verified them, and their length in *len. Anything
 * that records which signature the scan trusted (an evidence bundle) takes
 * these, not the file: the database's owner (or root) can rename entries in
 * the snapshot directory, so the path may name another file by then.
 * Available while the digest is pending too. Valid until store_close(). */
const char *store_signature_text(const store *s, size_t *len);

/* The same for the signer key file (signer.pub) that verified the
 * signature: its bytes as read by store_open(). Valid until store_close(). */
const char *store_signer_text(const store *s, size_t *len);

/* Release the handle, waiting for a digest comparison still running (its
 * result is dropped). NULL is allowed. */
void store_close(store *s);

/* Age check for scans. `now` is the current time (time(NULL)); `max_age_days`
 * is --max-db-age, or -1 when not given. Returns:
 *    0  fresh enough (err untouched);
 *    1  warning: older than STORE_WARN_AGE_DAYS, or built in the future;
 *       the message is in err (print it as a warning and go on);
 *   -1  older than max_age_days: the message is in err (exit 2).
 * *age_days (may be NULL) receives the age in whole days. */
int store_check_age(const store_info *info, int64_t now, int max_age_days,
                    int64_t *age_days, airlock_error *err);

/* ---- import, status, verify (used by `airlock db`) ---- */

typedef struct store_import_options {
    const char *const *trusted_keys; /* --trusted-key files */
    size_t ntrusted_keys;
    const char *signature;           /* --signature, or NULL for SNAPSHOT.minisig */
    bool allow_downgrade;            /* accept a lower sequence */
    unsigned lock_wait_seconds;      /* how long to wait for another import's DIR/lock
                                        (0: fail at once if it is held) */
    FILE *log;                       /* progress and skipped candidates (may be NULL) */
} store_import_options;

typedef struct store_import_result {
    bool already_installed;  /* the snapshot was installed already: nothing done */
    uint64_t old_sequence;   /* 0 if none */
    bool had_old;
    store_info installed;    /* what is installed now */
} store_import_result;

/* Import `source` into `dir` (created if missing). `source` is a snapshot
 * file, or a directory in which every SNAPSHOT with a SNAPSHOT.minisig is a
 * candidate: those that fail verification get one line each on opt->log and
 * the newest valid one is imported. Trusted keys come from opt->trusted_keys,
 * the directory $AIRLOCK_TRUSTED_KEYS and /etc/airlock/trusted-keys/ (*.pub);
 * key files and directories writable by group or others, or owned by someone
 * other than root or the user, are refused. Nothing in the snapshot is
 * parsed before its signature verifies. Serialised with other imports by
 * DIR/lock (waiting at most opt->lock_wait_seconds); atomic and crash-safe
 * (see the top of this file). A failed import removes what it wrote; each
 * import removes snapshot directories that are neither current nor in use. */
int store_import(const char *dir, const char *source, const store_import_options *opt,
                 store_import_result *res, airlock_error *err);

/* Re-check the installed database: everything store_open() checks, with the
 * signer trusted as a scan trusts it (the trusted-key directories and the
 * --trusted-key files the import recorded) or by one of the extra key files
 * in `trusted_keys`. */
int store_verify(const char *dir, const char *const *trusted_keys, size_t ntrusted_keys,
                 store_info *info, airlock_error *err);

#endif
