/*
 * version_repr.h - the layout of a parsed version (private to version.c,
 * public only so that `version` can be a value type). Do not touch fields.
 * Owned by core/version.c; see docs/pep440.md.
 *
 * A version is held as its order-preserving key (the bytes version_key()
 * returns), so comparing two versions is one memcmp. The key drops trailing
 * zero release segments (1.0 == 1), so their count is kept beside it for
 * the canonical text. Short keys live inline; the struct holds no pointer
 * into itself, so versions may be moved with memcpy (qsort, realloc).
 */
#ifndef AIRLOCK_VERSION_REPR_H
#define AIRLOCK_VERSION_REPR_H

#include <stdint.h>

#define VERSION_INLINE_KEY 49

typedef struct version {
    uint8_t *heap_;    /* key when longer than inline_, else NULL */
    uint16_t len_;     /* key length */
    uint16_t publen_;  /* key length up to the local part */
    uint16_t zeros_;   /* trailing zero release segments not in the key */
    uint8_t flags_;    /* VF_* in version.c */
    uint8_t inline_[VERSION_INLINE_KEY];
} version;

#endif
