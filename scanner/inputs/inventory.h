/*
 * inventory.h - the dependencies a scan checks.
 *
 * Every input kind (site-packages, virtualenvs, requirement files, the
 * running interpreter's environment, lockfiles, pyproject.toml, SBOMs)
 * produces `dependency` values into one
 * `dep_list`. A dependency is either checkable (it has a parsed version) or
 * skipped with a reason; nothing is silently dropped.
 */
#ifndef AIRLOCK_INVENTORY_H
#define AIRLOCK_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/version.h"

typedef enum dep_kind {
    DEP_INSTALLED,   /* found in a site-packages directory */
    DEP_REQUIREMENT, /* read from a requirement file */
    DEP_LOCKED,      /* read from a lockfile (lockfile.h) */
    DEP_DECLARED,    /* declared in a pyproject.toml (pyproject.h) */
    DEP_SBOM,        /* a component of an SBOM (sbom.h) */
    DEP_ARCHIVE      /* a wheel or sdist of a wheelhouse (wheelhouse.h);
                        source_kind "wheel" or "sdist" */
} dep_kind;

typedef struct dependency {
    dep_kind kind;
    char *name;          /* as written in the input */
    char *normalized;    /* PEP 503 normalised name */
    char *version_text;  /* as written; NULL when there is none */
    bool has_version;    /* `version` is valid (and must be cleared) */
    version version;
    char *source_file;   /* requirement file, or the METADATA/PKG-INFO path */
    unsigned source_line;/* 1-based line in source_file; 0 for metadata */
    char *location;      /* distribution directory, or an editable's source
                            location; NULL when not applicable */
    bool editable;
    char *skip_reason;   /* NULL if the dependency is checked */
    char *specifier;     /* the PEP 440 specifier of a requirement that is
                            not an exact pin ("" when it has none), which
                            advice.h checks against the index; NULL for pins
                            and everything else */
    char *source_kind;   /* where a locked or declared package comes from:
                            "registry", "git", "url", "path", "directory",
                            "editable", "virtual"; "wheel", "sdist" for
                            archives of a wheelhouse; NULL for installed
                            distributions and requirement lines */
    char *group;         /* the group or section that holds it, as the input
                            names it: "default"/"develop" (Pipfile.lock),
                            "main"/"dev" (Poetry), a dependency group, an
                            extra ("extra:NAME"); several joined with ", ";
                            NULL when the input has none */
    bool dev;            /* only in development groups (what --no-dev leaves
                            out) */
    bool markers_false;  /* its markers do not apply to the scan's target
                            environment (skipped for that reason) */
    char *strings_;      /* private to inventory.c and the inputs: one
                            block that holds several of the strings above
                            (an input may make them in one piece, as
                            sitepackages.c does); NULL when none */
    size_t strings_size_;
    bool strings_pooled_;/* strings_ lies in its list's pool (not freed
                            with the dependency) */
} dependency;

typedef struct dep_strings_slab dep_strings_slab; /* private to inventory.c */

typedef struct dep_list {
    dependency *items;
    size_t len;
    size_t cap;
    dep_strings_slab *slabs_; /* private: the pool of dep_list_strings() */
} dep_list;

/* Append a zeroed dependency and return it (owned by the list). */
dependency *dep_list_add(dep_list *l);
/* Give `d` one block of `size` bytes for its strings (strings_) and return
 * it: the caller points fields into it. dependency_clear() frees the block
 * and each string field that is not inside it, so a field may still be
 * replaced by a string of its own (free() only what is not in the block).
 * At most once a dependency. One allocation instead of five a
 * distribution. */
char *dependency_strings(dependency *d, size_t size);
/* The same, with the block taken from `l`'s pool (64 KiB slabs) instead of
 * an allocation of its own: for an input that adds thousands of
 * dependencies. `d` must be an item of `l`, and stay one: the block lives
 * until dep_list_free(l) (dependency_clear() leaves it to the list), so
 * the dependency may move within the list but not to another. */
char *dep_list_strings(dep_list *l, dependency *d, size_t size);
/* Make room for `n` more dependencies at once (an input that knows how
 * many it will add spares the list its doublings and their copies). */
void dep_list_reserve(dep_list *l, size_t n);
/* Free every dependency and the array. */
void dep_list_free(dep_list *l);
/* Free one dependency's members (not the struct itself). */
void dependency_clear(dependency *d);

#endif
