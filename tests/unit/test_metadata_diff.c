/* Differential test of scanner/inputs/metadata.c: metadata_parse() against
 * the reference below, the parser as of commit d7c47fb6 (itself checked
 * against the parsers before it), on every fuzz seed and real METADATA file
 * cut at every point (of the first 8 KiB) with and without EOF, and on
 * random splices of header-shaped pieces. Both must give the same return,
 * fields, lengths, lines and BOM flag (where metadata_parse() stops early,
 * once both fields are complete, the reference reads on: then the fields
 * must be those of the reference on the same text). Set
 * AIRLOCK_METADATA_DIFF_N for more splices. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/buf.h"
#include "core/fileio.h"
#include "scanner/inputs/metadata.h"

/* ---- the reference parser (verbatim but for the names) ---- */



/* Forget the fields, keeping the store's memory for the next file. */
static void ref_reset(metadata *md)
{
    buf store = md->store_;
    memset(md, 0, sizeof *md);
    buf_reset(&store);
    md->store_ = store;
}

/*
 * For each line the parser needs its first byte, the first byte that ends
 * a field name, and its end: email.feedparser's headerRE is
 * r'^(From |[\041-\071\073-\176]*:|[\t ])', so a line that starts with
 * neither a blank nor "From " is a header exactly when the first byte that
 * is ':' or not printable ASCII (0x21-0x7e) is a ':'. Both are found
 * sixteen bytes at a time with SSE2 where there is SSE2 (a call to memchr
 * a line cost more than the search), else a byte at a time.
 */
enum { FIND_EOL, FIND_STOP };

static bool byte_is(unsigned char c, int what)
{
    if (what == FIND_EOL)
        return c == '\n' || c == '\r';
    return c < 0x21 || c > 0x7e || c == ':'; /* '\n' and '\r' too */
}

/* The offset of the first end of line ('\n', '\r') or stop (':' or a byte
 * outside 0x21-0x7e) in s[0, n), or n if none. */
static size_t find(const char *s, size_t n, int what)
{
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    const __m128i colon = _mm_set1_epi8(':'), lo = _mm_set1_epi8(0x21);
    const __m128i del = _mm_set1_epi8(0x7f);
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i m;
        if (what == FIND_EOL)
            m = _mm_or_si128(_mm_cmpeq_epi8(x, nl), _mm_cmpeq_epi8(x, cr));
        else /* signed: bytes 0x80-0xff are below 0x21 too */
            m = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(x, lo), _mm_cmpeq_epi8(x, del)),
                             _mm_cmpeq_epi8(x, colon));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits != 0)
            return i + (size_t)__builtin_ctz(bits);
    }
#endif
    for (; i < n; i++)
        if (byte_is((unsigned char)s[i], what))
            return i;
    return n;
}

static bool field_is(const char *s, size_t n, const char *want)
{
    size_t wn = strlen(want);
    if (n != wn)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != want[i])
            return false;
    }
    return true;
}

/*
 * importlib's _adapters.Message "redents" a value holding a newline:
 * textwrap.dedent(' ' * 8 + value). dedent empties lines of only blanks and
 * tabs, then removes the longest common blank/tab prefix of the others.
 * Writes the result (at most n + 8 bytes) to `r` and returns its length.
 */
static size_t redent(const char *v, size_t n, char *r)
{
    /* Work on a copy with the eight spaces in front. */
    size_t tn = n + 8;
    char *t = xmalloc(tn + 1);
    memset(t, ' ', 8);
    memcpy(t + 8, v, n);
    t[tn] = '\0';

    const char *margin = NULL;
    size_t mlen = 0;
    for (size_t s = 0; s <= tn;) {
        size_t e = s;
        while (e < tn && t[e] != '\n')
            e++;
        size_t ind = 0;
        while (s + ind < e && (t[s + ind] == ' ' || t[s + ind] == '\t'))
            ind++;
        if (s + ind < e) { /* a line with text: its indent counts */
            if (margin == NULL) {
                margin = t + s;
                mlen = ind;
            } else {
                size_t k = 0;
                while (k < mlen && k < ind && margin[k] == t[s + k])
                    k++;
                mlen = k;
            }
        }
        s = e + 1;
    }

    size_t out = 0;
    for (size_t s = 0; s <= tn;) {
        size_t e = s;
        while (e < tn && t[e] != '\n')
            e++;
        size_t ind = 0;
        while (s + ind < e && (t[s + ind] == ' ' || t[s + ind] == '\t'))
            ind++;
        if (s + ind < e) {
            size_t skip = mlen; /* every text line starts with the margin */
            memcpy(r + out, t + s + skip, e - s - skip);
            out += e - s - skip;
        } /* blank-only lines become empty */
        if (e < tn)
            r[out++] = '\n';
        s = e + 1;
    }
    free(t);
    return out;
}

/* Append a field's value, as compat32 and importlib give it, from the text
 * after its colon up to the end of its last continuation line, to `store`
 * with a NUL after it. Returns its offset there; its length in *out_len. */
static size_t field_value(buf *store, const char *s, size_t n, size_t *out_len)
{
    buf_reserve(store, n + 8 + 1); /* redent() adds at most 8 bytes */
    size_t off = store->len;
    char *v = store->data + off;
    size_t k = 0;
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    for (; i < n; i++) {
        if (s[i] == '\r') {
            v[k++] = '\n'; /* universal newlines */
            if (i + 1 < n && s[i + 1] == '\n')
                i++;
        } else {
            v[k++] = s[i];
        }
    }
    while (k > 0 && v[k - 1] == '\n')
        k--;
    if (memchr(v, '\n', k) != NULL)
        k = redent(v, k, v); /* redent() reads from its own copy */
    v[k] = '\0';
    store->len = off + k + 1;
    *out_len = k;
    return off;
}

typedef struct field_span {
    const char *name;
    size_t name_len;
    const char *value; /* just after the colon */
    const char *end;   /* end of the last line, terminator included */
    unsigned line;
} field_span;

/* Where the values were put in md->store_ (which may move as it grows). */
typedef struct taken {
    size_t name_off, version_off;
    bool name, version;
} taken;

static void take_field(const field_span *f, metadata *md, taken *t)
{
    if (f->name == NULL)
        return;
    if (!t->name && field_is(f->name, f->name_len, "name")) {
        t->name_off = field_value(&md->store_, f->value, (size_t)(f->end - f->value),
                                  &md->name_len);
        t->name = true;
        md->name_line = f->line;
    } else if (!t->version && field_is(f->name, f->name_len, "version")) {
        t->version_off = field_value(&md->store_, f->value, (size_t)(f->end - f->value),
                                     &md->version_len);
        t->version = true;
        md->version_line = f->line;
    }
}

static int ref_parse(const char *text, size_t len, bool at_eof, metadata *md)
{
    ref_reset(md);
    size_t pos = 0;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        md->bom = true;
        pos = 3;
    } else if (!at_eof && len < 3 && memcmp(text, "\xef\xbb\xbf", len) == 0) {
        return 1;
    }

    field_span cur = {0};
    taken t = {0};
    unsigned lineno = 0;
    bool ended = false;
    while (pos < len) {
        /* One line: [pos, e) and its terminator [e, next). */
        const char *p = text + pos;
        size_t rest = len - pos;
        bool blank = p[0] == ' ' || p[0] == '\t';
        /* "From " lines are an mbox envelope or a defect: a header line
         * but never a field. */
        bool from = p[0] == 'F' && rest >= 5 && memcmp(p, "From ", 5) == 0;
        size_t stop = blank || from ? 0 : find(p, rest, FIND_STOP);
        size_t e = stop < rest && (p[stop] == '\n' || p[stop] == '\r')
                       ? stop
                       : stop + find(p + stop, rest - stop, FIND_EOL);
        size_t next;
        if (e == rest) {
            if (!at_eof)
                return 1;
            next = rest;
        } else if (p[e] == '\r') {
            if (e + 1 == rest && !at_eof)
                return 1; /* may be half of a CRLF */
            next = (e + 1 < rest && p[e + 1] == '\n') ? e + 2 : e + 1;
        } else {
            next = e + 1;
        }
        lineno++;

        if (e == 0) {
            ended = true; /* the blank line that ends the block */
            break;
        }
        if (blank) {
            if (cur.name != NULL)
                cur.end = p + next; /* continuation */
        } else {
            if (!from && (stop >= e || p[stop] != ':')) {
                ended = true; /* body text: the block is over */
                break;
            }
            /* Most fields are neither Name nor Version: only names of 4
             * or 7 bytes are looked at. */
            if (cur.name_len == 4 || cur.name_len == 7)
                take_field(&cur, md, &t);
            memset(&cur, 0, sizeof cur);
            /* A ":" at the start has no field name: dropped too. */
            if (!from && stop > 0) {
                cur.name = p;
                cur.name_len = stop;
                cur.value = p + stop + 1;
                cur.end = p + next;
                cur.line = lineno;
            }
        }
        pos += next;
    }
    if (!ended && !at_eof)
        return 1; /* the next line may continue the block */
    take_field(&cur, md, &t);
    /* Pointers last: the store may have moved while it grew. */
    if (t.name)
        md->name = md->store_.data + t.name_off;
    if (t.version)
        md->version = md->store_.data + t.version_off;
    return 0;
}


/* ---- the comparison ---- */

static unsigned long n_compared;

static void same_field(const char *a, size_t alen, const char *b, size_t blen)
{
    assert_true((a == NULL) == (b == NULL));
    if (a == NULL)
        return;
    assert_int_equal(alen, blen);
    assert_memory_equal(a, b, alen);
    assert_int_equal(a[alen], '\0');
}

/* Parse `len` bytes of `text` with both parsers (a heap copy, so ASan sees
 * any read past the end) and check they agree. */
static void compare(const char *text, size_t len, bool at_eof)
{
    char *copy = xmalloc(len ? len : 1);
    memcpy(copy, text, len);
    metadata a = {0}, b = {0};
    int ra = ref_parse(copy, len, at_eof, &a);
    int rb = metadata_parse(copy, len, at_eof, &b);
    if (ra == 1 && rb == 0) {
        /* metadata_parse() stops once both fields are complete, where the
         * reference reads to the block's end: then they must be the fields
         * the reference finds in the same text. */
        assert_non_null(b.name);
        assert_non_null(b.version);
        metadata_clear(&a);
        ra = ref_parse(copy, len, true, &a);
    }
    if (ra != rb) {
        fprintf(stderr, "differ on %zu bytes (eof %d): %d vs %d\n", len, at_eof, ra, rb);
        fwrite(text, 1, len, stderr);
    }
    assert_int_equal(ra, rb);
    if (ra == 0) {
        same_field(a.name, a.name_len, b.name, b.name_len);
        same_field(a.version, a.version_len, b.version, b.version_len);
        assert_int_equal(a.name_line, b.name_line);
        assert_int_equal(a.version_line, b.version_line);
        assert_int_equal(a.bom, b.bom);
    }
    metadata_clear(&a);
    metadata_clear(&b);
    free(copy);
    n_compared++;
}

/* Every cut of a file's first 8 KiB (the first read of metadata_read_at(),
 * past every header block here), with and without EOF; each cut is copied,
 * so more would be quadratic under the sanitizers. */
static void compare_cuts(const char *text, size_t len)
{
    if (len > 8192)
        len = 8192;
    for (size_t cut = 0; cut <= len; cut++) {
        compare(text, cut, true);
        compare(text, cut, false);
    }
}

static void compare_dir(const char *dir, const char *only)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        buf p = {0};
        buf_printf(&p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p.data, &st) == 0 && S_ISDIR(st.st_mode)) {
            compare_dir(p.data, only);
        } else if (S_ISREG(st.st_mode) &&
                   (only == NULL || strcmp(e->d_name, "METADATA") == 0 ||
                    strcmp(e->d_name, "PKG-INFO") == 0)) {
            char *data;
            size_t len;
            airlock_error err = {0};
            if (file_read_all(p.data, (size_t)1 << 24, &data, &len, &err) == 0) {
                compare_cuts(data, len);
                free(data);
            }
        }
        buf_free(&p);
    }
    closedir(d);
}

static void test_seeds_and_files(void **state)
{
    (void)state;
    const char *src = getenv("AIRLOCK_SOURCE_DIR");
    if (src == NULL)
        src = ".";
    buf p = {0};
    buf_printf(&p, "%s/tests/fuzz/corpus/metadata", src);
    unsigned long before = n_compared;
    compare_dir(p.data, NULL);
    assert_true(n_compared > before); /* the seeds were there */
    buf_reset(&p);
    buf_printf(&p, "%s/tests/data", src);
    compare_dir(p.data, "METADATA");
    const char *shared = getenv("AIRLOCK_SHARED_DIR");
    if (shared != NULL) {
        buf_reset(&p);
        buf_printf(&p, "%s/data", shared);
        compare_dir(p.data, "METADATA");
    }
    buf_free(&p);
}

/* Header-shaped pieces: fields wanted and not, folded lines, odd line ends,
 * bytes that end a field name, names around the sixteen-byte blocks. */
static const char *const pieces[] = {
    "Name: demo\n", "name:Demo_Pkg \r\n", "NAME:\tx\r", "Version: 1.0\n", "version:2\r\n",
    "VERSION: 3.0rc1 \n", "Metadata-Version: 2.1\n", "Summary: a summary\n",
    "License: MIT\n", "Keyword: k\n", "Classifier: Programming Language :: Python :: 3\n",
    "Requires-Dist: requests (>=2.0) ; extra == 'socks'\n",
    "Project-URL: Homepage, https://example.org/x\n",
    "X-A-Very-Long-Field-Name-Past-Sixteen-Bytes: v\n", "Name-Ish: n\n", "Versio: v\n",
    "Versions: v\n", "Nam: n\n", " continued\n", "\tcontinued\r\n", "  \n", " \r", "\t\n",
    "From someone\n", "From: x\n", "From \n", ":novalue\n", "Bad Line\n", "bad\n",
    "\n", "\r\n", "\r", "N\x80me: a\n", "Name\x7f: a\n", "Name :a\n", "Name:\x00z\n",
    "Name:", "Version:", "\xef\xbb\xbf", "\xef\xbb", "body text after the block\n",
    "Description: first\n        second\n\n        third\n", "Name: a\r\r\n",
    "0123456789abcdef0123456789abcdef: v\n",
    "Classifier: a value with a tab\there, and more bytes past thirty-two\n",
    "Summary: \x0b\x0c\x0e\x0f\x08 control bytes 0x08-0x0f in a long enough value\r\n", "Name:  spaced  \n", "v: 1\n", "n: 2\n",
};

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static void test_splices(void **state)
{
    (void)state;
    const char *env = getenv("AIRLOCK_METADATA_DIFF_N");
    unsigned long n = env ? strtoul(env, NULL, 10) : 40000;
    size_t np = sizeof pieces / sizeof pieces[0];
    buf b = {0};
    for (unsigned long i = 0; i < n; i++) {
        buf_reset(&b);
        unsigned k = 1 + rnd(24);
        for (unsigned j = 0; j < k; j++) {
            const char *s = pieces[rnd((unsigned)np)];
            if (rnd(8) == 0) { /* a piece cut short */
                size_t l = strlen(s);
                buf_append(&b, s, l ? rnd((unsigned)l) : 0);
            } else if (rnd(16) == 0) { /* a long value */
                buf_puts(&b, rnd(2) ? "Name: " : "Classifier: ");
                unsigned m = rnd(200);
                for (unsigned c = 0; c < m; c++)
                    buf_putc(&b, "ab \t:\r\x80-\x08\x0b\x0c\x0e\x0f\n"[rnd(14)]);
                buf_putc(&b, '\n');
            } else {
                buf_puts(&b, s);
            }
        }
        compare(b.data, b.len, true);
        compare(b.data, b.len, false);
        size_t cut = b.len ? rnd((unsigned)b.len) : 0;
        compare(b.data, cut, rnd(2) == 0);
    }
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds_and_files),
        cmocka_unit_test(test_splices),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    fprintf(stderr, "%lu inputs compared\n", n_compared);
    return rc;
}
