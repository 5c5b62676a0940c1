/*
 * trust.h - the set of trusted public keys, and the permission rule for the
 * files and directories they come from.
 *
 * Like ssh with its authorized_keys, a key file or key directory that
 * someone else could have written is refused: it, and every directory above
 * it (after resolving symlinks), must be owned by root or by the user running
 * Airlock and must not be writable by group or others (a world-writable
 * directory is accepted only with the sticky bit, as /tmp has).
 */
#ifndef AIRLOCK_TRUST_H
#define AIRLOCK_TRUST_H

#include <stddef.h>

#include "core/error.h"
#include "signatures/minisign.h"

/* Where the system-wide trusted keys live. */
#define TRUST_SYSTEM_DIR "/etc/airlock/trusted-keys"

typedef struct keyring {
    minisign_pubkey *keys;
    char **paths; /* where each key came from, for messages */
    size_t n;
} keyring;

/* Load the keys of `files` (each must exist), then every *.pub in the
 * directory $AIRLOCK_TRUSTED_KEYS (if set; it must exist) and in
 * TRUST_SYSTEM_DIR (if it exists). Any unsafe or unreadable file or
 * directory is an error: trust fails closed. An empty keyring is not an
 * error here. Release with keyring_free(). */
int keyring_load(keyring *kr, const char *const *files, size_t nfiles, airlock_error *err);

/* Add one key file / every *.pub in a directory. */
int keyring_add_file(keyring *kr, const char *path, airlock_error *err);
int keyring_add_dir(keyring *kr, const char *dir, airlock_error *err);

/* The key with this key id and public key, if trusted (NULL if not). */
const minisign_pubkey *keyring_find(const keyring *kr, const minisign_pubkey *pk);

/* The first trusted key with this key id, starting at index *pos (which is
 * advanced past it); NULL when there is none. */
const minisign_pubkey *keyring_next(const keyring *kr, const uint8_t keyid[MINISIGN_KEYID_BYTES],
                                    size_t *pos);

void keyring_free(keyring *kr);

/* The permission rule above, for the file or directory `path`. */
int trust_check_path(const char *path, airlock_error *err);

#endif
