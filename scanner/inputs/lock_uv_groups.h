/*
 * lock_uv_groups.h - which groups of the project need each uv.lock package.
 *
 * uv.lock does not write a package's groups; it writes the graph: each
 * [[package]] lists `dependencies`, `optional-dependencies.EXTRA` and, on
 * workspace members only, `dev-dependencies.GROUP`, as references
 * `{ name, version?, source?, extra? }`. The groups are found by walking
 * that graph from the workspace's roots, as `uv export` does:
 *
 * - Roots: the names in [manifest] members, packages whose source is
 *   virtual or editable ".", and every package nothing else depends on (a
 *   lockfile holds nothing unreachable, so such a package is a root).
 * - A root's `dependencies` carry the label "project", its
 *   `optional-dependencies.X` "extra:X", its `dev-dependencies.G` "G";
 *   [manifest] requirements carry "project" and [manifest]
 *   dependency-groups G carry "G".
 * - Labels flow along every edge (a reference with `extra = [...]` also
 *   enters those extras of its target). Markers are not evaluated, and a
 *   reference that does not single out one entry reaches every entry of
 *   that name: a package gets every label that could bring it in.
 *
 * `group` is the package's labels joined with ", " ("project, dev"), and
 * `dev` is set when every label is the dependency group "dev" (uv's
 * --no-dev). Every approximation adds labels, never removes one, so a
 * package is only ever dev when nothing but "dev" can bring it in. A
 * package no root reaches keeps group NULL and is not dev. When the graph
 * needs more than 64 labels or too much work (a hostile file), no package
 * gets a group.
 */
#ifndef AIRLOCK_LOCK_UV_GROUPS_H
#define AIRLOCK_LOCK_UV_GROUPS_H

#include <stddef.h>

#include "core/toml.h"
#include "scanner/inputs/inventory.h"

/* Set `group` and `dev` of the dependencies lock_uv_parse() made from the
 * array `pkgs` of `root`: entry i became out->items[dep_at[i]] (SIZE_MAX
 * when it was ignored, having no name). */
void lock_uv_groups(const toml_value *root, const toml_value *pkgs, const size_t *dep_at,
                    dep_list *out);

#endif
