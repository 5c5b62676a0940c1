/*
 * diag.h - warnings about bad items inside an input.
 *
 * A bad item in an input (a malformed advisory, an unreadable METADATA, a
 * broken requirement line) is not fatal: it is reported with the file and
 * line, counted, and the work goes on. The caller decides where warnings go
 * and whether any warning makes the run fail (--strict).
 */
#ifndef AIRLOCK_DIAG_H
#define AIRLOCK_DIAG_H

typedef struct diag {
    /* Called once per warning; `file` may be NULL, `line` 0 when unknown.
     * If NULL, warnings go to stderr as "airlock: FILE:LINE: warning: MSG". */
    void (*fn)(void *arg, const char *file, unsigned line, const char *msg);
    void *arg;
    unsigned warnings; /* incremented by diag_warn() */
} diag;

/* Report a warning (printf format). The message and `file` reach `fn` or
 * stderr through core/text.h's filter: they quote untrusted input. `d` may
 * be NULL (warning dropped but nothing crashes; use only in tests). */
void diag_warn(diag *d, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Print one warning to stderr as diag_warn does when `fn` is NULL, for a
 * callback that keeps warnings and still shows them. */
void diag_print(const char *file, unsigned line, const char *msg);

/* Print an error to stderr as "PREFIX: MSG\n", `msg` through core/text.h's
 * filter: how every command of both programs shows an airlock_error, whose
 * messages quote paths and input read from untrusted files. */
void diag_error(const char *prefix, const char *msg);

#endif
