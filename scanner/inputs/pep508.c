/*
 * pep508.c - PEP 508 requirements, following packaging 23.0's hand-written
 * parser (_parser.py) token by token, so that what it rejects we reject.
 */
#include "scanner/inputs/pep508.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"

typedef struct rtok {
    const char *s;
    size_t len;
    size_t pos;
    airlock_error *err;
} rtok;

static bool is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool at_end(const rtok *t)
{
    return t->pos >= t->len;
}

static bool peek(const rtok *t, char c)
{
    return t->pos < t->len && t->s[t->pos] == c;
}

static bool consume_ws(rtok *t)
{
    size_t start = t->pos;
    while (t->pos < t->len && (t->s[t->pos] == ' ' || t->s[t->pos] == '\t'))
        t->pos++;
    return t->pos > start;
}

static int syntax(rtok *t, const char *what)
{
    return error_set(t->err, "invalid requirement: %s at column %zu", what, t->pos + 1);
}

/* IDENTIFIER: \b[a-zA-Z0-9][a-zA-Z0-9._-]*\b, with the regex's backtracking
 * for the closing \b. Returns the length, 0 if no match. */
static size_t identifier(const rtok *t)
{
    size_t p = t->pos;
    if (p >= t->len || !is_alnum((unsigned char)t->s[p]))
        return 0;
    if (p > 0 && is_word((unsigned char)t->s[p - 1]))
        return 0;
    size_t e = p + 1;
    while (e < t->len && (is_alnum((unsigned char)t->s[e]) || t->s[e] == '.' ||
                          t->s[e] == '_' || t->s[e] == '-'))
        e++;
    for (; e > p; e--) {
        bool before = is_word((unsigned char)t->s[e - 1]);
        bool after = e < t->len && is_word((unsigned char)t->s[e]);
        if (before != after)
            return e - p;
    }
    return 0;
}

/* The extent of a SPECIFIER token (operator, blanks, version), 0 if none.
 * The version's exact grammar is checked by specset_parse() afterwards. */
static size_t specifier_token(const rtok *t)
{
    const char *s = t->s + t->pos;
    size_t n = t->len - t->pos, i;
    bool arbitrary = false;
    if (n >= 3 && memcmp(s, "===", 3) == 0) {
        i = 3;
        arbitrary = true;
    } else if (n >= 2 && (memcmp(s, "~=", 2) == 0 || memcmp(s, "==", 2) == 0 ||
                          memcmp(s, "!=", 2) == 0 || memcmp(s, "<=", 2) == 0 ||
                          memcmp(s, ">=", 2) == 0)) {
        i = 2;
    } else if (n >= 1 && (s[0] == '<' || s[0] == '>')) {
        i = 1;
    } else {
        return 0;
    }
    while (i < n && is_space((unsigned char)s[i]))
        i++;
    size_t v = i;
    if (arbitrary) {
        while (i < n && !is_space((unsigned char)s[i]) && s[i] != ';' && s[i] != ')')
            i++;
        return i;
    }
    while (i < n && (is_alnum((unsigned char)s[i]) || strchr("._+!*-", s[i])))
        i++;
    return i > v ? i : 0;
}

/* packaging's URL check: file: URLs must survive urlparse/urlunparse, which
 * in practice means "file://..." in lower case; others need a scheme and a
 * network location. */
static int check_url(const char *url, airlock_error *err)
{
    size_t colon = strcspn(url, ":");
    bool has_scheme = url[colon] == ':' && colon > 0 &&
                      ((url[0] >= 'a' && url[0] <= 'z') || (url[0] >= 'A' && url[0] <= 'Z'));
    for (size_t i = 0; has_scheme && i < colon; i++)
        if (!is_alnum((unsigned char)url[i]) && !strchr("+-.", url[i]))
            has_scheme = false;
    if (has_scheme && colon == 4 && strncasecmp(url, "file", 4) == 0) {
        if (strncmp(url, "file://", 7) != 0)
            return error_set(err, "invalid requirement: invalid URL given");
        return 0;
    }
    const char *rest = has_scheme ? url + colon + 1 : url;
    bool netloc = rest[0] == '/' && rest[1] == '/' && rest[2] && !strchr("/?#", rest[2]);
    if (!has_scheme || !netloc)
        return error_set(err, "invalid requirement: invalid URL: %s", url);
    return 0;
}

static int parse_extras(rtok *t, pep508_req *r)
{
    if (!peek(t, '['))
        return 0;
    size_t open = t->pos++;
    consume_ws(t);
    size_t n = identifier(t);
    if (n) {
        for (;;) {
            r->extras = xrealloc(r->extras, (r->n_extras + 1) * sizeof *r->extras);
            r->extras[r->n_extras++] = xstrndup(t->s + t->pos, n);
            t->pos += n;
            consume_ws(t);
            if (identifier(t))
                return syntax(t, "expected comma between extra names");
            if (!peek(t, ','))
                break;
            t->pos++;
            consume_ws(t);
            n = identifier(t);
            if (!n)
                return syntax(t, "expected extra name after comma");
        }
    }
    consume_ws(t);
    if (!peek(t, ']')) {
        t->pos = open;
        return syntax(t, "expected closing ]");
    }
    t->pos++;
    return 0;
}

static int parse_marker_part(rtok *t, pep508_req *r, const char *after)
{
    if (!peek(t, ';')) {
        airlock_error *err = t->err;
        return error_set(err, "invalid requirement: expected end or semicolon (after %s) "
                         "at column %zu", after, t->pos + 1);
    }
    t->pos++;
    size_t used;
    if (marker_parse_prefix(t->s + t->pos, t->len - t->pos, &used, &r->marker, t->err) < 0)
        return -1;
    t->pos += used;
    consume_ws(t);
    return 0;
}

static int parse_specifier(rtok *t, buf *spec)
{
    size_t open = t->pos;
    bool paren = peek(t, '(');
    if (paren)
        t->pos++;
    consume_ws(t);
    size_t n;
    while ((n = specifier_token(t)) > 0) {
        buf_append(spec, t->s + t->pos, n);
        t->pos += n;
        consume_ws(t);
        if (!peek(t, ','))
            break;
        buf_putc(spec, ',');
        t->pos++;
        consume_ws(t);
        /* PEP 508 (and pip's packaging 21.3) need a specifier after a
         * comma; packaging 23.0 would accept "name>=1.0,". */
        if (specifier_token(t) == 0)
            return syntax(t, "expected a version specifier after ','");
    }
    consume_ws(t);
    if (paren) {
        if (!peek(t, ')')) {
            t->pos = open;
            return syntax(t, "expected closing )");
        }
        t->pos++;
    }
    return 0;
}

static int parse_details(rtok *t, pep508_req *r, buf *spec)
{
    if (peek(t, '@')) {
        t->pos++;
        consume_ws(t);
        size_t start = t->pos;
        while (t->pos < t->len && t->s[t->pos] != ' ' && t->s[t->pos] != '\t')
            t->pos++;
        if (t->pos == start)
            return syntax(t, "expected URL after @");
        r->url = xstrndup(t->s + start, t->pos - start);
        if (at_end(t))
            return 0;
        consume_ws(t);
        if (at_end(t))
            return 0;
        return parse_marker_part(t, r, "URL and whitespace");
    }
    if (parse_specifier(t, spec) < 0)
        return -1;
    consume_ws(t);
    if (at_end(t))
        return 0;
    return parse_marker_part(t, r, spec->len ? "version specifier"
                                             : "name and no valid version specifier");
}

int pep508_parse(const char *text, size_t len, pep508_req *out, airlock_error *err)
{
    memset(out, 0, sizeof *out);
    if (len > PEP508_MAX_TEXT)
        return error_set(err, "invalid requirement: longer than %d bytes", PEP508_MAX_TEXT);
    if (memchr(text, '\0', len))
        return error_set(err, "invalid requirement: contains a NUL byte");
    rtok t = {text, len, 0, err};
    buf spec = {0};
    consume_ws(&t);
    size_t n = identifier(&t);
    if (!n) {
        syntax(&t, "expected package name at the start of dependency specifier");
        goto fail;
    }
    out->name = xstrndup(text + t.pos, n);
    t.pos += n;
    consume_ws(&t);
    if (parse_extras(&t, out) < 0)
        goto fail;
    consume_ws(&t);
    if (parse_details(&t, out, &spec) < 0)
        goto fail;
    if (!at_end(&t)) {
        syntax(&t, "expected end of dependency specifier");
        goto fail;
    }
    if (out->url && check_url(out->url, err) < 0)
        goto fail;
    if (specset_parse(spec.data ? spec.data : "", spec.len, &out->spec, err) < 0) {
        error_prefix(err, "invalid requirement");
        goto fail;
    }
    out->spec_text = buf_detach(&spec, NULL);
    return 0;
fail:
    buf_free(&spec);
    pep508_clear(out);
    return -1;
}

void pep508_clear(pep508_req *r)
{
    free(r->name);
    for (size_t i = 0; i < r->n_extras; i++)
        free(r->extras[i]);
    free(r->extras);
    free(r->spec_text);
    specset_free(r->spec);
    free(r->url);
    marker_free(r->marker);
    memset(r, 0, sizeof *r);
}
