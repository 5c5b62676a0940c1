#include "core/diag.h"

#include <stdarg.h>
#include <stdio.h>

void diag_warn(diag *d, const char *file, unsigned line, const char *fmt, ...)
{
    if (d == NULL)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    d->warnings++;
    if (d->fn != NULL)
        d->fn(d->arg, file, line, msg);
    else
        diag_print(file, line, msg);
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
