/*
 * toml_lex.c - the lexical half of the TOML parser: the byte check done
 * once over the whole input, strings of the four kinds with their escapes,
 * and booleans, numbers and date-times with their range rules.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/toml_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

int tl_check_bytes(toml_parser *P)
{
    const unsigned char *s = (const unsigned char *)P->p;
    const unsigned char *end = (const unsigned char *)P->end;
    unsigned line = P->line;
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    while (s < end) {
#if defined(__SSE2__)
        /* Sixteen printable ASCII bytes at a time: as signed bytes, all
         * above 0x1f (which leaves out 0x80-0xff) and none 0x7f, or line
         * feeds, which are counted. */
        const __m128i lo = _mm_set1_epi8(0x1f), del = _mm_set1_epi8(0x7f);
        const __m128i lf = _mm_set1_epi8('\n');
        while (end - s >= 16) {
            __m128i w = _mm_loadu_si128((const __m128i *)(const void *)s);
            __m128i ok = _mm_andnot_si128(_mm_cmpeq_epi8(w, del), _mm_cmpgt_epi8(w, lo));
            unsigned nl = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, lf));
            unsigned bad = ~((unsigned)_mm_movemask_epi8(ok) | nl) & 0xffffu;
            if (bad) {
                unsigned at = (unsigned)__builtin_ctz(bad);
                for (nl &= (1u << at) - 1; nl; nl &= nl - 1)
                    line++;
                s += at;
                break;
            }
            for (; nl; nl &= nl - 1)
                line++;
            s += 16;
        }
#endif
        /* Eight printable ASCII bytes at a time: none >= 0x80, < 0x20 or 0x7f. */
        while (end - s >= 8) {
            uint64_t w, d;
            memcpy(&w, s, 8);
            d = w ^ (ones * 0x7f);
            if (((w | ((w - ones * 0x20) & ~w) | ((d - ones) & ~d)) & highs) != 0)
                break;
            s += 8;
        }
        if (s >= end)
            break;
        unsigned char c = *s;
        if (c >= 0x20 && c < 0x7f) {
            s++;
            continue;
        }
        if (c == '\n') {
            line++;
            s++;
            continue;
        }
        if (c == '\t') {
            s++;
            continue;
        }
        P->line = line;
        if (c == '\r') {
            if (s + 1 < end && s[1] == '\n') {
                s++;
                continue;
            }
            return tp_error(P, "carriage return not followed by a line feed");
        }
        if (c == 0)
            return tp_error(P, "NUL byte");
        if (c < 0x80)
            return tp_error(P, "control character U+%04X", (unsigned)c);
        size_t n = text_utf8_seq(s, (size_t)(end - s), NULL);
        if (n == 0)
            return tp_error(P, "invalid UTF-8");
        s += n;
    }
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put_utf8(buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    buf_append(b, u, n);
}

/* The escape after a backslash at P->p (which is past the backslash). */
static int escape(toml_parser *P, buf *b)
{
    if (P->p >= P->end)
        return tp_error(P, "unterminated string");
    char c = *P->p++;
    switch (c) {
    case 'b': buf_putc(b, '\b'); return 0;
    case 't': buf_putc(b, '\t'); return 0;
    case 'n': buf_putc(b, '\n'); return 0;
    case 'f': buf_putc(b, '\f'); return 0;
    case 'r': buf_putc(b, '\r'); return 0;
    case '"': buf_putc(b, '"'); return 0;
    case '\\': buf_putc(b, '\\'); return 0;
    case 'u':
    case 'U': {
        int n = c == 'u' ? 4 : 8;
        if (P->end - P->p < n)
            return tp_error(P, "\\%c escape needs %d hex digits", c, n);
        uint32_t cp = 0;
        for (int i = 0; i < n; i++) {
            int h = hexval(P->p[i]);
            if (h < 0)
                return tp_error(P, "\\%c escape needs %d hex digits", c, n);
            cp = cp << 4 | (uint32_t)h;
        }
        P->p += n;
        if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return tp_error(P, "\\%c escape U+%X is not a Unicode scalar value", c, cp);
        put_utf8(b, cp);
        return 0;
    }
    default:
        return tp_error(P, "invalid escape sequence");
    }
}

/* A line-ending backslash in a multi-line basic string: P->p is past the
 * backslash. Returns 1 when it was one (and skips the whitespace and
 * newlines after it), 0 when it was not. */
static int line_ending_backslash(toml_parser *P)
{
    const char *q = P->p;
    while (q < P->end && (*q == ' ' || *q == '\t'))
        q++;
    if (q < P->end && *q == '\r')
        q++;
    if (q >= P->end || *q != '\n')
        return 0;
    while (q < P->end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')) {
        if (*q == '\n')
            P->line++;
        q++;
    }
    P->p = q;
    return 1;
}

/* The first byte from s that is the quote `q`, a line end, or (in basic
 * strings) a backslash: eight bytes at a time while none is. */
static const char *plain_run(const char *s, const char *end, char q)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    const uint64_t wq = ones * (unsigned char)q, wn = ones * '\n';
    const uint64_t wb = ones * (unsigned char)(q == '"' ? '\\' : q);
#if defined(__SSE2__)
    /* Sixteen at a time; a carriage return stops the scan too, as in the
     * byte loop below (the eight-byte loop leaves it to that loop). */
    const __m128i vq = _mm_set1_epi8(q), vn = _mm_set1_epi8('\n'), vr = _mm_set1_epi8('\r');
    const __m128i vb = _mm_set1_epi8(q == '"' ? '\\' : q);
    while (end - s >= 16) {
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)s);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, vq), _mm_cmpeq_epi8(w, vn)),
                                 _mm_or_si128(_mm_cmpeq_epi8(w, vr), _mm_cmpeq_epi8(w, vb)));
        unsigned hit = (unsigned)_mm_movemask_epi8(m);
        if (hit)
            return s + __builtin_ctz(hit);
        s += 16;
    }
#endif
    while (end - s >= 8) {
        uint64_t w, a, b, c;
        memcpy(&w, s, 8);
        a = w ^ wq;
        b = w ^ wn;
        c = w ^ wb;
        if ((((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c)) & highs)
            break;
        s += 8;
    }
    while (s < end && *s != q && *s != '\n' && *s != '\r' && !(*s == '\\' && q == '"'))
        s++;
    return s;
}

int tl_string(toml_parser *P, bool key, char **out, size_t *len)
{
    char q = *P->p;
    bool multi = P->end - P->p >= 3 && P->p[1] == q && P->p[2] == q;
    buf *b = &P->scratch;
    buf_reset(b);
    if (multi && key)
        return tp_error(P, "a multi-line string cannot be a key");
    if (!multi) {
        P->p++;
        /* Most strings hold no escape: copy them straight from the input. */
        const char *e = plain_run(P->p, P->end, q);
        if (e < P->end && *e == q) {
            *out = tp_strdup(P, P->p, (size_t)(e - P->p));
            *len = (size_t)(e - P->p);
            P->p = e + 1;
            return 0;
        }
        for (;;) {
            if (P->p >= P->end || *P->p == '\n' || *P->p == '\r')
                return tp_error(P, "unterminated string");
            char c = *P->p;
            if (c == q) {
                P->p++;
                break;
            }
            if (c == '\\' && q == '"') {
                P->p++;
                if (escape(P, b) < 0)
                    return -1;
                continue;
            }
            /* Plain run up to the next quote, backslash or line end. */
            const char *s = P->p;
            P->p = plain_run(P->p, P->end, q);
            buf_append(b, s, (size_t)(P->p - s));
        }
    } else {
        unsigned start = P->line;
        P->p += 3;
        /* A newline right after the opening quotes is trimmed. */
        if (P->p < P->end && *P->p == '\n') {
            P->p++;
            P->line++;
        } else if (P->end - P->p >= 2 && P->p[0] == '\r' && P->p[1] == '\n') {
            P->p += 2;
            P->line++;
        }
        for (;;) {
            if (P->p >= P->end) {
                P->line = start;
                return tp_error(P, "unterminated multi-line string");
            }
            char c = *P->p;
            if (c == q) {
                size_t run = 0;
                while (P->p + run < P->end && P->p[run] == q)
                    run++;
                if (run < 3) {
                    buf_append(b, P->p, run);
                    P->p += run;
                    continue;
                }
                if (run > 5)
                    return tp_error(P, "too many quotes closing a multi-line string");
                buf_append(b, P->p, run - 3);
                P->p += run;
                break;
            }
            if (c == '\\' && q == '"') {
                P->p++;
                if (line_ending_backslash(P))
                    continue;
                if (escape(P, b) < 0)
                    return -1;
                continue;
            }
            if (c == '\r') {
                /* CRLF reads as LF (as tomllib does): a value does not
                 * depend on the line ends of the file it was written in. */
                P->p++;
                continue;
            }
            if (c == '\n')
                P->line++;
            const char *s = P->p++;
            while (P->p < P->end && *P->p != q && *P->p != '\n' && *P->p != '\r' &&
                   !(*P->p == '\\' && q == '"'))
                P->p++;
            buf_append(b, s, (size_t)(P->p - s));
        }
    }
    *out = tp_strdup(P, b->data ? b->data : "", b->len);
    *len = b->len;
    return 0;
}

/* ---- numbers ---- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool is_base_digit(char c, int base)
{
    if (base == 16)
        return hexval(c) >= 0;
    if (base == 8)
        return c >= '0' && c <= '7';
    if (base == 2)
        return c == '0' || c == '1';
    return is_digit(c);
}

/* Digits of `base` from s, with each '_' between two digits. Returns the
 * end of the run, or NULL when there is no digit or an underscore is
 * misplaced. */
static const char *digits(const char *s, const char *end, int base)
{
    if (s >= end || !is_base_digit(*s, base))
        return NULL;
    s++;
    while (s < end) {
        if (*s == '_') {
            if (s + 1 >= end || !is_base_digit(s[1], base))
                return NULL;
            s += 2;
        } else if (is_base_digit(*s, base)) {
            s++;
        } else {
            break;
        }
    }
    return s;
}

static bool token_char(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '+' || c == '-' || c == '.';
}

static int number(toml_parser *P, toml_value *v)
{
    const char *s = P->p, *end = s;
    while (end < P->end && token_char(*end))
        end++;
    size_t n = (size_t)(end - s);
    const char *t = s;
    bool neg = false;
    if (t < end && (*t == '+' || *t == '-')) {
        neg = *t == '-';
        t++;
    }
    if (end - t == 3 && (memcmp(t, "inf", 3) == 0 || memcmp(t, "nan", 3) == 0)) {
        v->type = TOML_FLOAT;
        v->u.f = t[0] == 'i' ? (neg ? -INFINITY : INFINITY) : (neg ? -NAN : NAN);
        P->p = end;
        return 0;
    }
    if (n == 0)
        return tp_error(P, "expected a value");
    if (t == s && n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
        int base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
        const char *d = digits(s + 2, end, base);
        if (d != end)
            return tp_error(P, "invalid integer '%.*s'", (int)(n > 64 ? 64 : n), s);
        uint64_t u = 0;
        for (const char *c = s + 2; c < end; c++) {
            if (*c == '_')
                continue;
            uint64_t dv = (uint64_t)hexval(*c);
            if (u > (UINT64_C(0x7fffffffffffffff) - dv) / (uint64_t)base)
                return tp_error(P, "integer '%.*s' does not fit in 64 bits",
                                (int)(n > 64 ? 64 : n), s);
            u = u * (uint64_t)base + dv;
        }
        v->type = TOML_INTEGER;
        v->u.i = (int64_t)u;
        P->p = end;
        return 0;
    }
    /* Decimal: an integer part without leading zeros, then an optional
     * fraction and exponent. */
    const char *ip = digits(t, end, 10);
    if (!ip)
        return tp_error(P, "invalid number '%.*s'", (int)(n > 64 ? 64 : n), s);
    if (*t == '0' && ip - t > 1)
        return tp_error(P, "leading zero in '%.*s'", (int)(n > 64 ? 64 : n), s);
    const char *c = ip;
    bool is_float = false;
    if (c < end && *c == '.') {
        c = digits(c + 1, end, 10);
        if (!c)
            return tp_error(P, "invalid float '%.*s'", (int)(n > 64 ? 64 : n), s);
        is_float = true;
    }
    if (c < end && (*c == 'e' || *c == 'E')) {
        c++;
        if (c < end && (*c == '+' || *c == '-'))
            c++;
        c = digits(c, end, 10);
        if (!c)
            return tp_error(P, "invalid float '%.*s'", (int)(n > 64 ? 64 : n), s);
        is_float = true;
    }
    if (c != end)
        return tp_error(P, "invalid number '%.*s'", (int)(n > 64 ? 64 : n), s);
    if (!is_float) {
        uint64_t u = 0, lim = neg ? UINT64_C(0x8000000000000000) : UINT64_C(0x7fffffffffffffff);
        for (c = t; c < end; c++) {
            if (*c == '_')
                continue;
            uint64_t dv = (uint64_t)(*c - '0');
            if (u > (lim - dv) / 10)
                return tp_error(P, "integer '%.*s' does not fit in 64 bits",
                                (int)(n > 64 ? 64 : n), s);
            u = u * 10 + dv;
        }
        v->type = TOML_INTEGER;
        v->u.i = neg ? (int64_t)(0 - u) : (int64_t)u;
        P->p = end;
        return 0;
    }
    buf *b = &P->scratch;
    buf_reset(b);
    for (c = s; c < end; c++)
        if (*c != '_')
            buf_putc(b, *c);
    errno = 0;
    v->type = TOML_FLOAT;
    v->u.f = strtod(b->data, NULL); /* overflow gives ±inf, as in other TOML readers */
    P->p = end;
    return 0;
}

/* ---- date-times ---- */

/* `n` digits at s into *out; false if any is not a digit. */
static bool num(const char *s, const char *end, int n, int *out)
{
    if (end - s < n)
        return false;
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

/* HH:MM:SS[.frac] at s; returns its end or NULL. */
static const char *parse_time(const char *s, const char *end)
{
    int h, m, sec;
    if (!num(s, end, 2, &h) || end - s < 8 || s[2] != ':' || !num(s + 3, end, 2, &m) ||
        s[5] != ':' || !num(s + 6, end, 2, &sec))
        return NULL;
    if (h > 23 || m > 59 || sec > 60)
        return NULL;
    s += 8;
    if (s < end && *s == '.') {
        s++;
        if (s >= end || !is_digit(*s))
            return NULL;
        while (s < end && is_digit(*s))
            s++;
    }
    return s;
}

static int datetime(toml_parser *P, toml_value *v, bool date)
{
    const char *s = P->p, *end = P->end, *c;
    toml_type type;
    if (date) {
        int y, mo, d;
        if (!num(s, end, 4, &y) || end - s < 10 || s[4] != '-' || !num(s + 5, end, 2, &mo) ||
            s[7] != '-' || !num(s + 8, end, 2, &d))
            return tp_error(P, "invalid date");
        if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
            return tp_error(P, "invalid date '%.10s'", s);
        c = s + 10;
        type = TOML_DATE_LOCAL;
        /* A time follows after 'T', or after a space when a digit does. */
        if (c < end && (*c == 'T' || *c == 't' ||
                        (*c == ' ' && c + 1 < end && is_digit(c[1])))) {
            c = parse_time(c + 1, end);
            if (!c)
                return tp_error(P, "invalid time in date-time");
            type = TOML_DATETIME_LOCAL;
            if (c < end && (*c == 'Z' || *c == 'z')) {
                c++;
                type = TOML_DATETIME;
            } else if (c < end && (*c == '+' || *c == '-')) {
                int oh, om;
                if (!num(c + 1, end, 2, &oh) || end - c < 6 || c[3] != ':' ||
                    !num(c + 4, end, 2, &om) || oh > 23 || om > 59)
                    return tp_error(P, "invalid time offset");
                c += 6;
                type = TOML_DATETIME;
            }
        }
    } else {
        c = parse_time(s, end);
        if (!c)
            return tp_error(P, "invalid time");
        type = TOML_TIME_LOCAL;
    }
    size_t n = (size_t)(c - s);
    char *t = tp_strdup(P, s, n);
    for (size_t i = 0; i < n; i++) {
        if (t[i] == 't' || t[i] == ' ')
            t[i] = 'T';
        else if (t[i] == 'z')
            t[i] = 'Z';
    }
    v->type = (uint8_t)type;
    v->u.str.s = t;
    v->u.str.len = n;
    P->p = c;
    return 0;
}

int tl_scalar(toml_parser *P, toml_value *v)
{
    const char *s = P->p;
    size_t left = (size_t)(P->end - s);
    if (left >= 4 && memcmp(s, "true", 4) == 0) {
        v->type = TOML_BOOL;
        v->u.b = true;
        P->p += 4;
        return 0;
    }
    if (left >= 5 && memcmp(s, "false", 5) == 0) {
        v->type = TOML_BOOL;
        v->u.b = false;
        P->p += 5;
        return 0;
    }
    if (left >= 5 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
        s[4] == '-')
        return datetime(P, v, true);
    if (left >= 3 && is_digit(s[0]) && is_digit(s[1]) && s[2] == ':')
        return datetime(P, v, false);
    return number(P, v);
}
