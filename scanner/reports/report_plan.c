/*
 * report_plan.c - `--format plan`: what to update, and in what order, as
 * Markdown for people (docs/remediation.md).
 *
 * The four phases of the plan, each a table of package, from, to, the
 * advisories it clears and why; then the pins of yanked releases, the
 * vulnerable dependencies no release fixes, and what the range and
 * unpinned requirements would install. Untrusted text is escaped as in the
 * Markdown report (report_md_append).
 */
#include "scanner/reports/report.h"

#include <stdbool.h>
#include <stdlib.h>

#include "core/buf.h"
#include "scanner/plan.h"
#include "scanner/reports/report_util.h"

static void md(buf *b, const char *s)
{
    if (s == NULL || *s == '\0')
        buf_puts(b, "-");
    else
        report_md_append(b, s);
}

static void md_list(buf *b, char *const *items, size_t n)
{
    if (n == 0)
        buf_puts(b, "-");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf_puts(b, ", ");
        md(b, items[i]);
    }
}

static void header(buf *b, const scan_report *r)
{
    char t[32];
    buf_puts(b, "# Airlock update plan\n\n");
    report_time_rfc3339(r->scan_time, t);
    buf_printf(b, "Scanned %s on ", t);
    md(b, r->hostname);
    buf_printf(b, " against database sequence %llu. ", (unsigned long long)r->db.sequence);
    if (r->release_data) {
        buf_puts(b, "Release data from ");
        for (size_t i = 0; i < r->db.n_indexes; i++) {
            if (i > 0)
                buf_puts(b, ", ");
            md(b, r->db.indexes[i].name);
        }
        if (r->db.n_indexes == 0)
            buf_puts(b, "the snapshot's index");
        buf_puts(b, ".\n\n");
    } else {
        buf_puts(b, "**No release data** in the database: fixes are the advisories' own fix "
                    "versions, not checked against a package index, and phases 3 and 4 "
                    "(newer releases) cannot be filled.\n\n");
    }
    buf_puts(b, "Each declared package appears once, in the first phase that applies; "
                "the rules are in Airlock's docs/remediation.md.\n\n");
}

static void phase_table(buf *b, const plan_phase *p, unsigned n)
{
    buf_printf(b, "## Phase %u: %s\n\n", n, plan_phase_title(n));
    if (p->n_items == 0) {
        buf_puts(b, "Nothing to do.\n\n");
        return;
    }
    buf_puts(b, "| Package | From | To | Advisories | Why |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < p->n_items; i++) {
        const plan_item *it = &p->items[i];
        buf_puts(b, "| ");
        md(b, it->name);
        buf_puts(b, " | ");
        md(b, it->from);
        buf_puts(b, " | ");
        if (it->to != NULL)
            md(b, it->to);
        else
            buf_puts(b, "**no fix**");
        buf_puts(b, " | ");
        md_list(b, it->ids, it->n_ids);
        buf_puts(b, " | ");
        md(b, it->reason);
        buf_puts(b, " |\n");
    }
    buf_putc(b, '\n');
}

static void yanked_list(buf *b, const scan_report *r)
{
    size_t n = 0;
    for (size_t i = 0; r->advice != NULL && i < r->deps.len; i++) {
        const dep_advice *a = &r->advice[i];
        if (!a->yanked)
            continue;
        if (n++ == 0)
            buf_puts(b, "## Yanked releases in use\n\nTheir maintainers withdrew them: move "
                        "off them even where no advisory names them.\n\n"
                        "| Package | Version | Source | Reason | Latest |\n"
                        "|---|---|---|---|---|\n");
        const dependency *d = &r->deps.items[i];
        buf_puts(b, "| ");
        md(b, d->name);
        buf_puts(b, " | ");
        md(b, d->version_text);
        buf_puts(b, " | ");
        char *src = report_source_text(d);
        md(b, src);
        free(src);
        buf_puts(b, " | ");
        md(b, a->yank_reason);
        buf_puts(b, " | ");
        md(b, a->latest_version);
        buf_puts(b, " |\n");
    }
    if (n > 0)
        buf_putc(b, '\n');
}

static void no_fix_list(buf *b, const scan_report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_fixes; i++) {
        const fix_item *f = &r->fixes[i];
        if (f->new_version != NULL)
            continue;
        if (n++ == 0)
            buf_puts(b, "## Vulnerable, with no fixed release\n\nMitigate, replace or accept "
                        "(with an ignore entry that says why):\n\n");
        buf_puts(b, "- ");
        md(b, f->name);
        buf_putc(b, ' ');
        md(b, f->old_version);
        buf_puts(b, ": ");
        md(b, f->note);
        buf_putc(b, '\n');
    }
    if (n > 0)
        buf_putc(b, '\n');
}

static void ranges_table(buf *b, const scan_report *r)
{
    size_t n = 0;
    for (size_t i = 0; r->advice != NULL && i < r->deps.len; i++) {
        const dep_advice *a = &r->advice[i];
        if (a->specifier == NULL)
            continue;
        if (n++ == 0)
            buf_puts(b, "## Unpinned and range requirements\n\nWhat pip would install from "
                        "the index today for each on its own, and the known-vulnerable "
                        "releases each admits. Pin them.\n\n"
                        "| Package | Specifier | Source | Would install | Vulnerable releases "
                        "admitted |\n|---|---|---|---|---|\n");
        const dependency *d = &r->deps.items[i];
        buf_puts(b, "| ");
        md(b, d->name);
        buf_puts(b, " | ");
        md(b, a->specifier[0] ? a->specifier : "(any)");
        buf_puts(b, " | ");
        char *src = report_source_text(d);
        md(b, src);
        free(src);
        buf_puts(b, " | ");
        if (!a->release_data) {
            buf_puts(b, "no release data | no release data |\n");
            continue;
        }
        if (a->resolved_version == NULL)
            buf_puts(b, "nothing: no release matches");
        else {
            md(b, a->resolved_version);
            if (a->resolved_yanked)
                buf_puts(b, " (yanked)");
            if (a->resolved_vulnerable)
                buf_puts(b, " **vulnerable**");
        }
        buf_puts(b, " | ");
        if (a->n_range_risk == 0)
            buf_puts(b, "none known");
        /* A bare name admits every release: list a few, count the rest. */
        size_t shown = a->n_range_risk > 10 ? 10 : a->n_range_risk;
        for (size_t k = 0; k < shown; k++) {
            if (k > 0)
                buf_puts(b, "; ");
            md(b, a->range_risk[k].version);
            buf_puts(b, " (");
            md_list(b, a->range_risk[k].ids, a->range_risk[k].n_ids);
            buf_putc(b, ')');
        }
        if (shown < a->n_range_risk)
            buf_printf(b, "; and %zu more (the JSON report lists them)", a->n_range_risk - shown);
        buf_puts(b, " |\n");
    }
    if (n > 0)
        buf_putc(b, '\n');
}

int report_write_plan(const scan_report *r, FILE *out, airlock_error *err)
{
    buf b = {0};
    header(&b, r);
    for (unsigned p = 1; p <= PLAN_PHASES; p++) {
        phase_table(&b, &r->plan[p - 1], p);
        report_flush(&b, out);
    }
    yanked_list(&b, r);
    report_flush(&b, out);
    no_fix_list(&b, r);
    report_flush(&b, out);
    ranges_table(&b, r);
    size_t len = b.len;
    size_t n = fwrite(b.data, 1, len, out);
    buf_free(&b);
    if (n != len || ferror(out)) /* a flush above may have failed */
        return error_set(err, "writing the plan failed");
    return report_check_stream(out, "plan", err);
}
