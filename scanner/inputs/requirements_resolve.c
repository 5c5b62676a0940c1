/*
 * requirements_resolve.c - requirement lines to dependencies for a target
 * environment (requirements_resolve() of requirements.h): markers
 * evaluated, exact pins checked, constraints supplying versions through a
 * table sorted by name, and every other line kept with the reason it is not
 * checked. requirements.c reads the files (and requirements_read() does
 * both).
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/name.h"
#include "scanner/inputs/requirements.h"

/* 1, 0, or 1 with a warning when the marker cannot be evaluated. */
static int markers_apply(const req_line *rl, const marker_env *env, diag *d)
{
    if (!rl->marker)
        return 1;
    airlock_error e;
    int v = marker_evaluate(rl->marker, env, &e);
    if (v < 0) {
        diag_warn(d, rl->file, rl->line, "cannot evaluate markers (%s); checking the "
                  "requirement anyway", e.msg);
        return 1;
    }
    return v;
}

static char *marker_text(const marker *m)
{
    buf b = {0};
    marker_format(m, &b);
    return buf_detach(&b, NULL);
}

static char *spec_text(const specset *s)
{
    size_t n = specset_format(s, NULL, 0);
    char *t = xmalloc(n + 1);
    specset_format(s, t, n + 1);
    return t;
}

/* The exact version a requirement pins, if any, as an owned string. */
static const char *exact_pin(const req_line *rl)
{
    if (!rl->has_req || rl->form != REQ_NAMED)
        return NULL;
    return specset_exact_pin(rl->req.spec);
}

/* The constraint lines with an exact pin whose marker applies to the
 * target, sorted by PEP 503 name, one per name: the first in file order
 * (the one pip would use). Each constraint's marker is evaluated once,
 * here: evaluating a chain of same-name pins for every requirement was
 * quadratic (2,000 requirements and 2,000 `django==1.0 ;
 * python_version<"0"` pins took 4 s, 20,000 of each did not finish in 10
 * minutes). Sorted rather than hashed: names are the file author's, and
 * 40,000 names chosen to collide in a fixed hash's low bits took 8 s of
 * CPU to match instead of 0.1 s. N requirements and M pins cost
 * O((N + M) log M) whatever the names. */
typedef struct pin_entry {
    char *name; /* normalised */
    size_t order; /* position in the lines, for the first-wins rule */
    const req_line *line;
} pin_entry;

typedef struct pin_index {
    pin_entry *pins;
    size_t n;
} pin_index;

static int pin_cmp(const void *a, const void *b)
{
    const pin_entry *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c != 0)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void pin_index_build(pin_index *ix, const req_lines *lines, const marker_env *env,
                            diag *d)
{
    memset(ix, 0, sizeof *ix);
    ix->pins = xcalloc(lines->len ? lines->len : 1, sizeof *ix->pins);
    for (size_t i = 0; i < lines->len; i++) {
        const req_line *c = &lines->items[i];
        if (!c->constraint || !exact_pin(c) || markers_apply(c, env, d) != 1)
            continue;
        pin_entry *p = &ix->pins[ix->n++];
        p->name = name_canonicalize(c->req.name, strlen(c->req.name));
        p->order = i;
        p->line = c;
    }
    qsort(ix->pins, ix->n, sizeof *ix->pins, pin_cmp);
    size_t kept = 0; /* keep the first pin of each name */
    for (size_t i = 0; i < ix->n; i++) {
        if (kept > 0 && strcmp(ix->pins[kept - 1].name, ix->pins[i].name) == 0)
            free(ix->pins[i].name);
        else
            ix->pins[kept++] = ix->pins[i];
    }
    ix->n = kept;
}

static void pin_index_free(pin_index *ix)
{
    for (size_t i = 0; i < ix->n; i++)
        free(ix->pins[i].name);
    free(ix->pins);
}

static int pin_name_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const pin_entry *)elem)->name);
}

/* The first constraint that pins `normalized` and whose marker applies to
 * this environment, or NULL. */
static const req_line *find_constraint(const pin_index *ix, const char *normalized)
{
    if (ix->n == 0)
        return NULL;
    const pin_entry *p = bsearch(normalized, ix->pins, ix->n, sizeof *ix->pins, pin_name_cmp);
    return p ? p->line : NULL;
}

static void set_version(dependency *dep, const char *pin, const char *why_prefix)
{
    airlock_error e;
    if (version_parse(&dep->version, pin, strlen(pin), &e) == 0) {
        dep->has_version = true;
        dep->version_text = xstrdup(pin);
        return;
    }
    buf b = {0};
    buf_printf(&b, "%spinned to '%s', which is not a PEP 440 version", why_prefix, pin);
    dep->skip_reason = buf_detach(&b, NULL);
}

int requirements_resolve(const req_lines *lines, const marker_env *env, dep_list *out,
                         diag *d, airlock_error *err)
{
    (void)err;
    pin_index pins;
    pin_index_build(&pins, lines, env, d);
    for (size_t i = 0; i < lines->len; i++) {
        const req_line *rl = &lines->items[i];
        if (rl->constraint || (rl->invalid && !rl->invalid_name))
            continue; /* (an unreadable line without a name is its warning) */
        dependency *dep = dep_list_add(out);
        if (rl->invalid) {
            dep->kind = DEP_REQUIREMENT;
            dep->source_file = xstrdup(rl->file);
            dep->source_line = rl->line;
            dep->name = xstrdup(rl->invalid_name);
            dep->normalized = name_canonicalize(rl->invalid_name, strlen(rl->invalid_name));
            dep->skip_reason = xstrdup(rl->invalid);
            continue;
        }
        dep->kind = DEP_REQUIREMENT;
        dep->source_file = xstrdup(rl->file);
        dep->source_line = rl->line;
        dep->editable = rl->form == REQ_EDITABLE;
        if (rl->has_req) {
            dep->name = xstrdup(rl->req.name);
            dep->normalized = name_canonicalize(rl->req.name, strlen(rl->req.name));
        } else {
            dep->name = xstrdup(rl->link ? rl->link : rl->text); /* no name known */
        }
        if (rl->link && rl->form != REQ_URL)
            dep->location = xstrdup(rl->link);
        buf why = {0};
        if (markers_apply(rl, env, d) == 0) {
            char *m = marker_text(rl->marker);
            buf_printf(&why, "markers do not apply: %s", m);
            free(m);
            dep->markers_false = true;
        } else if (rl->form == REQ_EDITABLE) {
            buf_puts(&why, "editable requirement");
        } else if (rl->form == REQ_URL) {
            buf_puts(&why, "URL requirement");
        } else if (rl->form == REQ_PATH) {
            buf_puts(&why, "local path requirement");
        } else {
            const char *pin = exact_pin(rl);
            if (pin) {
                set_version(dep, pin, "");
            } else {
                const req_line *c = find_constraint(&pins, dep->normalized);
                char *spec = spec_text(rl->req.spec);
                if (c) {
                    const char *cpin = exact_pin(c);
                    version v;
                    airlock_error e;
                    bool ok = version_parse(&v, cpin, strlen(cpin), &e) == 0;
                    if (ok && !specset_contains(rl->req.spec, &v, SPEC_PRERELEASES_INCLUDE))
                        buf_printf(&why, "constraint ==%s (%s:%u) conflicts with %s", cpin,
                                   c->file, c->line, spec);
                    else
                        set_version(dep, cpin, "constraint ");
                    if (ok)
                        version_clear(&v);
                } else {
                    if (spec[0])
                        buf_printf(&why, "not pinned to an exact version (%s)", spec);
                    else
                        buf_puts(&why, "not pinned to an exact version");
                    dep->specifier = spec;
                    spec = NULL;
                }
                free(spec);
            }
        }
        if (why.len)
            dep->skip_reason = buf_detach(&why, NULL);
        buf_free(&why);
    }
    pin_index_free(&pins);
    return 0;
}
