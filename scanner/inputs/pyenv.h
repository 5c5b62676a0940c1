/*
 * pyenv.h - the environment of a Python interpreter, learnt by running it
 * once.
 *
 * This is the only place where Airlock starts a process. The interpreter is
 * found without a shell: a name without '/' is looked up in PATH by hand.
 * It runs as
 *     EXE -E -c CODE
 * with fork/execve, stdin from /dev/null, an environment holding only HOME,
 * a timeout and a bound on its output. A launcher (a file starting with
 * "#!": a pyenv or asdf shim, a wrapper script) is run as the user runs it,
 * with the same arguments and the user's environment less the PYTHON*
 * variables, since it chooses the interpreter from that environment
 * (PYENV_VERSION, PATH, ASDF_*); the interpreter it starts reports its own
 * sys.executable, which is what was scanned. -E ignores PYTHONPATH, PYTHONHOME
 * and the other PYTHON* variables, so what is scanned is the installation,
 * not a path injected for one shell; site stays enabled (not -S, not -I),
 * so sys.path holds site-packages, the user site and what .pth files add,
 * exactly what a program run by that interpreter imports from. CODE prints
 * one JSON object: sys.path (without the '' that -c puts first), the prefix,
 * and PEP 508's marker variables as packaging computes them. Paths travel
 * hex-encoded (os.fsencode) so that any byte survives.
 */
#ifndef AIRLOCK_PYENV_H
#define AIRLOCK_PYENV_H

#include "core/diag.h"
#include "core/error.h"
#include "scanner/inputs/inventory.h"
#include "scanner/inputs/markers.h"
#include "scanner/inputs/venv.h"

/* Limits on the interpreter run. */
#define PYENV_TIMEOUT_MS 20000
#define PYENV_MAX_OUTPUT ((size_t)4 << 20)

/* What the interpreter said. Owned; release with pyenv_info_clear(). */
typedef struct pyenv_info {
    path_list sys_path;  /* in order, as the interpreter has it */
    char *executable;    /* sys.executable */
    char *prefix;        /* sys.prefix */
    char *base_prefix;   /* sys.base_prefix (== prefix outside a venv) */
    marker_env env;      /* every field set */
    bool launcher;       /* the file run was a "#!" script (pyenv_query) */
} pyenv_info;

/* Find `exe` (NULL means "python3") as execvp would, in `path_env` (the
 * value of PATH; NULL or "" means "/usr/local/bin:/usr/bin:/bin"), without
 * running anything: the first regular, executable file. A name containing
 * '/' is used as given. *out is an owned path, not resolved through
 * symlinks (a venv's python must keep its own path to find pyvenv.cfg). */
int pyenv_resolve(const char *exe, const char *path_env, char **out, airlock_error *err);

/* Run the interpreter at `exe_path` (as from pyenv_resolve()) once and
 * fill `info`, waiting at most `timeout_ms` (PYENV_TIMEOUT_MS is the
 * default); a launcher script is run as said above (info->launcher set).
 * Fails with a message on a failed exec, a non-zero
 * exit (with the start of its stderr), a timeout (the child is killed),
 * output over PYENV_MAX_OUTPUT, or output that is not the expected JSON.
 * The child gets no file descriptor of ours beyond stdin/stdout/stderr. */
int pyenv_query(const char *exe_path, int timeout_ms, pyenv_info *info, airlock_error *err);

/* Parse the interpreter's JSON answer (for tests and fuzzing). */
int pyenv_parse_output(const char *json, size_t len, pyenv_info *info, airlock_error *err);

void pyenv_info_clear(pyenv_info *info);

/* What pyenv_scan() ran. Owned; release with pyenv_run_clear(). */
typedef struct pyenv_run {
    char *path;           /* the file run, as pyenv_resolve() found it */
    char *executable;     /* the interpreter's sys.executable ("" if it has none) */
    const char *launcher; /* NULL, or what `path` is: "pyenv shim", "asdf shim",
                             "mise shim", "launcher script" (static) */
} pyenv_run;

void pyenv_run_clear(pyenv_run *run);

/* The whole of `airlock scan` without inputs: resolve `exe` (NULL:
 * python3) in $PATH, query it, and scan every sys.path entry that is a
 * directory into `out` (zip files and missing entries are skipped). If
 * `env` is not NULL it receives the interpreter's marker environment
 * (owned by the caller, release with marker_env_clear()); if `run` is not
 * NULL, what was run (for the report: a launcher's real interpreter). */
int pyenv_scan(const char *exe, dep_list *out, marker_env *env, pyenv_run *run, diag *d,
               airlock_error *err);

#endif
