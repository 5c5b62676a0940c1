/*
 * report_json.c - the JSON report: a superset of pip-audit's JSON output.
 *
 * pip-audit consumers read "dependencies" (name, version, vulns with id,
 * fix_versions, aliases, description; skipped ones with skip_reason) and
 * "fixes" (filled by advice.h: one entry per vulnerable dependency, with a
 * "note" beside pip-audit's keys); everything else is added beside those
 * keys (among them each dependency's release facts and range risk, the
 * "plan", and "warnings": every input item the scan could not read, with
 * its file and line, and their count in "summary"). Keys are emitted in a
 * fixed order and absent values are null, so the same report always gives
 * the same bytes. Strings that are not valid UTF-8 (names and paths come
 * from untrusted files) get U+FFFD for each bad byte: the output is always
 * valid JSON. The report is written as it is produced (json_out.h).
 */
#include "scanner/reports/report.h"

#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "core/buf.h"
#include "scanner/drift.h"
#include "scanner/plan.h"
#include "scanner/reports/json_out.h"
#include "scanner/reports/report_util.h"

/* RFC 3339 UTC, or null for 0 (unknown). */
static void timestamp(json_out *j, const char *key, int64_t t)
{
    jo_key(j, key);
    char text[32];
    time_t tt = (time_t)t;
    struct tm tm;
    if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
        strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        jo_null(j);
    else
        jo_string(j, text);
}

/* A line number, or null for 0 (unknown). */
static void line(json_out *j, const char *key, unsigned n)
{
    if (n != 0)
        jo_key_number(j, key, n);
    else
        jo_key_null(j, key);
}

static void severity_json(json_out *j, const finding *f)
{
    jo_key_object_begin(j, "severity");
    jo_key_string(j, "level", severity_name(f->level));
    if (f->score >= 0)
        jo_key_number(j, "score", f->score);
    else
        jo_key_null(j, "score");
    jo_key_array_begin(j, "vectors");
    for (size_t i = 0; i < f->n_ratings; i++) {
        const cvss_rating *c = &f->ratings[i];
        jo_object_begin(j);
        jo_key_string(j, "type", c->type);
        jo_key_string(j, "vector", c->vector);
        jo_key_number(j, "score", c->score);
        jo_key_string(j, "level", severity_name(c->level));
        jo_object_end(j);
    }
    jo_array_end(j);
    jo_object_end(j);
}

static void finding_json(json_out *j, const finding *f)
{
    jo_object_begin(j);
    jo_key_string(j, "id", f->id);
    jo_key_strings(j, "fix_versions", f->fix_versions, f->n_fix_versions);
    jo_key_strings(j, "aliases", f->aliases, f->n_aliases);
    /* pip-audit's description is the advisory's details, else its summary. */
    const char *desc = f->details && *f->details ? f->details : f->summary;
    jo_key_string(j, "description", desc ? desc : "");
    jo_key_string(j, "summary", f->summary);
    severity_json(j, f);
    jo_key_string(j, "published", f->published);
    jo_key_string(j, "modified", f->modified);
    jo_key_array_begin(j, "references");
    for (size_t i = 0; i < f->n_references; i++) {
        jo_object_begin(j);
        jo_key_string(j, "type", f->references[i].type);
        jo_key_string(j, "url", f->references[i].url);
        jo_object_end(j);
    }
    jo_array_end(j);
    jo_key_bool(j, "ignored", f->ignored);
    jo_key_string(j, "ignore_reason", f->ignored ? f->ignore_reason : NULL);
    jo_key_string(j, "ignore_until", f->ignored ? f->ignore_until : NULL);
    jo_object_end(j);
}

static void source_json(json_out *j, const dependency *d)
{
    jo_key_object_begin(j, "source");
    jo_key_string(j, "kind", report_dep_kind_name(d->kind));
    jo_key_string(j, "file", d->source_file);
    line(j, "line", d->source_line);
    jo_key_string(j, "location", d->location);
    jo_key_bool(j, "editable", d->editable);
    /* Lockfiles, pyproject.toml and SBOMs: where the package itself comes
     * from, and the group that holds it; null for the other kinds. */
    jo_key_string(j, "source_kind", d->source_kind);
    jo_key_string(j, "group", d->group);
    jo_key_bool(j, "dev", d->dev);
    jo_object_end(j);
}

/* A bool known only with release data: null without. */
static void known_bool(json_out *j, const char *key, bool known, bool v)
{
    if (known)
        jo_key_bool(j, key, v);
    else
        jo_key_null(j, key);
}

/* What advice.h found about one dependency (docs/remediation.md), in a
 * fixed order, null where it does not apply or is not known. */
static void advice_json(json_out *j, const dep_advice *a)
{
    static const dep_advice none;
    if (a == NULL)
        a = &none;
    /* A pin's facts, or a range's risk: never both. */
    bool facts = a->release_data && a->specifier == NULL;
    bool range = a->release_data && a->specifier != NULL;
    jo_key_bool(j, "release_data", a->release_data);
    jo_key_string(j, "latest_version", a->latest_version);
    known_bool(j, "outdated", facts, a->outdated);
    known_bool(j, "yanked", facts, a->yanked);
    jo_key_string(j, "yank_reason", a->yank_reason);
    jo_key_string(j, "specifier", a->specifier);
    if (range) {
        jo_key_array_begin(j, "range_risk");
        for (size_t k = 0; k < a->n_range_risk; k++) {
            jo_object_begin(j);
            jo_key_string(j, "version", a->range_risk[k].version);
            jo_key_strings(j, "ids", a->range_risk[k].ids, a->range_risk[k].n_ids);
            jo_object_end(j);
        }
        jo_array_end(j);
    } else {
        jo_key_null(j, "range_risk");
    }
    jo_key_string(j, "resolved_version", a->resolved_version);
    known_bool(j, "resolved_vulnerable", a->resolved_version != NULL, a->resolved_vulnerable);
    known_bool(j, "resolved_yanked", a->resolved_version != NULL, a->resolved_yanked);
}

static void dependency_json(json_out *j, const dependency *d, const dep_findings *fs,
                            const dep_advice *a)
{
    jo_object_begin(j);
    jo_key_string(j, "name", d->name);
    if (d->skip_reason != NULL) {
        /* pip-audit's shape for a skipped dependency, plus what we know. */
        jo_key_string(j, "skip_reason", d->skip_reason);
        jo_key_string(j, "version", d->version_text);
    } else {
        jo_key_string(j, "version", d->version_text);
        jo_key_array_begin(j, "vulns");
        for (size_t k = 0; fs != NULL && k < fs->len; k++)
            finding_json(j, &fs->items[k]);
        jo_array_end(j);
    }
    jo_key_string(j, "normalized_name", d->normalized);
    source_json(j, d);
    advice_json(j, a);
    jo_object_end(j);
}

static void database_json(json_out *j, const db_provenance *db)
{
    jo_key_object_begin(j, "database");
    jo_key_number(j, "sequence", (double)db->sequence);
    timestamp(j, "build_time", db->build_time);
    jo_key_number(j, "format_version", db->format_version);
    jo_key_string(j, "signer_key_id", db->signer_key_id);
    /* The store records BLAKE2b-512 digests (b2sum's format). */
    jo_key_string(j, "digest_algorithm", "BLAKE2b-512");
    jo_key_string(j, "snapshot_digest", db->snapshot_digest);
    jo_key_string(j, "db_digest", db->db_digest);
    jo_key_array_begin(j, "sources");
    for (size_t i = 0; i < db->n_sources; i++) {
        const source_provenance *s = &db->sources[i];
        jo_object_begin(j);
        jo_key_string(j, "name", s->name);
        jo_key_string(j, "sha256", s->sha256);
        jo_key_number(j, "kept", (double)s->kept);
        jo_key_number(j, "skipped", (double)s->skipped);
        jo_key_number(j, "withdrawn", (double)s->withdrawn);
        jo_key_number(j, "merged", (double)s->merged);
        jo_object_end(j);
    }
    jo_array_end(j);
    /* Release data's indexes (--index): an empty list without any. */
    jo_key_array_begin(j, "indexes");
    for (size_t i = 0; i < db->n_indexes; i++) {
        jo_object_begin(j);
        jo_key_string(j, "name", db->indexes[i].name);
        jo_key_string(j, "sha256", db->indexes[i].sha256);
        jo_key_number(j, "projects", (double)db->indexes[i].projects);
        jo_key_number(j, "releases", (double)db->indexes[i].releases);
        jo_object_end(j);
    }
    jo_array_end(j);
    jo_object_end(j);
}

static void summary_json(json_out *j, const scan_report *r)
{
    scan_counts c;
    scan_report_count(r, &c);
    jo_key_object_begin(j, "summary");
    jo_key_number(j, "dependencies", (double)c.dependencies);
    jo_key_number(j, "checked", (double)c.checked);
    jo_key_number(j, "skipped", (double)c.skipped);
    jo_key_number(j, "vulnerable", (double)c.vulnerable);
    jo_key_number(j, "vulnerabilities", (double)c.findings);
    jo_key_number(j, "ignored", (double)c.ignored);
    jo_key_number(j, "warnings", (double)c.warnings);
    jo_key_object_begin(j, "by_severity");
    for (int s = SEVERITY_CRITICAL; s >= SEVERITY_UNKNOWN; s--)
        jo_key_number(j, severity_name((severity)s), (double)c.by_severity[s]);
    jo_object_end(j);
    jo_object_end(j);
}

/* pip-audit's "fixes" (name, old_version, new_version), with our note. */
static void fixes_json(json_out *j, const scan_report *r)
{
    jo_key_bool(j, "release_data", r->release_data);
    jo_key_array_begin(j, "fixes");
    for (size_t i = 0; i < r->n_fixes; i++) {
        const fix_item *f = &r->fixes[i];
        jo_object_begin(j);
        jo_key_string(j, "name", f->name);
        jo_key_string(j, "old_version", f->old_version);
        jo_key_string(j, "new_version", f->new_version);
        jo_key_string(j, "note", f->note);
        jo_object_end(j);
    }
    jo_array_end(j);
}

/* The four phases, always, each with its items (plan.h). */
static void plan_json(json_out *j, const scan_report *r)
{
    jo_key_array_begin(j, "plan");
    for (unsigned p = 1; p <= PLAN_PHASES; p++) {
        const plan_phase *ph = &r->plan[p - 1];
        jo_object_begin(j);
        jo_key_number(j, "phase", p);
        jo_key_string(j, "title", plan_phase_title(p));
        jo_key_array_begin(j, "items");
        for (size_t i = 0; i < ph->n_items; i++) {
            const plan_item *it = &ph->items[i];
            jo_object_begin(j);
            jo_key_string(j, "name", it->name);
            jo_key_string(j, "from", it->from);
            jo_key_string(j, "to", it->to);
            jo_key_string(j, "reason", it->reason);
            jo_key_strings(j, "ids", it->ids, it->n_ids);
            jo_object_end(j);
        }
        jo_array_end(j);
        jo_object_end(j);
    }
    jo_array_end(j);
}

/* null when the scan had not both declared and installed inputs; [] when
 * they agree (drift.h). */
static void drift_json(json_out *j, const scan_report *r)
{
    if (!r->drift_checked) {
        jo_key_null(j, "drift");
        return;
    }
    jo_key_array_begin(j, "drift");
    for (size_t i = 0; i < r->n_drift; i++) {
        const drift_item *it = &r->drift[i];
        jo_object_begin(j);
        jo_key_string(j, "name", it->name);
        jo_key_string(j, "status", drift_status_name(it->status));
        jo_key_string(j, "declared", it->declared);
        jo_key_string(j, "declared_file", it->declared_file);
        line(j, "declared_line", it->declared_line);
        jo_key_string(j, "installed", it->installed);
        jo_key_string(j, "installed_location", it->installed_location);
        jo_object_end(j);
    }
    jo_array_end(j);
}

/* Reports with fewer dependencies are rendered in one thread. */
#define PART_MIN 256

typedef struct deps_range {
    const scan_report *r;
    size_t from, to;
} deps_range;

static void dependencies_json(json_out *j, void *arg)
{
    const deps_range *d = arg;
    const scan_report *r = d->r;
    for (size_t i = d->from; i < d->to; i++)
        dependency_json(j, &r->deps.items[i], r->findings ? &r->findings[i] : NULL,
                        r->advice ? &r->advice[i] : NULL);
}

/* Where to cut the dependencies in two: a finding weighs as much as a
 * dependency. On the bench tree that leaves this thread a little more
 * (callgrind: 16.2 M instructions against 13.2 M; by count alone 17.5 M
 * against 11.2 M, with three per finding 13.4 M against 17.1 M), and the
 * other core also runs the writer thread. At least one on each side. */
static size_t half_point(const scan_report *r)
{
    size_t n = r->deps.len, total = 0;
    for (size_t i = 0; i < n; i++)
        total += 1 + (r->findings ? r->findings[i].len : 0);
    size_t acc = 0, i = 0;
    while (i + 1 < n && 2 * acc < total) {
        acc += 1 + (r->findings ? r->findings[i].len : 0);
        i++;
    }
    return i > 0 ? i : 1;
}

int report_write_json(const scan_report *r, FILE *out, airlock_error *err)
{
    /* The writer keeps its buffer inline: on the heap, not the stack. */
    json_out *j = xmalloc(sizeof *j);
    jo_init(j, out);
    jo_object_begin(j);

    jo_key_object_begin(j, "scanner");
    jo_key_string(j, "name", "airlock");
    jo_key_string(j, "version", r->airlock_version);
    jo_object_end(j);
    timestamp(j, "scan_time", r->scan_time);
    jo_key_string(j, "hostname", r->hostname);

    jo_key_array_begin(j, "inputs");
    for (size_t i = 0; i < r->n_inputs; i++) {
        jo_object_begin(j);
        jo_key_string(j, "kind", report_input_kind_name(r->inputs[i].kind));
        jo_key_string(j, "path", r->inputs[i].path);
        jo_key_string(j, "sha256", r->inputs[i].sha256);
        jo_key_string(j, "format", r->inputs[i].format);
        jo_key_string(j, "note", r->inputs[i].note);
        jo_object_end(j);
    }
    jo_array_end(j);
    database_json(j, &r->db);
    summary_json(j, r);

    /* The dependencies are nearly all of the work: the second half is
     * rendered on a thread of its own while this one renders the first
     * (json_out.h, parts); a small report is not worth a thread. */
    jo_key_array_begin(j, "dependencies");
    size_t n = r->deps.len, mid = n;
    if (n >= PART_MIN)
        mid = half_point(r);
    deps_range second = {r, mid, n};
    jo_part *part = mid < n ? jo_part_start(j, dependencies_json, &second) : NULL;
    deps_range first = {r, 0, mid};
    dependencies_json(j, &first);
    if (part != NULL)
        jo_part_join(j, part);
    jo_array_end(j);
    fixes_json(j, r);
    plan_json(j, r);
    drift_json(j, r);

    jo_key_array_begin(j, "expired_ignores");
    for (size_t i = 0; i < r->n_expired; i++) {
        const expired_ignore *x = &r->expired[i];
        jo_object_begin(j);
        jo_key_string(j, "id", x->id);
        jo_key_string(j, "until", x->until);
        jo_key_string(j, "reason", x->reason);
        jo_key_string(j, "file", x->file);
        line(j, "line", x->line);
        jo_object_end(j);
    }
    jo_array_end(j);

    /* What the scan could not read: never only on stderr. */
    jo_key_array_begin(j, "warnings");
    for (size_t i = 0; i < r->n_warnings; i++) {
        const scan_warning *w = &r->warnings[i];
        jo_object_begin(j);
        jo_key_string(j, "file", w->file);
        line(j, "line", w->line);
        jo_key_string(j, "message", w->message);
        jo_object_end(j);
    }
    jo_array_end(j);

    jo_object_end(j);
    int rc = jo_finish(j, "JSON", err);
    free(j);
    return rc;
}
