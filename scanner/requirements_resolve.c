/*
 * requirements_resolve.c - requirement lines to dependencies for a target
 * environment (requirements_resolve() of requirements.h): markers
 * evaluated, exact pins checked, constraints supplying versions through a
 * hash table by name, and every other line kept with the reason it is not
 * checked. requirements.c reads the files (and requirements_read() does
 * both).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/name.h"
#include "scanner/requirements.h"

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
 * target, by PEP 503 name: a hash table holding, for each name, the first
 * such pin in file order (the one pip would use). Each constraint's marker
 * is evaluated once, here: evaluating a chain of same-name pins for every
 * requirement was quadratic again (2,000 requirements and 2,000
 * `django==1.0 ; python_version<"0"` pins took 4 s, 20,000 of each did not
 * finish in 10 minutes), and a marker that cannot be evaluated was one
 * warning per requirement looking it up. Matching N requirements against M
 * pins costs O(N + M). */
typedef struct pin_index {
    const req_line **pins; /* the first applying pin of each name */
    char **names;          /* pins[i]'s normalised name */
    size_t *slots;         /* index into pins, or SIZE_MAX */
    size_t mask;           /* slots - 1 (a power of two minus one) */
    size_t n;
} pin_index;

static size_t name_hash(const char *s)
{
    size_t h = (size_t)14695981039346656037ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211ull;
    return h;
}

/* The slot of `name`: its entry, or the empty slot where it belongs. */
static size_t pin_slot(const pin_index *ix, const char *name)
{
    size_t h = name_hash(name) & ix->mask;
    while (ix->slots[h] != SIZE_MAX && strcmp(ix->names[ix->slots[h]], name) != 0)
        h = (h + 1) & ix->mask;
    return h;
}

static void pin_index_build(pin_index *ix, const req_lines *lines, const marker_env *env,
                            diag *d)
{
    memset(ix, 0, sizeof *ix);
    size_t cap = lines->len ? lines->len : 1, nslots = 2;
    while (nslots < 2 * cap)
        nslots *= 2;
    ix->pins = xcalloc(cap, sizeof *ix->pins);
    ix->names = xcalloc(cap, sizeof *ix->names);
    ix->slots = xmalloc(nslots * sizeof *ix->slots);
    ix->mask = nslots - 1;
    for (size_t i = 0; i < nslots; i++)
        ix->slots[i] = SIZE_MAX;
    for (size_t i = 0; i < lines->len; i++) {
        const req_line *c = &lines->items[i];
        if (!c->constraint || !exact_pin(c) || markers_apply(c, env, d) != 1)
            continue;
        char *name = name_canonicalize(c->req.name, strlen(c->req.name));
        size_t h = pin_slot(ix, name);
        if (ix->slots[h] != SIZE_MAX) { /* an earlier pin of this name wins */
            free(name);
            continue;
        }
        ix->slots[h] = ix->n;
        ix->pins[ix->n] = c;
        ix->names[ix->n++] = name;
    }
}

static void pin_index_free(pin_index *ix)
{
    for (size_t i = 0; i < ix->n; i++)
        free(ix->names[i]);
    free(ix->pins);
    free(ix->names);
    free(ix->slots);
}

/* The first constraint that pins `normalized` and whose marker applies to
 * this environment, or NULL. */
static const req_line *find_constraint(const pin_index *ix, const char *normalized)
{
    size_t h = pin_slot(ix, normalized);
    return ix->slots[h] == SIZE_MAX ? NULL : ix->pins[ix->slots[h]];
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
                } else if (spec[0]) {
                    buf_printf(&why, "not pinned to an exact version (%s)", spec);
                } else {
                    buf_puts(&why, "not pinned to an exact version");
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
