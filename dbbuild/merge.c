/*
 * merge.c - duplicate IDs and alias groups (docs/matching.md).
 */
#include "dbbuild/merge.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

/* qsort has no context argument: sort index arrays through a small struct. */
typedef struct id_ref {
    const char *id;
    size_t entry;
} id_ref;

static int id_ref_cmp(const void *pa, const void *pb)
{
    const id_ref *a = pa, *b = pb;
    int r = strcmp(a->id, b->id);
    if (r != 0)
        return r;
    return (a->entry > b->entry) - (a->entry < b->entry);
}

size_t merge_dedup(osv_entry *e, size_t n)
{
    id_ref *refs = xcalloc(n ? n : 1, sizeof *refs);
    for (size_t i = 0; i < n; i++) {
        refs[i].id = e[i].rec.id;
        refs[i].entry = i;
    }
    qsort(refs, n, sizeof *refs, id_ref_cmp);
    size_t superseded = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1, win = refs[i].entry;
        while (j < n && strcmp(refs[j].id, refs[i].id) == 0) {
            /* Entries come in read order: >= keeps the later one on a tie. */
            if (timestamp_compare(e[refs[j].entry].rec.modified, e[win].rec.modified) >= 0)
                win = refs[j].entry;
            j++;
        }
        for (size_t k = i; k < j; k++) {
            if (refs[k].entry != win) {
                e[refs[k].entry].superseded = true;
                superseded++;
            }
        }
        i = j;
    }
    free(refs);
    return superseded;
}

static int rank(const char *id)
{
    if (strncmp(id, "PYSEC-", 6) == 0)
        return 0;
    if (strncmp(id, "GHSA-", 5) == 0)
        return 1;
    if (strncmp(id, "CVE-", 4) == 0)
        return 2;
    return 3;
}

int merge_id_preference(const char *a, const char *b)
{
    int ra = rank(a), rb = rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    return strcmp(a, b);
}

static size_t find(size_t *parent, size_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static void unite(size_t *parent, size_t a, size_t b)
{
    a = find(parent, a);
    b = find(parent, b);
    if (a != b) /* the smaller node becomes the root: deterministic */
        parent[a > b ? a : b] = a < b ? a : b;
}

typedef struct group_order {
    const char *primary;
    size_t index;
} group_order;

static int group_cmp(const void *pa, const void *pb)
{
    return strcmp(((const group_order *)pa)->primary, ((const group_order *)pb)->primary);
}

void merge_groups(const osv_entry *e, size_t n, merge_result *out)
{
    memset(out, 0, sizeof *out);
    size_t npairs = 0;
    for (size_t i = 0; i < n; i++)
        if (!e[i].superseded && !e[i].rec.withdrawn)
            npairs += 1 + e[i].rec.n_aliases;
    id_ref *pairs = xcalloc(npairs ? npairs : 1, sizeof *pairs);
    size_t p = 0;
    for (size_t i = 0; i < n; i++) {
        if (e[i].superseded || e[i].rec.withdrawn)
            continue;
        pairs[p++] = (id_ref){e[i].rec.id, i};
        for (size_t a = 0; a < e[i].rec.n_aliases; a++)
            pairs[p++] = (id_ref){e[i].rec.aliases[a], i};
    }
    qsort(pairs, npairs, sizeof *pairs, id_ref_cmp);

    /* Nodes are the distinct IDs, numbered in sorted order. */
    size_t *node = xcalloc(npairs ? npairs : 1, sizeof *node);
    size_t *entry_node = xcalloc(n ? n : 1, sizeof *entry_node);
    size_t nnodes = 0;
    for (size_t k = 0; k < npairs; k++) {
        if (k == 0 || strcmp(pairs[k].id, pairs[k - 1].id) != 0)
            nnodes++;
        node[k] = nnodes - 1;
        if (strcmp(pairs[k].id, e[pairs[k].entry].rec.id) == 0)
            entry_node[pairs[k].entry] = node[k];
    }
    size_t *parent = xcalloc(nnodes ? nnodes : 1, sizeof *parent);
    for (size_t k = 0; k < nnodes; k++)
        parent[k] = k;
    for (size_t k = 0; k < npairs; k++)
        unite(parent, node[k], entry_node[pairs[k].entry]);

    /* One group per component. */
    size_t *group_of = xcalloc(nnodes ? nnodes : 1, sizeof *group_of);
    for (size_t k = 0; k < nnodes; k++)
        group_of[k] = SIZE_MAX;
    /* At most one group per distinct ID: allocate once (growing by one
     * element per group would be quadratic wherever realloc copies). */
    osv_group *groups = xcalloc(nnodes ? nnodes : 1, sizeof *groups);
    size_t ngroups = 0;
    for (size_t k = 0; k < npairs; k++) {
        if (k > 0 && node[k] == node[k - 1])
            continue;
        size_t root = find(parent, node[k]);
        if (group_of[root] == SIZE_MAX)
            group_of[root] = ngroups++;
        osv_group *g = &groups[group_of[root]];
        g->ids = xrealloc(g->ids, (g->n_ids + 1) * sizeof *g->ids);
        g->ids[g->n_ids++] = (char *)pairs[k].id;
        out->n_ids++;
    }
    for (size_t i = 0; i < n; i++) {
        if (e[i].superseded || e[i].rec.withdrawn)
            continue;
        osv_group *g = &groups[group_of[find(parent, entry_node[i])]];
        g->recs = xrealloc(g->recs, (g->n_recs + 1) * sizeof *g->recs);
        g->recs[g->n_recs++] = i;
    }
    group_order *order = xcalloc(ngroups ? ngroups : 1, sizeof *order);
    for (size_t gi = 0; gi < ngroups; gi++) {
        osv_group *g = &groups[gi];
        /* The records by ID, then the primary moved to the front. */
        id_ref *tmp = xcalloc(g->n_recs, sizeof *tmp);
        for (size_t r = 0; r < g->n_recs; r++)
            tmp[r] = (id_ref){e[g->recs[r]].rec.id, g->recs[r]};
        qsort(tmp, g->n_recs, sizeof *tmp, id_ref_cmp);
        for (size_t r = 0; r < g->n_recs; r++)
            g->recs[r] = tmp[r].entry;
        free(tmp);
        size_t best = 0;
        for (size_t r = 1; r < g->n_recs; r++)
            if (merge_id_preference(e[g->recs[r]].rec.id, e[g->recs[best]].rec.id) < 0)
                best = r;
        size_t prim = g->recs[best];
        memmove(g->recs + 1, g->recs, best * sizeof *g->recs);
        g->recs[0] = prim;
        order[gi] = (group_order){e[prim].rec.id, gi};
    }
    qsort(order, ngroups, sizeof *order, group_cmp);
    out->groups = xcalloc(ngroups ? ngroups : 1, sizeof *out->groups);
    for (size_t gi = 0; gi < ngroups; gi++)
        out->groups[gi] = groups[order[gi].index];
    out->n_groups = ngroups;
    free(order);
    free(groups);
    free(group_of);
    free(parent);
    free(entry_node);
    free(node);
    free(pairs);
}

void merge_result_clear(merge_result *m)
{
    for (size_t i = 0; i < m->n_groups; i++) {
        free(m->groups[i].recs);
        free(m->groups[i].ids);
    }
    free(m->groups);
    memset(m, 0, sizeof *m);
}
