/*
 * snapshot.h - the snapshot container and its signed metadata.
 *
 * A snapshot is a standard zstd stream: one skippable frame (magic
 * SNAPSHOT_FRAME_MAGIC) whose content is "AIRLOCK1" followed by the metadata
 * line, then zstd frame(s) holding the LMDB data file. `zstd -dc SNAPSHOT`
 * gives the data file. The same metadata line is the trusted comment of the
 * snapshot's minisign signature:
 *
 *   airlock-snapshot format=1 sequence=N build_time=T db_size=S db_blake2b=HEX
 *
 * Tokens are separated by spaces or tabs; tokens without '=' are ignored, so
 * are unknown keys; each known key may appear once. db_blake2b is the
 * BLAKE2b-512 of the data file (as b2sum prints it). See
 * docs/snapshot-format.md.
 */
#ifndef AIRLOCK_SNAPSHOT_H
#define AIRLOCK_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

#define SNAPSHOT_FORMAT 1
#define SNAPSHOT_FRAME_MAGIC 0x184D2A5AU
#define SNAPSHOT_FRAME_ID "AIRLOCK1"
#define SNAPSHOT_FRAME_MAX 4096        /* largest header frame content accepted */
#define SNAPSHOT_DIGEST_BYTES 64
#define SNAPSHOT_MAX_DB_SIZE (UINT64_C(16) << 30) /* refuse larger signed sizes */

typedef struct snapshot_meta {
    uint32_t format;
    uint64_t sequence;
    int64_t build_time;
    uint64_t db_size;
    uint8_t db_digest[SNAPSHOT_DIGEST_BYTES];
} snapshot_meta;

/* Format the metadata line into `out` (NUL-terminated); returns its length. */
size_t snapshot_meta_format(const snapshot_meta *m, char *out, size_t cap);

/* Parse a metadata line (a trusted comment). A line missing required fields
 * fails with a message naming all of them. `name` is used in messages. */
int snapshot_meta_parse(const char *text, size_t len, const char *name, snapshot_meta *m,
                        airlock_error *err);

/* Are two metadata records equal? */
int snapshot_meta_equal(const snapshot_meta *a, const snapshot_meta *b);

/* Lowercase hex of a digest into out[2 * SNAPSHOT_DIGEST_BYTES + 1]. */
void snapshot_hex(const uint8_t *bin, size_t n, char *out);

/* BLAKE2b-512 and size of a file (streamed). */
int snapshot_digest_file(const char *path, uint8_t digest[SNAPSHOT_DIGEST_BYTES],
                         uint64_t *size, airlock_error *err);
/* The signature that goes with the snapshot file `path` when none is named:
 * SNAPSHOT.minisig beside the file that `path` names, its symbolic links
 * followed (core/fileio.h's path_follow_links). airlock-dbbuild build writes
 * it there and import and inspect look for it there, so a snapshot reached
 * through a link is found with its signature. *out is a new string owned by
 * the caller. */
int snapshot_sig_path(const char *path, char **out, airlock_error *err);

/* The same for the open descriptor `fd`, read from offset 0 to the end
 * whatever its offset (which is left as it is); `name` is for messages. For
 * a file still being written under a temporary name (a snapshot hashed to be
 * signed before either is put in place). Reading stops once more than `max`
 * bytes were read (*size then says more than `max`: a file that grows while
 * it is hashed cannot keep the hash going); UINT64_MAX for no bound. */
int snapshot_digest_fd(int fd, const char *name, uint8_t digest[SNAPSHOT_DIGEST_BYTES],
                       uint64_t *size, uint64_t max, airlock_error *err);

/* Parse the header frame at the start of `data` into `m`; *frame_len gets
 * the length of the whole frame (8-byte header included). */
int snapshot_read_header(const uint8_t *data, size_t len, const char *name, snapshot_meta *m,
                         size_t *frame_len, airlock_error *err);

/* The zstd level `airlock-dbbuild` compresses a database of `db_size` bytes
 * at: SNAPSHOT_LEVEL_LARGE from SNAPSHOT_LARGE_DB bytes up, else
 * SNAPSHOT_LEVEL_SMALL. Level 16 (zstd's optimal parser) makes the 250,000-
 * record benchmark export's snapshot 20 % smaller than level 9 but costs
 * ~0.5 us a byte of CPU; below 16 MiB zstd's multithreaded encoder has a
 * single job, so that cost is not shared between cores and would double the
 * build of the PyPA database (docs/benchmarks.md). Stock `zstd -L -T1`
 * rebuilds the frame with the same level. */
#define SNAPSHOT_LEVEL_SMALL 9
#define SNAPSHOT_LEVEL_LARGE 16
#define SNAPSHOT_LARGE_DB (UINT64_C(16) << 20)
int snapshot_level(uint64_t db_size);

/* Told, now and then, how many of the database's `total` bytes have been
 * compressed. */
typedef void snapshot_progress_fn(void *arg, uint64_t done, uint64_t total);

/* Write a snapshot of the LMDB file `mdb_path` (whose size and digest are in
 * `m`) to `out` (`out_name` for messages), compressed at `level` with one
 * thread per CPU, and flush it. Deterministic: zstd's multithreaded output
 * does not depend on the number of threads. `on_progress` may be NULL. The
 * caller owns `out` and decides where it goes: the build writes it to a
 * temporary file (core/fileio.h's atomic_open) so that it is put in place
 * only with its signature. */
int snapshot_write(const char *mdb_path, const snapshot_meta *m, int level, FILE *out,
                   const char *out_name, snapshot_progress_fn *on_progress, void *arg,
                   airlock_error *err);

/* Decompress the verified snapshot `data` to the new file `out_path`
 * (created with O_EXCL, mode 0444, fsynced). The header frame must agree
 * with `m` (the signed metadata); output beyond m->db_size stops the
 * decompression, and the result must have exactly m->db_size bytes and
 * digest m->db_digest. */
int snapshot_extract(const uint8_t *data, size_t len, const char *name, const snapshot_meta *m,
                     const char *out_path, airlock_error *err);

#endif
