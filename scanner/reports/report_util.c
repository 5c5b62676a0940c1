#include "scanner/reports/report_util.h"

#include <math.h>
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

/* Bytes report_md_append() looks at: what it escapes or replaces, and the
 * ':' and '.' that may start a link. Everything else is copied. */
static const bool md_stop[256] = {
    ['\n'] = true, ['\t'] = true, ['\\'] = true, ['`'] = true, ['*'] = true, ['_'] = true,
    ['['] = true, [']'] = true, ['<'] = true, ['>'] = true, ['|'] = true, ['~'] = true,
    ['&'] = true, ['!'] = true, ['#'] = true, ['{'] = true, ['}'] = true, ['('] = true,
    [')'] = true, [':'] = true, ['.'] = true,
};

#define ONES 0x0101010101010101u
#define HIGHS 0x8080808080808080u

/* True if the `n` bytes at `s` are printable ASCII (0x20-0x7E), tested 8 at
 * a time: a byte below 0x20 or from 0x7F up sets its lane's high bit. */
static bool all_printable(const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        if ((((x - 0x20 * ONES) & ~x) | (x + ONES) | x) & HIGHS)
            return false;
    }
    for (; i < n; i++)
        if ((unsigned char)(s[i] - 0x20) >= 0x5F)
            return false;
    return true;
}

void report_md_append(buf *b, const char *s)
{
    /* Printable ASCII is what the filter would give: skip it. */
    size_t n = strlen(s);
    const char *p = s;
    buf clean = {0};
    const char *end;
    if (all_printable(s, n)) {
        end = s + n;
    } else {
        text_safe_append(&clean, s, TEXT_LINES);
        p = clean.data != NULL ? clean.data : "";
        end = p + clean.len;
    }
    /* At most two bytes out for one in: room once, then no checks. */
    buf_reserve(b, 2 * (size_t)(end - p));
    char *const start = b->data;
    char *o = start + b->len;
    for (; p < end; p++) {
        char c = *p;
        if (!md_stop[(unsigned char)c]) {
            *o++ = c;
        } else if (c == '\n' || c == '\t') {
            *o++ = ' ';
        } else if ((c != ':' && c != '.') || (c == ':' && p[1] == '/' && p[2] == '/') ||
                   (c == '.' && o - start >= 3 && (o[-3] | 0x20) == 'w' &&
                    (o[-2] | 0x20) == 'w' && (o[-1] | 0x20) == 'w')) {
            /* ':' of "://" and '.' of "www." (what was written before it,
             * in any case) too: GFM would make a link of bare "https://..."
             * and "www..." text. */
            *o++ = '\\';
            *o++ = c;
        } else {
            *o++ = c;
        }
    }
    b->len = (size_t)(o - start);
    *o = '\0';
    buf_free(&clean);
}

/* Bytes a percent-encoding keeps as they are: alphanumerics and "-._~"
 * (RFC 3986's unreserved set, purl's too). */
static const bool unreserved[256] = {
    ['-'] = true, ['.'] = true, ['_'] = true, ['~'] = true,
    ['0'] = true, ['1'] = true, ['2'] = true, ['3'] = true, ['4'] = true, ['5'] = true,
    ['6'] = true, ['7'] = true, ['8'] = true, ['9'] = true,
    ['A'] = true, ['B'] = true, ['C'] = true, ['D'] = true, ['E'] = true, ['F'] = true,
    ['G'] = true, ['H'] = true, ['I'] = true, ['J'] = true, ['K'] = true, ['L'] = true,
    ['M'] = true, ['N'] = true, ['O'] = true, ['P'] = true, ['Q'] = true, ['R'] = true,
    ['S'] = true, ['T'] = true, ['U'] = true, ['V'] = true, ['W'] = true, ['X'] = true,
    ['Y'] = true, ['Z'] = true,
    ['a'] = true, ['b'] = true, ['c'] = true, ['d'] = true, ['e'] = true, ['f'] = true,
    ['g'] = true, ['h'] = true, ['i'] = true, ['j'] = true, ['k'] = true, ['l'] = true,
    ['m'] = true, ['n'] = true, ['o'] = true, ['p'] = true, ['q'] = true, ['r'] = true,
    ['s'] = true, ['t'] = true, ['u'] = true, ['v'] = true, ['w'] = true, ['x'] = true,
    ['y'] = true, ['z'] = true,
};

/* Append the `n` bytes at `s` percent-encoded, keeping unreserved bytes and
 * `keep`; with `purl_name`, ASCII upper case is lowered and '_' is '-'
 * first (purl's pypi names). */
static void percent_encode(buf *b, const char *s, size_t n, char keep, bool purl_name)
{
    static const char hex[] = "0123456789ABCDEF";
    buf_reserve(b, 3 * n);
    char *o = b->data + b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (purl_name) {
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c - 'A' + 'a');
            else if (c == '_')
                c = '-';
        }
        if (unreserved[c] || (c == (unsigned char)keep && c != 0)) {
            *o++ = (char)c;
        } else {
            o[0] = '%';
            o[1] = hex[c >> 4];
            o[2] = hex[c & 15];
            o += 3;
        }
    }
    b->len = (size_t)(o - b->data);
    *o = '\0';
}

void report_purl_append(buf *b, const dependency *d)
{
    REPORT_LIT(b, "pkg:pypi/");
    /* purl's pypi type: lower case, '_' as '-'; the rest as written. A
     * name that is not a valid project name as written (metadata with
     * blanks or a folded line around it) gives the name the scan matched:
     * the purl must name the package that was checked. */
    const char *name = d->name;
    size_t name_len = name != NULL ? strlen(name) : 0;
    if (name == NULL || !name_is_valid(name, name_len)) {
        name = d->normalized != NULL ? d->normalized : name;
        name_len = name != NULL ? strlen(name) : 0;
    }
    percent_encode(b, name != NULL ? name : "", name_len, ':', true);
    bool registry = d->source_kind == NULL || strcmp(d->source_kind, "registry") == 0;
    if (d->version_text != NULL && *d->version_text != '\0' && registry) {
        /* Blanks around a version are not part of it (PEP 440). */
        const char *v = d->version_text;
        size_t vlen = strlen(v);
        version_strip_space(&v, &vlen);
        report_putc(b, '@');
        percent_encode(b, v, vlen, ':', false);
    }
}

char *report_purl(const dependency *d)
{
    buf b = {0};
    report_purl_append(&b, d);
    return buf_detach(&b, NULL);
}

void report_put_uint(buf *b, unsigned long long v)
{
    char text[24];
    size_t n = sizeof text;
    do {
        text[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    report_put(b, text + n, sizeof text - n);
}

int report_score_text(double v, char *out, size_t cap)
{
    /* When ten times `v` is within 1e-6 of a whole number k, "%.1f" prints
     * k/10: the rounding boundaries are half a tenth away, far beyond the
     * error of the product. Other values (ties, -0, NaN, huge) go to
     * printf. */
    if (v >= 0 && v < 1e6 && !signbit(v) && cap >= 16) {
        double t = v * 10;
        unsigned long k = (unsigned long)(t + 0.5);
        if (fabs(t - (double)k) < 1e-6) {
            char text[16];
            size_t n = sizeof text;
            text[--n] = (char)('0' + k % 10);
            text[--n] = '.';
            k /= 10;
            do {
                text[--n] = (char)('0' + k % 10);
                k /= 10;
            } while (k != 0);
            memcpy(out, text + n, sizeof text - n);
            out[sizeof text - n] = '\0';
            return (int)(sizeof text - n);
        }
    }
    return snprintf(out, cap, "%.1f", v);
}

void report_put_score(buf *b, double v)
{
    char text[32];
    int n = report_score_text(v, text, sizeof text);
    if (n >= 0 && (size_t)n < sizeof text)
        report_put(b, text, (size_t)n);
    else
        buf_printf(b, "%.1f", v);
}

const char *report_dep_kind_name(dep_kind k)
{
    switch (k) {
    case DEP_INSTALLED: return "installed";
    case DEP_REQUIREMENT: return "requirement";
    case DEP_LOCKED: return "locked";
    case DEP_DECLARED: return "declared";
    case DEP_SBOM: return "sbom";
    case DEP_ARCHIVE: return "archive";
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
    case INPUT_WHEELHOUSE: return "wheelhouse";
    }
    return "unknown";
}

void report_source_append(buf *b, const dependency *d)
{
    if (d->source_file != NULL) {
        report_puts(b, d->source_file);
        if (d->source_line > 0) {
            report_putc(b, ':');
            report_put_uint(b, d->source_line);
        }
    } else if (d->location != NULL) {
        report_puts(b, d->location);
    } else {
        report_putc(b, '?');
    }
    if (d->group != NULL) {
        REPORT_LIT(b, " [");
        report_puts(b, d->group);
        report_putc(b, ']');
    }
}

char *report_source_text(const dependency *d)
{
    buf b = {0};
    report_source_append(&b, d);
    return buf_detach(&b, NULL);
}

void report_file_uri_append(buf *b, const char *path)
{
    if (path[0] == '/')
        REPORT_LIT(b, "file://");
    percent_encode(b, path, strlen(path), '/', false);
}

char *report_file_uri(const char *path)
{
    buf b = {0};
    report_file_uri_append(&b, path);
    return buf_detach(&b, NULL);
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* What each byte may be in a URI part: URI_PLAIN for RFC 3986 unreserved
 * and sub-delims (what a host name, user info and path segment may hold
 * besides percent-escapes), URI_COLON and URI_PATH (':' and '@' '/' '?'
 * '#') where the caller allows them. */
enum { URI_PLAIN = 1, URI_COLON = 2, URI_PATH = 4 };
static const unsigned char uri_class[256] = {
    ['-'] = URI_PLAIN, ['.'] = URI_PLAIN, ['_'] = URI_PLAIN, ['~'] = URI_PLAIN,
    ['!'] = URI_PLAIN, ['$'] = URI_PLAIN, ['&'] = URI_PLAIN, ['\''] = URI_PLAIN,
    ['('] = URI_PLAIN, [')'] = URI_PLAIN, ['*'] = URI_PLAIN, ['+'] = URI_PLAIN,
    [','] = URI_PLAIN, [';'] = URI_PLAIN, ['='] = URI_PLAIN,
    ['0'] = URI_PLAIN, ['1'] = URI_PLAIN, ['2'] = URI_PLAIN, ['3'] = URI_PLAIN,
    ['4'] = URI_PLAIN, ['5'] = URI_PLAIN, ['6'] = URI_PLAIN, ['7'] = URI_PLAIN,
    ['8'] = URI_PLAIN, ['9'] = URI_PLAIN,
    ['A'] = URI_PLAIN, ['B'] = URI_PLAIN, ['C'] = URI_PLAIN, ['D'] = URI_PLAIN,
    ['E'] = URI_PLAIN, ['F'] = URI_PLAIN, ['G'] = URI_PLAIN, ['H'] = URI_PLAIN,
    ['I'] = URI_PLAIN, ['J'] = URI_PLAIN, ['K'] = URI_PLAIN, ['L'] = URI_PLAIN,
    ['M'] = URI_PLAIN, ['N'] = URI_PLAIN, ['O'] = URI_PLAIN, ['P'] = URI_PLAIN,
    ['Q'] = URI_PLAIN, ['R'] = URI_PLAIN, ['S'] = URI_PLAIN, ['T'] = URI_PLAIN,
    ['U'] = URI_PLAIN, ['V'] = URI_PLAIN, ['W'] = URI_PLAIN, ['X'] = URI_PLAIN,
    ['Y'] = URI_PLAIN, ['Z'] = URI_PLAIN,
    ['a'] = URI_PLAIN, ['b'] = URI_PLAIN, ['c'] = URI_PLAIN, ['d'] = URI_PLAIN,
    ['e'] = URI_PLAIN, ['f'] = URI_PLAIN, ['g'] = URI_PLAIN, ['h'] = URI_PLAIN,
    ['i'] = URI_PLAIN, ['j'] = URI_PLAIN, ['k'] = URI_PLAIN, ['l'] = URI_PLAIN,
    ['m'] = URI_PLAIN, ['n'] = URI_PLAIN, ['o'] = URI_PLAIN, ['p'] = URI_PLAIN,
    ['q'] = URI_PLAIN, ['r'] = URI_PLAIN, ['s'] = URI_PLAIN, ['t'] = URI_PLAIN,
    ['u'] = URI_PLAIN, ['v'] = URI_PLAIN, ['w'] = URI_PLAIN, ['x'] = URI_PLAIN,
    ['y'] = URI_PLAIN, ['z'] = URI_PLAIN,
    [':'] = URI_COLON, ['@'] = URI_PATH, ['/'] = URI_PATH, ['?'] = URI_PATH, ['#'] = URI_PATH,
};

/* Check [p, end) against the classes in `allow`, with percent-escapes. */
static bool uri_part_ok(const char *p, const char *end, unsigned allow)
{
    for (; p < end; p++) {
        if (*p == '%') {
            if (end - p < 3 || !is_hex(p[1]) || !is_hex(p[2]))
                return false;
            p += 2;
        } else if ((uri_class[(unsigned char)*p] & allow) == 0) {
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
    if (host > auth && !uri_part_ok(auth, host - 1, URI_PLAIN | URI_COLON))
        return false;
    const char *port = NULL, *h = host;
    if (h < end && *h == '[') {
        while (h < end && *h != ']')
            h++;
        if (h == end || !uri_part_ok(host + 1, h, URI_PLAIN | URI_COLON) || h == host + 1)
            return false;
        h++;
        if (h < end && *h != ':')
            return false;
    } else {
        while (h < end && *h != ':')
            h++;
        if (h == host || !uri_part_ok(host, h, URI_PLAIN))
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
    return uri_part_ok(p, p + strlen(p), URI_PLAIN | URI_COLON | URI_PATH);
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

void report_flush(buf *b, FILE *out)
{
    if (b->len < 65536)
        return;
    fwrite(b->data, 1, b->len, out);
    buf_reset(b);
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
