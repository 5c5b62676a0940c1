/*
 * specifier.c - PEP 440 specifier sets, as packaging 23.0's Specifier and
 * SpecifierSet evaluate them.
 *
 * Most operators compare parsed versions. Prefix matching (==V.*, !=V.*,
 * and the == half of ~=) is done on packaging's own terms, text tokens of
 * canonical forms padded with zeros, because that is what decides its
 * corner cases (epochs, "c" labels, trailing zeros); see _version_split and
 * _pad_version in packaging/specifiers.py.
 */
#include "core/specifier.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

/* Canonical text of anything we parsed fits here (version.c's bound). */
#define CANON_BUF (VERSION_MAX_TEXT + 128)
/* More comma-joined specifiers, and text, than any real requirement has;
 * they bound the work hostile input can cause. */
#define SPECSET_MAX 1024
#define SPECSET_MAX_TEXT (64 * 1024)

typedef struct tok {
    uint16_t off, len;
} tok;

/* A tokenised string, as packaging's _version_split(). */
typedef struct toks {
    char *text;
    tok *t;
    size_t n, ndigit; /* tokens; leading all-digit tokens */
} toks;

typedef struct spec {
    spec_op op;
    bool wildcard;
    bool has_version;   /* `v` holds the parsed version */
    bool pre_allowed;   /* packaging's Specifier.prereleases */
    bool pre_error;     /* ... which raises (=== of a non-version) */
    char *text;         /* version as written, without ".*" */
    size_t text_len;
    char *str;          /* str(Specifier): operator and version as written */
    char *canon;        /* for de-duplication (Specifier.__eq__) */
    version v;
    toks prefix;        /* == side of a wildcard or of ~= */
} spec;

struct specset {
    size_t n;
    spec *s; /* sorted by str, as str(SpecifierSet) lists them */
};

static const char *const OPS[] = {"~=", "==", "!=", "<=", ">=", "<", ">", "==="};

/* ---- tokens ---- */

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Split point of an item matching ^([0-9]+)((?:a|b|c|rc)[0-9]+)$, or 0. */
static size_t prefix_split(const char *s, size_t n)
{
    size_t d = 0;
    while (d < n && s[d] >= '0' && s[d] <= '9')
        d++;
    if (d == 0 || d == n)
        return 0;
    size_t l = (n - d >= 2 && s[d] == 'r' && s[d + 1] == 'c') ? 2
             : (s[d] == 'a' || s[d] == 'b' || s[d] == 'c') ? 1 : 0;
    return l && all_digits(s + d + l, n - d - l) ? d : 0;
}

/* Tokenise `s` (length n <= UINT16_MAX) into t[]; returns the count. t must
 * have room for 2 * (dots + 1) entries. */
static size_t split_tokens(const char *s, size_t n, tok *t)
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        size_t len = i - start, d = prefix_split(s + start, len);
        if (d) {
            t[k++] = (tok){(uint16_t)start, (uint16_t)d};
            t[k++] = (tok){(uint16_t)(start + d), (uint16_t)(len - d)};
        } else {
            t[k++] = (tok){(uint16_t)start, (uint16_t)len};
        }
        start = i + 1;
    }
    return k;
}

static size_t count_dots(const char *s, size_t n)
{
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += s[i] == '.';
    return d;
}

static void toks_init(toks *t, const char *s, size_t n)
{
    t->text = xstrndup(s, n);
    t->t = xmalloc(2 * (count_dots(s, n) + 1) * sizeof *t->t);
    t->n = split_tokens(t->text, n, t->t);
    t->ndigit = 0;
    while (t->ndigit < t->n && all_digits(t->text + t->t[t->ndigit].off, t->t[t->ndigit].len))
        t->ndigit++;
}

static void toks_free(toks *t)
{
    free(t->text);
    free(t->t);
}

/* ---- canonical forms ---- */

/* packaging's canonicalize_version(v, strip_trailing_zero=strip). */
static size_t canon_version(const version *v, bool strip, char *out, size_t cap)
{
    size_t n = version_format(v, out, cap);
    if (n >= cap)
        return 0; /* cannot happen: parsed versions fit CANON_BUF */
    if (!strip)
        return n;
    size_t rs = 0;
    const char *bang = memchr(out, '!', n);
    if (bang)
        rs = (size_t)(bang - out) + 1;
    size_t re = rs;
    while (re < n && (out[re] >= '0' && out[re] <= '9'))
        re++;
    while (n - re >= 2 && out[re] == '.' && out[re + 1] >= '0' && out[re + 1] <= '9')
        for (re++; re < n && out[re] >= '0' && out[re] <= '9'; re++)
            ;
    size_t cut = re;
    while (cut - rs >= 2 && out[cut - 2] == '.' && out[cut - 1] == '0')
        cut -= 2;
    memmove(out + cut, out + re, n - re + 1);
    return n - (re - cut);
}

/* canonicalize_version() of a text: canonical if it parses, else as is. */
static char *canon_text(const char *s, size_t n, bool strip)
{
    version v;
    if (version_parse(&v, s, n, NULL) != 0)
        return xstrndup(s, n);
    char out[CANON_BUF];
    size_t m = canon_version(&v, strip, out, sizeof out);
    version_clear(&v);
    return xstrndup(out, m);
}

/* ---- parsing ---- */

static int spec_fail(airlock_error *err, const char *text, size_t len, const char *why)
{
    return error_invalid(err, "specifier", text, len, why);
}

static bool space_at(const char *p, const char *end)
{
    const char *s = p;
    size_t n = (size_t)(end - p) < 3 ? (size_t)(end - p) : 3;
    version_strip_space(&s, &n);
    return s != p;
}

/* Where the release starts in `s`: after a "v" and an epoch ("[0-9]+!"),
 * if there are any. */
static size_t release_start(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == 'v' || s[i] == 'V'))
        i++;
    size_t d = i;
    while (d < n && s[d] >= '0' && s[d] <= '9')
        d++;
    return d > i && d < n && s[d] == '!' ? d + 1 : i;
}

/* The release as written has at least two segments ([0-9]+(\.[0-9]+)+
 * after v? and an epoch); `s` is a valid version text. */
static bool two_release_segments(const char *s, size_t n)
{
    size_t i = release_start(s, n);
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return n - i >= 2 && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9';
}

/* v?([0-9]+!)?[0-9]+(\.[0-9]+)* exactly: what may precede ".*". */
static bool plain_release(const char *s, size_t n)
{
    size_t i = release_start(s, n);
    for (;;) {
        size_t st = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == st)
            return false;
        if (i == n)
            return true;
        if (s[i++] != '.')
            return false;
    }
}

/* The "==P.*" of ~=: _version_split of the text as written, the leading
 * non-suffix parts without the last, joined by "." (_compare_compatible). */
static char *compatible_prefix(const char *s, size_t n)
{
    tok *t = xmalloc(2 * (count_dots(s, n) + 1) * sizeof *t);
    size_t k = split_tokens(s, n, t), keep = 0;
    static const char *const suffixes[] = {"dev", "a", "b", "rc", "post"};
    for (; keep < k; keep++) {
        bool suffix = false;
        for (size_t j = 0; j < 5; j++) {
            size_t sl = strlen(suffixes[j]);
            if (t[keep].len >= sl && memcmp(s + t[keep].off, suffixes[j], sl) == 0)
                suffix = true;
        }
        if (suffix)
            break;
    }
    buf b = {0};
    for (size_t i = 0; i + 1 < keep; i++) {
        if (i)
            buf_putc(&b, '.');
        buf_append(&b, s + t[i].off, t[i].len);
    }
    free(t);
    size_t len;
    char *out = buf_detach(&b, &len);
    char *c = canon_text(out, len, false);
    free(out);
    return c;
}

static void spec_free(spec *s)
{
    free(s->text);
    free(s->str);
    free(s->canon);
    if (s->has_version)
        version_clear(&s->v);
    toks_free(&s->prefix);
}

/* One specifier: `p`..`end` has no surrounding space. */
static int spec_parse(spec *s, const char *p, const char *end, airlock_error *err)
{
    const char *whole = p;
    size_t whole_len = (size_t)(end - p);
    memset(s, 0, sizeof *s);
    int op = -1;
    if (end - p >= 3 && memcmp(p, "===", 3) == 0) {
        op = SPEC_ARBITRARY;
    } else {
        for (int i = 0; i < SPEC_ARBITRARY && op < 0; i++) {
            size_t ol = strlen(OPS[i]);
            if ((size_t)(end - p) >= ol && memcmp(p, OPS[i], ol) == 0)
                op = i;
        }
    }
    if (op < 0)
        return spec_fail(err, whole, whole_len, "expected an operator");
    s->op = (spec_op)op;
    p += strlen(OPS[op]);
    size_t n = (size_t)(end - p);
    version_strip_space(&p, &n);
    if (n > VERSION_MAX_TEXT)
        return spec_fail(err, whole, whole_len, "version too long");

    if (s->op == SPEC_ARBITRARY) {
        /* [^\s;)]* : anything but space, ';' and ')'. */
        for (const char *q = p; q < p + n; q++)
            if (*q == ';' || *q == ')' || space_at(q, p + n))
                return spec_fail(err, whole, whole_len, "bad character in === version");
        s->text = xstrndup(p, n);
        s->text_len = n;
        s->has_version = version_parse(&s->v, p, n, NULL) == 0;
        s->pre_error = !s->has_version;
        s->pre_allowed = s->has_version && version_is_prerelease(&s->v);
        s->canon = canon_text(p, n, true);
    } else {
        bool star = n >= 2 && p[n - 2] == '.' && p[n - 1] == '*';
        size_t vn = star ? n - 2 : n;
        if (star && ((s->op != SPEC_EQUAL && s->op != SPEC_NOT_EQUAL) || !plain_release(p, vn)))
            return spec_fail(err, whole, whole_len, "bad use of .*");
        airlock_error verr;
        if (version_parse(&s->v, p, vn, &verr) != 0)
            return spec_fail(err, whole, whole_len, "not a valid version");
        s->has_version = true;
        s->wildcard = star;
        s->text = xstrndup(p, vn);
        s->text_len = vn;
        if (version_has_local(&s->v) && s->op != SPEC_EQUAL && s->op != SPEC_NOT_EQUAL)
            return spec_fail(err, whole, whole_len, "local version not allowed here");
        if (s->op == SPEC_COMPATIBLE && !two_release_segments(p, vn))
            return spec_fail(err, whole, whole_len, "~= needs at least two release segments");
        s->pre_allowed = (s->op == SPEC_EQUAL || s->op == SPEC_GREATER_EQUAL ||
                          s->op == SPEC_LESS_EQUAL || s->op == SPEC_COMPATIBLE) &&
                         version_is_prerelease(&s->v);
        /* canonicalize_version() of "1.0.*" is the text itself. */
        s->canon = star ? xstrndup(p, n) : canon_text(p, n, s->op != SPEC_COMPATIBLE);
        if (star) {
            char c[CANON_BUF];
            size_t cl = canon_version(&s->v, false, c, sizeof c);
            toks_init(&s->prefix, c, cl);
        } else if (s->op == SPEC_COMPATIBLE) {
            char *c = compatible_prefix(p, vn);
            toks_init(&s->prefix, c, strlen(c));
            free(c);
        }
    }
    size_t ol = strlen(OPS[op]);
    s->str = xmalloc(ol + n + 1);
    memcpy(s->str, OPS[op], ol);
    memcpy(s->str + ol, p, n);
    s->str[ol + n] = '\0';
    return 0;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(((const spec *)a)->str, ((const spec *)b)->str);
}

int specset_parse(const char *text, size_t len, specset **out, airlock_error *err)
{
    if (text == NULL)
        text = "", len = 0;
    if (len > SPECSET_MAX_TEXT)
        return error_set(err, "invalid specifier set: longer than %d bytes", SPECSET_MAX_TEXT);
    /* Python would keep a NUL inside a === version; our texts are C strings. */
    if (memchr(text, '\0', len) != NULL)
        return error_set(err, "invalid specifier set: NUL byte");
    specset *set = xcalloc(1, sizeof *set);
    const char *p = text, *end = text + len;
    size_t cap = 0;
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        const char *q = p;
        size_t n = (size_t)(stop - p);
        version_strip_space(&q, &n);
        p = stop + 1;
        if (n == 0)
            continue;
        if (set->n == SPECSET_MAX) {
            specset_free(set);
            return error_set(err, "invalid specifier set: more than %d specifiers", SPECSET_MAX);
        }
        if (set->n == cap) {
            cap = cap ? 2 * cap : 4;
            set->s = xrealloc(set->s, cap * sizeof *set->s);
        }
        spec *s = &set->s[set->n];
        if (spec_parse(s, q, q + n, err) != 0) {
            spec_free(s);
            specset_free(set);
            return -1;
        }
        /* A set: the first of equal specifiers stays (Specifier.__eq__). */
        bool dup = false;
        for (size_t i = 0; i < set->n && !dup; i++)
            dup = set->s[i].op == s->op && strcmp(set->s[i].canon, s->canon) == 0;
        if (dup)
            spec_free(s);
        else
            set->n++;
    }
    if (set->n > 1)
        qsort(set->s, set->n, sizeof *set->s, by_str);
    *out = set;
    return 0;
}

void specset_free(specset *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        spec_free(&s->s[i]);
    free(s->s);
    free(s);
}

/* ---- matching ---- */

/* _compare_equal with a ".*": the tokens of canonicalize_version(v.public),
 * zero-padded to the prefix's release length, start with the prefix. */
static bool prefix_match(const toks *r, const version *v)
{
    char c[CANON_BUF];
    version pub;
    version_public(&pub, v);
    size_t cl = canon_version(&pub, true, c, sizeof c);
    version_clear(&pub);
    tok lt[CANON_BUF];
    size_t ln = split_tokens(c, cl, lt), lnum = 0;
    while (lnum < ln && all_digits(c + lt[lnum].off, lt[lnum].len))
        lnum++;
    size_t pad = r->ndigit > lnum ? r->ndigit - lnum : 0;
    for (size_t i = 0; i < r->n; i++) {
        const char *ls;
        size_t ll;
        if (i < lnum) {
            ls = c + lt[i].off, ll = lt[i].len;
        } else if (i < lnum + pad) {
            ls = "0", ll = 1;
        } else if (i - pad < ln) {
            ls = c + lt[i - pad].off, ll = lt[i - pad].len;
        } else {
            return false; /* shorter than the prefix */
        }
        if (ll != r->t[i].len || memcmp(ls, r->text + r->t[i].off, ll) != 0)
            return false;
    }
    return true;
}

static int cmp_public(const version *v, const version *spec_v)
{
    version pub;
    version_public(&pub, v);
    int c = version_compare(&pub, spec_v);
    version_clear(&pub);
    return c;
}

static bool same_base(const version *a, const version *b)
{
    version ba, bb;
    version_base(&ba, a);
    version_base(&bb, b);
    bool same = version_compare(&ba, &bb) == 0;
    version_clear(&ba);
    version_clear(&bb);
    return same;
}

/* str(v).lower() == spec.lower(); str(v) is already lower case. Python
 * lower-cases the Kelvin sign (U+212A) to 'k'. */
static bool arbitrary_match(const spec *s, const version *v)
{
    char c[CANON_BUF];
    size_t cl = version_format(v, c, sizeof c), i = 0, j = 0;
    const char *t = s->text;
    while (i < cl && j < s->text_len) {
        int ch = (unsigned char)t[j];
        if (ch == 0xe2 && s->text_len - j >= 3 && (unsigned char)t[j + 1] == 0x84 &&
            (unsigned char)t[j + 2] == 0xaa) {
            ch = 'k';
            j += 3;
        } else {
            if (ch >= 'A' && ch <= 'Z')
                ch += 'a' - 'A';
            j++;
        }
        if (ch != c[i++])
            return false;
    }
    return i == cl && j == s->text_len;
}

static bool spec_match(const spec *s, const version *v)
{
    switch (s->op) {
    case SPEC_COMPATIBLE:
        return cmp_public(v, &s->v) >= 0 && prefix_match(&s->prefix, v);
    case SPEC_EQUAL:
    case SPEC_NOT_EQUAL: {
        bool eq;
        if (s->wildcard)
            eq = prefix_match(&s->prefix, v);
        else if (version_has_local(&s->v))
            eq = version_compare(v, &s->v) == 0;
        else
            eq = cmp_public(v, &s->v) == 0;
        return s->op == SPEC_EQUAL ? eq : !eq;
    }
    case SPEC_LESS_EQUAL:
        return cmp_public(v, &s->v) <= 0;
    case SPEC_GREATER_EQUAL:
        return cmp_public(v, &s->v) >= 0;
    case SPEC_LESS:
        /* <V excludes pre-releases of V itself unless V is one. */
        if (version_compare(v, &s->v) >= 0)
            return false;
        return version_is_prerelease(&s->v) || !version_is_prerelease(v) || !same_base(v, &s->v);
    case SPEC_GREATER:
        /* >V excludes post-releases of V unless V is one, and V+local. */
        if (version_compare(v, &s->v) <= 0)
            return false;
        if (!version_is_postrelease(&s->v) && version_is_postrelease(v) && same_base(v, &s->v))
            return false;
        return !version_has_local(v) || !same_base(v, &s->v);
    case SPEC_ARBITRARY:
        return arbitrary_match(s, v);
    }
    return false;
}

bool specset_contains(const specset *s, const version *v, spec_prereleases pre)
{
    bool allow = pre == SPEC_PRERELEASES_INCLUDE;
    if (pre == SPEC_PRERELEASES_DEFAULT) {
        /* any(s.prereleases): packaging raises for a === non-version. */
        for (size_t i = 0; i < s->n; i++) {
            if (s->s[i].pre_error)
                return false;
            allow = allow || s->s[i].pre_allowed;
        }
    }
    if (!allow && version_is_prerelease(v))
        return false;
    for (size_t i = 0; i < s->n; i++)
        if (!spec_match(&s->s[i], v))
            return false;
    return true;
}

bool specset_contains_text(const specset *s, const char *text, size_t len, spec_prereleases pre)
{
    version v;
    if (version_parse(&v, text, len, NULL) != 0)
        return false; /* packaging 23.0 raises InvalidVersion */
    bool in = specset_contains(s, &v, pre);
    version_clear(&v);
    return in;
}

size_t specset_count(const specset *s) { return s->n; }
spec_op specset_op(const specset *s, size_t i) { return s->s[i].op; }
const char *specset_version_text(const specset *s, size_t i) { return s->s[i].text; }
bool specset_is_wildcard(const specset *s, size_t i) { return s->s[i].wildcard; }

const char *specset_exact_pin(const specset *s)
{
    if (s->n != 1)
        return NULL;
    const spec *p = &s->s[0];
    if ((p->op == SPEC_EQUAL && !p->wildcard) || p->op == SPEC_ARBITRARY)
        return p->text;
    return NULL;
}

size_t specset_format(const specset *s, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        const char *parts[2] = {i ? "," : "", s->s[i].str};
        for (int k = 0; k < 2; k++) {
            size_t m = strlen(parts[k]);
            if (n < cap) {
                size_t room = cap - 1 - n;
                memcpy(out + n, parts[k], m < room ? m : room);
            }
            n += m;
        }
    }
    if (cap > 0)
        out[n < cap ? n : cap - 1] = '\0';
    return n;
}
