#include "scanner/inputs/metadata.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Eight bytes from `s`, the first in the lowest bits on any machine. */
static uint64_t load_le64(const char *s)
{
    uint64_t w;
    memcpy(&w, s, sizeof w);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* The high bit of each byte of `w` that ends a field name: ':' or a byte
 * outside printable ASCII (0x21-0x7e). A byte below 0x21 borrows into its
 * high bit once 0x21 is subtracted (and had it clear); one above 0x7e has
 * its high bit set, or gets it when 1 is added; a ':' is a zero byte once
 * xored with ':'. A carry or borrow into the next byte starts only at a
 * byte that is itself flagged, so the lowest flag is always exact (those
 * above it may not be). */
static uint64_t name_stops(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t below = (w - ones * 0x21) & ~w;
    uint64_t above = (w + ones) | w;
    uint64_t c = w ^ (ones * ':');
    uint64_t colon = (c - ones) & ~c;
    return (below | above | colon) & highs;
}

/* The offset of the first byte of s[0, n) that is ':' or not printable
 * ASCII, or n if none. `avail` >= n bytes may be read: lines are examined
 * eight bytes at a time, and a name is mostly 4-20 bytes.
 *
 * email.feedparser's headerRE is r'^(From |[\041-\071\073-\176]*:|[\t ])':
 * a line that starts with neither a blank nor "From " is a header exactly
 * when this stop is a ':'. */
static size_t name_stop(const char *s, size_t n, size_t avail)
{
    size_t i = 0;
    for (; i < n && i + 8 <= avail; i += 8) {
        uint64_t m = name_stops(load_le64(s + i));
        if (m != 0) {
            size_t at = i + ((size_t)__builtin_ctzll(m) >> 3);
            return at < n ? at : n;
        }
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x21 || c > 0x7e || c == ':')
            return i;
    }
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

/* How far ahead the next '\r' is looked for at least: most files have
 * none, and one search over this many bytes replaces one a line. */
#define CR_WINDOW 1024

int metadata_parse(const char *text, size_t len, bool at_eof, metadata *md)
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
    /* Offset of the next '\n' at or after pos (len if none): kept across
     * lines so that a file of '\r'-only lines is not scanned again for
     * every line. Lines are found with memchr, never a byte at a time. */
    size_t next_nl = 0;
    bool nl_known = false;
    /* '\r' was looked for in [.., cr_lim) from at most pos on: the first
     * found is at cr (cr == cr_lim: none). */
    size_t cr = 0, cr_lim = 0;
    while (pos < len) {
        /* One line: [pos, e) and its terminator [e, next). */
        const char *p = text + pos;
        size_t rest = len - pos;
        if (!nl_known || next_nl < pos) {
            const char *nl = memchr(p, '\n', rest);
            next_nl = nl ? (size_t)(nl - text) : len;
            nl_known = true;
        }
        if (cr < pos || (cr == cr_lim && cr_lim < next_nl)) {
            size_t from = cr < pos ? pos : cr_lim;
            size_t want = next_nl - from < CR_WINDOW ? CR_WINDOW : next_nl - from;
            if (want > len - from)
                want = len - from;
            const char *q = memchr(text + from, '\r', want);
            cr_lim = from + want;
            cr = q ? (size_t)(q - text) : cr_lim;
        }
        size_t e = (cr < next_nl ? cr : next_nl) - pos;
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
        if (p[0] == ' ' || p[0] == '\t') {
            if (cur.name != NULL)
                cur.end = p + next; /* continuation */
        } else {
            /* "From " lines are an mbox envelope or a defect: a header line
             * but never a field. */
            bool from = p[0] == 'F' && e >= 5 && memcmp(p, "From ", 5) == 0;
            size_t colon = from ? 0 : name_stop(p, e, rest);
            if (!from && (colon == e || p[colon] != ':')) {
                ended = true; /* body text: the block is over */
                break;
            }
            /* Most fields are neither Name nor Version: only names of 4
             * or 7 bytes are looked at. */
            if (cur.name_len == 4 || cur.name_len == 7)
                take_field(&cur, md, &t);
            memset(&cur, 0, sizeof cur);
            /* A ":" at the start has no field name: dropped too. */
            if (!from && colon > 0) {
                cur.name = p;
                cur.name_len = colon;
                cur.value = p + colon + 1;
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
            close(fd);
            return 0; /* empty: importlib's `or` chain moves on */
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
