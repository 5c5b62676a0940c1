/*
 * purl.c - package URLs (purl.h), split right to left as the purl
 * specification's "how to parse" does: '#' subpath, '?' qualifiers, then
 * scheme and type from the left, '@' version and the name from the right.
 */
#include "scanner/inputs/purl.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/name.h"
#include "core/percent.h"
#include "core/text.h"

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static const char *last_of(const char *s, size_t n, char c)
{
    while (n > 0) {
        if (s[n - 1] == c)
            return s + n - 1;
        n--;
    }
    return NULL;
}

/* Percent-decode `n` bytes, or NULL with *why set: a '%' without two hex
 * digits, "%00" (a NUL would cut the name short), or not UTF-8 after
 * decoding. */
static char *decode(const char *s, size_t n, const char **why)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%')
            continue;
        if (n - i < 3 || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
            *why = "a '%' that is not followed by two hex digits";
            return NULL;
        }
        if (s[i + 1] == '0' && s[i + 2] == '0') {
            *why = "an escaped NUL (%00)";
            return NULL;
        }
    }
    char *raw = xstrndup(s, n);
    char *out = percent_decode(raw);
    free(raw);
    size_t len = strlen(out);
    for (size_t i = 0; i < len;) {
        size_t k = text_utf8_seq((const unsigned char *)out + i, len - i, NULL);
        if (k == 0) {
            *why = "escapes that do not decode to UTF-8";
            free(out);
            return NULL;
        }
        i += k;
    }
    return out;
}

/* The specification: ASCII letters, digits, '.', '+', '-'; not starting
 * with a digit; never percent-encoded. */
static bool type_is_valid(const char *s, size_t n)
{
    if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = (char)(s[i] | 0x20);
        if (!((c >= 'a' && c <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
              s[i] == '+' || s[i] == '-'))
            return false;
    }
    return true;
}

static char *lower_dup(const char *s, size_t n)
{
    char *out = xstrndup(s, n);
    for (char *p = out; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return out;
}

/* Namespace segments between '/', empty ones dropped, each decoded. */
static char *decode_namespace(const char *s, size_t n, const char **why)
{
    buf b = {0};
    size_t i = 0;
    while (i < n) {
        const char *slash = memchr(s + i, '/', n - i);
        size_t seg = slash ? (size_t)(slash - (s + i)) : n - i;
        if (seg > 0) {
            char *d = decode(s + i, seg, why);
            if (d == NULL) {
                buf_free(&b);
                return NULL;
            }
            if (b.len > 0)
                buf_putc(&b, '/');
            buf_puts(&b, d);
            free(d);
        }
        i += seg + 1;
    }
    if (b.len == 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

int purl_parse(const char *text, size_t len, purl *out, airlock_error *err)
{
    memset(out, 0, sizeof *out);
    if (memchr(text, '\0', len) != NULL)
        return error_set(err, "a NUL byte in the package URL");
    size_t end = len;
    const char *hash = last_of(text, end, '#');
    if (hash != NULL)
        end = (size_t)(hash - text); /* subpath: ignored */
    const char *query = last_of(text, end, '?');
    if (query != NULL)
        end = (size_t)(query - text); /* qualifiers: ignored */
    const char *colon = memchr(text, ':', end);
    if (colon == NULL)
        return error_set(err, "no scheme (a package URL starts with \"pkg:\")");
    size_t scheme_len = (size_t)(colon - text);
    if (scheme_len != 3 || (text[0] | 0x20) != 'p' || (text[1] | 0x20) != 'k' ||
        (text[2] | 0x20) != 'g')
        return error_set(err, "the scheme is not \"pkg\"");
    size_t i = scheme_len + 1;
    while (i < end && text[i] == '/')
        i++;
    const char *slash = memchr(text + i, '/', end - i);
    size_t type_end = slash ? (size_t)(slash - text) : end;
    if (!type_is_valid(text + i, type_end - i))
        return error_set(err, "no valid type after \"pkg:\"");
    out->type = lower_dup(text + i, type_end - i);
    if (slash == NULL)
        return error_set(err, "no name after the type");

    /* What is left: NAMESPACE/NAME@VERSION. The version is cut at the last
     * '@', so an '@' inside the name must have been escaped (%40). */
    size_t rest = type_end + 1;
    const char *why = NULL;
    const char *at = last_of(text + rest, end - rest, '@');
    size_t name_end = at ? (size_t)(at - text) : end;
    if (at != NULL) {
        size_t vlen = end - name_end - 1;
        if (vlen == 0)
            why = "an empty version after '@'";
        else
            out->version = decode(at + 1, vlen, &why);
    }
    while (name_end > rest && text[name_end - 1] == '/')
        name_end--;
    const char *sep = last_of(text + rest, name_end - rest, '/');
    size_t name_start = sep ? (size_t)(sep - text) + 1 : rest;
    const char *name_why = NULL;
    if (name_end == name_start)
        name_why = "no name";
    else
        out->name = decode(text + name_start, name_end - name_start, &name_why);
    if (sep != NULL && name_why == NULL)
        out->namespace = decode_namespace(text + rest, (size_t)(sep - (text + rest)), &name_why);
    if (name_why != NULL)
        return error_set(err, "%s", name_why);
    if (why != NULL)
        return error_set(err, "%s", why);
    return 0;
}

int purl_check_pypi(const purl *p, airlock_error *err)
{
    if (p->namespace != NULL)
        return error_invalid(err, "namespace", p->namespace, strlen(p->namespace),
                             "a pypi package URL has none");
    if (p->name == NULL || !name_is_valid(p->name, strlen(p->name)))
        return error_invalid(err, "project name", p->name ? p->name : "",
                             p->name ? strlen(p->name) : 0, NULL);
    return 0;
}

void purl_clear(purl *p)
{
    free(p->type);
    free(p->namespace);
    free(p->name);
    free(p->version);
    memset(p, 0, sizeof *p);
}
