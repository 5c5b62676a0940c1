/*
 * sha256.h - SHA-256 (FIPS 180-4), for hashing file contents.
 *
 * The digest is libsodium's crypto_hash_sha256, byte for byte; libsodium
 * stays the reference and the fallback. This copy exists only for speed:
 * Debian's libsodium 1.0.18 computes SHA-256 in portable C (250-285 MB/s
 * here), so hashing a scan's input files took a third of `airlock scan
 * --lockfile`. On a CPU with the x86 SHA extensions (SHA-NI) this code
 * uses them, at 1.15-1.29 GB/s (bench_sha256); on any other CPU, or in a
 * non-x86 build, it calls libsodium (docs/development.md). Small hashes
 * of our own text (report serial numbers) use libsodium directly.
 */
#ifndef AIRLOCK_SHA256_H
#define AIRLOCK_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#define SHA256_BYTES 32

/* The SHA-256 digest of `len` bytes at `data` (may be NULL when `len` is
 * 0), written to `out`. Any alignment; thread-safe; never fails. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_BYTES]);

/* A hash fed in pieces, for input that is read in chunks (a source file,
 * an archive as libarchive reads it). Plain data: drop it to abandon a
 * hash. The path (SHA-NI or libsodium) is chosen by sha256_init. */
typedef struct sha256_state {
    int shani;
    union {
        crypto_hash_sha256_state sodium;
        struct {
            uint32_t h[8];
            uint64_t total; /* bytes added */
            uint8_t block[64];
            size_t fill; /* bytes in `block`, 0..63 between calls */
        } ni;
    } u;
} sha256_state;

/* Start a hash. */
void sha256_init(sha256_state *s);

/* Add `len` bytes at `data` (may be NULL when `len` is 0). */
void sha256_update(sha256_state *s, const void *data, size_t len);

/* Finish: write the digest of everything added to `out`. The state is
 * spent. */
void sha256_final(sha256_state *s, uint8_t out[SHA256_BYTES]);

#endif
