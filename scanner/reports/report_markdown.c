/*
 * report_markdown.c - a report a person pastes into a ticket.
 *
 * GitHub-flavoured Markdown tables. Every untrusted string is escaped so
 * that it cannot end a table cell, start a link or inject HTML: Markdown
 * punctuation gets a backslash, line breaks become spaces, and controls
 * (C1 and bidirectional ones too) become '?' (report_md_append).
 */
#include "scanner/reports/report.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/drift.h"
#include "scanner/reports/report_util.h"

static const severity display_order[] = {SEVERITY_CRITICAL, SEVERITY_HIGH, SEVERITY_MEDIUM,
                                         SEVERITY_LOW, SEVERITY_NONE, SEVERITY_UNKNOWN};

/* Append `s` escaped for a table cell or a list item; a dash if absent. */
static void md(buf *b, const char *s)
{
    if (s == NULL || *s == '\0')
        REPORT_LIT(b, "-");
    else
        report_md_append(b, s);
}

/* Link only https URLs that report_url_ok() accepts (`url` comes from
 * report_primary_url(), which has checked that) and that cannot break out
 * of "(...)". */
static bool safe_link(const char *url)
{
    if (strncmp(url, "https://", 8) != 0)
        return false;
    return strpbrk(url, "()[]'") == NULL;
}

/* Where a dependency came from: "uv.lock:12 [dev]" (report_source_text()),
 * built in `tmp`. */
static void md_source(buf *b, const dependency *d, buf *tmp)
{
    buf_reset(tmp);
    report_source_append(tmp, d);
    md(b, tmp->data);
}

static void md_list(buf *b, char *const *items, size_t n)
{
    if (n == 0) {
        REPORT_LIT(b, "-");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            REPORT_LIT(b, ", ");
        md(b, items[i]);
    }
}

static void header(buf *b, const scan_report *r, const scan_counts *c)
{
    char t[32];
    REPORT_LIT(b, "# Airlock scan report\n\n");
    report_time_rfc3339(r->scan_time, t);
    buf_printf(b, "Scanned %s on ", t);
    md(b, r->hostname);
    REPORT_LIT(b, " by Airlock ");
    md(b, r->airlock_version);
    report_time_rfc3339(r->db.build_time, t);
    buf_printf(b, " against database sequence %llu (built %s, signed by key ",
               (unsigned long long)r->db.sequence, t);
    md(b, r->db.signer_key_id);
    REPORT_LIT(b, ").\n\n## Summary\n\n");
    if (c->findings == 0 && c->warnings > 0) /* not a clean result */
        buf_printf(b, "**No known vulnerabilities found in what was read; %zu warning%s "
                      "below.**\n\n", c->warnings, c->warnings == 1 ? "" : "s");
    else if (c->findings == 0)
        REPORT_LIT(b, "**No known vulnerabilities found.**\n\n");
    else
        buf_printf(b, "**%zu finding%s in %zu dependenc%s.**\n\n", c->findings,
                   c->findings == 1 ? "" : "s", c->vulnerable,
                   c->vulnerable == 1 ? "y" : "ies");
    REPORT_LIT(b, "| Severity | Findings |\n|---|---:|\n");
    for (size_t k = 0; k < sizeof display_order / sizeof display_order[0]; k++)
        buf_printf(b, "| %s | %zu |\n", severity_name(display_order[k]),
                   c->by_severity[display_order[k]]);
    buf_printf(b, "\nDependencies: %zu (%zu checked, %zu skipped). Ignored findings: %zu. "
                  "Warnings: %zu.\n\n",
               c->dependencies, c->checked, c->skipped, c->ignored, c->warnings);
    buf plan = {0};
    if (report_plan_counts(&plan, r))
        buf_printf(b, "Update plan: %s (`airlock scan --format plan` lists them).\n\n",
                   plan.data);
    buf_free(&plan);
}

static void findings_table(buf *b, const scan_report *r, const scan_counts *c, buf *tmp,
                           FILE *out)
{
    REPORT_LIT(b, "## Findings\n\n");
    if (c->findings == 0) {
        REPORT_LIT(b, "None.\n\n");
        return;
    }
    REPORT_LIT(b, "| Severity | Package | Version | Source | Vulnerability | Aliases | Fixed in | "
                "Summary |\n|---|---|---|---|---|---|---|---|\n");
    for (size_t k = 0; k < sizeof display_order / sizeof display_order[0]; k++) {
        for (size_t i = 0; i < r->deps.len && r->findings != NULL; i++) {
            const dependency *d = &r->deps.items[i];
            for (size_t j = 0; j < r->findings[i].len; j++) {
                const finding *f = &r->findings[i].items[j];
                if (f->ignored || f->level != display_order[k])
                    continue;
                REPORT_LIT(b, "| ");
                report_puts(b, severity_name(f->level));
                if (f->score >= 0) {
                    REPORT_LIT(b, " (");
                    report_put_score(b, f->score);
                    report_putc(b, ')');
                }
                REPORT_LIT(b, " | ");
                md(b, d->name);
                REPORT_LIT(b, " | ");
                md(b, d->version_text);
                REPORT_LIT(b, " | ");
                md_source(b, d, tmp);
                REPORT_LIT(b, " | ");
                const char *url = report_primary_url(f);
                if (url != NULL && safe_link(url)) {
                    report_putc(b, '[');
                    md(b, f->id);
                    REPORT_LIT(b, "](");
                    report_puts(b, url);
                    report_putc(b, ')');
                } else {
                    md(b, f->id);
                }
                REPORT_LIT(b, " | ");
                md_list(b, f->aliases, f->n_aliases);
                REPORT_LIT(b, " | ");
                md_list(b, f->fix_versions, f->n_fix_versions);
                REPORT_LIT(b, " | ");
                md(b, f->summary);
                REPORT_LIT(b, " |\n");
                report_flush(b, out);
            }
        }
    }
    report_putc(b, '\n');
}

static void ignored_list(buf *b, const scan_report *r, const scan_counts *c)
{
    REPORT_LIT(b, "## Ignored\n\n");
    if (c->ignored == 0) {
        REPORT_LIT(b, "None.\n\n");
        return;
    }
    REPORT_LIT(b, "| Package | Version | Vulnerability | Severity | Reason | Until |\n"
                "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < r->deps.len && r->findings != NULL; i++) {
        const dependency *d = &r->deps.items[i];
        for (size_t j = 0; j < r->findings[i].len; j++) {
            const finding *f = &r->findings[i].items[j];
            if (!f->ignored)
                continue;
            REPORT_LIT(b, "| ");
            md(b, d->name);
            REPORT_LIT(b, " | ");
            md(b, d->version_text);
            REPORT_LIT(b, " | ");
            md(b, f->id);
            REPORT_LIT(b, " | ");
            report_puts(b, severity_name(f->level));
            REPORT_LIT(b, " | ");
            md(b, f->ignore_reason);
            REPORT_LIT(b, " | ");
            md(b, f->ignore_until);
            REPORT_LIT(b, " |\n");
        }
    }
    report_putc(b, '\n');
}

static void skipped_list(buf *b, const scan_report *r, const scan_counts *c, buf *tmp,
                         FILE *out)
{
    REPORT_LIT(b, "## Skipped\n\n");
    if (c->skipped == 0) {
        REPORT_LIT(b, "None.\n\n");
        return;
    }
    REPORT_LIT(b, "| Package | Version | Source | Reason |\n|---|---|---|---|\n");
    for (size_t i = 0; i < r->deps.len; i++) {
        const dependency *d = &r->deps.items[i];
        if (d->skip_reason == NULL)
            continue;
        REPORT_LIT(b, "| ");
        md(b, d->name);
        REPORT_LIT(b, " | ");
        md(b, d->version_text);
        REPORT_LIT(b, " | ");
        md_source(b, d, tmp);
        REPORT_LIT(b, " | ");
        md(b, d->skip_reason);
        REPORT_LIT(b, " |\n");
        report_flush(b, out);
    }
    report_putc(b, '\n');
}

/* Drift (drift.h): declared against installed. */
static void drift_list(buf *b, const scan_report *r)
{
    REPORT_LIT(b, "## Drift\n\n");
    if (!r->drift_checked) {
        REPORT_LIT(b, "Not checked: the scan did not read both declared dependencies "
                    "(requirement files, lockfiles, pyproject.toml) and installed ones.\n\n");
        return;
    }
    if (r->n_drift == 0) {
        REPORT_LIT(b, "None: what is installed is what is declared.\n\n");
        return;
    }
    REPORT_LIT(b, "| Package | Status | Declared | Declared in | Installed | Installed at |\n"
                "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < r->n_drift; i++) {
        const drift_item *it = &r->drift[i];
        REPORT_LIT(b, "| ");
        md(b, it->name);
        buf_printf(b, " | %s | ", drift_status_name(it->status));
        if (it->declared != NULL && it->declared[0] == '\0')
            REPORT_LIT(b, "any version");
        else
            md(b, it->declared);
        REPORT_LIT(b, " | ");
        md(b, it->declared_file);
        if (it->declared_file != NULL && it->declared_line > 0)
            buf_printf(b, ":%u", it->declared_line);
        REPORT_LIT(b, " | ");
        md(b, it->installed);
        REPORT_LIT(b, " | ");
        md(b, it->installed_location);
        REPORT_LIT(b, " |\n");
    }
    report_putc(b, '\n');
}

static void warnings_list(buf *b, const scan_report *r, FILE *out)
{
    REPORT_LIT(b, "## Warnings\n\n");
    if (r->n_warnings == 0) {
        REPORT_LIT(b, "None.\n\n");
        return;
    }
    REPORT_LIT(b, "| File | Line | Message |\n|---|---:|---|\n");
    for (size_t i = 0; i < r->n_warnings; i++) {
        const scan_warning *w = &r->warnings[i];
        REPORT_LIT(b, "| ");
        md(b, w->file);
        if (w->line > 0)
            buf_printf(b, " | %u | ", w->line);
        else
            REPORT_LIT(b, " | - | ");
        md(b, w->message);
        REPORT_LIT(b, " |\n");
        report_flush(b, out);
    }
    report_putc(b, '\n');
}

static void provenance(buf *b, const scan_report *r)
{
    if (r->n_expired > 0) {
        REPORT_LIT(b, "## Expired ignore entries\n\nThese entries no longer apply:\n\n");
        for (size_t i = 0; i < r->n_expired; i++) {
            const expired_ignore *e = &r->expired[i];
            REPORT_LIT(b, "- ");
            md(b, e->id);
            REPORT_LIT(b, " expired ");
            md(b, e->until);
            REPORT_LIT(b, " (");
            md(b, e->file);
            buf_printf(b, ":%u): ", e->line);
            md(b, e->reason);
            report_putc(b, '\n');
        }
        report_putc(b, '\n');
    }
    REPORT_LIT(b, "## Inputs\n\n| Kind | Path | Format | SHA-256 | Note |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < r->n_inputs; i++) {
        const scan_input *in = &r->inputs[i];
        buf_printf(b, "| %s | ", report_input_kind_name(in->kind));
        md(b, in->path);
        REPORT_LIT(b, " | ");
        md(b, in->format);
        REPORT_LIT(b, " | ");
        md(b, in->sha256);
        REPORT_LIT(b, " | ");
        md(b, in->note);
        REPORT_LIT(b, " |\n");
    }
    char t[32];
    report_time_rfc3339(r->db.build_time, t);
    buf_printf(b, "\n## Database\n\n- Sequence: %llu\n- Built: %s\n- Signer key id: ",
               (unsigned long long)r->db.sequence, t);
    md(b, r->db.signer_key_id);
    REPORT_LIT(b, "\n- Snapshot digest (BLAKE2b-512): ");
    md(b, r->db.snapshot_digest);
    REPORT_LIT(b, "\n- Database digest (BLAKE2b-512): ");
    md(b, r->db.db_digest);
    buf_printf(b, "\n- Format version: %u\n", r->db.format_version);
    for (size_t i = 0; i < r->db.n_sources; i++) {
        const source_provenance *s = &r->db.sources[i];
        REPORT_LIT(b, "- Source: ");
        md(b, s->name);
        REPORT_LIT(b, " (SHA-256 ");
        md(b, s->sha256);
        buf_printf(b, "; %llu kept, %llu skipped, %llu withdrawn, %llu merged)\n",
                   (unsigned long long)s->kept, (unsigned long long)s->skipped,
                   (unsigned long long)s->withdrawn, (unsigned long long)s->merged);
    }
}

int report_write_markdown(const scan_report *r, FILE *out, airlock_error *err)
{
    scan_counts c;
    scan_report_count(r, &c);
    buf b = {0}, tmp = {0};
    buf_reserve(&tmp, 256); /* never NULL data: a source text is never NULL */
    header(&b, r, &c);
    findings_table(&b, r, &c, &tmp, out);
    ignored_list(&b, r, &c);
    report_flush(&b, out);
    skipped_list(&b, r, &c, &tmp, out);
    drift_list(&b, r);
    report_flush(&b, out);
    warnings_list(&b, r, out);
    provenance(&b, r);
    size_t len = b.len;
    size_t n = fwrite(b.data, 1, len, out);
    buf_free(&b);
    buf_free(&tmp);
    if (n != len)
        return error_set(err, "writing the markdown report failed");
    return report_check_stream(out, "markdown", err);
}
