/*
 * requirements_rewrite.c - exact pins in a requirement file rewritten in
 * place (requirements_rewrite.h). Lines are found as requirements.c finds
 * them, with pip's own helpers from there (whitespace, line breaks, option
 * names), and every change is a byte range of the original: the rest of
 * the file is never re-made, only copied.
 */
#include "scanner/inputs/requirements_rewrite.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/name.h"
#include "core/text.h"
#include "core/version.h"
#include "scanner/inputs/pep508.h"
#include "scanner/inputs/requirements.h"

/* A physical line: content [start, cend), line break [cend, end). */
typedef struct pline {
    size_t start, cend, end;
} pline;

/* A logical line: physical lines [first, last] joined by continuations. */
typedef struct lline {
    size_t first, last;
} lline;

/* A piece of the joined text and the raw bytes it came from. */
#define VIRTUAL SIZE_MAX /* the blank pip puts before a comment line */
typedef struct piece {
    size_t raw;   /* raw offset, or VIRTUAL */
    size_t len;
    size_t at;    /* offset in the joined text */
    size_t phys;  /* physical line index */
} piece;

typedef struct file_text {
    const unsigned char *s;
    size_t len;
    pline *lines;
    size_t n_lines;
    lline *logical;
    size_t n_logical;
} file_text;

typedef struct joined {
    buf text;
    piece *pieces;
    size_t n_pieces;
} joined;

/* ---- reading the file as requirements.c does ---- */

static bool is_comment_line(const unsigned char *s, size_t a, size_t b)
{
    size_t k;
    while (a < b && (k = req_text_space(s, a, b)) > 0)
        a += k;
    return a < b && s[a] == '#';
}

/* Only UTF-8 is rewritten byte for byte: pip would read another encoding
 * after decoding it, so its lines and ours could differ. */
static int check_encoding(const char *path, const unsigned char *s, size_t n, size_t *base,
                          airlock_error *err)
{
    *base = 0;
    if (n >= 2 && ((s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff)))
        return error_set(err, "%s: a UTF-16 file is not rewritten", path);
    if (n >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0xfe && s[3] == 0xff)
        return error_set(err, "%s: a UTF-32 file is not rewritten", path);
    if (n >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
        *base = 3;
    if (memchr(s, '\0', n) != NULL)
        return error_set(err, "%s: contains a NUL character: not rewritten", path);
    bool ascii = true;
    for (size_t i = *base; i < n;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        ascii = false;
        size_t k = text_utf8_seq(s + i, n - i, NULL);
        if (k == 0)
            return error_set(err, "%s: not valid UTF-8 (offset %zu): not rewritten", path, i);
        i += k;
    }
    if (!ascii) {
        /* A PEP 263 declaration (pip honours one in the first two lines)
         * may name Latin-1, whose bytes 0x85 and 0xa0 are a line break and
         * a blank: refuse rather than guess. */
        size_t end = *base;
        for (int l = 0; l < 2 && end < n; l++) {
            const unsigned char *nl = memchr(s + end, '\n', n - end);
            end = nl ? (size_t)(nl - s) + 1 : n;
        }
        for (size_t i = *base; i + 6 <= end; i++)
            if (memcmp(s + i, "coding", 6) == 0)
                return error_set(err, "%s: a file with a coding: declaration and non-ASCII "
                                 "text is not rewritten", path);
    }
    return 0;
}

static void split_file(file_text *f, size_t base)
{
    size_t cap = 64, lcap = 64;
    f->lines = xmalloc(cap * sizeof *f->lines);
    f->logical = xmalloc(lcap * sizeof *f->logical);
    bool joining = false;
    size_t primary = 0;
    for (size_t i = base; i < f->len;) {
        size_t start = i, k = 0;
        while (i < f->len && (k = req_text_line_break(f->s, i, f->len)) == 0)
            i++;
        if (f->n_lines == cap) {
            cap *= 2;
            f->lines = xrealloc(f->lines, cap * sizeof *f->lines);
        }
        size_t idx = f->n_lines++;
        f->lines[idx] = (pline){start, i, i + k};
        i += k;
        size_t ln = f->lines[idx].cend - start;
        bool comment = is_comment_line(f->s, start, f->lines[idx].cend);
        bool ends = ln == 0 || f->s[f->lines[idx].cend - 1] != '\\' || comment;
        if (!joining && !ends) {
            joining = true;
            primary = idx;
        }
        if (ends || i >= f->len) {
            if (f->n_logical == lcap) {
                lcap *= 2;
                f->logical = xrealloc(f->logical, lcap * sizeof *f->logical);
            }
            f->logical[f->n_logical++] = (lline){joining ? primary : idx, idx};
            joining = false;
        }
    }
}

static void add_piece(joined *j, size_t raw, const unsigned char *s, size_t len, size_t phys)
{
    j->pieces = xrealloc(j->pieces, (j->n_pieces + 1) * sizeof *j->pieces);
    j->pieces[j->n_pieces++] = (piece){raw, len, j->text.len, phys};
    if (raw == VIRTUAL)
        buf_putc(&j->text, ' ');
    else
        buf_append(&j->text, s + raw, len);
}

/* join_lines(): continued lines lose their backslashes at both ends; a
 * comment line that ends a join gets a blank before it. */
static void join(const file_text *f, const lline *l, joined *j)
{
    for (size_t p = l->first; p <= l->last; p++) {
        const pline *pl = &f->lines[p];
        size_t a = pl->start, b = pl->cend;
        if (p < l->last) {
            while (a < b && f->s[a] == '\\')
                a++;
            while (b > a && f->s[b - 1] == '\\')
                b--;
        } else if (l->first < l->last && is_comment_line(f->s, a, b)) {
            add_piece(j, VIRTUAL, f->s, 1, p);
        }
        add_piece(j, a, f->s, b - a, p);
    }
}

/* The raw range of joined [js, je) when it lies in one piece. */
static bool raw_range(const joined *j, size_t js, size_t je, size_t *rs, size_t *re,
                      size_t *phys)
{
    for (size_t i = 0; i < j->n_pieces; i++) {
        const piece *p = &j->pieces[i];
        if (js >= p->at && je <= p->at + p->len && (js < p->at + p->len || js == je)) {
            if (p->raw == VIRTUAL)
                return false;
            *rs = p->raw + (js - p->at);
            *re = p->raw + (je - p->at);
            *phys = p->phys;
            return true;
        }
    }
    return false;
}

/* ---- the requirement and its options ---- */

typedef struct word {
    size_t start, end; /* joined offsets */
    char *text;        /* after shlex's quoting rules */
} word;

/* shlex.split() in POSIX mode, keeping where each word stands. */
static int split_words(const char *s, size_t a, size_t b, word **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t i = a;
    for (;;) {
        while (i < b && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            i++;
        if (i >= b)
            return 0;
        size_t start = i;
        buf w = {0};
        while (i < b && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) {
            char c = s[i++];
            if (c == '\\') {
                if (i >= b)
                    goto fail;
                buf_putc(&w, s[i++]);
            } else if (c == '\'' || c == '"') {
                while (i < b && s[i] != c) {
                    if (c == '"' && s[i] == '\\' && i + 1 < b &&
                        (s[i + 1] == '"' || s[i + 1] == '\\'))
                        i++;
                    buf_putc(&w, s[i++]);
                }
                if (i >= b)
                    goto fail;
                i++;
            } else {
                buf_putc(&w, c);
            }
        }
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = (word){start, i, buf_detach(&w, NULL)};
        continue;
    fail:
        buf_free(&w);
        return -1;
    }
}

static void words_free(word *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(w[i].text);
    free(w);
}

/* The --hash options among the option words, as joined ranges. Returns -1
 * when pip would not read the options (the line is then not a pin pip
 * installs). */
static int find_hashes(const word *w, size_t n, size_t (*occ)[2], size_t *n_occ)
{
    *n_occ = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = w[i].text;
        if (strcmp(t, "--") == 0)
            break;
        if (t[0] != '-' || t[1] == '\0')
            continue; /* a positional argument: pip ignores it */
        const char *eq = t[1] == '-' ? strchr(t, '=') : NULL;
        size_t name_len = eq ? (size_t)(eq - t) : (t[1] == '-' ? strlen(t) : 2);
        int kind = req_option_kind(t, name_len);
        if (kind < 0)
            return -1;
        size_t first = i;
        if ((kind & REQ_OPT_VALUE) && !eq && (t[1] == '-' || t[2] == '\0')) {
            if (i + 1 >= n)
                return -1;
            i++; /* the value is the next word */
        }
        if (kind & REQ_OPT_HASH) {
            occ[*n_occ][0] = w[first].start;
            occ[*n_occ][1] = w[i].end;
            (*n_occ)++;
        }
    }
    return 0;
}

/* Where the pinned version's text stands in the requirement joined[a, b):
 * after the name, extras, an optional '(' and the == or === operator. */
static bool find_version(const char *s, size_t a, size_t b, size_t *vs, size_t *ve)
{
    size_t i = a;
    while (i < b && (s[i] == ' ' || s[i] == '\t'))
        i++;
    while (i < b && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
                     (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
        i++;
    while (i < b && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i < b && s[i] == '[') {
        const char *close = memchr(s + i, ']', b - i);
        if (!close)
            return false;
        i = (size_t)(close - s) + 1;
    }
    while (i < b && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i < b && s[i] == '(')
        i++;
    while (i < b && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i + 2 > b || s[i] != '=' || s[i + 1] != '=')
        return false;
    i += (i + 3 <= b && s[i + 2] == '=') ? 3 : 2;
    while (i < b && (s[i] == ' ' || s[i] == '\t'))
        i++;
    *vs = i;
    while (i < b && s[i] != ' ' && s[i] != '\t' && s[i] != ',' && s[i] != ';' && s[i] != ')')
        i++;
    *ve = i;
    return *ve > *vs;
}

bool req_same_version(const char *a, size_t alen, const char *b)
{
    version va, vb;
    airlock_error e;
    if (version_parse(&va, a, alen, &e) != 0)
        return strlen(b) == alen && strncasecmp(a, b, alen) == 0;
    if (version_parse(&vb, b, strlen(b), &e) != 0) {
        version_clear(&va);
        return false;
    }
    bool same = version_compare(&va, &vb) == 0;
    version_clear(&va);
    version_clear(&vb);
    return same;
}

/* Whether the requirement joined[a, b) pins fix's project at its old
 * version; *why says why not. */
static bool pins(const char *s, size_t a, size_t b, const req_fix *fx, const char **why)
{
    const char *semi = memchr(s + a, ';', b - a);
    size_t end = semi ? (size_t)(semi - s) : b;
    pep508_req req;
    airlock_error e;
    if (pep508_parse(s + a, end - a, &req, &e) != 0) {
        *why = "the line is not a requirement pip reads as a pin";
        return false;
    }
    bool ok = false;
    const char *pin = req.url ? NULL : specset_exact_pin(req.spec);
    char *n1 = name_canonicalize(req.name, strlen(req.name));
    char *n2 = name_canonicalize(fx->name, strlen(fx->name));
    if (strcmp(n1, n2) != 0)
        *why = "the line names another project";
    else if (pin == NULL)
        *why = "the line does not pin an exact version";
    else if (!req_same_version(pin, strlen(pin), fx->old_version))
        *why = "the line pins another version";
    else
        ok = true;
    free(n1);
    free(n2);
    pep508_clear(&req);
    return ok;
}

/* ---- building the changes of one line ---- */

/* A --hash option's bytes in the file, on physical line `phys`. */
typedef struct span_at {
    size_t start, end, phys;
} span_at;

static void put_hash(buf *b, const char *hex)
{
    buf_puts(b, "--hash=sha256:");
    buf_puts(b, hex);
}

/* Only blanks in raw [a, b)? */
static bool blank(const unsigned char *s, size_t a, size_t b)
{
    for (; a < b; a++)
        if (s[a] != ' ' && s[a] != '\t')
            return false;
    return true;
}

/* Blanks, then optionally a run of backslashes, a comment (`comment`) or
 * nothing, to b. */
static bool tail_ok(const unsigned char *s, size_t a, size_t b, bool comment)
{
    while (a < b && (s[a] == ' ' || s[a] == '\t'))
        a++;
    if (a == b)
        return true;
    if (comment && s[a] == '#' && a > 0 && (s[a - 1] == ' ' || s[a - 1] == '\t'))
        return true;
    while (a < b && s[a] == '\\')
        a++;
    return a == b;
}

/* One --hash per line (as pip-compile writes them): lines first..last of
 * the logical line each hold one option alone. Replace them all with the
 * new hashes in the same indentation and continuation. */
static void hashes_per_line(const file_text *f, const span_at *raw, size_t n_occ,
                            const req_fix *fx, text_edits *le)
{
    const pline *first = &f->lines[raw[0].phys], *last = &f->lines[raw[n_occ - 1].phys];
    const char *s = (const char *)f->s;
    buf cont = {0};
    if (n_occ > 1) {
        buf_append(&cont, s + raw[0].end, first->end - raw[0].end);
    } else {
        /* The one old line ends the logical line: continue with " \" and
         * a line break of this file. */
        buf_puts(&cont, " \\");
        const pline *br = first->end > first->cend ? first : &f->lines[raw[0].phys - 1];
        buf_append(&cont, s + br->cend, br->end - br->cend);
    }
    buf out = {0};
    for (size_t i = 0; i < fx->n_hashes; i++) {
        buf_append(&out, s + first->start, raw[0].start - first->start);
        put_hash(&out, fx->hashes[i]);
        if (i + 1 < fx->n_hashes)
            buf_append(&out, cont.data, cont.len);
        else
            buf_append(&out, s + raw[n_occ - 1].end, last->end - raw[n_occ - 1].end);
    }
    text_edits_add(le, first->start, last->end, out.data, out.len);
    buf_free(&out);
    buf_free(&cont);
}

/* Remove (or, for the first when hashes are given, replace) each --hash
 * with the blanks before it, then drop the continuation lines left
 * holding nothing, and the continuation into a dropped last line. */
static void hashes_inline(const file_text *f, const lline *l, const span_at *raw, size_t n_occ,
                          const req_fix *fx, text_edits *le)
{
    const unsigned char *s = f->s;
    for (size_t i = 0; i < n_occ; i++) {
        if (i == 0 && fx->n_hashes > 0) {
            buf b = {0};
            for (size_t h = 0; h < fx->n_hashes; h++) {
                if (h)
                    buf_putc(&b, ' ');
                put_hash(&b, fx->hashes[h]);
            }
            text_edits_add(le, raw[i].start, raw[i].end, b.data, b.len);
            buf_free(&b);
            continue;
        }
        size_t a = raw[i].start, floor = f->lines[raw[i].phys].start;
        for (size_t k = 0; k < le->len; k++)
            if (le->items[k].end <= a && le->items[k].end > floor)
                floor = le->items[k].end;
        while (a > floor && (s[a - 1] == ' ' || s[a - 1] == '\t'))
            a--;
        text_edits_add(le, a, raw[i].end, "", 0);
    }
    text_edits_sort(le);
    /* Continuation lines that hold nothing but blanks and backslashes now. */
    size_t kept_last = l->last;
    bool dropped_last = false;
    for (size_t p = l->last; p > l->first; p--) {
        const pline *pl = &f->lines[p];
        bool touched = false, empty = true;
        size_t at = pl->start;
        for (size_t k = 0; k < le->len && empty; k++) {
            const text_edit *t = &le->items[k];
            if (t->end <= pl->start || t->start >= pl->cend)
                continue;
            touched = true;
            if (t->len > 0 || t->start < at || !tail_ok(s, at, t->start, false))
                empty = false;
            at = t->end;
        }
        if (!touched || !empty || !tail_ok(s, at, pl->cend, false))
            continue;
        /* drop the whole line and the edits in it */
        size_t w = 0;
        for (size_t k = 0; k < le->len; k++) {
            text_edit *t = &le->items[k];
            if (t->start >= pl->start && t->end <= pl->end)
                free(t->text);
            else
                le->items[w++] = *t;
        }
        le->len = w;
        text_edits_add(le, pl->start, pl->end, "", 0);
        text_edits_sort(le);
        if (p == kept_last) {
            dropped_last = true;
            kept_last = p - 1;
        }
    }
    if (!dropped_last)
        return;
    /* The last line kept continued into the dropped ones: end it there. */
    const pline *kl = &f->lines[kept_last];
    size_t x = kl->cend;
    while (x > kl->start && s[x - 1] == '\\')
        x--;
    while (x > kl->start && (s[x - 1] == ' ' || s[x - 1] == '\t'))
        x--;
    for (size_t k = 0; k < le->len; k++)
        if (le->items[k].start < kl->cend && le->items[k].end > x)
            x = le->items[k].end > kl->cend ? kl->cend : le->items[k].end;
    if (x < kl->cend)
        text_edits_add(le, x, kl->cend, "", 0);
    /* A file that ended without a line break still does. */
    const pline *ll = &f->lines[l->last];
    if (ll->end == ll->cend && kl->end > kl->cend) {
        size_t w = 0;
        for (size_t k = 0; k < le->len; k++) {
            text_edit *t = &le->items[k];
            if (t->start >= kl->end && t->end <= ll->end)
                free(t->text);
            else
                le->items[w++] = *t;
        }
        le->len = w;
        text_edits_add(le, kl->cend, ll->end, "", 0);
    }
    text_edits_sort(le);
}

static req_fix_result rewrite_line(const file_text *f, const lline *l, const req_fix *fx,
                                   req_fix_status *st, text_edits *le)
{
    joined j = {0};
    join(f, l, &j);
    const char *s = j.text.data ? j.text.data : "";
    const unsigned char *u = (const unsigned char *)s;
    size_t n = j.text.len;
    req_fix_result rc = REQ_FIX_NOT_PINNED;
    word *w = NULL;
    size_t n_words = 0;
    size_t (*occ)[2] = NULL;
    span_at *raw = NULL;
    /* ignore_comments(): from a '#' at the start or after blanks. */
    for (size_t i = 0, k; i < n;) {
        if (s[i] == '#' && i == 0) {
            n = 0;
            break;
        }
        if ((k = req_text_space(u, i, n)) > 0) {
            size_t e = i;
            while (e < n && (k = req_text_space(u, e, n)) > 0)
                e += k;
            if (e < n && s[e] == '#') {
                n = i;
                break;
            }
            i = e;
        } else {
            i++;
        }
    }
    size_t a = 0, b = n, k;
    while (a < b && (k = req_text_space(u, a, b)) > 0)
        a += k;
    for (size_t i = a, last = a; i < b;) { /* str.strip()'s end */
        if ((k = req_text_space(u, i, b)) > 0) {
            i += k;
        } else {
            last = ++i;
            while (i < b && (u[i] & 0xc0) == 0x80)
                last = ++i;
        }
        if (i >= b)
            b = last;
    }
    /* break_args_options(): the requirement ends before the first word
     * that starts with '-'. */
    size_t opt = b;
    for (size_t i = a; i < b; i++)
        if (s[i] == '-' && (i == a || s[i - 1] == ' ')) {
            opt = i;
            break;
        }
    size_t args_end = opt < b && opt > a ? opt - 1 : opt;
    if (args_end <= a) {
        st->why = "the line is not a requirement";
        goto out;
    }
    bool var = false;
    for (size_t i = a; i + 1 < b && !var; i++)
        var = s[i] == '$' && s[i + 1] == '{';
    if (var) {
        /* pip expands it: the bytes are not what pip reads. */
        st->why = "the line uses an environment variable (${...})";
        rc = REQ_FIX_UNSAFE;
        goto out;
    }
    if (!pins(s, a, args_end, fx, &st->why))
        goto out;
    size_t vs, ve;
    if (!find_version(s, a, args_end, &vs, &ve)) {
        st->why = "the pin's text could not be found on the line";
        rc = REQ_FIX_UNSAFE;
        goto out;
    }
    if (split_words(s, opt, b, &w, &n_words) != 0) {
        st->why = "pip cannot read the line's options";
        goto out;
    }
    size_t n_occ = 0;
    occ = xcalloc(n_words ? n_words : 1, sizeof *occ);
    if (find_hashes(w, n_words, occ, &n_occ) != 0) {
        st->why = "pip cannot read the line's options";
        goto out;
    }
    /* The version: its bytes may be split over continuation lines; the
     * new text goes where the first piece stood. */
    bool placed = false;
    for (size_t i = 0; i < j.n_pieces; i++) {
        const piece *p = &j.pieces[i];
        size_t ps = vs > p->at ? vs : p->at, pe = ve < p->at + p->len ? ve : p->at + p->len;
        if (ps >= pe)
            continue;
        if (p->raw == VIRTUAL) {
            rc = REQ_FIX_UNSAFE;
            st->why = "the pin's text is not in the file as pip reads it";
            goto out;
        }
        const char *t = placed ? "" : fx->new_version;
        text_edits_add(le, p->raw + (ps - p->at), p->raw + (pe - p->at), t, strlen(t));
        placed = true;
    }
    if (n_occ > 0) {
        raw = xcalloc(n_occ, sizeof *raw);
        for (size_t i = 0; i < n_occ; i++)
            if (!raw_range(&j, occ[i][0], occ[i][1], &raw[i].start, &raw[i].end,
                           &raw[i].phys)) {
                rc = REQ_FIX_UNSAFE;
                st->why = "a --hash option is split over lines";
                goto out;
            }
        /* One alone on each of consecutive continuation lines? */
        bool per_line = fx->n_hashes > 0 && raw[0].phys > l->first;
        for (size_t i = 0; i < n_occ && per_line; i++) {
            const pline *pl = &f->lines[raw[i].phys];
            per_line = (i == 0 || raw[i].phys == raw[i - 1].phys + 1) &&
                       blank(f->s, pl->start, raw[i].start) &&
                       tail_ok(f->s, raw[i].end, pl->cend, i + 1 == n_occ);
        }
        if (per_line)
            hashes_per_line(f, raw, n_occ, fx, le);
        else
            hashes_inline(f, l, raw, n_occ, fx, le);
        st->hashes_removed = n_occ;
        st->hashes_added = fx->n_hashes;
    }
    text_edits_sort(le);
    rc = REQ_FIX_APPLIED;
out:
    free(raw);
    free(occ);
    words_free(w, n_words);
    free(j.pieces);
    buf_free(&j.text);
    return rc;
}

/* ---- the file ---- */

typedef struct order {
    unsigned line;
    size_t index;
} order;

static int order_cmp(const void *x, const void *y)
{
    const order *a = x, *b = y;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

int req_rewrite(const char *path, const char *data, size_t len, const req_fix *fixes,
                size_t n_fixes, req_fix_status *status, text_edits *out, airlock_error *err)
{
    for (size_t i = 0; i < n_fixes; i++)
        status[i] = (req_fix_status){REQ_FIX_NOT_PINNED, "no requirement starts on that line",
                                     0, 0};
    file_text f = {(const unsigned char *)data, len, NULL, 0, NULL, 0};
    size_t base;
    if (check_encoding(path, f.s, len, &base, err) != 0)
        return -1;
    split_file(&f, base);
    order *ord = xcalloc(n_fixes ? n_fixes : 1, sizeof *ord);
    for (size_t i = 0; i < n_fixes; i++)
        ord[i] = (order){fixes[i].line, i};
    qsort(ord, n_fixes, sizeof *ord, order_cmp);
    size_t li = 0; /* logical lines and fixes are both in line order */
    for (size_t o = 0; o < n_fixes; o++) {
        size_t i = ord[o].index;
        const req_fix *fx = &fixes[i];
        if (o > 0 && ord[o - 1].line == fx->line) {
            const req_fix *prev = &fixes[ord[o - 1].index];
            status[i] = status[ord[o - 1].index];
            if (status[i].result == REQ_FIX_APPLIED &&
                strcmp(prev->new_version, fx->new_version) != 0) {
                status[i] = (req_fix_status){REQ_FIX_UNSAFE,
                                             "another fix of the same line asks for another "
                                             "version", 0, 0};
            }
            continue;
        }
        while (li < f.n_logical && f.logical[li].first + 1 < fx->line)
            li++;
        if (li == f.n_logical || f.logical[li].first + 1 != fx->line)
            continue;
        text_edits le = {0};
        status[i].why = NULL;
        status[i].result = rewrite_line(&f, &f.logical[li], fx, &status[i], &le);
        if (status[i].result == REQ_FIX_APPLIED && !text_edits_valid(&le, len)) {
            status[i] = (req_fix_status){REQ_FIX_UNSAFE, "the changes overlap", 0, 0};
        } else if (status[i].result == REQ_FIX_APPLIED) {
            for (size_t k = 0; k < le.len; k++)
                text_edits_add(out, le.items[k].start, le.items[k].end, le.items[k].text,
                               le.items[k].len);
        }
        text_edits_free(&le);
    }
    text_edits_sort(out);
    free(ord);
    free(f.lines);
    free(f.logical);
    return 0;
}
