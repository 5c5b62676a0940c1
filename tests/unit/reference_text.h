/* core/text.c's filter and report_util.c's Markdown escaping as they were
 * before the reports streamed (commit 535ba181), kept only for the
 * reference writers in reference_report_*.h. */
#ifndef AIRLOCK_TEST_REFERENCE_TEXT_H
#define AIRLOCK_TEST_REFERENCE_TEXT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/text.h"

/* Code points that change how a terminal or a renderer shows text rather
 * than being text: C0, DEL, C1 and the bidirectional controls (the
 * "Trojan Source" set of Unicode TR 9). */
static inline bool ref_is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
           cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

static inline void ref_text_safe_append(buf *b, const char *s, unsigned flags)
{
    if (s == NULL)
        return;
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left > 0) {
        uint32_t cp;
        size_t n = text_utf8_seq(p, left, &cp);
        if (n == 0) {
            buf_puts(b, "\xEF\xBF\xBD");
            n = 1;
        } else if ((flags & TEXT_LINES) && (cp == '\n' || cp == '\t')) {
            buf_putc(b, (char)cp);
        } else if ((flags & TEXT_LINES) && cp == '\r' && p[1] == '\n') {
            /* CRLF: the '\n' follows */
        } else if (ref_is_control(cp)) {
            buf_putc(b, '?');
        } else {
            buf_append(b, p, n);
        }
        p += n;
        left -= n;
    }
}

/* True if the text just appended to `b` ends with "www" in any case: GFM
 * turns "www." into a link. */
static inline bool ref_ends_with_www(const buf *b)
{
    if (b->len < 3)
        return false;
    const char *e = b->data + b->len - 3;
    return (e[0] | 0x20) == 'w' && (e[1] | 0x20) == 'w' && (e[2] | 0x20) == 'w';
}

static inline void ref_md_append(buf *b, const char *s)
{
    buf clean = {0};
    ref_text_safe_append(&clean, s, TEXT_LINES);
    for (const char *p = clean.data; p != NULL && *p != '\0'; p++) {
        char c = *p;
        if (c == '\n' || c == '\t')
            buf_putc(b, ' ');
        else if (strchr("\\`*_[]<>|~&!#{}()", c) != NULL ||
                 (c == ':' && p[1] == '/' && p[2] == '/') || (c == '.' && ref_ends_with_www(b))) {
            /* ':' of "://" and '.' of "www." too: GFM would make a link of
             * bare "https://..." and "www..." text. */
            buf_putc(b, '\\');
            buf_putc(b, c);
        } else {
            buf_putc(b, c);
        }
    }
    buf_free(&clean);
}

static inline char *ref_text_safe_dup(const char *s, unsigned flags)
{
    buf b = {0};
    ref_text_safe_append(&b, s, flags);
    return buf_detach(&b, NULL);
}

#endif
