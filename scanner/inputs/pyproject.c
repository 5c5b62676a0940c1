/*
 * pyproject.c - the dependencies a pyproject.toml declares: PEP 621's
 * [project], PEP 735's [dependency-groups] and Poetry's [tool.poetry].
 *
 * Markers are not evaluated: a declaration covers every platform the
 * project supports, and a security scan checks all of them.
 */
#include "scanner/inputs/pyproject.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "core/name.h"
#include "core/toml.h"
#include "core/version.h"
#include "scanner/inputs/pep508.h"
#include "scanner/inputs/poetry_constraint.h"

/* Group and extra names longer than this are cut in the group a
 * dependency names: valid names are shorter, and every dependency carries
 * its own copy, so a long hostile name must not multiply the input. */
#define LABEL_MAX 128
/* The group string of a requirement that several dependency groups hold
 * (through include-group) names them up to about this length, then counts
 * the rest; for the same reason. */
#define GROUPS_MAX 512
/* Following include-group links costs one step per link per including
 * group; real files take a few dozen. A file that needs more is hostile. */
#define INCLUDE_STEPS_MAX ((size_t)1 << 20)

typedef struct reader {
    const char *path;
    dep_list *out;
    diag *d;
    size_t added;
} reader;

/* ---- one dependency ---- */

static dependency *add_dep(reader *r, const char *name, size_t name_len, unsigned line,
                           const char *group, bool dev)
{
    dependency *dep = dep_list_add(r->out);
    dep->kind = DEP_DECLARED;
    dep->name = xstrndup(name, name_len);
    dep->normalized = name_canonicalize(name, name_len);
    dep->source_file = xstrdup(r->path);
    dep->source_line = line;
    dep->group = xstrdup(group);
    dep->dev = dev;
    r->added++;
    return dep;
}

static void skip(dependency *dep, const char *source_kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void skip(dependency *dep, const char *source_kind, const char *fmt, ...)
{
    if (source_kind)
        dep->source_kind = xstrdup(source_kind);
    buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    dep->skip_reason = buf_detach(&b, NULL);
}

/* An exact pin: checked at that version when it is PEP 440. PEP 508's
 * "===" allows any text, so only Poetry's pins warn when they are not. */
static void set_pin(reader *r, dependency *dep, const char *v, size_t len, bool warn)
{
    dep->source_kind = xstrdup("registry");
    dep->version_text = xstrndup(v, len);
    airlock_error e;
    if (version_parse(&dep->version, v, len, &e) == 0) {
        dep->has_version = true;
        return;
    }
    if (warn)
        diag_warn(r->d, r->path, dep->source_line, "%s: %s", dep->name, e.msg);
    skip(dep, NULL, "pinned to '%s', which is not a PEP 440 version", dep->version_text);
}

/* ---- PEP 508 strings ([project], [dependency-groups]) ---- */

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

/* The project name an unreadable requirement starts with, so that it is
 * kept (skipped) rather than lost; 0 when none can be made out. */
static size_t leading_name(const char *s, size_t len, size_t *start)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t e = i;
    while (e < len && is_name_char(s[e]))
        e++;
    while (e > i && !name_is_valid(s + i, e - i))
        e--;
    *start = i;
    return e - i;
}

static void read_requirement(reader *r, const toml_value *v, const char *where,
                             const char *group, bool dev)
{
    size_t len;
    const char *s = toml_string(v, &len);
    unsigned line = toml_line(v);
    if (s == NULL) {
        diag_warn(r->d, r->path, line, "%s: a requirement must be a string, not %s", where,
                  toml_type_name(toml_type_of(v)));
        return;
    }
    pep508_req q;
    airlock_error e;
    if (pep508_parse(s, len, &q, &e) != 0) {
        static const char prefix[] = "invalid requirement: ";
        const char *why = strncmp(e.msg, prefix, sizeof prefix - 1) == 0
                              ? e.msg + sizeof prefix - 1 : e.msg;
        airlock_error w;
        error_invalid(&w, "requirement", s, len, why);
        diag_warn(r->d, r->path, line, "%s: %s", where, w.msg);
        size_t start, n = leading_name(s, len, &start);
        if (n > 0)
            skip(add_dep(r, s + start, n, line, group, dev), NULL, "invalid requirement");
        return;
    }
    dependency *dep = add_dep(r, q.name, strlen(q.name), line, group, dev);
    const char *pin;
    if (q.url != NULL) {
        const char *kind = strncmp(q.url, "git+", 4) == 0    ? "git"
                           : strncmp(q.url, "file:", 5) == 0 ? "path"
                                                             : "url";
        dep->location = xstrdup(q.url);
        skip(dep, kind, "%s source", kind);
    } else if ((pin = specset_exact_pin(q.spec)) != NULL) {
        set_pin(r, dep, pin, strlen(pin), false);
    } else if (q.spec_text[0] != '\0') {
        skip(dep, "registry", "range '%s'", q.spec_text);
    } else {
        skip(dep, "registry", "not pinned");
    }
    pep508_clear(&q);
}

static void read_requirements(reader *r, const toml_value *list, const char *where,
                              const char *group, bool dev)
{
    if (toml_type_of(list) != TOML_ARRAY) {
        diag_warn(r->d, r->path, toml_line(list), "%s must be an array of strings, not %s",
                  where, toml_type_name(toml_type_of(list)));
        return;
    }
    for (size_t i = 0; i < toml_len(list); i++)
        read_requirement(r, toml_at(list, i), where, group, dev);
}

/* A name as a group label: cut (at a character boundary) when long. */
static void put_label(buf *b, const char *name)
{
    size_t len = strlen(name);
    if (len <= LABEL_MAX) {
        buf_append(b, name, len);
        return;
    }
    size_t cut = LABEL_MAX;
    while (cut > 0 && ((unsigned char)name[cut] & 0xC0) == 0x80)
        cut--;
    buf_append(b, name, cut);
    buf_puts(b, "...");
}

/* ---- [project] ---- */

typedef struct dynamic_fields {
    bool dependencies;
    bool optional;
} dynamic_fields;

static void read_project(reader *r, const toml_value *project, dynamic_fields *dyn)
{
    const toml_value *dynamic = toml_get(project, "dynamic");
    if (dynamic != NULL && toml_type_of(dynamic) != TOML_ARRAY)
        diag_warn(r->d, r->path, toml_line(dynamic), "[project] dynamic must be an array");
    for (size_t i = 0; dynamic && i < toml_len(dynamic); i++) {
        const char *field = toml_string(toml_at(dynamic, i), NULL);
        if (field && strcmp(field, "dependencies") == 0)
            dyn->dependencies = true;
        else if (field && strcmp(field, "optional-dependencies") == 0)
            dyn->optional = true;
    }
    const toml_value *deps = toml_get(project, "dependencies");
    if (deps != NULL) {
        if (dyn->dependencies)
            diag_warn(r->d, r->path, toml_line(deps),
                      "[project] dependencies is also listed in dynamic (PEP 621 allows one "
                      "or the other); read as written");
        read_requirements(r, deps, "[project] dependencies", "project", false);
    }
    const toml_value *opt = toml_get(project, "optional-dependencies");
    if (opt == NULL)
        return;
    if (toml_type_of(opt) != TOML_TABLE) {
        diag_warn(r->d, r->path, toml_line(opt),
                  "[project] optional-dependencies must be a table, not %s",
                  toml_type_name(toml_type_of(opt)));
        return;
    }
    if (dyn->optional)
        diag_warn(r->d, r->path, toml_line(opt),
                  "[project] optional-dependencies is also listed in dynamic (PEP 621 allows "
                  "one or the other); read as written");
    buf group = {0};
    buf where = {0};
    for (size_t i = 0; i < toml_len(opt); i++) {
        const char *extra = toml_key_at(opt, i);
        buf_reset(&group);
        buf_puts(&group, "extra:");
        put_label(&group, extra);
        buf_reset(&where);
        buf_puts(&where, "[project] optional-dependencies ");
        put_label(&where, extra);
        read_requirements(r, toml_value_at(opt, i), where.data, group.data, false);
    }
    buf_free(&group);
    buf_free(&where);
}

/* ---- [dependency-groups] (PEP 735) ---- */

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
static void collect_includes(reader *r, dgroups *gs, size_t i)
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
            size_t cap = g->cap_inc;
            push_size(&g->inc, &g->n_inc, &g->cap_inc, gs->by_norm[pos]);
            if (g->cap_inc != cap)
                g->inc_line = xrealloc(g->inc_line, g->cap_inc * sizeof *g->inc_line);
            g->inc_line[g->n_inc - 1] = line;
        }
        free(norm);
    }
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
                put_label(&path, gs->g[stack[j]].name);
                buf_puts(&path, " -> ");
            }
            if (path.len >= 600)
                buf_puts(&path, "... -> ");
            put_label(&path, gs->g[v].name);
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
                    return error_set(err, "%s:%u: dependency groups: more than %zu include-"
                                          "group links to follow", r->path, line,
                                     INCLUDE_STEPS_MAX);
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
    /* One line, one dependency: a requirement that other groups include is
     * listed once, under its own group followed by the groups that hold it. */
    buf group = {0};
    put_label(&group, g->name);
    bool dev = strcmp(g->norm, "dev") == 0;
    size_t k;
    for (k = 0; k < g->n_holders && group.len < GROUPS_MAX; k++) {
        buf_puts(&group, ", ");
        put_label(&group, gs->g[g->holders[k]].name);
    }
    if (k < g->n_holders)
        buf_printf(&group, " (+%zu more)", g->n_holders - k);
    for (k = 0; k < g->n_holders; k++)
        if (strcmp(gs->g[g->holders[k]].norm, "dev") != 0)
            dev = false;
    buf where = {0};
    buf_puts(&where, "dependency group ");
    put_label(&where, g->name);
    for (k = 0; k < toml_len(g->list); k++) {
        const toml_value *v = toml_at(g->list, k);
        if (toml_type_of(v) != TOML_TABLE) /* (includes were read before) */
            read_requirement(r, v, where.data, group.data, dev);
    }
    buf_free(&group);
    buf_free(&where);
}

static int read_groups(reader *r, const toml_value *table, airlock_error *err)
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
    for (size_t i = 0; i < gs.n; i++)
        collect_includes(r, &gs, i);
    int rc = find_cycle(r, &gs, err);
    if (rc == 0)
        rc = find_holders(r, &gs, toml_line(table), err);
    for (size_t i = 0; rc == 0 && i < gs.n; i++)
        emit_group(r, &gs, i);
    dgroups_free(&gs);
    return rc;
}

/* ---- Poetry ---- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Poetry looks at the file system to tell an archive from a directory; a
 * scan reads only this file, so the name decides. */
static bool is_archive(const char *path)
{
    static const char *const exts[] = {".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2",
                                       ".tar.xz", ".tar"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (ends_with(path, exts[i]))
            return true;
    return false;
}

typedef struct poetry_ctx {
    const char *where;
    const char *group;
    bool dev;
} poetry_ctx;

static dependency *poetry_dep(reader *r, const poetry_ctx *c, const char *name, unsigned line)
{
    size_t len = strlen(name);
    dependency *dep = add_dep(r, name, len, line, c->group, c->dev);
    if (!name_is_valid(name, len)) {
        diag_warn(r->d, r->path, line, "%s: '%s' is not a valid project name", c->where, name);
        skip(dep, NULL, "invalid project name");
    }
    return dep;
}

static void poetry_constraint(reader *r, dependency *dep, const char *text, size_t len)
{
    const char *v;
    size_t n;
    switch (poetry_constraint_classify(text, len, &v, &n)) {
    case POETRY_PIN:
        set_pin(r, dep, v, n, true);
        break;
    case POETRY_RANGE:
        skip(dep, "registry", "range '%.*s'", (int)(n > 4096 ? 4096 : n), v);
        break;
    case POETRY_ANY:
        skip(dep, "registry", "not pinned");
        break;
    }
}

static void poetry_bad(reader *r, const poetry_ctx *c, const char *name, const toml_value *v,
                       const char *why)
{
    dependency *dep = poetry_dep(r, c, name, toml_line(v));
    diag_warn(r->d, r->path, toml_line(v), "%s: %s: %s", c->where, name, why);
    if (dep->skip_reason == NULL)
        skip(dep, NULL, "invalid entry");
}

/* {version, optional, python, markers, extras, source, allow-prereleases}
 * or a git / url / path source. */
static void poetry_table(reader *r, const poetry_ctx *c, const char *name, const toml_value *t)
{
    static const char *const sources[] = {"git", "url", "path"};
    for (size_t i = 0; i < 3; i++) {
        const toml_value *src = toml_get(t, sources[i]);
        if (src == NULL)
            continue;
        const char *loc = toml_string(src, NULL);
        if (loc == NULL) {
            poetry_bad(r, c, name, t, "the source must be a string");
            return;
        }
        const char *kind = sources[i];
        bool develop = false;
        if (i == 2)
            kind = toml_bool(toml_get(t, "develop"), &develop) && develop ? "editable"
                   : is_archive(loc)                                      ? "path"
                                                                          : "directory";
        dependency *dep = poetry_dep(r, c, name, toml_line(t));
        dep->location = xstrdup(loc);
        dep->editable = develop;
        if (dep->skip_reason == NULL)
            skip(dep, kind, "%s source", kind);
        else
            dep->source_kind = xstrdup(kind);
        return;
    }
    const toml_value *ver = toml_get(t, "version");
    if (ver != NULL && toml_type_of(ver) != TOML_STRING) {
        poetry_bad(r, c, name, t, "version must be a string");
        return;
    }
    dependency *dep = poetry_dep(r, c, name, toml_line(t));
    if (dep->skip_reason != NULL)
        return;
    size_t len;
    const char *text = toml_string(ver, &len);
    if (text == NULL)
        skip(dep, "registry", "not pinned");
    else
        poetry_constraint(r, dep, text, len);
}

static void poetry_value(reader *r, const poetry_ctx *c, const char *name, const toml_value *v)
{
    switch (toml_type_of(v)) {
    case TOML_STRING: {
        dependency *dep = poetry_dep(r, c, name, toml_line(v));
        size_t len;
        const char *text = toml_string(v, &len);
        if (dep->skip_reason == NULL)
            poetry_constraint(r, dep, text, len);
        break;
    }
    case TOML_TABLE:
        poetry_table(r, c, name, v);
        break;
    case TOML_ARRAY:
        /* One table per marker range: each is a dependency of its own. */
        if (toml_len(v) == 0)
            poetry_bad(r, c, name, v, "an empty array of constraints");
        for (size_t i = 0; i < toml_len(v); i++) {
            const toml_value *e = toml_at(v, i);
            if (toml_type_of(e) == TOML_TABLE)
                poetry_table(r, c, name, e);
            else
                poetry_bad(r, c, name, e, "an array of constraints holds only tables");
        }
        break;
    default:
        poetry_bad(r, c, name, v, "a dependency is a string, a table or an array of tables");
        break;
    }
}

static void poetry_deps(reader *r, const toml_value *deps, const poetry_ctx *c, bool main)
{
    if (deps == NULL)
        return;
    if (toml_type_of(deps) != TOML_TABLE) {
        diag_warn(r->d, r->path, toml_line(deps), "%s must be a table, not %s", c->where,
                  toml_type_name(toml_type_of(deps)));
        return;
    }
    for (size_t i = 0; i < toml_len(deps); i++) {
        const char *name = toml_key_at(deps, i);
        if (main && strcmp(name, "python") == 0)
            continue; /* the interpreter, not a package */
        if (toml_key_len(deps, i) != strlen(name))
            poetry_bad(r, c, name, toml_value_at(deps, i), "the name holds a NUL");
        else
            poetry_value(r, c, name, toml_value_at(deps, i));
    }
}

static void read_poetry(reader *r, const toml_value *poetry)
{
    poetry_ctx c = {"[tool.poetry.dependencies]", "main", false};
    poetry_deps(r, toml_get(poetry, "dependencies"), &c, true);
    c = (poetry_ctx){"[tool.poetry.dev-dependencies]", "dev", true};
    poetry_deps(r, toml_get(poetry, "dev-dependencies"), &c, false);
    const toml_value *groups = toml_get(poetry, "group");
    if (groups != NULL && toml_type_of(groups) != TOML_TABLE) {
        diag_warn(r->d, r->path, toml_line(groups), "[tool.poetry.group] must be a table");
        return;
    }
    buf label = {0};
    buf where = {0};
    for (size_t i = 0; groups && i < toml_len(groups); i++) {
        const char *name = toml_key_at(groups, i);
        const toml_value *g = toml_value_at(groups, i);
        buf_reset(&label);
        put_label(&label, name);
        buf_reset(&where);
        buf_printf(&where, "[tool.poetry.group.%s.dependencies]", label.data);
        if (toml_type_of(g) != TOML_TABLE) {
            diag_warn(r->d, r->path, toml_line(g), "[tool.poetry.group.%s] must be a table",
                      label.data);
            continue;
        }
        char *norm = name_canonicalize(name, strlen(name));
        c = (poetry_ctx){where.data, label.data, strcmp(norm, "main") != 0};
        free(norm);
        poetry_deps(r, toml_get(g, "dependencies"), &c, false);
    }
    buf_free(&label);
    buf_free(&where);
}

/* ---- the file ---- */

static const toml_value *section(reader *r, const toml_value *parent, const char *key,
                                 const char *shown)
{
    const toml_value *v = parent ? toml_get(parent, key) : NULL;
    if (v != NULL && toml_type_of(v) != TOML_TABLE) {
        diag_warn(r->d, r->path, toml_line(v), "%s must be a table, not %s", shown,
                  toml_type_name(toml_type_of(v)));
        return NULL;
    }
    return v;
}

static char *make_note(const reader *r, const dynamic_fields *dyn, bool poetry_main)
{
    buf b = {0};
    if (dyn->dependencies && poetry_main)
        buf_puts(&b, "[project] dependencies are dynamic: read from [tool.poetry.dependencies]");
    else if (dyn->dependencies)
        buf_puts(&b, "[project] dependencies are dynamic: the build backend computes them and "
                     "this file does not list them");
    if (dyn->optional)
        buf_printf(&b, "%s[project] optional-dependencies are dynamic: the build backend "
                       "computes them and this file does not list them", b.len ? "; " : "");
    if (b.len == 0 && r->added == 0)
        buf_puts(&b, "declares no dependencies");
    if (b.len == 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

int pyproject_parse_note(const char *data, size_t len, const char *path, dep_list *out, diag *d,
                         char **note, airlock_error *err)
{
    if (note)
        *note = NULL;
    toml_value *root;
    if (toml_parse(data, len, path, &root, err) != 0)
        return -1;
    reader r = {path, out, d, 0};
    size_t start = out->len;
    dynamic_fields dyn = {false, false};
    const toml_value *project = section(&r, root, "project", "[project]");
    if (project)
        read_project(&r, project, &dyn);
    const toml_value *groups = section(&r, root, "dependency-groups", "[dependency-groups]");
    if (groups && read_groups(&r, groups, err) != 0) {
        while (out->len > start)
            dependency_clear(&out->items[--out->len]);
        toml_free(root);
        return -1;
    }
    const toml_value *tool = section(&r, root, "tool", "[tool]");
    const toml_value *poetry = section(&r, tool, "poetry", "[tool.poetry]");
    if (poetry)
        read_poetry(&r, poetry);
    if (note)
        *note = make_note(&r, &dyn, poetry && toml_get(poetry, "dependencies") != NULL);
    toml_free(root);
    return 0;
}

int pyproject_parse(const char *data, size_t len, const char *path, dep_list *out, diag *d,
                    airlock_error *err)
{
    return pyproject_parse_note(data, len, path, out, d, NULL, err);
}

int pyproject_read_note(const char *path, dep_list *out, diag *d, lock_file_fn *on_file,
                        void *arg, char **note, airlock_error *err)
{
    char *data;
    size_t len;
    if (note)
        *note = NULL;
    if (file_read_all(path, PYPROJECT_MAX_SIZE, &data, &len, err) != 0)
        return -1;
    if (on_file != NULL)
        on_file(arg, path, data, len);
    int rc = pyproject_parse_note(data, len, path, out, d, note, err);
    free(data);
    return rc;
}

int pyproject_read(const char *path, dep_list *out, diag *d, lock_file_fn *on_file, void *arg,
                   airlock_error *err)
{
    return pyproject_read_note(path, out, d, on_file, arg, NULL, err);
}
