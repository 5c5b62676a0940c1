/*
 * passphrase.h - reading the passphrase of an encrypted secret key.
 *
 * From the first line of the file named by $AIRLOCK_PASSPHRASE_FILE if set
 * (for automation), else from the terminal with echo off. Never from stdin
 * or the command line, where it would leak into shell history or ps(1).
 */
#ifndef AIRLOCK_PASSPHRASE_H
#define AIRLOCK_PASSPHRASE_H

#include "core/error.h"

#define PASSPHRASE_MAX 1024

/* Read a passphrase into a new string (*out: wipe with sodium_memzero and
 * free it). With `confirm`, a terminal prompt asks twice. An empty
 * passphrase is refused (use -W for an unencrypted key). */
int passphrase_get(const char *prompt, int confirm, char **out, airlock_error *err);

#endif
