#include "scanner/reports/report_util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/name.h"
#include "core/text.h"
#include "core/version.h"

void report_time_rfc3339(int64_t t, char out[32])
{
    struct tm tm;
    time_t tt = (time_t)t;
    if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
        tm.tm_year + 1900 < 0) {
        tt = 0;
        gmtime_r(&tt, &tm);
    }
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void report_utf8_append(buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left > 0) {
        size_t n = text_utf8_seq(p, left, NULL);
        if (n == 0) {
            buf_puts(b, "\xEF\xBF\xBD");
            n = 1;
        } else {
            buf_append(b, p, n);
        }
        p += n;
        left -= n;
    }
}

/* True if the text just appended to `b` ends with "www" in any case: GFM
 * turns "www." into a link. */
static bool ends_with_www(const buf *b)
{
    if (b->len < 3)
        return false;
    const char *e = b->data + b->len - 3;
    return (e[0] | 0x20) == 'w' && (e[1] | 0x20) == 'w' && (e[2] | 0x20) == 'w';
}

/* Bytes report_md_append() looks at: what it escapes or replaces, and the
 * ':' and '.' that may start a link. Everything else goes out in runs. */
static const bool md_stop[256] = {
    ['\n'] = true, ['\t'] = true, ['\\'] = true, ['`'] = true, ['*'] = true, ['_'] = true,
    ['['] = true, [']'] = true, ['<'] = true, ['>'] = true, ['|'] = true, ['~'] = true,
    ['&'] = true, ['!'] = true, ['#'] = true, ['{'] = true, ['}'] = true, ['('] = true,
    [')'] = true, [':'] = true, ['.'] = true,
};

void report_md_append(buf *b, const char *s)
{
    /* Printable ASCII is what the filter would give: skip it. */
    const char *p = s;
    while (*p >= 0x20 && *p < 0x7F)
        p++;
    buf clean = {0};
    if (*p == '\0') {
        p = s;
    } else {
        text_safe_append(&clean, s, TEXT_LINES);
        p = clean.data != NULL ? clean.data : "";
    }
    for (;;) {
        const char *run = p;
        while (*p != '\0' && !md_stop[(unsigned char)*p])
            p++;
        buf_append(b, run, (size_t)(p - run));
        char c = *p;
        if (c == '\0')
            break;
        if (c == '\n' || c == '\t') {
            buf_putc(b, ' ');
        } else if ((c != ':' && c != '.') || (c == ':' && p[1] == '/' && p[2] == '/') ||
                   (c == '.' && ends_with_www(b))) {
            /* ':' of "://" and '.' of "www." too: GFM would make a link of
             * bare "https://..." and "www..." text. */
            buf_putc(b, '\\');
            buf_putc(b, c);
        } else {
            buf_putc(b, c);
        }
        p++;
    }
    buf_free(&clean);
}

static void percent_encode(buf *b, const char *s, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            strchr("-._~", c) != NULL || (c != 0 && strchr(keep, c) != NULL)) {
            buf_putc(b, (char)c);
        } else {
            buf_putc(b, '%');
            buf_putc(b, hex[c >> 4]);
            buf_putc(b, hex[c & 15]);
        }
    }
}

char *report_purl(const dependency *d)
{
    buf b = {0};
    buf_puts(&b, "pkg:pypi/");
    /* purl's pypi type: lower case, '_' as '-'; the rest as written. A
     * name that is not a valid project name as written (metadata with
     * blanks or a folded line around it) gives the name the scan matched:
     * the purl must name the package that was checked. */
    const char *name = d->name;
    if (name == NULL || !name_is_valid(name, strlen(name)))
        name = d->normalized != NULL ? d->normalized : name;
    buf tmp = {0};
    for (const char *p = name != NULL ? name : ""; *p != '\0'; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        buf_putc(&tmp, c == '_' ? '-' : c);
    }
    percent_encode(&b, tmp.data != NULL ? tmp.data : "", ":");
    buf_free(&tmp);
    bool registry = d->source_kind == NULL || strcmp(d->source_kind, "registry") == 0;
    if (d->version_text != NULL && *d->version_text != '\0' && registry) {
        /* Blanks around a version are not part of it (PEP 440). */
        const char *v = d->version_text;
        size_t vlen = strlen(v);
        version_strip_space(&v, &vlen);
        char *trimmed = xstrndup(v, vlen);
        buf_putc(&b, '@');
        percent_encode(&b, trimmed, ":");
        free(trimmed);
    }
    return buf_detach(&b, NULL);
}

const char *report_dep_kind_name(dep_kind k)
{
    switch (k) {
    case DEP_INSTALLED: return "installed";
    case DEP_REQUIREMENT: return "requirement";
    case DEP_LOCKED: return "locked";
    case DEP_DECLARED: return "declared";
    case DEP_SBOM: return "sbom";
    }
    return "unknown"; /* not a dep_kind: -Wswitch names any value missing above */
}

const char *report_input_kind_name(input_kind k)
{
    switch (k) {
    case INPUT_REQUIREMENTS: return "requirements";
    case INPUT_PATH: return "path";
    case INPUT_VENV: return "venv";
    case INPUT_PYTHON: return "python";
    case INPUT_LOCKFILE: return "lockfile";
    case INPUT_PYPROJECT: return "pyproject";
    case INPUT_SBOM: return "sbom";
    }
    return "unknown";
}

char *report_source_text(const dependency *d)
{
    buf b = {0};
    if (d->source_file != NULL) {
        buf_puts(&b, d->source_file);
        if (d->source_line > 0)
            buf_printf(&b, ":%u", d->source_line);
    } else if (d->location != NULL) {
        buf_puts(&b, d->location);
    } else {
        buf_puts(&b, "?");
    }
    if (d->group != NULL)
        buf_printf(&b, " [%s]", d->group);
    return buf_detach(&b, NULL);
}

char *report_file_uri(const char *path)
{
    buf b = {0};
    if (path[0] == '/')
        buf_puts(&b, "file://");
    percent_encode(&b, path, "/");
    return buf_detach(&b, NULL);
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* RFC 3986 unreserved and sub-delims: what a host name, user info and
 * path segment may hold besides percent-escapes (and ':' '@' '/' '?' where
 * the caller allows them). */
static bool uri_plain(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("-._~!$&'()*+,;=", c) != NULL);
}

/* Check [p, end) against uri_plain() plus `extra`, with percent-escapes. */
static bool uri_part_ok(const char *p, const char *end, const char *extra)
{
    for (; p < end; p++) {
        if (*p == '%') {
            if (end - p < 3 || !is_hex(p[1]) || !is_hex(p[2]))
                return false;
            p += 2;
        } else if (!uri_plain(*p) && strchr(extra, *p) == NULL) {
            return false;
        }
    }
    return true;
}

bool report_url_ok(const char *url)
{
    const char *p;
    if (url == NULL)
        return false;
    if (strncasecmp(url, "https://", 8) == 0)
        p = url + 8;
    else if (strncasecmp(url, "http://", 7) == 0)
        p = url + 7;
    else
        return false;
    /* authority: [userinfo@]host[:port], the host a name or an [IP literal] */
    const char *auth = p;
    while (*p != '\0' && *p != '/' && *p != '?' && *p != '#')
        p++;
    const char *end = p, *host = auth;
    for (const char *q = auth; q < end; q++)
        if (*q == '@')
            host = q + 1;
    if (host > auth && !uri_part_ok(auth, host - 1, ":"))
        return false;
    const char *port = NULL, *h = host;
    if (h < end && *h == '[') {
        while (h < end && *h != ']')
            h++;
        if (h == end || !uri_part_ok(host + 1, h, ":") || h == host + 1)
            return false;
        h++;
        if (h < end && *h != ':')
            return false;
    } else {
        while (h < end && *h != ':')
            h++;
        if (h == host || !uri_part_ok(host, h, ""))
            return false;
    }
    if (h < end)
        port = h + 1;
    for (; port != NULL && port < end; port++)
        if (*port < '0' || *port > '9')
            return false;
    /* path, query and one fragment */
    const char *hash = strchr(p, '#');
    if (hash != NULL && strchr(hash + 1, '#') != NULL)
        return false;
    return uri_part_ok(p, p + strlen(p), ":@/?#");
}

const char *report_primary_url(const finding *f)
{
    for (size_t i = 0; i < f->n_references; i++)
        if (f->references[i].type != NULL && strcmp(f->references[i].type, "ADVISORY") == 0 &&
            report_url_ok(f->references[i].url))
            return f->references[i].url;
    for (size_t i = 0; i < f->n_references; i++)
        if (report_url_ok(f->references[i].url))
            return f->references[i].url;
    return NULL;
}

int report_check_stream(FILE *out, const char *format, airlock_error *err)
{
    if (ferror(out))
        return error_set(err, "writing the %s report failed", format);
    return 0;
}

bool report_plan_counts(buf *b, const scan_report *r)
{
    size_t n[PLAN_PHASES], total = 0;
    for (size_t p = 0; p < PLAN_PHASES; p++)
        total += n[p] = r->plan[p].n_items;
    if (total == 0)
        return false;
    buf_printf(b, "%zu urgent security fix%s, %zu other security fix%s, %zu update%s within a "
                  "major version, %zu major upgrade%s",
               n[0], n[0] == 1 ? "" : "es", n[1], n[1] == 1 ? "" : "es", n[2],
               n[2] == 1 ? "" : "s", n[3], n[3] == 1 ? "" : "s");
    return true;
}
