/*
 * pyproject.h - the dependencies a pyproject.toml declares.
 *
 * Read: [project] dependencies and optional-dependencies (group
 * "extra:NAME"), [dependency-groups] (PEP 735, include-group followed,
 * cycles an error naming the groups), and Poetry's
 * [tool.poetry.dependencies], [tool.poetry.group.NAME.dependencies] and
 * old [tool.poetry.dev-dependencies]. Poetry's `python` entry is the
 * interpreter, not a package. [build-system] requires is not read.
 *
 * Each requirement becomes one DEP_DECLARED dependency with source_line at
 * its string (or key). An exact pin ("==1.2.3" in PEP 508; a bare Poetry
 * version such as "4.2.1", "==4.2.1" or {version = "4.2.1"}) is checked;
 * a range, an unpinned name, a URL, git or path dependency is kept,
 * skipped, with the reason ("range '>=1.2'", "not pinned", "git source").
 * `group` is the group that holds it ("project" for [project]
 * dependencies, "extra:NAME", a dependency group's name, Poetry's "main"
 * or its group name); `dev` is set for [dependency-groups] named "dev",
 * Poetry's dev-dependencies and its non-main groups.
 *
 * A file that is not valid TOML is an error "FILE:LINE: why"; a bad entry
 * (a requirement that is not PEP 508, a value of the wrong type) is a
 * warning naming file and line, and the reading goes on.
 */
#ifndef AIRLOCK_PYPROJECT_H
#define AIRLOCK_PYPROJECT_H

#include <stddef.h>

#include "core/diag.h"
#include "core/error.h"
#include "scanner/inputs/inventory.h"
#include "scanner/inputs/lockfile.h"

/* Largest pyproject.toml read. */
#define PYPROJECT_MAX_SIZE ((size_t)16 << 20)

/* Read the pyproject.toml at `path`, appending its dependencies to `out`;
 * `on_file` (may be NULL) is told of the bytes read (lockfile.h). Returns
 * 0, or -1 with a message naming the file (and line). */
int pyproject_read(const char *path, dep_list *out, diag *d, lock_file_fn *on_file, void *arg,
                   airlock_error *err);

/* The same on bytes in memory; `path` names the file in messages and in
 * each dependency's source_file. */
int pyproject_parse(const char *data, size_t len, const char *path, dep_list *out, diag *d,
                    airlock_error *err);

/* The same two, also returning in *note what the report should say of the
 * file that is not a dependency (for scan_input.note), or NULL when there
 * is nothing to say; the caller frees it. `note` may be NULL. Today that
 * is: "[project] dependencies are dynamic" (`dynamic = ["dependencies"]`:
 * the build backend computes them and this file does not list them, so a
 * scan of it cannot cover them), the same for optional-dependencies, and
 * that the file declares no dependencies at all. Neither is a defect of
 * the file, so neither is a warning (--strict must not refuse a valid
 * file), and no pseudo-dependency stands for them. */
int pyproject_read_note(const char *path, dep_list *out, diag *d, lock_file_fn *on_file,
                        void *arg, char **note, airlock_error *err);
int pyproject_parse_note(const char *data, size_t len, const char *path, dep_list *out, diag *d,
                         char **note, airlock_error *err);

#endif
