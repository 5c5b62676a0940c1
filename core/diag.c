#include "core/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/text.h"

void diag_warn(diag *d, const char *file, unsigned line, const char *fmt, ...)
{
    if (d == NULL)
        return;
    char raw[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    d->warnings++;
    /* Warnings quote untrusted input (an alias, a version, a file name):
     * whoever receives them gets text that cannot drive a terminal. */
    char *msg = text_safe_dup(raw, 0);
    char *where = file != NULL ? text_safe_dup(file, 0) : NULL;
    if (d->fn != NULL)
        d->fn(d->arg, where, line, msg);
    else
        diag_print(where, line, msg);
    free(msg);
    free(where);
}

void diag_print(const char *file, unsigned line, const char *msg)
{
    if (file != NULL && line > 0)
        fprintf(stderr, "airlock: %s:%u: warning: %s\n", file, line, msg);
    else if (file != NULL)
        fprintf(stderr, "airlock: %s: warning: %s\n", file, msg);
    else
        fprintf(stderr, "airlock: warning: %s\n", msg);
}

void diag_error(const char *prefix, const char *msg)
{
    fputs(prefix, stderr);
    fputs(": ", stderr);
    text_safe_fputs(msg, stderr, 0);
    fputc('\n', stderr);
}
