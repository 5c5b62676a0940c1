/*
 * blake2b.h - BLAKE2b (RFC 7693), unkeyed, for hashing large files.
 *
 * libsodium's crypto_generichash is the same function, and it stays the
 * reference: tests compare the two on every length up to several blocks
 * and on random splits. This copy exists only for speed. On the CPUs we
 * measured, the SIMD code that sodium_init() selects hashes at about
 * 0.6 GB/s, while this portable code, compiled with the rest of Airlock,
 * reaches 1.1 GB/s; importing a snapshot hashes both the compressed file
 * and the whole decompressed database, so that is most of an import's time
 * (docs/benchmarks.md). Small hashes (key checksums) still use libsodium.
 */
#ifndef AIRLOCK_BLAKE2B_H
#define AIRLOCK_BLAKE2B_H

#include <stddef.h>
#include <stdint.h>

#define BLAKE2B_BLOCK_BYTES 128
#define BLAKE2B_MAX_BYTES 64

/* A hash in progress. Plain data: copy it to fork a hash, drop it to
 * abandon one. */
typedef struct blake2b_state {
    uint64_t h[8];
    uint64_t t[2];
    uint8_t block[BLAKE2B_BLOCK_BYTES];
    size_t fill;   /* bytes in `block`, 0..128: the last block is kept
                      until blake2b_final, which must mark it */
    size_t outlen;
} blake2b_state;

/* Start an unkeyed hash with a digest of `outlen` bytes, 1..64 (an
 * `outlen` out of range is taken as 64). */
void blake2b_init(blake2b_state *s, size_t outlen);

/* Add `len` bytes at `in` (may be NULL when `len` is 0). */
void blake2b_update(blake2b_state *s, const void *in, size_t len);

/* Finish: write `outlen` bytes of digest to `out`. The state is spent. */
void blake2b_final(blake2b_state *s, uint8_t *out);

/* One call: the `outlen`-byte digest of `len` bytes at `in`. */
void blake2b(uint8_t *out, size_t outlen, const void *in, size_t len);

#endif
