/* The SARIF report as report_sarif.c wrote it before it streamed (commit
 * 535ba181): a cJSON tree printed with cJSON_Print(). Kept only as the
 * reference that test_report_stream_sarif.c compares the streaming writer
 * with, byte for byte. Its original header comment follows.
 */
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
#include "scanner/reports/report_util.h"

#include "reference_rj.h"

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

/* The rule of an ID, described from its first finding `f` in dependency `d`
 * (fixed versions depend on the installed version: each result has its own). */
static void add_rule(cJSON *rules, const dependency *d, const finding *f)
{
    cJSON *rule = ref_rj_push_object(rules);
    ref_rj_string(rule, "id", f->id);
    cJSON *sd = ref_rj_object(rule, "shortDescription");
    ref_rj_string(sd, "text", f->summary != NULL ? f->summary : f->id);
    if (f->details != NULL)
        ref_rj_string(ref_rj_object(rule, "fullDescription"), "text", f->details);
    ref_rj_string(rule, "helpUri", report_primary_url(f)); /* http(s) URIs only */

    /* The same help as plain text and as Markdown (every untrusted string
     * escaped there: code-scanning tools render it). */
    buf text = {0}, md = {0};
    buf_puts(&text, f->id);
    buf_puts(&md, "**");
    report_md_append(&md, f->id);
    buf_puts(&md, "**");
    if (f->n_aliases > 0) {
        buf_puts(&text, " (aliases:");
        buf_puts(&md, " (aliases:");
        for (size_t i = 0; i < f->n_aliases; i++) {
            buf_printf(&text, " %s", f->aliases[i]);
            buf_putc(&md, ' ');
            report_md_append(&md, f->aliases[i]);
        }
        buf_putc(&text, ')');
        buf_putc(&md, ')');
    }
    buf_printf(&text, "\nSeverity: %s", severity_name(f->level));
    buf_printf(&md, "\n\nSeverity: %s", severity_name(f->level));
    if (f->score >= 0) {
        buf_printf(&text, " (CVSS %.1f)", f->score);
        buf_printf(&md, " (CVSS %.1f)", f->score);
    }
    const char *name = d->name ? d->name : "?";
    const char *ver = d->version_text ? d->version_text : "";
    buf_printf(&text, "\nFixed in (for %s %s): ", name, ver);
    buf_puts(&md, "\n\nFixed in (for ");
    report_md_append(&md, name);
    buf_putc(&md, ' ');
    report_md_append(&md, ver);
    buf_puts(&md, "): ");
    if (f->n_fix_versions == 0) {
        buf_puts(&text, "no fixed version is known");
        buf_puts(&md, "no fixed version is known");
    }
    for (size_t i = 0; i < f->n_fix_versions; i++) {
        buf_printf(&text, "%s%s", i ? ", " : "", f->fix_versions[i]);
        buf_puts(&md, i ? ", " : "");
        report_md_append(&md, f->fix_versions[i]);
    }
    if (f->n_references > 0) {
        buf_puts(&text, "\nReferences:");
        buf_puts(&md, "\n\nReferences:\n");
        for (size_t i = 0; i < f->n_references; i++) {
            const char *type = f->references[i].type ? f->references[i].type : "WEB";
            const char *url = f->references[i].url ? f->references[i].url : "";
            buf_printf(&text, "\n- %s %s", type, url);
            buf_puts(&md, "\n- ");
            report_md_append(&md, type);
            buf_puts(&md, ": ");
            report_md_append(&md, url);
        }
    }
    cJSON *help = ref_rj_object(rule, "help");
    ref_rj_string(help, "text", text.data);
    ref_rj_string(help, "markdown", md.data);
    buf_free(&text);
    buf_free(&md);

    ref_rj_string(ref_rj_object(rule, "defaultConfiguration"), "level", level_of(f->level));

    cJSON *props = ref_rj_object(rule, "properties");
    /* GitHub code scanning ranks by this string; only a real score is given. */
    if (f->score >= 0) {
        char s[16];
        snprintf(s, sizeof s, "%.1f", f->score);
        ref_rj_string(props, "security-severity", s);
    }
    ref_rj_string(props, "severity", severity_name(f->level));
    cJSON *tags = ref_rj_array(props, "tags");
    ref_rj_push_string(tags, "security");
    ref_rj_push_string(tags, "vulnerability");
    cJSON *aliases = ref_rj_array(props, "aliases");
    for (size_t i = 0; i < f->n_aliases; i++)
        ref_rj_push_string(aliases, f->aliases[i]);
    cJSON *cvss = ref_rj_array(props, "cvss");
    for (size_t i = 0; i < f->n_ratings; i++) {
        cJSON *c = ref_rj_push_object(cvss);
        ref_rj_string(c, "type", f->ratings[i].type);
        ref_rj_string(c, "vector", f->ratings[i].vector);
        ref_rj_number(c, "score", f->ratings[i].score);
        ref_rj_string(c, "severity", severity_name(f->ratings[i].level));
    }
    ref_rj_string(props, "published", f->published);
    ref_rj_string(props, "modified", f->modified);
}

/* A location at `file` (and `line` when not 0); none when `file` is NULL. */
static void add_file_location(cJSON *locations, const char *file, unsigned line)
{
    if (file == NULL)
        return;
    cJSON *loc = ref_rj_push_object(locations);
    cJSON *phys = ref_rj_object(loc, "physicalLocation");
    char *uri = report_file_uri(file);
    ref_rj_string(ref_rj_object(phys, "artifactLocation"), "uri", uri);
    free(uri);
    if (line > 0)
        ref_rj_number(ref_rj_object(phys, "region"), "startLine", line);
}

static void add_location(cJSON *locations, const dependency *d)
{
    add_file_location(locations, d->source_file, d->source_line);
}

/* Where the dependency came from beyond its location: the kind of input,
 * and for lockfiles, pyproject.toml and SBOMs the package's source kind,
 * its group and whether it is a development dependency. */
static void add_origin(cJSON *props, const dependency *d)
{
    ref_rj_string(props, "dependencyKind", report_dep_kind_name(d->kind));
    ref_rj_string(props, "sourceKind", d->source_kind);
    ref_rj_string(props, "group", d->group);
    ref_rj_bool(props, "dev", d->dev);
}

static void add_result(cJSON *results, const dependency *d, const finding *f, size_t rule)
{
    cJSON *res = ref_rj_push_object(results);
    ref_rj_string(res, "ruleId", f->id);
    ref_rj_number(res, "ruleIndex", (double)rule);
    ref_rj_string(res, "kind", "fail");
    ref_rj_string(res, "level", level_of(f->level));

    buf msg = {0};
    buf_printf(&msg, "%s %s is affected by %s", d->name ? d->name : "?",
               d->version_text ? d->version_text : "", f->id);
    if (f->summary != NULL)
        buf_printf(&msg, ": %s", f->summary);
    if (f->n_fix_versions > 0)
        buf_printf(&msg, ". Fixed in %s", f->fix_versions[0]);
    else
        buf_puts(&msg, ". No fixed version is known");
    buf_putc(&msg, '.');
    ref_rj_string(ref_rj_object(res, "message"), "text", msg.data);
    buf_free(&msg);

    add_location(ref_rj_array(res, "locations"), d);

    cJSON *fp = ref_rj_object(res, "partialFingerprints");
    buf key = {0};
    buf_printf(&key, "%s/%s/%s", f->id, d->normalized ? d->normalized : d->name,
               d->version_text ? d->version_text : "");
    ref_rj_string(fp, "airlock/v1", key.data);
    buf_free(&key);

    if (f->ignored) {
        cJSON *sup = ref_rj_push_object(ref_rj_array(res, "suppressions"));
        ref_rj_string(sup, "kind", "external");
        ref_rj_string(sup, "status", "accepted");
        buf j = {0};
        buf_puts(&j, f->ignore_reason ? f->ignore_reason : "ignored without a reason");
        if (f->ignore_until != NULL)
            buf_printf(&j, " (until %s)", f->ignore_until);
        ref_rj_string(sup, "justification", j.data);
        buf_free(&j);
    }

    cJSON *props = ref_rj_object(res, "properties");
    ref_rj_string(props, "package", d->name);
    ref_rj_string(props, "normalizedName", d->normalized);
    ref_rj_string(props, "version", d->version_text);
    char *purl = report_purl(d);
    ref_rj_string(props, "purl", purl);
    free(purl);
    add_origin(props, d);
    ref_rj_string(props, "severity", severity_name(f->level));
    if (f->score >= 0)
        ref_rj_number(props, "score", f->score);
    cJSON *fixes = ref_rj_array(props, "fixVersions");
    for (size_t i = 0; i < f->n_fix_versions; i++)
        ref_rj_push_string(fixes, f->fix_versions[i]);
    if (f->ignored) {
        ref_rj_bool(props, "ignored", 1);
        ref_rj_string(props, "ignoreUntil", f->ignore_until);
    }
}

static void add_invocation(cJSON *run, const scan_report *r)
{
    cJSON *inv = ref_rj_push_object(ref_rj_array(run, "invocations"));
    ref_rj_bool(inv, "executionSuccessful", 1);
    char t[32];
    report_time_rfc3339(r->scan_time, t);
    ref_rj_string(inv, "startTimeUtc", t);
    ref_rj_string(inv, "machine", r->hostname);
    cJSON *notes = ref_rj_array(inv, "toolExecutionNotifications");
    for (size_t i = 0; i < r->deps.len; i++) {
        const dependency *d = &r->deps.items[i];
        if (d->skip_reason == NULL)
            continue;
        cJSON *n = ref_rj_push_object(notes);
        ref_rj_string(ref_rj_object(n, "descriptor"), "id", "skipped-dependency");
        ref_rj_string(n, "level", "warning");
        buf m = {0};
        buf_printf(&m, "%s was not checked: %s", d->name ? d->name : "?", d->skip_reason);
        ref_rj_string(ref_rj_object(n, "message"), "text", m.data);
        buf_free(&m);
        add_location(ref_rj_array(n, "locations"), d);
        cJSON *props = ref_rj_object(n, "properties");
        ref_rj_string(props, "package", d->name);
        ref_rj_string(props, "version", d->version_text);
        ref_rj_string(props, "skipReason", d->skip_reason);
        add_origin(props, d);
    }
    /* What the scan could not read (or read in part): SARIF's place for a
     * condition met while running, such as a line that does not parse. */
    for (size_t i = 0; i < r->n_warnings; i++) {
        const scan_warning *w = &r->warnings[i];
        cJSON *n = ref_rj_push_object(notes);
        ref_rj_string(ref_rj_object(n, "descriptor"), "id", "input-warning");
        ref_rj_string(n, "level", "warning");
        ref_rj_string(ref_rj_object(n, "message"), "text", w->message);
        if (w->file != NULL)
            add_file_location(ref_rj_array(n, "locations"), w->file, w->line);
    }
    cJSON *expired = ref_rj_array(inv, "toolConfigurationNotifications");
    for (size_t i = 0; i < r->n_expired; i++) {
        const expired_ignore *e = &r->expired[i];
        cJSON *n = ref_rj_push_object(expired);
        ref_rj_string(ref_rj_object(n, "descriptor"), "id", "expired-ignore");
        ref_rj_string(n, "level", "warning");
        buf m = {0};
        buf_printf(&m, "the ignore entry for %s expired on %s and no longer applies",
                   e->id ? e->id : "?", e->until ? e->until : "?");
        ref_rj_string(ref_rj_object(n, "message"), "text", m.data);
        buf_free(&m);
        if (e->file != NULL)
            add_file_location(ref_rj_array(n, "locations"), e->file, e->line);
    }
}

static void add_provenance(cJSON *run, const scan_report *r)
{
    cJSON *artifacts = ref_rj_array(run, "artifacts");
    for (size_t i = 0; i < r->n_inputs; i++) {
        const scan_input *in = &r->inputs[i];
        cJSON *a = ref_rj_push_object(artifacts);
        char *uri = report_file_uri(in->path ? in->path : "");
        ref_rj_string(ref_rj_object(a, "location"), "uri", uri);
        free(uri);
        cJSON *roles = ref_rj_array(a, "roles");
        ref_rj_push_string(roles, in->sha256 != NULL ? "analysisTarget" : "directory");
        if (in->sha256 != NULL)
            ref_rj_string(ref_rj_object(a, "hashes"), "sha-256", in->sha256);
        cJSON *props = ref_rj_object(a, "properties");
        ref_rj_string(props, "inputKind", report_input_kind_name(in->kind));
        ref_rj_string(props, "format", in->format);
        ref_rj_string(props, "note", in->note);
    }

    cJSON *props = ref_rj_object(run, "properties");
    cJSON *db = ref_rj_object(props, "database");
    ref_rj_number(db, "sequence", (double)r->db.sequence);
    char t[32];
    report_time_rfc3339(r->db.build_time, t);
    ref_rj_string(db, "buildTime", t);
    ref_rj_string(db, "signerKeyId", r->db.signer_key_id);
    /* The store records BLAKE2b-512 digests, as b2sum prints them. */
    ref_rj_string(db, "digestAlgorithm", "BLAKE2b-512");
    ref_rj_string(db, "snapshotDigest", r->db.snapshot_digest);
    ref_rj_string(db, "databaseDigest", r->db.db_digest);
    ref_rj_number(db, "formatVersion", r->db.format_version);
    cJSON *sources = ref_rj_array(db, "sources");
    for (size_t i = 0; i < r->db.n_sources; i++) {
        const source_provenance *s = &r->db.sources[i];
        cJSON *o = ref_rj_push_object(sources);
        ref_rj_string(o, "name", s->name);
        ref_rj_string(o, "sha256", s->sha256);
        ref_rj_number(o, "kept", (double)s->kept);
        ref_rj_number(o, "skipped", (double)s->skipped);
        ref_rj_number(o, "withdrawn", (double)s->withdrawn);
        ref_rj_number(o, "merged", (double)s->merged);
    }
    scan_counts c;
    scan_report_count(r, &c);
    cJSON *sum = ref_rj_object(props, "summary");
    ref_rj_number(sum, "dependencies", (double)c.dependencies);
    ref_rj_number(sum, "checked", (double)c.checked);
    ref_rj_number(sum, "skipped", (double)c.skipped);
    ref_rj_number(sum, "vulnerable", (double)c.vulnerable);
    ref_rj_number(sum, "findings", (double)c.findings);
    ref_rj_number(sum, "ignored", (double)c.ignored);
    ref_rj_number(sum, "warnings", (double)c.warnings);
}

static int reference_write_sarif(const scan_report *r, FILE *out, airlock_error *err)
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

    cJSON *root = ref_rj_new_object();
    ref_rj_string(root, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    ref_rj_string(root, "version", "2.1.0");
    cJSON *run = ref_rj_push_object(ref_rj_array(root, "runs"));
    cJSON *driver = ref_rj_object(ref_rj_object(run, "tool"), "driver");
    ref_rj_string(driver, "name", "Airlock");
    ref_rj_string(driver, "version", r->airlock_version);
    ref_rj_string(driver, "semanticVersion", r->airlock_version);
    cJSON *rules = ref_rj_array(driver, "rules");
    for (size_t q = 0; q < n_rules; q++)
        add_rule(rules, firsts[q].d, firsts[q].f);
    add_invocation(run, r);
    add_provenance(run, r);
    cJSON *results = ref_rj_array(run, "results");
    n = 0;
    for (size_t i = 0; i < r->deps.len && r->findings != NULL; i++)
        for (size_t j = 0; j < r->findings[i].len; j++, n++)
            add_result(results, &r->deps.items[i], &r->findings[i].items[j], rule_of[n]);
    ref_rj_string(run, "columnKind", "unicodeCodePoints");

    free(refs);
    free(rule_of);
    free(firsts);
    if (ref_rj_print(root, out, err) != 0)
        return error_prefix(err, "sarif");
    return report_check_stream(out, "sarif", err);
}
