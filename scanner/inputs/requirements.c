/*
 * requirements.c - reading pip requirement files, step by step as pip
 * (23.0 to 25.x) does: decode, splitlines, join continuations, strip
 * comments, expand ${VAR}, split requirement from options
 * (break_args_options), shlex + optparse the options, recurse into -r/-c,
 * then classify each requirement as parse_req_from_line()/parse_editable()
 * do. requirements_resolve.c turns the lines into dependencies.
 */
#include "scanner/inputs/requirements.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "core/percent.h"

/* ---- text helpers ---- */

/* Length of a Python str.isspace() character at s[i] (UTF-8), 0 if none. */
static size_t pyspace(const unsigned char *s, size_t i, size_t n)
{
    unsigned char c = s[i];
    if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f))
        return 1;
    if (c == 0xc2 && i + 1 < n && (s[i + 1] == 0x85 || s[i + 1] == 0xa0))
        return 2;
    if (i + 2 >= n)
        return 0;
    if (c == 0xe1 && s[i + 1] == 0x9a && s[i + 2] == 0x80)
        return 3;
    if (c == 0xe2 && s[i + 1] == 0x80 &&
        (s[i + 2] <= 0x8a || s[i + 2] == 0xa8 || s[i + 2] == 0xa9 || s[i + 2] == 0xaf))
        return 3;
    if (c == 0xe2 && s[i + 1] == 0x81 && s[i + 2] == 0x9f)
        return 3;
    if (c == 0xe3 && s[i + 1] == 0x80 && s[i + 2] == 0x80)
        return 3;
    return 0;
}

/* str.strip() on [*start, *end). */
static void pystrip(const char *s, size_t *start, size_t *end)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t k;
    while (*start < *end && (k = pyspace(u, *start, *end)) > 0)
        *start += k;
    size_t last = *start; /* end of the last non-space character */
    for (size_t i = *start; i < *end;) {
        k = pyspace(u, i, *end);
        if (k) {
            i += k;
        } else {
            i++;
            while (i < *end && (u[i] & 0xc0) == 0x80)
                i++;
            last = i;
        }
    }
    *end = last;
}

/* Length of a str.splitlines() line break at s[i], 0 if none. */
static size_t line_break(const unsigned char *s, size_t i, size_t n)
{
    unsigned char c = s[i];
    if (c == '\r')
        return (i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
    if (c == '\n' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1e))
        return 1;
    if (c == 0xc2 && i + 1 < n && s[i + 1] == 0x85)
        return 2;
    if (c == 0xe2 && i + 2 < n && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9))
        return 3;
    return 0;
}

/* Offset of the first invalid UTF-8 sequence, or n if valid. */
static size_t utf8_invalid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t k;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            k = 1, cp = c & 0x1fu;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2, cp = c & 0x0fu;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3, cp = c & 0x07u;
        } else {
            return i;
        }
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + j] & 0x3fu);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return i;
        i += k + 1;
    }
    return n;
}

static unsigned line_of(const unsigned char *s, size_t off)
{
    unsigned line = 1;
    for (size_t i = 0; i < off;) {
        size_t k = line_break(s, i, off);
        if (k) {
            line++;
            i += k;
        } else {
            i++;
        }
    }
    return line;
}

/* ---- decoding (pip's auto_decode with a UTF-8 locale) ---- */

static void put_utf8(buf *b, unsigned cp)
{
    if (cp < 0x80) {
        buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        buf_putc(b, (char)(0xc0 | (cp >> 6)));
        buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        buf_putc(b, (char)(0xe0 | (cp >> 12)));
        buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else {
        buf_putc(b, (char)(0xf0 | (cp >> 18)));
        buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
        buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    }
}

/* UTF-16 (without its BOM) to UTF-8; -1 on an odd length or a lone
 * surrogate, which Python's decoder rejects too. */
static int utf16_to_utf8(const unsigned char *s, size_t n, bool big_endian, buf *out)
{
    if (n % 2)
        return -1;
    buf_reserve(out, n);
    for (size_t i = 0; i < n; i += 2) {
        unsigned u = big_endian ? (unsigned)(s[i] << 8 | s[i + 1]) : (unsigned)(s[i + 1] << 8 | s[i]);
        if (u >= 0xd800 && u <= 0xdbff) {
            if (i + 3 >= n)
                return -1;
            unsigned l = big_endian ? (unsigned)(s[i + 2] << 8 | s[i + 3])
                                    : (unsigned)(s[i + 3] << 8 | s[i + 2]);
            if (l < 0xdc00 || l > 0xdfff)
                return -1;
            u = 0x10000 + ((u - 0xd800) << 10) + (l - 0xdc00);
            i += 2;
        } else if (u >= 0xdc00 && u <= 0xdfff) {
            return -1;
        }
        put_utf8(out, u);
    }
    return 0;
}

static bool coding_is(const char *name, size_t n, const char *const *names)
{
    for (; *names; names++)
        if (strlen(*names) == n && strncasecmp(name, *names, n) == 0)
            return true;
    return false;
}

/* Turn the file's bytes into UTF-8 text (in place or replaced). A UTF-8 BOM
 * is dropped; a `coding:` line in the first two lines may name UTF-8, ASCII
 * or Latin-1; anything else pip would decode differently is an error. */
static int decode(const char *path, char **data, size_t *len, airlock_error *err)
{
    unsigned char *s = (unsigned char *)*data;
    size_t n = *len;
    if (n >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
        memmove(s, s + 3, n - 3);
        n -= 3;
        s[n] = '\0';
        *len = n;
    } else if (n >= 2 && ((s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff))) {
        /* FF FE is UTF-16 LE, FE FF UTF-16 BE. FF FE 00 00 (UTF-32 LE for
         * pip 25, UTF-16 with a NUL first for pip 23) meets the NUL check. */
        bool big_endian = s[0] == 0xfe;
        size_t bom = 2;
        /* After FF FE pip decodes with Python's "utf-16" codec, which takes
         * a second BOM as the byte order and drops it; after FE FF it uses
         * "utf-16-be", which keeps one as U+FEFF (and the line fails). */
        if (!big_endian && n >= 4 && s[2] == 0xff && s[3] == 0xfe) {
            bom = 4;
        } else if (!big_endian && n >= 4 && s[2] == 0xfe && s[3] == 0xff) {
            bom = 4;
            big_endian = true;
        }
        buf b = {0};
        if (utf16_to_utf8(s + bom, n - bom, big_endian, &b) < 0) {
            buf_free(&b);
            return error_set(err, "%s: invalid UTF-16", path);
        }
        free(*data);
        *data = buf_detach(&b, len);
        s = (unsigned char *)*data;
        n = *len;
    } else if (n >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0xfe && s[3] == 0xff) {
        return error_set(err, "%s: UTF-32 requirement files are not supported", path);
    } else {
        /* PEP 263 declaration in one of the first two lines (split on \n). */
        size_t start = 0;
        for (int l = 0; l < 2 && start <= n; l++) {
            const unsigned char *nl = memchr(s + start, '\n', n - start);
            size_t end = nl ? (size_t)(nl - s) : n;
            if (end > start && s[start] == '#') {
                for (size_t i = start; i + 7 <= end; i++) {
                    if (memcmp(s + i, "coding", 6) != 0 || (s[i + 6] != ':' && s[i + 6] != '='))
                        continue;
                    /* pip's ENCODING_RE: `\s*` is every ASCII blank of a
                     * bytes pattern. \r, \f and \v break lines only later
                     * (splitlines), so "coding:\vutf-8 ... coding: latin-1"
                     * names utf-8 for pip, not latin-1. */
                    size_t j = i + 7;
                    while (j < end && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' ||
                                       s[j] == '\f' || s[j] == '\v'))
                        j++;
                    size_t k = j;
                    while (k < end && (s[k] == '-' || s[k] == '.' || s[k] == '_' ||
                                       (s[k] >= '0' && s[k] <= '9') ||
                                       ((s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'z')))
                        k++;
                    if (k == j)
                        continue;
                    static const char *const utf8[] = {"utf-8", "utf8", "utf_8", "ascii",
                                                       "us-ascii", NULL};
                    static const char *const latin1[] = {"latin-1", "latin1", "latin_1",
                                                         "iso-8859-1", "iso8859-1",
                                                         "iso_8859_1", "l1", NULL};
                    const char *name = (const char *)s + j;
                    if (coding_is(name, k - j, utf8))
                        goto check;
                    if (coding_is(name, k - j, latin1)) {
                        buf b = {0};
                        for (size_t x = 0; x < n; x++) {
                            if (s[x] < 0x80) {
                                buf_putc(&b, (char)s[x]);
                            } else {
                                buf_putc(&b, (char)(0xc0 | (s[x] >> 6)));
                                buf_putc(&b, (char)(0x80 | (s[x] & 0x3f)));
                            }
                        }
                        free(*data);
                        *data = buf_detach(&b, len);
                        s = (unsigned char *)*data;
                        n = *len;
                        goto check; /* a NUL is no more readable in Latin-1 */
                    }
                    return error_set(err, "%s: unsupported encoding '%.*s'", path,
                                     (int)(k - j), name);
                }
            }
            if (!nl)
                break;
            start = end + 1;
        }
    }
check:;
    /* A NUL would cut the C strings the lines become; pip rejects the line
     * it is in (and stops there). */
    const unsigned char *nul = memchr(s, '\0', n);
    if (nul)
        return error_set(err, "%s:%u: contains a NUL character", path, line_of(s, (size_t)(nul - s)));
    size_t bad = utf8_invalid(s, n);
    if (bad < n)
        return error_set(err, "%s:%u: not valid UTF-8 (byte 0x%02x at offset %zu)", path,
                         line_of(s, bad), s[bad], bad);
    return 0;
}

/* ---- logical lines (join_lines, ignore_comments, expand_env_variables) ---- */

typedef struct lline {
    unsigned line;
    char *text;
} lline;

typedef struct llines {
    lline *items;
    size_t len, cap;
} llines;

static void llines_push(llines *l, unsigned line, char *text)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->len].line = line;
    l->items[l->len].text = text;
    l->len++;
}

static void llines_free(llines *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i].text);
    free(l->items);
}

/* COMMENT_RE.match(): '#' at the start or after leading whitespace. */
static bool is_comment_line(const char *s, size_t n)
{
    size_t i = 0, k;
    while (i < n && (k = pyspace((const unsigned char *)s, i, n)) > 0)
        i += k;
    return i < n && s[i] == '#';
}

/* ignore_comments() then expand_env_variables() on one joined line; pushes
 * it unless it ends up empty. */
static void finish_line(llines *out, unsigned line, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    /* COMMENT_RE.sub: from the first '#' at 0 or after whitespace. */
    for (size_t i = 0; i < n;) {
        if (s[i] == '#' && i == 0) {
            n = 0;
            break;
        }
        size_t k = pyspace(u, i, n);
        if (k) {
            size_t j = i;
            while (j < n && (k = pyspace(u, j, n)) > 0)
                j += k;
            if (j < n && s[j] == '#') {
                n = i;
                break;
            }
            i = j;
        } else {
            i++;
        }
    }
    size_t a = 0, b = n;
    pystrip(s, &a, &b);
    if (a == b)
        return;
    if (b - a > REQ_MAX_LINE) {
        llines_push(out, line, NULL); /* reported as too long */
        return;
    }
    buf out_text = {0};
    for (size_t i = a; i < b;) {
        if (s[i] == '$' && i + 1 < b && s[i + 1] == '{') {
            size_t j = i + 2;
            while (j < b && ((s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= '0' && s[j] <= '9') ||
                             s[j] == '_'))
                j++;
            if (j > i + 2 && j < b && s[j] == '}') {
                char *name = xstrndup(s + i + 2, j - i - 2);
                const char *value = getenv(name); /* pip: os.getenv */
                free(name);
                if (value && *value) {
                    if (out_text.len + strlen(value) > REQ_MAX_LINE) {
                        buf_free(&out_text);
                        llines_push(out, line, NULL);
                        return;
                    }
                    buf_puts(&out_text, value);
                    i = j + 1;
                    continue;
                }
            }
        }
        /* copy up to the next '$' in one go */
        const char *dollar = memchr(s + i + 1, '$', b - i - 1);
        size_t next = dollar ? (size_t)(dollar - s) : b;
        buf_append(&out_text, s + i, next - i);
        i = next;
    }
    llines_push(out, line, buf_detach(&out_text, NULL));
}

static void logical_lines(const char *s, size_t n, llines *out)
{
    const unsigned char *u = (const unsigned char *)s;
    /* A joined line is never longer than the file (REQ_MAX_FILE_SIZE), so
     * it is bounded; REQ_MAX_LINE applies once comments are gone, in
     * finish_line(), as a comment is no part of what pip reads. */
    buf joined = {0};
    bool joining = false;
    unsigned primary = 0, line = 0;
    size_t i = 0;
    while (i < n) {
        size_t start = i, k = 0;
        while (i < n && (k = line_break(u, i, n)) == 0)
            i++;
        size_t end = i;
        i += k; /* k == 0 only at the end */
        line++;
        const char *l = s + start;
        size_t ln = end - start;
        bool comment = is_comment_line(l, ln);
        if (ln == 0 || l[ln - 1] != '\\' || comment) {
            if (joining) {
                if (comment)
                    buf_putc(&joined, ' ');
                buf_append(&joined, l, ln);
                finish_line(out, primary, joined.data, joined.len);
                buf_reset(&joined);
                joining = false;
            } else {
                finish_line(out, line, l, ln);
            }
        } else {
            if (!joining) {
                primary = line;
                joining = true;
            }
            /* line.strip("\\"): every backslash at either end. */
            size_t a = 0, b = ln;
            while (a < b && l[a] == '\\')
                a++;
            while (b > a && l[b - 1] == '\\')
                b--;
            buf_append(&joined, l + a, b - a);
        }
    }
    if (joining)
        finish_line(out, primary, joined.data, joined.len);
    buf_free(&joined);
}

/* ---- options (shlex.split + pip's optparse parser) ---- */

/* shlex.split(s) in POSIX mode. Returns -1 on an unclosed quote or a
 * trailing backslash, as shlex raises. */
static int shlex_split(const char *s, char ***argv, size_t *argc)
{
    *argv = NULL;
    *argc = 0;
    size_t i = 0, n = strlen(s);
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            i++;
        if (i >= n)
            return 0;
        buf w = {0};
        while (i < n && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) {
            char c = s[i++];
            if (c == '\\') {
                if (i >= n)
                    goto fail;
                buf_putc(&w, s[i++]);
            } else if (c == '\'') {
                while (i < n && s[i] != '\'')
                    buf_putc(&w, s[i++]);
                if (i >= n)
                    goto fail;
                i++;
            } else if (c == '"') {
                while (i < n && s[i] != '"') {
                    if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\'))
                        i++;
                    buf_putc(&w, s[i++]);
                }
                if (i >= n)
                    goto fail;
                i++;
            } else {
                buf_putc(&w, c);
            }
        }
        *argv = xrealloc(*argv, (*argc + 1) * sizeof **argv);
        (*argv)[(*argc)++] = buf_detach(&w, NULL);
        continue;
    fail:
        buf_free(&w);
        for (size_t j = 0; j < *argc; j++)
            free((*argv)[j]);
        free(*argv);
        *argv = NULL;
        *argc = 0;
        return -1;
    }
}

enum opt_dest {
    O_IGNORED, O_REQUIREMENT, O_CONSTRAINT, O_EDITABLE, O_HASH, O_BINARY, O_FEATURE,
    O_CONFIG
};

/* Current pip's options (SUPPORTED_OPTIONS + SUPPORTED_OPTIONS_REQ of
 * req_file.py, pip 23.1 to 25.x): --install-option went in 23.1, and
 * -C/--config-settings came. The table decides which abbreviations are
 * unique (`--in` is --index-url), so it must be exactly pip's. */
static const struct opt {
    const char *name;  /* "--long" or "-x" */
    bool takes_value;
    enum opt_dest dest;
} opts[] = {
    {"-i", true, O_IGNORED},          {"--index-url", true, O_IGNORED},
    {"--pypi-url", true, O_IGNORED},  {"--extra-index-url", true, O_IGNORED},
    {"--no-index", false, O_IGNORED}, {"-c", true, O_CONSTRAINT},
    {"--constraint", true, O_CONSTRAINT}, {"-r", true, O_REQUIREMENT},
    {"--requirement", true, O_REQUIREMENT}, {"-e", true, O_EDITABLE},
    {"--editable", true, O_EDITABLE}, {"-f", true, O_IGNORED},
    {"--find-links", true, O_IGNORED}, {"--no-binary", true, O_BINARY},
    {"--only-binary", true, O_BINARY}, {"--prefer-binary", false, O_IGNORED},
    {"--require-hashes", false, O_IGNORED}, {"--pre", false, O_IGNORED},
    {"--trusted-host", true, O_IGNORED}, {"--use-feature", true, O_FEATURE},
    {"--global-option", true, O_IGNORED}, {"--hash", true, O_HASH},
    {"-C", true, O_CONFIG},           {"--config-settings", true, O_CONFIG},
};

typedef struct line_opts {
    char *requirement;  /* first -r */
    char *constraint;   /* first -c */
    char *editable;     /* first -e */
    buf hashes;         /* every --hash value, space-separated */
} line_opts;

static void line_opts_clear(line_opts *o)
{
    free(o->requirement);
    free(o->constraint);
    free(o->editable);
    buf_free(&o->hashes);
    memset(o, 0, sizeof *o);
}

/* optparse's long-option lookup: an exact name, else a unique prefix. */
static const struct opt *find_long(const char *s, size_t n)
{
    const struct opt *hit = NULL;
    size_t hits = 0;
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++) {
        if (opts[i].name[1] != '-')
            continue;
        if (strlen(opts[i].name) == n && strncmp(opts[i].name, s, n) == 0)
            return &opts[i];
        if (strncmp(opts[i].name, s, n) == 0) {
            hit = &opts[i];
            hits++;
        }
    }
    return hits == 1 ? hit : NULL;
}

static const struct opt *find_short(char c)
{
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++)
        if (opts[i].name[1] == c && opts[i].name[2] == '\0')
            return &opts[i];
    return NULL;
}

static int apply_opt(const struct opt *o, const char *value, line_opts *out, airlock_error *err)
{
    switch (o->dest) {
    case O_REQUIREMENT:
        if (!out->requirement)
            out->requirement = xstrdup(value);
        break;
    case O_CONSTRAINT:
        if (!out->constraint)
            out->constraint = xstrdup(value);
        break;
    case O_EDITABLE:
        if (!out->editable)
            out->editable = xstrdup(value);
        break;
    case O_HASH: {
        const char *colon = strchr(value, ':');
        if (!colon)
            return error_set(err, "arguments to %s must be a hash name followed by a "
                             "value, like --hash=sha256:abcde...", o->name);
        size_t an = (size_t)(colon - value);
        if (!((an == 6 && (strncmp(value, "sha256", 6) == 0 || strncmp(value, "sha384", 6) == 0 ||
                           strncmp(value, "sha512", 6) == 0))))
            return error_set(err, "allowed hash algorithms for %s are sha256, sha384, sha512",
                             o->name);
        buf_printf(&out->hashes, "%s%s", out->hashes.len ? " " : "", value);
        break;
    }
    case O_BINARY:
        if (value[0] == '-')
            return error_set(err, "--no-binary / --only-binary option requires 1 argument");
        break;
    case O_FEATURE: {
        /* Every choice of pip 23.0 to 25.x: one that some release takes
         * must not cost the line. */
        static const char *const features[] = {
            "fast-deps", "truststore", "no-binary-enable-wheel-cache",
            "build-constraint", "inprocess-build-deps", NULL};
        size_t i = 0;
        while (features[i] && strcmp(value, features[i]) != 0)
            i++;
        if (!features[i])
            return error_set(err, "option --use-feature: invalid choice: '%s'", value);
        break;
    }
    case O_CONFIG:
        if (!strchr(value, '='))
            return error_set(err, "arguments to %s must be of the form KEY=VAL", o->name);
        break;
    case O_IGNORED:
        break;
    }
    return 0;
}

static int parse_options(const char *text, line_opts *out, airlock_error *err)
{
    char **argv;
    size_t argc;
    if (shlex_split(text, &argv, &argc) < 0)
        return error_set(err, "could not split options: %s", text);
    int rc = 0;
    for (size_t i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            break;
        if (a[0] == '-' && a[1] == '-') {
            const char *eq = strchr(a, '=');
            size_t n = eq ? (size_t)(eq - a) : strlen(a);
            const struct opt *o = find_long(a, n);
            if (!o) {
                rc = error_set(err, "no such option (or an ambiguous one): %.*s", (int)n, a);
            } else if (!o->takes_value) {
                if (eq)
                    rc = error_set(err, "%s option does not take a value", o->name);
            } else if (eq) {
                rc = apply_opt(o, eq + 1, out, err);
            } else if (i + 1 < argc) {
                rc = apply_opt(o, argv[++i], out, err);
            } else {
                rc = error_set(err, "%s option requires 1 argument", o->name);
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            /* Short options; all of ours take a value (rest of the word or
             * the next word). */
            const struct opt *o = find_short(a[1]);
            if (!o)
                rc = error_set(err, "no such option: -%c", a[1]);
            else if (a[2])
                rc = apply_opt(o, a + 2, out, err);
            else if (i + 1 < argc)
                rc = apply_opt(o, argv[++i], out, err);
            else
                rc = error_set(err, "%s option requires 1 argument", o->name);
        }
        /* else: a positional argument, ignored by pip */
    }
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    return rc;
}

/* ---- classification (parse_req_from_line, parse_editable) ---- */

static const char *const vcs_schemes[] = {
    "bzr+http", "bzr+https", "bzr+ssh", "bzr+sftp", "bzr+ftp", "bzr+lp", "bzr+file",
    "git+http", "git+https", "git+ssh", "git+git", "git+file", "hg+file", "hg+http",
    "hg+https", "hg+ssh", "hg+static-http", "svn+ssh", "svn+http", "svn+https", "svn+svn",
    "svn+file", NULL,
};

static bool scheme_is(const char *s, const char *const *list)
{
    const char *colon = strchr(s, ':');
    if (!colon)
        return false;
    size_t n = (size_t)(colon - s);
    for (; *list; list++)
        if (strlen(*list) == n && strncasecmp(s, *list, n) == 0)
            return true;
    return false;
}

/* pip's is_url(): http, https, file, ftp or a VCS scheme. */
static bool is_url(const char *s)
{
    static const char *const plain[] = {"http", "https", "file", "ftp", NULL};
    return scheme_is(s, plain) || scheme_is(s, vcs_schemes);
}

static bool looks_like_path(const char *s)
{
    return strchr(s, '/') != NULL || s[0] == '.';
}

static bool is_archive(const char *s)
{
    static const char *const ext[] = {".zip", ".whl", ".tar.bz2", ".tbz", ".tar.gz", ".tgz",
                                      ".tar", ".tar.xz", ".txz", ".tlz", ".tar.lz",
                                      ".tar.lzma", NULL};
    size_t n = strlen(s);
    for (size_t i = 0; ext[i]; i++) {
        size_t e = strlen(ext[i]);
        if (n >= e && strcasecmp(s + n - e, ext[i]) == 0)
            return true;
    }
    return false;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* _strip_extras(): "path[extras]" -> "path". */
static char *strip_extras(const char *s)
{
    size_t n = strlen(s);
    if (n >= 3 && s[n - 1] == ']') {
        const char *open = strrchr(s, '[');
        if (open && open > s && open[1] != ']' && !memchr(open + 1, ']', (size_t)(s + n - 1 - open - 1)))
            return xstrndup(s, (size_t)(open - s));
    }
    return xstrdup(s);
}

/* Link.egg_fragment: the first "[#&]egg=([^&]*)". */
static char *egg_fragment(const char *url)
{
    for (const char *p = url; (p = strstr(p, "egg=")) != NULL; p++) {
        if (p == url || (p[-1] != '#' && p[-1] != '&'))
            continue;
        const char *v = p + 4;
        return xstrndup(v, strcspn(v, "&"));
    }
    return NULL;
}

/* A wheel link's "name==version" (pip's Wheel(filename)), or NULL. */
static char *wheel_requirement(const char *link)
{
    size_t end = strcspn(link, "?#");
    const char *base = link;
    for (size_t i = 0; i < end; i++)
        if (link[i] == '/')
            base = link + i + 1;
    size_t n = (size_t)(link + end - base);
    if (n < 5 || strncasecmp(base + n - 4, ".whl", 4) != 0)
        return NULL;
    size_t stem = n - 4, dashes = 0, first = 0, second = 0;
    for (size_t i = 0; i < stem; i++) {
        if (base[i] == ' ' || base[i] == '\t')
            return NULL;
        if (base[i] == '-') {
            dashes++;
            if (dashes == 1)
                first = i;
            else if (dashes == 2)
                second = i;
        }
    }
    if (dashes != 4 && dashes != 5)
        return NULL;
    if (first == 0)
        return NULL;
    buf b = {0};
    for (size_t i = 0; i < first; i++)
        buf_putc(&b, base[i] == '_' ? '-' : base[i]);
    buf_puts(&b, "==");
    for (size_t i = first + 1; i < second; i++)
        buf_putc(&b, base[i] == '_' ? '-' : base[i]);
    return buf_detach(&b, NULL);
}

/* Link.filename is the unquoted last path segment ("%2B" is '+'). */
static char *wheel_requirement_unquoted(const char *link)
{
    char *unquoted = percent_decode(link);
    char *r = wheel_requirement(unquoted);
    free(unquoted);
    return r;
}

/* pip's is_installable_dir(): a setup.py or pyproject.toml inside. */
static bool installable_dir(const char *dir)
{
    static const char *const files[] = {"/setup.py", "/pyproject.toml"};
    for (size_t i = 0; i < 2; i++) {
        buf b = {0};
        buf_puts(&b, dir);
        buf_puts(&b, files[i]);
        bool ok = is_file(b.data);
        buf_free(&b);
        if (ok)
            return true;
    }
    return false;
}

static int parse_named(const char *text, pep508_req *req, airlock_error *err)
{
    return pep508_parse(text, strlen(text), req, err);
}

/* Fill `rl` from a requirement line's text as parse_req_from_line() does. */
static int classify_line(req_line *rl, airlock_error *err)
{
    const char *text = rl->text;
    bool url = is_url(text);
    const char *sep = strstr(text, url ? "; " : ";");
    char *name;
    if (sep) {
        name = xstrndup(text, (size_t)(sep - text));
        const char *m = sep + (url ? 2 : 1);
        size_t a = 0, b = strlen(m);
        pystrip(m, &a, &b);
        /* pip's vendored packaging (21.3) rejects text after the marker,
         * which packaging 23.0's Marker() would ignore: reject it. */
        size_t used = 0;
        if (a < b && marker_parse_prefix(m + a, b - a, &used, &rl->marker, err) < 0) {
            free(name);
            return -1;
        }
        if (a < b && used != b - a) {
            free(name);
            return error_set(err, "invalid marker: unexpected text at column %zu",
                             used + 1);
        }
    } else {
        name = xstrdup(text);
    }
    size_t a = 0, b = strlen(name);
    pystrip(name, &a, &b);
    memmove(name, name + a, b - a);
    name[b - a] = '\0';

    char *req_text = NULL;
    if (url) {
        rl->form = REQ_URL;
        rl->link = xstrdup(name);
    } else {
        char *p = strip_extras(name);
        bool path = false;
        if (looks_like_path(name) && is_dir(p)) {
            if (!installable_dir(p)) {
                free(p);
                error_set(err, "directory '%s' is not installable: neither setup.py nor "
                          "pyproject.toml found", name);
                free(name);
                return -1;
            }
            path = true;
        } else if (is_archive(p)) {
            const char *at = strchr(name, '@');
            path = true;
            if (!is_file(p) && at) {
                char *before = xstrndup(name, (size_t)(at - name));
                if (!looks_like_path(before))
                    path = false;
                free(before);
            }
        }
        free(p);
        if (path) {
            rl->form = REQ_PATH;
            rl->link = xstrdup(name);
        }
    }
    if (rl->link) {
        req_text = wheel_requirement_unquoted(rl->link);
        if (!req_text)
            req_text = egg_fragment(rl->link);
    } else {
        rl->form = REQ_NAMED;
        req_text = name;
        name = NULL;
    }
    free(name);
    if (req_text) {
        int rc = parse_named(req_text, &rl->req, err);
        free(req_text);
        if (rc < 0)
            return -1;
        rl->has_req = true;
        if (rl->req.url && rl->form == REQ_NAMED) {
            rl->form = REQ_URL;
            rl->link = xstrdup(rl->req.url);
        }
        if (!rl->marker && rl->req.marker) {
            rl->marker = rl->req.marker;
            rl->req.marker = NULL;
        }
    }
    return 0;
}

/* parse_editable(): a local directory or a VCS URL with #egg=. */
static int classify_editable(req_line *rl, airlock_error *err)
{
    rl->form = REQ_EDITABLE;
    char *p = strip_extras(rl->text);
    bool local = is_dir(p) || strncasecmp(p, "file:", 5) == 0;
    rl->link = xstrdup(rl->text);
    char *egg = NULL;
    if (local) {
        if (strncasecmp(p, "file:", 5) == 0)
            egg = egg_fragment(p);
    } else {
        static const char *const bare[] = {"git", "hg", "svn", "bzr", NULL};
        bool vcs = scheme_is(rl->text, vcs_schemes) || scheme_is(rl->text, bare);
        if (!vcs) {
            free(p);
            return error_set(err, "%s is not a valid editable requirement: it should be a "
                             "path to a local project or a VCS URL", rl->text);
        }
        egg = egg_fragment(rl->text);
        if (!egg) {
            free(p);
            return error_set(err, "could not detect requirement name for '%s', please "
                             "specify one with #egg=your_package_name", rl->text);
        }
    }
    free(p);
    if (egg) {
        int rc = parse_named(egg, &rl->req, err);
        free(egg);
        if (rc < 0)
            return -1;
        rl->has_req = true;
    }
    return 0;
}

/* ---- files and includes ---- */

typedef struct open_file {
    dev_t dev;
    ino_t ino;
    const char *path;
} open_file;

typedef struct reader {
    req_lines *out;
    diag *d;
    airlock_error *err;
    open_file stack[REQ_MAX_DEPTH + 1];
    size_t depth;
    size_t files;
    size_t bytes;       /* read in all, against REQ_MAX_TOTAL_SIZE */
    size_t first_line;  /* out->len when reading began (REQ_MAX_LINES) */
    req_file_fn *on_file; /* may be NULL */
    void *on_file_arg;
    char *within;       /* resolved directory includes must stay in, or NULL */
} reader;

/* Whether `path` resolves to a file inside rd->within. A requirement file
 * found by a directory search comes from a tree its author controls:
 * `-r /etc/shadow` in it must not make the scan read that file, quote its
 * lines in warnings and copy it into an evidence bundle. */
static bool include_allowed(const reader *rd, const char *path)
{
    if (rd->within == NULL)
        return true;
    char *real = realpath(path, NULL);
    if (real == NULL)
        return true; /* unreadable: read_file() says so */
    size_t n = strlen(rd->within);
    bool inside = strncmp(real, rd->within, n) == 0 &&
                  (real[n] == '/' || (n == 1 && rd->within[0] == '/'));
    free(real);
    return inside;
}

static bool is_remote(const char *s)
{
    static const char *const remote[] = {"http", "https", "file", NULL};
    return scheme_is(s, remote);
}

static req_line *push_line(req_lines *l)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    req_line *r = &l->items[l->len++];
    memset(r, 0, sizeof *r);
    return r;
}

static void req_line_clear(req_line *r)
{
    free(r->file);
    free(r->text);
    pep508_clear(&r->req);
    free(r->link);
    marker_free(r->marker);
    free(r->invalid);
    free(r->invalid_name);
    free(r->hashes);
    memset(r, 0, sizeof *r);
}

/* The project name a line pip could not read starts with, if it plainly
 * starts with one: a PEP 508 name followed by nothing, or by blanks and
 * what may follow a name ([ ( < > = ! ~ ; @). "this is not a requirement"
 * names nothing. Owned, or NULL. */
static bool ascii_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static char *name_of_unreadable(const char *s, size_t n)
{
    size_t end = 0;
    while (end < n && (ascii_alnum(s[end]) || s[end] == '.' || s[end] == '_' || s[end] == '-'))
        end++;
    if (end == 0 || !ascii_alnum(s[0]) || !ascii_alnum(s[end - 1]))
        return NULL;
    size_t i = end;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i < n && !strchr("[(<>=!~;@", s[i]))
        return NULL;
    return xstrndup(s, end);
}

/* A line that could not be read: a warning through diag, and a req_line
 * that keeps the file, line, text and why (with the name, if one can be
 * made out), so that the line is reported rather than lost. `text` is the
 * requirement part of the line (may be empty). */
static void unreadable_line(reader *rd, const char *path, bool constraint, unsigned line,
                            const char *text, size_t len, char *why)
{
    diag_warn(rd->d, path, line, "%s", why);
    req_line *rl = push_line(rd->out);
    rl->file = xstrdup(path);
    rl->line = line;
    rl->constraint = constraint;
    rl->text = xstrndup(text, len);
    rl->invalid = why;
    rl->invalid_name = name_of_unreadable(text, len);
}

static int read_file(reader *rd, const char *path, bool constraint, const char *from,
                     unsigned from_line);

/* A warning quotes at most this many bytes of a line, so that the reason
 * after it always fits in the warning (core/diag.h bounds its length). */
#define QUOTE_MAX 200

/* How many bytes of `s` a warning quotes: all of it, or QUOTE_MAX cut back
 * to the start of a UTF-8 character. */
static int quote_len(const char *s)
{
    size_t n = strlen(s);
    if (n <= QUOTE_MAX)
        return (int)n;
    n = QUOTE_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

/* One logical line of `path`. Returns -1 only for fatal errors. */
static int handle_line(reader *rd, const char *path, bool constraint, const lline *ll)
{
    const char *s = ll->text;
    /* break_args_options(): args end before the first word starting '-'. */
    size_t opt_at = strlen(s);
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '-' && (i == 0 || s[i - 1] == ' ')) {
            opt_at = i;
            break;
        }
    }
    size_t args_len = opt_at == 0 ? 0 : (s[opt_at] ? opt_at - 1 : opt_at);
    line_opts o = {0};
    airlock_error e;
    buf why = {0};
    if (s[opt_at] && parse_options(s + opt_at, &o, &e) < 0) {
        buf_printf(&why, "invalid requirement line: %s", e.msg);
        unreadable_line(rd, path, constraint, ll->line, s, args_len, buf_detach(&why, NULL));
        line_opts_clear(&o);
        return 0;
    }
    if (args_len > 0 || o.editable) {
        req_line *rl = push_line(rd->out);
        rl->file = xstrdup(path);
        rl->line = ll->line;
        rl->constraint = constraint;
        if (o.hashes.len > 0)
            rl->hashes = buf_detach(&o.hashes, NULL);
        int rc;
        if (args_len > 0) {
            rl->text = xstrndup(s, args_len);
            rc = classify_line(rl, &e);
        } else {
            rl->text = xstrdup(o.editable);
            rc = classify_editable(rl, &e);
        }
        if (rc < 0) {
            int q = quote_len(rl->text);
            buf_printf(&why, "invalid requirement '%.*s%s': %s", q, rl->text,
                       rl->text[q] != '\0' ? "..." : "", e.msg);
            req_line_clear(rl);
            rd->out->len--;
            unreadable_line(rd, path, constraint, ll->line, s, args_len,
                            buf_detach(&why, NULL));
        }
        line_opts_clear(&o);
        return 0;
    }
    const char *inc = o.requirement ? o.requirement : o.constraint;
    int rc = 0;
    if (inc) {
        bool nested_constraint = o.requirement == NULL;
        if (is_remote(path) || is_remote(inc)) {
            rc = error_set(rd->err, "%s:%u: cannot read remote requirement file '%s' "
                           "(Airlock reads local files only)", path, ll->line, inc);
        } else {
            buf p = {0};
            const char *slash = strrchr(path, '/');
            if (inc[0] != '/' && slash) {
                buf_append(&p, path, (size_t)(slash - path) + 1);
            }
            buf_puts(&p, inc);
            rc = read_file(rd, p.data, nested_constraint, path, ll->line);
            buf_free(&p);
        }
    }
    line_opts_clear(&o);
    return rc;
}

static int read_file(reader *rd, const char *path, bool constraint, const char *from,
                     unsigned from_line)
{
    airlock_error e;
    char *data = NULL;
    size_t len = 0;
    struct stat st;
    if (rd->depth > REQ_MAX_DEPTH)
        return error_set(rd->err, "%s:%u: requirement files nested deeper than %d", from,
                         from_line, REQ_MAX_DEPTH);
    if (++rd->files > REQ_MAX_FILES)
        return error_set(rd->err, "%s:%u: more than %d requirement file reads", from,
                         from_line, REQ_MAX_FILES);
    if (from != NULL && !include_allowed(rd, path)) {
        diag_warn(rd->d, from, from_line, "includes %s, out of the directory searched: not "
                  "read (name it with -r to read it)", path);
        return 0;
    }
    if (stat(path, &st) < 0) {
        error_errno(&e, errno, "%s", path);
        goto unreadable;
    }
    if (!S_ISREG(st.st_mode)) { /* a FIFO or /dev/stdin would block */
        error_set(&e, "%s: not a regular file", path);
        goto unreadable;
    }
    if (file_read_all(path, REQ_MAX_FILE_SIZE, &data, &len, &e) < 0)
        goto unreadable;
    rd->bytes += len;
    if (rd->bytes > REQ_MAX_TOTAL_SIZE) {
        free(data);
        if (from)
            return error_set(rd->err, "%s:%u: requirement files larger than %u MiB in all",
                             from, from_line, REQ_MAX_TOTAL_SIZE >> 20);
        return error_set(rd->err, "%s: larger than %u MiB", path, REQ_MAX_TOTAL_SIZE >> 20);
    }
    if (rd->on_file != NULL)
        rd->on_file(rd->on_file_arg, path, data, len);
    for (size_t i = 0; i < rd->depth; i++) {
        if (rd->stack[i].dev == st.st_dev && rd->stack[i].ino == st.st_ino) {
            buf cyc = {0};
            for (size_t j = i; j < rd->depth; j++)
                buf_printf(&cyc, "%s -> ", rd->stack[j].path);
            buf_puts(&cyc, path);
            error_set(rd->err, "%s:%u: requirement files include each other: %s", from,
                      from_line, cyc.data);
            buf_free(&cyc);
            free(data);
            return -1;
        }
    }
    if (decode(path, &data, &len, &e) < 0) {
        free(data);
        goto unreadable;
    }
    llines lines = {0};
    logical_lines(data, len, &lines);
    free(data);
    rd->stack[rd->depth].dev = st.st_dev;
    rd->stack[rd->depth].ino = st.st_ino;
    rd->stack[rd->depth].path = path;
    rd->depth++;
    int rc = 0;
    for (size_t i = 0; i < lines.len && rc == 0; i++)
        if (!lines.items[i].text)
            diag_warn(rd->d, path, lines.items[i].line,
                      "line longer than %u bytes ignored", REQ_MAX_LINE);
        else if ((rc = handle_line(rd, path, constraint, &lines.items[i])) == 0 &&
                 rd->out->len - rd->first_line > REQ_MAX_LINES)
            rc = error_set(rd->err, "%s:%u: more than %u requirement lines in all", path,
                           lines.items[i].line, REQ_MAX_LINES);
    rd->depth--;
    llines_free(&lines);
    return rc;
unreadable:
    if (from)
        return error_set(rd->err, "%s:%u: cannot read included requirement file: %s", from,
                         from_line, e.msg);
    return error_set(rd->err, "cannot read requirement file: %s", e.msg);
}

/* ---- public calls ---- */

size_t req_text_space(const unsigned char *s, size_t i, size_t n)
{
    return pyspace(s, i, n);
}

size_t req_text_line_break(const unsigned char *s, size_t i, size_t n)
{
    return line_break(s, i, n);
}

int req_option_kind(const char *word, size_t n)
{
    const struct opt *o = NULL;
    if (n >= 3 && word[0] == '-' && word[1] == '-')
        o = find_long(word, n);
    else if (n == 2 && word[0] == '-' && word[1] != '-')
        o = find_short(word[1]);
    if (o == NULL)
        return -1;
    return (o->takes_value ? REQ_OPT_VALUE : 0) | (o->dest == O_HASH ? REQ_OPT_HASH : 0);
}

void req_lines_free(req_lines *l)
{
    for (size_t i = 0; i < l->len; i++)
        req_line_clear(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static int parse(const char *path, bool constraint, const char *within, req_lines *out,
                 diag *d, req_file_fn *on_file, void *arg, airlock_error *err)
{
    reader rd;
    memset(&rd, 0, sizeof rd);
    rd.out = out;
    rd.d = d;
    rd.err = err;
    rd.on_file = on_file;
    rd.on_file_arg = arg;
    rd.first_line = out->len;
    if (is_remote(path))
        return error_set(err, "cannot read remote requirement file '%s' "
                         "(Airlock reads local files only)", path);
    if (within != NULL && (rd.within = realpath(within, NULL)) == NULL)
        return error_errno(err, errno, "%s", within);
    int rc = read_file(&rd, path, constraint, NULL, 0);
    free(rd.within);
    return rc;
}
int requirements_parse(const char *path, bool constraint, req_lines *out, diag *d,
                       airlock_error *err)
{
    return parse(path, constraint, NULL, out, d, NULL, NULL, err);
}

int requirements_parse_within(const char *path, bool constraint, const char *within,
                              req_lines *out, diag *d, airlock_error *err)
{
    return parse(path, constraint, within, out, d, NULL, NULL, err);
}

int requirements_read(const char *path, const marker_env *env, dep_list *out, diag *d,
                      airlock_error *err)
{
    return requirements_read_observed(path, env, out, d, NULL, NULL, err);
}

int requirements_read_observed(const char *path, const marker_env *env, dep_list *out, diag *d,
                               req_file_fn *on_file, void *arg, airlock_error *err)
{
    return requirements_read_within(path, NULL, env, out, d, on_file, arg, err);
}

int requirements_read_within(const char *path, const char *within, const marker_env *env,
                             dep_list *out, diag *d, req_file_fn *on_file, void *arg,
                             airlock_error *err)
{
    req_lines lines = {0};
    int rc = parse(path, false, within, &lines, d, on_file, arg, err);
    if (rc == 0)
        rc = requirements_resolve(&lines, env, out, d, err);
    req_lines_free(&lines);
    return rc;
}
