/*
 * trust.h - the set of trusted public keys, and the permission rule for the
 * files and directories they come from.
 *
 * Like ssh with its authorized_keys (StrictModes), a file or directory that
 * another local user could have written or swapped is refused. The rule, for
 * a path as given (trust_open):
 *   - the file or directory it names is owned by root or by the user running
 *     Airlock and is not writable by group or others, sticky bit or not: a
 *     key directory or database directory that others can add entries to
 *     lets them plant a key or a database;
 *   - every directory on the way, and every symlink on the way (a symlink's
 *     target is walked the same way, from the symlink's own directory), is
 *     owned by root or by the user; those directories are not writable by
 *     group or others, except with the sticky bit (as /tmp has), where
 *     others cannot rename or remove what is ours;
 *   - a relative path is walked from the current directory's real path.
 * The path is opened once, and the check must name the very file that was
 * opened (same device and inode), so swapping a link between the check and
 * the open is caught. The same rule checks the trusted keys and the
 * installed database (signatures/store.h).
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

/* Add one key file / every *.pub in a directory (each opened with
 * trust_open()). */
int keyring_add_file(keyring *kr, const char *path, airlock_error *err);
int keyring_add_dir(keyring *kr, const char *dir, airlock_error *err);

/* The key with this key id and public key, if trusted (NULL if not). */
const minisign_pubkey *keyring_find(const keyring *kr, const minisign_pubkey *pk);

/* The first trusted key with this key id, starting at index *pos (which is
 * advanced past it); NULL when there is none. */
const minisign_pubkey *keyring_next(const keyring *kr, const uint8_t keyid[MINISIGN_KEYID_BYTES],
                                    size_t *pos);

void keyring_free(keyring *kr);

/* Open `path` read-only with `flags` added (0 for a regular file,
 * O_DIRECTORY for a directory) and check it with the rule above. On success
 * *fd is the open descriptor (owned by the caller); on failure nothing is
 * left open and the message names the path and the part that failed. A
 * missing path fails with errno ENOENT left in errno. */
int trust_open(const char *path, int flags, int *fd, airlock_error *err);

/* The rule above for a file or directory that is already open, reached
 * without symlinks from a directory that passed it (for example with
 * openat(O_NOFOLLOW)): owned by root or the user, not writable by group or
 * others. `name` is for messages. */
int trust_check_fd(int fd, const char *name, airlock_error *err);

#endif
