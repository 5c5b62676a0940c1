/* Random scan reports for the tests that compare a report writer with a
 * reference (test_report_stream_*.c): every field set or NULL, lists empty
 * or long, hostile strings (controls, quotes, backslashes, invalid and
 * truncated UTF-8, bidirectional controls, Markdown and HTML syntax),
 * numbers from 0 to past 2^53 and scores with long binary expansions.
 * Deterministic for a seed. Header-only, for tests.
 *
 * The advice, fixes, drift and plan fields (issue 15) are left empty: the
 * references print what reports held before them. A writer that prints
 * something new for a report without that data (a key always present)
 * must add the same to its reference, or the comparison fails. */
#ifndef AIRLOCK_TEST_REPORT_RANDOM_H
#define AIRLOCK_TEST_REPORT_RANDOM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/results.h"

static uint64_t rr_next(uint64_t *s)
{
    /* splitmix64 */
    uint64_t z = (*s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static size_t rr_below(uint64_t *s, size_t n)
{
    return n == 0 ? 0 : (size_t)(rr_next(s) % n);
}

static const char *const rr_pieces[] = {
    "django", "Django", "4.2.1", "req.txt", "/sp/a-1.0.dist-info/METADATA", "PYSEC-2023-100",
    "CVE-2023-36053", "GHSA-jh3w-4vvf-mjgr", "https://example.com/a?b=c#d", "javascript:alert(1)",
    "\"", "\\", "\n", "\r\n", "\t", "\b\f", "\x01", "\x1f", "\x7f", "\xff", "\xc3", "\xc3\xa9",
    "\xe2\x80\xae", "\xed\xa0\x80", "\xf0\x9f\x90\x8d", "\xf4\x90\x80\x80", "\xe2\x82", "<script>",
    "&amp;", "|", "*_`[x](y)", "www.example.com", " ", "", "0", "-1", "1e9", "{}", "[]", "::",
    "a long description that goes on for a while, with punctuation; and more.",
    "pkg:pypi/x@1", "%41", "git+https://github.com/o/r@abc", "extra:security, dev", "main",
    "registry", "git", "path", "editable", "CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "ADVISORY", "FIX", "WEB", "2023-07-03T21:30:00Z", "2026-12-31", "uv", "poetry", "cyclonedx"};

static char *rr_string(uint64_t *s)
{
    buf b = {0};
    size_t n = rr_below(s, 6);
    for (size_t i = 0; i < n; i++) {
        if (rr_below(s, 8) == 0) {
            char c = (char)(rr_next(s) & 0xff); /* any byte but NUL */
            buf_putc(&b, c != 0 ? c : 'x');
        } else {
            buf_puts(&b, rr_pieces[rr_below(s, sizeof rr_pieces / sizeof rr_pieces[0])]);
        }
    }
    return buf_detach(&b, NULL);
}

/* A string, NULL one time in `null_one_in` (0: never NULL). */
static char *rr_opt(uint64_t *s, size_t null_one_in)
{
    if (null_one_in != 0 && rr_below(s, null_one_in) == 0)
        return NULL;
    return rr_string(s);
}

/* A short identifier-like string: finding IDs are compared and sorted. */
static char *rr_id(uint64_t *s)
{
    static const char *const ids[] = {"PYSEC-2023-100", "GHSA-aaaa-bbbb-cccc", "CVE-2024-1",
                                      "OSV-\xff", "PYSEC-\"q\"", "A", "Z<z>"};
    return xstrdup(ids[rr_below(s, sizeof ids / sizeof ids[0])]);
}

static char **rr_strings(uint64_t *s, size_t *n, size_t max)
{
    *n = rr_below(s, max + 1);
    char **v = xcalloc(*n + 1, sizeof *v);
    for (size_t i = 0; i < *n; i++)
        v[i] = rr_string(s);
    return v;
}

static uint64_t rr_count(uint64_t *s)
{
    switch (rr_below(s, 6)) {
    case 0: return 0;
    case 1: return rr_below(s, 100);
    case 2: return 2147483647u + rr_below(s, 3);
    case 3: return (uint64_t)1 << 53 | (rr_next(s) & 0xff);
    case 4: return rr_next(s);
    default: return rr_below(s, 1000000);
    }
}

static double rr_score(uint64_t *s)
{
    switch (rr_below(s, 5)) {
    case 0: return (double)rr_below(s, 101) / 10.0;
    case 1: return 0.1 + 0.2;
    case 2: return (double)(rr_next(s) >> 11) / 9007199254740992.0 * 10.0;
    case 3: return (double)rr_below(s, 11);
    default: return 1e300 * (double)rr_below(s, 3) - 1e-300;
    }
}

static unsigned rr_line(uint64_t *s)
{
    switch (rr_below(s, 4)) {
    case 0: return 0;
    case 1: return 4294967295u - (unsigned)rr_below(s, 2);
    default: return (unsigned)rr_below(s, 5000);
    }
}

static void rr_finding(uint64_t *s, finding *f)
{
    f->id = rr_id(s);
    f->aliases = rr_strings(s, &f->n_aliases, 3);
    f->summary = rr_opt(s, 4);
    f->details = rr_opt(s, 3);
    f->published = rr_opt(s, 3);
    f->modified = rr_opt(s, 3);
    f->level = (severity)rr_below(s, SEVERITY_CRITICAL + 1);
    f->score = rr_below(s, 3) == 0 ? -1 : rr_score(s);
    f->n_ratings = rr_below(s, 3);
    f->ratings = xcalloc(f->n_ratings + 1, sizeof *f->ratings);
    for (size_t i = 0; i < f->n_ratings; i++) {
        f->ratings[i].type = rr_opt(s, 5);
        f->ratings[i].vector = rr_opt(s, 5);
        f->ratings[i].score = rr_score(s);
        f->ratings[i].level = (severity)rr_below(s, SEVERITY_CRITICAL + 1);
    }
    f->fix_versions = rr_strings(s, &f->n_fix_versions, 3);
    f->n_references = rr_below(s, 4);
    f->references = xcalloc(f->n_references + 1, sizeof *f->references);
    for (size_t i = 0; i < f->n_references; i++) {
        f->references[i].type = rr_opt(s, 5);
        f->references[i].url = rr_opt(s, 8);
    }
    f->ignored = rr_below(s, 4) == 0;
    f->ignore_reason = rr_opt(s, 3);
    f->ignore_until = rr_opt(s, 2);
}

/* Random advice (advice.h): release facts, range risk, fixes, a plan. */
static void rr_advice(uint64_t *s, scan_report *r, size_t size)
{
    r->release_data = rr_below(s, 2) == 0;
    if (rr_below(s, 4) != 0) {
        r->advice = xcalloc(r->deps.len + 1, sizeof *r->advice);
        for (size_t i = 0; i < r->deps.len; i++) {
            dep_advice *a = &r->advice[i];
            a->release_data = rr_below(s, 3) != 0;
            a->latest_version = rr_opt(s, 3);
            a->outdated = rr_below(s, 2) == 0;
            a->yanked = rr_below(s, 4) == 0;
            a->yank_reason = rr_opt(s, 2);
            a->specifier = rr_opt(s, 2);
            a->n_range_risk = rr_below(s, 3);
            a->range_risk = xcalloc(a->n_range_risk + 1, sizeof *a->range_risk);
            for (size_t k = 0; k < a->n_range_risk; k++) {
                a->range_risk[k].version = rr_string(s);
                a->range_risk[k].ids = rr_strings(s, &a->range_risk[k].n_ids, 3);
            }
            a->resolved_version = rr_opt(s, 2);
            a->resolved_vulnerable = rr_below(s, 2) == 0;
            a->resolved_yanked = rr_below(s, 4) == 0;
        }
    }
    r->n_fixes = rr_below(s, size + 1);
    r->fixes = xcalloc(r->n_fixes + 1, sizeof *r->fixes);
    for (size_t i = 0; i < r->n_fixes; i++) {
        r->fixes[i].name = rr_opt(s, 10);
        r->fixes[i].old_version = rr_opt(s, 10);
        r->fixes[i].new_version = rr_opt(s, 3);
        r->fixes[i].note = rr_opt(s, 2);
    }
    for (unsigned p = 1; p <= PLAN_PHASES; p++) {
        plan_phase *ph = &r->plan[p - 1];
        ph->phase = p;
        ph->n_items = rr_below(s, 3);
        ph->items = xcalloc(ph->n_items + 1, sizeof *ph->items);
        for (size_t i = 0; i < ph->n_items; i++) {
            ph->items[i].name = rr_opt(s, 10);
            ph->items[i].from = rr_opt(s, 5);
            ph->items[i].to = rr_opt(s, 3);
            ph->items[i].reason = rr_opt(s, 5);
            ph->items[i].ids = rr_strings(s, &ph->items[i].n_ids, 3);
        }
    }
}

/* A random report: `size` bounds the number of each list's entries, and
 * `findings` the findings of one dependency. The dependencies are up to
 * 4 * size, so size * findings bounds the report: a wide report (many
 * dependencies, few findings each) is large without being slow to compare. */
static void rr_report_wide(uint64_t *s, scan_report *r, size_t size, size_t findings)
{
    memset(r, 0, sizeof *r);
    r->airlock_version = rr_opt(s, 10);
    r->scan_time = rr_below(s, 5) == 0 ? 0 : (int64_t)rr_below(s, 4000000000u);
    r->hostname = rr_opt(s, 5);
    r->n_inputs = rr_below(s, size + 1);
    r->inputs = xcalloc(r->n_inputs + 1, sizeof *r->inputs);
    for (size_t i = 0; i < r->n_inputs; i++) {
        r->inputs[i].kind = (input_kind)rr_below(s, INPUT_SBOM + 1);
        r->inputs[i].path = rr_string(s);
        r->inputs[i].sha256 = rr_opt(s, 2);
        r->inputs[i].format = rr_opt(s, 2);
        r->inputs[i].note = rr_opt(s, 2);
    }
    r->db.sequence = rr_count(s);
    r->db.build_time = rr_below(s, 5) == 0 ? 0 : (int64_t)rr_below(s, 4000000000u);
    r->db.signer_key_id = rr_opt(s, 4);
    r->db.snapshot_digest = rr_opt(s, 4);
    r->db.db_digest = rr_opt(s, 4);
    r->db.format_version = (unsigned)rr_below(s, 5);
    r->db.n_sources = rr_below(s, 3);
    r->db.sources = xcalloc(r->db.n_sources + 1, sizeof *r->db.sources);
    for (size_t i = 0; i < r->db.n_sources; i++) {
        r->db.sources[i].name = rr_opt(s, 5);
        r->db.sources[i].sha256 = rr_opt(s, 5);
        r->db.sources[i].kept = rr_count(s);
        r->db.sources[i].skipped = rr_count(s);
        r->db.sources[i].withdrawn = rr_count(s);
        r->db.sources[i].merged = rr_count(s);
    }
    size_t n_deps = rr_below(s, 4 * size + 1);
    r->findings = xcalloc(n_deps + 1, sizeof *r->findings);
    for (size_t i = 0; i < n_deps; i++) {
        dependency *d = dep_list_add(&r->deps);
        d->kind = (dep_kind)rr_below(s, DEP_SBOM + 1);
        d->name = rr_opt(s, 20);
        d->normalized = rr_opt(s, 10);
        d->version_text = rr_opt(s, 4);
        d->source_file = rr_opt(s, 3);
        d->source_line = rr_line(s);
        d->location = rr_opt(s, 2);
        d->editable = rr_below(s, 5) == 0;
        d->skip_reason = rr_below(s, 4) == 0 ? rr_string(s) : NULL;
        d->source_kind = rr_opt(s, 2);
        d->group = rr_opt(s, 2);
        d->dev = rr_below(s, 3) == 0;
        if (d->skip_reason == NULL) {
            r->findings[i].len = rr_below(s, findings + 1);
            r->findings[i].items = xcalloc(r->findings[i].len + 1, sizeof(finding));
            for (size_t k = 0; k < r->findings[i].len; k++)
                rr_finding(s, &r->findings[i].items[k]);
        }
    }
    r->n_expired = rr_below(s, 3);
    r->expired = xcalloc(r->n_expired + 1, sizeof *r->expired);
    for (size_t i = 0; i < r->n_expired; i++) {
        r->expired[i].id = rr_id(s);
        r->expired[i].until = rr_opt(s, 3);
        r->expired[i].reason = rr_opt(s, 3);
        r->expired[i].file = rr_opt(s, 3);
        r->expired[i].line = rr_line(s);
    }
    size_t n_warnings = rr_below(s, size + 1);
    for (size_t i = 0; i < n_warnings; i++) {
        char *file = rr_opt(s, 3), *message = rr_string(s);
        scan_report_add_warning(r, file, rr_line(s), message);
        free(file);
        free(message);
    }
    rr_advice(s, r, size);
    r->drift_checked = rr_below(s, 3) != 0;
    r->n_drift = r->drift_checked ? rr_below(s, size + 1) : 0;
    r->drift = xcalloc(r->n_drift + 1, sizeof *r->drift);
    for (size_t i = 0; i < r->n_drift; i++) {
        drift_item *it = &r->drift[i];
        it->name = rr_string(s);
        it->status = (drift_status)rr_below(s, DRIFT_UNPINNED + 1);
        it->declared = rr_opt(s, 3);
        it->declared_file = rr_opt(s, 3);
        it->declared_line = rr_line(s);
        it->installed = rr_opt(s, 3);
        it->installed_location = rr_opt(s, 3);
    }
}

/* A random report of up to `size` entries a list, and up to size / 2 + 1
 * findings a dependency. */
static void rr_report(uint64_t *s, scan_report *r, size_t size)
{
    rr_report_wide(s, r, size, size / 2 + 1);
}

#endif
