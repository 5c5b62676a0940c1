/*
 * report_json.c - the JSON report: a superset of pip-audit's JSON output.
 *
 * pip-audit consumers read "dependencies" (name, version, vulns with id,
 * fix_versions, aliases, description; skipped ones with skip_reason) and
 * "fixes"; everything else is added beside those keys (among them
 * "warnings": every input item the scan could not read, with its file and
 * line, and their count in "summary"). Keys are emitted in a
 * fixed order and absent values are null, so the same report always gives
 * the same bytes. Strings that are not valid UTF-8 (names and paths come
 * from untrusted files) get U+FFFD for each bad byte: the output is always
 * valid JSON.
 */
#include "scanner/reports/report.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "scanner/drift.h"
#include "scanner/reports/report_util.h"

/* Tracks allocation failure while building the tree: cJSON returns NULL
 * and ignores NULL arguments, so one check at the end is enough. */
typedef struct jb {
    bool failed;
} jb;

static cJSON *check(jb *b, cJSON *item)
{
    if (item == NULL)
        b->failed = true;
    return item;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned min;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, cp = c & 0x1fu, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, cp = c & 0x0fu, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, cp = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static cJSON *str(jb *b, const char *s)
{
    if (s == NULL)
        return check(b, cJSON_CreateNull());
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    size_t i = 0;
    while (i < n) {
        size_t l = utf8_len(u + i, n - i);
        if (l == 0)
            break;
        i += l;
    }
    if (i == n)
        return check(b, cJSON_CreateString(s));
    buf fixed = {0};
    buf_append(&fixed, s, i);
    while (i < n) {
        size_t l = utf8_len(u + i, n - i);
        if (l == 0) {
            buf_puts(&fixed, "\xef\xbf\xbd");
            i++;
        } else {
            buf_append(&fixed, s + i, l);
            i += l;
        }
    }
    cJSON *item = check(b, cJSON_CreateString(fixed.data));
    buf_free(&fixed);
    return item;
}

/* `key` must be a string with static storage: it is not copied. */
static void add(jb *b, cJSON *obj, const char *key, cJSON *item)
{
    if (item == NULL || !cJSON_AddItemToObjectCS(obj, key, item)) {
        b->failed = true;
        cJSON_Delete(item);
    }
}

static void push(jb *b, cJSON *arr, cJSON *item)
{
    if (item == NULL || !cJSON_AddItemToArray(arr, item)) {
        b->failed = true;
        cJSON_Delete(item);
    }
}

static cJSON *num(jb *b, double v)
{
    return check(b, cJSON_CreateNumber(v));
}

static cJSON *boolean(jb *b, bool v)
{
    return check(b, cJSON_CreateBool(v));
}

static cJSON *strings(jb *b, char *const *v, size_t n)
{
    cJSON *arr = check(b, cJSON_CreateArray());
    for (size_t i = 0; i < n; i++)
        push(b, arr, str(b, v[i]));
    return arr;
}

/* RFC 3339 UTC, or null for 0 (unknown). */
static cJSON *timestamp(jb *b, int64_t t)
{
    if (t == 0)
        return check(b, cJSON_CreateNull());
    char text[32];
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return check(b, cJSON_CreateNull());
    return str(b, text);
}

static cJSON *severity_json(jb *b, const finding *f)
{
    cJSON *o = check(b, cJSON_CreateObject());
    add(b, o, "level", str(b, severity_name(f->level)));
    add(b, o, "score", f->score >= 0 ? num(b, f->score) : check(b, cJSON_CreateNull()));
    cJSON *vectors = check(b, cJSON_CreateArray());
    for (size_t i = 0; i < f->n_ratings; i++) {
        const cvss_rating *c = &f->ratings[i];
        cJSON *v = check(b, cJSON_CreateObject());
        add(b, v, "type", str(b, c->type));
        add(b, v, "vector", str(b, c->vector));
        add(b, v, "score", num(b, c->score));
        add(b, v, "level", str(b, severity_name(c->level)));
        push(b, vectors, v);
    }
    add(b, o, "vectors", vectors);
    return o;
}

static cJSON *finding_json(jb *b, const finding *f)
{
    cJSON *o = check(b, cJSON_CreateObject());
    add(b, o, "id", str(b, f->id));
    add(b, o, "fix_versions", strings(b, f->fix_versions, f->n_fix_versions));
    add(b, o, "aliases", strings(b, f->aliases, f->n_aliases));
    /* pip-audit's description is the advisory's details, else its summary. */
    const char *desc = f->details && *f->details ? f->details : f->summary;
    add(b, o, "description", str(b, desc ? desc : ""));
    add(b, o, "summary", str(b, f->summary));
    add(b, o, "severity", severity_json(b, f));
    add(b, o, "published", str(b, f->published));
    add(b, o, "modified", str(b, f->modified));
    cJSON *refs = check(b, cJSON_CreateArray());
    for (size_t i = 0; i < f->n_references; i++) {
        cJSON *r = check(b, cJSON_CreateObject());
        add(b, r, "type", str(b, f->references[i].type));
        add(b, r, "url", str(b, f->references[i].url));
        push(b, refs, r);
    }
    add(b, o, "references", refs);
    add(b, o, "ignored", boolean(b, f->ignored));
    add(b, o, "ignore_reason", str(b, f->ignored ? f->ignore_reason : NULL));
    add(b, o, "ignore_until", str(b, f->ignored ? f->ignore_until : NULL));
    return o;
}

static cJSON *source_json(jb *b, const dependency *d)
{
    cJSON *o = check(b, cJSON_CreateObject());
    add(b, o, "kind", str(b, report_dep_kind_name(d->kind)));
    add(b, o, "file", str(b, d->source_file));
    add(b, o, "line", d->source_line ? num(b, d->source_line) : check(b, cJSON_CreateNull()));
    add(b, o, "location", str(b, d->location));
    add(b, o, "editable", boolean(b, d->editable));
    /* Lockfiles, pyproject.toml and SBOMs: where the package itself comes
     * from, and the group that holds it; null for the other kinds. */
    add(b, o, "source_kind", str(b, d->source_kind));
    add(b, o, "group", str(b, d->group));
    add(b, o, "dev", boolean(b, d->dev));
    return o;
}

static cJSON *dependency_json(jb *b, const dependency *d, const dep_findings *fs)
{
    cJSON *o = check(b, cJSON_CreateObject());
    add(b, o, "name", str(b, d->name));
    if (d->skip_reason != NULL) {
        /* pip-audit's shape for a skipped dependency, plus what we know. */
        add(b, o, "skip_reason", str(b, d->skip_reason));
        add(b, o, "version", str(b, d->version_text));
    } else {
        add(b, o, "version", str(b, d->version_text));
        cJSON *vulns = check(b, cJSON_CreateArray());
        for (size_t j = 0; fs != NULL && j < fs->len; j++)
            push(b, vulns, finding_json(b, &fs->items[j]));
        add(b, o, "vulns", vulns);
    }
    add(b, o, "normalized_name", str(b, d->normalized));
    add(b, o, "source", source_json(b, d));
    return o;
}

static cJSON *database_json(jb *b, const db_provenance *db)
{
    cJSON *o = check(b, cJSON_CreateObject());
    add(b, o, "sequence", num(b, (double)db->sequence));
    add(b, o, "build_time", timestamp(b, db->build_time));
    add(b, o, "format_version", num(b, db->format_version));
    add(b, o, "signer_key_id", str(b, db->signer_key_id));
    /* The store records BLAKE2b-512 digests (b2sum's format). */
    add(b, o, "digest_algorithm", str(b, "BLAKE2b-512"));
    add(b, o, "snapshot_digest", str(b, db->snapshot_digest));
    add(b, o, "db_digest", str(b, db->db_digest));
    cJSON *sources = check(b, cJSON_CreateArray());
    for (size_t i = 0; i < db->n_sources; i++) {
        const source_provenance *s = &db->sources[i];
        cJSON *so = check(b, cJSON_CreateObject());
        add(b, so, "name", str(b, s->name));
        add(b, so, "sha256", str(b, s->sha256));
        add(b, so, "kept", num(b, (double)s->kept));
        add(b, so, "skipped", num(b, (double)s->skipped));
        add(b, so, "withdrawn", num(b, (double)s->withdrawn));
        add(b, so, "merged", num(b, (double)s->merged));
        push(b, sources, so);
    }
    add(b, o, "sources", sources);
    return o;
}

static cJSON *summary_json(jb *b, const scan_report *r)
{
    scan_counts c;
    scan_report_count(r, &c);
    cJSON *o = check(b, cJSON_CreateObject());
    add(b, o, "dependencies", num(b, (double)c.dependencies));
    add(b, o, "checked", num(b, (double)c.checked));
    add(b, o, "skipped", num(b, (double)c.skipped));
    add(b, o, "vulnerable", num(b, (double)c.vulnerable));
    add(b, o, "vulnerabilities", num(b, (double)c.findings));
    add(b, o, "ignored", num(b, (double)c.ignored));
    add(b, o, "warnings", num(b, (double)c.warnings));
    cJSON *sev = check(b, cJSON_CreateObject());
    for (int s = SEVERITY_CRITICAL; s >= SEVERITY_UNKNOWN; s--)
        add(b, sev, severity_name((severity)s), num(b, (double)c.by_severity[s]));
    add(b, o, "by_severity", sev);
    return o;
}

/* null when the scan had not both declared and installed inputs; [] when
 * they agree (drift.h). */
static cJSON *drift_json(jb *b, const scan_report *r)
{
    if (!r->drift_checked)
        return check(b, cJSON_CreateNull());
    cJSON *list = check(b, cJSON_CreateArray());
    for (size_t i = 0; i < r->n_drift; i++) {
        const drift_item *it = &r->drift[i];
        cJSON *e = check(b, cJSON_CreateObject());
        add(b, e, "name", str(b, it->name));
        add(b, e, "status", str(b, drift_status_name(it->status)));
        add(b, e, "declared", str(b, it->declared));
        add(b, e, "declared_file", str(b, it->declared_file));
        add(b, e, "declared_line",
            it->declared_line ? num(b, it->declared_line) : check(b, cJSON_CreateNull()));
        add(b, e, "installed", str(b, it->installed));
        add(b, e, "installed_location", str(b, it->installed_location));
        push(b, list, e);
    }
    return list;
}

int report_write_json(const scan_report *r, FILE *out, airlock_error *err)
{
    jb b = {false};
    cJSON *root = check(&b, cJSON_CreateObject());

    cJSON *scanner = check(&b, cJSON_CreateObject());
    add(&b, scanner, "name", str(&b, "airlock"));
    add(&b, scanner, "version", str(&b, r->airlock_version));
    add(&b, root, "scanner", scanner);
    add(&b, root, "scan_time", timestamp(&b, r->scan_time));
    add(&b, root, "hostname", str(&b, r->hostname));

    cJSON *inputs = check(&b, cJSON_CreateArray());
    for (size_t i = 0; i < r->n_inputs; i++) {
        cJSON *in = check(&b, cJSON_CreateObject());
        add(&b, in, "kind", str(&b, report_input_kind_name(r->inputs[i].kind)));
        add(&b, in, "path", str(&b, r->inputs[i].path));
        add(&b, in, "sha256", str(&b, r->inputs[i].sha256));
        add(&b, in, "format", str(&b, r->inputs[i].format));
        add(&b, in, "note", str(&b, r->inputs[i].note));
        push(&b, inputs, in);
    }
    add(&b, root, "inputs", inputs);
    add(&b, root, "database", database_json(&b, &r->db));
    add(&b, root, "summary", summary_json(&b, r));

    cJSON *deps = check(&b, cJSON_CreateArray());
    for (size_t i = 0; i < r->deps.len; i++)
        push(&b, deps, dependency_json(&b, &r->deps.items[i],
                                       r->findings ? &r->findings[i] : NULL));
    add(&b, root, "dependencies", deps);
    /* pip-audit fills "fixes" only with --fix, which we never do. */
    add(&b, root, "fixes", check(&b, cJSON_CreateArray()));
    add(&b, root, "drift", drift_json(&b, r));

    cJSON *expired = check(&b, cJSON_CreateArray());
    for (size_t i = 0; i < r->n_expired; i++) {
        const expired_ignore *x = &r->expired[i];
        cJSON *e = check(&b, cJSON_CreateObject());
        add(&b, e, "id", str(&b, x->id));
        add(&b, e, "until", str(&b, x->until));
        add(&b, e, "reason", str(&b, x->reason));
        add(&b, e, "file", str(&b, x->file));
        add(&b, e, "line", x->line ? num(&b, x->line) : check(&b, cJSON_CreateNull()));
        push(&b, expired, e);
    }
    add(&b, root, "expired_ignores", expired);

    /* What the scan could not read: never only on stderr. */
    cJSON *warnings = check(&b, cJSON_CreateArray());
    for (size_t i = 0; i < r->n_warnings; i++) {
        const scan_warning *w = &r->warnings[i];
        cJSON *e = check(&b, cJSON_CreateObject());
        add(&b, e, "file", str(&b, w->file));
        add(&b, e, "line", w->line ? num(&b, w->line) : check(&b, cJSON_CreateNull()));
        add(&b, e, "message", str(&b, w->message));
        push(&b, warnings, e);
    }
    add(&b, root, "warnings", warnings);

    /* One allocation for the text in the common case: about 0.5 KiB per
     * dependency and 2 KiB per finding, instead of cJSON's doubling. */
    size_t guess = 4096 + 512 * r->deps.len + 256 * r->n_warnings;
    for (size_t i = 0; r->findings != NULL && i < r->deps.len; i++)
        guess += 2048 * r->findings[i].len;
    if (guess > ((size_t)64 << 20))
        guess = (size_t)64 << 20; /* cJSON grows the buffer past this if needed */
    char *text = b.failed ? NULL : cJSON_PrintBuffered(root, (int)guess, 1);
    cJSON_Delete(root);
    if (text == NULL)
        return error_set(err, "out of memory rendering the JSON report");
    int rc = 0;
    if (fputs(text, out) == EOF || fputc('\n', out) == EOF || ferror(out))
        rc = error_set(err, "cannot write the JSON report");
    cJSON_free(text);
    return rc;
}
