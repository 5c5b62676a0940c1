/*
 * text.h - untrusted text made safe to show.
 *
 * Advisories, package metadata and file names reach terminals, Markdown and
 * warnings. One filter serves every such path (airlock show, the table
 * report, the Markdown escaping, the warnings and errors of both programs),
 * so that no path is left with a weaker copy. What it guarantees:
 *
 *   - the output is valid UTF-8: each invalid byte becomes U+FFFD;
 *   - it holds no C0 control, no DEL, no C1 control (U+0080-U+009F, CSI
 *     U+009B among them) and no bidirectional control (U+061C, U+200E,
 *     U+200F, U+202A-U+202E, U+2066-U+2069): each becomes '?', so the text
 *     can neither drive a terminal nor reorder what is shown around it;
 *   - with TEXT_LINES, '\n' and '\t' are kept and a '\r' right before a '\n'
 *     is dropped (CRLF text); a lone '\r', which would let the text write
 *     over its own line, is still '?'.
 */
#ifndef AIRLOCK_TEXT_H
#define AIRLOCK_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"

/* Keep line breaks and tabs (multi-line text such as details). */
#define TEXT_LINES 1u

/* Length of the valid UTF-8 sequence at `s` (at most `n` bytes are read),
 * or 0 if there is none (invalid, overlong, a surrogate, past U+10FFFF,
 * truncated, or n == 0). `*cp` gets the code point when not NULL. */
size_t text_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

/* Append the C string `s` to `b`, filtered as above. */
void text_safe_append(buf *b, const char *s, unsigned flags);

/* A filtered copy of `s` (NULL gives ""), owned by the caller. */
char *text_safe_dup(const char *s, unsigned flags);

/* Write `s` filtered to `out` (NULL writes nothing). */
void text_safe_fputs(const char *s, FILE *out, unsigned flags);

#endif
