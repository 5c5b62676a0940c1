/*
 * scan_inputs.c - which inputs a scan reads (named, found in a directory,
 * or chosen when none is named), reading them, and recording what was read.
 */
#include "scanner/inputs/scan_inputs.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/fileio.h"
#include "scanner/inputs/lockfile.h"
#include "scanner/inputs/project.h"
#include "scanner/inputs/pyenv.h"
#include "scanner/inputs/pyproject.h"
#include "scanner/inputs/requirements.h"
#include "scanner/inputs/sbom.h"
#include "scanner/inputs/sitepackages.h"
#include "scanner/inputs/venv.h"
#include "scanner/inputs/wheelhouse.h"
#include "signatures/sha256.h"

static void sha256_hex(const char *data, size_t len, char out[65])
{
    uint8_t digest[SHA256_BYTES];
    sha256(data, len, digest);
    sodium_bin2hex(out, 65, digest, sizeof digest);
}

int scan_file_sha256(const char *path, char out[65], airlock_error *err)
{
    char *data;
    size_t len;
    if (file_read_all(path, SCAN_INPUT_MAX, &data, &len, err) != 0)
        return -1;
    sha256_hex(data, len, out);
    free(data);
    return 0;
}

static const char *recorded_digest(const scan_report *r, const char *path)
{
    for (size_t i = r->n_files_read; i-- > 0;)
        if (strcmp(r->files_read[i].path, path) == 0)
            return r->files_read[i].sha256;
    return NULL;
}

static void record(scan_report *r, const char *path, const char *hex)
{
    for (size_t i = 0; i < r->n_files_read; i++)
        if (strcmp(r->files_read[i].path, path) == 0 && strcmp(r->files_read[i].sha256, hex) == 0)
            return;
    r->files_read = xrealloc(r->files_read, (r->n_files_read + 1) * sizeof *r->files_read);
    r->files_read[r->n_files_read++] =
        (scan_input){.kind = INPUT_REQUIREMENTS, .path = xstrdup(path), .sha256 = xstrdup(hex)};
}

void scan_record_file(void *report, const char *path, const char *data, size_t len)
{
    char hex[65];
    sha256_hex(data, len, hex);
    record(report, path, hex);
}

/* The inputs that are files read whole and parsed: their digest is the
 * one of the bytes parsed. */
static bool is_file_input(input_kind kind)
{
    return kind == INPUT_REQUIREMENTS || kind == INPUT_LOCKFILE || kind == INPUT_PYPROJECT ||
           kind == INPUT_SBOM;
}

int scan_add_input(scan_report *r, input_kind kind, const char *path, airlock_error *err)
{
    char hex[65];
    if (is_file_input(kind)) {
        const char *known = recorded_digest(r, path);
        if (known != NULL)
            memcpy(hex, known, sizeof hex);
        else if (scan_file_sha256(path, hex, err) != 0)
            return -1;
        else
            record(r, path, hex);
    }
    r->inputs = xrealloc(r->inputs, (r->n_inputs + 1) * sizeof *r->inputs);
    scan_input *in = &r->inputs[r->n_inputs++];
    in->kind = kind;
    in->path = xstrdup(path);
    in->sha256 = is_file_input(kind) ? xstrdup(hex) : NULL;
    in->format = NULL;
    in->note = NULL;
    return 0;
}

void scan_diag_record(void *report, const char *file, unsigned line, const char *msg)
{
    diag_print(file, line, msg);
    scan_report_add_warning(report, file, line, msg);
}

void scan_input_note(scan_input *in, const char *fmt, ...)
{
    buf b = {0};
    if (in->note != NULL)
        buf_printf(&b, "%s; ", in->note);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    free(in->note);
    in->note = buf_detach(&b, NULL);
}

size_t scan_drop_dev(dep_list *deps, size_t from)
{
    size_t kept = from, dropped = 0;
    for (size_t i = from; i < deps->len; i++) {
        if (deps->items[i].dev) {
            dependency_clear(&deps->items[i]);
            dropped++;
        } else {
            deps->items[kept++] = deps->items[i];
        }
    }
    deps->len = kept;
    return dropped;
}

/* ---- Which inputs to read: the plan ---------------------------------- */

typedef struct read_item {
    input_kind kind;
    lock_format lock; /* INPUT_LOCKFILE */
    char *path;
    char *note;       /* why it is read, or NULL */
    char *within;     /* the directory searched to find it, or NULL */
} read_item;

typedef struct plan {
    read_item *items;
    size_t len, cap;
} plan;

static void plan_add(plan *p, input_kind kind, lock_format lock, const char *path,
                     const char *note)
{
    if (p->len == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->items = xrealloc(p->items, p->cap * sizeof *p->items);
    }
    p->items[p->len++] =
        (read_item){kind, lock, xstrdup(path), note ? xstrdup(note) : NULL, NULL};
}

static void plan_free(plan *p)
{
    for (size_t i = 0; i < p->len; i++) {
        free(p->items[i].path);
        free(p->items[i].note);
        free(p->items[i].within);
    }
    free(p->items);
}

/* A PATH named without an option: a directory is searched, a file is what
 * its name says. */
static int plan_positional(plan *p, const char *arg, diag *d, airlock_error *err)
{
    struct stat st;
    if (stat(arg, &st) != 0)
        return error_errno(err, errno, "%s", arg);
    if (S_ISDIR(st.st_mode)) {
        project_files found = {0};
        if (project_find(arg, NULL, &found, d, err) != 0)
            return -1;
        if (found.len == 0) {
            project_files_free(&found);
            return error_set(err, "nothing to scan in %s: no requirement file, lockfile, "
                             "pyproject.toml, SBOM, virtualenv, site-packages directory "
                             "or distribution archive found in it", arg);
        }
        buf note = {0};
        buf_printf(&note, "found in %s", arg);
        for (size_t i = 0; i < found.len; i++) {
            const project_file *f = &found.items[i];
            plan_add(p, f->kind, f->lock, f->path,
                     strcmp(f->path, arg) == 0 ? NULL : note.data);
            p->items[p->len - 1].within = xstrdup(arg);
        }
        buf_free(&note);
        project_files_free(&found);
        return 0;
    }
    input_kind kind;
    lock_format lock = LOCK_POETRY;
    if (project_kind_of_name(arg, &kind, &lock) != 0)
        return error_set(err, "%s: not a file name airlock scan knows (%s); name its kind "
                         "with -r, --lockfile [FORMAT:]FILE, --pyproject or --sbom",
                         arg, project_known_names());
    if (kind != INPUT_VENV) {
        plan_add(p, kind, lock, arg, NULL);
        return 0;
    }
    char *copy = xstrdup(arg); /* pyvenv.cfg: its directory is the venv */
    plan_add(p, INPUT_VENV, lock, dirname(copy), NULL);
    free(copy);
    return 0;
}

static bool is_venv_dir(const char *dir)
{
    buf p = {0};
    buf_printf(&p, "%s/pyvenv.cfg", dir);
    struct stat st;
    bool yes = stat(p.data, &st) == 0 && S_ISREG(st.st_mode);
    buf_free(&p);
    return yes;
}

/* Without inputs: $VIRTUAL_ENV, else the project's own virtualenv in the
 * current directory. Sets *run_python when it is python3's environment
 * that is to be scanned. */
static int plan_default(const scan_input_options *o, plan *p, bool *run_python,
                        airlock_error *err)
{
    *run_python = false;
    if (o->python != NULL) {
        *run_python = true;
        return 0;
    }
    const char *venv = getenv("VIRTUAL_ENV");
    if (venv != NULL && *venv != '\0') {
        plan_add(p, INPUT_VENV, LOCK_POETRY, venv,
                 "no input given: the virtualenv of $VIRTUAL_ENV");
        diag_error("airlock scan", p->items[p->len - 1].note); /* the choice, said once */
        return 0;
    }
    static const char *const own[] = {".venv", "venv"};
    for (size_t i = 0; i < 2; i++) {
        if (!is_venv_dir(own[i]))
            continue;
        buf note = {0};
        buf_printf(&note, "no input given and $VIRTUAL_ENV not set: the project's virtualenv "
                   "%s in the current directory", own[i]);
        if (i == 0 && is_venv_dir(own[1]))
            buf_puts(&note, "; venv is there too, not scanned: name it with --venv venv");
        plan_add(p, INPUT_VENV, LOCK_POETRY, own[i], note.data);
        diag_error("airlock scan", note.data);
        buf_free(&note);
        return 0;
    }
    if (o->no_python)
        return error_set(err, "nothing to scan: give a PATH, -r FILE, --lockfile FILE, "
                         "--pyproject FILE, --sbom FILE, --path DIR or --venv DIR "
                         "(--no-python forbids running python3, $VIRTUAL_ENV is not set and "
                         "the current directory has no .venv or venv)");
    *run_python = true;
    return 0;
}

static int plan_inputs(const scan_input_options *o, plan *p, bool *run_python, diag *d,
                       airlock_error *err)
{
    *run_python = o->python != NULL;
    if (o->n_args == 0)
        return plan_default(o, p, run_python, err);
    for (size_t i = 0; i < o->n_args; i++) {
        const scan_arg *a = &o->args[i];
        if (a->positional) {
            if (plan_positional(p, a->path, d, err) != 0)
                return -1;
        } else if (a->kind == INPUT_LOCKFILE) {
            lock_format format;
            const char *path;
            if (lockfile_parse_arg(a->path, &format, &path, err) != 0)
                return -1;
            plan_add(p, INPUT_LOCKFILE, format, path, NULL);
        } else {
            plan_add(p, a->kind, LOCK_POETRY, a->path, NULL);
        }
    }
    return 0;
}

/* ---- Reading ---------------------------------------------------------- */

/* The environment of --python EXE or python3, first: its marker values
 * then apply to requirement files. */
static int read_python(const scan_input_options *o, bool by_default, scan_report *r,
                       marker_env *env, diag *d, airlock_error *err)
{
    pyenv_run run = {0};
    if (pyenv_scan(o->python, &r->deps, env, &run, d, err) != 0)
        return error_prefix(err, "python");
    const char *named = o->python ? "--python EXE" : "python3 on PATH";
    /* A launcher's own path says nothing about what ran: the report names
     * the interpreter it started. */
    const char *scanned = run.launcher && run.executable[0] != '\0' ? run.executable : run.path;
    int rc = scan_add_input(r, INPUT_PYTHON, scanned, err);
    if (rc == 0) {
        scan_input *in = &r->inputs[r->n_inputs - 1];
        if (by_default)
            scan_input_note(in, "no input given, $VIRTUAL_ENV not set, no .venv or venv in "
                            "the current directory: the environment of python3 on PATH");
        if (run.launcher)
            scan_input_note(in, "%s is a launcher (%s %s); it runs %s", named, run.launcher,
                            run.path, run.executable[0] ? run.executable : "(no sys.executable)");
        if (in->note != NULL)
            diag_error("airlock scan", in->note);
    }
    pyenv_run_clear(&run);
    return rc;
}

/* Add the input read (scan_add_input()) with the note the plan gives it. */
static int add_read(scan_report *r, const read_item *it, airlock_error *err)
{
    if (scan_add_input(r, it->kind, it->path, err) != 0)
        return -1;
    if (it->note != NULL)
        scan_input_note(&r->inputs[r->n_inputs - 1], "%s", it->note);
    return 0;
}

static int read_one(const read_item *it, const marker_env *env, wheelhouse *wh,
                    scan_report *r, diag *d, airlock_error *err)
{
    int rc = 0;
    switch (it->kind) {
    case INPUT_REQUIREMENTS:
        rc = requirements_read_within(it->path, it->within, env, &r->deps, d, scan_record_file,
                                      r, err);
        if (rc == 0)
            rc = add_read(r, it, err);
        break;
    case INPUT_PATH:
        rc = add_read(r, it, err);
        if (rc == 0)
            rc = sitepackages_scan(it->path, &r->deps, d, err);
        break;
    case INPUT_VENV:
        rc = add_read(r, it, err);
        if (rc == 0)
            rc = venv_scan(it->path, &r->deps, d, err);
        break;
    case INPUT_LOCKFILE:
        rc = lockfile_read(it->path, it->lock, &r->deps, d, scan_record_file, r, err);
        if (rc == 0)
            rc = add_read(r, it, err);
        if (rc == 0)
            r->inputs[r->n_inputs - 1].format = xstrdup(lock_format_name(it->lock));
        break;
    case INPUT_PYPROJECT: {
        /* The reader's note says what the file does not list (dynamic
         * dependencies, none declared): not a defect, so not a warning,
         * but the report must say it. */
        char *note = NULL;
        rc = pyproject_read_note(it->path, &r->deps, d, scan_record_file, r, &note, err);
        if (rc == 0)
            rc = add_read(r, it, err);
        if (rc == 0 && note != NULL)
            scan_input_note(&r->inputs[r->n_inputs - 1], "%s", note);
        free(note);
        break;
    }
    case INPUT_SBOM: {
        sbom_info info;
        memset(&info, 0, sizeof info);
        rc = sbom_read(it->path, &r->deps, &info, d, scan_record_file, r, err);
        if (rc == 0)
            rc = add_read(r, it, err);
        if (rc == 0) {
            scan_input *in = &r->inputs[r->n_inputs - 1];
            in->format = xstrdup(sbom_format_name(info.format));
            /* Components that are not PyPI packages are out of scope, but
             * never silently: the report counts them. */
            scan_input_note(in, "%zu component%s: %zu PyPI package%s read, %zu other "
                            "component%s left out", info.components,
                            info.components == 1 ? "" : "s", info.pypi,
                            info.pypi == 1 ? "" : "s", info.other, info.other == 1 ? "" : "s");
        }
        break;
    }
    case INPUT_WHEELHOUSE:
        rc = add_read(r, it, err);
        if (rc == 0) {
            rc = wheelhouse_read(it->path, it->within, NULL, wh, &r->deps, d, err);
            if (rc == 0) /* every file of the directory is accounted for */
                scan_input_note(&r->inputs[r->n_inputs - 1], "%zu wheel%s, %zu sdist%s "
                                "read; %zu rejected; %zu other file%s ignored",
                                wh->wheels, wh->wheels == 1 ? "" : "s", wh->sdists,
                                wh->sdists == 1 ? "" : "s", wh->rejected, wh->other,
                                wh->other == 1 ? "" : "s");
            wh->wheels = wh->sdists = wh->rejected = wh->other = 0;
        }
        break;
    case INPUT_PYTHON: /* read_python() */
        break;
    }
    return rc;
}

/* The --hash values of the requirement files (-r or found), against the
 * archives of every wheelhouse read: pip would refuse a mismatch only at
 * install time, on the offline machine; this says it before. The files are
 * parsed again for their hash values; their warnings were given when they
 * were read, so this second parse keeps quiet. */
static void quiet(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)arg, (void)file, (void)line, (void)msg;
}

static void check_hashes(const plan *p, const wheelhouse *wh, const marker_env *env, diag *d)
{
    for (size_t i = 0; i < p->len; i++) {
        const read_item *it = &p->items[i];
        if (it->kind != INPUT_REQUIREMENTS)
            continue;
        req_lines lines = {0};
        diag silent = {quiet, NULL, 0};
        airlock_error err;
        /* A file found by a directory search is checked too (its includes
         * bounded as when it was read): pip would refuse its mismatches. */
        if (requirements_parse_within(it->path, false, it->within, &lines, &silent, &err) == 0)
            wheelhouse_check_hashes(wh, &lines, env, d);
        req_lines_free(&lines);
    }
}

/* The directory of `path` as (device, inode), to tell whether two files
 * sit side by side however they were named. */
static bool dir_id(const char *path, struct stat *st)
{
    char *copy = xstrdup(path);
    bool ok = stat(dirname(copy), st) == 0;
    free(copy);
    return ok;
}

/* A pyproject.toml beside a lockfile: the lock's pins are checked, the
 * declarations it covers are not added again; those it lacks are kept. */
static void pair_with_locks(scan_report *r)
{
    size_t cap = r->n_inputs ? r->n_inputs : 1;
    const char **locks = xmalloc(cap * sizeof *locks);
    /* Each pyproject's and lockfile's directory, once: a tree of
     * thousands of projects must not cost a stat per pair. */
    struct stat *dirs = xcalloc(cap, sizeof *dirs);
    bool *known = xcalloc(cap, sizeof *known);
    for (size_t i = 0; i < r->n_inputs; i++)
        known[i] = (r->inputs[i].kind == INPUT_PYPROJECT ||
                    r->inputs[i].kind == INPUT_LOCKFILE) &&
                   dir_id(r->inputs[i].path, &dirs[i]);
    for (size_t i = 0; i < r->n_inputs; i++) {
        scan_input *pp = &r->inputs[i];
        if (pp->kind != INPUT_PYPROJECT || !known[i])
            continue;
        size_t n = 0;
        buf names = {0};
        for (size_t j = 0; j < r->n_inputs; j++) {
            const scan_input *l = &r->inputs[j];
            if (l->kind != INPUT_LOCKFILE || !known[j] || dirs[j].st_dev != dirs[i].st_dev ||
                dirs[j].st_ino != dirs[i].st_ino)
                continue;
            bool seen = false;
            for (size_t k = 0; k < n; k++)
                seen = seen || strcmp(locks[k], l->path) == 0;
            if (seen)
                continue;
            const char *slash = strrchr(l->path, '/');
            buf_printf(&names, "%s%s", n ? " and " : "", slash ? slash + 1 : l->path);
            locks[n++] = l->path;
        }
        if (n > 0) {
            size_t declared;
            size_t covered = project_drop_locked(&r->deps, pp->path, locks, n, &declared);
            size_t lacked = declared - covered;
            if (lacked == 0)
                scan_input_note(pp, "pins from %s beside it: %s all %zu dependencies declared "
                                "here, checked at the locked versions", names.data,
                                n > 1 ? "they cover" : "it covers", declared);
            else
                scan_input_note(pp, "pins from %s beside it: %s %zu of the %zu dependencies "
                                "declared here, checked at the locked versions; the %zu %s %s "
                                "read from pyproject.toml", names.data,
                                n > 1 ? "they cover" : "it covers", covered, declared, lacked,
                                n > 1 ? "they lack" : "it lacks", lacked == 1 ? "is" : "are");
        }
        buf_free(&names);
    }
    free(known);
    free(dirs);
    free(locks);
}

int scan_read_inputs(const scan_input_options *o, scan_report *r, diag *d, airlock_error *err)
{
    plan p = {0};
    bool run_python;
    if (plan_inputs(o, &p, &run_python, d, err) != 0) {
        plan_free(&p);
        return -1;
    }
    marker_env env;
    memset(&env, 0, sizeof env);
    wheelhouse wh = {0};
    bool have_env = false;
    int rc = 0;
    if (run_python) {
        rc = read_python(o, o->n_args == 0 && o->python == NULL, r, &env, d, err);
        have_env = rc == 0;
        if (have_env && (o->python_version != NULL || o->platform != NULL)) {
            marker_env_clear(&env); /* the target named wins */
            have_env = false;
        }
    }
    for (size_t i = 0; i < p.len && rc == 0; i++) {
        const read_item *it = &p.items[i];
        if (it->kind == INPUT_REQUIREMENTS && !have_env) {
            rc = marker_env_for_target(&env, o->python_version, o->platform, err);
            if (rc != 0)
                break;
            have_env = true;
        }
        size_t before = r->deps.len, n_inputs = r->n_inputs;
        rc = read_one(it, &env, &wh, r, d, err);
        if (rc != 0)
            break;
        if (r->n_inputs == n_inputs)
            continue;
        scan_input *in = &r->inputs[r->n_inputs - 1];
        if (o->no_dev) {
            size_t dropped = scan_drop_dev(&r->deps, before);
            if (dropped > 0)
                scan_input_note(in, "%zu development package%s left out (--no-dev)", dropped,
                                dropped == 1 ? "" : "s");
        }
    }
    if (rc == 0)
        pair_with_locks(r);
    bool any_wheelhouse = false;
    for (size_t i = 0; i < p.len; i++)
        any_wheelhouse = any_wheelhouse || p.items[i].kind == INPUT_WHEELHOUSE;
    if (rc == 0 && any_wheelhouse)
        check_hashes(&p, &wh, have_env ? &env : NULL, d);
    wheelhouse_free(&wh);
    if (have_env)
        marker_env_clear(&env);
    plan_free(&p);
    return rc;
}
