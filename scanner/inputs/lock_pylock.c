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
#include "core/name.h"
#include "core/toml.h"
#include "scanner/inputs/lock_pylock_marker.h"
#include "scanner/inputs/lockfile.h"

static const char *const top_keys[] = {
    "lock-version", "environments", "requires-python", "extras", "dependency-groups",
    "default-groups", "created-by", "packages", "tool", NULL,
};
static const char *const package_keys[] = {
    "name", "version", "marker", "requires-python", "dependencies", "vcs", "directory",
    "archive", "index", "sdist", "wheels", "attestation-identities", "tool", NULL,
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

/* The table at `key`, or NULL; another type is a warning. */
static const toml_value *get_table(const toml_value *t, const char *key, const char *path,
                                   const char *what, diag *d)
{
    const toml_value *v = toml_get(t, key);
    if (v != NULL && toml_type_of(v) != TOML_TABLE) {
        diag_warn(d, path, toml_line(v), "%s: `%s` must be a table, not %s", what, key,
                  toml_type_name(toml_type_of(v)));
        return NULL;
    }
    return v;
}

/* PEP 751: a reader that knows the major version but not the minor one
 * should warn about each key it does not know. */
static void warn_unknown_keys(const toml_value *t, const char *const *known, const char *path,
                              const char *what, diag *d)
{
    for (size_t i = 0; i < toml_len(t); i++) {
        const char *key = toml_key_at(t, i);
        size_t k = 0;
        while (known[k] != NULL && strcmp(known[k], key) != 0)
            k++;
        if (known[k] == NULL)
            diag_warn(d, path, toml_line(toml_value_at(t, i)), "%s: unknown key `%s`", what,
                      key);
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
        return error_set(err, "%s:1: not a pylock.toml: no `lock-version`", path);
    const char *s = toml_string(v, NULL);
    if (s == NULL)
        return error_set(err, "%s:%u: not a pylock.toml: `lock-version` must be a string, not %s",
                         path, toml_line(v), toml_type_name(toml_type_of(v)));
    /* MAJOR.MINOR, both decimal digits only. */
    size_t major = strspn(s, "0123456789");
    size_t minor = major > 0 && s[major] == '.' ? strspn(s + major + 1, "0123456789") : 0;
    if (minor == 0 || s[major + 1 + minor] != '\0') {
        error_invalid(err, "lock-version", s, strlen(s), "not MAJOR.MINOR");
        return error_prefix(err, "%s:%u", path, toml_line(v));
    }
    if (major != 1 || s[0] != '1')
        return error_set(err, "%s:%u: pylock.toml lock-version %s is not known (major version "
                              "1 is read)",
                         path, toml_line(v), s);
    *newer_minor = strspn(s + 2, "0") != minor;
    return 0;
}

/* The kind and location of one package's source (see the top). Several
 * of vcs, directory, archive and sdist/wheels, which PEP 751 forbids, is
 * a warning; the first kind in that order is kept. */
static const char *source_of(const toml_value *pkg, const char *name, const char *path,
                             unsigned line, const char **location, diag *d)
{
    const toml_value *vcs = get_table(pkg, "vcs", path, name, d);
    const toml_value *dir = get_table(pkg, "directory", path, name, d);
    const toml_value *archive = get_table(pkg, "archive", path, name, d);
    bool files = toml_get(pkg, "sdist") != NULL || toml_get(pkg, "wheels") != NULL;
    if ((vcs != NULL) + (dir != NULL) + (archive != NULL) + files > 1)
        diag_warn(d, path, line,
                  "%s: more than one of vcs, directory, archive and sdist/wheels (PEP 751 "
                  "allows one); read as the first of these",
                  name);
    const char *kind;
    if (vcs != NULL) {
        kind = get_text(vcs, "type", path, name, d);
        if (kind == NULL || kind[0] == '\0' || !name_is_valid(kind, strlen(kind))) {
            diag_warn(d, path, toml_line(vcs), "%s: `vcs` without a valid `type`", name);
            kind = "vcs";
        }
        *location = get_text(vcs, "url", path, name, d);
        if (*location == NULL)
            *location = get_text(vcs, "path", path, name, d);
        return kind;
    }
    if (dir != NULL) {
        *location = get_text(dir, "path", path, name, d);
        bool editable = false;
        const toml_value *e = toml_get(dir, "editable");
        if (e != NULL && !toml_bool(e, &editable))
            diag_warn(d, path, toml_line(e), "%s: `editable` must be a boolean, not %s", name,
                      toml_type_name(toml_type_of(e)));
        return editable ? "editable" : "directory";
    }
    if (archive != NULL) {
        *location = get_text(archive, "url", path, name, d);
        if (*location != NULL)
            return "url";
        *location = get_text(archive, "path", path, name, d);
        return "path";
    }
    *location = get_text(pkg, "index", path, name, d);
    return "registry";
}

static void read_package(const toml_value *pkg, const char *path, bool newer_minor,
                         dep_list *out, diag *d)
{
    unsigned line = toml_line(pkg);
    if (toml_type_of(pkg) != TOML_TABLE) {
        diag_warn(d, path, line, "package entry must be a table, not %s; ignored",
                  toml_type_name(toml_type_of(pkg)));
        return;
    }
    const char *name = get_text(pkg, "name", path, "package", d);
    if (name == NULL || name[0] == '\0') {
        diag_warn(d, path, line, "package entry without a name; ignored");
        return;
    }
    if (newer_minor)
        warn_unknown_keys(pkg, package_keys, path, name, d);
    const char *version_text = get_text(pkg, "version", path, name, d);
    const char *location = NULL;
    const char *kind = source_of(pkg, name, path, line, &location, d);
    const char *marker = get_text(pkg, "marker", path, name, d);
    buf group = {0};
    bool dev = false;
    if (marker != NULL)
        pylock_marker_groups(marker, &group, &dev);
    dependency *dep = lock_add(out, path, line, name, version_text, kind, location,
                               group.len ? group.data : NULL, dev, d);
    buf_free(&group);
    if (!name_is_valid(name, strlen(name))) {
        diag_warn(d, path, line, "'%s' is not a valid project name", name);
        if (dep->skip_reason == NULL)
            dep->skip_reason = xstrdup("not a valid project name");
    }
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
        rc = error_set(err,
                       "%s:%u: not a pylock.toml: `packages` must be an array of tables, not %s",
                       path, toml_line(pkgs), toml_type_name(toml_type_of(pkgs)));
    if (rc != 0) {
        toml_free(root);
        return -1;
    }
    if (newer_minor)
        warn_unknown_keys(root, top_keys, path, "pylock.toml", d);
    for (size_t i = 0; i < toml_len(pkgs); i++)
        read_package(toml_at(pkgs, i), path, newer_minor, out, d);
    toml_free(root);
    return 0;
}
