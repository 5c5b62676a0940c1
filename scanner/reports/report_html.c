/*
 * report_html.c - one self-contained page for an auditor.
 *
 * Inline CSS only: no scripts, no fonts, images or style sheets from
 * anywhere, and advisory URLs are printed as text rather than links, so
 * opening the file makes no network request. Every string from the report is
 * HTML-escaped (names, summaries and paths come from untrusted inputs).
 * Print CSS keeps rows whole and repeats table headers on each page.
 */
#include "scanner/reports/report.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/text.h"
#include "scanner/drift.h"
#include "scanner/plan.h"
#include "scanner/reports/report_util.h"

static const severity display_order[] = {SEVERITY_CRITICAL, SEVERITY_HIGH, SEVERITY_MEDIUM,
                                         SEVERITY_LOW, SEVERITY_NONE, SEVERITY_UNKNOWN};
#define N_LEVELS (sizeof display_order / sizeof display_order[0])

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1f24;"
    "max-width:1100px;margin:24px auto;padding:0 24px}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;"
    "border-bottom:1px solid #d0d7de;padding-bottom:4px}"
    ".meta{color:#57606a;margin:0 0 16px}"
    "table{border-collapse:collapse;width:100%;margin:8px 0}"
    "th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}"
    "th{background:#f6f8fa}td.num{text-align:right}"
    "code,.mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:12px;"
    "overflow-wrap:anywhere}"
    ".cards{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0}"
    ".card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:90px}"
    ".card b{display:block;font-size:22px}"
    ".sev{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;font-weight:600;"
    "color:#fff;white-space:nowrap}"
    ".CRITICAL{background:#8b0000}.HIGH{background:#cf222e}.MEDIUM{background:#bc4c00}"
    ".LOW{background:#9a6700}.NONE{background:#57606a}.UNKNOWN{background:#6e40c9}"
    ".verdict{font-size:16px;font-weight:600;padding:8px 12px;border-radius:6px;margin:8px 0}"
    ".bad{background:#ffebe9;border:1px solid #cf222e}.good{background:#dafbe1;"
    "border:1px solid #1a7f37}.warn{background:#fff8c5;border:1px solid #9a6700}"
    ".finding{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;margin:10px 0;"
    "break-inside:avoid}"
    ".finding h3{font-size:15px;margin:0 0 4px}"
    ".details{white-space:pre-wrap;overflow-wrap:anywhere;color:#24292f;font-size:13px;"
    "margin:6px 0}"
    "ul.refs{margin:4px 0;padding-left:20px}ul.refs li{overflow-wrap:anywhere;font-size:12px}"
    "dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}"
    "dl.kv dt{font-weight:600}dl.kv dd{margin:0;overflow-wrap:anywhere}"
    "footer{margin-top:32px;color:#57606a;font-size:12px}"
    "@media print{body{max-width:none;margin:0;padding:0;font-size:11px}"
    "@page{margin:14mm}thead{display:table-header-group}tr,.card{break-inside:avoid}"
    "h2{break-after:avoid}.sev,.verdict,th{-webkit-print-color-adjust:exact;"
    "print-color-adjust:exact}}";

/* What h() escapes ('<' '=' '>' are adjacent: h() tests them as a range). */
static const bool html_special[256] = {
    ['&'] = true, ['<'] = true, ['>'] = true, ['"'] = true, ['\''] = true, ['='] = true,
};

/* Printable ASCII: what core/text.h's filter keeps as it is. */
static bool printable(unsigned char c)
{
    return (unsigned char)(c - 0x20) < 0x5F;
}

#define ONES 0x0101010101010101u
#define HIGHS 0x8080808080808080u

/* True if a byte of `v` is 0 (and only then). */
static uint64_t has_zero(uint64_t v)
{
    return (v - ONES) & ~v & HIGHS;
}

/* True if none of the 8 bytes in `x` is a control, DEL, non-ASCII or one
 * that h() escapes: they can be copied as they are. False for some that
 * could ('?' among them); the byte loop sees those. */
static bool plain8(uint64_t x)
{
    uint64_t stop = ((x - 0x20 * ONES) & ~x & HIGHS) /* a byte < 0x20 */
                    | ((x + ONES) | x)                /* one >= 0x7F (high bit) */
                    | has_zero(x ^ (0x22 * ONES))     /* '"' */
                    | has_zero((x ^ (0x26 * ONES)) & (0xFE * ONES))  /* '&' '\'' */
                    | has_zero((x ^ (0x3C * ONES)) & (0xFC * ONES)); /* '<' '=' '>' '?' */
    return (stop & HIGHS) == 0;
}

/* The entity for a byte html_special[] names, written at `o`; returns the
 * end of it. */
static char *entity(char *o, char c)
{
    switch (c) {
    case '&': memcpy(o, "&amp;", 5); return o + 5;
    case '<': memcpy(o, "&lt;", 4); return o + 4;
    case '>': memcpy(o, "&gt;", 4); return o + 4;
    case '"': memcpy(o, "&quot;", 6); return o + 6;
    case '\'': memcpy(o, "&#39;", 5); return o + 5;
    /* Not needed for safety; it keeps text like "src=https://..." from
     * looking like an attribute to grep-based checks. */
    default: memcpy(o, "&#61;", 5); return o + 5; /* '=' */
    }
}

/* Append `s` HTML-escaped (text and attribute safe) after core/text.h's
 * filter, the one every other format uses: invalid UTF-8 becomes U+FFFD;
 * C0, DEL, C1 (CSI U+009B among them) and bidirectional controls (U+202E
 * among them) become '?', so advisory text cannot reorder the page around
 * it. Line breaks and tabs are kept (details are shown pre-wrapped). */
static void h(buf *b, const char *s)
{
    if (s == NULL)
        return;
    const char *p = s, *end = s + strlen(s);
    /* At most six bytes out for one in ("&quot;"): room once, no checks. */
    buf_reserve(b, 6 * (size_t)(end - p));
    char *o = b->data + b->len;
    /* Printable ASCII (most names, versions, IDs) is what the filter
     * would give: escape it as it is, copying 8 bytes at once where none
     * needs a look. */
    while (end - p >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        if (!plain8(x))
            break;
        memcpy(o, p, 8);
        o += 8;
        p += 8;
    }
    for (; p < end && printable((unsigned char)*p); p++) {
        if (html_special[(unsigned char)*p])
            o = entity(o, *p);
        else
            *o++ = *p;
    }
    if (p < end) {
        /* The rest through the filter (it keeps the printable prefix as
         * it is and looks only forward), then escaped in runs. */
        b->len = (size_t)(o - b->data);
        buf clean = {0};
        text_safe_append(&clean, p, TEXT_LINES);
        buf_reserve(b, 6 * clean.len);
        o = b->data + b->len;
        for (const char *q = clean.data != NULL ? clean.data : "";;) {
            size_t run = strcspn(q, "&<>\"'=");
            memcpy(o, q, run);
            o += run;
            q += run;
            if (*q == '\0')
                break;
            o = entity(o, *q++);
        }
        buf_free(&clean);
    }
    b->len = (size_t)(o - b->data);
    *o = '\0';
}

/* `s`, or a dash when it is absent. */
static void hd(buf *b, const char *s)
{
    if (s == NULL || *s == '\0')
        REPORT_LIT(b, "&ndash;");
    else
        h(b, s);
}

static void badge(buf *b, severity s)
{
    const char *name = severity_name(s);
    REPORT_LIT(b, "<span class=\"sev ");
    report_puts(b, name);
    REPORT_LIT(b, "\">");
    report_puts(b, name);
    REPORT_LIT(b, "</span>");
}

static void summary(buf *b, const scan_report *r, const scan_counts *c)
{
    if (c->findings == 0 && c->warnings > 0) /* not a clean result */
        buf_printf(b, "<p class=\"verdict warn\">No known vulnerabilities found in what was "
                      "read; %zu warning%s below.</p>\n",
                   c->warnings, c->warnings == 1 ? "" : "s");
    else if (c->findings == 0)
        REPORT_LIT(b, "<p class=\"verdict good\">No known vulnerabilities found.</p>\n");
    else
        buf_printf(b, "<p class=\"verdict bad\">%zu finding%s in %zu dependenc%s.</p>\n",
                   c->findings, c->findings == 1 ? "" : "s", c->vulnerable,
                   c->vulnerable == 1 ? "y" : "ies");
    REPORT_LIT(b, "<div class=\"cards\">");
    for (size_t k = 0; k < N_LEVELS; k++)
        buf_printf(b, "<div class=\"card\"><span class=\"sev %s\">%s</span><b>%zu</b></div>",
                   severity_name(display_order[k]), severity_name(display_order[k]),
                   c->by_severity[display_order[k]]);
    buf_printf(b, "</div>\n<p>%zu dependencies: %zu checked, %zu skipped; %zu ignored "
                  "finding%s; %zu warning%s.</p>\n",
               c->dependencies, c->checked, c->skipped, c->ignored, c->ignored == 1 ? "" : "s",
               c->warnings, c->warnings == 1 ? "" : "s");
    (void)r;
}

static void dep_cell(buf *b, const dependency *d)
{
    REPORT_LIT(b, "<b>");
    hd(b, d->name);
    REPORT_LIT(b, "</b> <code>");
    hd(b, d->version_text); /* a skipped requirement may have none */
    REPORT_LIT(b, "</code>");
}

/* Where a dependency came from: "uv.lock:12 [dev]" (report_source_text()). */
static void source_text(buf *b, const dependency *d)
{
    char *s = report_source_text(d);
    REPORT_LIT(b, "<code>");
    hd(b, s);
    REPORT_LIT(b, "</code>");
    free(s);
}

static void finding_block(buf *b, const dependency *d, const finding *f)
{
    REPORT_LIT(b, "<div class=\"finding\"><h3>");
    badge(b, f->level);
    if (f->score >= 0) {
        REPORT_LIT(b, " <span class=\"mono\">CVSS ");
        report_put_score(b, f->score);
        REPORT_LIT(b, "</span>");
    }
    REPORT_LIT(b, " <code>");
    h(b, f->id);
    REPORT_LIT(b, "</code> in ");
    dep_cell(b, d);
    REPORT_LIT(b, "</h3>\n<p>");
    hd(b, f->summary);
    REPORT_LIT(b, "</p>\n<dl class=\"kv\"><dt>Fixed in</dt><dd>");
    if (f->n_fix_versions == 0)
        REPORT_LIT(b, "no fixed version is known");
    for (size_t i = 0; i < f->n_fix_versions; i++) {
        report_puts(b, i ? ", <code>" : "<code>");
        h(b, f->fix_versions[i]);
        REPORT_LIT(b, "</code>");
    }
    REPORT_LIT(b, "</dd><dt>Aliases</dt><dd>");
    if (f->n_aliases == 0)
        REPORT_LIT(b, "&ndash;");
    for (size_t i = 0; i < f->n_aliases; i++) {
        report_puts(b, i ? ", <code>" : "<code>");
        h(b, f->aliases[i]);
        REPORT_LIT(b, "</code>");
    }
    REPORT_LIT(b, "</dd><dt>Found in</dt><dd>");
    source_text(b, d);
    REPORT_LIT(b, "</dd>");
    for (size_t i = 0; i < f->n_ratings; i++) {
        REPORT_LIT(b, "<dt>");
        hd(b, f->ratings[i].type);
        REPORT_LIT(b, "</dt><dd>");
        report_put_score(b, f->ratings[i].score);
        report_putc(b, ' ');
        badge(b, f->ratings[i].level);
        REPORT_LIT(b, " <code>");
        h(b, f->ratings[i].vector);
        REPORT_LIT(b, "</code></dd>");
    }
    if (f->published != NULL || f->modified != NULL) {
        REPORT_LIT(b, "<dt>Published</dt><dd>");
        hd(b, f->published);
        REPORT_LIT(b, " (modified ");
        hd(b, f->modified);
        REPORT_LIT(b, ")</dd>");
    }
    REPORT_LIT(b, "</dl>\n");
    if (f->details != NULL) {
        REPORT_LIT(b, "<div class=\"details\">");
        h(b, f->details);
        REPORT_LIT(b, "</div>\n");
    }
    if (f->n_references > 0) {
        /* URLs as text, not links: the page must not point anywhere. */
        REPORT_LIT(b, "<ul class=\"refs\">");
        for (size_t i = 0; i < f->n_references; i++) {
            REPORT_LIT(b, "<li>");
            hd(b, f->references[i].type);
            REPORT_LIT(b, ": <span class=\"mono\">");
            h(b, f->references[i].url);
            REPORT_LIT(b, "</span></li>");
        }
        REPORT_LIT(b, "</ul>\n");
    }
    REPORT_LIT(b, "</div>\n");
}

static void findings(buf *b, const scan_report *r, const scan_counts *c, FILE *out)
{
    REPORT_LIT(b, "<h2 id=\"findings\">Findings</h2>\n");
    if (c->findings == 0) {
        REPORT_LIT(b, "<p>None.</p>\n");
        return;
    }
    /* An overview table first, then one block per finding with details. */
    REPORT_LIT(b, "<table><thead><tr><th>Severity</th><th>Vulnerability</th><th>Dependency</th>"
                "<th>Fixed in</th><th>Summary</th></tr></thead><tbody>\n");
    for (size_t k = 0; k < N_LEVELS; k++)
        for (size_t i = 0; i < r->deps.len && r->findings != NULL; i++)
            for (size_t j = 0; j < r->findings[i].len; j++) {
                const finding *f = &r->findings[i].items[j];
                if (f->ignored || f->level != display_order[k])
                    continue;
                REPORT_LIT(b, "<tr><td>");
                badge(b, f->level);
                REPORT_LIT(b, "</td><td><code>");
                h(b, f->id);
                REPORT_LIT(b, "</code></td><td>");
                dep_cell(b, &r->deps.items[i]);
                REPORT_LIT(b, "</td><td><code>");
                if (f->n_fix_versions > 0)
                    h(b, f->fix_versions[0]);
                else
                    REPORT_LIT(b, "none known");
                REPORT_LIT(b, "</code></td><td>");
                hd(b, f->summary);
                REPORT_LIT(b, "</td></tr>\n");
                report_flush(b, out);
            }
    REPORT_LIT(b, "</tbody></table>\n");
    for (size_t k = 0; k < N_LEVELS; k++)
        for (size_t i = 0; i < r->deps.len && r->findings != NULL; i++)
            for (size_t j = 0; j < r->findings[i].len; j++) {
                const finding *f = &r->findings[i].items[j];
                if (!f->ignored && f->level == display_order[k]) {
                    finding_block(b, &r->deps.items[i], f);
                    report_flush(b, out);
                }
            }
}

static void ignored(buf *b, const scan_report *r, const scan_counts *c)
{
    REPORT_LIT(b, "<h2 id=\"ignored\">Ignored findings</h2>\n");
    if (c->ignored == 0) {
        REPORT_LIT(b, "<p>None.</p>\n");
    } else {
        REPORT_LIT(b, "<table><thead><tr><th>Vulnerability</th><th>Dependency</th>"
                    "<th>Severity</th><th>Fixed in</th><th>Reason</th><th>Until</th></tr>"
                    "</thead><tbody>\n");
        for (size_t i = 0; i < r->deps.len && r->findings != NULL; i++)
            for (size_t j = 0; j < r->findings[i].len; j++) {
                const finding *f = &r->findings[i].items[j];
                if (!f->ignored)
                    continue;
                REPORT_LIT(b, "<tr><td><code>");
                h(b, f->id);
                REPORT_LIT(b, "</code></td><td>");
                dep_cell(b, &r->deps.items[i]);
                REPORT_LIT(b, "</td><td>");
                badge(b, f->level);
                REPORT_LIT(b, "</td><td><code>");
                if (f->n_fix_versions > 0)
                    h(b, f->fix_versions[0]);
                else
                    REPORT_LIT(b, "none known");
                REPORT_LIT(b, "</code></td><td>");
                hd(b, f->ignore_reason);
                REPORT_LIT(b, "</td><td>");
                buf_puts(b, f->ignore_until != NULL ? "" : "no expiry");
                h(b, f->ignore_until);
                REPORT_LIT(b, "</td></tr>\n");
            }
        REPORT_LIT(b, "</tbody></table>\n");
    }
    if (r->n_expired > 0) {
        REPORT_LIT(b, "<p>Expired ignore entries (they no longer apply):</p>\n"
                    "<table><thead><tr><th>Vulnerability</th><th>Expired</th><th>Reason</th>"
                    "<th>Entry</th></tr></thead><tbody>\n");
        for (size_t i = 0; i < r->n_expired; i++) {
            const expired_ignore *e = &r->expired[i];
            REPORT_LIT(b, "<tr><td><code>");
            hd(b, e->id);
            REPORT_LIT(b, "</code></td><td>");
            hd(b, e->until);
            REPORT_LIT(b, "</td><td>");
            hd(b, e->reason);
            REPORT_LIT(b, "</td><td><code>");
            hd(b, e->file);
            buf_printf(b, ":%u</code></td></tr>\n", e->line);
        }
        REPORT_LIT(b, "</tbody></table>\n");
    }
}

/* The phased update plan (docs/remediation.md), as --format plan has it. */
static void plan(buf *b, const scan_report *r)
{
    REPORT_LIT(b, "<h2 id=\"plan\">Update plan</h2>\n");
    if (!r->release_data)
        REPORT_LIT(b, "<p>No release data in the database: fixes are the advisories' own fix "
                    "versions, not checked against a package index, and newer releases "
                    "(phases 3 and 4) are not known.</p>\n");
    for (unsigned p = 1; p <= PLAN_PHASES; p++) {
        const plan_phase *ph = &r->plan[p - 1];
        buf_printf(b, "<h3>Phase %u: %s</h3>\n", p, plan_phase_title(p));
        if (ph->n_items == 0) {
            REPORT_LIT(b, "<p>Nothing to do.</p>\n");
            continue;
        }
        REPORT_LIT(b, "<table><thead><tr><th>Package</th><th>From</th><th>To</th>"
                    "<th>Advisories</th><th>Why</th></tr></thead><tbody>\n");
        for (size_t i = 0; i < ph->n_items; i++) {
            const plan_item *it = &ph->items[i];
            REPORT_LIT(b, "<tr><td><b>");
            hd(b, it->name);
            REPORT_LIT(b, "</b></td><td><code>");
            hd(b, it->from);
            REPORT_LIT(b, "</code></td><td>");
            if (it->to != NULL) {
                REPORT_LIT(b, "<code>");
                h(b, it->to);
                REPORT_LIT(b, "</code>");
            } else {
                REPORT_LIT(b, "<b>no fix</b>");
            }
            REPORT_LIT(b, "</td><td>");
            for (size_t k = 0; k < it->n_ids; k++) {
                if (k > 0)
                    REPORT_LIT(b, ", ");
                h(b, it->ids[k]);
            }
            if (it->n_ids == 0)
                REPORT_LIT(b, "&ndash;");
            REPORT_LIT(b, "</td><td>");
            hd(b, it->reason);
            REPORT_LIT(b, "</td></tr>\n");
        }
        REPORT_LIT(b, "</tbody></table>\n");
    }
}

static void skipped(buf *b, const scan_report *r, const scan_counts *c, FILE *out)
{
    REPORT_LIT(b, "<h2 id=\"skipped\">Skipped dependencies</h2>\n");
    if (c->skipped == 0) {
        REPORT_LIT(b, "<p>None: every dependency was checked.</p>\n");
        return;
    }
    REPORT_LIT(b, "<table><thead><tr><th>Dependency</th><th>Source</th><th>Reason</th></tr>"
                "</thead><tbody>\n");
    for (size_t i = 0; i < r->deps.len; i++) {
        const dependency *d = &r->deps.items[i];
        if (d->skip_reason == NULL)
            continue;
        REPORT_LIT(b, "<tr><td>");
        dep_cell(b, d);
        REPORT_LIT(b, "</td><td>");
        source_text(b, d);
        REPORT_LIT(b, "</td><td>");
        h(b, d->skip_reason);
        REPORT_LIT(b, "</td></tr>\n");
        report_flush(b, out);
    }
    REPORT_LIT(b, "</tbody></table>\n");
}

/* Drift (drift.h): declared against installed. */
static void drift(buf *b, const scan_report *r)
{
    REPORT_LIT(b, "<h2 id=\"drift\">Drift</h2>\n");
    if (!r->drift_checked) {
        REPORT_LIT(b, "<p>Not checked: the scan did not read both declared dependencies "
                    "(requirement files, lockfiles, pyproject.toml) and installed ones.</p>\n");
        return;
    }
    if (r->n_drift == 0) {
        REPORT_LIT(b, "<p>None: what is installed is what is declared.</p>\n");
        return;
    }
    REPORT_LIT(b, "<table><thead><tr><th>Package</th><th>Status</th><th>Declared</th>"
                "<th>Declared in</th><th>Installed</th><th>Installed at</th></tr></thead>"
                "<tbody>\n");
    for (size_t i = 0; i < r->n_drift; i++) {
        const drift_item *it = &r->drift[i];
        REPORT_LIT(b, "<tr><td>");
        h(b, it->name);
        buf_printf(b, "</td><td>%s</td><td><code>", drift_status_name(it->status));
        if (it->declared != NULL && it->declared[0] == '\0')
            REPORT_LIT(b, "any version");
        else
            hd(b, it->declared);
        REPORT_LIT(b, "</code></td><td><code>");
        hd(b, it->declared_file);
        if (it->declared_file != NULL && it->declared_line > 0)
            buf_printf(b, ":%u", it->declared_line);
        REPORT_LIT(b, "</code></td><td><code>");
        hd(b, it->installed);
        REPORT_LIT(b, "</code></td><td><code>");
        hd(b, it->installed_location);
        REPORT_LIT(b, "</code></td></tr>\n");
    }
    REPORT_LIT(b, "</tbody></table>\n");
}

static void warnings(buf *b, const scan_report *r, FILE *out)
{
    REPORT_LIT(b, "<h2 id=\"warnings\">Warnings</h2>\n");
    if (r->n_warnings == 0) {
        REPORT_LIT(b, "<p>None.</p>\n");
        return;
    }
    REPORT_LIT(b, "<table><thead><tr><th>File</th><th>Line</th><th>Message</th></tr></thead>"
                "<tbody>\n");
    for (size_t i = 0; i < r->n_warnings; i++) {
        const scan_warning *w = &r->warnings[i];
        REPORT_LIT(b, "<tr><td><code>");
        hd(b, w->file);
        REPORT_LIT(b, "</code></td><td class=\"num\">");
        if (w->line > 0)
            buf_printf(b, "%u", w->line);
        else
            REPORT_LIT(b, "&ndash;");
        REPORT_LIT(b, "</td><td>");
        hd(b, w->message);
        REPORT_LIT(b, "</td></tr>\n");
        report_flush(b, out);
    }
    REPORT_LIT(b, "</tbody></table>\n");
}

static void database(buf *b, const scan_report *r)
{
    char t[32];
    report_time_rfc3339(r->db.build_time, t);
    int64_t age = r->scan_time - r->db.build_time;
    buf_printf(b, "<h2 id=\"database\">Vulnerability database</h2>\n<dl class=\"kv\">"
                  "<dt>Sequence</dt><dd>%llu</dd><dt>Built</dt><dd>%s</dd>"
                  "<dt>Age at scan time</dt><dd>",
               (unsigned long long)r->db.sequence, t);
    if (age >= 0)
        buf_printf(b, "%lld day%s %lld hour%s", (long long)(age / 86400),
                   age / 86400 == 1 ? "" : "s", (long long)(age % 86400 / 3600),
                   age % 86400 / 3600 == 1 ? "" : "s");
    else
        REPORT_LIT(b, "built after the scan time (clock skew?)");
    REPORT_LIT(b, "</dd><dt>Signer key id</dt><dd><code>");
    hd(b, r->db.signer_key_id);
    REPORT_LIT(b, "</code></dd><dt>Snapshot digest (BLAKE2b-512)</dt><dd><code>");
    hd(b, r->db.snapshot_digest);
    REPORT_LIT(b, "</code></dd><dt>Database digest (BLAKE2b-512)</dt><dd><code>");
    hd(b, r->db.db_digest);
    buf_printf(b, "</code></dd><dt>Format version</dt><dd>%u</dd></dl>\n", r->db.format_version);
    REPORT_LIT(b, "<table><thead><tr><th>Source</th><th>SHA-256</th><th>Kept</th><th>Skipped</th>"
                "<th>Withdrawn</th><th>Merged</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < r->db.n_sources; i++) {
        const source_provenance *s = &r->db.sources[i];
        REPORT_LIT(b, "<tr><td>");
        hd(b, s->name);
        REPORT_LIT(b, "</td><td><code>");
        hd(b, s->sha256);
        buf_printf(b, "</code></td><td class=\"num\">%llu</td><td class=\"num\">%llu</td>"
                      "<td class=\"num\">%llu</td><td class=\"num\">%llu</td></tr>\n",
                   (unsigned long long)s->kept, (unsigned long long)s->skipped,
                   (unsigned long long)s->withdrawn, (unsigned long long)s->merged);
    }
    REPORT_LIT(b, "</tbody></table>\n");
}

static void inputs(buf *b, const scan_report *r)
{
    REPORT_LIT(b, "<h2 id=\"inputs\">Inputs</h2>\n<table><thead><tr><th>Kind</th><th>Path</th>"
                "<th>Format</th><th>SHA-256</th><th>Note</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < r->n_inputs; i++) {
        const scan_input *in = &r->inputs[i];
        buf_printf(b, "<tr><td>%s</td><td><code>", report_input_kind_name(in->kind));
        hd(b, in->path);
        REPORT_LIT(b, "</code></td><td>");
        hd(b, in->format);
        REPORT_LIT(b, "</td><td><code>");
        if (in->sha256 != NULL)
            h(b, in->sha256);
        else
            REPORT_LIT(b, "(directory)");
        REPORT_LIT(b, "</code></td><td>");
        hd(b, in->note);
        REPORT_LIT(b, "</td></tr>\n");
    }
    REPORT_LIT(b, "</tbody></table>\n");
}

int report_write_html(const scan_report *r, FILE *out, airlock_error *err)
{
    scan_counts c;
    scan_report_count(r, &c);
    char t[32];
    report_time_rfc3339(r->scan_time, t);
    buf b = {0};
    REPORT_LIT(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width\">\n<title>Airlock scan "
                 "report: ");
    h(&b, r->hostname);
    buf_printf(&b, " %s</title>\n<style>%s</style>\n</head>\n<body>\n", t, css);
    REPORT_LIT(&b, "<h1>Airlock scan report</h1>\n<p class=\"meta\">Scanned <b>");
    buf_puts(&b, t);
    REPORT_LIT(&b, "</b> on <b>");
    hd(&b, r->hostname);
    REPORT_LIT(&b, "</b> by Airlock <b>");
    hd(&b, r->airlock_version);
    buf_printf(&b, "</b> against database sequence <b>%llu</b>.</p>\n",
               (unsigned long long)r->db.sequence);
    summary(&b, r, &c);
    findings(&b, r, &c, out);
    ignored(&b, r, &c);
    report_flush(&b, out);
    plan(&b, r);
    report_flush(&b, out);
    skipped(&b, r, &c, out);
    drift(&b, r);
    report_flush(&b, out);
    warnings(&b, r, out);
    database(&b, r);
    inputs(&b, r);
    REPORT_LIT(&b, "<footer>Generated by Airlock ");
    hd(&b, r->airlock_version);
    buf_printf(&b, " on ");
    hd(&b, r->hostname);
    buf_printf(&b, " at %s. The evidence bundle's MANIFEST lists the SHA-256 of this file."
                   "</footer>\n</body>\n</html>\n", t);
    size_t len = b.len;
    size_t n = fwrite(b.data, 1, len, out);
    buf_free(&b);
    if (n != len)
        return error_set(err, "writing the html report failed");
    return report_check_stream(out, "html", err);
}
