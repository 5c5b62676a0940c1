/*
 * report_table.c - the human-readable report: one row per vulnerability in
 * aligned columns (Name, Version, ID, Fix Versions, Severity), the other IDs
 * of a vulnerability on the lines below its row, then ignored findings,
 * skipped dependencies (with where each came from: "uv.lock:12 [dev]"),
 * expired ignore entries, the warnings about input items that were not
 * read, the inputs (kind, path, format, note), a summary line and the
 * database the scan used.
 *
 * Names, versions, paths and advisory text come from untrusted files: every
 * string goes through core/text.h's filter, so control characters (C1 and
 * ESC, which could drive the terminal, and bidirectional controls) are
 * shown as '?'.
 * Colour is ANSI, only when style->color says so, and is added after padding
 * so that columns stay aligned.
 */
#include "scanner/reports/report.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/text.h"
#include "scanner/drift.h"
#include "scanner/reports/report_util.h"

enum { COL_NAME, COL_VERSION, COL_ID, COL_FIX, COL_SEVERITY, NCOLS };

static const char *const headers[NCOLS] = {"Name", "Version", "ID", "Fix Versions", "Severity"};

/* A cell: its sanitised text, `len` bytes at `off` in the table's text,
 * and its display width, measured once. */
typedef struct cell {
    size_t off, len, width;
} cell;

/* One output line of the table. */
typedef struct row {
    cell cell[NCOLS];
    severity level;
    bool colored;  /* severity cell gets a colour */
} row;

typedef struct table {
    row *rows;
    size_t len, cap;
    size_t width[NCOLS];
    buf text;  /* every cell's text, one after the other */
} table;

/* Display width: code points, counting each UTF-8 lead byte (and each
 * stray byte) once. Wide characters are rare in package data; accept that. */
static size_t width_of(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += ((unsigned char)s[i] & 0xc0) != 0x80;
    return w;
}

static row *add_row(table *t)
{
    if (t->len == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->rows = xrealloc(t->rows, t->cap * sizeof *t->rows);
    }
    row *r = &t->rows[t->len++];
    memset(r, 0, sizeof *r);
    return r;
}

/* The cell `col` of `r` is the text appended to t->text since `off`. */
static void end_cell(table *t, row *r, int col, size_t off)
{
    cell *c = &r->cell[col];
    c->off = off;
    c->len = t->text.len - off;
    c->width = width_of(t->text.data + off, c->len);
    if (c->width > t->width[col])
        t->width[col] = c->width;
}

/* The cell holds `text` safe for the terminal (core/text.h: controls, C1
 * and bidirectional controls become '?', invalid UTF-8 U+FFFD). */
static void set_cell(table *t, row *r, int col, const char *text)
{
    size_t off = t->text.len;
    text_safe_append(&t->text, text, 0);
    end_cell(t, r, col, off);
}

static void table_free(table *t)
{
    free(t->rows);
    buf_free(&t->text);
}

static const char *color_of(severity s)
{
    switch (s) {
    case SEVERITY_CRITICAL: return "\033[1;31m";
    case SEVERITY_HIGH: return "\033[31m";
    case SEVERITY_MEDIUM: return "\033[33m";
    case SEVERITY_LOW: return "\033[36m";
    case SEVERITY_NONE: return "";
    case SEVERITY_UNKNOWN: return "\033[35m";
    }
    return "";
}

/* "HIGH 7.5", or the level alone without a score; at most `cap` - 1
 * bytes, as snprintf would cut it (the level's name, at most 8 bytes,
 * always fits). */
static void severity_text(const finding *f, char *out, size_t cap)
{
    const char *name = severity_name(f->level);
    size_t n = strlen(name);
    memcpy(out, name, n + 1);
    if (f->score < 0)
        return;
    out[n] = ' ';
    report_score_text(f->score, out + n + 1, cap - n - 1);
}

static void add_finding(table *t, const dependency *d, const finding *f)
{
    row *r = add_row(t);
    set_cell(t, r, COL_NAME, d->name);
    set_cell(t, r, COL_VERSION, d->version_text);
    set_cell(t, r, COL_ID, f->id);
    /* The versions filtered one by one and joined with ',': the same as
     * filtering the joined text, as no UTF-8 sequence spans a ','. */
    size_t off = t->text.len;
    for (size_t i = 0; i < f->n_fix_versions; i++) {
        if (i > 0)
            report_putc(&t->text, ',');
        text_safe_append(&t->text, f->fix_versions[i], 0);
    }
    end_cell(t, r, COL_FIX, off);
    char sev[48];
    severity_text(f, sev, sizeof sev);
    set_cell(t, r, COL_SEVERITY, sev);
    r->level = f->level;
    r->colored = true;
    for (size_t i = 0; i < f->n_aliases; i++) {
        row *a = add_row(t);
        set_cell(t, a, COL_ID, f->aliases[i]);
    }
}

/* `n` copies of `c`. */
static void put_run(buf *b, char c, size_t n)
{
    buf_reserve(b, n);
    memset(b->data + b->len, c, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void render_table(buf *b, table *t, bool color, FILE *out)
{
    for (int c = 0; c < NCOLS; c++) {
        size_t w = width_of(headers[c], strlen(headers[c]));
        if (w > t->width[c])
            t->width[c] = w;
    }
    /* Header, rule, rows; the last column is not padded. */
    for (int c = 0; c < NCOLS; c++) {
        if (c > 0)
            report_putc(b, ' ');
        report_puts(b, headers[c]);
        if (c < NCOLS - 1)
            put_run(b, ' ', t->width[c] - width_of(headers[c], strlen(headers[c])));
    }
    report_putc(b, '\n');
    for (int c = 0; c < NCOLS; c++) {
        if (c > 0)
            report_putc(b, ' ');
        put_run(b, '-', t->width[c]);
    }
    report_putc(b, '\n');
    for (size_t i = 0; i < t->len; i++) {
        const row *r = &t->rows[i];
        /* Cells after the last non-empty one would be blanks, and the
         * blanks that end a line are trimmed (alias lines): stop there,
         * and leave that cell unpadded. */
        int last = NCOLS - 1;
        while (last >= 0 && r->cell[last].len == 0)
            last--;
        report_flush(b, out);
        size_t line_start = b->len;
        for (int c = 0; c <= last; c++) {
            const cell *k = &r->cell[c];
            if (c > 0)
                report_putc(b, ' ');
            bool paint = color && c == COL_SEVERITY && r->colored && *color_of(r->level);
            if (paint)
                report_puts(b, color_of(r->level));
            report_put(b, t->text.data + k->off, k->len);
            if (c < last)
                put_run(b, ' ', t->width[c] - k->width);
            if (paint)
                REPORT_LIT(b, "\033[0m");
        }
        /* A cell's own text may end in blanks: trim as a whole line. */
        while (b->len > line_start && b->data[b->len - 1] == ' ')
            b->len--;
        b->data[b->len] = '\0';
        report_putc(b, '\n');
    }
}

static void put_clean(buf *b, const char *s)
{
    text_safe_append(b, s, 0);
}

/* "FILE:LINE [GROUP]" (report_source_text()), filtered. */
static void put_source(buf *b, const dependency *d)
{
    char *s = report_source_text(d);
    put_clean(b, s);
    free(s);
}

static void format_day(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
        strftime(out, cap, "%Y-%m-%d %H:%M UTC", &tm) == 0)
        snprintf(out, cap, "unknown");
}

static void render_summary(buf *b, const scan_report *r)
{
    scan_counts c;
    scan_report_count(r, &c);
    buf_printf(b, "Scanned %zu %s: %zu vulnerable, %zu %s", c.dependencies,
               c.dependencies == 1 ? "dependency" : "dependencies", c.vulnerable, c.findings,
               c.findings == 1 ? "vulnerability" : "vulnerabilities");
    if (c.findings > 0) {
        REPORT_LIT(b, " (");
        bool first = true;
        for (int s = SEVERITY_CRITICAL; s >= SEVERITY_UNKNOWN; s--) {
            if (c.by_severity[s] == 0)
                continue;
            buf_printf(b, "%s%zu %s", first ? "" : ", ", c.by_severity[s],
                       severity_name((severity)s));
            first = false;
        }
        report_putc(b, ')');
    }
    buf_printf(b, ", %zu ignored, %zu skipped, %zu %s.\n", c.ignored, c.skipped, c.warnings,
               c.warnings == 1 ? "warning" : "warnings");

    char built[48];
    format_day(r->db.build_time, built, sizeof built);
    buf_printf(b, "Database: sequence %llu, built %s", (unsigned long long)r->db.sequence, built);
    if (r->db.build_time != 0 && r->scan_time >= r->db.build_time) {
        long long days = (long long)((r->scan_time - r->db.build_time) / 86400);
        buf_printf(b, " (%lld %s old)", days, days == 1 ? "day" : "days");
    }
    if (r->db.signer_key_id != NULL) {
        REPORT_LIT(b, ", signed by key ");
        put_clean(b, r->db.signer_key_id);
    }
    REPORT_LIT(b, ".\n");
}

/* Where what is declared and what is installed disagree (drift.h); one line
 * when they agree, nothing when the scan had not both. */
static void render_drift(buf *b, const scan_report *r)
{
    if (!r->drift_checked)
        return;
    if (r->n_drift == 0) {
        REPORT_LIT(b, "\nDrift: none (what is installed is what is declared).\n");
        return;
    }
    buf_printf(b, "\nDrift (%zu):\n", r->n_drift);
    for (size_t i = 0; i < r->n_drift; i++) {
        const drift_item *it = &r->drift[i];
        REPORT_LIT(b, "  ");
        put_clean(b, it->name);
        buf_printf(b, " %s:", drift_status_name(it->status));
        if (it->status != DRIFT_NOT_DECLARED) {
            REPORT_LIT(b, " declared ");
            put_clean(b, it->declared == NULL ? "(no version)"
                         : it->declared[0] == '\0' ? "(any version)" : it->declared);
            if (it->declared_file != NULL) {
                REPORT_LIT(b, " (");
                put_clean(b, it->declared_file);
                if (it->declared_line > 0)
                    buf_printf(b, ":%u", it->declared_line);
                report_putc(b, ')');
            }
        }
        if (it->status != DRIFT_NOT_INSTALLED) {
            buf_puts(b, it->status == DRIFT_NOT_DECLARED ? " installed " : ", installed ");
            put_clean(b, it->installed != NULL ? it->installed : "(no version)");
            if (it->installed_location != NULL) {
                REPORT_LIT(b, " (");
                put_clean(b, it->installed_location);
                report_putc(b, ')');
            }
        }
        report_putc(b, '\n');
    }
}

int report_write_table(const scan_report *r, const report_style *style, FILE *out,
                       airlock_error *err)
{
    bool color = style != NULL && style->color;
    table vulns = {0};
    buf_reserve(&vulns.text, 4096); /* cells point into it: never NULL */
    buf b = {0};
    size_t n_ignored = 0, n_skipped = 0;
    for (size_t i = 0; i < r->deps.len; i++) {
        const dependency *d = &r->deps.items[i];
        if (d->skip_reason != NULL) {
            n_skipped++;
            continue;
        }
        const dep_findings *fs = r->findings ? &r->findings[i] : NULL;
        for (size_t j = 0; fs != NULL && j < fs->len; j++) {
            if (fs->items[j].ignored)
                n_ignored++;
            else
                add_finding(&vulns, d, &fs->items[j]);
        }
    }
    if (vulns.len > 0)
        render_table(&b, &vulns, color, out);
    else if (r->n_warnings > 0) { /* not a clean result: part of the input was not read */
        scan_counts c;
        scan_report_count(r, &c);
        buf_printf(&b, "No known vulnerabilities found in what was read; %zu %s below.\n",
                   c.warnings, c.warnings == 1 ? "warning" : "warnings");
    }
    else
        REPORT_LIT(&b, "No known vulnerabilities found.\n");
    table_free(&vulns);

    /* Which file (and group) each vulnerable dependency came from: with
     * several inputs, the pin to change is in one of them. */
    bool listed_header = false;
    for (size_t i = 0; i < r->deps.len; i++) {
        const dependency *d = &r->deps.items[i];
        const dep_findings *fs = r->findings ? &r->findings[i] : NULL;
        bool vulnerable = false;
        for (size_t j = 0; d->skip_reason == NULL && fs != NULL && j < fs->len; j++)
            vulnerable = vulnerable || !fs->items[j].ignored;
        if (!vulnerable)
            continue;
        if (!listed_header)
            REPORT_LIT(&b, "\nFound in:\n");
        listed_header = true;
        REPORT_LIT(&b, "  ");
        put_clean(&b, d->name);
        report_putc(&b, ' ');
        put_clean(&b, d->version_text);
        REPORT_LIT(&b, ": ");
        put_source(&b, d);
        report_putc(&b, '\n');
        report_flush(&b, out);
    }

    if (n_ignored > 0) {
        REPORT_LIT(&b, "\nIgnored:\n");
        for (size_t i = 0; i < r->deps.len; i++) {
            const dependency *d = &r->deps.items[i];
            const dep_findings *fs = r->findings ? &r->findings[i] : NULL;
            for (size_t j = 0; d->skip_reason == NULL && fs != NULL && j < fs->len; j++) {
                const finding *f = &fs->items[j];
                if (!f->ignored)
                    continue;
                REPORT_LIT(&b, "  ");
                put_clean(&b, d->name);
                report_putc(&b, ' ');
                put_clean(&b, d->version_text);
                report_putc(&b, ' ');
                put_clean(&b, f->id);
                if (f->ignore_until != NULL) {
                    REPORT_LIT(&b, " until ");
                    put_clean(&b, f->ignore_until);
                }
                if (f->ignore_reason != NULL) {
                    REPORT_LIT(&b, ": ");
                    put_clean(&b, f->ignore_reason);
                }
                report_putc(&b, '\n');
            }
        }
    }
    if (n_skipped > 0) {
        REPORT_LIT(&b, "\nSkipped:\n");
        for (size_t i = 0; i < r->deps.len; i++) {
            const dependency *d = &r->deps.items[i];
            if (d->skip_reason == NULL)
                continue;
            REPORT_LIT(&b, "  ");
            put_clean(&b, d->name);
            REPORT_LIT(&b, " (");
            put_source(&b, d);
            REPORT_LIT(&b, "): ");
            put_clean(&b, d->skip_reason);
            report_putc(&b, '\n');
            report_flush(&b, out);
        }
    }
    render_drift(&b, r);
    if (r->n_expired > 0) {
        REPORT_LIT(&b, "\nExpired ignore entries (no longer applied):\n");
        for (size_t i = 0; i < r->n_expired; i++) {
            const expired_ignore *x = &r->expired[i];
            REPORT_LIT(&b, "  ");
            put_clean(&b, x->id);
            REPORT_LIT(&b, " expired ");
            put_clean(&b, x->until);
            if (x->file != NULL) {
                REPORT_LIT(&b, " (");
                put_clean(&b, x->file);
                buf_printf(&b, ":%u)", x->line);
            }
            if (x->reason != NULL) {
                REPORT_LIT(&b, ": ");
                put_clean(&b, x->reason);
            }
            report_putc(&b, '\n');
        }
    }
    if (r->n_warnings > 0) {
        REPORT_LIT(&b, "\nWarnings:\n");
        for (size_t i = 0; i < r->n_warnings; i++) {
            const scan_warning *w = &r->warnings[i];
            REPORT_LIT(&b, "  ");
            if (w->file != NULL) {
                put_clean(&b, w->file);
                if (w->line > 0)
                    buf_printf(&b, ":%u", w->line);
                REPORT_LIT(&b, ": ");
            }
            put_clean(&b, w->message);
            report_putc(&b, '\n');
            report_flush(&b, out);
        }
    }
    /* What to do next: yanked pins, and the plan in one line. */
    for (size_t i = 0, n = 0; r->advice != NULL && i < r->deps.len; i++) {
        const dependency *d = &r->deps.items[i];
        if (!r->advice[i].yanked)
            continue;
        if (n++ == 0)
            REPORT_LIT(&b, "\nYanked releases in use:\n");
        REPORT_LIT(&b, "  ");
        put_clean(&b, d->name);
        report_putc(&b, ' ');
        put_clean(&b, d->version_text);
        if (r->advice[i].yank_reason != NULL) {
            REPORT_LIT(&b, ": ");
            put_clean(&b, r->advice[i].yank_reason);
        }
        report_putc(&b, '\n');
    }
    buf plan = {0};
    if (report_plan_counts(&plan, r))
        buf_printf(&b, "\nUpdate plan: %s (--format plan lists them).\n", plan.data);
    buf_free(&plan);
    if (r->n_inputs > 0) {
        REPORT_LIT(&b, "\nInputs:\n");
        for (size_t i = 0; i < r->n_inputs; i++) {
            const scan_input *in = &r->inputs[i];
            buf_printf(&b, "  %s ", report_input_kind_name(in->kind));
            put_clean(&b, in->path);
            if (in->format != NULL) {
                REPORT_LIT(&b, " (");
                put_clean(&b, in->format);
                report_putc(&b, ')');
            }
            if (in->note != NULL) {
                REPORT_LIT(&b, ": ");
                put_clean(&b, in->note);
            }
            report_putc(&b, '\n');
        }
    }
    report_putc(&b, '\n');
    render_summary(&b, r);

    int rc = 0;
    if (fwrite(b.data, 1, b.len, out) != b.len || ferror(out))
        rc = error_set(err, "cannot write the table report");
    buf_free(&b);
    return rc;
}
