#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/text.h"

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

/* Bytes of invalid input quoted at most: enough to recognise it. */
#define QUOTE_MAX 80

int error_invalid(airlock_error *err, const char *what, const char *text, size_t len,
                  const char *why)
{
    /* Cut at a character boundary, so that the cut never makes a U+FFFD. */
    size_t used = 0;
    while (text != NULL && used < len) {
        size_t n = text_utf8_seq((const unsigned char *)text + used, len - used, NULL);
        if (n == 0)
            n = 1; /* an invalid byte, or a NUL */
        if (used + n > QUOTE_MAX)
            break;
        used += n;
    }
    char raw[QUOTE_MAX + 1];
    if (used > 0)
        memcpy(raw, text, used);
    raw[used] = '\0';
    /* The one filter (core/text.h); a NUL inside `len` is a control too. */
    buf shown = {0};
    for (size_t i = 0; i < used; i++) {
        text_safe_append(&shown, raw + i, 0);
        i += strlen(raw + i);
        if (i < used)
            buf_putc(&shown, '?');
    }
    for (size_t i = 0; i < shown.len; i++)
        if (shown.data[i] == '\'') /* the quote would end the quoting */
            shown.data[i] = '?';
    const char *q = shown.data != NULL ? shown.data : "";
    const char *cut = used < len ? "..." : "";
    if (why == NULL)
        error_set(err, "invalid %s '%s%s'", what, q, cut);
    else
        error_set(err, "invalid %s '%s%s': %s", what, q, cut, why);
    buf_free(&shown);
    return -1;
}

void error_clear(airlock_error *err)
{
    if (err != NULL)
        err->msg[0] = '\0';
}
