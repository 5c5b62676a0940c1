/*
 * lock_pylock.c - PEP 751's pylock.toml, `lock-version = "1.0"`.
 *
 * Each [[packages]] entry is one dependency. Its kind is the first that
 * applies: `vcs` (its `type`, e.g. git), `directory` (editable when
 * directory.editable is true), `archive` (url when it has a URL, else
 * path), otherwise registry (sdist and/or wheels, `index` its location).
 * `version` is optional (source trees have none): kept, skipped.
 *
 * Groups: PEP 751 says which extras and dependency groups need a package
 * only through its `marker` ("'dev' in dependency_groups and ..."). When
 * the marker, read as a whole, can only be true with one of some groups
 * or extras selected, those are the package's group, and it is dev when
 * that group is "dev" alone (lock_pylock_marker.c).
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/toml.h"
#include "scanner/inputs/lock_pylock_marker.h"
#include "scanner/inputs/lock_toml.h"
#include "scanner/inputs/lockfile.h"

static const char *const top_keys[] = {
    "lock-version", "environments", "requires-python", "extras", "dependency-groups",
    "default-groups", "created-by", "packages", "tool", NULL,
};
/* The VCS types PEP 610 registers (direct_url.json), which PEP 751 uses. */
static const char *const vcs_types[] = {"git", "hg", "svn", "bzr", NULL};
static const char *const package_keys[] = {
    "name", "version", "marker", "requires-python", "dependencies", "vcs", "directory",
    "archive", "index", "sdist", "wheels", "attestation-identities", "tool", NULL,
};

/* The table at `key`, or NULL; another type is a warning. */
static const toml_value *get_table(const lock_entry *e, const char *key)
{
    const toml_value *v = toml_get(e->table, key);
    if (v != NULL && toml_type_of(v) != TOML_TABLE) {
        lock_entry_warn(e, toml_line(v), "'%s' is %s, not a table: ignored", key,
                        lock_a_type(v));
        return NULL;
    }
    return v;
}

/* PEP 751: a reader that knows the major version but not the minor one
 * should warn about each key it does not know: those of package `e`, or
 * of the top level when `e` is NULL. */
static void warn_unknown_keys(const toml_value *t, const char *const *known,
                              const lock_entry *e, const char *path, diag *d)
{
    for (size_t i = 0; i < toml_len(t); i++) {
        const char *key = toml_key_at(t, i);
        size_t k = 0;
        while (known[k] != NULL && strcmp(known[k], key) != 0)
            k++;
        if (known[k] != NULL)
            continue;
        unsigned line = toml_line(toml_value_at(t, i));
        if (e != NULL)
            lock_entry_warn(e, line, "unknown key '%.40s' (lock-version is newer than 1.0)",
                            key);
        else
            diag_warn(d, path, line, "unknown top-level key '%.40s' (lock-version is newer "
                                     "than 1.0)", key);
    }
}

/* `lock-version`: "1.0" is read; 1.x (x > 0) is read with warnings about
 * unknown keys (*newer_minor set); another major, or a value that is no
 * version, is an error. */
static int check_version(const toml_value *root, const char *path, bool *newer_minor,
                         airlock_error *err)
{
    *newer_minor = false;
    const toml_value *v = toml_get(root, "lock-version");
    if (v == NULL)
        return error_set(err, "%s:1: not a pylock.toml: no 'lock-version'", path);
    const char *s = toml_string(v, NULL);
    if (s == NULL)
        return error_set(err, "%s:%u: not a pylock.toml: 'lock-version' is %s, not a string",
                         path, toml_line(v), lock_a_type(v));
    /* MAJOR.MINOR, both decimal digits only. */
    size_t major = strspn(s, "0123456789");
    size_t minor = major > 0 && s[major] == '.' ? strspn(s + major + 1, "0123456789") : 0;
    if (minor == 0 || s[major + 1 + minor] != '\0') {
        error_invalid(err, "lock-version", s, strlen(s), "not MAJOR.MINOR");
        return error_prefix(err, "%s:%u", path, toml_line(v));
    }
    if (major != 1 || s[0] != '1') {
        error_invalid(err, "lock-version", s, strlen(s),
                      "pylock.toml format not known (this reader knows 1.x)");
        return error_prefix(err, "%s:%u", path, toml_line(v));
    }
    *newer_minor = strspn(s + 2, "0") != minor;
    return 0;
}

/* The kind and location of one package's source (see the top). Several
 * of vcs, directory, archive and sdist/wheels, which PEP 751 forbids, is
 * a warning; the first kind in that order is kept. */
static const char *source_of(const lock_entry *e, const char **location)
{
    const toml_value *vcs = get_table(e, "vcs");
    const toml_value *dir = get_table(e, "directory");
    const toml_value *archive = get_table(e, "archive");
    bool files = toml_get(e->table, "sdist") != NULL || toml_get(e->table, "wheels") != NULL;
    if ((vcs != NULL) + (dir != NULL) + (archive != NULL) + files > 1)
        lock_entry_warn(e, toml_line(e->table),
                        "more than one of vcs, directory, archive and sdist/wheels (PEP 751 "
                        "allows one): read as the first of these");
    if (vcs != NULL) {
        const char *type = lock_entry_string(e, vcs, "type", NULL);
        const char *kind = NULL;
        for (size_t i = 0; type != NULL && vcs_types[i] != NULL; i++)
            if (strcmp(type, vcs_types[i]) == 0)
                kind = vcs_types[i];
        if (kind == NULL) {
            lock_entry_warn(e, toml_line(vcs), "'vcs' without a known 'type' (git, hg, svn, "
                                               "bzr): kind 'vcs'");
            kind = "vcs";
        }
        *location = lock_entry_string(e, vcs, "url", NULL);
        if (*location == NULL)
            *location = lock_entry_string(e, vcs, "path", NULL);
        return kind;
    }
    if (dir != NULL) {
        *location = lock_entry_string(e, dir, "path", NULL);
        return lock_entry_bool(e, dir, "editable") ? "editable" : "directory";
    }
    if (archive != NULL) {
        *location = lock_entry_string(e, archive, "url", NULL);
        if (*location != NULL)
            return "url";
        *location = lock_entry_string(e, archive, "path", NULL);
        return "path";
    }
    *location = lock_entry_string(e, e->table, "index", NULL);
    return "registry";
}

static void read_package(const lock_doc *doc, size_t i, const char *path, bool newer_minor,
                         dep_list *out, diag *d)
{
    lock_entry e = {path, d, lock_doc_package(doc, i, path, d), NULL};
    bool valid;
    if (e.table == NULL || lock_entry_name(&e, &valid) == NULL)
        return;
    if (newer_minor)
        warn_unknown_keys(e.table, package_keys, &e, path, d);
    bool bad_version = false;
    const char *version_text = lock_entry_string(&e, e.table, "version", &bad_version);
    const char *location = NULL;
    const char *kind = source_of(&e, &location);
    const char *marker = lock_entry_string(&e, e.table, "marker", NULL);
    buf group = {0};
    bool dev = false;
    if (marker != NULL)
        pylock_marker_groups(marker, &group, &dev);
    lock_entry_add(&e, out, valid, version_text, bad_version, kind, location,
                   group.len ? group.data : NULL, dev);
    buf_free(&group);
}

int lock_pylock_parse(const char *data, size_t len, const char *path, dep_list *out, diag *d,
                      airlock_error *err)
{
    toml_value *root;
    if (toml_parse(data, len, path, &root, err) != 0)
        return -1;
    bool newer_minor;
    int rc = check_version(root, path, &newer_minor, err);
    const toml_value *pkgs = toml_get(root, "packages");
    if (rc == 0 && pkgs == NULL)
        rc = error_set(err, "%s:1: not a pylock.toml: no [[packages]] array", path);
    else if (rc == 0 && toml_type_of(pkgs) != TOML_ARRAY)
        rc = error_set(err, "%s:%u: not a pylock.toml: 'packages' is %s, not an array of tables",
                       path, toml_line(pkgs), lock_a_type(pkgs));
    if (rc != 0) {
        toml_free(root);
        return -1;
    }
    if (newer_minor)
        warn_unknown_keys(root, top_keys, NULL, path, d);
    lock_doc doc = {root, pkgs, NULL};
    for (size_t i = 0; i < toml_len(pkgs); i++)
        read_package(&doc, i, path, newer_minor, out, d);
    toml_free(root);
    return 0;
}
