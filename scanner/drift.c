/*
 * drift.c - pin drift: compare what a scan's declared inputs ask for with
 * what its installed inputs hold.
 *
 * The dependencies are grouped by normalised name. In each group the
 * declarations (requirement lines, lockfile entries, pyproject.toml
 * requirements whose markers apply) are compared with each installation
 * (one per distribution directory). The rules, and why each is so, are in
 * docs/remediation.md ("Drift").
 */
#include "scanner/drift.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/specifier.h"

/* What one declaration says about the version. */
typedef enum decl_form {
    DECL_PIN,    /* an exact version (`version_text`, parsed or not) */
    DECL_RANGE,  /* a specifier or a bare name (`specifier`) */
    DECL_OTHER   /* a direct reference (URL, path, VCS, editable) or an entry
                    without a version: declares the name, says no version */
} decl_form;

static bool is_declared_kind(dep_kind k)
{
    return k == DEP_REQUIREMENT || k == DEP_LOCKED || k == DEP_DECLARED;
}

static decl_form form_of(const dependency *d)
{
    if (d->has_version || (d->version_text != NULL && d->specifier == NULL &&
                           (d->source_kind == NULL || strcmp(d->source_kind, "registry") == 0)))
        return DECL_PIN;
    if (d->specifier != NULL)
        return DECL_RANGE;
    return DECL_OTHER;
}

/* Optional: every group that holds it is an extra ("extra:NAME"). Extras
 * are installed only when asked for, so their absence is no drift. */
static bool only_in_extras(const dependency *d)
{
    if (d->group == NULL || d->group[0] == '\0')
        return false;
    const char *p = d->group;
    for (;;) {
        if (strncmp(p, "extra:", 6) != 0)
            return false;
        const char *sep = strstr(p, ", ");
        if (sep == NULL)
            return true;
        p = sep + 2;
    }
}

/* Installed everywhere pip is and left out by `pip freeze` for that reason:
 * undeclared, they are no drift. */
static bool is_installer_tooling(const char *normalized)
{
    static const char *const names[] = {"pip", "setuptools", "wheel", "distribute"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(normalized, names[i]) == 0)
            return true;
    return false;
}

static bool same_pin(const dependency *a, const dependency *b)
{
    if (a->has_version && b->has_version)
        return version_compare(&a->version, &b->version) == 0;
    return a->version_text != NULL && b->version_text != NULL &&
           strcmp(a->version_text, b->version_text) == 0;
}

static int cmp_str(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_ptr(const void *a, const void *b)
{
    return (a > b) - (a < b);
}

/* Declarations that say the same thing sort together, the first in input
 * order (address order: the dependencies are one array) first. */
static int cmp_decl(const void *pa, const void *pb)
{
    const dependency *a = *(const dependency *const *)pa, *b = *(const dependency *const *)pb;
    decl_form fa = form_of(a), fb = form_of(b);
    int c = (int)fa - (int)fb;
    if (c == 0 && fa == DECL_PIN) {
        c = (int)b->has_version - (int)a->has_version;
        if (c == 0)
            c = a->has_version ? version_compare(&a->version, &b->version)
                               : cmp_str(a->version_text, b->version_text);
    } else if (c == 0 && fa == DECL_RANGE) {
        c = strcmp(a->specifier, b->specifier);
    }
    return c != 0 ? c : cmp_ptr(a, b);
}

static bool same_decl(const dependency *a, const dependency *b)
{
    decl_form f = form_of(a);
    if (f != form_of(b) || f == DECL_OTHER)
        return false;
    return f == DECL_PIN ? same_pin(a, b) : strcmp(a->specifier, b->specifier) == 0;
}

static int cmp_inst(const void *pa, const void *pb)
{
    const dependency *a = *(const dependency *const *)pa, *b = *(const dependency *const *)pb;
    int c = cmp_str(a->location, b->location);
    return c != 0 ? c : cmp_ptr(a, b);
}

/* The installed version is outside the declared range `s` (NULL when the
 * range is a bare name or cannot be read as PEP 440); false when the
 * version is not known: then the item says "unpinned", never a guess. */
static bool outside_range(const specset *s, const dependency *inst)
{
    return s != NULL && inst->has_version &&
           !specset_contains(s, &inst->version, SPEC_PRERELEASES_INCLUDE);
}

/* A report lists at most this many items, and the comparison stops after
 * this many pairs: one name installed in thousands of directories and
 * declared at thousands of versions must not cost their product. Past
 * either, a warning says so. */
#define DRIFT_LISTED 10000
#define DRIFT_PAIRS_MAX ((size_t)5 * 1000 * 1000)

typedef struct drift_list {
    drift_item *items;
    size_t len, cap;
    size_t pairs;           /* comparisons made */
    bool full;              /* a limit was reached: stop */
} drift_list;

static void add_item(drift_list *l, const char *name, drift_status status,
                     const dependency *decl, const dependency *inst)
{
    if (l->len == DRIFT_LISTED) {
        l->full = true;
        return;
    }
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    drift_item *it = &l->items[l->len++];
    memset(it, 0, sizeof *it);
    it->name = xstrdup(name);
    it->status = status;
    if (decl != NULL) {
        decl_form f = form_of(decl);
        const char *text = f == DECL_PIN ? decl->version_text
                           : f == DECL_RANGE ? decl->specifier
                                             : NULL;
        it->declared = text ? xstrdup(text) : NULL;
        it->declared_file = decl->source_file ? xstrdup(decl->source_file) : NULL;
        it->declared_line = decl->source_line;
    }
    if (inst != NULL) {
        it->installed = inst->version_text ? xstrdup(inst->version_text) : NULL;
        it->installed_location = inst->location ? xstrdup(inst->location) : NULL;
    }
}

/* Compare one name's declarations (in input order) with its installations.
 * Both arrays are reordered. */
static void compare_group(drift_list *out, const char *name, const dependency **decl,
                          size_t n_decl, const dependency **inst, size_t n_inst)
{
    /* Each directory once (the same one read twice); sorting keeps this
     * n log n. */
    qsort(inst, n_inst, sizeof *inst, cmp_inst);
    size_t ni = 0;
    for (size_t i = 0; i < n_inst; i++)
        if (ni == 0 || inst[i]->location == NULL ||
            cmp_str(inst[ni - 1]->location, inst[i]->location) != 0)
            inst[ni++] = inst[i];
    n_inst = ni;
    if (n_decl == 0) {
        for (size_t i = 0; i < n_inst && !out->full; i++)
            if (!inst[i]->editable && !is_installer_tooling(name))
                add_item(out, name, DRIFT_NOT_DECLARED, NULL, inst[i]);
        return;
    }
    if (n_inst == 0) {
        for (size_t i = 0; i < n_decl; i++) {
            if (!only_in_extras(decl[i])) {
                add_item(out, name, DRIFT_NOT_INSTALLED, decl[i], NULL);
                return; /* one item a name: the first declaration that applies */
            }
        }
        return;
    }
    bool pinned = false; /* an exact pin anywhere makes a range no "unpinned" */
    for (size_t j = 0; j < n_decl; j++)
        pinned = pinned || form_of(decl[j]) == DECL_PIN;
    /* Each thing declared once, by its first declaration. */
    qsort(decl, n_decl, sizeof *decl, cmp_decl);
    size_t nu = 0;
    for (size_t j = 0; j < n_decl; j++)
        if (form_of(decl[j]) != DECL_OTHER && (nu == 0 || !same_decl(decl[nu - 1], decl[j])))
            decl[nu++] = decl[j];
    specset **specs = xcalloc(nu ? nu : 1, sizeof *specs);
    for (size_t j = 0; j < nu; j++) {
        airlock_error e;
        if (form_of(decl[j]) == DECL_RANGE && decl[j]->specifier[0] != '\0' &&
            specset_parse(decl[j]->specifier, strlen(decl[j]->specifier), &specs[j], &e) != 0)
            specs[j] = NULL;
    }
    for (size_t i = 0; i < ni && !out->full; i++) {
        const dependency *in = inst[i];
        for (size_t j = 0; j < nu && !out->full; j++) {
            const dependency *d = decl[j];
            if (++out->pairs > DRIFT_PAIRS_MAX) {
                out->full = true;
                break;
            }
            if (form_of(d) == DECL_PIN) {
                if ((in->has_version || in->version_text != NULL) && !same_pin(d, in))
                    add_item(out, name, DRIFT_VERSION_DIFFERS, d, in);
            } else if (outside_range(specs[j], in)) {
                add_item(out, name, DRIFT_VERSION_DIFFERS, d, in);
            } else if (!pinned) {
                add_item(out, name, DRIFT_UNPINNED, d, in);
            }
        }
    }
    for (size_t j = 0; j < nu; j++)
        specset_free(specs[j]);
    free(specs);
}

static int cmp_item(const void *pa, const void *pb)
{
    const drift_item *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
    if (c == 0)
        c = (int)a->status - (int)b->status;
    if (c == 0)
        c = cmp_str(a->installed_location, b->installed_location);
    if (c == 0)
        c = cmp_str(a->declared_file, b->declared_file);
    if (c == 0)
        c = (a->declared_line > b->declared_line) - (a->declared_line < b->declared_line);
    return c;
}

static int cmp_dep_name(const void *pa, const void *pb)
{
    const dependency *a = *(const dependency *const *)pa, *b = *(const dependency *const *)pb;
    int c = strcmp(a->normalized, b->normalized);
    /* Input order within a name: the first declaration is the one shown. */
    return c != 0 ? c : (a < b ? -1 : a > b);
}

int drift_compute(scan_report *r, airlock_error *err)
{
    (void)err; /* allocation failure aborts (xmalloc) */
    bool declared = false, installed = false;
    for (size_t i = 0; i < r->n_inputs; i++) {
        input_kind k = r->inputs[i].kind;
        declared = declared || k == INPUT_REQUIREMENTS || k == INPUT_LOCKFILE ||
                   k == INPUT_PYPROJECT;
        installed = installed || k == INPUT_PATH || k == INPUT_VENV || k == INPUT_PYTHON;
    }
    r->drift_checked = declared && installed;
    if (!r->drift_checked)
        return 0;

    /* The dependencies that take part, sorted by name (input order kept). */
    const dependency **all = xcalloc(r->deps.len ? r->deps.len : 1, sizeof *all);
    size_t n = 0;
    for (size_t i = 0; i < r->deps.len; i++) {
        const dependency *d = &r->deps.items[i];
        if (d->normalized == NULL || d->normalized[0] == '\0')
            continue; /* a URL without a name: nothing to compare it with */
        if (d->kind == DEP_INSTALLED || (is_declared_kind(d->kind) && !d->markers_false))
            all[n++] = d;
    }
    qsort(all, n, sizeof *all, cmp_dep_name);

    drift_list out = {0};
    const dependency **decl = xcalloc(n ? n : 1, sizeof *decl);
    const dependency **inst = xcalloc(n ? n : 1, sizeof *inst);
    for (size_t i = 0; i < n;) {
        size_t end = i, nd = 0, ni = 0;
        while (end < n && strcmp(all[end]->normalized, all[i]->normalized) == 0) {
            const dependency *d = all[end++];
            if (d->kind == DEP_INSTALLED)
                inst[ni++] = d;
            else
                decl[nd++] = d;
        }
        compare_group(&out, all[i]->normalized, decl, nd, inst, ni);
        i = end;
    }
    if (out.full) {
        char msg[160];
        snprintf(msg, sizeof msg, "drift: more disagreements than a report lists; the first "
                                  "%zu found are listed", out.len);
        scan_report_add_warning(r, NULL, 0, msg);
    }
    free(decl);
    free(inst);
    free(all);
    if (out.len > 1)
        qsort(out.items, out.len, sizeof *out.items, cmp_item);
    r->drift = out.items;
    r->n_drift = out.len;
    return 0;
}

const char *drift_status_name(drift_status s)
{
    switch (s) {
    case DRIFT_VERSION_DIFFERS: return "version-differs";
    case DRIFT_NOT_INSTALLED: return "not-installed";
    case DRIFT_NOT_DECLARED: return "not-declared";
    case DRIFT_UNPINNED: return "unpinned";
    }
    return "unknown";
}

void drift_item_clear(drift_item *it)
{
    free(it->name);
    free(it->declared);
    free(it->declared_file);
    free(it->installed);
    free(it->installed_location);
    memset(it, 0, sizeof *it);
}
