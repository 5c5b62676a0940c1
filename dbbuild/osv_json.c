#include "dbbuild/osv_json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dbbuild/osv_source.h"

/* Where the scanner is: about to read a value, after one, about to read a
 * member's key; FIRST_* also accept the end of an empty container. */
enum { S_VALUE, S_FIRST_VALUE, S_AFTER, S_KEY, S_FIRST_KEY };

/* What the value about to be read is, by the key before it. */
enum { M_NONE, M_FREEFORM, M_FREEFORM_RECORD, M_SEVERITY };

typedef struct scan {
    const char *s;
    size_t len, i;
    buf *out;          /* the text so far, up to s[flushed] */
    size_t flushed;    /* s[flushed..i] is still to be copied */
    bool changed;      /* anything replaced: `out` is the text */
    char *stack;       /* 'o' or 'a' for each open container */
    size_t depth, cap;
    bool skipping;     /* inside a free-form value */
    size_t skip_start; /* where that value starts in s */
    size_t skip_depth; /* the depth that value sits at */
    bool skip_object;  /* it is an object (replaced by one) */
    bool skip_record;  /* it is the record's database_specific */
    buf kept;          /* its "severity" members, written at its end */
    char key[24];      /* the last key, decoded, if short and ASCII */
    size_t key_len;
    bool key_fits;
} scan;

static int fail(scan *z, size_t *pos, airlock_error *err, const char *why)
{
    *pos = z->i < z->len ? z->i : z->len;
    return error_set(err, "invalid JSON: %s", why);
}

/* Replace s[from, to) by `with`: what lies before it is copied first. Most
 * records need none, and are then parsed as they are. */
static void splice(scan *z, size_t from, size_t to, const char *with)
{
    buf_append(z->out, z->s + z->flushed, from - z->flushed);
    buf_puts(z->out, with);
    z->flushed = to;
    z->changed = true;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* Four hex digits at s[at], or -1. */
static long hex4(const scan *z, size_t at)
{
    if (at > z->len || z->len - at < 4)
        return -1;
    long v = 0;
    for (size_t k = 0; k < 4; k++) {
        char c = z->s[at + k];
        if (!is_hex(c))
            return -1;
        v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

static void key_add(scan *z, char c, bool ascii)
{
    if (!ascii || z->key_len + 1 >= sizeof z->key) {
        z->key_fits = false;
        return;
    }
    z->key[z->key_len++] = c;
    z->key[z->key_len] = '\0';
}

/* A string at s[i] == '"'. Outside free-form values the escape of a lone
 * surrogate or of NUL is replaced in the output; with `capture`, the string
 * is written there instead, with the same replacements. `as_key` decodes it
 * into z->key too. */
static int string(scan *z, buf *capture, bool as_key, size_t *pos, airlock_error *err)
{
    if (as_key) {
        z->key[0] = '\0';
        z->key_len = 0;
        z->key_fits = true;
    }
    size_t start = z->i++;
    size_t copied = start; /* for `capture`: s[copied, i) is still to be written */
    for (;;) {
        if (as_key) {
            while (z->i < z->len && z->s[z->i] != '"' && z->s[z->i] != '\\' &&
                   z->s[z->i] != '\0') {
                key_add(z, z->s[z->i], (unsigned char)z->s[z->i] < 0x80);
                z->i++;
            }
        } else { /* the hot loop of the pass: text runs */
            const char *p = z->s + z->i, *end = z->s + z->len;
            while (p < end && *p != '"' && *p != '\\' && *p != '\0')
                p++;
            z->i = (size_t)(p - z->s);
        }
        if (z->i >= z->len)
            return fail(z, pos, err, "unterminated string");
        if (z->s[z->i] == '\0') /* cJSON would end the text there */
            return fail(z, pos, err, "a NUL byte in a string");
        if (z->s[z->i] == '"') {
            z->i++;
            if (capture != NULL)
                buf_append(capture, z->s + copied, z->i - copied);
            return 0;
        }
        /* an escape */
        if (z->i + 1 >= z->len)
            return fail(z, pos, err, "unterminated string");
        char e = z->s[z->i + 1];
        static const char escapes[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
        const char *simple = strchr(escapes, e);
        if (e != '\0' && simple != NULL) {
            if (as_key)
                key_add(z, decoded[simple - escapes], true);
            z->i += 2;
            continue;
        }
        if (e != 'u')
            return fail(z, pos, err, "invalid escape in a string");
        long v = hex4(z, z->i + 2);
        if (v < 0)
            return fail(z, pos, err, "invalid \\u escape in a string");
        if (v >= 0xD800 && v <= 0xDBFF && z->i + 12 <= z->len && z->s[z->i + 6] == '\\' &&
            z->s[z->i + 7] == 'u') {
            long lo = hex4(z, z->i + 8);
            if (lo >= 0xDC00 && lo <= 0xDFFF) { /* a pair: one code point */
                if (as_key)
                    key_add(z, '?', false);
                z->i += 12;
                continue;
            }
        }
        if (as_key)
            key_add(z, (char)v, v > 0 && v < 0x80);
        if (v == 0 || (v >= 0xD800 && v <= 0xDBFF) || (v >= 0xDC00 && v <= 0xDFFF)) {
            /* a lone surrogate or NUL */
            if (capture != NULL) {
                buf_append(capture, z->s + copied, z->i - copied);
                buf_puts(capture, "\\uFFFD");
                copied = z->i + 6;
            } else if (!z->skipping) {
                splice(z, z->i, z->i + 6, "\\uFFFD");
            }
        }
        z->i += 6;
    }
}

static bool digit(const scan *z)
{
    return z->i < z->len && z->s[z->i] >= '0' && z->s[z->i] <= '9';
}

/* A number or a literal at s[i]. */
static int scalar(scan *z, size_t *pos, airlock_error *err)
{
    static const char *const literals[] = {"true", "false", "null"};
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(literals[k]);
        if (z->len - z->i >= n && memcmp(z->s + z->i, literals[k], n) == 0) {
            z->i += n;
            return 0;
        }
    }
    if (z->s[z->i] == '-')
        z->i++;
    if (!digit(z))
        return fail(z, pos, err, "unexpected character");
    if (z->s[z->i] == '0')
        z->i++;
    else
        while (digit(z))
            z->i++;
    if (z->i < z->len && z->s[z->i] == '.') {
        z->i++;
        if (!digit(z))
            return fail(z, pos, err, "invalid number");
        while (digit(z))
            z->i++;
    }
    if (z->i < z->len && (z->s[z->i] == 'e' || z->s[z->i] == 'E')) {
        z->i++;
        if (z->i < z->len && (z->s[z->i] == '+' || z->s[z->i] == '-'))
            z->i++;
        if (!digit(z))
            return fail(z, pos, err, "invalid number");
        while (digit(z))
            z->i++;
    }
    return 0;
}

static void push(scan *z, char kind)
{
    if (z->depth == z->cap) {
        z->cap = z->cap ? 2 * z->cap : 64;
        z->stack = xrealloc(z->stack, z->cap);
    }
    z->stack[z->depth++] = kind;
}

/* The skipped value has ended: replace it by what stands for it. */
static void end_skip(scan *z)
{
    buf with = {0};
    if (!z->skip_object) {
        buf_puts(&with, "null");
    } else {
        buf_putc(&with, '{');
        buf_append(&with, z->kept.data, z->kept.len);
        buf_putc(&with, '}');
    }
    splice(z, z->skip_start, z->i, with.data);
    buf_free(&with);
    z->skipping = false;
    buf_reset(&z->kept);
}

static int run(scan *z, size_t *pos, airlock_error *err)
{
    int state = S_VALUE, member = M_NONE;
    for (;;) {
        size_t last = z->i; /* where the text ended, for the message */
        const char *p = z->s + z->i, *end = z->s + z->len;
        while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
            p++;
        z->i = (size_t)(p - z->s);
        if (z->i >= z->len) {
            if (state == S_AFTER && z->depth == 0)
                return 0;
            z->i = last;
            return fail(z, pos, err, z->i == 0 ? "empty" : "unexpected end");
        }
        char c = z->s[z->i];
        bool close = false;
        switch (state) {
        case S_VALUE:
        case S_FIRST_VALUE:
            if (state == S_FIRST_VALUE && c == ']') {
                close = true;
                break;
            }
            if (!z->skipping && (member == M_FREEFORM || member == M_FREEFORM_RECORD)) {
                z->skipping = true;
                z->skip_depth = z->depth;
                z->skip_object = c == '{';
                z->skip_record = member == M_FREEFORM_RECORD;
                z->skip_start = z->i;
            }
            if (c == '{' || c == '[') {
                if (!z->skipping && z->depth >= OSV_MAX_DEPTH) {
                    *pos = z->i;
                    return error_set(err, "nested deeper than %d levels", OSV_MAX_DEPTH);
                }
                push(z, c == '{' ? 'o' : 'a');
                z->i++;
                state = c == '{' ? S_FIRST_KEY : S_FIRST_VALUE;
                member = M_NONE;
                continue;
            }
            buf *capture = NULL;
            if (c == '"' && member == M_SEVERITY) {
                if (z->kept.len > 0)
                    buf_putc(&z->kept, ',');
                buf_puts(&z->kept, "\"severity\":");
                capture = &z->kept;
            }
            member = M_NONE;
            if ((c == '"' ? string(z, capture, false, pos, err) : scalar(z, pos, err)) != 0)
                return -1;
            state = S_AFTER;
            if (z->skipping && z->depth == z->skip_depth)
                end_skip(z);
            continue;
        case S_AFTER:
            if (z->depth == 0) {
                *pos = z->i;
                return error_set(err, "text after the JSON value");
            }
            if (c == ',') {
                z->i++;
                state = z->stack[z->depth - 1] == 'o' ? S_KEY : S_VALUE;
                continue;
            }
            if (c != (z->stack[z->depth - 1] == 'o' ? '}' : ']'))
                return fail(z, pos, err, "expected ',' or the end of a container");
            close = true;
            break;
        case S_KEY:
        case S_FIRST_KEY:
            if (state == S_FIRST_KEY && c == '}') {
                close = true;
                break;
            }
            if (c != '"')
                return fail(z, pos, err, "expected a string key");
            if (string(z, NULL, true, pos, err) != 0)
                return -1;
            while (z->i < z->len && (z->s[z->i] == ' ' || z->s[z->i] == '\t' ||
                                     z->s[z->i] == '\n' || z->s[z->i] == '\r'))
                z->i++;
            if (z->i >= z->len || z->s[z->i] != ':')
                return fail(z, pos, err, "expected ':' after a key");
            z->i++;
            member = M_NONE;
            if (z->key_fits && !z->skipping) {
                if (strcmp(z->key, "database_specific") == 0)
                    member = z->depth == 1 ? M_FREEFORM_RECORD : M_FREEFORM;
                else if (strcmp(z->key, "ecosystem_specific") == 0)
                    member = M_FREEFORM;
            } else if (z->key_fits && z->skipping && z->skip_record && z->skip_object &&
                       z->depth == z->skip_depth + 1 && strcmp(z->key, "severity") == 0) {
                member = M_SEVERITY;
            }
            state = S_VALUE;
            continue;
        }
        if (close) {
            z->i++;
            z->depth--;
            state = S_AFTER;
            if (z->skipping && z->depth == z->skip_depth)
                end_skip(z);
        }
    }
}

int osv_json_prepare(const char *data, size_t len, buf *out, size_t *pos, airlock_error *err)
{
    scan z;
    memset(&z, 0, sizeof z);
    z.s = data;
    z.len = len;
    z.out = out;
    *pos = 0;
    int rc = run(&z, pos, err);
    if (rc == 0 && z.changed) {
        buf_append(out, data + z.flushed, len - z.flushed);
        rc = 1;
    }
    free(z.stack);
    buf_free(&z.kept);
    return rc;
}
