/*
 * version.c - PEP 440 versions, parsed the way packaging 23.0 parses them.
 *
 * A version is stored as its order-preserving key (docs/pep440.md gives the
 * byte layout), so version_compare() is a memcmp and the key the database
 * stores is the very thing the scanner compares. The grammar below follows
 * packaging's VERSION_PATTERN; where the regex could backtrack, taking the
 * longest label, number or separator never loses a match (see the notes at
 * each step), so one left-to-right pass decides.
 */
#include "core/version.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

enum { VF_PRE = 1, VF_POST = 2, VF_DEV = 4, VF_LOCAL = 8 };

/* Key bytes; docs/pep440.md. */
enum {
    K_REL_END = 0x01, K_REL_SEG = 0x02,
    K_PRE_NEGINF = 0x00, K_PRE_A = 0x01, K_PRE_B = 0x02, K_PRE_RC = 0x03, K_PRE_NONE = 0x04,
    K_POST_NONE = 0x00, K_POST = 0x01,
    K_DEV = 0x00, K_DEV_NONE = 0x01,
    K_LOCAL_NONE = 0x00, K_LOCAL = 0x01,
    K_LSEG_END = 0x01, K_LSEG_STR = 0x02, K_LSEG_NUM = 0x03,
    K_NUM_BIG = 0x09
};

/* A key is at most 1.5 bytes per text byte plus a few markers. */
#define KEY_BUF (2 * VERSION_MAX_TEXT + 64)
/* Keys from elsewhere (version_from_key) must format within this. */
#define CANON_MAX (VERSION_MAX_TEXT + 64)
/* Room for version_public()/version_base() to append their markers. */
#define VERSION_MAX_KEY (KEY_BUF - 8)

static const char U64_MAX_DIGITS[] = "18446744073709551615";

/* ---- text helpers ---- */

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_sep(int c) { return c == '-' || c == '_' || c == '.'; }
static int is_alnum(int c) { c = lower(c); return is_digit(c) || (c >= 'a' && c <= 'z'); }

/* Length of the whitespace character (Python's str.isspace) at p, or 0. */
static size_t space_at(const unsigned char *p, const unsigned char *end)
{
    size_t n = (size_t)(end - p);
    if (n == 0)
        return 0;
    unsigned c = p[0];
    if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f))
        return 1;
    if (n >= 2 && c == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0))
        return 2; /* U+0085, U+00A0 */
    if (n < 3)
        return 0;
    if ((c == 0xe1 && p[1] == 0x9a && p[2] == 0x80) ||  /* U+1680 */
        (c == 0xe3 && p[1] == 0x80 && p[2] == 0x80) ||  /* U+3000 */
        (c == 0xe2 && p[1] == 0x81 && p[2] == 0x9f) ||  /* U+205F */
        (c == 0xe2 && p[1] == 0x80 &&                   /* U+2000-200A, 2028, 2029, 202F */
         ((p[2] >= 0x80 && p[2] <= 0x8a) || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf)))
        return 3;
    return 0;
}

void version_strip_space(const char **text, size_t *len)
{
    const unsigned char *p = (const unsigned char *)*text, *end = p + *len;
    for (size_t n; (n = space_at(p, end)) > 0;)
        p += n;
    for (;;) {
        size_t k = 0;
        for (size_t w = 1; w <= 3 && k == 0; w++)
            if ((size_t)(end - p) >= w && space_at(end - w, end) == w)
                k = w;
        if (k == 0)
            break;
        end -= k;
    }
    *text = (const char *)p;
    *len = (size_t)(end - p);
}

static size_t digits_at(const char *p, const char *end)
{
    size_t n = 0;
    while (p + n < end && is_digit(p[n]))
        n++;
    return n;
}

/* Case-insensitive match of the word `w` at p: its length, or 0. */
static size_t word_at(const char *p, const char *end, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)p[i]) != w[i])
            return 0;
    return n;
}

/* Pre-release labels, longest spelling first: a shorter one never helps,
 * because what follows "a" of "alpha" (or "pre" of "preview", "b" of
 * "beta") cannot start any later part of a version. */
static int pre_label(const char *p, const char *end, size_t *len)
{
    static const struct { const char *w; int kind; } labels[] = {
        {"preview", K_PRE_RC}, {"pre", K_PRE_RC}, {"alpha", K_PRE_A}, {"a", K_PRE_A},
        {"beta", K_PRE_B}, {"b", K_PRE_B}, {"rc", K_PRE_RC}, {"c", K_PRE_RC},
    };
    /* Most versions end after the release: no label to try. */
    int c = p < end ? lower((unsigned char)*p) : 0;
    *len = 0;
    if (c != 'p' && c != 'a' && c != 'b' && c != 'r' && c != 'c')
        return 0;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if ((*len = word_at(p, end, labels[i].w)) > 0)
            return labels[i].kind;
    return 0;
}

static size_t post_label(const char *p, const char *end)
{
    size_t n;
    if (p == end)
        return 0;
    if ((n = word_at(p, end, "post")) || (n = word_at(p, end, "rev")) || (n = word_at(p, end, "r")))
        return n;
    return 0;
}

/* ---- key writing ---- */

static void put_u64(uint8_t *k, size_t *n, uint64_t x)
{
    unsigned bytes = 0;
    for (uint64_t t = x; t; t >>= 8)
        bytes++;
    k[(*n)++] = (uint8_t)bytes;
    while (bytes-- > 0)
        k[(*n)++] = (uint8_t)(x >> (8 * bytes));
}

/* A decimal number (leading zeros allowed): 0-8 = byte count of the
 * big-endian value; 9 = more than 64 bits, then a 2-byte digit count and
 * the digits. Both forms sort by value under memcmp. */
static void put_num(uint8_t *k, size_t *n, const char *d, size_t nd)
{
    while (nd > 0 && *d == '0')
        d++, nd--;
    if (nd < 20 || (nd == 20 && memcmp(d, U64_MAX_DIGITS, 20) <= 0)) {
        uint64_t x = 0;
        for (size_t i = 0; i < nd; i++)
            x = x * 10 + (uint64_t)(d[i] - '0');
        put_u64(k, n, x);
        return;
    }
    k[(*n)++] = K_NUM_BIG;
    k[(*n)++] = (uint8_t)(nd >> 8);
    k[(*n)++] = (uint8_t)nd;
    memcpy(k + *n, d, nd);
    *n += nd;
}

static int all_zero(const char *d, size_t nd)
{
    for (size_t i = 0; i < nd; i++)
        if (d[i] != '0')
            return 0;
    return 1;
}

static const uint8_t *key_of(const version *v)
{
    return v->heap_ ? v->heap_ : v->inline_;
}

static void set_key(version *v, const uint8_t *k, size_t len, size_t publen,
                    unsigned zeros, unsigned flags)
{
    v->heap_ = NULL;
    if (len > VERSION_INLINE_KEY) {
        v->heap_ = xmalloc(len);
        memcpy(v->heap_, k, len);
    } else {
        memcpy(v->inline_, k, len);
    }
    v->len_ = (uint16_t)len;
    v->publen_ = (uint16_t)publen;
    v->zeros_ = (uint16_t)zeros;
    v->flags_ = (uint8_t)flags;
}

/* ---- parsing ---- */

static int fail(airlock_error *err, const char *text, size_t len, const char *why)
{
    return error_invalid(err, "version", text, len, why);
}

int version_parse_full(version *v, const char *text, size_t len, airlock_error *err)
{
    if (text == NULL)
        text = "", len = 0;
    if (len > VERSION_MAX_TEXT)
        return fail(err, text, len, "too long");
    const char *p = text;
    size_t n = len;
    version_strip_space(&p, &n);
    const char *end = p + n;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] >= 0x80)
            return fail(err, text, len, "non-ASCII character");
    if (p == end)
        return fail(err, text, len, "empty");

    uint8_t key[KEY_BUF];
    size_t k = 0;
    unsigned flags = 0;

    if (lower((unsigned char)*p) == 'v')
        p++;
    size_t d = digits_at(p, end);
    if (d == 0)
        return fail(err, text, len, "expected a release number");
    if (p + d < end && p[d] == '!') {
        put_num(key, &k, p, d);
        p += d + 1;
        if ((d = digits_at(p, end)) == 0)
            return fail(err, text, len, "expected a release number after the epoch");
    } else {
        key[k++] = 0; /* epoch 0 */
    }

    /* Release: trailing zero segments do not count for order (1.0 == 1). */
    size_t keep = k;
    unsigned zeros = 0;
    for (;;) {
        key[k++] = K_REL_SEG;
        put_num(key, &k, p, d);
        if (all_zero(p, d)) {
            zeros++;
        } else {
            zeros = 0;
            keep = k;
        }
        p += d;
        if (end - p >= 2 && p[0] == '.' && is_digit(p[1]))
            d = digits_at(++p, end);
        else
            break;
    }
    k = keep;
    key[k++] = K_REL_END;

    /* Pre-release: [-_.]? label [-_.]? digits?  Taking the separators and
     * digits greedily never loses a match: every later part accepts being
     * started without a separator, and the "-N" post form needs the same
     * characters the pre number would take. */
    int pre = 0;
    const char *pre_d = NULL, *post_d = NULL, *dev_d = NULL;
    size_t pre_nd = 0, post_nd = 0, dev_nd = 0, ll;
    const char *q = p;
    if (q < end && is_sep(*q))
        q++;
    if ((pre = pre_label(q, end, &ll)) != 0) {
        q += ll;
        if (q < end && is_sep(*q))
            q++;
        pre_d = q;
        q += pre_nd = digits_at(q, end);
        p = q;
        flags |= VF_PRE;
    }

    /* Post-release: "-N", or [-_.]? (post|rev|r) [-_.]? digits? */
    q = p;
    if (end - q >= 2 && q[0] == '-' && is_digit(q[1])) {
        post_d = ++q;
        q += post_nd = digits_at(q, end);
        p = q;
        flags |= VF_POST;
    } else {
        if (q < end && is_sep(*q))
            q++;
        if ((ll = post_label(q, end)) > 0) {
            q += ll;
            if (q < end && is_sep(*q))
                q++;
            post_d = q;
            q += post_nd = digits_at(q, end);
            p = q;
            flags |= VF_POST;
        }
    }

    /* Development release: [-_.]? dev [-_.]? digits? */
    q = p;
    if (q < end && is_sep(*q))
        q++;
    if ((ll = word_at(q, end, "dev")) > 0) {
        q += ll;
        if (q < end && is_sep(*q))
            q++;
        dev_d = q;
        q += dev_nd = digits_at(q, end);
        p = q;
        flags |= VF_DEV;
    }

    /* packaging's _cmpkey: a dev release without pre or post sorts before
     * every pre-release of its release; no pre-release sorts after them. */
    if (pre) {
        key[k++] = (uint8_t)pre;
        put_num(key, &k, pre_d, pre_nd);
    } else {
        key[k++] = (flags & (VF_POST | VF_DEV)) == VF_DEV ? K_PRE_NEGINF : K_PRE_NONE;
    }
    if (flags & VF_POST) {
        key[k++] = K_POST;
        put_num(key, &k, post_d, post_nd);
    } else {
        key[k++] = K_POST_NONE;
    }
    if (flags & VF_DEV) {
        key[k++] = K_DEV;
        put_num(key, &k, dev_d, dev_nd);
    } else {
        key[k++] = K_DEV_NONE;
    }

    /* Local: + [a-z0-9]+ ([-_.][a-z0-9]+)*; all-digit parts are numbers. */
    size_t publen = k;
    if (p < end && *p == '+') {
        p++;
        key[k++] = K_LOCAL;
        for (;;) {
            size_t sl = 0, nd = digits_at(p, end);
            while (p + sl < end && is_alnum((unsigned char)p[sl]))
                sl++;
            if (sl == 0)
                return fail(err, text, len, "bad local version label");
            if (nd == sl) {
                key[k++] = K_LSEG_NUM;
                put_num(key, &k, p, nd);
            } else {
                key[k++] = K_LSEG_STR;
                for (size_t i = 0; i < sl; i++)
                    key[k++] = (uint8_t)lower((unsigned char)p[i]);
                key[k++] = 0;
            }
            p += sl;
            if (end - p >= 2 && is_sep(p[0]) && is_alnum((unsigned char)p[1]))
                p++;
            else
                break;
        }
        key[k++] = K_LSEG_END;
        flags |= VF_LOCAL;
    } else {
        key[k++] = K_LOCAL_NONE;
    }
    if (p != end)
        return fail(err, text, len, "unexpected text after the version");
    set_key(v, key, k, publen, zeros, flags);
    return 0;
}

/* The longest text the fast path takes: its key fits FAST_KEY (a segment
 * of d digits and its dot give at most 2 + d key bytes). */
#define FAST_TEXT 64
#define FAST_KEY (2 * FAST_TEXT + 8)
/* Digits a segment may have on the fast path: 10^18 - 1 fits 64 bits. */
#define FAST_DIGITS 18

/* Nearly every installed version is a plain release, "1.2.3": digits and
 * single dots, nothing around them. Its key is the epoch 0, the segments
 * without trailing zeros and the "no pre, post, dev, local" markers, which
 * is what version_parse_full() writes for it, byte for byte; anything
 * else (a letter, a space, an epoch, a long number, an empty segment)
 * goes to the full parser. */
int version_parse(version *v, const char *text, size_t len, airlock_error *err)
{
    if (text == NULL || len == 0 || len > FAST_TEXT)
        return version_parse_full(v, text, len, err);
    uint8_t key[FAST_KEY];
    size_t k = 0, keep = 1;
    unsigned zeros = 0;
    key[k++] = 0; /* epoch 0 */
    const char *p = text, *end = text + len;
    for (;;) {
        uint64_t x = 0;
        const char *d = p;
        while (p < end && is_digit((unsigned char)*p) && p - d < FAST_DIGITS)
            x = x * 10 + (uint64_t)(*p++ - '0');
        if (p == d || (p < end && *p != '.'))
            return version_parse_full(v, text, len, err);
        key[k++] = K_REL_SEG;
        if (x < 256) { /* put_u64()'s bytes for the usual small segment */
            key[k++] = x != 0;
            if (x != 0)
                key[k++] = (uint8_t)x;
        } else {
            put_u64(key, &k, x);
        }
        if (x == 0) {
            zeros++;
        } else {
            zeros = 0;
            keep = k;
        }
        if (p == end)
            break;
        p++; /* the dot; a digit must follow (checked above) */
    }
    k = keep;
    key[k++] = K_REL_END;
    key[k++] = K_PRE_NONE;
    key[k++] = K_POST_NONE;
    key[k++] = K_DEV_NONE;
    size_t publen = k;
    key[k++] = K_LOCAL_NONE;
    set_key(v, key, k, publen, zeros, 0);
    return 0;
}

/* ---- key reading ---- */

typedef struct reader {
    const uint8_t *p, *end;
    int bad;
} reader;

/* A number from a key: `digits` set for the big form. */
typedef struct knum {
    uint64_t small;
    const uint8_t *digits;
    size_t ndigits;
} knum;

static int rd_byte(reader *r)
{
    if (r->bad || r->p >= r->end) {
        r->bad = 1;
        return -1;
    }
    return *r->p++;
}

/* Read one number, rejecting any non-canonical spelling so that equal
 * values always have equal bytes. */
static void rd_num(reader *r, knum *x)
{
    x->small = 0;
    x->digits = NULL;
    x->ndigits = 0;
    int t = rd_byte(r);
    if (t < 0)
        return;
    if (t <= 8) {
        if (r->end - r->p < t || (t > 0 && r->p[0] == 0)) {
            r->bad = 1;
            return;
        }
        for (int i = 0; i < t; i++)
            x->small = (x->small << 8) | *r->p++;
        return;
    }
    if (t != K_NUM_BIG || r->end - r->p < 2) {
        r->bad = 1;
        return;
    }
    size_t nd = ((size_t)r->p[0] << 8) | r->p[1];
    r->p += 2;
    if ((size_t)(r->end - r->p) < nd || nd < 20 || r->p[0] == '0' ||
        (nd == 20 && memcmp(r->p, U64_MAX_DIGITS, 20) <= 0)) {
        r->bad = 1;
        return;
    }
    for (size_t i = 0; i < nd; i++)
        if (!is_digit(r->p[i])) {
            r->bad = 1;
            return;
        }
    x->digits = r->p;
    x->ndigits = nd;
    r->p += nd;
}

static int num_is_zero(const knum *x) { return x->digits == NULL && x->small == 0; }

/* An snprintf-like sink for the canonical text. */
typedef struct writer {
    char *out;
    size_t cap, len;
} writer;

static void w_bytes(writer *w, const void *s, size_t n)
{
    if (w->len < w->cap) {
        size_t m = w->cap - w->len < n ? w->cap - w->len : n;
        memcpy(w->out + w->len, s, m);
    }
    w->len += n;
}

static void w_str(writer *w, const char *s) { w_bytes(w, s, strlen(s)); }

static void w_num(writer *w, const knum *x)
{
    if (x->digits) {
        w_bytes(w, x->digits, x->ndigits);
        return;
    }
    /* Digits by hand: snprintf was most of version_format()'s cost, and
     * reports format every version they print. */
    char tmp[24];
    size_t k = sizeof tmp;
    uint64_t v = x->small;
    do {
        tmp[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    w_bytes(w, tmp + k, sizeof tmp - k);
}

typedef struct keyinfo {
    size_t nrel;     /* release segments in the key */
    size_t relend;   /* offset just past K_REL_END */
    size_t publen;   /* offset of the local marker */
    unsigned flags;
} keyinfo;

/* Walk (and check) a key, writing its canonical text with `zeros` trailing
 * zero release segments. Returns 0, or -1 if the key is malformed. */
static int key_walk(const uint8_t *key, size_t len, unsigned zeros, writer *w, keyinfo *info)
{
    reader r = {key, key + len, 0};
    knum x;
    memset(info, 0, sizeof *info);

    rd_num(&r, &x);
    if (!num_is_zero(&x)) {
        w_num(w, &x);
        w_str(w, "!");
    }
    int last_zero = 0, c;
    while ((c = rd_byte(&r)) == K_REL_SEG) {
        rd_num(&r, &x);
        if (info->nrel++ > 0)
            w_str(w, ".");
        w_num(w, &x);
        last_zero = num_is_zero(&x);
    }
    if (c != K_REL_END || last_zero)
        return -1;
    info->relend = (size_t)(r.p - key);
    for (unsigned i = 0; i < zeros; i++)
        w_str(w, info->nrel + i > 0 ? ".0" : "0");

    int pre = rd_byte(&r);
    if (pre >= K_PRE_A && pre <= K_PRE_RC) {
        static const char *const names[] = {"", "a", "b", "rc"};
        rd_num(&r, &x);
        w_str(w, names[pre]);
        w_num(w, &x);
        info->flags |= VF_PRE;
    } else if (pre != K_PRE_NEGINF && pre != K_PRE_NONE) {
        return -1;
    }
    c = rd_byte(&r);
    if (c == K_POST) {
        rd_num(&r, &x);
        w_str(w, ".post");
        w_num(w, &x);
        info->flags |= VF_POST;
    } else if (c != K_POST_NONE) {
        return -1;
    }
    c = rd_byte(&r);
    if (c == K_DEV) {
        rd_num(&r, &x);
        w_str(w, ".dev");
        w_num(w, &x);
        info->flags |= VF_DEV;
    } else if (c != K_DEV_NONE) {
        return -1;
    }
    int neginf = (info->flags & (VF_PRE | VF_POST | VF_DEV)) == VF_DEV;
    if ((pre == K_PRE_NEGINF) != neginf)
        return -1;

    info->publen = (size_t)(r.p - key);
    c = rd_byte(&r);
    if (c == K_LOCAL) {
        size_t nseg = 0;
        info->flags |= VF_LOCAL;
        while ((c = rd_byte(&r)) == K_LSEG_STR || c == K_LSEG_NUM) {
            w_str(w, nseg++ ? "." : "+");
            if (c == K_LSEG_NUM) {
                rd_num(&r, &x);
                w_num(w, &x);
                continue;
            }
            const uint8_t *s = r.p;
            int letter = 0;
            while (r.p < r.end && *r.p != 0) {
                uint8_t b = *r.p++;
                if (b >= 'a' && b <= 'z')
                    letter = 1;
                else if (!is_digit(b))
                    return -1;
            }
            /* An all-digit part would have been a number. */
            if (r.p == s || !letter || rd_byte(&r) != 0)
                return -1;
            w_bytes(w, s, (size_t)(r.p - 1 - s));
        }
        if (c != K_LSEG_END || nseg == 0)
            return -1;
    } else if (c != K_LOCAL_NONE) {
        return -1;
    }
    return r.bad || r.p != r.end ? -1 : 0;
}

/* ---- the rest of the API ---- */

void version_clear(version *v)
{
    if (v == NULL)
        return;
    free(v->heap_);
    v->heap_ = NULL;
    v->len_ = 0;
}

void version_copy(version *dst, const version *src)
{
    version tmp;
    set_key(&tmp, key_of(src), src->len_, src->publen_, src->zeros_, src->flags_);
    *dst = tmp;
}

int version_key_compare(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t m = alen < blen ? alen : blen;
    int c = m ? memcmp(a, b, m) : 0;
    if (c != 0)
        return c < 0 ? -1 : 1;
    return (alen > blen) - (alen < blen);
}

int version_compare(const version *a, const version *b)
{
    return version_key_compare(key_of(a), a->len_, key_of(b), b->len_);
}

size_t version_format(const version *v, char *out, size_t cap)
{
    writer w = {out, cap ? cap - 1 : 0, 0};
    keyinfo info;
    if (key_walk(key_of(v), v->len_, v->zeros_, &w, &info) != 0)
        w.len = 0; /* cannot happen for a parsed or decoded version */
    if (cap > 0)
        out[w.len < cap ? w.len : cap - 1] = '\0';
    return w.len;
}

size_t version_key(const version *v, uint8_t *out, size_t cap)
{
    if (cap >= v->len_)
        memcpy(out, key_of(v), v->len_);
    return v->len_;
}

int version_from_key(version *v, const uint8_t *key, size_t len, airlock_error *err)
{
    if (key == NULL || len == 0 || len > VERSION_MAX_KEY)
        return error_set(err, "invalid version key (%zu bytes)", len);
    writer w = {NULL, 0, 0};
    keyinfo info;
    /* A key without release segments is 0, written "0". */
    if (key_walk(key, len, 0, &w, &info) != 0)
        return error_set(err, "invalid version key (malformed %zu bytes)", len);
    unsigned zeros = info.nrel == 0;
    if (w.len + zeros > CANON_MAX)
        return error_set(err, "invalid version key (version text too long)");
    set_key(v, key, len, info.publen, zeros, info.flags);
    return 0;
}

bool version_is_prerelease(const version *v) { return (v->flags_ & (VF_PRE | VF_DEV)) != 0; }
bool version_is_postrelease(const version *v) { return (v->flags_ & VF_POST) != 0; }
bool version_is_devrelease(const version *v) { return (v->flags_ & VF_DEV) != 0; }
bool version_has_local(const version *v) { return (v->flags_ & VF_LOCAL) != 0; }

void version_public(version *dst, const version *src)
{
    uint8_t key[KEY_BUF];
    size_t n = src->publen_;
    memcpy(key, key_of(src), n);
    key[n++] = K_LOCAL_NONE;
    version tmp;
    set_key(&tmp, key, n, src->publen_, src->zeros_, src->flags_ & ~(unsigned)VF_LOCAL);
    if (dst == src)
        version_clear(dst);
    *dst = tmp;
}

void version_base(version *dst, const version *src)
{
    uint8_t key[KEY_BUF];
    writer w = {NULL, 0, 0};
    keyinfo info;
    if (key_walk(key_of(src), src->len_, src->zeros_, &w, &info) != 0)
        info.relend = 0;
    size_t n = info.relend;
    memcpy(key, key_of(src), n);
    key[n++] = K_PRE_NONE;
    key[n++] = K_POST_NONE;
    key[n++] = K_DEV_NONE;
    size_t publen = n;
    key[n++] = K_LOCAL_NONE;
    version tmp;
    set_key(&tmp, key, n, publen, src->zeros_, 0);
    if (dst == src)
        version_clear(dst);
    *dst = tmp;
}
