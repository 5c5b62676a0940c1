/*
 * textedit.h - byte-range replacements in a buffer, applied or shown as a
 * unified diff.
 *
 * A rewriter that must change nothing but what it means to (airlock fix)
 * describes its work as a list of replacements of byte ranges of the
 * original. Everything outside them is copied byte for byte, and the diff
 * is made from the same list, so what --dry-run shows is exactly what a
 * write would do.
 *
 * The diff is `diff -u`'s: "---"/"+++" headers, "@@ -a,b +c,d @@" hunks
 * with `context` lines around each change (hunks closer than twice that
 * are merged), lines split at '\n' only (a CR stays part of its line, as
 * diff and patch see it), and "\ No newline at end of file" after a last
 * line without one. `patch -p0` applies it.
 */
#ifndef AIRLOCK_TEXTEDIT_H
#define AIRLOCK_TEXTEDIT_H

#include <stddef.h>

#include "core/buf.h"

/* Replace data[start, end) with text[0, len). */
typedef struct text_edit {
    size_t start, end;
    char *text;    /* owned by the list */
    size_t len;
} text_edit;

/* Edits sorted by `start`, not overlapping (an insertion, start == end,
 * may touch a neighbour). */
typedef struct text_edits {
    text_edit *items;
    size_t len, cap;
} text_edits;

/* Append a copy of text[0, len) replacing [start, end). The caller keeps
 * the order; text_edits_sort() sorts a list built in another order. */
void text_edits_add(text_edits *e, size_t start, size_t end, const char *text, size_t len);
/* Sort by start (stable for equal starts). */
void text_edits_sort(text_edits *e);
/* 1 when the edits are sorted, non-overlapping and inside [0, len]. */
int text_edits_valid(const text_edits *e, size_t len);
void text_edits_free(text_edits *e);

/* Append data[0, len) with the edits applied to `out`. */
void text_edits_apply(const char *data, size_t len, const text_edits *e, buf *out);

/* Append the unified diff of data[0, len) and its edited text to `out`,
 * with "--- old_label" and "+++ new_label" headers; nothing when no line
 * changes. */
void text_edits_diff(const char *data, size_t len, const text_edits *e, const char *old_label,
                     const char *new_label, unsigned context, buf *out);

#endif
