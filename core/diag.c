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
    else if (where != NULL && line > 0)
        fprintf(stderr, "airlock: %s:%u: warning: %s\n", where, line, msg);
    else if (where != NULL)
        fprintf(stderr, "airlock: %s: warning: %s\n", where, msg);
    else
        fprintf(stderr, "airlock: warning: %s\n", msg);
    free(msg);
    free(where);
}
