/*
 * lock_pylock_marker.c - the groups a pylock.toml marker requires (see the
 * header). Only the marker's boolean shape is read here; comparisons other
 * than `'x' in extras` / `'x' in dependency_groups` are not evaluated, so
 * reading them as "no group required" is always the safe side.
 */
#include "scanner/inputs/lock_pylock_marker.h"

#include <stdlib.h>
#include <string.h>

#include "core/name.h"
#include "scanner/inputs/markers.h"

#define MAX_GROUPS 64

typedef enum tok_kind { T_END, T_LPAREN, T_RPAREN, T_STR, T_WORD, T_OP, T_BAD } tok_kind;

typedef struct token {
    tok_kind kind;
    const char *s; /* T_STR: the text inside the quotes; others: the token */
    size_t n;
} token;

typedef struct label {
    const char *s;
    size_t n;
    bool extra;
} label;

/* A set of labels one of which must be selected; `any` when there is no
 * such set (the marker may be true with no group selected). */
typedef struct req {
    bool any;
    size_t n;
    label items[MAX_GROUPS];
} req;

typedef struct lexer {
    const char *p, *end;
    token tok; /* the current token */
    unsigned depth;
    bool failed;
} lexer;

static bool is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.';
}

static void next(lexer *lx)
{
    while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'))
        lx->p++;
    token *t = &lx->tok;
    t->s = lx->p;
    t->n = 1;
    if (lx->p == lx->end) {
        t->kind = T_END;
        t->n = 0;
        return;
    }
    char c = *lx->p;
    if (c == '(' || c == ')') {
        t->kind = c == '(' ? T_LPAREN : T_RPAREN;
        lx->p++;
    } else if (c == '\'' || c == '"') {
        const char *close = memchr(lx->p + 1, c, (size_t)(lx->end - lx->p - 1));
        if (close == NULL) {
            t->kind = T_BAD;
            return;
        }
        t->kind = T_STR;
        t->s = lx->p + 1;
        t->n = (size_t)(close - t->s);
        lx->p = close + 1;
    } else if (is_word_char(c)) {
        t->kind = T_WORD;
        while (lx->p < lx->end && is_word_char(*lx->p))
            lx->p++;
        t->n = (size_t)(lx->p - t->s);
    } else if (c != '\0' && strchr("<>=!~", c) != NULL) {
        t->kind = T_OP;
        while (lx->p < lx->end && *lx->p != '\0' && strchr("<>=!~", *lx->p) != NULL)
            lx->p++;
        t->n = (size_t)(lx->p - t->s);
    } else {
        t->kind = T_BAD;
    }
}

static bool is_word(const token *t, const char *w)
{
    return t->kind == T_WORD && t->n == strlen(w) && memcmp(t->s, w, t->n) == 0;
}

static bool is_value(const token *t)
{
    return t->kind == T_STR ||
           (t->kind == T_WORD && !is_word(t, "and") && !is_word(t, "or") &&
            !is_word(t, "not") && !is_word(t, "in"));
}

static void req_any(req *r)
{
    r->any = true;
    r->n = 0;
}

static void req_add(req *r, const label *l)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i].extra == l->extra && r->items[i].n == l->n &&
            memcmp(r->items[i].s, l->s, l->n) == 0)
            return;
    if (r->n == MAX_GROUPS)
        req_any(r); /* too many to name: read as no requirement */
    else
        r->items[r->n++] = *l;
}

static void parse_or(lexer *lx, req *out);

/* atom := '(' or ')' | VALUE OP VALUE | VALUE ['not'] 'in' VALUE */
static void parse_atom(lexer *lx, req *out)
{
    req_any(out);
    if (lx->tok.kind == T_LPAREN) {
        if (++lx->depth > MARKER_MAX_DEPTH) {
            lx->failed = true;
            return;
        }
        next(lx);
        parse_or(lx, out);
        if (lx->tok.kind != T_RPAREN) {
            lx->failed = true;
            return;
        }
        lx->depth--;
        next(lx);
        return;
    }
    if (!is_value(&lx->tok)) {
        lx->failed = true;
        return;
    }
    token left = lx->tok;
    next(lx);
    bool in = false;
    if (is_word(&lx->tok, "not")) {
        next(lx);
        if (!is_word(&lx->tok, "in")) {
            lx->failed = true;
            return;
        }
    } else if (is_word(&lx->tok, "in")) {
        in = true;
    } else if (lx->tok.kind != T_OP) {
        lx->failed = true;
        return;
    }
    next(lx);
    if (!is_value(&lx->tok)) {
        lx->failed = true;
        return;
    }
    token right = lx->tok;
    next(lx);
    if (in && left.kind == T_STR &&
        (is_word(&right, "dependency_groups") || is_word(&right, "extras"))) {
        label l = {left.s, left.n, is_word(&right, "extras")};
        out->any = false;
        req_add(out, &l);
    }
}

/* and := atom ('and' atom)*: true only when every atom is, so any atom's
 * requirement holds; the smallest is kept (the first of equal size). */
static void parse_and(lexer *lx, req *out)
{
    parse_atom(lx, out);
    while (!lx->failed && is_word(&lx->tok, "and")) {
        next(lx);
        req *r = xmalloc(sizeof *r);
        parse_atom(lx, r);
        if (!r->any && (out->any || r->n < out->n))
            *out = *r;
        free(r);
    }
}

/* or := and ('or' and)*: true when any part is, so a requirement holds only
 * when every part has one; it is then their union. */
static void parse_or(lexer *lx, req *out)
{
    parse_and(lx, out);
    while (!lx->failed && is_word(&lx->tok, "or")) {
        next(lx);
        req *r = xmalloc(sizeof *r);
        parse_and(lx, r);
        if (r->any)
            req_any(out);
        for (size_t i = 0; !out->any && i < r->n; i++)
            req_add(out, &r->items[i]);
        free(r);
    }
}

void pylock_marker_groups(const char *text, buf *group, bool *dev)
{
    *dev = false;
    size_t len = strlen(text);
    if (len > MARKER_MAX_TEXT)
        return;
    lexer lx = {text, text + len, {T_END, text, 0}, 0, false};
    next(&lx);
    req *r = xmalloc(sizeof *r);
    parse_or(&lx, r);
    if (!lx.failed && lx.tok.kind == T_END && !r->any && r->n > 0) {
        for (size_t i = 0; i < r->n; i++) {
            if (i > 0)
                buf_puts(group, ", ");
            if (r->items[i].extra)
                buf_puts(group, "extra:");
            buf_append(group, r->items[i].s, r->items[i].n);
        }
        if (r->n == 1 && !r->items[0].extra) {
            char *norm = name_canonicalize(r->items[0].s, r->items[0].n);
            *dev = strcmp(norm, "dev") == 0;
            free(norm);
        }
    }
    free(r);
}
