#include "scanner/reports/json_out.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void jo_init(json_out *j, FILE *out)
{
    jo_init_sink(j, NULL, NULL, true);
    j->out = out;
}

void jo_init_sink(json_out *j, jo_sink sink, void *ctx, bool pretty)
{
    j->out = NULL;
    j->sink = sink;
    j->sink_ctx = ctx;
    j->pretty = pretty;
    j->len = 0;
    j->depth = 0;
    j->failed = false;
    j->misused = false;
    j->keyed = false;
}

static void emit(json_out *j, const void *p, size_t n)
{
    if (n == 0 || j->failed)
        return;
    if (j->out != NULL ? fwrite(p, 1, n, j->out) != n : !j->sink(j->sink_ctx, p, n))
        j->failed = true;
}

static void flush(json_out *j)
{
    emit(j, j->buffer, j->len);
    j->len = 0;
}

static inline void put(json_out *j, const void *p, size_t n)
{
    if (n > JO_BUFFER - j->len) {
        flush(j);
        if (n > JO_BUFFER) {
            emit(j, p, n);
            return;
        }
    }
    memcpy(j->buffer + j->len, p, n);
    j->len += n;
}

static inline void put1(json_out *j, char c)
{
    if (j->len == JO_BUFFER)
        flush(j);
    j->buffer[j->len++] = c;
}

static void tabs(json_out *j, unsigned n)
{
    static const char t[JO_MAX_DEPTH] = {
        '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t',
        '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t'};
    put(j, t, n < JO_MAX_DEPTH ? n : JO_MAX_DEPTH);
}

/* What comes before a value: ", " between array elements; in an object the
 * key has written its separator already. */
static void before_value(json_out *j)
{
    if (j->depth == 0)
        return;
    unsigned top = j->depth - 1;
    if (j->is_array[top]) {
        if (j->has_items[top])
            put(j, ", ", j->pretty ? 2 : 1);
        j->has_items[top] = true;
    } else if (!j->keyed) {
        j->misused = j->failed = true; /* a value in an object without a key */
    }
    j->keyed = false;
}

static void container_open(json_out *j, bool array)
{
    before_value(j);
    if (j->depth == JO_MAX_DEPTH) {
        j->misused = j->failed = true;
        return;
    }
    j->is_array[j->depth] = array;
    j->has_items[j->depth] = false;
    j->depth++;
    put(j, array ? "[" : "{\n", array || !j->pretty ? 1 : 2);
}

void jo_object_begin(json_out *j)
{
    container_open(j, false);
}

void jo_array_begin(json_out *j)
{
    container_open(j, true);
}

static bool closing(json_out *j, bool array)
{
    if (j->depth == 0 || j->is_array[j->depth - 1] != array || j->keyed) {
        j->misused = j->failed = true;
        return false;
    }
    return true;
}

void jo_object_end(json_out *j)
{
    if (!closing(j, false))
        return;
    j->depth--;
    if (j->pretty) {
        if (j->has_items[j->depth])
            put1(j, '\n');
        tabs(j, j->depth);
    }
    put1(j, '}');
}

void jo_array_end(json_out *j)
{
    if (!closing(j, true))
        return;
    j->depth--;
    put1(j, ']');
}

/* Bytes that go out as they are: ASCII from 0x20 other than '"' and '\\'
 * (cJSON copies DEL too). */
static bool plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* The length of the run of plain() bytes at the start of p[0, n): sixteen
 * at a time where SSE2 is there (advisory details are long ASCII text). */
static size_t plain_run(const unsigned char *p, size_t n)
{
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i lo = _mm_set1_epi8(0x1f), quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
    while (n - i >= 16) {
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        /* As signed bytes, above 0x1f leaves out 0x80-0xff as well. */
        __m128i bad = _mm_or_si128(_mm_cmpeq_epi8(w, quote), _mm_cmpeq_epi8(w, bslash));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(bad, _mm_cmpgt_epi8(w, lo)));
        if (mask != 0xffffu)
            return i + (unsigned)__builtin_ctz(~mask);
        i += 16;
    }
#endif
    /* Eight at a time: no byte with the high bit set, below 0x20, '"' or
     * '\\' (the zero-byte tests are exact about whether there is one). */
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = ones * 0x80;
    while (n - i >= 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
        if (((w | ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs) != 0)
            break;
        i += 8;
    }
    while (i < n && plain(p[i]))
        i++;
    return i;
}

/* Escape `s` straight into the buffer, a chunk at a time, each chunk with
 * room for its worst case (six bytes out for each byte in, and the end of
 * a UTF-8 sequence that starts inside it). */
static void string_body(json_out *j, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    enum { CHUNK = (JO_BUFFER - 16) / 6 };
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + strlen(s);
    put1(j, '"');
    while (p < end) {
        size_t chunk = (size_t)(end - p) < CHUNK ? (size_t)(end - p) : CHUNK;
        if (JO_BUFFER - j->len < 6 * chunk + 8)
            flush(j);
        char *o = j->buffer + j->len;
        const unsigned char *stop = p + chunk;
        while (p < stop) {
            size_t run = plain_run(p, (size_t)(stop - p));
            memcpy(o, p, run);
            o += run;
            p += run;
            if (p >= stop)
                break;
            unsigned char c = *p;
            if (c >= 0x80) {
                size_t n = text_utf8_seq(p, (size_t)(end - p), NULL);
                if (n == 0) {
                    memcpy(o, "\xEF\xBF\xBD", 3);
                    o += 3;
                    n = 1;
                } else {
                    memcpy(o, p, n);
                    o += n;
                }
                p += n;
                continue;
            }
            *o++ = '\\';
            switch (c) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            default:
                *o++ = 'u', *o++ = '0', *o++ = '0';
                *o++ = hex[c >> 4], *o++ = hex[c & 15];
            }
            p++;
        }
        j->len = (size_t)(o - j->buffer);
    }
    put1(j, '"');
}

void jo_key(json_out *j, const char *key)
{
    if (j->depth == 0 || j->is_array[j->depth - 1] || j->keyed) {
        j->misused = j->failed = true;
        return;
    }
    unsigned top = j->depth - 1;
    if (j->has_items[top])
        put(j, ",\n", j->pretty ? 2 : 1);
    j->has_items[top] = true;
    if (j->pretty)
        tabs(j, j->depth);
    string_body(j, key);
    put(j, ":\t", j->pretty ? 2 : 1);
    j->keyed = true;
}

void jo_string(json_out *j, const char *s)
{
    if (s == NULL) {
        jo_null(j);
        return;
    }
    before_value(j);
    string_body(j, s);
}

static void put_int(json_out *j, int v)
{
    char text[16];
    size_t n = sizeof text;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    do {
        text[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        text[--n] = '-';
    put(j, text + n, sizeof text - n);
}

/* cJSON's compare_double(): equal within the larger one's epsilon. */
static bool close_enough(double a, double b)
{
    double max = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return fabs(a - b) <= max * DBL_EPSILON;
}

void jo_number(json_out *j, double v)
{
    before_value(j);
    if (isnan(v) || isinf(v)) {
        put(j, "null", 4);
        return;
    }
    /* Whole numbers in int range (every count, line and sequence in a
     * report): the digits "%1.15g" would print, without printf. -0 is
     * printed as "-0" there. */
    if (v > (double)INT_MIN && v < (double)INT_MAX && v == (double)(int)v && !signbit(v)) {
        put_int(j, (int)v);
        return;
    }
    /* One decimal (CVSS scores): "%1.15g" gives the tenths exactly, and
     * without an exponent below 1e13. Whole numbers are not this case. */
    double tenths = v * 10;
    if (fabs(tenths) < 1e14 && tenths == (double)(long long)tenths &&
        (long long)tenths % 10 != 0 && (double)(long long)tenths / 10 == v) {
        long long k = (long long)tenths;
        unsigned long long u = k < 0 ? 0ull - (unsigned long long)k : (unsigned long long)k;
        if (k < 0)
            put1(j, '-');
        char text[24];
        size_t n = sizeof text;
        text[--n] = (char)('0' + u % 10);
        text[--n] = '.';
        u /= 10;
        do {
            text[--n] = (char)('0' + u % 10);
            u /= 10;
        } while (u != 0);
        put(j, text + n, sizeof text - n);
        return;
    }
    char text[32];
    int n = snprintf(text, sizeof text, "%1.15g", v);
    double back;
    if (sscanf(text, "%lg", &back) != 1 || !close_enough(back, v))
        n = snprintf(text, sizeof text, "%1.17g", v);
    if (n > 0 && (size_t)n < sizeof text)
        put(j, text, (size_t)n);
    else
        j->failed = true;
}

void jo_bool(json_out *j, bool v)
{
    before_value(j);
    put(j, v ? "true" : "false", v ? 4 : 5);
}

void jo_null(json_out *j)
{
    before_value(j);
    put(j, "null", 4);
}

void jo_key_string(json_out *j, const char *key, const char *s)
{
    jo_key(j, key);
    jo_string(j, s);
}

void jo_key_string_opt(json_out *j, const char *key, const char *s)
{
    if (s != NULL)
        jo_key_string(j, key, s);
}

void jo_key_number(json_out *j, const char *key, double v)
{
    jo_key(j, key);
    jo_number(j, v);
}

void jo_key_bool(json_out *j, const char *key, bool v)
{
    jo_key(j, key);
    jo_bool(j, v);
}

void jo_key_null(json_out *j, const char *key)
{
    jo_key(j, key);
    jo_null(j);
}

void jo_key_object_begin(json_out *j, const char *key)
{
    jo_key(j, key);
    jo_object_begin(j);
}

void jo_key_array_begin(json_out *j, const char *key)
{
    jo_key(j, key);
    jo_array_begin(j);
}

void jo_key_strings(json_out *j, const char *key, char *const *v, size_t n)
{
    jo_key_array_begin(j, key);
    for (size_t i = 0; i < n; i++)
        jo_string(j, v[i]);
    jo_array_end(j);
}

int jo_finish(json_out *j, const char *what, airlock_error *err)
{
    if (j->depth != 0 || j->keyed)
        j->misused = j->failed = true;
    if (j->pretty)
        put1(j, '\n');
    flush(j);
    if (j->misused)
        return error_set(err, "the %s report writer was misused (unbalanced calls)", what);
    if (j->failed || (j->out != NULL && ferror(j->out)))
        return error_set(err, "cannot write the %s report", what);
    return 0;
}
