/*
 * toml.c - the TOML parser's tree and grammar: tables with their
 * definition rules, keys, arrays, inline tables and the accessors.
 * Strings, numbers and date-times are read by toml_lex.c.
 *
 * Everything a tree holds (nodes, keys, strings, element and entry arrays,
 * hash indexes) lives in one arena per tree, so that freeing it frees a few
 * chunks, and a lockfile's tree takes about twice its size; tables index
 * their keys by a seeded hash once they pass a few, so that a lockfile with
 * thousands of packages stays linear.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/toml_int.h"

/* Tables of up to this many keys are scanned; larger ones are hashed. */
#define SMALL_TABLE 8

/* The root table heads the block that also owns the arena. */
typedef struct toml_doc {
    toml_value root;
    toml_chunk *chunks;
} toml_doc;

/* ---- arena and errors ---- */

/* A request too big for a chunk of the next size gets a chunk to itself,
 * put behind the head so that the head's free space is still used. */
toml_chunk *tp_chunk_for(toml_parser *P, size_t n)
{
    toml_chunk *c = P->chunks;
    /* The tree of a real lockfile takes about twice the input: the first
     * chunk is sized for that, so that one block (whose pages the kernel
     * only supplies when touched) usually holds it all. */
    size_t left = (size_t)(P->end - P->p), cap = 2 * left;
    if (left < 32 * 1024)
        cap = 64 * 1024;
    else if (left > 64 * 1024 * 1024)
        cap = 128 * 1024 * 1024;
    if (c && c->cap < 4 * 1024 * 1024)
        cap = c->cap * 2;
    else if (c)
        cap = c->cap;
    if (c && n > cap / 4) {
        toml_chunk *big = xmalloc(sizeof(*big) + n);
        big->used = 0;
        big->cap = n;
        big->next = c->next;
        c->next = big;
        return big;
    }
    if (cap < n)
        cap = n;
    toml_chunk *nc = xmalloc(sizeof(*nc) + cap);
    nc->next = c;
    nc->used = 0;
    nc->cap = cap;
    P->chunks = nc;
    return nc;
}

int tp_error(toml_parser *P, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return error_set(P->err, "%s:%u: %s", P->file, P->line, msg);
}

/* ---- nodes and tables ---- */

static toml_value *new_node(toml_parser *P, toml_type type, unsigned line)
{
    toml_value *v = tp_alloc(P, sizeof(*v));
    memset(v, 0, sizeof(*v));
    v->type = (uint8_t)type;
    v->line = line;
    return v;
}

/* A table or array one level below `parent`; NULL past TOML_DEPTH_MAX. */
static toml_value *new_container(toml_parser *P, toml_type type, const toml_value *parent,
                                 unsigned line)
{
    if (parent->depth >= TOML_DEPTH_MAX) {
        tp_error(P, "nesting depth exceeds the limit of %d", TOML_DEPTH_MAX);
        return NULL;
    }
    toml_value *v = new_node(P, type, line);
    v->depth = (uint16_t)(parent->depth + 1);
    return v;
}

/* A growing array of `n` elements is full when `n` is 0 or a power of two
 * of at least 4 (its capacity); then it moves to one twice the size. The
 * old block stays in the arena: the waste is at most the final size. */
static void *grow(toml_parser *P, void *old, uint32_t n, size_t size)
{
    if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
        return old;
    size_t cap = n ? (size_t)n * 2 : 4;
    void *nw = tp_alloc(P, cap * size);
    if (n)
        memcpy(nw, old, (size_t)n * size);
    return nw;
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 30;
    h *= UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 27;
    h *= UINT64_C(0x94d049bb133111eb);
    return h ^ (h >> 31);
}

/* Seeded: keys that collide in one tree do not collide in the next. */
static uint64_t key_hash(uint64_t seed, const char *s, size_t n)
{
    uint64_t h = seed ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = mix(h ^ w);
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    return mix(h ^ w ^ ((uint64_t)n << 56));
}

/* Key part `kp`'s head and tag; its bytes may be read up to `end`. */
static void key_tag(toml_keypart *kp, const char *end)
{
    uint64_t w = 0;
    size_t n = kp->len;
    if (end - kp->s >= 8) {
        memcpy(&w, kp->s, 8);
        if (n < 8)
            w &= (UINT64_C(1) << (8 * n)) - 1;
    } else {
        memcpy(&w, kp->s, n);
    }
    kp->head = w;
    kp->tag = (uint32_t)(((w ^ n) * UINT64_C(0x9e3779b97f4a7c15)) >> 32);
}

static uint32_t part_hash(toml_keypart *kp, uint64_t seed)
{
    if (!kp->hashed) {
        kp->hash = key_hash(seed, kp->s, kp->len);
        kp->hashed = true;
    }
    return (uint32_t)kp->hash;
}

static void index_put(toml_index *x, const toml_entry *e, size_t i)
{
    uint32_t mask = x->cap - 1;
    uint32_t slot = e[i].hash & mask;
    while (x->slot[slot])
        slot = (slot + 1) & mask;
    x->slot[slot] = (uint32_t)(i + 1);
}

/* A fresh index of `cap` slots; entries added before the first index get
 * their hash now. */
static void index_rebuild(toml_parser *P, toml_value *t, uint32_t cap)
{
    toml_index *x = tp_alloc(P, sizeof(*x) + (size_t)cap * sizeof(uint32_t));
    memset(x->slot, 0, (size_t)cap * sizeof(uint32_t));
    x->seed = P->seed;
    x->cap = cap;
    toml_entry *e = t->u.tab.e;
    for (size_t i = 0; i < t->u.tab.n; i++) {
        if (!t->u.tab.idx)
            e[i].hash = (uint32_t)key_hash(P->seed, e[i].key, e[i].klen);
        index_put(x, e, i);
    }
    t->u.tab.idx = x;
}

static toml_value *tab_find(const toml_value *t, toml_keypart *kp)
{
    const toml_entry *e = t->u.tab.e;
    const toml_index *x = t->u.tab.idx;
    if (!x) {
        for (size_t i = 0; i < t->u.tab.n; i++)
            if (e[i].hash == kp->tag && e[i].klen == kp->len &&
                memcmp(e[i].key, kp->s, kp->len) == 0)
                return e[i].val;
        return NULL;
    }
    uint32_t h = part_hash(kp, x->seed), mask = x->cap - 1;
    for (uint32_t slot = h & mask; x->slot[slot]; slot = (slot + 1) & mask) {
        const toml_entry *c = &e[x->slot[slot] - 1];
        if (c->hash == h && c->klen == kp->len && memcmp(c->key, kp->s, kp->len) == 0)
            return c->val;
    }
    return NULL;
}

/* A bare key's copy in the arena, shared with the last key of the same
 * bytes that fell in the same slot of the parser's small cache. */
static const char *intern(toml_parser *P, const toml_keypart *kp)
{
    toml_interned *c = &P->intern[kp->tag >> 24];
    if (c->s && c->len == kp->len && c->head == kp->head &&
        (kp->len <= 8 || memcmp(c->s + 8, kp->s + 8, kp->len - 8) == 0))
        return c->s;
    c->len = kp->len;
    c->head = kp->head;
    return c->s = tp_strdup(P, kp->s, kp->len);
}

/* Add key `kp` (known to be absent) with value `v`. */
static int tab_add(toml_parser *P, toml_value *t, toml_keypart *kp, toml_value *v)
{
    uint32_t n = t->u.tab.n;
    if (n >= UINT32_MAX / 4)
        return tp_error(P, "too many keys in one table");
    t->u.tab.e = grow(P, t->u.tab.e, n, sizeof(toml_entry));
    toml_entry *e = &t->u.tab.e[n];
    e->key = kp->owned ? kp->s : intern(P, kp);
    e->klen = (uint32_t)kp->len;
    e->val = v;
    t->u.tab.n = n + 1;
    toml_index *x = t->u.tab.idx;
    if (x) {
        e->hash = part_hash(kp, P->seed);
        if ((size_t)t->u.tab.n * 2 > x->cap)
            index_rebuild(P, t, x->cap * 2);
        else
            index_put(x, t->u.tab.e, n);
    } else {
        e->hash = kp->tag;
        if (t->u.tab.n > SMALL_TABLE)
            index_rebuild(P, t, 64);
    }
    return 0;
}

/* ---- keys ---- */

/* Bytes of a bare key: A-Z a-z 0-9 _ - */
static const uint8_t BARE[256] = {
    ['-'] = 1, ['_'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

static bool bare_char(char c) { return BARE[(unsigned char)c]; }

/* The hot loops below walk a local copy of P->p: a char read may alias
 * the parser, so stepping P->p itself costs a store per byte. */
static void skip_ws(toml_parser *P)
{
    const char *p = P->p, *end = P->end;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    P->p = p;
}

/* A possibly dotted key at P->p. */
static int parse_key(toml_parser *P)
{
    P->nkey = 0;
    P->key_line = P->line;
    for (;;) {
        if (P->nkey > TOML_DEPTH_MAX)
            return tp_error(P, "dotted key exceeds the nesting depth limit of %d", TOML_DEPTH_MAX);
        toml_keypart *kp = &P->key[P->nkey];
        if (P->p < P->end && (*P->p == '"' || *P->p == '\'')) {
            char *s;
            if (tl_string(P, true, &s, &kp->len) < 0)
                return -1;
            kp->s = s;
            kp->owned = true;
        } else {
            const char *s = P->p, *e = s, *end = P->end;
            while (e < end && bare_char(*e))
                e++;
            if (e == s)
                return tp_error(P, "expected a key");
            P->p = e;
            kp->s = s;
            kp->len = (size_t)(P->p - s);
            kp->owned = false;
        }
        if (kp->len > UINT32_MAX)
            return tp_error(P, "key longer than 4 GiB");
        key_tag(kp, kp->owned ? kp->s + kp->len : P->end);
        kp->hashed = false;
        P->nkey++;
        skip_ws(P);
        if (P->p >= P->end || *P->p != '.')
            return 0;
        P->p++;
        skip_ws(P);
    }
}

/* Key part `kp` fit for a message: escapes can put any character in a
 * key, so it goes through core/text.h's filter, cut at 80 bytes. */
static const char *key_quote(toml_parser *P, const toml_keypart *kp)
{
    char raw[81];
    size_t n = kp->len > 80 ? 80 : kp->len;
    for (size_t i = 0; i < n; i++)
        raw[i] = kp->s[i] ? kp->s[i] : '?';
    raw[n] = '\0';
    buf b = {0};
    text_safe_append(&b, raw, 0);
    snprintf(P->quoted, sizeof(P->quoted), "%s%s", b.data ? b.data : "",
             kp->len > 80 ? "..." : "");
    buf_free(&b);
    return P->quoted;
}
#define KEYFMT "'%s'"
#define KEYARG(kp) key_quote(P, kp)

/* ---- values ---- */

static int parse_value(toml_parser *P, toml_value *parent, toml_value **out);
static int keyval(toml_parser *P, toml_value *table);

/* Whitespace, newlines and comments inside an array. */
static void skip_array_space(toml_parser *P)
{
    const char *p = P->p, *end = P->end;
    unsigned line = P->line;
    while (p < end) {
        char c = *p;
        if (c == ' ' || c == '\t' || c == '\r') {
            p++;
        } else if (c == '\n') {
            p++;
            line++;
        } else if (c == '#') {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            p = nl ? nl : end;
        } else {
            break;
        }
    }
    P->p = p;
    P->line = line;
}

/* The elements of `a` go on the parser's stack while it is read (inner
 * arrays push above and pop before the next element), then to the arena
 * once, exactly sized. */
static void stack_push(toml_parser *P, toml_value *v)
{
    if (P->nstack == P->capstack) {
        P->capstack = P->capstack ? P->capstack * 2 : 256;
        P->stack = xrealloc(P->stack, P->capstack * sizeof(*P->stack));
    }
    P->stack[P->nstack++] = v;
}

static int array_close(toml_parser *P, toml_value *a, size_t base)
{
    size_t n = P->nstack - base;
    if (n > UINT32_MAX / 4)
        return tp_error(P, "too many elements in one array");
    P->p++; /* ']' */
    if (n) {
        a->u.arr.items = tp_alloc(P, n * sizeof(toml_value *));
        memcpy(a->u.arr.items, P->stack + base, n * sizeof(toml_value *));
    }
    a->u.arr.n = (uint32_t)n;
    P->nstack = base;
    return 0;
}

static int parse_array(toml_parser *P, toml_value *a)
{
    size_t base = P->nstack;
    P->p++; /* '[' */
    for (;;) {
        skip_array_space(P);
        if (P->p >= P->end)
            return tp_error(P, "unterminated array");
        if (*P->p == ']')
            return array_close(P, a, base);
        toml_value *v;
        if (parse_value(P, a, &v) < 0)
            return -1;
        stack_push(P, v);
        skip_array_space(P);
        if (P->p < P->end && *P->p == ',') {
            P->p++;
            continue;
        }
        if (P->p < P->end && *P->p == ']')
            return array_close(P, a, base);
        return tp_error(P, "expected ',' or ']' in array");
    }
}

static int parse_inline_table(toml_parser *P, toml_value *t)
{
    P->p++; /* '{' */
    skip_ws(P);
    if (P->p < P->end && *P->p == '}') {
        P->p++;
        t->flags |= TF_FROZEN;
        return 0;
    }
    for (;;) {
        skip_ws(P);
        if (keyval(P, t) < 0)
            return -1;
        skip_ws(P);
        if (P->p < P->end && *P->p == ',') {
            P->p++;
            skip_ws(P);
            if (P->p < P->end && *P->p == '}')
                return tp_error(P, "trailing comma in inline table");
            continue;
        }
        if (P->p < P->end && *P->p == '}') {
            P->p++;
            t->flags |= TF_FROZEN;
            return 0;
        }
        return tp_error(P, "expected ',' or '}' in inline table (which must fit on one line)");
    }
}

static int parse_value(toml_parser *P, toml_value *parent, toml_value **out)
{
    if (P->p >= P->end)
        return tp_error(P, "expected a value");
    char c = *P->p;
    toml_value *v;
    if (c == '[' || c == '{') {
        v = new_container(P, c == '[' ? TOML_ARRAY : TOML_TABLE, parent, P->line);
        if (!v)
            return -1;
        if ((c == '[' ? parse_array(P, v) : parse_inline_table(P, v)) < 0)
            return -1;
    } else if (c == '"' || c == '\'') {
        v = new_node(P, TOML_STRING, P->line);
        if (tl_string(P, false, &v->u.str.s, &v->u.str.len) < 0)
            return -1;
    } else {
        v = new_node(P, TOML_STRING, P->line);
        if (tl_scalar(P, v) < 0)
            return -1;
    }
    *out = v;
    return 0;
}

/* Walk the dotted part of key `k` (all but the last part) from `t` for a
 * key/value line, creating tables as needed; NULL on error. */
static toml_value *walk_dotted(toml_parser *P, toml_value *t)
{
    for (size_t i = 0; i + 1 < P->nkey; i++) {
        toml_keypart *kp = &P->key[i];
        toml_value *c = tab_find(t, kp);
        if (!c) {
            c = new_container(P, TOML_TABLE, t, P->key_line);
            if (!c || tab_add(P, t, kp, c) < 0)
                return NULL;
            c->u.tab.dotted_section = P->section + 1;
        } else if (c->type != TOML_TABLE) {
            tp_error(P, "key " KEYFMT " already holds a value that is not a table", KEYARG(kp));
            return NULL;
        } else if (c->flags & TF_FROZEN) {
            tp_error(P, "cannot add keys to inline table " KEYFMT, KEYARG(kp));
            return NULL;
        } else if ((c->flags & TF_EXPLICIT) ||
                   (c->u.tab.dotted_section && c->u.tab.dotted_section != P->section + 1)) {
            tp_error(P, "cannot add to table " KEYFMT " with dotted keys: it is defined elsewhere",
                     KEYARG(kp));
            return NULL;
        } else {
            c->u.tab.dotted_section = P->section + 1;
        }
        t = c;
    }
    return t;
}

/* key = value, into `table`. */
static int keyval(toml_parser *P, toml_value *table)
{
    if (parse_key(P) < 0)
        return -1;
    if (P->p >= P->end || *P->p != '=')
        return tp_error(P, "expected '=' after key");
    P->p++;
    skip_ws(P);
    toml_value *t = walk_dotted(P, table);
    if (!t)
        return -1;
    /* The value may hold keys of its own: keep this one's last part. */
    toml_keypart last_part = P->key[P->nkey - 1], *last = &last_part;
    if (tab_find(t, last))
        return tp_error(P, "key " KEYFMT " is defined twice", KEYARG(last));
    toml_value *v;
    if (parse_value(P, t, &v) < 0)
        return -1;
    return tab_add(P, t, last, v);
}

/* [table] or [[array of tables]]; returns the table that follows it. */
static toml_value *header(toml_parser *P, toml_value *root)
{
    bool aot = P->end - P->p >= 2 && P->p[1] == '[';
    P->p += aot ? 2 : 1;
    P->section++;
    skip_ws(P);
    if (parse_key(P) < 0)
        return NULL;
    if (P->p >= P->end || *P->p != ']' || (aot && (P->end - P->p < 2 || P->p[1] != ']'))) {
        tp_error(P, aot ? "expected ']]' after table name" : "expected ']' after table name");
        return NULL;
    }
    P->p += aot ? 2 : 1;
    toml_value *t = root;
    for (size_t i = 0; i + 1 < P->nkey; i++) {
        toml_keypart *kp = &P->key[i];
        toml_value *c = tab_find(t, kp);
        if (!c) {
            c = new_container(P, TOML_TABLE, t, P->key_line);
            if (!c || tab_add(P, t, kp, c) < 0)
                return NULL;
        } else if (c->type == TOML_ARRAY && (c->flags & TF_AOT)) {
            c = c->u.arr.items[c->u.arr.n - 1];
        } else if (c->type != TOML_TABLE) {
            tp_error(P, "key " KEYFMT " already holds a value that is not a table", KEYARG(kp));
            return NULL;
        } else if (c->flags & TF_FROZEN) {
            tp_error(P, "cannot add to inline table " KEYFMT, KEYARG(kp));
            return NULL;
        }
        t = c;
    }
    toml_keypart *kp = &P->key[P->nkey - 1];
    toml_value *c = tab_find(t, kp);
    if (aot) {
        if (!c) {
            c = new_container(P, TOML_ARRAY, t, P->key_line);
            if (!c || tab_add(P, t, kp, c) < 0)
                return NULL;
            c->flags |= TF_AOT;
        } else if (c->type != TOML_ARRAY || !(c->flags & TF_AOT)) {
            tp_error(P, "key " KEYFMT " already holds a value that is not an array of tables",
                     KEYARG(kp));
            return NULL;
        }
        toml_value *e = new_container(P, TOML_TABLE, c, P->key_line);
        if (!e)
            return NULL;
        e->flags |= TF_EXPLICIT;
        if (c->u.arr.n >= UINT32_MAX / 4) {
            tp_error(P, "too many elements in one array");
            return NULL;
        }
        c->u.arr.items = grow(P, c->u.arr.items, c->u.arr.n, sizeof(toml_value *));
        c->u.arr.items[c->u.arr.n++] = e;
        return e;
    }
    if (!c) {
        c = new_container(P, TOML_TABLE, t, P->key_line);
        if (!c || tab_add(P, t, kp, c) < 0)
            return NULL;
    } else if (c->type == TOML_ARRAY && (c->flags & TF_AOT)) {
        tp_error(P, "key " KEYFMT " is an array of tables, not a table", KEYARG(kp));
        return NULL;
    } else if (c->type != TOML_TABLE || (c->flags & (TF_EXPLICIT | TF_FROZEN)) ||
               c->u.tab.dotted_section) {
        tp_error(P, "table " KEYFMT " is defined twice", KEYARG(kp));
        return NULL;
    }
    c->flags |= TF_EXPLICIT;
    c->line = P->key_line;
    return c;
}

static int parse_document(toml_parser *P, toml_value *root)
{
    toml_value *cur = root;
    while (P->p < P->end) {
        skip_ws(P);
        if (P->p < P->end) {
            char c = *P->p;
            if (c == '[') {
                cur = header(P, root);
                if (!cur)
                    return -1;
            } else if (c != '#' && c != '\n' && c != '\r') {
                if (keyval(P, cur) < 0)
                    return -1;
            }
        }
        skip_ws(P);
        if (P->p < P->end && *P->p == '#') {
            const char *nl = memchr(P->p, '\n', (size_t)(P->end - P->p));
            P->p = nl ? nl : P->end;
        }
        if (P->p < P->end && *P->p == '\r')
            P->p++;
        if (P->p < P->end) {
            if (*P->p != '\n')
                return tp_error(P, "expected a new line after the value");
            P->p++;
            P->line++;
        }
    }
    return 0;
}

int toml_parse(const char *data, size_t len, const char *file, toml_value **out,
               airlock_error *err)
{
    *out = NULL;
    toml_parser P = {.p = data, .end = data + len, .file = file ? file : "<input>", .line = 1,
                     .err = err};
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        P.p += 3;
    toml_doc *doc = xcalloc(1, sizeof(*doc));
    /* Address-space randomisation is the only entropy needed here. */
    P.seed = mix((uint64_t)(uintptr_t)doc ^ mix((uint64_t)(uintptr_t)&P) ^ (uint64_t)len);
    doc->root.type = TOML_TABLE;
    doc->root.line = 1;
    int rc = tl_check_bytes(&P);
    P.line = 1;
    if (rc == 0)
        rc = parse_document(&P, &doc->root);
    buf_free(&P.scratch);
    free(P.stack);
    doc->chunks = P.chunks;
    if (rc < 0) {
        toml_free(&doc->root);
        return -1;
    }
    *out = &doc->root;
    return 0;
}

void toml_free(toml_value *root)
{
    if (!root)
        return;
    toml_doc *doc = (toml_doc *)root;
    for (toml_chunk *c = doc->chunks, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(doc);
}

/* ---- accessors ---- */

toml_type toml_type_of(const toml_value *v) { return (toml_type)v->type; }

unsigned toml_line(const toml_value *v) { return v ? v->line : 0; }

size_t toml_len(const toml_value *v)
{
    if (!v)
        return 0;
    if (v->type == TOML_ARRAY)
        return v->u.arr.n;
    if (v->type == TOML_TABLE)
        return v->u.tab.n;
    return 0;
}

const toml_value *toml_at(const toml_value *v, size_t i)
{
    if (!v || v->type != TOML_ARRAY || i >= v->u.arr.n)
        return NULL;
    return v->u.arr.items[i];
}

const char *toml_key_at(const toml_value *v, size_t i)
{
    if (!v || v->type != TOML_TABLE || i >= v->u.tab.n)
        return NULL;
    return v->u.tab.e[i].key;
}

size_t toml_key_len(const toml_value *v, size_t i)
{
    if (!v || v->type != TOML_TABLE || i >= v->u.tab.n)
        return 0;
    return v->u.tab.e[i].klen;
}

const toml_value *toml_value_at(const toml_value *v, size_t i)
{
    if (!v || v->type != TOML_TABLE || i >= v->u.tab.n)
        return NULL;
    return v->u.tab.e[i].val;
}

const toml_value *toml_get(const toml_value *v, const char *key)
{
    if (!v || v->type != TOML_TABLE || !key)
        return NULL;
    size_t n = strlen(key);
    toml_keypart kp = {.s = key, .len = n};
    key_tag(&kp, key + n);
    return tab_find(v, &kp);
}

const char *toml_string(const toml_value *v, size_t *len)
{
    if (!v || v->type != TOML_STRING)
        return NULL;
    if (len)
        *len = v->u.str.len;
    return v->u.str.s;
}

bool toml_integer(const toml_value *v, int64_t *out)
{
    if (!v || v->type != TOML_INTEGER)
        return false;
    *out = v->u.i;
    return true;
}

bool toml_float(const toml_value *v, double *out)
{
    if (!v || v->type != TOML_FLOAT)
        return false;
    *out = v->u.f;
    return true;
}

bool toml_bool(const toml_value *v, bool *out)
{
    if (!v || v->type != TOML_BOOL)
        return false;
    *out = v->u.b;
    return true;
}

const char *toml_datetime(const toml_value *v)
{
    if (!v || v->type < TOML_DATETIME || v->type > TOML_TIME_LOCAL)
        return NULL;
    return v->u.str.s;
}

const char *toml_get_string(const toml_value *v, const char *key)
{
    return toml_string(toml_get(v, key), NULL);
}

const toml_value *toml_get_table(const toml_value *v, const char *key)
{
    const toml_value *t = toml_get(v, key);
    return t && t->type == TOML_TABLE ? t : NULL;
}

const toml_value *toml_get_array(const toml_value *v, const char *key)
{
    const toml_value *a = toml_get(v, key);
    return a && a->type == TOML_ARRAY ? a : NULL;
}

const char *toml_type_name(toml_type t)
{
    switch (t) {
    case TOML_TABLE: return "table";
    case TOML_ARRAY: return "array";
    case TOML_STRING: return "string";
    case TOML_INTEGER: return "integer";
    case TOML_FLOAT: return "float";
    case TOML_BOOL: return "bool";
    case TOML_DATETIME: return "datetime";
    case TOML_DATETIME_LOCAL: return "datetime-local";
    case TOML_DATE_LOCAL: return "date-local";
    case TOML_TIME_LOCAL: return "time-local";
    }
    return "?";
}
