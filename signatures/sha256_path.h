/*
 * sha256_path.h - the two ways signatures/sha256.c computes a digest, for
 * its tests and benchmark only: they must run both on the same CPU, and
 * say which one sha256() takes. Callers use sha256.h.
 */
#ifndef AIRLOCK_SHA256_PATH_H
#define AIRLOCK_SHA256_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "signatures/sha256.h"

typedef enum sha256_path {
    SHA256_LIBSODIUM, /* crypto_hash_sha256: every CPU */
    SHA256_SHANI,     /* x86 SHA extensions: only where sha256_shani_available() */
} sha256_path;

/* 1 when this is an x86 build and the CPU has SHA-NI, SSSE3 and SSE4.1:
 * then sha256() takes SHA256_SHANI. Asks the CPU on every call (sha256()
 * keeps the first answer); in a VM that costs tens of microseconds. */
int sha256_shani_available(void);

/* sha256() on the given path. Returns -1, writing nothing, when the path
 * is SHA256_SHANI and sha256_shani_available() is 0; else 0. */
int sha256_on(sha256_path path, const void *data, size_t len, uint8_t out[SHA256_BYTES]);

/* sha256_init() on the given path, refused (-1) as sha256_on() is. */
int sha256_init_on(sha256_state *s, sha256_path path);

#endif
