#include "scanner/reports/json_out.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "scanner/reports/json_out_impl.h"
#include "scanner/reports/out_pipe.h"

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
    j->twin_cap = JO_TWIN_BUFFER;
    j->buffer = j->own_buffer;
    j->twin_buffer = j->own_twin;
    j->pipe = NULL;
    j->no_pipe = false;
}

void jo_init_twin(json_out *j, FILE *out, jo_sink sink, void *ctx)
{
    jo_init(j, out);
    j->twin = true;
    j->twin_sink = sink;
    j->twin_ctx = ctx;
}

static bool file_fn(void *ctx, const void *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len;
}

/* Where the formatted text goes. */
static jo_sink main_fn(const json_out *j, void **ctx)
{
    *ctx = j->out != NULL ? (void *)j->out : j->sink_ctx;
    return j->out != NULL ? file_fn : j->sink;
}

/* Write in this thread. */
static void emit(json_out *j, const void *p, size_t n)
{
    void *ctx;
    jo_sink fn = main_fn(j, &ctx);
    if (n == 0 || j->failed)
        return;
    if (!fn(ctx, p, n))
        j->failed = true;
    else
        j->written += n;
}


/* The document has outgrown its buffer: write what the buffers hold here,
 * then hand every later one to a writer thread (out_pipe.h), or go on
 * writing here if there is none to be had. */
static void start_pipe(json_out *j)
{
    emit(j, j->buffer, j->len);
    j->len = 0;
    if (j->twin)
        jo_twin_flush(j);
    j->pipe = out_pipe_start(JO_BUFFER);
    if (j->pipe == NULL) {
        j->no_pipe = true;
        return;
    }
    j->buffer = out_pipe_buffer(j->pipe);
    j->twin_buffer = out_pipe_buffer(j->pipe);
    j->twin_cap = JO_BUFFER;
}

/* Hand the buffer over (to the pipe, or written here). `more`: the
 * document goes on (a pipe may be started). */
void jo_flush_more(json_out *j, bool more)
{
    if (j->pipe == NULL && more && !j->no_pipe && !j->failed && j->len != 0) {
        start_pipe(j);
        return;
    }
    if (j->pipe == NULL) {
        emit(j, j->buffer, j->len);
    } else if (j->len != 0 && !j->failed) {
        void *ctx;
        jo_sink fn = main_fn(j, &ctx);
        if (out_pipe_submit(j->pipe, j->buffer, j->len, fn, ctx))
            j->written += j->len;
        else
            j->failed = true;
        j->buffer = out_pipe_buffer(j->pipe);
    }
    j->len = 0;
}

static void flush(json_out *j)
{
    jo_flush_more(j, true);
}

/* Room for `n` more bytes in the buffer (n <= JO_BUFFER). */
static inline void reserve(json_out *j, size_t n)
{
    if (JO_BUFFER - j->len < n)
        flush(j);
}

void jo_put_long(json_out *j, const char *p, size_t n)
{
    while (n > JO_BUFFER - j->len) {
        size_t room = JO_BUFFER - j->len;
        memcpy(j->buffer + j->len, p, room);
        j->len += room;
        p += room;
        n -= room;
        flush(j);
    }
    memcpy(j->buffer + j->len, p, n);
    j->len += n;
}

static inline void put(json_out *j, const void *p, size_t n)
{
    if (n > JO_BUFFER - j->len) {
        jo_put_long(j, p, n);
        return;
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
void jo_twin_flush(json_out *j)
{
    if (j->twin_len != 0 && !j->failed) {
        if (j->pipe == NULL) {
            if (!j->twin_sink(j->twin_ctx, j->twin_buffer, j->twin_len))
                j->failed = true;
        } else {
            if (!out_pipe_submit(j->pipe, j->twin_buffer, j->twin_len, j->twin_sink,
                                 j->twin_ctx))
                j->failed = true;
            j->twin_buffer = out_pipe_buffer(j->pipe);
        }
    }
    j->twin_len = 0;
}

void jo_tput(json_out *j, const void *data, size_t n)
{
    const char *p = data;
    while (n > j->twin_cap - j->twin_len) {
        size_t room = j->twin_cap - j->twin_len;
        memcpy(j->twin_buffer + j->twin_len, p, room);
        j->twin_len += room;
        p += room;
        n -= room;
        jo_twin_flush(j);
    }
    memcpy(j->twin_buffer + j->twin_len, p, n);
    j->twin_len += n;
}

static inline void tput1(json_out *j, char c)
{
    if (j->twin_len == j->twin_cap)
        jo_twin_flush(j);
    j->twin_buffer[j->twin_len++] = c;
}

/* Text that is the same in both forms (numbers, true, false, null). */
static inline void both(json_out *j, const void *p, size_t n)
{
    put(j, p, n);
    if (j->twin)
        jo_tput(j, p, n);
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
                jo_tput(j, j->buffer + mark, j->len - mark);
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
            jo_tput(j, j->buffer + mark, j->len - mark);
        flush(j);
        mark = 0;
    }
    j->buffer[j->len++] = '"';
    if (j->twin)
        jo_tput(j, j->buffer + mark, j->len - mark);
}

/* Keys and strings up to this long are copied and checked in one go. */
#define KEY_FAST 64

static bool plain_key(const char *key, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!plain((unsigned char)key[i]))
            return false;
    return true;
}

/* Whether the eight bytes of w are all plain() (the zero-byte tests of
 * plain_run()). */
static inline bool plain8(uint64_t w)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = ones * 0x80;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    return ((w | ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs) == 0;
}

#if defined(__SSE2__)
/* 0xff in each byte of w that is not plain(): as signed bytes, below 0x20
 * takes in 0x80-0xff as well. */
static inline __m128i not_plain16(__m128i w)
{
    __m128i bad = _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('"')),
                               _mm_cmpeq_epi8(w, _mm_set1_epi8('\\')));
    return _mm_or_si128(bad, _mm_cmpgt_epi8(_mm_set1_epi8(0x20), w));
}
#endif

/* Copy the n <= KEY_FAST bytes at s to d in a few fixed-size moves
 * (overlapping ones for the ends; a memcpy() call costs more than the
 * copy), and say whether they are all plain(), from the values loaded:
 * loading back what was just stored, in wider pieces than it was stored,
 * stalls the store buffer on every key. Reads nothing outside s[0, n). */
static inline bool copy_plain(char *d, const char *s, size_t n)
{
#if defined(__SSE2__)
    if (n >= 16) {
        __m128i bad = _mm_setzero_si128();
        for (size_t i = 0; i + 16 < n; i += 16) {
            __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            bad = _mm_or_si128(bad, not_plain16(w));
            _mm_storeu_si128((__m128i *)(void *)(d + i), w);
        }
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
        bad = _mm_or_si128(bad, not_plain16(w));
        _mm_storeu_si128((__m128i *)(void *)(d + n - 16), w);
        return _mm_movemask_epi8(bad) == 0;
    }
    if (n >= 8) {
        __m128i a = _mm_loadl_epi64((const __m128i *)(const void *)s);
        __m128i b = _mm_loadl_epi64((const __m128i *)(const void *)(s + n - 8));
        _mm_storel_epi64((__m128i *)(void *)d, a);
        _mm_storel_epi64((__m128i *)(void *)(d + n - 8), b);
        return _mm_movemask_epi8(not_plain16(_mm_unpacklo_epi64(a, b))) == 0;
    }
#else
    if (n >= 8) {
        bool ok = true;
        uint64_t w;
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&w, s + i, 8);
            ok &= plain8(w);
            memcpy(d + i, &w, 8);
        }
        memcpy(&w, s + n - 8, 8);
        ok &= plain8(w);
        memcpy(d + n - 8, &w, 8);
        return ok;
    }
#endif
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
        return plain8(a | (uint64_t)b << 32);
    }
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        d[i] = s[i];
        ok &= plain((unsigned char)s[i]);
    }
    return ok;
}

/* The twin's side of a plain string or key of n <= KEY_FAST bytes:
 * quoted, and then `tail` (":" after a key, nothing after a value). */
static inline void twin_quoted(json_out *j, const char *s, size_t n, const char *tail,
                               size_t tail_len)
{
    if (j->twin_cap - j->twin_len < KEY_FAST + 4)
        jo_twin_flush(j);
    char *o = j->twin_buffer + j->twin_len;
    *o++ = '"';
    copy_plain(o, s, n);
    o += n;
    *o++ = '"';
    memcpy(o, tail, tail_len);
    j->twin_len = (size_t)(o + tail_len - j->twin_buffer);
}

/* A string, quoted and escaped: a short one with nothing to escape is
 * copied and checked in one go; anything else goes through
 * string_escaped(). */
static inline void string_body(json_out *j, const char *s, size_t n)
{
    if (n <= KEY_FAST) {
        reserve(j, KEY_FAST + 24);
        char *q = j->buffer + j->len;
        *q = '"';
        if (copy_plain(q + 1, s, n)) {
            q[n + 1] = '"';
            j->len += n + 2;
            if (j->twin)
                twin_quoted(j, s, n, "", 0);
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
    if (n > KEY_FAST || !copy_plain(o + 1, key, n)) {
        j->len = (size_t)(k - j->buffer);
        key_escaped(j, more, key, n);
        return;
    }
    *o++ = '"';
    o += n;
    memcpy(o, "\":\t", 3);
    o += j->pretty ? 3 : 2;
    j->len = (size_t)(o - j->buffer);
    if (j->twin) {
        if (more)
            tput1(j, ',');
        twin_quoted(j, key, n, ":", 1);
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
    jo_tput(j, twinned, n);
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
    jo_flush_more(j, false);
    if (j->twin)
        jo_twin_flush(j);
    if (j->pipe != NULL) {
        if (!out_pipe_finish(j->pipe))
            j->failed = true;
        j->pipe = NULL;
        j->buffer = j->own_buffer;
        j->twin_buffer = j->own_twin;
        j->twin_cap = JO_TWIN_BUFFER;
    }
    if (j->misused)
        return error_set(err, "the %s report writer was misused (unbalanced calls)", what);
    if (j->failed || (j->out != NULL && ferror(j->out)))
        return error_set(err, "cannot write the %s report", what);
    return 0;
}
