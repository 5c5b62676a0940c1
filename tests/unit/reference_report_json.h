/* The JSON report as report_json.c wrote it before it streamed (commit
 * 535ba181): a cJSON tree printed with cJSON_PrintBuffered(), with the keys
 * issue 15 added since (database.indexes, each dependency's advice,
 * "release_data", "fixes" filled, "plan") written the same way. Kept only as
 * the reference that test_report_stream_json.c compares the streaming
 * writer with, byte for byte. Included by that test alone. */
#include "scanner/reports/report.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "scanner/drift.h"
#include "scanner/plan.h"
#include "scanner/reports/report_util.h"

/* Tracks allocation failure while building the tree: cJSON returns NULL
 * and ignores NULL arguments, so one rjson_check at the end is enough. */
typedef struct rjson_jb {
    bool failed;
} rjson_jb;

static cJSON *rjson_check(rjson_jb *b, cJSON *item)
{
    if (item == NULL)
        b->failed = true;
    return item;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
static size_t rjson_utf8_len(const unsigned char *s, size_t n)
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

static cJSON *rjson_str(rjson_jb *b, const char *s)
{
    if (s == NULL)
        return rjson_check(b, cJSON_CreateNull());
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    size_t i = 0;
    while (i < n) {
        size_t l = rjson_utf8_len(u + i, n - i);
        if (l == 0)
            break;
        i += l;
    }
    if (i == n)
        return rjson_check(b, cJSON_CreateString(s));
    buf fixed = {0};
    buf_append(&fixed, s, i);
    while (i < n) {
        size_t l = rjson_utf8_len(u + i, n - i);
        if (l == 0) {
            buf_puts(&fixed, "\xef\xbf\xbd");
            i++;
        } else {
            buf_append(&fixed, s + i, l);
            i += l;
        }
    }
    cJSON *item = rjson_check(b, cJSON_CreateString(fixed.data));
    buf_free(&fixed);
    return item;
}

/* `key` must be a string with static storage: it is not copied. */
static void rjson_add(rjson_jb *b, cJSON *obj, const char *key, cJSON *item)
{
    if (item == NULL || !cJSON_AddItemToObjectCS(obj, key, item)) {
        b->failed = true;
        cJSON_Delete(item);
    }
}

static void rjson_push(rjson_jb *b, cJSON *arr, cJSON *item)
{
    if (item == NULL || !cJSON_AddItemToArray(arr, item)) {
        b->failed = true;
        cJSON_Delete(item);
    }
}

static cJSON *rjson_num(rjson_jb *b, double v)
{
    return rjson_check(b, cJSON_CreateNumber(v));
}

static cJSON *rjson_boolean(rjson_jb *b, bool v)
{
    return rjson_check(b, cJSON_CreateBool(v));
}

static cJSON *rjson_strings(rjson_jb *b, char *const *v, size_t n)
{
    cJSON *arr = rjson_check(b, cJSON_CreateArray());
    for (size_t i = 0; i < n; i++)
        rjson_push(b, arr, rjson_str(b, v[i]));
    return arr;
}

/* RFC 3339 UTC, or null for 0 (unknown). */
static cJSON *rjson_timestamp(rjson_jb *b, int64_t t)
{
    if (t == 0)
        return rjson_check(b, cJSON_CreateNull());
    char text[32];
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return rjson_check(b, cJSON_CreateNull());
    return rjson_str(b, text);
}

static cJSON *rjson_severity_json(rjson_jb *b, const finding *f)
{
    cJSON *o = rjson_check(b, cJSON_CreateObject());
    rjson_add(b, o, "level", rjson_str(b, severity_name(f->level)));
    rjson_add(b, o, "score", f->score >= 0 ? rjson_num(b, f->score) : rjson_check(b, cJSON_CreateNull()));
    cJSON *vectors = rjson_check(b, cJSON_CreateArray());
    for (size_t i = 0; i < f->n_ratings; i++) {
        const cvss_rating *c = &f->ratings[i];
        cJSON *v = rjson_check(b, cJSON_CreateObject());
        rjson_add(b, v, "type", rjson_str(b, c->type));
        rjson_add(b, v, "vector", rjson_str(b, c->vector));
        rjson_add(b, v, "score", rjson_num(b, c->score));
        rjson_add(b, v, "level", rjson_str(b, severity_name(c->level)));
        rjson_push(b, vectors, v);
    }
    rjson_add(b, o, "vectors", vectors);
    return o;
}

static cJSON *rjson_finding_json(rjson_jb *b, const finding *f)
{
    cJSON *o = rjson_check(b, cJSON_CreateObject());
    rjson_add(b, o, "id", rjson_str(b, f->id));
    rjson_add(b, o, "fix_versions", rjson_strings(b, f->fix_versions, f->n_fix_versions));
    rjson_add(b, o, "aliases", rjson_strings(b, f->aliases, f->n_aliases));
    /* pip-audit's description is the advisory's details, else its summary. */
    const char *desc = f->details && *f->details ? f->details : f->summary;
    rjson_add(b, o, "description", rjson_str(b, desc ? desc : ""));
    rjson_add(b, o, "summary", rjson_str(b, f->summary));
    rjson_add(b, o, "severity", rjson_severity_json(b, f));
    rjson_add(b, o, "published", rjson_str(b, f->published));
    rjson_add(b, o, "modified", rjson_str(b, f->modified));
    cJSON *refs = rjson_check(b, cJSON_CreateArray());
    for (size_t i = 0; i < f->n_references; i++) {
        cJSON *r = rjson_check(b, cJSON_CreateObject());
        rjson_add(b, r, "type", rjson_str(b, f->references[i].type));
        rjson_add(b, r, "url", rjson_str(b, f->references[i].url));
        rjson_push(b, refs, r);
    }
    rjson_add(b, o, "references", refs);
    rjson_add(b, o, "ignored", rjson_boolean(b, f->ignored));
    rjson_add(b, o, "ignore_reason", rjson_str(b, f->ignored ? f->ignore_reason : NULL));
    rjson_add(b, o, "ignore_until", rjson_str(b, f->ignored ? f->ignore_until : NULL));
    return o;
}

static cJSON *rjson_source_json(rjson_jb *b, const dependency *d)
{
    cJSON *o = rjson_check(b, cJSON_CreateObject());
    rjson_add(b, o, "kind", rjson_str(b, report_dep_kind_name(d->kind)));
    rjson_add(b, o, "file", rjson_str(b, d->source_file));
    rjson_add(b, o, "line", d->source_line ? rjson_num(b, d->source_line) : rjson_check(b, cJSON_CreateNull()));
    rjson_add(b, o, "location", rjson_str(b, d->location));
    rjson_add(b, o, "editable", rjson_boolean(b, d->editable));
    /* Lockfiles, pyproject.toml and SBOMs: where the package itself comes
     * from, and the group that holds it; null for the other kinds. */
    rjson_add(b, o, "source_kind", rjson_str(b, d->source_kind));
    rjson_add(b, o, "group", rjson_str(b, d->group));
    rjson_add(b, o, "dev", rjson_boolean(b, d->dev));
    return o;
}

static cJSON *rjson_dependency_json(rjson_jb *b, const dependency *d, const dep_findings *fs,
                                    const dep_advice *a)
{
    cJSON *o = rjson_check(b, cJSON_CreateObject());
    rjson_add(b, o, "name", rjson_str(b, d->name));
    if (d->skip_reason != NULL) {
        /* pip-audit's shape for a skipped dependency, plus what we know. */
        rjson_add(b, o, "skip_reason", rjson_str(b, d->skip_reason));
        rjson_add(b, o, "version", rjson_str(b, d->version_text));
    } else {
        rjson_add(b, o, "version", rjson_str(b, d->version_text));
        cJSON *vulns = rjson_check(b, cJSON_CreateArray());
        for (size_t j = 0; fs != NULL && j < fs->len; j++)
            rjson_push(b, vulns, rjson_finding_json(b, &fs->items[j]));
        rjson_add(b, o, "vulns", vulns);
    }
    rjson_add(b, o, "normalized_name", rjson_str(b, d->normalized));
    rjson_add(b, o, "source", rjson_source_json(b, d));
    static const dep_advice none;
    if (a == NULL)
        a = &none;
    bool facts = a->release_data && !a->specifier, range = a->release_data && a->specifier;
    rjson_add(b, o, "release_data", rjson_boolean(b, a->release_data));
    rjson_add(b, o, "latest_version", rjson_str(b, a->latest_version));
    rjson_add(b, o, "outdated", facts ? rjson_boolean(b, a->outdated) : rjson_check(b, cJSON_CreateNull()));
    rjson_add(b, o, "yanked", facts ? rjson_boolean(b, a->yanked) : rjson_check(b, cJSON_CreateNull()));
    rjson_add(b, o, "yank_reason", rjson_str(b, a->yank_reason));
    rjson_add(b, o, "specifier", rjson_str(b, a->specifier));
    cJSON *risk = range ? rjson_check(b, cJSON_CreateArray()) : rjson_check(b, cJSON_CreateNull());
    for (size_t k = 0; range && k < a->n_range_risk; k++) {
        cJSON *h = rjson_check(b, cJSON_CreateObject());
        rjson_add(b, h, "version", rjson_str(b, a->range_risk[k].version));
        rjson_add(b, h, "ids", rjson_strings(b, a->range_risk[k].ids, a->range_risk[k].n_ids));
        rjson_push(b, risk, h);
    }
    rjson_add(b, o, "range_risk", risk);
    rjson_add(b, o, "resolved_version", rjson_str(b, a->resolved_version));
    bool res = a->resolved_version != NULL;
    rjson_add(b, o, "resolved_vulnerable", res ? rjson_boolean(b, a->resolved_vulnerable) : rjson_check(b, cJSON_CreateNull()));
    rjson_add(b, o, "resolved_yanked", res ? rjson_boolean(b, a->resolved_yanked) : rjson_check(b, cJSON_CreateNull()));
    return o;
}

static cJSON *rjson_database_json(rjson_jb *b, const db_provenance *db)
{
    cJSON *o = rjson_check(b, cJSON_CreateObject());
    rjson_add(b, o, "sequence", rjson_num(b, (double)db->sequence));
    rjson_add(b, o, "build_time", rjson_timestamp(b, db->build_time));
    rjson_add(b, o, "format_version", rjson_num(b, db->format_version));
    rjson_add(b, o, "signer_key_id", rjson_str(b, db->signer_key_id));
    /* The store records BLAKE2b-512 digests (b2sum's format). */
    rjson_add(b, o, "digest_algorithm", rjson_str(b, "BLAKE2b-512"));
    rjson_add(b, o, "snapshot_digest", rjson_str(b, db->snapshot_digest));
    rjson_add(b, o, "db_digest", rjson_str(b, db->db_digest));
    cJSON *sources = rjson_check(b, cJSON_CreateArray());
    for (size_t i = 0; i < db->n_sources; i++) {
        const source_provenance *s = &db->sources[i];
        cJSON *so = rjson_check(b, cJSON_CreateObject());
        rjson_add(b, so, "name", rjson_str(b, s->name));
        rjson_add(b, so, "sha256", rjson_str(b, s->sha256));
        rjson_add(b, so, "kept", rjson_num(b, (double)s->kept));
        rjson_add(b, so, "skipped", rjson_num(b, (double)s->skipped));
        rjson_add(b, so, "withdrawn", rjson_num(b, (double)s->withdrawn));
        rjson_add(b, so, "merged", rjson_num(b, (double)s->merged));
        rjson_push(b, sources, so);
    }
    rjson_add(b, o, "sources", sources);
    cJSON *indexes = rjson_check(b, cJSON_CreateArray());
    for (size_t i = 0; i < db->n_indexes; i++) {
        cJSON *x = rjson_check(b, cJSON_CreateObject());
        rjson_add(b, x, "name", rjson_str(b, db->indexes[i].name));
        rjson_add(b, x, "sha256", rjson_str(b, db->indexes[i].sha256));
        rjson_add(b, x, "projects", rjson_num(b, (double)db->indexes[i].projects));
        rjson_add(b, x, "releases", rjson_num(b, (double)db->indexes[i].releases));
        rjson_push(b, indexes, x);
    }
    rjson_add(b, o, "indexes", indexes);
    return o;
}

static cJSON *rjson_summary_json(rjson_jb *b, const scan_report *r)
{
    scan_counts c;
    scan_report_count(r, &c);
    cJSON *o = rjson_check(b, cJSON_CreateObject());
    rjson_add(b, o, "dependencies", rjson_num(b, (double)c.dependencies));
    rjson_add(b, o, "checked", rjson_num(b, (double)c.checked));
    rjson_add(b, o, "skipped", rjson_num(b, (double)c.skipped));
    rjson_add(b, o, "vulnerable", rjson_num(b, (double)c.vulnerable));
    rjson_add(b, o, "vulnerabilities", rjson_num(b, (double)c.findings));
    rjson_add(b, o, "ignored", rjson_num(b, (double)c.ignored));
    rjson_add(b, o, "warnings", rjson_num(b, (double)c.warnings));
    cJSON *sev = rjson_check(b, cJSON_CreateObject());
    for (int s = SEVERITY_CRITICAL; s >= SEVERITY_UNKNOWN; s--)
        rjson_add(b, sev, severity_name((severity)s), rjson_num(b, (double)c.by_severity[s]));
    rjson_add(b, o, "by_severity", sev);
    return o;
}

static int reference_write_json(const scan_report *r, FILE *out, airlock_error *err)
{
    rjson_jb b = {false};
    cJSON *root = rjson_check(&b, cJSON_CreateObject());

    cJSON *scanner = rjson_check(&b, cJSON_CreateObject());
    rjson_add(&b, scanner, "name", rjson_str(&b, "airlock"));
    rjson_add(&b, scanner, "version", rjson_str(&b, r->airlock_version));
    rjson_add(&b, root, "scanner", scanner);
    rjson_add(&b, root, "scan_time", rjson_timestamp(&b, r->scan_time));
    rjson_add(&b, root, "hostname", rjson_str(&b, r->hostname));

    cJSON *inputs = rjson_check(&b, cJSON_CreateArray());
    for (size_t i = 0; i < r->n_inputs; i++) {
        cJSON *in = rjson_check(&b, cJSON_CreateObject());
        rjson_add(&b, in, "kind", rjson_str(&b, report_input_kind_name(r->inputs[i].kind)));
        rjson_add(&b, in, "path", rjson_str(&b, r->inputs[i].path));
        rjson_add(&b, in, "sha256", rjson_str(&b, r->inputs[i].sha256));
        rjson_add(&b, in, "format", rjson_str(&b, r->inputs[i].format));
        rjson_add(&b, in, "note", rjson_str(&b, r->inputs[i].note));
        rjson_push(&b, inputs, in);
    }
    rjson_add(&b, root, "inputs", inputs);
    rjson_add(&b, root, "database", rjson_database_json(&b, &r->db));
    rjson_add(&b, root, "summary", rjson_summary_json(&b, r));

    cJSON *deps = rjson_check(&b, cJSON_CreateArray());
    for (size_t i = 0; i < r->deps.len; i++)
        rjson_push(&b, deps, rjson_dependency_json(&b, &r->deps.items[i],
                                       r->findings ? &r->findings[i] : NULL,
                                       r->advice ? &r->advice[i] : NULL));
    rjson_add(&b, root, "dependencies", deps);
    rjson_add(&b, root, "release_data", rjson_boolean(&b, r->release_data));
    cJSON *fixes = rjson_check(&b, cJSON_CreateArray());
    for (size_t i = 0; i < r->n_fixes; i++) {
        cJSON *f = rjson_check(&b, cJSON_CreateObject());
        rjson_add(&b, f, "name", rjson_str(&b, r->fixes[i].name));
        rjson_add(&b, f, "old_version", rjson_str(&b, r->fixes[i].old_version));
        rjson_add(&b, f, "new_version", rjson_str(&b, r->fixes[i].new_version));
        rjson_add(&b, f, "note", rjson_str(&b, r->fixes[i].note));
        rjson_push(&b, fixes, f);
    }
    rjson_add(&b, root, "fixes", fixes);
    cJSON *plan = rjson_check(&b, cJSON_CreateArray());
    for (unsigned p = 1; p <= PLAN_PHASES; p++) {
        const plan_phase *ph = &r->plan[p - 1];
        cJSON *po = rjson_check(&b, cJSON_CreateObject());
        rjson_add(&b, po, "phase", rjson_num(&b, p));
        rjson_add(&b, po, "title", rjson_str(&b, plan_phase_title(p)));
        cJSON *items = rjson_check(&b, cJSON_CreateArray());
        for (size_t i = 0; i < ph->n_items; i++) {
            const plan_item *it = &ph->items[i];
            cJSON *io = rjson_check(&b, cJSON_CreateObject());
            rjson_add(&b, io, "name", rjson_str(&b, it->name));
            rjson_add(&b, io, "from", rjson_str(&b, it->from));
            rjson_add(&b, io, "to", rjson_str(&b, it->to));
            rjson_add(&b, io, "reason", rjson_str(&b, it->reason));
            rjson_add(&b, io, "ids", rjson_strings(&b, it->ids, it->n_ids));
            rjson_push(&b, items, io);
        }
        rjson_add(&b, po, "items", items);
        rjson_push(&b, plan, po);
    }
    rjson_add(&b, root, "plan", plan);
    if (!r->drift_checked) {
        rjson_add(&b, root, "drift", rjson_check(&b, cJSON_CreateNull()));
    } else {
        cJSON *drift = rjson_check(&b, cJSON_CreateArray());
        for (size_t i = 0; i < r->n_drift; i++) {
            const drift_item *it = &r->drift[i];
            cJSON *e = rjson_check(&b, cJSON_CreateObject());
            rjson_add(&b, e, "name", rjson_str(&b, it->name));
            rjson_add(&b, e, "status", rjson_str(&b, drift_status_name(it->status)));
            rjson_add(&b, e, "declared", rjson_str(&b, it->declared));
            rjson_add(&b, e, "declared_file", rjson_str(&b, it->declared_file));
            rjson_add(&b, e, "declared_line", it->declared_line
                          ? rjson_num(&b, it->declared_line)
                          : rjson_check(&b, cJSON_CreateNull()));
            rjson_add(&b, e, "installed", rjson_str(&b, it->installed));
            rjson_add(&b, e, "installed_location", rjson_str(&b, it->installed_location));
            rjson_push(&b, drift, e);
        }
        rjson_add(&b, root, "drift", drift);
    }

    cJSON *expired = rjson_check(&b, cJSON_CreateArray());
    for (size_t i = 0; i < r->n_expired; i++) {
        const expired_ignore *x = &r->expired[i];
        cJSON *e = rjson_check(&b, cJSON_CreateObject());
        rjson_add(&b, e, "id", rjson_str(&b, x->id));
        rjson_add(&b, e, "until", rjson_str(&b, x->until));
        rjson_add(&b, e, "reason", rjson_str(&b, x->reason));
        rjson_add(&b, e, "file", rjson_str(&b, x->file));
        rjson_add(&b, e, "line", x->line ? rjson_num(&b, x->line) : rjson_check(&b, cJSON_CreateNull()));
        rjson_push(&b, expired, e);
    }
    rjson_add(&b, root, "expired_ignores", expired);

    /* What the scan could not read: never only on stderr. */
    cJSON *warnings = rjson_check(&b, cJSON_CreateArray());
    for (size_t i = 0; i < r->n_warnings; i++) {
        const scan_warning *w = &r->warnings[i];
        cJSON *e = rjson_check(&b, cJSON_CreateObject());
        rjson_add(&b, e, "file", rjson_str(&b, w->file));
        rjson_add(&b, e, "line", w->line ? rjson_num(&b, w->line) : rjson_check(&b, cJSON_CreateNull()));
        rjson_add(&b, e, "message", rjson_str(&b, w->message));
        rjson_push(&b, warnings, e);
    }
    rjson_add(&b, root, "warnings", warnings);

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
