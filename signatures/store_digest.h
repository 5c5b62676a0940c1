/*
 * store_digest.h - the check of an installed data.mdb against its signed
 * size and BLAKE2b-512 digest, done at once or in a thread of its own.
 *
 * The store's own helper (signatures/store.c): store_open() uses it to let
 * a scan read its inputs while the database is hashed, which costs a scan
 * of an empty requirements file more than half its time. The file is
 * opened once, without following a symbolic link, and everything after
 * that (the size checks, the hash) is done on that descriptor, so the
 * checked file is the hashed file. Its fstat() before the hash is kept: a
 * reader that opens the path again (LMDB) must find that file, unchanged.
 *
 * Fail closed: until store_digest_wait() has returned 0, nothing may read
 * the database (the caller keeps its path to itself until then).
 */
#ifndef AIRLOCK_STORE_DIGEST_H
#define AIRLOCK_STORE_DIGEST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/error.h"
#include "signatures/snapshot.h"

/* One check (plain data, owned by whoever holds it; do not copy it while a
 * thread runs). */
typedef struct store_digest {
    int fd;                                 /* data.mdb; -1 once done */
    char *path;                             /* for messages */
    uint64_t size;                          /* the signed size */
    uint8_t want[SNAPSHOT_DIGEST_BYTES];    /* the signed digest */
    struct stat opened;                     /* its fstat before the hash; kept
                                               after the wait */
    /* Written by the hashing thread, read only after it is joined. */
    uint8_t got[SNAPSHOT_DIGEST_BYTES];
    uint64_t got_size;                      /* bytes hashed */
    int rc;
    airlock_error err;
    pthread_t thread;
    bool threaded;                          /* a thread runs: join it */
    bool hashed;                            /* got/rc/err are set */
} store_digest;

/* Open `path` for the check against `m` (the signed metadata): it must be
 * a regular file, not a symbolic link, of m->db_size bytes. Messages are
 * those of every check of the data file ("PATH: N bytes, but the signed
 * size is M"). On success `c` owns the descriptor and a copy of `path`
 * (release with store_digest_wait() or store_digest_abandon()); on error
 * there is nothing to release. c->opened is the file's fstat() now, before
 * anything is hashed, and stays set after the release: the identity that a
 * later open of the same path must find again. */
int store_digest_open(store_digest *c, const char *path, const snapshot_meta *m,
                      airlock_error *err);

/* Start hashing in a thread of its own. When no thread can be created,
 * nothing fails: store_digest_wait() hashes in the caller instead. */
void store_digest_start(store_digest *c);

/* The result: wait for the thread (or hash now if none was started), check
 * that the file still has the signed size and compare the digest in
 * constant time. 0 when it matches; else -1 with "PATH: contents do not
 * match the signed digest", the size message, or the read error. Closes
 * the descriptor and frees what `c` holds, in every case. */
int store_digest_wait(store_digest *c, airlock_error *err);

/* Give the check up: join a running thread and release `c`. For a check
 * already waited for (or never opened: fd -1, path NULL) nothing is done. */
void store_digest_abandon(store_digest *c);

/* Open, hash and compare in the caller: store_digest_open() then
 * store_digest_wait(); with `digest` false only the open and size checks. */
int store_digest_check(const char *path, const snapshot_meta *m, bool digest,
                       airlock_error *err);

#endif
