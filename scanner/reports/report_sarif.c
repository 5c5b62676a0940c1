/*
 * report_sarif.c - SARIF 2.1.0 for code-scanning tools.
 *
 * One rule per vulnerability ID (in order of first appearance), one result
 * per affected dependency located at its line in the requirement file,
 * lockfile, pyproject.toml or SBOM it came from, or at its METADATA file;
 * its properties say its kind, source kind, group and dev flag. Ignored findings are results with an accepted external suppression.
 * Skipped dependencies are tool notifications: SARIF has no "not checked"
 * result, and a notification keeps them visible without failing the run.
 * Warnings about input items that were not read are notifications too, with
 * the file and line as their location.
 */
#include "scanner/reports/report.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/reports/json_out.h"
#include "scanner/reports/report_util.h"

typedef struct ref {
    const finding *f;
    const dependency *d;
    size_t order; /* position in report order */
} ref;

static int by_id_then_order(const void *a, const void *b)
{
    const ref *x = a, *y = b;
    int c = strcmp(x->f->id, y->f->id);
    if (c != 0)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int by_order(const void *a, const void *b)
{
    const ref *x = a, *y = b;
    return x->order < y->order ? -1 : x->order > y->order;
}

static const char *level_of(severity s)
{
    switch (s) {
    case SEVERITY_CRITICAL:
    case SEVERITY_HIGH:
    case SEVERITY_UNKNOWN: /* unknown counts as critical, as for --fail-on */
        return "error";
    case SEVERITY_MEDIUM:
        return "warning";
    case SEVERITY_LOW:
    case SEVERITY_NONE:
        break;
    }
    return "note";
}

/* An array of strings, NULL entries left out. */
static void strings_opt(json_out *j, const char *key, char *const *v, size_t n)
{
    jo_key_array_begin(j, key);
    for (size_t i = 0; i < n; i++)
        if (v[i] != NULL)
            jo_string(j, v[i]);
    jo_array_end(j);
}

/* The strings a report is built from are assembled in buffers reused from
 * one rule or result to the next; each starts out with room, so that its
 * data is never NULL. */
typedef struct scratch {
    buf text, md;
} scratch;

/* `s` as printf's "%s" writes it ("(null)" for NULL). */
static void put_s(buf *b, const char *s)
{
    if (s != NULL)
        report_puts(b, s);
    else
        REPORT_LIT(b, "(null)");
}

/* "message": {"text": TEXT} (empty when TEXT is NULL). */
static void message(json_out *j, const char *text)
{
    jo_key_object_begin(j, "message");
    jo_key_string_opt(j, "text", text);
    jo_object_end(j);
}

/* The rule of an ID, described from its first finding `f` in dependency `d`
 * (fixed versions depend on the installed version: each result has its own). */
static void add_rule(json_out *j, const dependency *d, const finding *f, scratch *sc)
{
    jo_object_begin(j);
    jo_key_string_opt(j, "id", f->id);
    jo_key_object_begin(j, "shortDescription");
    jo_key_string_opt(j, "text", f->summary != NULL ? f->summary : f->id);
    jo_object_end(j);
    if (f->details != NULL) {
        jo_key_object_begin(j, "fullDescription");
        jo_key_string(j, "text", f->details);
        jo_object_end(j);
    }
    jo_key_string_opt(j, "helpUri", report_primary_url(f)); /* http(s) URIs only */

    /* The same help as plain text and as Markdown (every untrusted string
     * escaped there: code-scanning tools render it). */
    buf *text = &sc->text, *md = &sc->md;
    buf_reset(text);
    buf_reset(md);
    report_puts(text, f->id);
    REPORT_LIT(md, "**");
    report_md_append(md, f->id);
    REPORT_LIT(md, "**");
    if (f->n_aliases > 0) {
        REPORT_LIT(text, " (aliases:");
        REPORT_LIT(md, " (aliases:");
        for (size_t i = 0; i < f->n_aliases; i++) {
            report_putc(text, ' ');
            put_s(text, f->aliases[i]);
            report_putc(md, ' ');
            report_md_append(md, f->aliases[i]);
        }
        report_putc(text, ')');
        report_putc(md, ')');
    }
    REPORT_LIT(text, "\nSeverity: ");
    report_puts(text, severity_name(f->level));
    REPORT_LIT(md, "\n\nSeverity: ");
    report_puts(md, severity_name(f->level));
    if (f->score >= 0) {
        REPORT_LIT(text, " (CVSS ");
        report_put_score(text, f->score);
        report_putc(text, ')');
        REPORT_LIT(md, " (CVSS ");
        report_put_score(md, f->score);
        report_putc(md, ')');
    }
    const char *name = d->name ? d->name : "?";
    const char *ver = d->version_text ? d->version_text : "";
    REPORT_LIT(text, "\nFixed in (for ");
    report_puts(text, name);
    report_putc(text, ' ');
    report_puts(text, ver);
    REPORT_LIT(text, "): ");
    REPORT_LIT(md, "\n\nFixed in (for ");
    report_md_append(md, name);
    report_putc(md, ' ');
    report_md_append(md, ver);
    REPORT_LIT(md, "): ");
    if (f->n_fix_versions == 0) {
        REPORT_LIT(text, "no fixed version is known");
        REPORT_LIT(md, "no fixed version is known");
    }
    for (size_t i = 0; i < f->n_fix_versions; i++) {
        if (i > 0) {
            REPORT_LIT(text, ", ");
            REPORT_LIT(md, ", ");
        }
        put_s(text, f->fix_versions[i]);
        report_md_append(md, f->fix_versions[i]);
    }
    if (f->n_references > 0) {
        REPORT_LIT(text, "\nReferences:");
        REPORT_LIT(md, "\n\nReferences:\n");
        for (size_t i = 0; i < f->n_references; i++) {
            const char *type = f->references[i].type ? f->references[i].type : "WEB";
            const char *url = f->references[i].url ? f->references[i].url : "";
            REPORT_LIT(text, "\n- ");
            report_puts(text, type);
            report_putc(text, ' ');
            report_puts(text, url);
            REPORT_LIT(md, "\n- ");
            report_md_append(md, type);
            REPORT_LIT(md, ": ");
            report_md_append(md, url);
        }
    }
    jo_key_object_begin(j, "help");
    jo_key_string_opt(j, "text", text->data);
    jo_key_string_opt(j, "markdown", md->data);
    jo_object_end(j);

    jo_key_object_begin(j, "defaultConfiguration");
    jo_key_string(j, "level", level_of(f->level));
    jo_object_end(j);

    jo_key_object_begin(j, "properties");
    /* GitHub code scanning ranks by this string; only a real score is given. */
    if (f->score >= 0) {
        char s[16];
        report_score_text(f->score, s, sizeof s);
        jo_key_string(j, "security-severity", s);
    }
    jo_key_string(j, "severity", severity_name(f->level));
    jo_key_array_begin(j, "tags");
    jo_string(j, "security");
    jo_string(j, "vulnerability");
    jo_array_end(j);
    strings_opt(j, "aliases", f->aliases, f->n_aliases);
    jo_key_array_begin(j, "cvss");
    for (size_t i = 0; i < f->n_ratings; i++) {
        jo_object_begin(j);
        jo_key_string_opt(j, "type", f->ratings[i].type);
        jo_key_string_opt(j, "vector", f->ratings[i].vector);
        jo_key_number(j, "score", f->ratings[i].score);
        jo_key_string(j, "severity", severity_name(f->ratings[i].level));
        jo_object_end(j);
    }
    jo_array_end(j);
    jo_key_string_opt(j, "published", f->published);
    jo_key_string_opt(j, "modified", f->modified);
    jo_object_end(j);
    jo_object_end(j);
}

/* A location at `file` (and `line` when not 0); none when `file` is NULL. */
static void add_file_location(json_out *j, const char *file, unsigned line, scratch *sc)
{
    if (file == NULL)
        return;
    jo_object_begin(j);
    jo_key_object_begin(j, "physicalLocation");
    jo_key_object_begin(j, "artifactLocation");
    buf_reset(&sc->text);
    report_file_uri_append(&sc->text, file);
    jo_key_string(j, "uri", sc->text.data);
    jo_object_end(j);
    if (line > 0) {
        jo_key_object_begin(j, "region");
        jo_key_number(j, "startLine", line);
        jo_object_end(j);
    }
    jo_object_end(j);
    jo_object_end(j);
}

/* "locations": [the dependency's location, if it has one] */
static void add_locations(json_out *j, const dependency *d, scratch *sc)
{
    jo_key_array_begin(j, "locations");
    add_file_location(j, d->source_file, d->source_line, sc);
    jo_array_end(j);
}

/* Where the dependency came from beyond its location: the kind of input,
 * and for lockfiles, pyproject.toml and SBOMs the package's source kind,
 * its group and whether it is a development dependency. */
static void add_origin(json_out *j, const dependency *d)
{
    jo_key_string(j, "dependencyKind", report_dep_kind_name(d->kind));
    jo_key_string_opt(j, "sourceKind", d->source_kind);
    jo_key_string_opt(j, "group", d->group);
    jo_key_bool(j, "dev", d->dev);
}

static void add_result(json_out *j, const dependency *d, const finding *f, size_t rule,
                       scratch *sc)
{
    jo_object_begin(j);
    jo_key_string_opt(j, "ruleId", f->id);
    jo_key_number(j, "ruleIndex", (double)rule);
    jo_key_string(j, "kind", "fail");
    jo_key_string(j, "level", level_of(f->level));

    buf *msg = &sc->text;
    buf_reset(msg);
    report_puts(msg, d->name ? d->name : "?");
    report_putc(msg, ' ');
    report_puts(msg, d->version_text ? d->version_text : "");
    REPORT_LIT(msg, " is affected by ");
    put_s(msg, f->id);
    if (f->summary != NULL) {
        REPORT_LIT(msg, ": ");
        report_puts(msg, f->summary);
    }
    if (f->n_fix_versions > 0) {
        REPORT_LIT(msg, ". Fixed in ");
        put_s(msg, f->fix_versions[0]);
    } else {
        REPORT_LIT(msg, ". No fixed version is known");
    }
    report_putc(msg, '.');
    message(j, msg->data);

    add_locations(j, d, sc);

    jo_key_object_begin(j, "partialFingerprints");
    buf *key = &sc->text;
    buf_reset(key);
    put_s(key, f->id);
    report_putc(key, '/');
    put_s(key, d->normalized ? d->normalized : d->name);
    report_putc(key, '/');
    report_puts(key, d->version_text ? d->version_text : "");
    jo_key_string(j, "airlock/v1", key->data);
    jo_object_end(j);

    if (f->ignored) {
        jo_key_array_begin(j, "suppressions");
        jo_object_begin(j);
        jo_key_string(j, "kind", "external");
        jo_key_string(j, "status", "accepted");
        buf *why = &sc->text;
        buf_reset(why);
        report_puts(why, f->ignore_reason ? f->ignore_reason : "ignored without a reason");
        if (f->ignore_until != NULL) {
            REPORT_LIT(why, " (until ");
            report_puts(why, f->ignore_until);
            report_putc(why, ')');
        }
        jo_key_string(j, "justification", why->data);
        jo_object_end(j);
        jo_array_end(j);
    }

    jo_key_object_begin(j, "properties");
    jo_key_string_opt(j, "package", d->name);
    jo_key_string_opt(j, "normalizedName", d->normalized);
    jo_key_string_opt(j, "version", d->version_text);
    buf_reset(&sc->text);
    report_purl_append(&sc->text, d);
    jo_key_string(j, "purl", sc->text.data);
    add_origin(j, d);
    jo_key_string(j, "severity", severity_name(f->level));
    if (f->score >= 0)
        jo_key_number(j, "score", f->score);
    strings_opt(j, "fixVersions", f->fix_versions, f->n_fix_versions);
    if (f->ignored) {
        jo_key_bool(j, "ignored", true);
        jo_key_string_opt(j, "ignoreUntil", f->ignore_until);
    }
    jo_object_end(j);
    jo_object_end(j);
}

/* A notification's "descriptor", "level" and "message". */
static void notification_head(json_out *j, const char *id, const char *text)
{
    jo_key_object_begin(j, "descriptor");
    jo_key_string(j, "id", id);
    jo_object_end(j);
    jo_key_string(j, "level", "warning");
    message(j, text);
}

static void add_invocation(json_out *j, const scan_report *r, scratch *sc)
{
    jo_key_array_begin(j, "invocations");
    jo_object_begin(j);
    jo_key_bool(j, "executionSuccessful", true);
    char t[32];
    report_time_rfc3339(r->scan_time, t);
    jo_key_string(j, "startTimeUtc", t);
    jo_key_string_opt(j, "machine", r->hostname);
    jo_key_array_begin(j, "toolExecutionNotifications");
    for (size_t i = 0; i < r->deps.len; i++) {
        const dependency *d = &r->deps.items[i];
        if (d->skip_reason == NULL)
            continue;
        jo_object_begin(j);
        buf *m = &sc->text;
        buf_reset(m);
        report_puts(m, d->name ? d->name : "?");
        REPORT_LIT(m, " was not checked: ");
        report_puts(m, d->skip_reason);
        notification_head(j, "skipped-dependency", m->data);
        add_locations(j, d, sc);
        jo_key_object_begin(j, "properties");
        jo_key_string_opt(j, "package", d->name);
        jo_key_string_opt(j, "version", d->version_text);
        jo_key_string(j, "skipReason", d->skip_reason);
        add_origin(j, d);
        jo_object_end(j);
        jo_object_end(j);
    }
    /* What the scan could not read (or read in part): SARIF's place for a
     * condition met while running, such as a line that does not parse. */
    for (size_t i = 0; i < r->n_warnings; i++) {
        const scan_warning *w = &r->warnings[i];
        jo_object_begin(j);
        notification_head(j, "input-warning", w->message);
        if (w->file != NULL) {
            jo_key_array_begin(j, "locations");
            add_file_location(j, w->file, w->line, sc);
            jo_array_end(j);
        }
        jo_object_end(j);
    }
    jo_array_end(j);
    jo_key_array_begin(j, "toolConfigurationNotifications");
    for (size_t i = 0; i < r->n_expired; i++) {
        const expired_ignore *e = &r->expired[i];
        jo_object_begin(j);
        buf *m = &sc->text;
        buf_reset(m);
        REPORT_LIT(m, "the ignore entry for ");
        report_puts(m, e->id ? e->id : "?");
        REPORT_LIT(m, " expired on ");
        report_puts(m, e->until ? e->until : "?");
        REPORT_LIT(m, " and no longer applies");
        notification_head(j, "expired-ignore", m->data);
        if (e->file != NULL) {
            jo_key_array_begin(j, "locations");
            add_file_location(j, e->file, e->line, sc);
            jo_array_end(j);
        }
        jo_object_end(j);
    }
    jo_array_end(j);
    jo_object_end(j);
    jo_array_end(j);
}

static void add_provenance(json_out *j, const scan_report *r, scratch *sc)
{
    jo_key_array_begin(j, "artifacts");
    for (size_t i = 0; i < r->n_inputs; i++) {
        const scan_input *in = &r->inputs[i];
        jo_object_begin(j);
        jo_key_object_begin(j, "location");
        buf_reset(&sc->text);
        report_file_uri_append(&sc->text, in->path ? in->path : "");
        jo_key_string(j, "uri", sc->text.data);
        jo_object_end(j);
        jo_key_array_begin(j, "roles");
        jo_string(j, in->sha256 != NULL ? "analysisTarget" : "directory");
        jo_array_end(j);
        if (in->sha256 != NULL) {
            jo_key_object_begin(j, "hashes");
            jo_key_string(j, "sha-256", in->sha256);
            jo_object_end(j);
        }
        jo_key_object_begin(j, "properties");
        jo_key_string(j, "inputKind", report_input_kind_name(in->kind));
        jo_key_string_opt(j, "format", in->format);
        jo_key_string_opt(j, "note", in->note);
        jo_object_end(j);
        jo_object_end(j);
    }
    jo_array_end(j);

    jo_key_object_begin(j, "properties");
    jo_key_object_begin(j, "database");
    jo_key_number(j, "sequence", (double)r->db.sequence);
    char t[32];
    report_time_rfc3339(r->db.build_time, t);
    jo_key_string(j, "buildTime", t);
    jo_key_string_opt(j, "signerKeyId", r->db.signer_key_id);
    /* The store records BLAKE2b-512 digests, as b2sum prints them. */
    jo_key_string(j, "digestAlgorithm", "BLAKE2b-512");
    jo_key_string_opt(j, "snapshotDigest", r->db.snapshot_digest);
    jo_key_string_opt(j, "databaseDigest", r->db.db_digest);
    jo_key_number(j, "formatVersion", r->db.format_version);
    jo_key_array_begin(j, "sources");
    for (size_t i = 0; i < r->db.n_sources; i++) {
        const source_provenance *s = &r->db.sources[i];
        jo_object_begin(j);
        jo_key_string_opt(j, "name", s->name);
        jo_key_string_opt(j, "sha256", s->sha256);
        jo_key_number(j, "kept", (double)s->kept);
        jo_key_number(j, "skipped", (double)s->skipped);
        jo_key_number(j, "withdrawn", (double)s->withdrawn);
        jo_key_number(j, "merged", (double)s->merged);
        jo_object_end(j);
    }
    jo_array_end(j);
    jo_object_end(j);
    scan_counts c;
    scan_report_count(r, &c);
    jo_key_object_begin(j, "summary");
    jo_key_number(j, "dependencies", (double)c.dependencies);
    jo_key_number(j, "checked", (double)c.checked);
    jo_key_number(j, "skipped", (double)c.skipped);
    jo_key_number(j, "vulnerable", (double)c.vulnerable);
    jo_key_number(j, "findings", (double)c.findings);
    jo_key_number(j, "ignored", (double)c.ignored);
    jo_key_number(j, "warnings", (double)c.warnings);
    jo_object_end(j);
    jo_object_end(j);
}

/* Reports with fewer rules are rendered in one thread. */
#define PART_MIN 64

typedef struct rule_range {
    const ref *firsts;
    size_t from, to;
} rule_range;

/* Rules [from, to), with scratch buffers of their own. */
static void rules_part(json_out *j, void *arg)
{
    const rule_range *q = arg;
    scratch sc = {0};
    for (size_t k = q->from; k < q->to; k++)
        add_rule(j, q->firsts[k].d, q->firsts[k].f, &sc);
    buf_free(&sc.text);
    buf_free(&sc.md);
}

typedef struct results_args {
    const scan_report *r;
    const size_t *rule_of;
} results_args;

/* The results member, with scratch buffers of its own. */
static void results_part(json_out *j, void *arg)
{
    const results_args *a = arg;
    const scan_report *r = a->r;
    scratch sc = {0};
    jo_key_array_begin(j, "results");
    size_t n = 0;
    for (size_t i = 0; i < r->deps.len && r->findings != NULL; i++)
        for (size_t k = 0; k < r->findings[i].len; k++, n++)
            add_result(j, &r->deps.items[i], &r->findings[i].items[k], a->rule_of[n], &sc);
    jo_array_end(j);
    buf_free(&sc.text);
    buf_free(&sc.md);
}

int report_write_sarif(const scan_report *r, FILE *out, airlock_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < r->deps.len && r->findings != NULL; i++)
        total += r->findings[i].len;
    ref *refs = xcalloc(total ? total : 1, sizeof *refs);
    size_t *rule_of = xcalloc(total ? total : 1, sizeof *rule_of);
    size_t n = 0;
    for (size_t i = 0; i < r->deps.len && r->findings != NULL; i++)
        for (size_t j = 0; j < r->findings[i].len; j++, n++)
            refs[n] = (ref){&r->findings[i].items[j], &r->deps.items[i], n};

    /* Group by ID; each group's first member (lowest order) defines the
     * rule, and rules keep the order in which IDs first appear. */
    qsort(refs, n, sizeof *refs, by_id_then_order);
    ref *firsts = xcalloc(n ? n : 1, sizeof *firsts);
    size_t n_rules = 0;
    for (size_t k = 0; k < n; k++)
        if (k == 0 || strcmp(refs[k].f->id, refs[k - 1].f->id) != 0)
            firsts[n_rules++] = refs[k];
    qsort(firsts, n_rules, sizeof *firsts, by_order);
    /* Map every finding to its rule: binary search the sorted refs' groups. */
    for (size_t q = 0; q < n_rules; q++) {
        size_t lo = 0, hi = n;
        while (lo < hi) { /* first ref with id >= firsts[q].f->id */
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(refs[mid].f->id, firsts[q].f->id) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t k = lo; k < n && strcmp(refs[k].f->id, firsts[q].f->id) == 0; k++)
            rule_of[refs[k].order] = q;
    }

    /* The writer keeps its buffer inline: on the heap, not the stack. */
    json_out *j = xmalloc(sizeof *j);
    scratch sc = {0};
    buf_reserve(&sc.text, 256);
    buf_reserve(&sc.md, 256);
    jo_init(j, out);
    jo_object_begin(j);
    jo_key_string(j, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    jo_key_string(j, "version", "2.1.0");
    jo_key_array_begin(j, "runs");
    jo_object_begin(j);
    /* The results are rendered on a thread of their own meanwhile. */
    results_args res = {r, rule_of};
    jo_part *results = n_rules >= PART_MIN ? jo_part_start(j, results_part, &res) : NULL;
    jo_key_object_begin(j, "tool");
    jo_key_object_begin(j, "driver");
    jo_key_string(j, "name", "Airlock");
    jo_key_string_opt(j, "version", r->airlock_version);
    jo_key_string_opt(j, "semanticVersion", r->airlock_version);
    /* The rules (their help text) are most of the work: the second half
     * is rendered on a thread of its own while this one renders the first
     * (json_out.h, parts); a few rules are not worth a thread. */
    jo_key_array_begin(j, "rules");
    size_t mid = n_rules >= PART_MIN ? n_rules / 2 : n_rules;
    rule_range second = {firsts, mid, n_rules};
    jo_part *part = mid < n_rules ? jo_part_start(j, rules_part, &second) : NULL;
    for (size_t q = 0; q < mid; q++)
        add_rule(j, firsts[q].d, firsts[q].f, &sc);
    if (part != NULL)
        jo_part_join(j, part);
    jo_array_end(j);
    jo_object_end(j);
    jo_object_end(j);
    add_invocation(j, r, &sc);
    add_provenance(j, r, &sc);
    if (results != NULL)
        jo_part_join(j, results);
    else
        results_part(j, &res);
    jo_key_string(j, "columnKind", "unicodeCodePoints");
    jo_object_end(j);
    jo_array_end(j);
    jo_object_end(j);

    free(refs);
    free(rule_of);
    free(firsts);
    buf_free(&sc.text);
    buf_free(&sc.md);
    int rc = jo_finish(j, "sarif", err);
    free(j);
    return rc;
}
