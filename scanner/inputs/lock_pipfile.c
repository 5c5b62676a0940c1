/*
 * lock_pipfile.c - Pipfile.lock (pipenv), pipfile-spec 1 to 6.
 *
 * A JSON object: `_meta` (hash, pipfile-spec, requires, sources) and one
 * object per package section, each mapping a name as written to its entry:
 *
 *   "default": {"requests": {"version": "==2.31.0", "hashes": [...]}},
 *   "develop": {"pytest": {"version": "==8.0.0"}},
 *   "docs":    {...}            a pipenv category (any other object)
 *
 * Sections are read default, develop, then the others in file order; the
 * members of each in file order (a name in two sections is read twice; a
 * key given twice in one object makes the JSON ambiguous and is refused,
 * json_doc.h). `default` is group
 * "default", `develop` is group "develop" and dev; a category is a group of
 * its own name and not dev (pipenv installs categories only when asked, but
 * nothing says they are development-only, so --no-dev keeps them).
 *
 * The source kind follows the first key present: git/hg/svn/bzr (also when
 * `editable`), `path` (editable when "editable": true), `file` (url, even a
 * relative path), else registry. A registry entry's version is checked when
 * it is an exact pin "==X" or "===X"; any other specifier ("*", ">=1") is
 * kept, skipped, as written.
 */
#include "scanner/inputs/lockfile.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/inputs/json_doc.h"

/* pipenv's spec numbers so far: 1 (2017) to 6 (today). */
#define PIPFILE_SPEC_MIN 1
#define PIPFILE_SPEC_MAX 6

typedef struct reader {
    const json_doc *doc;
    const char *path;
    dep_list *out;
    diag *d;
} reader;

/* Replace lock_add()'s reason with a more precise one (owned by `dep`). */
static void set_reason(dependency *dep, char *reason)
{
    free(dep->skip_reason);
    dep->skip_reason = reason;
}

static void read_entry(reader *r, const cJSON *entry, const char *group, bool dev)
{
    unsigned line = json_doc_line(r->doc, entry);
    const char *name = entry->string;
    if (name == NULL || name[0] == '\0') {
        diag_warn(r->d, r->path, line, "a package entry with an empty name: left out");
        return;
    }
    if (!cJSON_IsObject(entry)) {
        diag_warn(r->d, r->path, line, "%s: the entry is not a JSON object", name);
        dependency *dep = lock_add(r->out, r->path, line, name, NULL, "registry", NULL, group,
                                   dev, r->d);
        set_reason(dep, xstrdup("the lockfile entry is not an object"));
        return;
    }
    static const char *const vcs[] = {"git", "hg", "svn", "bzr"};
    const char *kind = "registry";
    const char *location = NULL;
    for (size_t i = 0; i < sizeof vcs / sizeof vcs[0]; i++) {
        if (cJSON_GetObjectItemCaseSensitive(entry, vcs[i]) != NULL) {
            kind = vcs[i];
            location = json_doc_string(entry, vcs[i]);
            break;
        }
    }
    if (strcmp(kind, "registry") == 0 && cJSON_GetObjectItemCaseSensitive(entry, "path")) {
        kind = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "editable")) ? "editable"
                                                                                  : "path";
        location = json_doc_string(entry, "path");
    } else if (strcmp(kind, "registry") == 0 && cJSON_GetObjectItemCaseSensitive(entry, "file")) {
        kind = "url";
        location = json_doc_string(entry, "file");
    }

    const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry, "version");
    if (v != NULL && !cJSON_IsString(v)) {
        diag_warn(r->d, r->path, json_doc_line(r->doc, v), "%s: \"version\" is not a string",
                  name);
        dependency *dep = lock_add(r->out, r->path, line, name, NULL, kind, location, group,
                                   dev, r->d);
        if (strcmp(kind, "registry") == 0)
            set_reason(dep, xstrdup("the locked version is not a string"));
        return;
    }
    const char *text = v ? v->valuestring : NULL;
    const char *pin = NULL;
    if (text != NULL && strncmp(text, "===", 3) == 0)
        pin = text + 3;
    else if (text != NULL && strncmp(text, "==", 2) == 0)
        pin = text + 2;
    if (text == NULL || pin != NULL || strcmp(kind, "registry") != 0) {
        /* A pin, no version, or a source that is skipped anyway: the
         * version is kept as written, without "==" (expected.json's). */
        lock_add(r->out, r->path, line, name, pin ? pin : text, kind, location, group, dev,
                 r->d);
        return;
    }
    /* A specifier that pins nothing ("*", ">=1"): pipenv writes these only
     * in hand-edited or broken files. Kept as written, not checked. */
    dependency *dep = lock_add(r->out, r->path, line, name, NULL, kind, location, group, dev,
                               r->d);
    dep->version_text = xstrdup(text);
    buf why = {0};
    buf_printf(&why, "the locked version '%s' is not an exact pin (==)", text);
    set_reason(dep, buf_detach(&why, NULL));
}

static void read_section(reader *r, const cJSON *section, const char *group, bool dev)
{
    for (const cJSON *e = section->child; e != NULL; e = e->next)
        read_entry(r, e, group, dev);
}

static int check_meta(reader *r, const cJSON *root, airlock_error *err)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "_meta");
    if (!cJSON_IsObject(meta))
        return error_set(err, "%s:%u: not a Pipfile.lock: no \"_meta\" object", r->path,
                         meta ? json_doc_line(r->doc, meta) : 1);
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(meta, "pipfile-spec");
    if (spec == NULL) {
        diag_warn(r->d, r->path, json_doc_line(r->doc, meta),
                  "no \"pipfile-spec\" in \"_meta\": read as spec %d", PIPFILE_SPEC_MAX);
        return 0;
    }
    double n = cJSON_IsNumber(spec) ? spec->valuedouble : 0;
    if (!(n >= PIPFILE_SPEC_MIN && n <= PIPFILE_SPEC_MAX && n == (double)(int)n))
        return error_set(err, "%s:%u: pipfile-spec is not one this reader knows (%d to %d)",
                         r->path, json_doc_line(r->doc, spec), PIPFILE_SPEC_MIN,
                         PIPFILE_SPEC_MAX);
    return 0;
}

int lock_pipfile_parse(const char *data, size_t len, const char *path, dep_list *out, diag *d,
                       airlock_error *err)
{
    json_doc doc;
    if (json_doc_parse(&doc, data, len, path, err) != 0)
        return -1;
    reader r = {&doc, path, out, d};
    const cJSON *root = doc.root;
    int rc = -1;
    if (!cJSON_IsObject(root)) {
        error_set(err, "%s:1: not a Pipfile.lock: not a JSON object", path);
        goto done;
    }
    if (check_meta(&r, root, err) != 0)
        goto done;
    /* json_doc refuses a key given twice, so each section is one member. */
    bool found = false;
    for (const cJSON *s = root->child; s != NULL; s = s->next) {
        bool known = strcmp(s->string, "default") == 0 || strcmp(s->string, "develop") == 0;
        if (known && !cJSON_IsObject(s)) {
            error_set(err, "%s:%u: not a Pipfile.lock: \"%s\" is not an object", path,
                      json_doc_line(&doc, s), s->string);
            goto done;
        }
        found = found || known;
    }
    if (!found) {
        error_set(err, "%s:1: not a Pipfile.lock: neither \"default\" nor \"develop\"", path);
        goto done;
    }
    static const char *const order[] = {"default", "develop"};
    for (size_t k = 0; k < 2; k++)
        for (const cJSON *s = root->child; s != NULL; s = s->next)
            if (strcmp(s->string, order[k]) == 0)
                read_section(&r, s, order[k], k == 1);
    for (const cJSON *s = root->child; s != NULL; s = s->next) {
        if (strcmp(s->string, "_meta") == 0 || strcmp(s->string, "default") == 0 ||
            strcmp(s->string, "develop") == 0)
            continue;
        if (!cJSON_IsObject(s)) {
            diag_warn(d, path, json_doc_line(&doc, s),
                      "\"%s\" is not a package section (not an object): left out", s->string);
            continue;
        }
        read_section(&r, s, s->string, false);
    }
    rc = 0;
done:
    json_doc_free(&doc);
    return rc;
}
