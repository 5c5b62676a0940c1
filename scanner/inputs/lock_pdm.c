/*
 * lock_pdm.c - pdm.lock, lock_version 2 to 4.5:
 *
 *   2          packages list `sections = [...]`
 *   3.x, 4.0+  hashes in [metadata.files] ("name version" keys), then (4.3)
 *              `files` in each package; no per-package groups
 *   4.4, 4.5   with strategy "inherit_metadata": per-package `groups` and
 *              `marker`; 4.5 adds [[metadata.targets]]
 *
 * Each [[package]] is one dependency at the line of its header. The source
 * is a key of the package: `git` (or hg, svn, bzr), `path` (editable when
 * `editable = true`), `url`; none is an index (checked). A package locked
 * with extras gets a second entry with the same name and version plus
 * `extras = [...]`; both are listed, as the file writes them (see
 * docs/project-files.md). Markers are not read.
 */
#include <stdlib.h>
#include <string.h>

#include "scanner/inputs/lock_toml.h"
#include "scanner/inputs/lockfile.h"

/* The lock_version majors pdm has written, and their newest minor. */
static const lock_known pdm_known[] = {{2, 0}, {3, 1}, {4, 5}};

/* The source kind of package `e`, and in *location its URL or path. The
 * key's presence decides the kind, even when its value is unreadable. */
static const char *pdm_source(const lock_entry *e, const char **location)
{
    static const char *const vcs[] = {"git", "hg", "svn", "bzr"};
    for (size_t i = 0; i < sizeof vcs / sizeof vcs[0]; i++) {
        if (toml_get(e->table, vcs[i]) != NULL) {
            *location = lock_entry_string(e, e->table, vcs[i], NULL);
            return vcs[i];
        }
    }
    if (toml_get(e->table, "path") != NULL) {
        *location = lock_entry_string(e, e->table, "path", NULL);
        return lock_entry_bool(e, e->table, "editable") ? "editable" : "path";
    }
    if (toml_get(e->table, "url") != NULL) {
        *location = lock_entry_string(e, e->table, "url", NULL);
        return "url";
    }
    *location = NULL;
    return "registry";
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

    /* 4.4+ writes `groups`; lock 2 wrote `sections`; 3.x to 4.3 neither. */
    bool dev = false;
    char *group = NULL;
    if (toml_get(pkg, "groups") != NULL)
        group = lock_entry_groups(&e, "groups", "default", &dev);
    else if (toml_get(pkg, "sections") != NULL)
        group = lock_entry_groups(&e, "sections", "default", &dev);

    const char *location;
    const char *kind = pdm_source(&e, &location);
    lock_entry_add(&e, out, valid, vtext, bad_version, kind, location, group, dev);
    free(group);
}

int lock_pdm_parse(const char *data, size_t len, const char *path, dep_list *out, diag *d,
                   airlock_error *err)
{
    lock_doc doc;
    if (lock_doc_open(&doc, data, len, path, "package", "metadata", "pdm.lock", err) != 0)
        return -1;
    const toml_value *lv = doc.meta != NULL ? toml_get(doc.meta, "lock_version") : NULL;
    if (lock_version_check(lv, "lock_version", path, "pdm.lock", pdm_known,
                           sizeof pdm_known / sizeof pdm_known[0], d, err) != 0) {
        lock_doc_free(&doc);
        return -1;
    }
    /* Every pdm.lock has written one; without it the layout is a guess. */
    if (lv == NULL)
        diag_warn(d, path, doc.meta != NULL ? toml_line(doc.meta) : 1,
                  "no [metadata] lock_version: lock version not known; read as pdm's "
                  "layouts are");
    for (size_t i = 0; i < lock_doc_count(&doc); i++) {
        const toml_value *pkg = lock_doc_package(&doc, i, path, d);
        if (pkg != NULL)
            read_package(pkg, path, out, d);
    }
    lock_doc_free(&doc);
    return 0;
}
