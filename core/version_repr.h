/*
 * version_repr.h - the layout of a parsed version (private to version.c,
 * public only so that `version` can be a value type). Do not touch fields.
 * Owned by core/version.c; replace freely.
 */
#ifndef AIRLOCK_VERSION_REPR_H
#define AIRLOCK_VERSION_REPR_H

#include <stdint.h>

typedef struct version {
    uint64_t opaque_[16];
    void *heap_;
} version;

#endif
