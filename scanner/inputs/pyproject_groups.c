/*
 * pyproject_groups.c - PEP 735's [dependency-groups]: requirement strings
 * and {include-group = "NAME"} tables, names compared normalised.
 *
 * An included group's requirements are part of the including group, but
 * each requirement line stays one dependency: its group names its own
 * group, then every group that includes it, directly or not, in file
 * order ("test, dev, all").
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/name.h"
#include "core/toml.h"
#include "scanner/inputs/pyproject_int.h"

/* The group string of a requirement that several groups hold names them
 * up to about this length, then counts the rest: every dependency carries
 * its own copy, so a long chain must not multiply the input. */
#define GROUPS_MAX 512
/* Following include-group links costs one step per link per including
 * group; real files take a few dozen. A file that needs more is hostile.
 * (An include of a name that several groups share once normalised is one
 * link to each, so the links recorded are bounded too.) */
#define INCLUDE_STEPS_MAX ((size_t)1 << 20)

typedef pyproject_reader reader;

typedef struct dgroup {
    const char *name;          /* the key, as written */
    char *norm;                /* PEP 503-normalised, for include-group lookups */
    const toml_value *list;    /* NULL when the value is not an array */
    size_t *inc;               /* groups it includes */
    unsigned *inc_line;        /* the line of each include */
    size_t n_inc, cap_inc;
    size_t *holders;           /* groups that include it, directly or not, in file order */
    size_t n_holders, cap_holders;
    size_t seen;               /* DFS stamp */
    int color;                 /* cycle search: 0 new, 1 on the path, 2 done */
} dgroup;

typedef struct dgroups {
    dgroup *g;
    size_t n;
    size_t *by_norm; /* indices sorted by norm, then index */
    size_t links;    /* include links recorded */
} dgroups;

static void push_size(size_t **a, size_t *n, size_t *cap, size_t v)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        *a = xrealloc(*a, *cap * sizeof **a);
    }
    (*a)[(*n)++] = v;
}

typedef struct norm_ref {
    const char *norm;
    size_t i;
} norm_ref;

static int norm_ref_cmp(const void *a, const void *b)
{
    const norm_ref *x = a, *y = b;
    int c = strcmp(x->norm, y->norm);
    return c ? c : (x->i < y->i ? -1 : x->i > y->i);
}

/* The first position in by_norm whose group's name normalises to `norm`,
 * or gs->n. */
static size_t find_norm(const dgroups *gs, const char *norm)
{
    size_t lo = 0, hi = gs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(gs->g[gs->by_norm[mid]].norm, norm) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < gs->n && strcmp(gs->g[gs->by_norm[lo]].norm, norm) == 0 ? lo : gs->n;
}

static void dgroups_free(dgroups *gs)
{
    for (size_t i = 0; i < gs->n; i++) {
        free(gs->g[i].norm);
        free(gs->g[i].inc);
        free(gs->g[i].inc_line);
        free(gs->g[i].holders);
    }
    free(gs->g);
    free(gs->by_norm);
}

/* Record the includes of group `i`: {include-group = "NAME"} tables. Bad
 * tables and unknown groups are warnings (nothing is lost: an include adds
 * no requirement of its own). */
static int too_many_links(const reader *r, unsigned line, airlock_error *err)
{
    return error_set(err, "%s:%u: dependency groups: more than %zu include-group links to "
                          "follow", r->path, line, INCLUDE_STEPS_MAX);
}

static int collect_includes(reader *r, dgroups *gs, size_t i, airlock_error *err)
{
    dgroup *g = &gs->g[i];
    for (size_t k = 0; k < toml_len(g->list); k++) {
        const toml_value *v = toml_at(g->list, k);
        if (toml_type_of(v) != TOML_TABLE)
            continue;
        unsigned line = toml_line(v);
        const char *target = toml_get_string(v, "include-group");
        if (toml_len(v) != 1 || target == NULL) {
            diag_warn(r->d, r->path, line,
                      "dependency group '%s': a table in a group must be {include-group = "
                      "\"NAME\"} and nothing else", g->name);
            continue;
        }
        char *norm = name_canonicalize(target, strlen(target));
        size_t pos = find_norm(gs, norm);
        if (pos == gs->n)
            diag_warn(r->d, r->path, line,
                      "dependency group '%s': include-group '%s': no such group", g->name,
                      target);
        for (; pos < gs->n && strcmp(gs->g[gs->by_norm[pos]].norm, norm) == 0; pos++) {
            if (++gs->links > INCLUDE_STEPS_MAX) {
                free(norm);
                return too_many_links(r, line, err);
            }
            size_t cap = g->cap_inc;
            push_size(&g->inc, &g->n_inc, &g->cap_inc, gs->by_norm[pos]);
            if (g->cap_inc != cap)
                g->inc_line = xrealloc(g->inc_line, g->cap_inc * sizeof *g->inc_line);
            g->inc_line[g->n_inc - 1] = line;
        }
        free(norm);
    }
    return 0;
}

/* PEP 735: "tools SHOULD report an error if include cycles are detected".
 * An error, naming the groups on the cycle, since a cycle makes what a
 * group holds undefined. Iterative: hostile chains may be long. */
static int find_cycle(const reader *r, dgroups *gs, airlock_error *err)
{
    size_t *stack = xmalloc((gs->n + 1) * sizeof *stack);
    size_t *next = xcalloc(gs->n + 1, sizeof *next);
    int rc = 0;
    for (size_t root = 0; root < gs->n && rc == 0; root++) {
        if (gs->g[root].color != 0)
            continue;
        size_t depth = 0;
        stack[depth++] = root;
        next[root] = 0;
        gs->g[root].color = 1;
        while (depth > 0 && rc == 0) {
            size_t u = stack[depth - 1];
            dgroup *g = &gs->g[u];
            if (next[u] == g->n_inc) {
                g->color = 2;
                depth--;
                continue;
            }
            size_t k = next[u]++;
            size_t v = g->inc[k];
            if (gs->g[v].color == 2)
                continue;
            if (gs->g[v].color == 0) {
                gs->g[v].color = 1;
                next[v] = 0;
                stack[depth++] = v;
                continue;
            }
            /* v is on the path: the cycle is v ... u -> v. */
            buf path = {0};
            size_t from = depth;
            while (from > 0 && stack[from - 1] != v)
                from--;
            for (size_t j = from > 0 ? from - 1 : 0; j < depth && path.len < 600; j++) {
                pyproject_label(&path, gs->g[stack[j]].name);
                buf_puts(&path, " -> ");
            }
            if (path.len >= 600)
                buf_puts(&path, "... -> ");
            pyproject_label(&path, gs->g[v].name);
            rc = error_set(err, "%s:%u: dependency groups include each other in a cycle: %s",
                           r->path, g->inc_line[k], path.data);
            buf_free(&path);
        }
    }
    free(stack);
    free(next);
    return rc;
}

/* Every group's holders: the groups that include it, directly or through
 * others, in file order. */
static int find_holders(const reader *r, dgroups *gs, unsigned line, airlock_error *err)
{
    size_t *stack = xmalloc((gs->n + 1) * sizeof *stack);
    size_t steps = 0;
    for (size_t i = 0; i < gs->n; i++)
        gs->g[i].seen = 0;
    for (size_t root = 0; root < gs->n; root++) {
        size_t depth = 0;
        gs->g[root].seen = root + 1;
        stack[depth++] = root;
        while (depth > 0) {
            const dgroup *g = &gs->g[stack[--depth]];
            for (size_t k = 0; k < g->n_inc; k++) {
                if (++steps > INCLUDE_STEPS_MAX) {
                    free(stack);
                    return too_many_links(r, line, err);
                }
                dgroup *h = &gs->g[g->inc[k]];
                if (h->seen == root + 1)
                    continue;
                h->seen = root + 1;
                push_size(&h->holders, &h->n_holders, &h->cap_holders, root);
                stack[depth++] = g->inc[k];
            }
        }
    }
    free(stack);
    return 0;
}

static void emit_group(reader *r, const dgroups *gs, size_t i)
{
    const dgroup *g = &gs->g[i];
    buf group = {0};
    pyproject_label(&group, g->name);
    bool dev = strcmp(g->norm, "dev") == 0;
    size_t k;
    for (k = 0; k < g->n_holders && group.len < GROUPS_MAX; k++) {
        buf_puts(&group, ", ");
        pyproject_label(&group, gs->g[g->holders[k]].name);
    }
    if (k < g->n_holders)
        buf_printf(&group, " (+%zu more)", g->n_holders - k);
    for (k = 0; k < g->n_holders; k++)
        if (strcmp(gs->g[g->holders[k]].norm, "dev") != 0)
            dev = false;
    buf where = {0};
    buf_puts(&where, "dependency group ");
    pyproject_label(&where, g->name);
    for (k = 0; k < toml_len(g->list); k++) {
        const toml_value *v = toml_at(g->list, k);
        if (toml_type_of(v) != TOML_TABLE) /* (includes were read before) */
            pyproject_requirement(r, v, where.data, group.data, dev);
    }
    buf_free(&group);
    buf_free(&where);
}

int pyproject_groups(reader *r, const toml_value *table, airlock_error *err)
{
    dgroups gs = {0};
    gs.n = toml_len(table);
    gs.g = xcalloc(gs.n + 1, sizeof *gs.g);
    gs.by_norm = xmalloc((gs.n + 1) * sizeof *gs.by_norm);
    for (size_t i = 0; i < gs.n; i++) {
        dgroup *g = &gs.g[i];
        const toml_value *v = toml_value_at(table, i);
        g->name = toml_key_at(table, i);
        g->norm = name_canonicalize(g->name, strlen(g->name));
        if (!name_is_valid(g->name, toml_key_len(table, i)))
            diag_warn(r->d, r->path, toml_line(v), "dependency group '%s': not a valid name",
                      g->name);
        if (toml_type_of(v) == TOML_ARRAY)
            g->list = v;
        else
            diag_warn(r->d, r->path, toml_line(v),
                      "dependency group '%s' must be an array, not %s", g->name,
                      toml_type_name(toml_type_of(v)));
    }
    norm_ref *refs = xmalloc((gs.n + 1) * sizeof *refs);
    for (size_t i = 0; i < gs.n; i++)
        refs[i] = (norm_ref){gs.g[i].norm, i};
    qsort(refs, gs.n, sizeof *refs, norm_ref_cmp);
    for (size_t i = 0; i < gs.n; i++)
        gs.by_norm[i] = refs[i].i;
    free(refs);
    for (size_t p = 1; p < gs.n; p++) {
        const dgroup *a = &gs.g[gs.by_norm[p - 1]], *b = &gs.g[gs.by_norm[p]];
        if (strcmp(a->norm, b->norm) == 0)
            diag_warn(r->d, r->path, toml_line(toml_value_at(table, gs.by_norm[p])),
                      "dependency groups '%s' and '%s' are one name once normalised (PEP "
                      "735); an include of it includes both", a->name, b->name);
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < gs.n; i++)
        rc = collect_includes(r, &gs, i, err);
    if (rc == 0)
        rc = find_cycle(r, &gs, err);
    if (rc == 0)
        rc = find_holders(r, &gs, toml_line(table), err);
    for (size_t i = 0; rc == 0 && i < gs.n; i++)
        emit_group(r, &gs, i);
    dgroups_free(&gs);
    return rc;
}
