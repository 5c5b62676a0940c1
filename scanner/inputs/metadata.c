#include "scanner/inputs/metadata.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* First read from a metadata file: most header blocks fit in it. */
#define FIRST_CHUNK 8192

void metadata_clear(metadata *md)
{
    buf_free(&md->store_);
    memset(md, 0, sizeof *md);
}

/* Forget the fields, keeping the store's memory for the next file. */
static void metadata_reset(metadata *md)
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

/*
 * One line of `n` bytes at `p`: its stop in *stop (0 if `name` is false:
 * a continuation or "From " line has no field name) and the first end of
 * line at or after the stop, or n. The stop and the end are found in the
 * same sixteen bytes when they lie there (most field names are short), so
 * a line usually costs one load fewer than two find() calls.
 */
static size_t line_scan(const char *p, size_t n, bool name, size_t *stop)
{
    size_t s = 0;
#if defined(__SSE2__)
    if (name && n >= 16) {
        const __m128i nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
        const __m128i colon = _mm_set1_epi8(':'), lo = _mm_set1_epi8(0x21);
        const __m128i del = _mm_set1_epi8(0x7f);
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned sb = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(x, lo), _mm_cmpeq_epi8(x, del)),
                         _mm_cmpeq_epi8(x, colon)));
        if (sb != 0) {
            unsigned at = (unsigned)__builtin_ctz(sb);
            *stop = at;
            /* Ends of line are stops too: the first at or after the stop. */
            unsigned eb = (unsigned)_mm_movemask_epi8(
                              _mm_or_si128(_mm_cmpeq_epi8(x, nl), _mm_cmpeq_epi8(x, cr))) &
                          (~0u << at);
            if (eb != 0)
                return (size_t)__builtin_ctz(eb);
            return 16 + find(p + 16, n - 16, FIND_EOL);
        }
        s = 16 + find(p + 16, n - 16, FIND_STOP);
    } else
#endif
        if (name) {
        s = find(p, n, FIND_STOP);
    }
    *stop = s;
    if (s < n && (p[s] == '\n' || p[s] == '\r'))
        return s;
    return s + find(p + s, n - s, FIND_EOL);
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
    /* The common value is one line: its text is copied as it is. */
    size_t e = i + find(s + i, n - i, FIND_EOL);
    size_t tail = n - e;
    if (tail <= 1 || (tail == 2 && s[e] == '\r' && s[e + 1] == '\n')) {
        k = e - i;
        memcpy(v, s + i, k);
        v[k] = '\0';
        store->len = off + k + 1;
        *out_len = k;
        return off;
    }
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

int metadata_parse_general(const char *text, size_t len, bool at_eof, metadata *md)
{
    metadata_reset(md);
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
        size_t stop;
        size_t e = line_scan(p, rest, !(blank || from), &stop);
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
            if (cur.name != NULL) {
                take_field(&cur, md, &t);
                cur.name = NULL;
                /* Both fields taken, the last one complete (this line is
                 * no continuation of it): the first of repeated fields
                 * wins, so nothing further can change them. */
                if (t.name && t.version) {
                    ended = true;
                    break;
                }
            }
            /* Only a field that can still be taken is followed: a name of
             * 4 bytes starting with n or of 7 starting with v (a ":" at the
             * start has no name and is dropped too). Most lines are none. */
            unsigned char c0 = (unsigned char)p[0] | 0x20;
            if (!from && ((stop == 4 && c0 == 'n' && !t.name) ||
                          (stop == 7 && c0 == 'v' && !t.version)))
                cur = (field_span){p, stop, p + stop + 1, p + next, lineno};
        }
        pos += next;
    }
    if (!ended && !at_eof)
        return 1; /* the next line may continue the block */
    if (cur.name != NULL)
        take_field(&cur, md, &t);
    /* Pointers last: the store may have moved while it grew. */
    if (t.name)
        md->name = md->store_.data + t.name_off;
    if (t.version)
        md->version = md->store_.data + t.version_off;
    return 0;
}

/* The end of the line at `p`: its '\n', or NULL if it has none before
 * `end` or ends in '\r' (then the general parser decides). */
static const char *newline_at(const char *p, const char *end)
{
    size_t e = find(p, (size_t)(end - p), FIND_EOL);
    return p + e < end && p[e] == '\n' ? p + e : NULL;
}

/* The value of the field line at *p whose name and colon (`label_len`
 * bytes, checked by the caller) come first: past the blanks after the
 * colon, up to its '\n'; moves *p past the line. False if the line does
 * not end in '\n'. */
static bool plain_value(const char **p, const char *end, size_t label_len, const char **value,
                        size_t *value_len)
{
    const char *q = *p + label_len;
    while (q < end && (*q == ' ' || *q == '\t'))
        q++;
    const char *nl = newline_at(q, end);
    if (nl == NULL)
        return false;
    *value = q;
    *value_len = (size_t)(nl - q);
    *p = nl + 1;
    return true;
}

/*
 * What pip, setuptools, hatchling, flit and poetry all write first:
 *   Metadata-Version: X\nName: N\nVersion: V\n
 * and then a line that is no continuation (does not start with a blank or
 * tab). There the general parser takes Name and Version as the one-line
 * values they are and stops: this gives the same answer without walking
 * the lines. Returns 0 (parsed), or -1 for any other text, which the
 * general parser then reads (CRLF, a BOM, folded or repeated values,
 * another order, a file cut short).
 */
static int parse_common(const char *text, size_t len, bool at_eof, metadata *md)
{
    static const char mv[] = "Metadata-Version:";
    const char *p = text, *end = text + len;
    if (len < sizeof mv - 1 || memcmp(p, mv, sizeof mv - 1) != 0)
        return -1;
    const char *nl = newline_at(p + sizeof mv - 1, end);
    if (nl == NULL)
        return -1;
    p = nl + 1;
    const char *name, *version;
    size_t name_len, version_len;
    /* memcmp() of a constant length: a load and a compare. */
    if (end - p < 5 || memcmp(p, "Name:", 5) != 0 ||
        !plain_value(&p, end, 5, &name, &name_len))
        return -1;
    if (end - p < 8 || memcmp(p, "Version:", 8) != 0 ||
        !plain_value(&p, end, 8, &version, &version_len))
        return -1;
    if (p == end || *p == ' ' || *p == '\t')
        return -1;
    if (!at_eof) {
        /* The general parser wants the next line whole before it decides
         * (and a '\r' at the very end may be half of a CRLF). */
        size_t e = find(p, (size_t)(end - p), FIND_EOL);
        if (p + e == end || (p[e] == '\r' && p + e + 1 == end))
            return -1;
    }
    metadata_reset(md);
    buf *store = &md->store_;
    buf_reserve(store, name_len + version_len + 2);
    char *v = store->data;
    memcpy(v, name, name_len);
    v[name_len] = '\0';
    memcpy(v + name_len + 1, version, version_len);
    v[name_len + 1 + version_len] = '\0';
    store->len = name_len + version_len + 2;
    md->name = v;
    md->name_len = name_len;
    md->name_line = 2;
    md->version = v + name_len + 1;
    md->version_len = version_len;
    md->version_line = 3;
    return 0;
}

int metadata_parse(const char *text, size_t len, bool at_eof, metadata *md)
{
    if (parse_common(text, len, at_eof, md) == 0)
        return 0;
    return metadata_parse_general(text, len, at_eof, md);
}

int metadata_read_at(int dirfd, const char *path, const char *shown, buf *scratch,
                     metadata *md, airlock_error *err)
{
    metadata_reset(md);
    /* O_NONBLOCK: a FIFO planted as METADATA must not hang the scan. */
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR || e == EACCES || e == EPERM || e == EISDIR)
            return 0; /* what importlib's read_text() suppresses */
        return error_errno(err, e, "%s", shown);
    }
    buf_reset(scratch);
    buf_reserve(scratch, FIRST_CHUNK);
    int rc;
    for (;;) {
        ssize_t n = read(fd, scratch->data + scratch->len, scratch->cap - scratch->len - 1);
        if (n < 0) {
            int e = errno;
            if (e == EINTR)
                continue;
            close(fd);
            if (e == EISDIR)
                return 0;
            if (e == EAGAIN)
                return error_set(err, "%s: not a regular file", shown);
            return error_errno(err, e, "%s", shown);
        }
        scratch->len += (size_t)n;
        scratch->data[scratch->len] = '\0';
        bool eof = n == 0;
        if (eof && scratch->len == 0) {
            /* Empty: importlib's `or` chain moves on. Unless it is a FIFO
             * without a writer or a device, which gave nothing only because
             * of O_NONBLOCK (importlib would wait on it forever). */
            struct stat st;
            bool special = fstat(fd, &st) == 0 && !S_ISREG(st.st_mode);
            close(fd);
            if (special)
                return error_set(err, "%s: not a regular file", shown);
            return 0;
        }
        if (metadata_parse(scratch->data, scratch->len, eof, md) == 0) {
            rc = 1;
            break;
        }
        if (scratch->len > METADATA_MAX_HEADER) {
            close(fd);
            return error_set(err, "%s: header block larger than %zu bytes", shown,
                             METADATA_MAX_HEADER);
        }
        if (scratch->len + 1 >= scratch->cap)
            buf_reserve(scratch, scratch->cap); /* double */
    }
    close(fd);
    return rc;
}
