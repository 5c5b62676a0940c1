/*
 * textedit.c - byte-range replacements, applied or shown as a unified
 * diff (textedit.h). The diff needs no diff algorithm: the edits say where
 * the text changed, so each change is the lines its edits touch, and
 * equal lines at either end of it are given back as context.
 */
#include "core/textedit.h"

#include <stdlib.h>
#include <string.h>

void text_edits_add(text_edits *e, size_t start, size_t end, const char *text, size_t len)
{
    if (e->len == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 8;
        e->items = xrealloc(e->items, e->cap * sizeof *e->items);
    }
    text_edit *t = &e->items[e->len++];
    t->start = start;
    t->end = end;
    t->text = xmalloc(len + 1);
    if (len)
        memcpy(t->text, text, len);
    t->text[len] = '\0';
    t->len = len;
}

/* Insertion sort on (start, position): edits come nearly sorted, and a
 * stable order keeps an insertion before a replacement at the same start. */
void text_edits_sort(text_edits *e)
{
    for (size_t i = 1; i < e->len; i++) {
        text_edit t = e->items[i];
        size_t j = i;
        while (j > 0 && e->items[j - 1].start > t.start) {
            e->items[j] = e->items[j - 1];
            j--;
        }
        e->items[j] = t;
    }
}

int text_edits_valid(const text_edits *e, size_t len)
{
    size_t at = 0;
    for (size_t i = 0; i < e->len; i++) {
        const text_edit *t = &e->items[i];
        if (t->start < at || t->end < t->start || t->end > len)
            return 0;
        at = t->end;
    }
    return 1;
}

void text_edits_free(text_edits *e)
{
    for (size_t i = 0; i < e->len; i++)
        free(e->items[i].text);
    free(e->items);
    memset(e, 0, sizeof *e);
}

void text_edits_apply(const char *data, size_t len, const text_edits *e, buf *out)
{
    size_t at = 0;
    buf_reserve(out, len);
    for (size_t i = 0; i < e->len; i++) {
        const text_edit *t = &e->items[i];
        buf_append(out, data + at, t->start - at);
        buf_append(out, t->text, t->len);
        at = t->end;
    }
    buf_append(out, data + at, len - at);
}

/* ---- the diff ---- */

typedef struct span {
    const char *p;
    size_t n;
} span;

/* Lines of `s` split after each '\n' (the last may lack one). */
static span *split_lines(const char *s, size_t n, size_t *count)
{
    size_t cap = 8, k = 0;
    span *l = xmalloc(cap * sizeof *l);
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - s) + 1 : n;
        if (k == cap) {
            cap *= 2;
            l = xrealloc(l, cap * sizeof *l);
        }
        l[k].p = s + i;
        l[k].n = end - i;
        k++;
        i = end;
    }
    *count = k;
    return l;
}

/* One changed run of lines: old lines [oa, ob) become `lines`. */
typedef struct change {
    size_t oa, ob;
    char *text;     /* the new lines' bytes */
    span *lines;
    size_t n_lines;
} change;

static void put_line(buf *out, char mark, span l)
{
    buf_putc(out, mark);
    buf_append(out, l.p, l.n);
    if (l.n == 0 || l.p[l.n - 1] != '\n')
        buf_puts(out, "\n\\ No newline at end of file\n");
}

static void put_range(buf *out, size_t start, size_t count)
{
    if (count == 1)
        buf_printf(out, "%zu", start + 1);
    else
        buf_printf(out, "%zu,%zu", count ? start + 1 : start, count);
}

/* The index of the line holding byte `off`; n_lines for the end of a text
 * whose last line is complete. */
static size_t line_at(const span *lines, size_t n_lines, const char *base, size_t off)
{
    size_t lo = 0, hi = n_lines;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        size_t end = (size_t)(lines[mid].p - base) + lines[mid].n;
        if (end <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void text_edits_diff(const char *data, size_t len, const text_edits *e, const char *old_label,
                     const char *new_label, unsigned context, buf *out)
{
    size_t n_old;
    span *old = split_lines(data, len, &n_old);
    change *ch = xcalloc(e->len ? e->len : 1, sizeof *ch);
    size_t n_ch = 0;
    for (size_t i = 0; i < e->len;) {
        /* Lines touched by edit i and every edit that shares a line. */
        size_t oa = line_at(old, n_old, data, e->items[i].start);
        size_t j = i, ob = oa;
        for (; j < e->len; j++) {
            const text_edit *t = &e->items[j];
            size_t a = line_at(old, n_old, data, t->start);
            if (j > i && a > ob)
                break;
            size_t b = t->end > t->start ? line_at(old, n_old, data, t->end - 1) + 1 : a + 1;
            if (b > n_old)
                b = n_old;
            if (b > ob)
                ob = b;
        }
        size_t from = oa < n_old ? (size_t)(old[oa].p - data) : len;
        size_t to = ob < n_old ? (size_t)(old[ob].p - data) : len;
        buf nb = {0};
        size_t at = from;
        for (size_t k = i; k < j; k++) {
            buf_append(&nb, data + at, e->items[k].start - at);
            buf_append(&nb, e->items[k].text, e->items[k].len);
            at = e->items[k].end;
        }
        buf_append(&nb, data + at, to - at);
        change *c = &ch[n_ch];
        c->text = buf_detach(&nb, &c->n_lines);
        size_t tl = c->n_lines;
        c->lines = split_lines(c->text, tl, &c->n_lines);
        /* Equal lines at either end are context, not change. */
        size_t head = 0;
        while (oa + head < ob && head < c->n_lines && old[oa + head].n == c->lines[head].n &&
               memcmp(old[oa + head].p, c->lines[head].p, old[oa + head].n) == 0)
            head++;
        size_t tail = 0;
        while (oa + head + tail < ob && head + tail < c->n_lines &&
               old[ob - 1 - tail].n == c->lines[c->n_lines - 1 - tail].n &&
               memcmp(old[ob - 1 - tail].p, c->lines[c->n_lines - 1 - tail].p,
                      old[ob - 1 - tail].n) == 0)
            tail++;
        c->oa = oa + head;
        c->ob = ob - tail;
        memmove(c->lines, c->lines + head, (c->n_lines - head - tail) * sizeof *c->lines);
        c->n_lines -= head + tail;
        if (c->oa == c->ob && c->n_lines == 0) {
            free(c->text);
            free(c->lines);
        } else {
            n_ch++;
        }
        i = j;
    }
    if (n_ch > 0)
        buf_printf(out, "--- %s\n+++ %s\n", old_label, new_label);
    long delta = 0; /* new lines minus old lines before the hunk */
    for (size_t i = 0; i < n_ch;) {
        size_t j = i + 1;
        while (j < n_ch && ch[j].oa - ch[j - 1].ob <= 2 * (size_t)context)
            j++;
        size_t hs = ch[i].oa > context ? ch[i].oa - context : 0;
        size_t he = ch[j - 1].ob + context < n_old ? ch[j - 1].ob + context : n_old;
        size_t old_count = he - hs, new_count = old_count;
        for (size_t k = i; k < j; k++)
            new_count = new_count - (ch[k].ob - ch[k].oa) + ch[k].n_lines;
        buf_puts(out, "@@ -");
        put_range(out, hs, old_count);
        buf_puts(out, " +");
        put_range(out, (size_t)((long)hs + delta), new_count);
        buf_puts(out, " @@\n");
        size_t at = hs;
        for (size_t k = i; k < j; k++) {
            for (; at < ch[k].oa; at++)
                put_line(out, ' ', old[at]);
            for (; at < ch[k].ob; at++)
                put_line(out, '-', old[at]);
            for (size_t m = 0; m < ch[k].n_lines; m++)
                put_line(out, '+', ch[k].lines[m]);
            delta += (long)ch[k].n_lines - (long)(ch[k].ob - ch[k].oa);
        }
        for (; at < he; at++)
            put_line(out, ' ', old[at]);
        i = j;
    }
    for (size_t i = 0; i < n_ch; i++) {
        free(ch[i].text);
        free(ch[i].lines);
    }
    free(ch);
    free(old);
}
