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
/* About a second of work on the slowest machine we know; real lockfiles
 * need well under a million steps. */
#define WORK_MAX 20000000ULL

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

static bool ref_matches(const toml_value *ref, const toml_value *pkg)
{
    const char *v = toml_get_string(ref, "version");
    if (v != NULL && (toml_get_string(pkg, "version") == NULL ||
                      strcmp(v, toml_get_string(pkg, "version")) != 0))
        return false;
    const toml_value *src = toml_get_table(ref, "source");
    const toml_value *psrc = toml_get_table(pkg, "source");
    return src == NULL || (psrc != NULL && same_source(src, psrc));
}

/* Enter target `t` (and the extras the reference asks for) with mask `m`;
 * with m == 0, only note that `t` has an incoming edge from `from`. */
static void enter(uvg *g, const toml_value *ref, size_t t, size_t from, uint64_t m)
{
    if (m == 0) {
        if (t != from)
            g->incoming[t] = true;
        return;
    }
    add(g, t, m);
    const toml_value *extras = toml_get_array(ref, "extra");
    const toml_value *opt = toml_get_table(toml_at(g->pkgs, t), "optional-dependencies");
    for (size_t e = 0; e < toml_len(extras) && opt != NULL; e++) {
        const char *want = toml_string(toml_at(extras, e), NULL);
        for (size_t k = 0; want != NULL && k < toml_len(opt) && spend(g, 1); k++) {
            if (strcmp(toml_key_at(opt, k), want) == 0) {
                add(g, g->n + g->ext_off[t] + k, m);
                break;
            }
        }
    }
}

/* Follow one reference `{name, version?, source?, extra?}` from package
 * `from` (SIZE_MAX for the manifest): every entry of that name that it
 * matches, or every entry of that name when it matches none. */
static void follow(uvg *g, const toml_value *ref, size_t from, uint64_t m)
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
    size_t matched = 0;
    for (size_t i = lo; i < end && spend(g, 1); i++)
        matched += ref_matches(ref, toml_at(g->pkgs, g->sorted[i].pkg));
    for (size_t i = lo; i < end && spend(g, 1); i++) {
        size_t t = g->sorted[i].pkg;
        if (matched == 0 || ref_matches(ref, toml_at(g->pkgs, t)))
            enter(g, ref, t, from, m);
    }
}

static void follow_all(uvg *g, const toml_value *refs, size_t from, uint64_t m)
{
    for (size_t i = 0; i < toml_len(refs) && !g->failed; i++)
        follow(g, toml_at(refs, i), from, m);
}

/* One node's labels flow along its edges: a package's `dependencies`; an
 * extra's `optional-dependencies.X`, and (but for a root, whose extras are
 * labelled apart) the package itself. */
static void process(uvg *g, size_t node)
{
    uint64_t m = g->mask[node];
    if (node < g->n) {
        follow_all(g, toml_get_array(toml_at(g->pkgs, node), "dependencies"), node, m);
        return;
    }
    size_t p = g->ext_pkg[node - g->n];
    const toml_value *opt = toml_get_table(toml_at(g->pkgs, p), "optional-dependencies");
    const toml_value *refs = toml_value_at(opt, g->ext_k[node - g->n]);
    if (toml_type_of(refs) == TOML_ARRAY)
        follow_all(g, refs, p, m);
    if (!g->root[p])
        add(g, p, m);
}

/* Every edge of the graph, with mask `m` (0: only mark incoming edges). */
static void each_edge(uvg *g, uint64_t m)
{
    for (size_t p = 0; p < g->n && !g->failed; p++) {
        const toml_value *pkg = toml_at(g->pkgs, p);
        follow_all(g, toml_get_array(pkg, "dependencies"), p, m);
        const toml_value *tabs[2] = {toml_get_table(pkg, "optional-dependencies"),
                                     toml_get_table(pkg, "dev-dependencies")};
        for (size_t t = 0; t < 2; t++)
            for (size_t k = 0; k < toml_len(tabs[t]); k++)
                if (toml_type_of(toml_value_at(tabs[t], k)) == TOML_ARRAY)
                    follow_all(g, toml_value_at(tabs[t], k), p, m);
    }
}

/* [manifest] requirements ("project") and dependency-groups; with m == 0,
 * only their incoming edges. */
static void manifest_edges(uvg *g, const toml_value *manifest, bool label)
{
    uint64_t project = label ? label_bit(g, "", "project") : 0;
    follow_all(g, toml_get_array(manifest, "requirements"), SIZE_MAX, project);
    const toml_value *groups = toml_get_table(manifest, "dependency-groups");
    for (size_t k = 0; k < toml_len(groups) && !g->failed; k++) {
        const toml_value *refs = toml_value_at(groups, k);
        if (toml_type_of(refs) != TOML_ARRAY)
            continue;
        uint64_t m = label ? label_bit(g, "", toml_key_at(groups, k)) : 0;
        if (!label || m != 0)
            follow_all(g, refs, SIZE_MAX, m);
    }
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
    each_edge(g, 0);
    manifest_edges(g, manifest, false);
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

/* Seed the roots' labels, then run the worklist to a fixed point. */
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
            const toml_value *refs = toml_value_at(dev, k);
            uint64_t m = label_bit(g, "", toml_key_at(dev, k));
            if (m != 0 && toml_type_of(refs) == TOML_ARRAY)
                follow_all(g, refs, p, m);
        }
    }
    manifest_edges(g, manifest, true);
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
    for (size_t p = 0; p < g.n; p++) {
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
    g.mask = xcalloc(g.nodes, sizeof *g.mask);
    g.incoming = xcalloc(g.n, sizeof *g.incoming);
    g.root = xcalloc(g.n, sizeof *g.root);
    g.queued = xcalloc(g.nodes, sizeof *g.queued);
    g.queue = xcalloc(g.nodes, sizeof *g.queue);

    const toml_value *manifest = toml_get_table(root, "manifest");
    find_roots(&g, manifest);
    if (!g.failed)
        flow(&g, manifest);
    if (!g.failed)
        assign(&g);

    for (unsigned i = 0; i < g.nlabels; i++)
        free(g.labels[i]);
    free(g.sorted);
    free(g.ext_off);
    free(g.ext_pkg);
    free(g.ext_k);
    free(g.mask);
    free(g.incoming);
    free(g.root);
    free(g.queued);
    free(g.queue);
}
