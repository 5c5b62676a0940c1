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
#include "core/toml.h"
#include "scanner/inputs/lock_toml.h"
#include "scanner/inputs/lock_uv_groups.h"
#include "scanner/inputs/lockfile.h"

/* The newest revision whose layout this reader was written against. */
#define UV_REVISION_MAX 3

static const char *const source_kinds[] = {
    "registry", "git", "url", "path", "directory", "editable", "virtual",
};

/* The source kind of the entry's `source` table, and its value
 * (*location, NULL when it is not a string). A missing or malformed source
 * is a warning and the kind "unknown" (skipped: we cannot tell where it is
 * from). */
static const char *source_of(const lock_entry *e, const char **location)
{
    *location = NULL;
    const toml_value *src = toml_get(e->table, "source");
    if (src == NULL) {
        lock_entry_warn(e, toml_line(e->table), "no 'source': listed as skipped");
        return "unknown";
    }
    if (toml_type_of(src) != TOML_TABLE || toml_len(src) != 1) {
        lock_entry_warn(e, toml_line(src),
                        "'source' is not a table with exactly one key (registry, git, url, "
                        "path, directory, editable or virtual): listed as skipped");
        return "unknown";
    }
    const char *key = toml_key_at(src, 0);
    for (size_t i = 0; i < sizeof source_kinds / sizeof source_kinds[0]; i++) {
        if (strcmp(key, source_kinds[i]) == 0) {
            *location = lock_entry_string(e, src, key, NULL);
            return source_kinds[i];
        }
    }
    lock_entry_warn(e, toml_line(src), "unknown source kind '%.40s': listed as skipped", key);
    return "unknown";
}

/* Check `version` and `revision`: an unknown version is an error, a newer
 * revision a warning. */
static int check_version(const toml_value *root, const char *path, diag *d, airlock_error *err)
{
    const toml_value *v = toml_get(root, "version");
    int64_t n;
    if (v == NULL)
        return error_set(err, "%s:1: not a uv.lock: no top-level 'version'", path);
    if (!toml_integer(v, &n))
        return error_set(err, "%s:%u: not a uv.lock: 'version' is %s, not an integer", path,
                         toml_line(v), lock_a_type(v));
    if (n != 1)
        return error_set(err, "%s:%u: uv.lock version %lld is not known (only 1 is read)",
                         path, toml_line(v), (long long)n);
    const toml_value *r = toml_get(root, "revision");
    if (r != NULL) {
        if (!toml_integer(r, &n))
            diag_warn(d, path, toml_line(r), "'revision' is %s, not an integer: ignored",
                      lock_a_type(r));
        else if (n < 0)
            diag_warn(d, path, toml_line(r), "'revision' %lld is not a revision: ignored", (long long)n);
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
        rc = error_set(err, "%s:%u: not a uv.lock: 'package' is %s, not an array of tables",
                       path, toml_line(pkgs), lock_a_type(pkgs));
    if (rc != 0) {
        toml_free(root);
        return -1;
    }

    size_t n = toml_len(pkgs);
    lock_doc doc = {root, pkgs, NULL};
    /* Index in `out` of each entry's dependency; SIZE_MAX when none (no name). */
    size_t *dep_at = xcalloc(n ? n : 1, sizeof *dep_at);
    for (size_t i = 0; i < n; i++) {
        dep_at[i] = SIZE_MAX;
        lock_entry e = {path, d, lock_doc_package(&doc, i, path, d), NULL};
        bool valid;
        if (e.table == NULL || lock_entry_name(&e, &valid) == NULL)
            continue;
        bool bad_version = false;
        const char *version_text = lock_entry_string(&e, e.table, "version", &bad_version);
        const char *location;
        const char *kind = source_of(&e, &location);
        dep_at[i] = out->len;
        lock_entry_add(&e, out, valid, version_text, bad_version, kind, location, NULL, false);
    }
    lock_uv_groups(root, pkgs, dep_at, out);
    free(dep_at);
    toml_free(root);
    return 0;
}
