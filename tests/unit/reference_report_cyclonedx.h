/* The CycloneDX report as report_cyclonedx.c wrote it before it streamed (commit
 * 535ba181): a cJSON tree printed with cJSON_Print(). Kept only as the
 * reference that test_report_stream_cyclonedx.c compares the streaming writer
 * with, byte for byte. Its original header comment follows.
 */
/*
 * report_cyclonedx.c - a CycloneDX 1.6 JSON BOM with vulnerabilities (VDR).
 *
 * Every dependency is a component ("dep-N" bom-ref, N its 1-based position,
 * so duplicates from several inputs stay distinct) with its package URL
 * (report_purl(): all an SBOM reader needs to get the dependency back) and
 * properties saying where it came from (airlock:kind, airlock:source
 * "FILE:LINE", airlock:source_kind, airlock:group, airlock:dev); every finding is one
 * vulnerability entry affecting its component. Ignored findings carry an
 * analysis: `in_triage` when the ignore has an expiry date (a temporary
 * acceptance), `not_affected` when it is permanent; the reason is the detail.
 *
 * serialNumber: the BOM must be reproducible, so it is not random. It is a
 * UUID (RFC 9562 version 8, variant 10) made of the first 16 bytes of the
 * SHA-256 of the unformatted BOM printed with serialNumber and
 * metadata.timestamp set to "": same content, same serial number.
 */
#include "scanner/reports/report.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/buf.h"
#include "scanner/reports/report_util.h"

#include "reference_rj.h"

static const char *cdx_severity(severity s)
{
    switch (s) {
    case SEVERITY_CRITICAL: return "critical";
    case SEVERITY_HIGH: return "high";
    case SEVERITY_MEDIUM: return "medium";
    case SEVERITY_LOW: return "low";
    case SEVERITY_NONE: return "none";
    case SEVERITY_UNKNOWN: break;
    }
    return "unknown";
}

static const char *cdx_method(const cvss_rating *c)
{
    const char *t = c->type ? c->type : "";
    const char *v = c->vector ? c->vector : "";
    if (strcmp(t, "CVSS_V2") == 0)
        return "CVSSv2";
    if (strcmp(t, "CVSS_V4") == 0 || strncmp(v, "CVSS:4.0/", 9) == 0)
        return "CVSSv4";
    if (strncmp(v, "CVSS:3.1/", 9) == 0)
        return "CVSSv31";
    if (strcmp(t, "CVSS_V3") == 0)
        return "CVSSv3";
    return "other";
}

/* Where an ID is published, for `source` and `references`. */
static void add_source(cJSON *parent, const char *id)
{
    cJSON *src = ref_rj_object(parent, "source");
    buf url = {0};
    if (strncmp(id, "CVE-", 4) == 0) {
        ref_rj_string(src, "name", "NVD");
        buf_printf(&url, "https://nvd.nist.gov/vuln/detail/%s", id);
    } else if (strncmp(id, "GHSA-", 5) == 0) {
        ref_rj_string(src, "name", "GitHub");
        buf_printf(&url, "https://github.com/advisories/%s", id);
    } else {
        ref_rj_string(src, "name", "OSV");
        buf_printf(&url, "https://osv.dev/vulnerability/%s", id);
    }
    /* The URL embeds an untrusted ID: encode what a URL cannot hold. */
    buf clean = {0};
    for (size_t i = 0; i < url.len; i++) {
        unsigned char c = (unsigned char)url.data[i];
        if (c <= 0x20 || c >= 0x7F || strchr("\"<>\\^`{|}%#?", c) != NULL)
            buf_printf(&clean, "%%%02X", c);
        else
            buf_putc(&clean, (char)c);
    }
    ref_rj_string(src, "url", clean.data);
    buf_free(&url);
    buf_free(&clean);
}

static void add_property(cJSON *props, const char *name, const char *value)
{
    if (value == NULL)
        return;
    cJSON *p = ref_rj_push_object(props);
    ref_rj_string(p, "name", name);
    ref_rj_string(p, "value", value);
}

static void add_components(cJSON *root, const scan_report *r)
{
    cJSON *comps = ref_rj_array(root, "components");
    for (size_t i = 0; i < r->deps.len; i++) {
        const dependency *d = &r->deps.items[i];
        cJSON *c = ref_rj_push_object(comps);
        char ref[32];
        snprintf(ref, sizeof ref, "dep-%zu", i + 1);
        ref_rj_string(c, "type", "library");
        ref_rj_string(c, "bom-ref", ref);
        ref_rj_string(c, "name", d->name ? d->name : "");
        ref_rj_string(c, "version", d->version_text);
        char *purl = report_purl(d);
        ref_rj_string(c, "purl", purl);
        free(purl);
        cJSON *props = ref_rj_array(c, "properties");
        add_property(props, "airlock:kind", report_dep_kind_name(d->kind));
        if (d->source_file != NULL) {
            /* "FILE:LINE", what every other format shows; the line again
             * on its own for readers that want a number. */
            buf src = {0};
            buf_puts(&src, d->source_file);
            if (d->source_line > 0)
                buf_printf(&src, ":%u", d->source_line);
            add_property(props, "airlock:source", src.data);
            buf_free(&src);
        }
        if (d->source_line > 0) {
            char line[24];
            snprintf(line, sizeof line, "%u", d->source_line);
            add_property(props, "airlock:line", line);
        }
        add_property(props, "airlock:source_kind", d->source_kind);
        add_property(props, "airlock:group", d->group);
        if (d->dev)
            add_property(props, "airlock:dev", "true");
        add_property(props, "airlock:location", d->location);
        if (d->editable)
            add_property(props, "airlock:editable", "true");
        add_property(props, "airlock:skipped", d->skip_reason);
    }
}

static void add_vulnerability(cJSON *vulns, size_t index, size_t dep_index,
                              const dependency *d, const finding *f)
{
    cJSON *v = ref_rj_push_object(vulns);
    char ref[32];
    snprintf(ref, sizeof ref, "vuln-%zu", index + 1);
    ref_rj_string(v, "bom-ref", ref);
    ref_rj_string(v, "id", f->id);
    add_source(v, f->id);
    if (f->n_aliases > 0) {
        cJSON *refs = ref_rj_array(v, "references");
        for (size_t i = 0; i < f->n_aliases; i++) {
            cJSON *a = ref_rj_push_object(refs);
            ref_rj_string(a, "id", f->aliases[i]);
            add_source(a, f->aliases[i]);
        }
    }
    cJSON *ratings = ref_rj_array(v, "ratings");
    for (size_t i = 0; i < f->n_ratings; i++) {
        const cvss_rating *c = &f->ratings[i];
        cJSON *o = ref_rj_push_object(ratings);
        ref_rj_number(o, "score", c->score);
        ref_rj_string(o, "severity", cdx_severity(c->level));
        ref_rj_string(o, "method", cdx_method(c));
        ref_rj_string(o, "vector", c->vector);
    }
    if (f->n_ratings == 0) {
        /* A label without a vector (or nothing at all): still say so. */
        cJSON *o = ref_rj_push_object(ratings);
        ref_rj_string(o, "severity", cdx_severity(f->level));
        ref_rj_string(o, "method", "other");
    }
    ref_rj_string(v, "description", f->summary);
    ref_rj_string(v, "detail", f->details);

    buf rec = {0};
    if (f->n_fix_versions == 0) {
        buf_puts(&rec, "No fixed version is known.");
    } else {
        buf_printf(&rec, "Upgrade %s to %s", d->name ? d->name : "?", f->fix_versions[0]);
        if (f->n_fix_versions > 1) {
            buf_puts(&rec, " (fixed in:");
            for (size_t i = 0; i < f->n_fix_versions; i++)
                buf_printf(&rec, " %s", f->fix_versions[i]);
            buf_putc(&rec, ')');
        }
        buf_puts(&rec, " or later.");
    }
    ref_rj_string(v, "recommendation", rec.data);
    buf_free(&rec);

    cJSON *adv = ref_rj_array(v, "advisories");
    for (size_t i = 0; i < f->n_references; i++) {
        if (!report_url_ok(f->references[i].url))
            continue; /* the schema wants a URL, and a javascript: one is a trap */
        cJSON *a = ref_rj_push_object(adv);
        ref_rj_string(a, "title", f->references[i].type);
        ref_rj_string(a, "url", f->references[i].url);
    }
    ref_rj_string(v, "published", f->published);
    ref_rj_string(v, "updated", f->modified);

    if (f->ignored) {
        cJSON *an = ref_rj_object(v, "analysis");
        ref_rj_string(an, "state", f->ignore_until != NULL ? "in_triage" : "not_affected");
        buf detail = {0};
        buf_puts(&detail, f->ignore_reason ? f->ignore_reason : "ignored without a reason");
        if (f->ignore_until != NULL)
            buf_printf(&detail, " (ignored until %s)", f->ignore_until);
        ref_rj_string(an, "detail", detail.data);
        buf_free(&detail);
    }

    cJSON *aff = ref_rj_push_object(ref_rj_array(v, "affects"));
    char dref[32];
    snprintf(dref, sizeof dref, "dep-%zu", dep_index + 1);
    ref_rj_string(aff, "ref", dref);
    if (d->version_text != NULL) {
        cJSON *ver = ref_rj_push_object(ref_rj_array(aff, "versions"));
        ref_rj_string(ver, "version", d->version_text);
        ref_rj_string(ver, "status", "affected");
    }

    cJSON *props = ref_rj_array(v, "properties");
    add_property(props, "airlock:severity", severity_name(f->level));
    add_property(props, "airlock:ignored", f->ignored ? "true" : "false");
    add_property(props, "airlock:ignore-until", f->ignore_until);
}

static void add_metadata_properties(cJSON *meta, const scan_report *r)
{
    cJSON *props = ref_rj_array(meta, "properties");
    char num[32], t[32];
    snprintf(num, sizeof num, "%llu", (unsigned long long)r->db.sequence);
    add_property(props, "airlock:database:sequence", num);
    report_time_rfc3339(r->db.build_time, t);
    add_property(props, "airlock:database:build-time", t);
    add_property(props, "airlock:database:signer-key-id", r->db.signer_key_id);
    /* The store records BLAKE2b-512 digests, as b2sum prints them. */
    add_property(props, "airlock:database:digest-algorithm", "BLAKE2b-512");
    add_property(props, "airlock:database:snapshot-digest", r->db.snapshot_digest);
    add_property(props, "airlock:database:digest", r->db.db_digest);
    snprintf(num, sizeof num, "%u", r->db.format_version);
    add_property(props, "airlock:database:format-version", num);
    for (size_t i = 0; i < r->db.n_sources; i++) {
        const source_provenance *s = &r->db.sources[i];
        buf v = {0};
        buf_printf(&v, "%s sha256:%s kept:%llu skipped:%llu withdrawn:%llu merged:%llu",
                   s->name ? s->name : "?", s->sha256 ? s->sha256 : "?",
                   (unsigned long long)s->kept, (unsigned long long)s->skipped,
                   (unsigned long long)s->withdrawn, (unsigned long long)s->merged);
        add_property(props, "airlock:database:source", v.data);
        buf_free(&v);
    }
    for (size_t i = 0; i < r->n_inputs; i++) {
        const scan_input *in = &r->inputs[i];
        buf v = {0};
        buf_printf(&v, "%s %s", report_input_kind_name(in->kind), in->path ? in->path : "");
        if (in->sha256 != NULL)
            buf_printf(&v, " sha256:%s", in->sha256);
        if (in->format != NULL)
            buf_printf(&v, " format:%s", in->format);
        if (in->note != NULL) /* free text: last, so that it may hold spaces */
            buf_printf(&v, " note:%s", in->note);
        add_property(props, "airlock:input", v.data);
        buf_free(&v);
    }
    add_property(props, "airlock:hostname", r->hostname);
    /* What the scan could not read: a count, then each as stderr shows it
     * ("FILE:LINE: MESSAGE"). CycloneDX has no place for a tool's warnings;
     * properties keep them beside the rest of the scan's provenance. */
    scan_counts c;
    scan_report_count(r, &c);
    snprintf(num, sizeof num, "%zu", c.warnings);
    add_property(props, "airlock:warnings", num);
    for (size_t i = 0; i < r->n_warnings; i++) {
        const scan_warning *w = &r->warnings[i];
        buf v = {0};
        if (w->file != NULL) {
            buf_puts(&v, w->file);
            if (w->line > 0)
                buf_printf(&v, ":%u", w->line);
            buf_puts(&v, ": ");
        }
        buf_puts(&v, w->message ? w->message : "");
        add_property(props, "airlock:warning", v.data);
        buf_free(&v);
    }
}

/* Replace the value of `key` in `obj` in place (keeping its position). */
static void replace_string(cJSON *obj, const char *key, const char *value)
{
    cJSON *item = cJSON_CreateString(value);
    if (item == NULL || !cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item))
        abort();
}

/* See the comment at the top for how the serial number is derived. */
static void set_serial(cJSON *root)
{
    char *text = cJSON_PrintUnformatted(root);
    if (text == NULL)
        abort();
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
    free(text);
    h[6] = (unsigned char)((h[6] & 0x0F) | 0x80); /* version 8 */
    h[8] = (unsigned char)((h[8] & 0x3F) | 0x80); /* variant 10 */
    char uuid[64];
    size_t off = (size_t)snprintf(uuid, sizeof uuid, "urn:uuid:");
    for (int i = 0; i < 16; i++) {
        off += (size_t)snprintf(uuid + off, sizeof uuid - off, "%02x", h[i]);
        if (i == 3 || i == 5 || i == 7 || i == 9)
            uuid[off++] = '-';
    }
    uuid[off] = '\0';
    replace_string(root, "serialNumber", uuid);
}

static int reference_write_cyclonedx(const scan_report *r, FILE *out, airlock_error *err)
{
    cJSON *root = ref_rj_new_object();
    ref_rj_string(root, "$schema", "http://cyclonedx.org/schema/bom-1.6.schema.json");
    ref_rj_string(root, "bomFormat", "CycloneDX");
    ref_rj_string(root, "specVersion", "1.6");
    ref_rj_string(root, "serialNumber", ""); /* set last, from the content */
    ref_rj_number(root, "version", 1);

    cJSON *meta = ref_rj_object(root, "metadata");
    ref_rj_string(meta, "timestamp", ""); /* set after hashing: it varies */
    cJSON *tools = ref_rj_array(ref_rj_object(meta, "tools"), "components");
    cJSON *tool = ref_rj_push_object(tools);
    ref_rj_string(tool, "type", "application");
    ref_rj_string(tool, "name", "airlock");
    ref_rj_string(tool, "version", r->airlock_version);
    add_metadata_properties(meta, r);

    add_components(root, r);
    cJSON *vulns = ref_rj_array(root, "vulnerabilities");
    size_t n = 0;
    for (size_t i = 0; i < r->deps.len && r->findings != NULL; i++)
        for (size_t j = 0; j < r->findings[i].len; j++)
            add_vulnerability(vulns, n++, i, &r->deps.items[i], &r->findings[i].items[j]);

    if (sodium_init() < 0)
        return cJSON_Delete(root), error_set(err, "cyclonedx: libsodium failed to initialise");
    set_serial(root);
    char t[32];
    report_time_rfc3339(r->scan_time, t);
    replace_string(meta, "timestamp", t);

    if (ref_rj_print(root, out, err) != 0)
        return error_prefix(err, "cyclonedx");
    return report_check_stream(out, "cyclonedx", err);
}
