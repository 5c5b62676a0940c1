/*
 * json_doc.c - cJSON's tree plus the line of every item (json_doc.h).
 *
 * The walk reads the text again in the order cJSON built the tree (members
 * and elements keep their order), so each item meets its own text. cJSON
 * has already accepted the text; wherever the walk and the tree disagree,
 * the text is one cJSON tolerates and RFC 8259 does not, and that is the
 * error reported.
 */
#include "scanner/inputs/json_doc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/text.h"

struct json_pos {
    uintptr_t item; /* the address, compared as a number for sorting */
    unsigned key_line;
    unsigned value_line;
};

typedef struct walker {
    const char *s;
    size_t len;
    size_t i;
    unsigned line;
    json_pos *pos;
    size_t n, cap;
    const char *why; /* set on the first disagreement */
    unsigned why_line; /* its line, when not that of `i` */
} walker;

typedef struct key_at {
    const char *key;
    unsigned line;
} key_at;

unsigned json_line_at(const char *data, size_t len, size_t offset)
{
    unsigned line = 1;
    const char *p = data;
    const char *end = data + (offset < len ? offset : len);
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        line++;
        p++;
    }
    return line;
}

static int fail(walker *w, const char *why)
{
    if (w->why == NULL)
        w->why = why;
    return -1;
}

/* RFC 8259 whitespace only (cJSON skips every byte up to 0x20). Lines are
 * counted here: outside strings, a newline can only be whitespace, and the
 * walk refuses raw newlines inside strings. */
static void skip_ws(walker *w)
{
    while (w->i < w->len) {
        char c = w->s[w->i];
        if (c == '\n')
            w->line++;
        else if (c != ' ' && c != '\t' && c != '\r')
            break;
        w->i++;
    }
}

static bool at(const walker *w, char c)
{
    return w->i < w->len && w->s[w->i] == c;
}

static void record(walker *w, const cJSON *item, unsigned key_line)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 256;
        w->pos = xrealloc(w->pos, w->cap * sizeof *w->pos);
    }
    w->pos[w->n++] = (json_pos){(uintptr_t)item, key_line ? key_line : w->line, w->line};
}

static int walk_string(walker *w)
{
    if (!at(w, '"'))
        return fail(w, "a string was expected");
    w->i++;
    while (w->i < w->len) {
        unsigned char c = (unsigned char)w->s[w->i];
        if (c == '"') {
            w->i++;
            return 0;
        }
        if (c == '\\') {
            w->i += 2; /* cJSON checked the escape itself */
        } else if (c < 0x20) {
            return fail(w, "a control character inside a string");
        } else if (c < 0x80) {
            w->i++;
        } else {
            size_t n = text_utf8_seq((const unsigned char *)w->s + w->i, w->len - w->i, NULL);
            if (n == 0)
                return fail(w, "a string that is not UTF-8");
            w->i += n;
        }
    }
    return fail(w, "an unterminated string");
}

static bool is_digit_at(const walker *w)
{
    return w->i < w->len && w->s[w->i] >= '0' && w->s[w->i] <= '9';
}

static void skip_digits(walker *w)
{
    while (is_digit_at(w))
        w->i++;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int walk_number(walker *w)
{
    if (at(w, '-'))
        w->i++;
    if (at(w, '0'))
        w->i++;
    else if (is_digit_at(w))
        skip_digits(w);
    else
        return fail(w, "a number that JSON does not allow");
    if (at(w, '.')) {
        w->i++;
        if (!is_digit_at(w))
            return fail(w, "a number that JSON does not allow");
        skip_digits(w);
    }
    if (at(w, 'e') || at(w, 'E')) {
        w->i++;
        if (at(w, '+') || at(w, '-'))
            w->i++;
        if (!is_digit_at(w))
            return fail(w, "a number that JSON does not allow");
        skip_digits(w);
    }
    if (is_digit_at(w) || at(w, '.'))
        return fail(w, "a number that JSON does not allow");
    return 0;
}

static int walk_word(walker *w, const char *word)
{
    size_t n = strlen(word);
    if (w->len - w->i < n || memcmp(w->s + w->i, word, n) != 0)
        return fail(w, "an unexpected value");
    w->i += n;
    return 0;
}

static int cmp_key(const void *a, const void *b)
{
    const key_at *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* A key given twice: cJSON keeps both and finds the first, Python's json
 * and the tools that wrote the file keep the last. Which version of a
 * package is meant would depend on the reader, so the file is refused. */
static int check_unique(walker *w, key_at *keys, size_t n)
{
    qsort(keys, n, sizeof *keys, cmp_key);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(keys[i - 1].key, keys[i].key) == 0) {
            w->why_line = keys[i].line;
            return fail(w, "a key given twice in one object");
        }
    }
    return 0;
}

/* Walk the value of `item`, which starts here (whitespace skipped).
 * `key_line` is the line of its key, 0 for an array element or the root. */
static int walk_value(walker *w, const cJSON *item, unsigned key_line)
{
    record(w, item, key_line);
    if (cJSON_IsString(item))
        return walk_string(w);
    if (cJSON_IsNumber(item))
        return walk_number(w);
    if (cJSON_IsTrue(item))
        return walk_word(w, "true");
    if (cJSON_IsFalse(item))
        return walk_word(w, "false");
    if (cJSON_IsNull(item))
        return walk_word(w, "null");
    bool object = cJSON_IsObject(item);
    if (!object && !cJSON_IsArray(item))
        return fail(w, "an unexpected value");
    char close = object ? '}' : ']';
    if (!at(w, object ? '{' : '['))
        return fail(w, "an unexpected character");
    w->i++;
    skip_ws(w);
    const cJSON *child = item->child;
    if (child == NULL) {
        if (!at(w, close))
            return fail(w, "an unexpected character");
        w->i++;
        return 0;
    }
    size_t n_keys = 0;
    key_at *keys = NULL;
    if (object && child->next != NULL)
        keys = xmalloc((size_t)cJSON_GetArraySize(item) * sizeof *keys);
    int rc = -1;
    for (; child != NULL; child = child->next) {
        skip_ws(w);
        unsigned kline = 0;
        if (object) {
            kline = w->line;
            if (keys != NULL)
                keys[n_keys++] = (key_at){child->string, kline};
            if (walk_string(w) != 0)
                goto done;
            skip_ws(w);
            if (!at(w, ':')) {
                fail(w, "an unexpected character");
                goto done;
            }
            w->i++;
            skip_ws(w);
        }
        if (walk_value(w, child, kline) != 0)
            goto done;
        skip_ws(w);
        if (child->next != NULL) {
            if (!at(w, ',')) {
                fail(w, "an unexpected character");
                goto done;
            }
            w->i++;
        }
    }
    if (!at(w, close)) {
        fail(w, "an unexpected character");
        goto done;
    }
    w->i++;
    rc = keys != NULL ? check_unique(w, keys, n_keys) : 0;
done:
    free(keys);
    return rc;
}

static int cmp_pos(const void *a, const void *b)
{
    uintptr_t x = ((const json_pos *)a)->item, y = ((const json_pos *)b)->item;
    return x < y ? -1 : x > y;
}

int json_doc_parse(json_doc *doc, const char *data, size_t len, const char *path,
                   airlock_error *err)
{
    memset(doc, 0, sizeof *doc);
    if (len == 0)
        return error_set(err, "%s:1: invalid JSON: the file is empty", path);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
    if (root == NULL) {
        size_t off = end != NULL && end >= data ? (size_t)(end - data) : 0;
        if (data[0] == '<')
            return error_set(err, "%s:1: invalid JSON: an XML document (only JSON is read)", path);
        return error_set(err, "%s:%u: invalid JSON", path, json_line_at(data, len, off));
    }
    walker w = {.s = data, .len = len, .line = 1};
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        w.i = 3;
    skip_ws(&w);
    if (walk_value(&w, root, 0) == 0) {
        skip_ws(&w);
        if (w.i < w.len)
            fail(&w, "text after the JSON value");
    }
    if (w.why != NULL) {
        unsigned line = w.why_line ? w.why_line : json_line_at(data, len, w.i);
        cJSON_Delete(root);
        free(w.pos);
        return error_set(err, "%s:%u: invalid JSON: %s", path, line, w.why);
    }
    qsort(w.pos, w.n, sizeof *w.pos, cmp_pos);
    doc->root = root;
    doc->pos = w.pos;
    doc->n_pos = w.n;
    return 0;
}

static const json_pos *find(const json_doc *doc, const cJSON *item)
{
    json_pos key = {(uintptr_t)item, 0, 0};
    return doc->n_pos == 0 ? NULL
                           : bsearch(&key, doc->pos, doc->n_pos, sizeof *doc->pos, cmp_pos);
}

unsigned json_doc_line(const json_doc *doc, const cJSON *item)
{
    const json_pos *p = find(doc, item);
    return p ? p->key_line : 0;
}

unsigned json_doc_value_line(const json_doc *doc, const cJSON *item)
{
    const json_pos *p = find(doc, item);
    return p ? p->value_line : 0;
}

const char *json_doc_string(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

void json_doc_free(json_doc *doc)
{
    cJSON_Delete(doc->root);
    free(doc->pos);
    memset(doc, 0, sizeof *doc);
}
