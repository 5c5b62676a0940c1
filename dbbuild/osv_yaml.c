#include "dbbuild/osv_yaml.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "core/buf.h"

/* One open mapping or sequence. A mapping alternates between expecting a
 * key (key == NULL) and a value for `key`. */
typedef struct frame {
    cJSON *node;
    char *key;
    char *anchor; /* registered when the collection is complete */
} frame;

typedef struct anchor {
    char *name;
    cJSON *node; /* borrowed: lives in the tree being built */
} anchor;

/* A free-form value (database_specific, ecosystem_specific) is not built:
 * its events are counted through, at any depth, and an empty object or a
 * null stands for it, as for JSON (dbbuild/osv_json.h). The record's own
 * database_specific keeps its string "severity" members. */
typedef struct skipper {
    size_t depth;      /* collections open inside it; 0: not skipping */
    cJSON *node;       /* what stands for it (in the tree) */
    bool record;       /* the record's database_specific, a mapping */
    bool want_value;   /* at its first level: a key was read */
    bool nested_key;   /* the collection open at its first level is a key */
    char *key;         /* that key, if a scalar */
} skipper;

typedef struct builder {
    frame stack[OSV_YAML_MAX_DEPTH];
    int depth;
    cJSON *root;
    anchor *anchors;
    size_t n_anchors, cap_anchors;
    size_t alias_nodes;
    int documents;
    skipper skip;
} builder;

static void builder_free(builder *b)
{
    for (int i = 0; i < b->depth; i++) {
        free(b->stack[i].key);
        free(b->stack[i].anchor);
    }
    for (size_t i = 0; i < b->n_anchors; i++)
        free(b->anchors[i].name);
    free(b->anchors);
    free(b->skip.key);
    cJSON_Delete(b->root);
}

/* Anchors are looked up by a linear scan, so their number is bounded too. */
static int add_anchor(builder *b, const char *name, cJSON *node, airlock_error *err)
{
    if (b->n_anchors >= OSV_YAML_MAX_ANCHORS)
        return error_set(err, "more than %d anchors", OSV_YAML_MAX_ANCHORS);
    if (b->n_anchors == b->cap_anchors) {
        b->cap_anchors = b->cap_anchors ? 2 * b->cap_anchors : 8;
        b->anchors = xrealloc(b->anchors, b->cap_anchors * sizeof *b->anchors);
    }
    b->anchors[b->n_anchors].name = xstrdup(name);
    b->anchors[b->n_anchors].node = node;
    b->n_anchors++;
    return 0;
}

/* A redefined anchor hides the earlier one, as in YAML. */
static cJSON *find_anchor(const builder *b, const char *name)
{
    for (size_t i = b->n_anchors; i > 0; i--)
        if (strcmp(b->anchors[i - 1].name, name) == 0)
            return b->anchors[i - 1].node;
    return NULL;
}

/* Nodes and nesting height of a finished subtree; the walk stops counting
 * past `limit` so that its cost stays bounded too. */
static void measure(const cJSON *n, size_t *nodes, int *height, int level, size_t limit)
{
    if (*nodes > limit)
        return;
    (*nodes)++;
    if (cJSON_IsArray(n) || cJSON_IsObject(n)) {
        if (level + 1 > *height)
            *height = level + 1;
        for (const cJSON *c = n->child; c != NULL; c = c->next)
            measure(c, nodes, height, level + 1, limit);
    }
}

/* Attach `item` where the parser is: as the root, the next array element, or
 * the value of the pending key. Takes ownership of `item`. */
static int attach(builder *b, cJSON *item, airlock_error *err)
{
    if (b->depth == 0) {
        if (b->root != NULL) {
            cJSON_Delete(item);
            return error_set(err, "more than one root node");
        }
        b->root = item;
        return 0;
    }
    frame *f = &b->stack[b->depth - 1];
    if (cJSON_IsArray(f->node)) {
        cJSON_AddItemToArray(f->node, item);
        return 0;
    }
    if (f->key == NULL) {
        cJSON_Delete(item);
        return error_set(err, "a mapping key must be a scalar");
    }
    /* Duplicate keys are found after the build, in one sorted pass. */
    cJSON_AddItemToObject(f->node, f->key, item);
    free(f->key);
    f->key = NULL;
    return 0;
}

static int is_plain_null(const char *s, size_t n)
{
    return n == 0 || (n == 1 && s[0] == '~') ||
           (n == 4 && (!strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL")));
}

static int plain_bool(const char *s, size_t n)
{
    if (n == 4 && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")))
        return 1;
    if (n == 5 && (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")))
        return 0;
    return -1;
}

/* A scalar's text as a C string, owned by the caller: a NUL ("\0",
 * "\x00", "\u0000") becomes U+FFFD, as in JSON, instead of cutting it. */
static char *scalar_text(const char *s, size_t n)
{
    if (memchr(s, '\0', n) == NULL)
        return xstrndup(s, n);
    buf t = {0};
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\0')
            buf_puts(&t, "\xEF\xBF\xBD");
        else
            buf_putc(&t, s[i]);
    }
    return buf_detach(&t, NULL);
}

static bool freeform_key(const char *key)
{
    return key != NULL &&
           (strcmp(key, "database_specific") == 0 || strcmp(key, "ecosystem_specific") == 0);
}

/* The value about to be attached is that of a free-form member. */
static bool at_freeform(const builder *b)
{
    const frame *f = b->depth > 0 ? &b->stack[b->depth - 1] : NULL;
    return b->skip.depth == 0 && f != NULL && cJSON_IsObject(f->node) && freeform_key(f->key);
}

/* An event inside a skipped value: only the record's database_specific
 * looks at its first level, for "severity". `kind` is 1 for a start, -1 for
 * an end, 0 for a scalar or an alias. */
static void skip_event(builder *b, int kind, const yaml_event_t *ev)
{
    skipper *k = &b->skip;
    if (kind < 0) {
        if (--k->depth == 1)
            k->want_value = k->nested_key; /* a key's value follows a key */
        if (k->depth == 0) {
            free(k->key);
            k->key = NULL;
        }
        return;
    }
    if (kind > 0) {
        if (k->depth++ == 1) {
            k->nested_key = !k->want_value;
            free(k->key);
            k->key = NULL;
        }
        return;
    }
    if (k->depth != 1 || !k->record)
        return;
    if (!k->want_value) {
        free(k->key);
        k->key = ev->type == YAML_SCALAR_EVENT
                     ? scalar_text((const char *)ev->data.scalar.value, ev->data.scalar.length)
                     : NULL;
        k->want_value = true;
        return;
    }
    k->want_value = false;
    const char *tag = ev->type == YAML_SCALAR_EVENT ? (const char *)ev->data.scalar.tag : "";
    bool plain = ev->type == YAML_SCALAR_EVENT &&
                 ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && tag == NULL;
    if (k->key != NULL && strcmp(k->key, "severity") == 0 && ev->type == YAML_SCALAR_EVENT &&
        (tag == NULL || strcmp(tag, "!") == 0 || strcmp(tag, YAML_STR_TAG) == 0)) {
        const char *s = (const char *)ev->data.scalar.value;
        size_t n = ev->data.scalar.length;
        if (!(plain && (is_plain_null(s, n) || plain_bool(s, n) >= 0))) {
            char *t = scalar_text(s, n);
            cJSON *item = cJSON_CreateString(t);
            free(t);
            if (item == NULL)
                abort();
            cJSON_AddItemToObject(k->node, "severity", item);
        }
    }
    free(k->key);
    k->key = NULL;
}

/* A scalar (its text made a C string) attached where the parser is. */
static int scalar_item(builder *b, const yaml_event_t *ev, const char *s, airlock_error *err)
{
    size_t n = strlen(s);
    const char *tag = (const char *)ev->data.scalar.tag;
    int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && tag == NULL;
    if (tag != NULL && strcmp(tag, "!") != 0 && strcmp(tag, YAML_STR_TAG) != 0)
        return error_set(err, "unsupported tag '%.64s'", tag);

    frame *f = b->depth > 0 ? &b->stack[b->depth - 1] : NULL;
    if (f != NULL && cJSON_IsObject(f->node) && f->key == NULL) {
        f->key = xstrdup(s); /* keys keep their text whatever it looks like */
        return 0;
    }
    cJSON *item;
    int bv;
    if (plain && is_plain_null(s, n))
        item = cJSON_CreateNull();
    else if (plain && (bv = plain_bool(s, n)) >= 0)
        item = cJSON_CreateBool(bv);
    else
        item = cJSON_CreateString(s);
    if (item == NULL)
        abort(); /* cJSON's allocator failed: out of memory, as xmalloc */
    if (ev->data.scalar.anchor != NULL &&
        add_anchor(b, (const char *)ev->data.scalar.anchor, item, err) != 0) {
        cJSON_Delete(item);
        return -1;
    }
    return attach(b, item, err);
}

static int on_scalar(builder *b, const yaml_event_t *ev, airlock_error *err)
{
    if (b->skip.depth > 0) {
        skip_event(b, 0, ev);
        return 0;
    }
    if (at_freeform(b)) {
        cJSON *none = cJSON_CreateNull();
        if (none == NULL)
            abort();
        return attach(b, none, err);
    }
    char *text = scalar_text((const char *)ev->data.scalar.value, ev->data.scalar.length);
    int rc = scalar_item(b, ev, text, err);
    free(text);
    return rc;
}

static int on_start(builder *b, const yaml_event_t *ev, int is_map, airlock_error *err)
{
    if (b->skip.depth > 0) {
        skip_event(b, 1, ev);
        return 0;
    }
    if (at_freeform(b)) {
        bool record = b->depth == 1 && is_map &&
                      strcmp(b->stack[0].key, "database_specific") == 0;
        cJSON *node = is_map ? cJSON_CreateObject() : cJSON_CreateNull();
        if (node == NULL)
            abort();
        if (attach(b, node, err) != 0)
            return -1;
        b->skip = (skipper){.depth = 1, .node = node, .record = record};
        const yaml_char_t *a = is_map ? ev->data.mapping_start.anchor
                                      : ev->data.sequence_start.anchor;
        return a != NULL ? add_anchor(b, (const char *)a, node, err) : 0;
    }
    if (b->depth >= OSV_YAML_MAX_DEPTH)
        return error_set(err, "nested deeper than %d levels", OSV_YAML_MAX_DEPTH);
    const yaml_char_t *a = is_map ? ev->data.mapping_start.anchor
                                  : ev->data.sequence_start.anchor;
    const char *tag = (const char *)(is_map ? ev->data.mapping_start.tag
                                            : ev->data.sequence_start.tag);
    if (tag != NULL && strcmp(tag, "!") != 0 &&
        strcmp(tag, is_map ? YAML_MAP_TAG : YAML_SEQ_TAG) != 0)
        return error_set(err, "unsupported tag '%.64s'", tag);
    cJSON *node = is_map ? cJSON_CreateObject() : cJSON_CreateArray();
    if (node == NULL)
        abort();
    if (attach(b, node, err) != 0)
        return -1;
    frame *f = &b->stack[b->depth++];
    f->node = node;
    f->key = NULL;
    f->anchor = a != NULL ? xstrdup((const char *)a) : NULL;
    return 0;
}

static int on_end(builder *b, airlock_error *err)
{
    if (b->skip.depth > 0) {
        skip_event(b, -1, NULL);
        return 0;
    }
    if (b->depth == 0)
        return error_set(err, "unbalanced end of collection");
    frame *f = &b->stack[--b->depth];
    if (f->key != NULL) {
        free(f->key);
        f->key = NULL;
        free(f->anchor);
        f->anchor = NULL;
        return error_set(err, "mapping key without a value");
    }
    int rc = 0;
    if (f->anchor != NULL) {
        rc = add_anchor(b, f->anchor, f->node, err);
        free(f->anchor);
        f->anchor = NULL;
    }
    return rc;
}

/* An alias becomes a copy of its anchor, within the depth and node budget:
 * expansion is where YAML's exponential blow-ups live. */
static int on_alias(builder *b, const yaml_event_t *ev, airlock_error *err)
{
    if (b->skip.depth > 0) {
        skip_event(b, 0, ev);
        return 0;
    }
    const char *name = (const char *)ev->data.alias.anchor;
    frame *f = b->depth > 0 ? &b->stack[b->depth - 1] : NULL;
    if (f != NULL && cJSON_IsObject(f->node) && f->key == NULL)
        return error_set(err, "an alias as a mapping key is not supported");
    cJSON *target = find_anchor(b, name);
    if (target == NULL)
        return error_set(err, "undefined alias '%.64s'", name);
    size_t nodes = 0;
    int height = 0;
    size_t room = OSV_YAML_MAX_ALIAS_NODES - b->alias_nodes;
    measure(target, &nodes, &height, 0, room);
    if (nodes > room)
        return error_set(err, "aliases expand to more than %d nodes", OSV_YAML_MAX_ALIAS_NODES);
    if (b->depth + height > OSV_YAML_MAX_DEPTH)
        return error_set(err, "nested deeper than %d levels", OSV_YAML_MAX_DEPTH);
    b->alias_nodes += nodes;
    cJSON *copy = cJSON_Duplicate(target, 1);
    if (copy == NULL)
        abort();
    return attach(b, copy, err);
}

/* libyaml's message for a \u escape of a surrogate (even of a pair) or a
 * \U escape past U+10FFFF. */
static const char bad_escape[] = "found invalid Unicode character escape code";

/* The byte offset of code point number `index` of the UTF-8 `data` (libyaml
 * marks count code points; the text was checked to be UTF-8). */
static size_t byte_offset(const char *data, size_t len, size_t index)
{
    size_t i = 0;
    for (size_t k = 0; k < index && i < len; k++) {
        unsigned char c = (unsigned char)data[i];
        i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    }
    return i < len ? i : len;
}

static long hex_value(const char *p, size_t n)
{
    long v = 0;
    for (size_t k = 0; k < n; k++) {
        char c = p[k];
        int d = c >= '0' && c <= '9' ? c - '0'
                : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Rewrite the escape whose digits start at `at` in `t`, the way JSON records
 * are treated (dbbuild/osv_json.h): a surrogate pair becomes one \U escape,
 * any other bad code point \uFFFD. -1 if there is no such escape there. */
static int repair_escape(buf *t, size_t at)
{
    if (at < 2 || at > t->len || t->data[at - 2] != '\\')
        return -1;
    size_t n = t->data[at - 1] == 'u' ? 4 : t->data[at - 1] == 'U' ? 8 : 0;
    if (n == 0 || t->len - at < n)
        return -1;
    long v = hex_value(t->data + at, n), lo = -1;
    if (v < 0)
        return -1;
    size_t start = at - 2, end = at + n;
    if (n == 4 && v >= 0xD800 && v <= 0xDBFF && t->len - end >= 6 && t->data[end] == '\\' &&
        t->data[end + 1] == 'u')
        lo = hex_value(t->data + end + 2, 4);
    char with[16];
    if (lo >= 0xDC00 && lo <= 0xDFFF) {
        snprintf(with, sizeof with, "\\U%08lX", 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00));
        end += 6;
    } else {
        snprintf(with, sizeof with, "\\uFFFD");
    }
    buf r = {0};
    buf_append(&r, t->data, start);
    buf_puts(&r, with);
    buf_append(&r, t->data + end, t->len - end);
    buf_free(t);
    *t = r;
    return 0;
}

/* One conversion. If libyaml refused an escape, `*escape` is the byte
 * offset of its digits. */
static cJSON *convert(const char *data, size_t len, unsigned *line, size_t *escape,
                      airlock_error *err)
{
    *line = 0;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        error_set(err, "cannot initialise the YAML parser");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

    builder b;
    memset(&b, 0, sizeof b);
    int failed = 0, done = 0;
    while (!done && !failed) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            *line = (unsigned)parser.problem_mark.line + 1;
            if (parser.problem != NULL && strcmp(parser.problem, bad_escape) == 0)
                *escape = byte_offset(data, len, parser.problem_mark.index);
            error_set(err, "%s%s%s", parser.problem ? parser.problem : "invalid YAML",
                      parser.context ? " " : "", parser.context ? parser.context : "");
            failed = 1;
            break;
        }
        int rc = 0;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++b.documents > 1)
                rc = error_set(err, "more than one YAML document");
            break;
        case YAML_SCALAR_EVENT:
            rc = on_scalar(&b, &ev, err);
            break;
        case YAML_SEQUENCE_START_EVENT:
            rc = on_start(&b, &ev, 0, err);
            break;
        case YAML_MAPPING_START_EVENT:
            rc = on_start(&b, &ev, 1, err);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            rc = on_end(&b, err);
            break;
        case YAML_ALIAS_EVENT:
            rc = on_alias(&b, &ev, err);
            break;
        default:
            break;
        }
        if (rc != 0) {
            *line = (unsigned)ev.start_mark.line + 1;
            failed = 1;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (failed) {
        builder_free(&b);
        return NULL;
    }
    cJSON *root = b.root;
    b.root = NULL;
    builder_free(&b);
    if (root == NULL) {
        root = cJSON_CreateNull();
        if (root == NULL)
            abort();
    }
    return root;
}

cJSON *osv_yaml_to_json(const char *data, size_t len, unsigned *line, airlock_error *err)
{
    /* libyaml refuses the whole document over one such escape; it is
     * repaired and the document parsed again, a bounded number of times. */
    buf copy = {0};
    cJSON *root = NULL;
    for (int repairs = 0;; repairs++) {
        size_t escape = SIZE_MAX;
        root = convert(data, len, line, &escape, err);
        if (root != NULL || escape == SIZE_MAX || repairs == OSV_YAML_MAX_REPAIRS)
            break;
        if (copy.data == NULL)
            buf_append(&copy, data, len);
        if (repair_escape(&copy, escape) != 0)
            break;
        data = copy.data;
        len = copy.len;
    }
    buf_free(&copy);
    return root;
}
