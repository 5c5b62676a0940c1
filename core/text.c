#include "core/text.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

size_t text_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    size_t len;
    uint32_t min, v;
    if (c < 0x80) {
        len = 1, min = 0, v = c;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2, min = 0x80, v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, min = 0x800, v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, min = 0x10000, v = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    if (cp != NULL)
        *cp = v;
    return len;
}

/* Code points that change how a terminal or a renderer shows text rather
 * than being text: C0, DEL, C1 and the bidirectional controls (the
 * "Trojan Source" set of Unicode TR 9). */
static bool is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
           cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

void text_safe_append(buf *b, const char *s, unsigned flags)
{
    if (s == NULL)
        return;
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left > 0) {
        /* Printable ASCII passes as it is: copy the run at once (reports
         * filter megabytes of advisory text). */
        size_t run = 0;
        while (run < left && p[run] >= 0x20 && p[run] < 0x7F)
            run++;
        if (run > 0) {
            buf_append(b, p, run);
            p += run;
            left -= run;
            continue;
        }
        uint32_t cp;
        size_t n = text_utf8_seq(p, left, &cp);
        if (n == 0) {
            buf_puts(b, "\xEF\xBF\xBD");
            n = 1;
        } else if ((flags & TEXT_LINES) && (cp == '\n' || cp == '\t')) {
            buf_putc(b, (char)cp);
        } else if ((flags & TEXT_LINES) && cp == '\r' && p[1] == '\n') {
            /* CRLF: the '\n' follows */
        } else if (is_control(cp)) {
            buf_putc(b, '?');
        } else {
            buf_append(b, p, n);
        }
        p += n;
        left -= n;
    }
}

char *text_safe_dup(const char *s, unsigned flags)
{
    buf b = {0};
    text_safe_append(&b, s, flags);
    return buf_detach(&b, NULL);
}

void text_safe_fputs(const char *s, FILE *out, unsigned flags)
{
    if (s == NULL)
        return;
    buf b = {0};
    text_safe_append(&b, s, flags);
    if (b.len > 0)
        fwrite(b.data, 1, b.len, out);
    buf_free(&b);
}
