/*
 * venv.h - the site-packages directories of a virtual environment.
 *
 * A virtualenv (venv, virtualenv, uv) is recognised by its pyvenv.cfg,
 * read as CPython's site.py reads it: "key = value" lines, keys without
 * case, the last occurrence wins. What counts:
 *   home                          the base interpreter's bin directory
 *   version / version_info        "3.11.4" or "3.11.4.final.0" (X.Y used)
 *   include-system-site-packages  "true" adds the base's site-packages
 * The environment's own directories are lib/pythonX.Y/site-packages and
 * lib64/pythonX.Y/site-packages (every lib/python* and lib/pypy* when the
 * version is unknown) and Windows' Lib/site-packages. The base's are
 * derived from `home` (see venv_site_dirs()). Nothing is executed.
 */
#ifndef AIRLOCK_VENV_H
#define AIRLOCK_VENV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/error.h"
#include "scanner/inputs/inventory.h"

/* Largest pyvenv.cfg read. */
#define VENV_CFG_MAX 65536

/* The settings of a pyvenv.cfg. Strings are owned (venv_cfg_clear()). */
typedef struct venv_cfg {
    char *home;         /* NULL when absent */
    char *version;      /* "X.Y" from version or version_info; NULL if absent */
    bool system_site;   /* include-system-site-packages = true */
    bool found;         /* the file existed */
} venv_cfg;

/* Read `venv_dir`/pyvenv.cfg into `cfg`. A missing file is not an error
 * (cfg->found stays false: old virtualenvs and conda have none); an
 * unreadable one is. Lines without '=' are ignored as site.py ignores them. */
int venv_read_cfg(const char *venv_dir, venv_cfg *cfg, airlock_error *err);

/* Parse the text of a pyvenv.cfg (for tests and fuzzing). */
void venv_parse_cfg(const char *text, size_t len, venv_cfg *cfg);

void venv_cfg_clear(venv_cfg *cfg);

/* A list of owned directory paths. */
typedef struct path_list {
    char **items;
    size_t len, cap;
} path_list;

void path_list_add(path_list *l, const char *path);
void path_list_free(path_list *l);

/* Append the existing site-packages directories of the environment, in
 * sys.path order: its own, then, with include-system-site-packages, the
 * base interpreter's. The base prefix is the parent of `home` (home itself
 * when it holds Lib/, as on Windows); under it the candidates are
 * lib/pythonX.Y/site-packages, lib64/..., and Debian's
 * local/lib/pythonX.Y/dist-packages, lib/python3/dist-packages,
 * lib/pythonX.Y/dist-packages. If none exists, a warning through `d` says
 * so and only the environment's own directories are scanned. Returns 0, or
 * -1 when the environment has no site-packages directory at all. */
int venv_site_dirs(const char *venv_dir, const venv_cfg *cfg, path_list *out, diag *d,
                   airlock_error *err);

/* The whole of `--venv DIR`: read pyvenv.cfg, find the directories, scan
 * them into `out`. */
int venv_scan(const char *venv_dir, dep_list *out, diag *d, airlock_error *err);

#endif
