/*
 * project.h - what `airlock scan PATH...` reads: a file by what its name
 * says, a directory by searching it for the files a Python project
 * declares, locks or installs its dependencies in.
 *
 * Nothing here reads a file's content or runs anything: the search returns
 * a list of (kind, format, path) that the scan then reads, so that it can
 * be tested alone. The list's order is fixed by the tree, not by readdir():
 * in each directory its files sorted by name (bytewise), then its
 * subdirectories sorted by name, depth first.
 *
 * Names known (project_kind_of_name()):
 *   requirements*.txt, *-requirements.txt, *_requirements.txt, and any
 *     *.txt in a directory named requirements          requirement file
 *   poetry.lock, uv.lock, Pipfile.lock, pdm.lock, pylock[.NAME].toml
 *                                                       lockfile
 *   pyproject.toml                                      pyproject
 *   *.cdx.json, bom.json, *.spdx.json                   SBOM
 *   a directory holding pyvenv.cfg                      virtualenv (venv.h
 *     reads its site-packages; the rest of it is searched as any other
 *     directory, but for bin, Scripts, lib, lib64, Lib, include, Include:
 *     `python -m venv .` in a project's root must not hide the project)
 *   a directory holding a distribution archive (*.whl, NAME-VERSION.tar.gz
 *     or .zip, wheelhouse.h's wheelhouse_kind_of_name())   wheelhouse,
 *     after the directory's other files
 *   a directory named site-packages or dist-packages outside a virtualenv
 *                                                       installed
 *     distributions (--path; vendored or bundled packages ship too)
 *
 * The search never follows a symbolic link to a directory (a loop, or
 * another user's tree): each one is a warning naming it. A symbolic link
 * to a file of a known name is followed when its target lies inside the
 * directory searched (requirements.txt -> prod.txt is common), and is a
 * warning otherwise. It skips the directories in PROJECT_SKIPPED_DIRS (version
 * control and tool caches, which hold no dependency of the project), and
 * stops at PROJECT_MAX_DEPTH levels and PROJECT_MAX_ENTRIES directory
 * entries with a warning: a bound that is hit is never silent. A directory
 * below the root that cannot be opened is a warning; the root itself is an
 * error.
 */
#ifndef AIRLOCK_PROJECT_H
#define AIRLOCK_PROJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/error.h"
#include "scanner/inputs/lockfile.h"
#include "scanner/results.h"

/* Directory levels searched below the root. */
#define PROJECT_MAX_DEPTH 32u
/* Directory entries looked at in one search, over the whole tree. */
#define PROJECT_MAX_ENTRIES ((size_t)1000000)

/* Directory names never entered, as one string for messages and docs. */
#define PROJECT_SKIPPED_DIRS                                                                  \
    ".git .hg .svn .bzr node_modules __pycache__ .tox .nox .mypy_cache .pytest_cache "        \
    ".ruff_cache .hypothesis .eggs .ipynb_checkpoints"

/* One input found. `kind` is INPUT_REQUIREMENTS, INPUT_LOCKFILE (`lock`
 * says the format), INPUT_PYPROJECT, INPUT_SBOM, INPUT_VENV (`path` is the
 * environment's directory), INPUT_PATH (a site-packages directory) or
 * INPUT_WHEELHOUSE (a directory of archives). */
typedef struct project_file {
    input_kind kind;
    lock_format lock;
    char *path; /* the root joined with the path below it; owned */
} project_file;

typedef struct project_files {
    project_file *items;
    size_t len, cap;
} project_files;

void project_files_free(project_files *l);

typedef struct project_limits {
    unsigned max_depth;
    size_t max_entries;
} project_limits;

/* What the base name of `path` says the file is, for a file named on the
 * command line: the names above, any other *.txt as a requirement file,
 * and pyvenv.cfg as its directory's virtualenv (INPUT_VENV). Returns 0, or
 * -1 when the name says nothing. */
int project_kind_of_name(const char *path, input_kind *kind, lock_format *lock);

/* The names project_kind_of_name() knows, for an error message. */
const char *project_known_names(void);

/* Search the directory `root` as described above, appending what it finds
 * to `out`. `limits` may be NULL (PROJECT_MAX_DEPTH, PROJECT_MAX_ENTRIES).
 * Warnings (a link not followed, a bound hit, a directory that cannot be
 * opened) go through `d`. Returns 0, or -1 with a message when `root`
 * cannot be searched at all. */
int project_find(const char *root, const project_limits *limits, project_files *out, diag *d,
                 airlock_error *err);

/* Where a pyproject.toml sits beside its lockfile: drop from `deps` the
 * DEP_DECLARED dependencies read from `pyproject` that the DEP_LOCKED
 * dependencies read from the files `locks` cover (the lockfile's pins are
 * what is checked for them): a declaration that is not checked itself (a
 * range, no version, a URL) is covered by any locked entry of its name; a
 * declared exact pin only by a registry entry at that version, as a lock
 * that pins another version is stale or for another target and must not
 * hide the pin. Declared dependencies the locks lack are kept. `*declared` receives how many dependencies the
 * pyproject declared (before the drop). Returns how many were dropped. */
size_t project_drop_locked(dep_list *deps, const char *pyproject, const char *const *locks,
                           size_t n_locks, size_t *declared);

#endif
