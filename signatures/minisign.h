/*
 * minisign.h - Ed25519 keys and signatures in minisign's file formats.
 *
 * Files written here are read by stock minisign(1) and the other way round:
 *
 *   public key  "untrusted comment: TEXT\n" base64("Ed" keyid[8] pk[32]) "\n"
 *   secret key  "untrusted comment: TEXT\n" base64("Ed" kdf[2] "B2" salt[32]
 *               opslimit[8 LE] memlimit[8 LE] keyid[8] sk[64] chk[32]) "\n"
 *               kdf is "Sc" (keyid..chk XORed with scrypt(passphrase)) or
 *               "\0\0" (unencrypted, minisign -W); chk = BLAKE2b-256 of
 *               "Ed" keyid sk.
 *   signature   "untrusted comment: TEXT\n" base64("ED" keyid[8] sig[64]) "\n"
 *               "trusted comment: TEXT\n" base64(global_sig[64]) "\n"
 *               sig = Ed25519(BLAKE2b-512(file)), global_sig =
 *               Ed25519(sig || trusted comment text).
 *
 * Only the pre-hashed "ED" signature form is accepted. Parsers take untrusted
 * bytes with their length and a name for messages; they never read outside
 * the buffer. Key ids print as minisign prints them: the 8 bytes as a
 * little-endian integer in uppercase hex.
 */
#ifndef AIRLOCK_MINISIGN_H
#define AIRLOCK_MINISIGN_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define MINISIGN_KEYID_BYTES 8
#define MINISIGN_PK_BYTES 32
#define MINISIGN_SK_BYTES 64
#define MINISIGN_SIG_BYTES 64
#define MINISIGN_HASH_BYTES 64
/* Longest comment lines minisign 0.11 reads (including the prefix). */
#define MINISIGN_COMMENT_MAX 1024
#define MINISIGN_TRUSTED_COMMENT_MAX 8192
/* Largest signature or key file worth reading. */
#define MINISIGN_FILE_MAX 16384

typedef struct minisign_pubkey {
    uint8_t keyid[MINISIGN_KEYID_BYTES];
    uint8_t pk[MINISIGN_PK_BYTES];
} minisign_pubkey;

/* A decrypted secret key. Wipe it with minisign_seckey_wipe() when done. */
typedef struct minisign_seckey {
    uint8_t keyid[MINISIGN_KEYID_BYTES];
    uint8_t sk[MINISIGN_SK_BYTES];
} minisign_seckey;

typedef struct minisign_sig {
    uint8_t keyid[MINISIGN_KEYID_BYTES];
    uint8_t sig[MINISIGN_SIG_BYTES];
    uint8_t global_sig[MINISIGN_SIG_BYTES];
    char *trusted_comment; /* owned; the text after "trusted comment: " */
} minisign_sig;

/* Key id as minisign prints it: 16 uppercase hex digits and a NUL. */
void minisign_keyid_hex(const uint8_t keyid[MINISIGN_KEYID_BYTES], char out[17]);

/* Make a new key pair with a random key id. */
void minisign_keygen(minisign_pubkey *pk, minisign_seckey *sk);

/* Derive the public key of a secret key. */
void minisign_seckey_public(const minisign_seckey *sk, minisign_pubkey *pk);

/* Wipe a secret key from memory. */
void minisign_seckey_wipe(minisign_seckey *sk);

/* Format a public key file into a new string (owned by the caller). */
char *minisign_pubkey_format(const minisign_pubkey *pk);

/* Parse a public key file. `name` is used in messages. */
int minisign_pubkey_parse(const char *text, size_t len, const char *name,
                          minisign_pubkey *pk, airlock_error *err);

/* Read and parse a public key file. */
int minisign_pubkey_load(const char *path, minisign_pubkey *pk, airlock_error *err);

/* Format a secret key file into a new string (owned by the caller and
 * holding key material: wipe and free it). With `passphrase` NULL the key is
 * written unencrypted (minisign -W); otherwise it is encrypted with scrypt at
 * minisign's parameters (which take a few seconds and 1 GiB of memory). */
int minisign_seckey_format(const minisign_seckey *sk, const char *passphrase, char **out,
                           airlock_error *err);

/* The same with explicit scrypt parameters (tests use cheap ones). */
int minisign_seckey_format_params(const minisign_seckey *sk, const char *passphrase,
                                  uint64_t opslimit, uint64_t memlimit, char **out,
                                  airlock_error *err);

/* Is the secret key file text encrypted? -1 with a message if it does not
 * parse. */
int minisign_seckey_is_encrypted(const char *text, size_t len, const char *name,
                                 airlock_error *err);

/* Parse (and, if encrypted, decrypt with `passphrase`) a secret key file. A
 * wrong passphrase is reported as such (the checksum does not match). */
int minisign_seckey_parse(const char *text, size_t len, const char *name,
                          const char *passphrase, minisign_seckey *sk, airlock_error *err);

/* BLAKE2b-512 of `len` bytes: the message minisign signs. */
void minisign_prehash(const void *data, size_t len, uint8_t hash[MINISIGN_HASH_BYTES]);

/* Sign a pre-hashed file. `trusted_comment` must be one line of text of at
 * most MINISIGN_TRUSTED_COMMENT_MAX - 17 bytes; `untrusted_comment` one line
 * or NULL for a default. Writes a signature file into a new string (*out,
 * owned by the caller). */
int minisign_sign(const minisign_seckey *sk, const uint8_t hash[MINISIGN_HASH_BYTES],
                  const char *trusted_comment, const char *untrusted_comment, char **out,
                  airlock_error *err);

/* Parse a signature file. On success `sig` owns its trusted comment: release
 * it with minisign_sig_free(). Nothing is verified here. */
int minisign_sig_parse(const char *text, size_t len, const char *name, minisign_sig *sig,
                       airlock_error *err);

/* Verify both the file signature (over `hash`) and the global signature
 * (over the trusted comment) with `pk`, whose key id must match. */
int minisign_sig_verify(const minisign_sig *sig, const minisign_pubkey *pk,
                        const uint8_t hash[MINISIGN_HASH_BYTES], airlock_error *err);

/* Release what a parsed signature owns. Safe on a zeroed struct. */
void minisign_sig_free(minisign_sig *sig);

#endif
