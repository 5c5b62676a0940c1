/*
 * pyproject.c - the dependencies a pyproject.toml declares: PEP 621's
 * [project], PEP 735's [dependency-groups] (pyproject_groups.c) and Poetry's
 * [tool.poetry].
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
#include "scanner/inputs/pyproject_int.h"

typedef pyproject_reader reader;

/* ---- one dependency ---- */

bool pyproject_full(reader *r, unsigned line)
{
    if (r->added < PYPROJECT_MAX_DEPS)
        return false;
    if (r->full_line == 0)
        r->full_line = line;
    return true;
}

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
    if (e - i > NAME_MAX_LEN)
        return 0; /* no project name is that long: cutting it would make one up */
    while (e > i && !name_is_valid(s + i, e - i))
        e--; /* "name-" before a bad character: "name" */
    *start = i;
    return e - i;
}

void pyproject_requirement(reader *r, const toml_value *v, const char *where,
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
        dep->specifier = xstrdup(q.spec_text);
    } else {
        skip(dep, "registry", "not pinned");
        dep->specifier = xstrdup("");
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
    for (size_t i = 0; i < toml_len(list) && !pyproject_full(r, toml_line(toml_at(list, i))); i++)
        pyproject_requirement(r, toml_at(list, i), where, group, dev);
}

void pyproject_label(buf *b, const char *name)
{
    size_t len = strlen(name);
    if (len <= PYPROJECT_LABEL_MAX) {
        buf_append(b, name, len);
        return;
    }
    size_t cut = PYPROJECT_LABEL_MAX;
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
        pyproject_label(&group, extra);
        buf_reset(&where);
        buf_puts(&where, "[project] optional-dependencies ");
        pyproject_label(&where, extra);
        read_requirements(r, toml_value_at(opt, i), where.data, group.data, false);
    }
    buf_free(&group);
    buf_free(&where);
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
    case POETRY_RANGE: {
        skip(dep, "registry", "range '%.*s'", (int)(n > 4096 ? 4096 : n), v);
        /* What the range means in PEP 440, for its risk (advice.h); a
         * union ("1.2 || 1.4") has no such form and gets none. */
        buf spec = {0};
        if (poetry_constraint_pep440(v, n, &spec) == 0)
            dep->specifier = spec.data ? buf_detach(&spec, NULL) : xstrdup("");
        buf_free(&spec);
        break;
    }
    case POETRY_ANY:
        skip(dep, "registry", "not pinned");
        dep->specifier = xstrdup("");
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
        for (size_t i = 0; i < toml_len(v) && !pyproject_full(r, toml_line(toml_at(v, i)));
             i++) {
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
        if (pyproject_full(r, toml_line(toml_value_at(deps, i))))
            return;
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
        pyproject_label(&label, name);
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
    reader r = {path, out, d, 0, 0};
    size_t start = out->len;
    dynamic_fields dyn = {false, false};
    const toml_value *project = section(&r, root, "project", "[project]");
    if (project)
        read_project(&r, project, &dyn);
    const toml_value *groups = section(&r, root, "dependency-groups", "[dependency-groups]");
    int rc = groups ? pyproject_groups(&r, groups, err) : 0;
    const toml_value *tool = rc == 0 ? section(&r, root, "tool", "[tool]") : NULL;
    const toml_value *poetry = section(&r, tool, "poetry", "[tool.poetry]");
    if (rc == 0 && poetry)
        read_poetry(&r, poetry);
    if (rc == 0 && r.full_line != 0)
        rc = error_set(err, "%s:%u: more than %d dependencies", path, r.full_line,
                       PYPROJECT_MAX_DEPS);
    if (rc != 0) {
        while (out->len > start)
            dependency_clear(&out->items[--out->len]);
        toml_free(root);
        return -1;
    }
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
