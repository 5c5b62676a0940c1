/*
 * buf.h - a growable byte buffer.
 *
 * The buffer owns `data`; it is always NUL-terminated (the NUL is not counted
 * in `len`) so text can be used as a C string. A zeroed `buf` is empty and
 * valid. Allocation failure aborts the process: Airlock has no sensible way
 * to go on without memory, and a half-built report must never be written.
 */
#ifndef AIRLOCK_BUF_H
#define AIRLOCK_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data;
    size_t len;
    size_t cap;
} buf;

/* Make room for `extra` more bytes (plus the NUL). */
void buf_reserve(buf *b, size_t extra);
/* Append `n` bytes. */
void buf_append(buf *b, const void *data, size_t n);
/* Append a C string. */
void buf_puts(buf *b, const char *s);
/* Append one byte. */
void buf_putc(buf *b, char c);
/* Append printf-formatted text. */
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Empty the buffer, keeping its memory. */
void buf_reset(buf *b);
/* Hand the data to the caller (who frees it) and leave the buffer empty.
 * Never returns NULL: an empty buffer gives "". */
char *buf_detach(buf *b, size_t *len);
/* Release the memory. */
void buf_free(buf *b);

/* Memory helpers that abort on failure (see above). */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
