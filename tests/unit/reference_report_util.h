/* reference_report_util.h - report_util.c's escaping and encoding as they
 * were before they wrote into reserved room with lookup tables (Markdown
 * escaping, percent-encoding of purls and file URIs, the source text, the
 * URL check): the reference test_report_util_escaping.c compares the
 * current ones with, byte for byte. Header-only, for that test. */
#ifndef AIRLOCK_REFERENCE_REPORT_UTIL_H
#define AIRLOCK_REFERENCE_REPORT_UTIL_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/name.h"
#include "core/text.h"
#include "core/version.h"
#include "scanner/results.h"

/* True if the text just appended to `b` ends with "www" in any case: GFM
 * turns "www." into a link. */
static bool ref_ends_with_www(const buf *b)
{
    if (b->len < 3)
        return false;
    const char *e = b->data + b->len - 3;
    return (e[0] | 0x20) == 'w' && (e[1] | 0x20) == 'w' && (e[2] | 0x20) == 'w';
}

/* Bytes ref_md_append() looks at: what it escapes or replaces, and the
 * ':' and '.' that may start a link. Everything else goes out in runs. */
static const bool ref_md_stop[256] = {
    ['\n'] = true, ['\t'] = true, ['\\'] = true, ['`'] = true, ['*'] = true, ['_'] = true,
    ['['] = true, [']'] = true, ['<'] = true, ['>'] = true, ['|'] = true, ['~'] = true,
    ['&'] = true, ['!'] = true, ['#'] = true, ['{'] = true, ['}'] = true, ['('] = true,
    [')'] = true, [':'] = true, ['.'] = true,
};

static void ref_md_append(buf *b, const char *s)
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
        while (*p != '\0' && !ref_md_stop[(unsigned char)*p])
            p++;
        buf_append(b, run, (size_t)(p - run));
        char c = *p;
        if (c == '\0')
            break;
        if (c == '\n' || c == '\t') {
            buf_putc(b, ' ');
        } else if ((c != ':' && c != '.') || (c == ':' && p[1] == '/' && p[2] == '/') ||
                   (c == '.' && ref_ends_with_www(b))) {
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

static void ref_percent_encode(buf *b, const char *s, const char *keep)
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

static char *ref_purl(const dependency *d)
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
    ref_percent_encode(&b, tmp.data != NULL ? tmp.data : "", ":");
    buf_free(&tmp);
    bool registry = d->source_kind == NULL || strcmp(d->source_kind, "registry") == 0;
    if (d->version_text != NULL && *d->version_text != '\0' && registry) {
        /* Blanks around a version are not part of it (PEP 440). */
        const char *v = d->version_text;
        size_t vlen = strlen(v);
        version_strip_space(&v, &vlen);
        char *trimmed = xstrndup(v, vlen);
        buf_putc(&b, '@');
        ref_percent_encode(&b, trimmed, ":");
        free(trimmed);
    }
    return buf_detach(&b, NULL);
}

static char *ref_source_text(const dependency *d)
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

static char *ref_file_uri(const char *path)
{
    buf b = {0};
    if (path[0] == '/')
        buf_puts(&b, "file://");
    ref_percent_encode(&b, path, "/");
    return buf_detach(&b, NULL);
}

static bool ref_is_hex(char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* RFC 3986 unreserved and sub-delims: what a host name, user info and
 * path segment may hold besides percent-escapes (and ':' '@' '/' '?' where
 * the caller allows them). */
static bool ref_uri_plain(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("-._~!$&'()*+,;=", c) != NULL);
}

/* Check [p, end) against ref_uri_plain() plus `extra`, with percent-escapes. */
static bool ref_uri_part_ok(const char *p, const char *end, const char *extra)
{
    for (; p < end; p++) {
        if (*p == '%') {
            if (end - p < 3 || !ref_is_hex(p[1]) || !ref_is_hex(p[2]))
                return false;
            p += 2;
        } else if (!ref_uri_plain(*p) && strchr(extra, *p) == NULL) {
            return false;
        }
    }
    return true;
}

static bool ref_url_ok(const char *url)
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
    if (host > auth && !ref_uri_part_ok(auth, host - 1, ":"))
        return false;
    const char *port = NULL, *h = host;
    if (h < end && *h == '[') {
        while (h < end && *h != ']')
            h++;
        if (h == end || !ref_uri_part_ok(host + 1, h, ":") || h == host + 1)
            return false;
        h++;
        if (h < end && *h != ':')
            return false;
    } else {
        while (h < end && *h != ':')
            h++;
        if (h == host || !ref_uri_part_ok(host, h, ""))
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
    return ref_uri_part_ok(p, p + strlen(p), ":@/?#");
}

#endif
