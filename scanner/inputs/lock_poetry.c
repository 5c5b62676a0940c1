/*
 * lock_poetry.c - poetry.lock, in every layout Poetry has written:
 *
 *   no lock-version  Poetry <= 0.12: [metadata] without it, `category`
 *   1.0, 1.1         `category = "main" | "dev"`, hashes in [metadata.files]
 *   2.0              `files` in each package; early files keep `category`
 *   2.1              Poetry 2: `groups = [...]`, `markers` a string or a
 *                    table keyed by group
 *
 * Each [[package]] is one dependency at the line of its header. The source
 * is [package.source]: none, `legacy` or `pypi` is an index (checked);
 * `git`, `url`, `file` (a local archive: path) and `directory` (editable
 * when the package says `develop = true`) are skipped with that kind.
 * Markers are not read: a lockfile pins for every platform it supports.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "scanner/inputs/lock_toml.h"
#include "scanner/inputs/lockfile.h"

/* The lock-version majors Poetry has written, and their newest minor. */
static const lock_known poetry_known[] = {{1, 1}, {2, 1}};

/* The source kind of package `e`, and in *location the source's url (an
 * index, a repository, an archive URL or a path relative to the lock file). */
static const char *poetry_source(const lock_entry *e, const char **location)
{
    const toml_value *src = toml_get(e->table, "source");
    *location = NULL;
    if (src == NULL)
        return "registry";
    if (toml_type_of(src) != TOML_TABLE) {
        lock_entry_warn(e, toml_line(src), "'source' is %s, not a table: source not known",
                        lock_a_type(src));
        return "unknown";
    }
    bool bad = false;
    const char *type = lock_entry_string(e, src, "type", &bad);
    *location = lock_entry_string(e, src, "url", NULL);
    if (bad)
        return "unknown";
    if (type == NULL) {
        /* Poetry always writes a type; a source without one names an index. */
        lock_entry_warn(e, toml_line(src), "[package.source] has no type: read as an index");
        return "registry";
    }
    static const struct { const char *type, *kind; } kinds[] = {
        {"legacy", "registry"}, /* a named index: url is the index, reference its name */
        {"pypi", "registry"},
        {"git", "git"},
        {"url", "url"},
        {"file", "path"}, /* a local archive */
        {"hg", "hg"},
        {"svn", "svn"},
        {"bzr", "bzr"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(type, kinds[i].type) == 0)
            return kinds[i].kind;
    if (strcmp(type, "directory") == 0)
        return lock_entry_bool(e, e->table, "develop") ? "editable" : "directory";
    lock_entry_warn(e, toml_line(src), "source type '%.40s' not known: listed as skipped", type);
    return "unknown";
}

static void read_package(const toml_value *pkg, const char *path, dep_list *out, diag *d)
{
    lock_entry e = {path, d, pkg, NULL};
    bool valid;
    const char *name = lock_entry_name(&e, &valid);
    if (name == NULL)
        return;
    bool bad_version = false;
    const char *vtext = lock_entry_string(&e, pkg, "version", &bad_version);

    /* Poetry 2.1 lists groups; older files have one category. */
    bool dev = false;
    char *group = NULL;
    if (toml_get(pkg, "groups") != NULL) {
        group = lock_entry_groups(&e, "groups", "main", &dev);
    } else {
        const char *category = lock_entry_string(&e, pkg, "category", NULL);
        if (category != NULL && *category != '\0') {
            group = xstrdup(category);
            dev = strcmp(category, "main") != 0;
        }
    }
    const char *location;
    const char *kind = poetry_source(&e, &location);
    lock_entry_add(&e, out, valid, vtext, bad_version, kind, location, group, dev);
    free(group);
}

int lock_poetry_parse(const char *data, size_t len, const char *path, dep_list *out, diag *d,
                      airlock_error *err)
{
    lock_doc doc;
    if (lock_doc_open(&doc, data, len, path, "package", "metadata", "poetry.lock", err) != 0)
        return -1;
    const toml_value *lv = doc.meta != NULL ? toml_get(doc.meta, "lock-version") : NULL;
    if (lock_version_check(lv, "lock-version", path, "poetry.lock", poetry_known,
                           sizeof poetry_known / sizeof poetry_known[0], d, err) != 0) {
        lock_doc_free(&doc);
        return -1;
    }
    /* Without lock-version, [metadata] is Poetry <= 0.12's layout. A file
     * without [metadata] was cut short or written by hand. */
    if (doc.meta == NULL)
        diag_warn(d, path, 1, "no [metadata] table: lock version not known; read as Poetry's "
                              "layouts are");
    for (size_t i = 0; i < lock_doc_count(&doc); i++) {
        const toml_value *pkg = lock_doc_package(&doc, i, path, d);
        if (pkg != NULL)
            read_package(pkg, path, out, d);
    }
    lock_doc_free(&doc);
    return 0;
}
