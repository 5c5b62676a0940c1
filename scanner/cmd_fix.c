/*
 * cmd_fix.c - `airlock fix`: scan requirement files as `airlock scan -r`
 * does, then rewrite each vulnerable exact pin to its fix, in the file and
 * line where it stands, and nothing else (docs/remediation.md).
 *
 * Order, for failing closed and for never leaving half a change: the
 * database first (scan_run.h: its digest is compared while the inputs are
 * read, before anything reads it); every file to change is read again and
 * checked against the digest of what the scan parsed; every edit is made
 * in memory; then every FILE.bak is written (a backup that exists and
 * differs stops everything before a byte is written), then each file is
 * replaced atomically, and if one cannot be, those already replaced are
 * put back.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/name.h"
#include "core/text.h"
#include "core/textedit.h"
#include "scanner/advice.h"
#include "scanner/commands.h"
#include "scanner/fix_plan.h"
#include "scanner/inputs/lockfile.h"
#include "scanner/inputs/scan_inputs.h"
#include "scanner/scan_run.h"

static const char usage[] =
    "usage: airlock fix -r FILE [OPTIONS]\n"
    "\n"
    "Scan requirement files as 'airlock scan -r' does and rewrite each vulnerable\n"
    "exact pin (==X, ===X) to the release that fixes it, in FILE and the files it\n"
    "includes with -r/-c, on the line where it stands. Nothing else changes:\n"
    "comments, options, markers, extras, continuations and line endings stay byte\n"
    "for byte. A --hash of a changed pin is replaced by the new release's hashes\n"
    "from the database's index data, or removed with a warning when there are none.\n"
    "Each changed file is replaced atomically and its original kept as FILE.bak;\n"
    "every file written is named in the output (and in the --dry-run diff).\n"
    "\n"
    "Inputs (repeatable):\n"
    "  -r, --requirement FILE  a pip requirements file (with its -r/-c includes):\n"
    "                          rewritten\n"
    "  --lockfile [FORMAT:]FILE  a lockfile (poetry, uv, pipfile, pdm, pylock): not\n"
    "                          rewritten; the command that would update it is printed\n"
    "  --pyproject FILE        a pyproject.toml: not rewritten; what to change is printed\n"
    "\n"
    "Options:\n"
    "  --dry-run               print the changes as a unified diff (patch -p0 applies\n"
    "                          it) and write nothing\n"
    "  --to minimal|latest     the smallest release above the pin that no known\n"
    "                          advisory affects (default), or the latest release if\n"
    "                          none affects it\n"
    "  --rewrite-outside       also rewrite included files outside the directory of\n"
    "                          the -r FILE that includes them (-r ../common.txt):\n"
    "                          without it they are left, and said so\n"
    "  --python-version X.Y    target Python for markers (default 3.11: fix never\n"
    "                          runs an interpreter to learn it)\n"
    "  --platform NAME         target platform for markers: linux, darwin, win32\n"
    "                          (default linux)\n"
    "  --no-python             accepted as scan accepts it; fix never runs python\n"
    "  --ignore-vuln ID        accept this vulnerability: its pin is left (repeatable)\n"
    "  --ignore-file FILE      accept the entries of FILE (see airlock scan --help)\n"
    "  --strict                a bad item in an input is an error, not a warning\n"
    "  --max-db-age DAYS       refuse a database older than DAYS days\n"
    "  -h, --help              print this help and exit\n"
    "\n"
    "Examples:\n"
    "  airlock fix -r requirements.txt --dry-run\n"
    "  airlock fix -r requirements.txt --dry-run | patch -p0\n"
    "  airlock fix -r requirements.txt\n"
    "  airlock fix -r requirements/prod.txt --to latest --ignore-file .airlock-ignore\n"
    "  airlock fix -r requirements.txt --python-version 3.9 --platform win32\n"
    "  airlock fix -r requirements.txt --lockfile uv.lock\n"
    "\n"
    "A pin whose markers do not apply to the target (--python-version, --platform)\n"
    "is left as it is: run fix again for that target. A project pinned at two\n"
    "versions for the target (in two files, or twice in one) is left, with a\n"
    "warning naming both lines: pip refuses the pair, make the pins agree first.\n"
    "An existing FILE.bak is never overwritten (the original goes to FILE.bak.N).\n"
    "\n"
    "Exit status: 0 every finding fixed (or would be, with --dry-run), 1 some have\n"
    "no fix or need a command run by hand (lockfiles, pyproject.toml) or a pin\n"
    "could not be rewritten, 2 error (usage, unreadable input, missing, bad or too\n"
    "old database, a file that cannot be written: then no file is changed, or\n"
    "those that could not be put back are named with their FILE.bak).\n";

enum {
    OPT_LOCKFILE = 256,
    OPT_PYPROJECT,
    OPT_DRY_RUN,
    OPT_TO,
    OPT_NO_PYTHON,
    OPT_PYTHON_VERSION,
    OPT_PLATFORM,
    OPT_IGNORE_VULN,
    OPT_IGNORE_FILE,
    OPT_STRICT,
    OPT_MAX_DB_AGE,
    OPT_REWRITE_OUTSIDE
};

static const struct option long_options[] = {
    {"requirement", required_argument, NULL, 'r'},
    {"lockfile", required_argument, NULL, OPT_LOCKFILE},
    {"pyproject", required_argument, NULL, OPT_PYPROJECT},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"to", required_argument, NULL, OPT_TO},
    {"no-python", no_argument, NULL, OPT_NO_PYTHON},
    {"python-version", required_argument, NULL, OPT_PYTHON_VERSION},
    {"platform", required_argument, NULL, OPT_PLATFORM},
    {"ignore-vuln", required_argument, NULL, OPT_IGNORE_VULN},
    {"ignore-file", required_argument, NULL, OPT_IGNORE_FILE},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"max-db-age", required_argument, NULL, OPT_MAX_DB_AGE},
    {"rewrite-outside", no_argument, NULL, OPT_REWRITE_OUTSIDE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct fix_options {
    scan_arg *inputs;
    size_t n_inputs;
    bool requirements;   /* at least one -r */
    bool dry_run;
    bool rewrite_outside;
    fix_target to;
    bool no_python;
    const char *python_version, *platform;
    ignore_list ignores;
    const char **ignore_files;
    size_t n_ignore_files;
    bool strict;
    int max_db_age;
} fix_options;

static void add_input(fix_options *o, input_kind kind, const char *path)
{
    o->inputs = xrealloc(o->inputs, (o->n_inputs + 1) * sizeof *o->inputs);
    o->inputs[o->n_inputs++] = (scan_arg){kind, path, false};
}

static void options_free(fix_options *o)
{
    free(o->inputs);
    free(o->ignore_files);
    ignore_list_free(&o->ignores);
}

/* Returns 0 to go on, or the exit status to stop with (-1 for --help). */
static int parse_options(int argc, char **argv, fix_options *o)
{
    airlock_error err = {{0}};
    o->to = FIX_TO_MINIMAL;
    o->max_db_age = -1;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":r:h", long_options, NULL)) != -1) {
        switch (c) {
        case 'r':
            add_input(o, INPUT_REQUIREMENTS, optarg);
            o->requirements = true;
            break;
        case OPT_LOCKFILE: {
            lock_format format;
            const char *path;
            if (lockfile_parse_arg(optarg, &format, &path, &err) != 0) {
                diag_error("airlock fix", err.msg);
                return EXIT_ERROR;
            }
            add_input(o, INPUT_LOCKFILE, optarg);
            break;
        }
        case OPT_PYPROJECT: add_input(o, INPUT_PYPROJECT, optarg); break;
        case OPT_DRY_RUN: o->dry_run = true; break;
        case OPT_REWRITE_OUTSIDE: o->rewrite_outside = true; break;
        case OPT_TO:
            if (strcmp(optarg, "minimal") == 0) {
                o->to = FIX_TO_MINIMAL;
            } else if (strcmp(optarg, "latest") == 0) {
                o->to = FIX_TO_LATEST;
            } else {
                fprintf(stderr, "airlock fix: --to takes minimal or latest, not '%s'\n", optarg);
                return EXIT_ERROR;
            }
            break;
        case OPT_NO_PYTHON: o->no_python = true; break;
        case OPT_PYTHON_VERSION: o->python_version = optarg; break;
        case OPT_PLATFORM: o->platform = optarg; break;
        case OPT_IGNORE_VULN:
            if (ignore_add_id(&o->ignores, optarg, &err) != 0) {
                diag_error("airlock fix: --ignore-vuln", err.msg);
                return EXIT_ERROR;
            }
            break;
        case OPT_IGNORE_FILE:
            o->ignore_files = xrealloc(o->ignore_files,
                                       (o->n_ignore_files + 1) * sizeof *o->ignore_files);
            o->ignore_files[o->n_ignore_files++] = optarg;
            break;
        case OPT_STRICT: o->strict = true; break;
        case OPT_MAX_DB_AGE: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end != '\0' || v < 0 || v > 100000) {
                fprintf(stderr, "airlock fix: invalid --max-db-age '%s' (days)\n", optarg);
                return EXIT_ERROR;
            }
            o->max_db_age = (int)v;
            break;
        }
        case 'h': fputs(usage, stdout); return -1;
        case ':':
            fprintf(stderr, "airlock fix: option '%s' needs a value\n\n%s", argv[optind - 1],
                    usage);
            return EXIT_ERROR;
        default:
            fprintf(stderr, "airlock fix: unknown option '%s'\n\n%s", argv[optind - 1], usage);
            return EXIT_ERROR;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "airlock fix: name requirement files with -r: '%s'\n\n%s", argv[optind],
                usage);
        return EXIT_ERROR;
    }
    if (o->n_inputs == 0) {
        fprintf(stderr, "airlock fix: nothing to fix: give -r FILE\n\n%s", usage);
        return EXIT_ERROR;
    }
    return 0;
}

/* ---- what cannot be rewritten: lockfiles and pyproject.toml ---- */

static const char *lock_format_of(const scan_report *r, const char *path)
{
    for (size_t i = 0; i < r->n_inputs; i++)
        if (r->inputs[i].kind == INPUT_LOCKFILE && r->inputs[i].format != NULL &&
            strcmp(r->inputs[i].path, path) == 0)
            return r->inputs[i].format;
    return NULL;
}

/* Say why dependency `dep` (with fix `fx`, or NULL) is not fixed, and
 * for a lockfile or pyproject.toml what would fix it. */
static void print_unfixed(FILE *out, const scan_report *r, const dependency *dep,
                          const fix_item *fx)
{
    char *file = text_safe_dup(dep->source_file ? dep->source_file : "?", 0);
    char *name = text_safe_dup(dep->name ? dep->name : "?", 0);
    char *from = text_safe_dup(dep->version_text ? dep->version_text : "?", 0);
    fprintf(out, "%s", file);
    if (dep->source_line > 0)
        fprintf(out, ":%u", dep->source_line);
    fprintf(out, ": %s %s", name, from);
    if (fx == NULL || fx->new_version == NULL) {
        char *note = fx && fx->note ? text_safe_dup(fx->note, 0) : NULL;
        fprintf(out, ": no fix%s%s\n", note ? ": " : "", note ? note : "");
        free(note);
    } else {
        char *to = text_safe_dup(fx->new_version, 0);
        const char *fmt = dep->kind == DEP_LOCKED ? lock_format_of(r, dep->source_file) : NULL;
        fprintf(out, " -> %s: ", to);
        if (!name_is_valid(dep->name, strlen(dep->name)))
            fputs("not rewritten; change it by hand\n", out);
        else if (dep->kind == DEP_DECLARED)
            fprintf(out, "pyproject.toml is not rewritten: change its pin to %s==%s, then "
                    "update the lockfile\n", name, to);
        else if (dep->kind == DEP_REQUIREMENT)
            fputs("not rewritten: its pin was not found as pip reads the file\n", out);
        else if (fmt != NULL && strcmp(fmt, "poetry") == 0)
            fprintf(out, "run: poetry add %s@%s\n", name, to);
        else if (fmt != NULL && strcmp(fmt, "uv") == 0)
            fprintf(out, "run: uv lock --upgrade-package %s==%s\n", name, to);
        else if (fmt != NULL && strcmp(fmt, "pdm") == 0)
            fprintf(out, "run: pdm update %s (then check that pdm.lock has %s %s or later: "
                    "pdm update keeps to pyproject.toml's constraints)\n", name, name, to);
        else if (fmt != NULL && strcmp(fmt, "pipfile") == 0)
            fprintf(out, "run: pipenv upgrade %s==%s\n", name, to);
        else if (fmt != NULL && strcmp(fmt, "pylock") == 0)
            fprintf(out, "regenerate pylock.toml with the tool that wrote it, requiring "
                    "%s>=%s (it has no update command of its own)\n", name, to);
        else
            fputs("not rewritten; change it by hand\n", out);
        free(to);
    }
    free(file);
    free(name);
    free(from);
}

/* ---- the run ---- */

static void quiet(void *arg, const char *file, unsigned line, const char *msg)
{
    (void)arg, (void)file, (void)line, (void)msg;
}

static bool vulnerable(const scan_report *r, size_t i)
{
    const dep_findings *f = &r->findings[i];
    for (size_t k = 0; k < f->len; k++)
        if (!f->items[k].ignored)
            return true;
    return false;
}

static int run(const fix_options *o, const airlock_globals *g, scan_report *r, diag *d)
{
    int64_t now = (int64_t)time(NULL);
    airlock_error err = {{0}};
    scan_db sdb;
    fix_plan plan;
    memset(&plan, 0, sizeof plan);
    int status = EXIT_ERROR;
    if (scan_db_open("airlock fix", g, o->max_db_age, now, r, &sdb) != 0)
        goto out;
    scan_input_options in = {
        .args = o->inputs,
        .n_args = o->n_inputs,
        .no_python = o->no_python,
        .python_version = o->python_version,
        .platform = o->platform,
    };
    scan_policy policy = {&o->ignores, o->ignore_files, o->n_ignore_files, o->strict};
    if (scan_collect("airlock fix", &in, &policy, &sdb, now, r, d) != 0)
        goto out;
    if (advice_compute(r, sdb.db, o->to, &err) != 0) {
        diag_error("airlock fix: database", err.msg);
        goto out;
    }
    diag silent = {quiet, NULL, 0}; /* the scan gave the inputs' warnings */
    fix_plan_options po = {o->python_version, o->platform, o->rewrite_outside};
    if (fix_plan_make(&plan, o->inputs, o->n_inputs, &po, r, sdb.db, &silent, &err) != 0) {
        diag_error("airlock fix", err.msg);
        goto out;
    }
    FILE *msg = o->dry_run ? stderr : stdout;
    if (o->dry_run) {
        bool tty = isatty(STDOUT_FILENO);
        buf diff = {0};
        fix_plan_diff(&plan, &diff);
        if (tty)
            text_safe_fputs(diff.data ? diff.data : "", stdout, TEXT_LINES);
        else
            fwrite(diff.data ? diff.data : "", 1, diff.len, stdout);
        buf_free(&diff);
        if (fflush(stdout) != 0) {
            fputs("airlock fix: cannot write the diff to standard output\n", stderr);
            goto out;
        }
    } else if (fix_plan_write(&plan, &err) != 0) {
        diag_error("airlock fix", err.msg);
        if (plan.not_restored == 0)
            fputs("airlock fix: no file was changed\n", stderr);
        else
            fprintf(stderr, "airlock fix: %zu %s could not be put back (above): restore %s "
                    "from the .bak named\n", plan.not_restored,
                    plan.not_restored == 1 ? "file" : "files",
                    plan.not_restored == 1 ? "it" : "them");
        goto out;
    }
    fix_plan_report(&plan, o->dry_run, msg);
    /* Each vulnerable dependency: fixed by a rewritten line, or not. */
    size_t open_findings = 0;
    for (size_t i = 0; i < r->deps.len; i++) {
        if (!vulnerable(r, i))
            continue;
        fix_dep_state state = fix_plan_dep(&plan, i);
        if (state == FIX_DEP_FIXED)
            continue;
        open_findings++;
        if (state == FIX_DEP_REPORTED)
            continue;
        const fix_item *fx = NULL;
        for (size_t k = 0; k < r->n_fixes && fx == NULL; k++)
            if (r->fixes[k].dep == i)
                fx = &r->fixes[k];
        print_unfixed(msg, r, &r->deps.items[i], fx);
    }
    if (open_findings == 0 && plan.n_lines == 0)
        fputs("airlock fix: no vulnerable pin to fix\n", msg);
    if (open_findings > 0)
        fprintf(msg, "airlock fix: %zu vulnerable %s %s not fixed%s\n", open_findings,
                open_findings == 1 ? "dependency" : "dependencies",
                open_findings == 1 ? "is" : "are", o->dry_run ? " by this change" : "");
    status = open_findings > 0 ? EXIT_FOUND : EXIT_OK;
out:
    fix_plan_free(&plan);
    scan_db_close(&sdb);
    return status;
}

int cmd_fix(int argc, char **argv, const airlock_globals *g)
{
    fix_options o;
    memset(&o, 0, sizeof o);
    int rc = parse_options(argc, argv, &o);
    if (rc != 0) {
        options_free(&o);
        return rc < 0 ? EXIT_OK : rc;
    }
    scan_report r;
    memset(&r, 0, sizeof r);
    diag d = {scan_diag_record, &r, 0};
    int status = run(&o, g, &r, &d);
    scan_report_free(&r);
    options_free(&o);
    return status;
}
