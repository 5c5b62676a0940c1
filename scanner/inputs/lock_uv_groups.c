/*
 * lock_uv_groups.c - labels flowing over uv.lock's dependency graph (see the
 * header for the rules and why they never make a needed package dev).
 *
 * Nodes are the packages and each (package, extra) pair; a node's labels
 * are a 64-bit mask. A worklist pushes a node again only when its mask
 * grew, so each node is processed at most 65 times, and every step is
 * counted against a work budget so a hostile graph cannot take long.
 */
#include "scanner/inputs/lock_uv_groups.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/name.h"

#define MAX_LABELS 64
/* The largest real lockfile (docling's, 389 packages) takes 19,667 steps,
 * about 50 a package; a 110 KB file of 1,100 entries of one name, each
 * depending on that name, exhausts the budget in 0.04 s of CPU. */
#define WORK_MAX 2000000ULL

typedef struct byname {
    const char *norm;
    size_t pkg;
} byname;

typedef struct uvg {
    const toml_value *pkgs;
    size_t n;           /* packages */
    const size_t *dep_at;
    dep_list *out;
    byname *sorted;     /* named packages by normalised name */
    size_t nsorted;
    size_t *ext_off;    /* first extra node of each package, minus n */
    size_t *ext_pkg;    /* package of each extra node (index minus n) */
    size_t *ext_k;      /* its key index in optional-dependencies */
    size_t nodes;
    const char **version;     /* each package's version, NULL when none */
    const toml_value **source; /* and its source table */
    size_t *edges, nedges, edges_cap; /* resolved references, as nodes */
    size_t *edge_off;         /* node i's edges start at edge_off[i] */
    uint64_t *mask;
    bool *incoming, *root, *queued;
    size_t *queue, qhead, qlen;
    char *labels[MAX_LABELS];
    unsigned nlabels;
    uint64_t devmask;
    unsigned long long work;
    bool failed;
} uvg;

static bool spend(uvg *g, unsigned long long units)
{
    g->work += units;
    if (g->work > WORK_MAX)
        g->failed = true;
    return !g->failed;
}

static int cmp_byname(const void *a, const void *b)
{
    const byname *x = a, *y = b;
    int c = strcmp(x->norm, y->norm);
    return c ? c : (x->pkg > y->pkg) - (x->pkg < y->pkg);
}

/* The bit of label `text` (a copy is kept); 0 and g->failed when there
 * would be more than MAX_LABELS. */
static uint64_t label_bit(uvg *g, const char *prefix, const char *text)
{
    buf b = {0};
    buf_puts(&b, prefix);
    buf_puts(&b, text);
    for (unsigned i = 0; i < g->nlabels; i++) {
        if (strcmp(g->labels[i], b.data) == 0) {
            buf_free(&b);
            return (uint64_t)1 << i;
        }
    }
    if (g->nlabels == MAX_LABELS) {
        buf_free(&b);
        g->failed = true;
        return 0;
    }
    unsigned id = g->nlabels++;
    g->labels[id] = buf_detach(&b, NULL);
    if (prefix[0] == '\0') {
        char *norm = name_canonicalize(text, strlen(text));
        if (strcmp(norm, "dev") == 0)
            g->devmask |= (uint64_t)1 << id;
        free(norm);
    }
    return (uint64_t)1 << id;
}

static void add(uvg *g, size_t node, uint64_t m)
{
    if ((g->mask[node] | m) == g->mask[node])
        return;
    g->mask[node] |= m;
    if (!g->queued[node]) {
        g->queued[node] = true;
        g->queue[(g->qhead + g->qlen++) % g->nodes] = node;
    }
}

/* The two `source` tables name the same source: one key, equal strings. */
static bool same_source(const toml_value *a, const toml_value *b)
{
    if (toml_len(a) != 1 || toml_len(b) != 1 || strcmp(toml_key_at(a, 0), toml_key_at(b, 0)))
        return false;
    const char *x = toml_string(toml_value_at(a, 0), NULL);
    const char *y = toml_string(toml_value_at(b, 0), NULL);
    return x != NULL && y != NULL && strcmp(x, y) == 0;
}

/* Package `p` is the entry a reference with version `v` and source `src`
 * (each NULL when the reference does not give it) names. */
static bool ref_matches(const uvg *g, const char *v, const toml_value *src, size_t p)
{
    if (v != NULL && (g->version[p] == NULL || strcmp(v, g->version[p]) != 0))
        return false;
    return src == NULL || (g->source[p] != NULL && same_source(src, g->source[p]));
}

static void push_node(uvg *g, size_t node)
{
    if (!spend(g, 1))
        return;
    if (g->nedges == g->edges_cap) {
        g->edges_cap = g->edges_cap ? 2 * g->edges_cap : 256;
        g->edges = xrealloc(g->edges, g->edges_cap * sizeof *g->edges);
    }
    g->edges[g->nedges++] = node;
}

/* Target `t` of a reference, and the extras of `t` it asks for, appended
 * to g->edges as nodes; an edge from another package marks `t` incoming. */
static void enter(uvg *g, const toml_value *ref, size_t t, size_t from)
{
    if (t != from)
        g->incoming[t] = true;
    push_node(g, t);
    const toml_value *extras = toml_get_array(ref, "extra");
    const toml_value *opt = toml_get_table(toml_at(g->pkgs, t), "optional-dependencies");
    for (size_t e = 0; e < toml_len(extras) && opt != NULL; e++) {
        const char *want = toml_string(toml_at(extras, e), NULL);
        for (size_t k = 0; want != NULL && k < toml_len(opt) && spend(g, 1); k++) {
            if (strcmp(toml_key_at(opt, k), want) == 0) {
                push_node(g, g->n + g->ext_off[t] + k);
                break;
            }
        }
    }
}

/* Resolve one reference `{name, version?, source?, extra?}` from package
 * `from` (SIZE_MAX for the manifest) into nodes appended to g->edges:
 * every entry of that name that it matches, or every entry of that name
 * when it matches none. */
static void follow(uvg *g, const toml_value *ref, size_t from)
{
    const char *name = toml_get_string(ref, "name");
    if (name == NULL || g->failed)
        return;
    char *norm = name_canonicalize(name, strlen(name));
    size_t lo = 0, hi = g->nsorted;
    while (lo < hi && spend(g, 1)) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(g->sorted[mid].norm, norm) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < g->nsorted && strcmp(g->sorted[end].norm, norm) == 0 && spend(g, 1))
        end++;
    free(norm);
    const char *v = toml_get_string(ref, "version");
    const toml_value *src = toml_get_table(ref, "source");
    size_t matched = 0;
    for (size_t i = lo; i < end && spend(g, 1); i++)
        matched += ref_matches(g, v, src, g->sorted[i].pkg);
    for (size_t i = lo; i < end && spend(g, 1); i++) {
        size_t t = g->sorted[i].pkg;
        if (matched == 0 || ref_matches(g, v, src, t))
            enter(g, ref, t, from);
    }
}

static void follow_all(uvg *g, const toml_value *refs, size_t from)
{
    for (size_t i = 0; i < toml_len(refs) && !g->failed; i++)
        follow(g, toml_at(refs, i), from);
}

/* Resolve `refs` (not kept as a node's edges) and give their nodes `m`. */
static void seed(uvg *g, const toml_value *refs, size_t from, uint64_t m)
{
    size_t mark = g->nedges;
    follow_all(g, refs, from);
    for (size_t i = mark; i < g->nedges && m != 0; i++)
        add(g, g->edges[i], m);
    g->nedges = mark;
}

/* One node's labels flow along its edges: a package's `dependencies`; an
 * extra's `optional-dependencies.X`, and (but for a root, whose extras are
 * labelled apart) the package itself. */
static void process(uvg *g, size_t node)
{
    uint64_t m = g->mask[node];
    for (size_t i = g->edge_off[node]; i < g->edge_off[node + 1]; i++)
        add(g, g->edges[i], m);
    if (node >= g->n && !g->root[g->ext_pkg[node - g->n]])
        add(g, g->ext_pkg[node - g->n], m);
}

/* Resolve every node's references once into g->edges (node i's are
 * edges[edge_off[i] .. edge_off[i + 1]]), marking incoming edges; the
 * dev-dependencies and the manifest are resolved only to mark theirs. */
static void build_edges(uvg *g, const toml_value *manifest)
{
    for (size_t node = 0; node < g->nodes && !g->failed; node++) {
        g->edge_off[node] = g->nedges;
        if (node < g->n) {
            follow_all(g, toml_get_array(toml_at(g->pkgs, node), "dependencies"), node);
        } else {
            size_t p = g->ext_pkg[node - g->n];
            const toml_value *opt = toml_get_table(toml_at(g->pkgs, p), "optional-dependencies");
            const toml_value *refs = toml_value_at(opt, g->ext_k[node - g->n]);
            if (toml_type_of(refs) == TOML_ARRAY)
                follow_all(g, refs, p);
        }
    }
    g->edge_off[g->nodes] = g->nedges;
    for (size_t p = 0; p < g->n && !g->failed; p++) {
        const toml_value *dev = toml_get_table(toml_at(g->pkgs, p), "dev-dependencies");
        for (size_t k = 0; k < toml_len(dev); k++)
            if (toml_type_of(toml_value_at(dev, k)) == TOML_ARRAY)
                seed(g, toml_value_at(dev, k), p, 0);
    }
    seed(g, toml_get_array(manifest, "requirements"), SIZE_MAX, 0);
    const toml_value *groups = toml_get_table(manifest, "dependency-groups");
    for (size_t k = 0; k < toml_len(groups); k++)
        if (toml_type_of(toml_value_at(groups, k)) == TOML_ARRAY)
            seed(g, toml_value_at(groups, k), SIZE_MAX, 0);
}

static bool is_member_source(const toml_value *pkg)
{
    const toml_value *src = toml_get_table(pkg, "source");
    const char *v = toml_get_string(src, "virtual");
    if (v == NULL)
        v = toml_get_string(src, "editable");
    return v != NULL && strcmp(v, ".") == 0;
}

static void find_roots(uvg *g, const toml_value *manifest)
{
    const toml_value *members = toml_get_array(manifest, "members");
    for (size_t p = 0; p < g->n; p++)
        g->root[p] = g->dep_at[p] != SIZE_MAX &&
                     (!g->incoming[p] || is_member_source(toml_at(g->pkgs, p)));
    for (size_t i = 0; i < toml_len(members); i++) {
        const char *name = toml_string(toml_at(members, i), NULL);
        if (name == NULL)
            continue;
        char *norm = name_canonicalize(name, strlen(name));
        for (size_t j = 0; j < g->nsorted && spend(g, 1); j++)
            if (strcmp(g->sorted[j].norm, norm) == 0)
                g->root[g->sorted[j].pkg] = true;
        free(norm);
    }
}

/* Seed the roots' labels and the manifest's, then run the worklist to a
 * fixed point. */
static void flow(uvg *g, const toml_value *manifest)
{
    uint64_t project = label_bit(g, "", "project");
    for (size_t p = 0; p < g->n && !g->failed; p++) {
        if (!g->root[p])
            continue;
        add(g, p, project);
        const toml_value *pkg = toml_at(g->pkgs, p);
        const toml_value *opt = toml_get_table(pkg, "optional-dependencies");
        for (size_t k = 0; k < toml_len(opt) && !g->failed; k++)
            add(g, g->n + g->ext_off[p] + k, label_bit(g, "extra:", toml_key_at(opt, k)));
        const toml_value *dev = toml_get_table(pkg, "dev-dependencies");
        for (size_t k = 0; k < toml_len(dev) && !g->failed; k++) {
            uint64_t m = label_bit(g, "", toml_key_at(dev, k));
            if (toml_type_of(toml_value_at(dev, k)) == TOML_ARRAY)
                seed(g, toml_value_at(dev, k), p, m);
        }
    }
    seed(g, toml_get_array(manifest, "requirements"), SIZE_MAX, project);
    const toml_value *groups = toml_get_table(manifest, "dependency-groups");
    for (size_t k = 0; k < toml_len(groups) && !g->failed; k++) {
        uint64_t m = label_bit(g, "", toml_key_at(groups, k));
        if (toml_type_of(toml_value_at(groups, k)) == TOML_ARRAY)
            seed(g, toml_value_at(groups, k), SIZE_MAX, m);
    }
    while (g->qlen > 0 && !g->failed && spend(g, 1)) {
        size_t node = g->queue[g->qhead];
        g->qhead = (g->qhead + 1) % g->nodes;
        g->qlen--;
        g->queued[node] = false;
        process(g, node);
    }
}

static void assign(uvg *g)
{
    for (size_t p = 0; p < g->n; p++) {
        uint64_t m = g->mask[p];
        if (g->dep_at[p] == SIZE_MAX || m == 0)
            continue;
        dependency *dep = &g->out->items[g->dep_at[p]];
        buf b = {0};
        for (unsigned i = 0; i < g->nlabels; i++) {
            if (m & ((uint64_t)1 << i)) {
                if (b.len > 0)
                    buf_puts(&b, ", ");
                buf_puts(&b, g->labels[i]);
            }
        }
        free(dep->group);
        dep->group = buf_detach(&b, NULL);
        dep->dev = (m & ~g->devmask) == 0;
    }
}

void lock_uv_groups(const toml_value *root, const toml_value *pkgs, const size_t *dep_at,
                    dep_list *out)
{
    uvg g = {0};
    g.pkgs = pkgs;
    g.n = toml_len(pkgs);
    g.dep_at = dep_at;
    g.out = out;
    if (g.n == 0)
        return;
    g.sorted = xcalloc(g.n, sizeof *g.sorted);
    g.ext_off = xcalloc(g.n, sizeof *g.ext_off);
    size_t next = 0;
    g.version = xcalloc(g.n, sizeof *g.version);
    g.source = xcalloc(g.n, sizeof *g.source);
    for (size_t p = 0; p < g.n; p++) {
        g.version[p] = toml_get_string(toml_at(pkgs, p), "version");
        g.source[p] = toml_get_table(toml_at(pkgs, p), "source");
        if (dep_at[p] != SIZE_MAX)
            g.sorted[g.nsorted++] = (byname){out->items[dep_at[p]].normalized, p};
        g.ext_off[p] = next;
        next += toml_len(toml_get_table(toml_at(pkgs, p), "optional-dependencies"));
    }
    qsort(g.sorted, g.nsorted, sizeof *g.sorted, cmp_byname);
    g.nodes = g.n + next;
    g.ext_pkg = xcalloc(next ? next : 1, sizeof *g.ext_pkg);
    g.ext_k = xcalloc(next ? next : 1, sizeof *g.ext_k);
    for (size_t p = 0; p < g.n; p++) {
        size_t k_n = toml_len(toml_get_table(toml_at(pkgs, p), "optional-dependencies"));
        for (size_t k = 0; k < k_n; k++) {
            g.ext_pkg[g.ext_off[p] + k] = p;
            g.ext_k[g.ext_off[p] + k] = k;
        }
    }
    g.edge_off = xcalloc(g.nodes + 1, sizeof *g.edge_off);
    g.mask = xcalloc(g.nodes, sizeof *g.mask);
    g.incoming = xcalloc(g.n, sizeof *g.incoming);
    g.root = xcalloc(g.n, sizeof *g.root);
    g.queued = xcalloc(g.nodes, sizeof *g.queued);
    g.queue = xcalloc(g.nodes, sizeof *g.queue);

    const toml_value *manifest = toml_get_table(root, "manifest");
    build_edges(&g, manifest);
    if (!g.failed)
        find_roots(&g, manifest);
    if (!g.failed)
        flow(&g, manifest);
    if (!g.failed)
        assign(&g);

    for (unsigned i = 0; i < g.nlabels; i++)
        free(g.labels[i]);
    free(g.sorted);
    free(g.version);
    free(g.source);
    free(g.edges);
    free(g.edge_off);
    free(g.ext_off);
    free(g.ext_pkg);
    free(g.ext_k);
    free(g.mask);
    free(g.incoming);
    free(g.root);
    free(g.queued);
    free(g.queue);
}
