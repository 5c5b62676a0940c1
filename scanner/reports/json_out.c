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
    j->written = 0;
    j->twin = false;
    j->twin_sink = NULL;
    j->twin_ctx = NULL;
    j->twin_len = 0;
    /* jo_key_len() reads a little past what it wrote, and masks it out. */
    memset(j->buffer, 0, sizeof j->buffer);
}

void jo_init_twin(json_out *j, FILE *out, jo_sink sink, void *ctx)
{
    jo_init(j, out);
    j->twin = true;
    j->twin_sink = sink;
    j->twin_ctx = ctx;
}

static void emit(json_out *j, const void *p, size_t n)
{
    if (n == 0 || j->failed)
        return;
    if (j->out != NULL ? fwrite(p, 1, n, j->out) != n : !j->sink(j->sink_ctx, p, n))
        j->failed = true;
    else
        j->written += n;
}

static void flush(json_out *j)
{
    emit(j, j->buffer, j->len);
    j->len = 0;
}

/* Room for `n` more bytes in the buffer (n <= JO_BUFFER). */
static inline void reserve(json_out *j, size_t n)
{
    if (JO_BUFFER - j->len < n)
        flush(j);
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

/* The twin's side (twin mode only). */
static void twin_flush(json_out *j)
{
    if (j->twin_len != 0 && !j->failed && !j->twin_sink(j->twin_ctx, j->twin_buffer, j->twin_len))
        j->failed = true;
    j->twin_len = 0;
}

static void tput(json_out *j, const void *p, size_t n)
{
    if (n > JO_TWIN_BUFFER - j->twin_len) {
        twin_flush(j);
        if (n > JO_TWIN_BUFFER) {
            if (!j->failed && !j->twin_sink(j->twin_ctx, p, n))
                j->failed = true;
            return;
        }
    }
    memcpy(j->twin_buffer + j->twin_len, p, n);
    j->twin_len += n;
}

static inline void tput1(json_out *j, char c)
{
    if (j->twin_len == JO_TWIN_BUFFER)
        twin_flush(j);
    j->twin_buffer[j->twin_len++] = c;
}

/* Text that is the same in both forms (numbers, true, false, null). */
static inline void both(json_out *j, const void *p, size_t n)
{
    put(j, p, n);
    if (j->twin)
        tput(j, p, n);
}

/* A structural token: `n` bytes formatted, its first byte alone
 * unformatted (", " ",\n" ":\t" "{\n"). */
static inline void token(json_out *j, const char *p, size_t n)
{
    put(j, p, j->pretty ? n : 1);
    if (j->twin)
        tput1(j, p[0]);
}

static const char tab_run[JO_MAX_DEPTH] = {
    '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t',
    '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t', '\t'};

/* What comes before a value: ", " between array elements; in an object the
 * key has written its separator already. */
static inline void before_value(json_out *j)
{
    if (j->depth == 0)
        return;
    unsigned top = j->depth - 1;
    if (j->is_array[top]) {
        if (j->has_items[top])
            token(j, ", ", 2);
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
    if (array)
        both(j, "[", 1);
    else
        token(j, "{\n", 2);
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
    reserve(j, JO_MAX_DEPTH + 2);
    char *o = j->buffer + j->len;
    if (j->pretty) {
        *o = '\n';
        o += j->has_items[j->depth];
        memcpy(o, tab_run, JO_MAX_DEPTH);
        o += j->depth;
    }
    *o++ = '}';
    j->len = (size_t)(o - j->buffer);
    if (j->twin)
        tput1(j, '}');
}

void jo_array_end(json_out *j)
{
    if (!closing(j, true))
        return;
    j->depth--;
    put1(j, ']');
    if (j->twin)
        tput1(j, ']');
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

/* Escape the `n` bytes at `s` straight into the buffer, quoted, a chunk
 * at a time, each chunk with room for its worst case (six bytes out for
 * each byte in, and the end of a UTF-8 sequence that starts inside it).
 * In twin mode the escaped text is copied to the twin, before each flush
 * and at the end. */
static __attribute__((noinline)) void string_escaped(json_out *j, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    enum { CHUNK = (JO_BUFFER - 16) / 6 };
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + n;
    reserve(j, 1);
    size_t mark = j->len; /* where the text not yet copied to the twin starts */
    j->buffer[j->len++] = '"';
    while (p < end) {
        size_t chunk = (size_t)(end - p) < CHUNK ? (size_t)(end - p) : CHUNK;
        if (JO_BUFFER - j->len < 6 * chunk + 8) {
            if (j->twin)
                tput(j, j->buffer + mark, j->len - mark);
            flush(j);
            mark = 0;
        }
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
                size_t k = text_utf8_seq(p, (size_t)(end - p), NULL);
                if (k == 0) {
                    memcpy(o, "\xEF\xBF\xBD", 3);
                    o += 3;
                    k = 1;
                } else {
                    memcpy(o, p, k);
                    o += k;
                }
                p += k;
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
    if (j->len == JO_BUFFER) {
        if (j->twin)
            tput(j, j->buffer + mark, j->len - mark);
        flush(j);
        mark = 0;
    }
    j->buffer[j->len++] = '"';
    if (j->twin)
        tput(j, j->buffer + mark, j->len - mark);
}

/* Keys and strings up to this long are copied first and checked where
 * they landed. */
#define KEY_FAST 64

static bool plain_key(const char *key, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!plain((unsigned char)key[i]))
            return false;
    return true;
}

/* Whether the n <= KEY_FAST bytes at p, inside the buffer with 16 bytes
 * readable past each 16-byte step, are all plain(). The bytes past n are
 * read and masked out: the buffer is initialised (jo_init_sink). */
static inline bool plain_copied(const char *p, size_t n)
{
#if defined(__SSE2__)
    const __m128i lo = _mm_set1_epi8(0x1f), quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
    for (size_t i = 0; i < n; i += 16) {
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i bad = _mm_or_si128(_mm_cmpeq_epi8(w, quote), _mm_cmpeq_epi8(w, bslash));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(bad, _mm_cmpgt_epi8(w, lo)));
        unsigned want = n - i >= 16 ? 0xffffu : (1u << (n - i)) - 1;
        if ((mask & want) != want)
            return false;
    }
    return true;
#else
    return plain_key(p, n);
#endif
}

/* Copy n <= KEY_FAST bytes in a few fixed-size moves (overlapping ones
 * for the ends): keys and most values are short, and a memcpy() call costs
 * more than the copy. */
static inline void small_copy(char *d, const char *s, size_t n)
{
    if (n >= 16) {
        for (size_t i = 0; i + 16 <= n; i += 16)
            memcpy(d + i, s + i, 16);
        memcpy(d + n - 16, s + n - 16, 16);
    } else if (n >= 8) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    }
}

/* A string, quoted and escaped: a short one with nothing to escape is
 * copied and checked in place; anything else goes through
 * string_escaped(). */
static inline void string_body(json_out *j, const char *s, size_t n)
{
    if (n <= KEY_FAST) {
        reserve(j, KEY_FAST + 24);
        char *q = j->buffer + j->len;
        *q = '"';
        small_copy(q + 1, s, n);
        if (plain_copied(q + 1, n)) {
            q[n + 1] = '"';
            j->len += n + 2;
            if (j->twin)
                tput(j, q, n + 2);
            return;
        }
    }
    string_escaped(j, s, n);
}

/* A key that is long or must be escaped, after its separator (the main
 * side's is in the buffer already). */
static __attribute__((noinline)) void key_escaped(json_out *j, bool more, const char *key,
                                                  size_t n)
{
    if (j->twin && more)
        tput1(j, ',');
    string_escaped(j, key, n);
    token(j, ":\t", 2);
}

void jo_key_len(json_out *j, const char *key, size_t n)
{
    if (j->depth == 0 || j->is_array[j->depth - 1] || j->keyed) {
        j->misused = j->failed = true;
        return;
    }
    unsigned top = j->depth - 1;
    bool more = j->has_items[top];
    j->has_items[top] = true;
    j->keyed = true;
    /* The separator, the indentation and the quoted key, in one reserve. */
    reserve(j, JO_MAX_DEPTH + KEY_FAST + 24);
    char *o = j->buffer + j->len;
    if (j->pretty) {
        memcpy(o, ",\n", 2);
        o += more ? 2 : 0;
        memcpy(o, tab_run, JO_MAX_DEPTH);
        o += j->depth;
    } else {
        *o = ',';
        o += more;
    }
    char *k = o;
    if (n > KEY_FAST) {
        j->len = (size_t)(k - j->buffer);
        key_escaped(j, more, key, n);
        return;
    }
    *o++ = '"';
    small_copy(o, key, n);
    if (!plain_copied(o, n)) {
        j->len = (size_t)(k - j->buffer);
        key_escaped(j, more, key, n);
        return;
    }
    o += n;
    memcpy(o, "\":\t", 3);
    o += j->pretty ? 3 : 2;
    j->len = (size_t)(o - j->buffer);
    if (j->twin) {
        if (more)
            tput1(j, ',');
        tput(j, k, n + 3);
    }
}

void jo_string(json_out *j, const char *s)
{
    if (s == NULL) {
        jo_null(j);
        return;
    }
    before_value(j);
    string_body(j, s, strlen(s));
}

void jo_string_twin(json_out *j, const char *shown, const char *twinned)
{
    size_t n = strlen(twinned);
    if (!j->twin) {
        jo_string(j, shown);
        return;
    }
    if (n > 256 || !plain_key(twinned, n) || shown == NULL) {
        j->misused = j->failed = true;
        return;
    }
    before_value(j);
    j->twin = false;
    string_body(j, shown, strlen(shown));
    j->twin = true;
    tput1(j, '"');
    tput(j, twinned, n);
    tput1(j, '"');
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
    both(j, text + n, sizeof text - n);
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
        both(j, "null", 4);
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
        char text[24];
        size_t n = sizeof text;
        text[--n] = (char)('0' + u % 10);
        text[--n] = '.';
        u /= 10;
        do {
            text[--n] = (char)('0' + u % 10);
            u /= 10;
        } while (u != 0);
        if (k < 0)
            text[--n] = '-';
        both(j, text + n, sizeof text - n);
        return;
    }
    char text[32];
    int n = snprintf(text, sizeof text, "%1.15g", v);
    double back;
    if (sscanf(text, "%lg", &back) != 1 || !close_enough(back, v))
        n = snprintf(text, sizeof text, "%1.17g", v);
    if (n > 0 && (size_t)n < sizeof text)
        both(j, text, (size_t)n);
    else
        j->failed = true;
}

void jo_bool(json_out *j, bool v)
{
    before_value(j);
    both(j, v ? "true" : "false", v ? 4 : 5);
}

void jo_null(json_out *j)
{
    before_value(j);
    both(j, "null", 4);
}

void jo_key_string_len(json_out *j, const char *key, size_t key_len, const char *s)
{
    jo_key_len(j, key, key_len);
    if (s == NULL) {
        jo_null(j);
        return;
    }
    if (j->keyed) { /* else misused, and failed */
        j->keyed = false;
        string_body(j, s, strlen(s));
    }
}

void jo_key_number_len(json_out *j, const char *key, size_t key_len, double v)
{
    jo_key_len(j, key, key_len);
    jo_number(j, v);
}

void jo_key_bool_len(json_out *j, const char *key, size_t key_len, bool v)
{
    jo_key_len(j, key, key_len);
    jo_bool(j, v);
}

void jo_key_null_len(json_out *j, const char *key, size_t key_len)
{
    jo_key_len(j, key, key_len);
    jo_null(j);
}

void jo_key_object_begin_len(json_out *j, const char *key, size_t key_len)
{
    jo_key_len(j, key, key_len);
    jo_object_begin(j);
}

void jo_key_array_begin_len(json_out *j, const char *key, size_t key_len)
{
    jo_key_len(j, key, key_len);
    jo_array_begin(j);
}

void jo_key_strings_len(json_out *j, const char *key, size_t key_len, char *const *v, size_t n)
{
    jo_key_array_begin_len(j, key, key_len);
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
    if (j->twin)
        twin_flush(j);
    if (j->misused)
        return error_set(err, "the %s report writer was misused (unbalanced calls)", what);
    if (j->failed || (j->out != NULL && ferror(j->out)))
        return error_set(err, "cannot write the %s report", what);
    return 0;
}
