#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Join "a: b" into the message, truncating (messages are for people). */
static void set_joined(airlock_error *err, const char *a, const char *b)
{
    size_t cap = sizeof err->msg - 1, n = 0;
    for (const char *parts[3] = {a, ": ", b}, **p = parts; p < parts + 3; p++) {
        size_t m = strlen(*p);
        if (m > cap - n)
            m = cap - n;
        memmove(err->msg + n, *p, m);
        n += m;
    }
    err->msg[n] = '\0';
}

int error_set(airlock_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int error_prefix(airlock_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    char context[AIRLOCK_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(context, sizeof context, fmt, ap);
    va_end(ap);
    char old[AIRLOCK_ERROR_MAX];
    memcpy(old, err->msg, sizeof old);
    set_joined(err, context, old);
    return -1;
}

int error_errno(airlock_error *err, int errno_value, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    char context[AIRLOCK_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(context, sizeof context, fmt, ap);
    va_end(ap);
    set_joined(err, context, strerror(errno_value));
    return -1;
}

int error_invalid(airlock_error *err, const char *what, const char *text, size_t len,
                  const char *why)
{
    char shown[81];
    size_t n = 0;
    for (size_t i = 0; text != NULL && i < len && n < sizeof shown - 1; i++) {
        unsigned char c = (unsigned char)text[i];
        shown[n++] = (c >= 0x20 && c < 0x7f && c != '\'') ? (char)c : '?';
    }
    shown[n] = '\0';
    const char *cut = n < len ? "..." : "";
    if (why == NULL)
        return error_set(err, "invalid %s '%s%s'", what, shown, cut);
    return error_set(err, "invalid %s '%s%s': %s", what, shown, cut, why);
}

void error_clear(airlock_error *err)
{
    if (err != NULL)
        err->msg[0] = '\0';
}
