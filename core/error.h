/*
 * error.h - errors as values.
 *
 * Every call that can fail takes an `airlock_error *` as its last argument,
 * returns -1 (or NULL) on failure and leaves a one-line, human-readable
 * message in it. The message names what failed and why ("requirements.txt:12:
 * invalid version 'x'"); callers add context with error_prefix(). No global
 * state: the caller owns the error value, usually on its stack.
 */
#ifndef AIRLOCK_ERROR_H
#define AIRLOCK_ERROR_H

#include <stddef.h>

#define AIRLOCK_ERROR_MAX 1024

typedef struct airlock_error {
    char msg[AIRLOCK_ERROR_MAX];
} airlock_error;

/* Set the message (printf format). `err` may be NULL. Always returns -1, so
 * that `return error_set(err, ...)` reads naturally. */
int error_set(airlock_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prepend "<context>: " to the current message. Returns -1. */
int error_prefix(airlock_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Set the message from errno: "<context>: <strerror(errno_value)>". Returns -1. */
int error_errno(airlock_error *err, int errno_value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set "invalid WHAT 'TEXT': WHY" (without ": WHY" when `why` is NULL),
 * quoting at most 80 bytes of the `len` bytes of untrusted `text` (cut at a
 * character boundary; a cut text ends in "..."). The quote goes through
 * core/text.h's filter: controls (C0, DEL, C1, bidirectional, and a NUL
 * inside `len`) show as '?', invalid UTF-8 as U+FFFD; a quote shows as '?'.
 * Returns -1. */
int error_invalid(airlock_error *err, const char *what, const char *text, size_t len,
                  const char *why);

/* Reset to the empty message. */
void error_clear(airlock_error *err);

#endif
