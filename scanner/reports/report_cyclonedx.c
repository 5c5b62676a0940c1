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
 *
 * The serial number comes first in the BOM but is known only at its end:
 *   - into a regular file written at its own offset (not O_APPEND), whose
 *     position is known: one pass. json_out's twin mode writes the
 *     formatted BOM with a placeholder of the same length (the nil UUID)
 *     and, beside it, the unformatted text into the hash; then the stream
 *     is flushed, the descriptor's offset must have moved by exactly the
 *     bytes written (or nothing else can be trusted to be where we put it),
 *     and the serial number is pwrite()n over the placeholder. Any failure
 *     there is "cannot write the cyclonedx report": a BOM is never left
 *     with a wrong serial number and a success. `airlock scan --output`
 *     (an atomic temporary file) and a standard output redirected to a file
 *     take this path.
 *   - anything else (a pipe, a terminal, /dev/null, a file opened to
 *     append, a memory stream as the evidence bundle uses): two passes,
 *     unformatted into the hash, then formatted with the serial number.
 * Both give the same bytes. From 256 dependencies the vulnerabilities are
 * rendered on a thread of their own while the components are (json_out.h,
 * parts), and the twin is hashed by json_out's writer thread.
 */
#include "scanner/reports/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "scanner/reports/json_out.h"
#include "scanner/reports/report_util.h"
#include "signatures/sha256.h"

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

/* PREFIX and N in decimal ("dep-12"), without printf: a BOM has a few of
 * these for each of thousands of dependencies. */
static const char *numbered(char out[32], const char *prefix, size_t n)
{
    char digits[24];
    size_t k = sizeof digits;
    do {
        digits[--k] = (char)('0' + n % 10);
        n /= 10;
    } while (n != 0);
    size_t plen = strlen(prefix);
    memcpy(out, prefix, plen);
    memcpy(out + plen, digits + k, sizeof digits - k);
    out[plen + sizeof digits - k] = '\0';
    return out;
}

/* Whether a URL cannot hold byte c as it is. */
static bool url_escaped(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7F)
        return true;
    switch (c) {
    case '"': case '<': case '>': case '\\': case '^': case '`': case '{': case '|':
    case '}': case '%': case '#': case '?':
        return true;
    default:
        return false;
    }
}

/* Where an ID is published, for `source` and `references`. */
static void add_source(json_out *j, const char *id)
{
    jo_key_object_begin(j, "source");
    const char *base;
    if (strncmp(id, "CVE-", 4) == 0) {
        jo_key_string(j, "name", "NVD");
        base = "https://nvd.nist.gov/vuln/detail/";
    } else if (strncmp(id, "GHSA-", 5) == 0) {
        jo_key_string(j, "name", "GitHub");
        base = "https://github.com/advisories/";
    } else {
        jo_key_string(j, "name", "OSV");
        base = "https://osv.dev/vulnerability/";
    }
    /* The URL embeds an untrusted ID: encode what a URL cannot hold. IDs
     * are short: on the stack unless this one is not. */
    static const char hex[] = "0123456789ABCDEF";
    size_t blen = strlen(base), idlen = strlen(id);
    char local[256];
    char *url = blen + 3 * idlen < sizeof local ? local : xmalloc(blen + 3 * idlen + 1);
    memcpy(url, base, blen);
    char *o = url + blen;
    for (const unsigned char *p = (const unsigned char *)id; *p != '\0'; p++) {
        unsigned char c = *p;
        if (url_escaped(c)) {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        } else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    jo_key_string(j, "url", url);
    if (url != local)
        free(url);
    jo_object_end(j);
}

/* {"name": NAME, "value": VALUE} in a properties array; nothing when VALUE
 * is NULL. */
static void add_property(json_out *j, const char *name, const char *value)
{
    if (value == NULL)
        return;
    jo_object_begin(j);
    jo_key_string(j, "name", name);
    jo_key_string(j, "value", value);
    jo_object_end(j);
}

static void add_components(json_out *j, const scan_report *r)
{
    jo_key_array_begin(j, "components");
    buf purl = {0}; /* one buffer for every component's purl */
    for (size_t i = 0; i < r->deps.len; i++) {
        const dependency *d = &r->deps.items[i];
        jo_object_begin(j);
        char ref[32];
        jo_key_string(j, "type", "library");
        jo_key_string(j, "bom-ref", numbered(ref, "dep-", i + 1));
        jo_key_string(j, "name", d->name ? d->name : "");
        jo_key_string_opt(j, "version", d->version_text);
        buf_reset(&purl);
        report_purl_append(&purl, d);
        jo_key_string(j, "purl", purl.data != NULL ? purl.data : "");
        jo_key_array_begin(j, "properties");

        add_property(j, "airlock:kind", report_dep_kind_name(d->kind));
        char line[32];
        if (d->source_line > 0)
            numbered(line, ":", d->source_line);
        else
            line[0] = '\0';
        if (d->source_file != NULL) {
            /* "FILE:LINE", what every other format shows; the line again
             * on its own for readers that want a number. On the stack
             * unless the path is long. */
            size_t flen = strlen(d->source_file), llen = strlen(line);
            char local[512];
            char *src = flen + llen < sizeof local ? local : xmalloc(flen + llen + 1);
            memcpy(src, d->source_file, flen);
            memcpy(src + flen, line, llen + 1);
            add_property(j, "airlock:source", src);
            if (src != local)
                free(src);
        }
        if (d->source_line > 0)
            add_property(j, "airlock:line", line + 1);
        add_property(j, "airlock:source_kind", d->source_kind);
        add_property(j, "airlock:group", d->group);
        if (d->dev)
            add_property(j, "airlock:dev", "true");
        add_property(j, "airlock:location", d->location);
        if (d->editable)
            add_property(j, "airlock:editable", "true");
        add_property(j, "airlock:skipped", d->skip_reason);
        jo_array_end(j);
        jo_object_end(j);
    }
    buf_free(&purl);
    jo_array_end(j);
}

static void add_vulnerability(json_out *j, size_t index, size_t dep_index,
                              const dependency *d, const finding *f)
{
    jo_object_begin(j);
    char ref[32];
    jo_key_string(j, "bom-ref", numbered(ref, "vuln-", index + 1));
    jo_key_string(j, "id", f->id);
    add_source(j, f->id);
    if (f->n_aliases > 0) {
        jo_key_array_begin(j, "references");
        for (size_t i = 0; i < f->n_aliases; i++) {
            jo_object_begin(j);
            jo_key_string_opt(j, "id", f->aliases[i]);
            add_source(j, f->aliases[i]);
            jo_object_end(j);
        }
        jo_array_end(j);
    }
    jo_key_array_begin(j, "ratings");
    for (size_t i = 0; i < f->n_ratings; i++) {
        const cvss_rating *c = &f->ratings[i];
        jo_object_begin(j);
        jo_key_number(j, "score", c->score);
        jo_key_string(j, "severity", cdx_severity(c->level));
        jo_key_string(j, "method", cdx_method(c));
        jo_key_string_opt(j, "vector", c->vector);
        jo_object_end(j);
    }
    if (f->n_ratings == 0) {
        /* A label without a vector (or nothing at all): still say so. */
        jo_object_begin(j);
        jo_key_string(j, "severity", cdx_severity(f->level));
        jo_key_string(j, "method", "other");
        jo_object_end(j);
    }
    jo_array_end(j);
    jo_key_string_opt(j, "description", f->summary);
    jo_key_string_opt(j, "detail", f->details);

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
    jo_key_string(j, "recommendation", rec.data);
    buf_free(&rec);

    jo_key_array_begin(j, "advisories");
    for (size_t i = 0; i < f->n_references; i++) {
        if (!report_url_ok(f->references[i].url))
            continue; /* the schema wants a URL, and a javascript: one is a trap */
        jo_object_begin(j);
        jo_key_string_opt(j, "title", f->references[i].type);
        jo_key_string(j, "url", f->references[i].url);
        jo_object_end(j);
    }
    jo_array_end(j);
    jo_key_string_opt(j, "published", f->published);
    jo_key_string_opt(j, "updated", f->modified);

    if (f->ignored) {
        jo_key_object_begin(j, "analysis");
        jo_key_string(j, "state", f->ignore_until != NULL ? "in_triage" : "not_affected");
        buf detail = {0};
        buf_puts(&detail, f->ignore_reason ? f->ignore_reason : "ignored without a reason");
        if (f->ignore_until != NULL)
            buf_printf(&detail, " (ignored until %s)", f->ignore_until);
        jo_key_string(j, "detail", detail.data);
        buf_free(&detail);
        jo_object_end(j);
    }

    jo_key_array_begin(j, "affects");
    jo_object_begin(j);
    char dref[32];
    jo_key_string(j, "ref", numbered(dref, "dep-", dep_index + 1));
    if (d->version_text != NULL) {
        jo_key_array_begin(j, "versions");
        jo_object_begin(j);
        jo_key_string(j, "version", d->version_text);
        jo_key_string(j, "status", "affected");
        jo_object_end(j);
        jo_array_end(j);
    }
    jo_object_end(j);
    jo_array_end(j);

    jo_key_array_begin(j, "properties");
    add_property(j, "airlock:severity", severity_name(f->level));
    add_property(j, "airlock:ignored", f->ignored ? "true" : "false");
    add_property(j, "airlock:ignore-until", f->ignore_until);
    jo_array_end(j);
    jo_object_end(j);
}

/* Reports with fewer dependencies are rendered in one thread. */
#define PART_MIN 256

static void add_vulnerabilities(json_out *j, void *arg)
{
    const scan_report *r = arg;
    jo_key_array_begin(j, "vulnerabilities");
    size_t n = 0;
    for (size_t i = 0; i < r->deps.len && r->findings != NULL; i++)
        for (size_t k = 0; k < r->findings[i].len; k++)
            add_vulnerability(j, n++, i, &r->deps.items[i], &r->findings[i].items[k]);
    jo_array_end(j);
}

static void add_metadata_properties(json_out *j, const scan_report *r)
{
    jo_key_array_begin(j, "properties");
    char num[32], t[32];
    snprintf(num, sizeof num, "%llu", (unsigned long long)r->db.sequence);
    add_property(j, "airlock:database:sequence", num);
    report_time_rfc3339(r->db.build_time, t);
    add_property(j, "airlock:database:build-time", t);
    add_property(j, "airlock:database:signer-key-id", r->db.signer_key_id);
    /* The store records BLAKE2b-512 digests, as b2sum prints them. */
    add_property(j, "airlock:database:digest-algorithm", "BLAKE2b-512");
    add_property(j, "airlock:database:snapshot-digest", r->db.snapshot_digest);
    add_property(j, "airlock:database:digest", r->db.db_digest);
    snprintf(num, sizeof num, "%u", r->db.format_version);
    add_property(j, "airlock:database:format-version", num);
    for (size_t i = 0; i < r->db.n_sources; i++) {
        const source_provenance *s = &r->db.sources[i];
        buf v = {0};
        buf_printf(&v, "%s sha256:%s kept:%llu skipped:%llu withdrawn:%llu merged:%llu",
                   s->name ? s->name : "?", s->sha256 ? s->sha256 : "?",
                   (unsigned long long)s->kept, (unsigned long long)s->skipped,
                   (unsigned long long)s->withdrawn, (unsigned long long)s->merged);
        add_property(j, "airlock:database:source", v.data);
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
        add_property(j, "airlock:input", v.data);
        buf_free(&v);
    }
    add_property(j, "airlock:hostname", r->hostname);
    /* What the scan could not read: a count, then each as stderr shows it
     * ("FILE:LINE: MESSAGE"). CycloneDX has no place for a tool's warnings;
     * properties keep them beside the rest of the scan's provenance. */
    scan_counts c;
    scan_report_count(r, &c);
    snprintf(num, sizeof num, "%zu", c.warnings);
    add_property(j, "airlock:warnings", num);
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
        add_property(j, "airlock:warning", v.data);
        buf_free(&v);
    }
    jo_array_end(j);
}

static bool hash_sink(void *ctx, const void *data, size_t len)
{
    sha256_update(ctx, data, len);
    return true;
}

/* The BOM, with `serial` and `timestamp` shown as given; in twin mode the
 * twin (the hashed text) has "" for both. *serial_at: the offset of the
 * serial number's first byte in the output. */
static void write_bom(json_out *j, const scan_report *r, const char *serial,
                      const char *timestamp, uint64_t *serial_at)
{
    jo_object_begin(j);
    jo_key_string(j, "$schema", "http://cyclonedx.org/schema/bom-1.6.schema.json");
    jo_key_string(j, "bomFormat", "CycloneDX");
    jo_key_string(j, "specVersion", "1.6");
    jo_key(j, "serialNumber");
    *serial_at = jo_tell(j) + 1; /* after the quote; the value needs no escape */
    jo_string_twin(j, serial, "");
    jo_key_number(j, "version", 1);

    jo_key_object_begin(j, "metadata");
    jo_key(j, "timestamp");
    jo_string_twin(j, timestamp, "");
    jo_key_object_begin(j, "tools");
    jo_key_array_begin(j, "components");
    jo_object_begin(j);
    jo_key_string(j, "type", "application");
    jo_key_string(j, "name", "airlock");
    jo_key_string_opt(j, "version", r->airlock_version);
    jo_object_end(j);
    jo_array_end(j);
    jo_object_end(j);
    add_metadata_properties(j, r);
    jo_object_end(j);

    /* The vulnerabilities (about 40 % of the work) are rendered on a
     * thread of their own while this one renders the components (json_out.h,
     * parts); a small BOM is not worth a thread. */
    jo_part *vulns = NULL;
    if (r->deps.len >= PART_MIN)
        vulns = jo_part_start(j, add_vulnerabilities, (void *)r);
    add_components(j, r);
    if (vulns != NULL)
        jo_part_join(j, vulns);
    else
        add_vulnerabilities(j, (void *)r);
    jo_object_end(j);
}

/* "urn:uuid:" and the UUID made of the hash (see the top of this file). */
#define SERIAL_LEN 45
static const char nil_serial[] = "urn:uuid:00000000-0000-0000-0000-000000000000";

static void serial_of(sha256_state *st, char uuid[SERIAL_LEN + 1])
{
    uint8_t h[SHA256_BYTES];
    sha256_final(st, h);
    h[6] = (uint8_t)((h[6] & 0x0F) | 0x80); /* version 8 */
    h[8] = (uint8_t)((h[8] & 0x3F) | 0x80); /* variant 10 */
    static const char hex[] = "0123456789abcdef";
    memcpy(uuid, "urn:uuid:", 9);
    size_t off = 9;
    for (int i = 0; i < 16; i++) {
        uuid[off++] = hex[h[i] >> 4];
        uuid[off++] = hex[h[i] & 15];
        if (i == 3 || i == 5 || i == 7 || i == 9)
            uuid[off++] = '-';
    }
    uuid[off] = '\0';
}

/* Where the BOM will start in `out` if the serial number can be written
 * in place afterwards: a regular file, written at its own offset (not
 * O_APPEND, where pwrite() appends on Linux), whose position is known and
 * agrees with its descriptor's. -1 otherwise (pipes, terminals, devices,
 * memory streams): the BOM is then written twice. */
static off_t patchable_start(FILE *out)
{
    int fd = fileno(out);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || (flags & O_APPEND) != 0 || (flags & O_ACCMODE) == O_RDONLY)
        return -1;
    if (fflush(out) != 0) /* the write below fails too, and says so */
        return -1;
    off_t pos = ftello(out);
    if (pos < 0 || lseek(fd, 0, SEEK_CUR) != pos)
        return -1;
    return pos;
}

/* One pass: the BOM with a placeholder serial number, its hashed twin
 * beside it; then the serial number written over the placeholder. */
static int write_in_place(json_out *j, const scan_report *r, FILE *out, off_t start,
                          const char *timestamp, airlock_error *err)
{
    sha256_state st;
    sha256_init(&st);
    jo_init_twin(j, out, hash_sink, &st);
    uint64_t serial_at = 0;
    write_bom(j, r, nil_serial, timestamp, &serial_at);
    if (jo_finish(j, "cyclonedx", err) != 0)
        return -1;
    char uuid[SERIAL_LEN + 1];
    serial_of(&st, uuid);
    int fd = fileno(out);
    if (fflush(out) != 0)
        return error_errno(err, errno, "cannot write the cyclonedx report");
    /* Only if the descriptor moved by exactly what was written is the
     * placeholder where we think it is (nothing else wrote to the file
     * through the same description meanwhile). */
    off_t end = lseek(fd, 0, SEEK_CUR);
    if (end < 0 || (uint64_t)(end - start) != jo_tell(j))
        return error_set(err, "cannot write the cyclonedx report (the file moved while it "
                              "was written)");
    ssize_t n = pwrite(fd, uuid, SERIAL_LEN, start + (off_t)serial_at);
    if (n != SERIAL_LEN)
        return error_errno(err, n < 0 ? errno : EIO, "cannot write the cyclonedx report");
    return 0;
}

/* Two passes: the BOM unformatted into the hash, then formatted to the
 * output with the serial number in place. */
static int write_twice(json_out *j, const scan_report *r, FILE *out, const char *timestamp,
                       airlock_error *err)
{
    sha256_state st;
    sha256_init(&st);
    jo_init_sink(j, hash_sink, &st, false);
    uint64_t serial_at = 0;
    write_bom(j, r, "", "", &serial_at);
    if (jo_finish(j, "cyclonedx", err) != 0)
        return -1;
    char uuid[SERIAL_LEN + 1];
    serial_of(&st, uuid);
    jo_init(j, out);
    write_bom(j, r, uuid, timestamp, &serial_at);
    return jo_finish(j, "cyclonedx", err);
}

int report_write_cyclonedx(const scan_report *r, FILE *out, airlock_error *err)
{
    /* The writer keeps its buffers inline: on the heap, not the stack. */
    json_out *j = xmalloc(sizeof *j);
    char t[32];
    report_time_rfc3339(r->scan_time, t);
    off_t start = patchable_start(out);
    int rc = start >= 0 ? write_in_place(j, r, out, start, t, err)
                        : write_twice(j, r, out, t, err);
    free(j);
    return rc;
}
