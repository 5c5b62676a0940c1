/*
 * lock_uv.c - uv.lock: `version = 1`, `revision` absent (uv <= 0.5) or 1-3.
 *
 * Each [[package]] is one dependency. Its `source` is an inline table with
 * exactly one key, which is the source kind (registry, git, url, path,
 * directory, editable, virtual) and whose value is the index URL, git URL
 * or path. Workspace members and dynamic versions have no `version`: they
 * are kept, skipped. `group` and `dev` come from the dependency graph
 * (lock_uv_groups.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/name.h"
#include "core/toml.h"
#include "scanner/inputs/lock_uv_groups.h"
#include "scanner/inputs/lockfile.h"

/* The newest revision whose layout this reader was written against. */
#define UV_REVISION_MAX 3

static const char *const source_kinds[] = {
    "registry", "git", "url", "path", "directory", "editable", "virtual",
};

/* The string at `key`, or NULL; a value of another type, or one holding a
 * NUL, is a warning naming `what`. */
static const char *get_text(const toml_value *t, const char *key, const char *path,
                            const char *what, diag *d)
{
    const toml_value *v = toml_get(t, key);
    if (v == NULL)
        return NULL;
    size_t len;
    const char *s = toml_string(v, &len);
    if (s == NULL) {
        diag_warn(d, path, toml_line(v), "%s: `%s` must be a string, not %s", what, key,
                  toml_type_name(toml_type_of(v)));
        return NULL;
    }
    if (strlen(s) != len) {
        diag_warn(d, path, toml_line(v), "%s: `%s` holds a NUL character", what, key);
        return NULL;
    }
    return s;
}

/* The source kind of a package's `source` table, and its value (*location,
 * NULL when it is not a string). A missing or malformed source is a
 * warning and the kind "unknown" (skipped: we cannot tell where it is
 * from). */
static const char *source_of(const toml_value *pkg, const char *name, const char *path,
                             unsigned line, const char **location, diag *d)
{
    *location = NULL;
    const toml_value *src = toml_get(pkg, "source");
    if (src == NULL) {
        diag_warn(d, path, line, "%s: no `source`", name);
        return "unknown";
    }
    if (toml_type_of(src) != TOML_TABLE || toml_len(src) != 1) {
        diag_warn(d, path, toml_line(src),
                  "%s: `source` is not a table with exactly one key (registry, git, url, "
                  "path, directory, editable or virtual)",
                  name);
        return "unknown";
    }
    const char *key = toml_key_at(src, 0);
    for (size_t i = 0; i < sizeof source_kinds / sizeof source_kinds[0]; i++) {
        if (strcmp(key, source_kinds[i]) == 0) {
            *location = get_text(src, key, path, name, d);
            return source_kinds[i];
        }
    }
    diag_warn(d, path, toml_line(src), "%s: unknown source kind `%s`", name, key);
    return "unknown";
}

/* Check `version` and `revision`: an unknown version is an error, a newer
 * revision a warning. */
static int check_version(const toml_value *root, const char *path, diag *d, airlock_error *err)
{
    const toml_value *v = toml_get(root, "version");
    int64_t n;
    if (v == NULL)
        return error_set(err, "%s:1: not a uv.lock: no top-level `version`", path);
    if (!toml_integer(v, &n))
        return error_set(err, "%s:%u: not a uv.lock: `version` must be an integer, not %s", path,
                         toml_line(v), toml_type_name(toml_type_of(v)));
    if (n != 1)
        return error_set(err, "%s:%u: uv.lock version %lld is not known (only 1 is read)",
                         path, toml_line(v), (long long)n);
    const toml_value *r = toml_get(root, "revision");
    if (r != NULL) {
        if (!toml_integer(r, &n))
            diag_warn(d, path, toml_line(r), "`revision` must be an integer, not %s",
                      toml_type_name(toml_type_of(r)));
        else if (n < 0)
            diag_warn(d, path, toml_line(r), "`revision` %lld is not a revision", (long long)n);
        else if (n > UV_REVISION_MAX)
            diag_warn(d, path, toml_line(r),
                      "uv.lock revision %lld is newer than this reader knows (%d); reading "
                      "it as revision %d",
                      (long long)n, UV_REVISION_MAX, UV_REVISION_MAX);
    }
    return 0;
}

int lock_uv_parse(const char *data, size_t len, const char *path, dep_list *out, diag *d,
                  airlock_error *err)
{
    toml_value *root;
    if (toml_parse(data, len, path, &root, err) != 0)
        return -1;
    int rc = check_version(root, path, d, err);
    const toml_value *pkgs = toml_get(root, "package");
    if (rc == 0 && pkgs == NULL)
        rc = error_set(err, "%s:1: not a uv.lock: no [[package]] entries", path);
    else if (rc == 0 && toml_type_of(pkgs) != TOML_ARRAY)
        rc = error_set(err, "%s:%u: not a uv.lock: `package` must be an array of tables, not %s",
                       path, toml_line(pkgs), toml_type_name(toml_type_of(pkgs)));
    if (rc != 0) {
        toml_free(root);
        return -1;
    }

    size_t n = toml_len(pkgs);
    /* Index in `out` of each entry's dependency; SIZE_MAX when none (no name). */
    size_t *dep_at = xcalloc(n ? n : 1, sizeof *dep_at);
    for (size_t i = 0; i < n; i++) {
        dep_at[i] = SIZE_MAX;
        const toml_value *pkg = toml_at(pkgs, i);
        unsigned line = toml_line(pkg);
        if (toml_type_of(pkg) != TOML_TABLE) {
            diag_warn(d, path, line, "package entry must be a table, not %s; ignored",
                      toml_type_name(toml_type_of(pkg)));
            continue;
        }
        const char *name = get_text(pkg, "name", path, "package", d);
        if (name == NULL || name[0] == '\0') {
            diag_warn(d, path, line, "package entry without a name; ignored");
            continue;
        }
        const char *version_text = get_text(pkg, "version", path, name, d);
        const char *location;
        const char *kind = source_of(pkg, name, path, line, &location, d);
        dep_at[i] = out->len;
        dependency *dep = lock_add(out, path, line, name, version_text, kind, location, NULL,
                                   false, d);
        if (!name_is_valid(name, strlen(name))) {
            diag_warn(d, path, line, "'%s' is not a valid project name", name);
            if (dep->skip_reason == NULL)
                dep->skip_reason = xstrdup("not a valid project name");
        }
    }
    lock_uv_groups(root, pkgs, dep_at, out);
    free(dep_at);
    toml_free(root);
    return 0;
}
