/*
 * cmd_scan.c - `airlock scan`: read the inputs, check every dependency
 * against the installed database, render the report, decide the exit
 * status.
 *
 * Order matters for failing closed: the database is checked before any
 * input is read (its digest while they are read, and before anything reads
 * it: scan_run.h), every input error stops the scan with status 2,
 * and the report is written atomically so that no half report is left.
 */
#include <getopt.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/heap_huge.h"
#include "scanner/commands.h"
#include "scanner/drift.h"
#include "scanner/reports/evidence.h"
#include "scanner/advice.h"
#include "scanner/ignore.h"
#include "scanner/inputs/lockfile.h"
#include "scanner/match.h"
#include "scanner/reports/report.h"
#include "scanner/results.h"
#include "scanner/inputs/scan_inputs.h"
#include "scanner/scan_run.h"
#include "db/vulndb.h"
#include "signatures/minisign.h"
#include "signatures/passphrase.h"
#include "signatures/store.h"

static const char usage[] =
    "usage: airlock scan [OPTIONS] [PATH...]\n"
    "\n"
    "Check Python dependencies against the installed vulnerability database.\n"
    "Without inputs, scans the environment of $VIRTUAL_ENV if set, else the\n"
    "virtualenv .venv or venv in the current directory, else of --python EXE or\n"
    "the python3 on PATH (a pyenv or asdf shim is run as the user runs it); the\n"
    "report and stderr say which and why.\n"
    "\n"
    "Inputs (repeatable, any mix, scanned in the order given):\n"
    "  PATH                    a file, read as what its name says (*.txt, a lockfile\n"
    "                          name, pyproject.toml, *.cdx.json, bom.json,\n"
    "                          *.spdx.json, pyvenv.cfg), or a directory, searched for\n"
    "                          all of these and for virtualenvs (not .git,\n"
    "                          node_modules, caches; never through symbolic links)\n"
    "  -r, --requirement FILE  a pip requirements file (with its -r/-c includes)\n"
    "  --lockfile [FORMAT:]FILE  a lockfile: poetry.lock, uv.lock, Pipfile.lock,\n"
    "                          pdm.lock, pylock[.NAME].toml; FORMAT (poetry, uv,\n"
    "                          pipfile, pdm, pylock) for a file of another name\n"
    "  --pyproject FILE        a pyproject.toml: [project], [dependency-groups],\n"
    "                          [tool.poetry] (exact pins checked, ranges skipped)\n"
    "  --sbom FILE             an SBOM: CycloneDX or SPDX JSON (its pkg:pypi\n"
    "                          components)\n"
    "  --path DIR              a site-packages directory (nothing is run)\n"
    "  --venv DIR              a virtual environment (nothing is run)\n"
    "  --wheelhouse DIR        the wheels and sdists in DIR, checked before they\n"
    "                          are installed: file name against METADATA, every\n"
    "                          file against RECORD, --hash values of -r files\n"
    "                          against the archives (a failure is a warning)\n"
    "  --python EXE            the environment of this interpreter (run once to\n"
    "                          read sys.path and the marker values)\n"
    "  --no-python             never run an interpreter\n"
    "  --no-dev                leave out development dependencies (dev groups of\n"
    "                          lockfiles and pyproject.toml); each input's note\n"
    "                          says how many\n"
    "  --python-version X.Y    target Python for markers when none is run\n"
    "                          (default 3.11)\n"
    "  --platform NAME         target platform for markers: linux, darwin, win32\n"
    "                          (default linux, x86_64)\n"
    "\n";

/* Two strings: C99 compilers need not take a literal over 4,095 bytes. */
static const char usage_rest[] =
    "Report:\n"
    "  -f, --format FORMAT     table (default), json, sarif, cyclonedx, markdown, html,\n"
    "                          plan (the phased update plan, Markdown)\n"
    "  -o, --output FILE       write the report to FILE, not stdout (- is stdout;\n"
    "                          a file is replaced atomically, a link's target is\n"
    "                          written, a device or FIFO is written in place)\n"
    "  --evidence DIR          also write an evidence bundle to the directory DIR\n"
    "                          (not '-': a bundle is a directory of files)\n"
    "  --sign-key SECFILE      sign the bundle's MANIFEST with this minisign key\n"
    "\n"
    "Policy:\n"
    "  --ignore-vuln ID        accept this vulnerability (any of its IDs; repeatable)\n"
    "  --ignore-file FILE      accept the entries of FILE: 'ID [until=YYYY-MM-DD]\n"
    "                          [reason]' per line, # comments (repeatable)\n"
    "  --fail-on LEVEL         exit 1 only for a finding of at least LEVEL: low,\n"
    "                          medium, high, critical (unknown counts as critical)\n"
    "  --strict                a bad item in an input is an error, not a warning\n"
    "  --max-db-age DAYS       refuse a database older than DAYS days\n"
    "  -h, --help              print this help and exit\n"
    "\n"
    "Examples:\n"
    "  airlock scan .\n"
    "  airlock scan --lockfile uv.lock\n"
    "  airlock scan --lockfile poetry:deps.lock --no-dev\n"
    "  airlock scan --sbom bom.cdx.json\n"
    "  airlock scan -r requirements.txt\n"
    "  airlock scan --venv ~/venvs/app --format json -o report.json\n"
    "  airlock scan -r requirements.txt --format plan -o PLAN.md\n"
    "  airlock scan --no-python --path /opt/app/lib/python3.11/site-packages\n"
    "  airlock scan -r requirements.txt --python-version 3.9 --platform win32\n"
    "  airlock scan --ignore-file .airlock-ignore --fail-on high\n"
    "  airlock scan --wheelhouse /media/usb/wheels -r requirements.txt --strict\n"
    "\n"
    "Exit status: 0 no unignored vulnerabilities (at --fail-on), 1 vulnerabilities\n"
    "found, 2 error (usage, unreadable input, missing, bad or too old database, a\n"
    "warning with --strict). Without --strict, warnings (input lines or items that\n"
    "could not be read) do not change the status; every report lists and counts them.\n";

typedef struct scan_options {
    scan_arg *inputs;
    size_t n_inputs;
    const char *python;
    bool no_python;
    bool no_dev;
    const char *python_version;
    const char *platform;
    report_format format;
    const char *output;
    const char *evidence_dir;
    const char *sign_key;
    ignore_list ignores;
    const char **ignore_files;
    size_t n_ignore_files;
    severity fail_on;
    bool strict;
    int max_db_age;
} scan_options;

enum {
    OPT_PATH = 256,
    OPT_LOCKFILE,
    OPT_PYPROJECT,
    OPT_SBOM,
    OPT_NO_DEV,
    OPT_VENV,
    OPT_WHEELHOUSE,
    OPT_PYTHON,
    OPT_NO_PYTHON,
    OPT_PYTHON_VERSION,
    OPT_PLATFORM,
    OPT_EVIDENCE,
    OPT_SIGN_KEY,
    OPT_IGNORE_VULN,
    OPT_IGNORE_FILE,
    OPT_FAIL_ON,
    OPT_STRICT,
    OPT_MAX_DB_AGE
};

static const struct option long_options[] = {
    {"requirement", required_argument, NULL, 'r'},
    {"path", required_argument, NULL, OPT_PATH},
    {"lockfile", required_argument, NULL, OPT_LOCKFILE},
    {"pyproject", required_argument, NULL, OPT_PYPROJECT},
    {"sbom", required_argument, NULL, OPT_SBOM},
    {"no-dev", no_argument, NULL, OPT_NO_DEV},
    {"venv", required_argument, NULL, OPT_VENV},
    {"wheelhouse", required_argument, NULL, OPT_WHEELHOUSE},
    {"python", required_argument, NULL, OPT_PYTHON},
    {"no-python", no_argument, NULL, OPT_NO_PYTHON},
    {"python-version", required_argument, NULL, OPT_PYTHON_VERSION},
    {"platform", required_argument, NULL, OPT_PLATFORM},
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"evidence", required_argument, NULL, OPT_EVIDENCE},
    {"sign-key", required_argument, NULL, OPT_SIGN_KEY},
    {"ignore-vuln", required_argument, NULL, OPT_IGNORE_VULN},
    {"ignore-file", required_argument, NULL, OPT_IGNORE_FILE},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"max-db-age", required_argument, NULL, OPT_MAX_DB_AGE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void add_input(scan_options *o, input_kind kind, const char *path, bool positional)
{
    o->inputs = xrealloc(o->inputs, (o->n_inputs + 1) * sizeof *o->inputs);
    o->inputs[o->n_inputs++] = (scan_arg){kind, path, positional};
}

static void options_free(scan_options *o)
{
    free(o->inputs);
    free(o->ignore_files);
    ignore_list_free(&o->ignores);
}

static int parse_days(const char *text, int *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < 0 || v > 100000)
        return -1;
    *out = (int)v;
    return 0;
}

/* Returns 0 to go on, or the exit status to stop with (-1 for --help). */
static int parse_options(int argc, char **argv, scan_options *o)
{
    airlock_error err = {{0}};
    o->format = REPORT_TABLE;
    o->fail_on = MATCH_FAIL_ANY;
    o->max_db_age = -1;
    optind = 1;
    opterr = 0;
    int c;
    /* "-" first: a PATH comes back as option 1 where it stands, so that
     * inputs are read in the order given, options and paths mixed. */
    while ((c = getopt_long(argc, argv, "-:r:f:o:h", long_options, NULL)) != -1) {
        switch (c) {
        case 1: add_input(o, INPUT_REQUIREMENTS, optarg, true); break;
        case 'r': add_input(o, INPUT_REQUIREMENTS, optarg, false); break;
        case OPT_PATH: add_input(o, INPUT_PATH, optarg, false); break;
        case OPT_LOCKFILE: {
            lock_format format;
            const char *path;
            if (lockfile_parse_arg(optarg, &format, &path, &err) != 0) {
                diag_error("airlock scan", err.msg);
                return EXIT_ERROR;
            }
            add_input(o, INPUT_LOCKFILE, optarg, false);
            break;
        }
        case OPT_PYPROJECT: add_input(o, INPUT_PYPROJECT, optarg, false); break;
        case OPT_SBOM: add_input(o, INPUT_SBOM, optarg, false); break;
        case OPT_NO_DEV: o->no_dev = true; break;
        case OPT_VENV: add_input(o, INPUT_VENV, optarg, false); break;
        case OPT_WHEELHOUSE: add_input(o, INPUT_WHEELHOUSE, optarg, false); break;
        case OPT_PYTHON:
            if (o->python != NULL) {
                fputs("airlock scan: --python may be given once\n", stderr);
                return EXIT_ERROR;
            }
            o->python = optarg;
            break;
        case OPT_NO_PYTHON: o->no_python = true; break;
        case OPT_PYTHON_VERSION: o->python_version = optarg; break;
        case OPT_PLATFORM: o->platform = optarg; break;
        case 'f':
            if (report_format_parse(optarg, &o->format, &err) != 0) {
                diag_error("airlock scan", err.msg);
                return EXIT_ERROR;
            }
            break;
        case 'o': o->output = strcmp(optarg, "-") == 0 ? NULL : optarg; break; /* - is stdout */
        case OPT_EVIDENCE: o->evidence_dir = optarg; break;
        case OPT_SIGN_KEY: o->sign_key = optarg; break;
        case OPT_IGNORE_VULN:
            if (ignore_add_id(&o->ignores, optarg, &err) != 0) {
                diag_error("airlock scan: --ignore-vuln", err.msg);
                return EXIT_ERROR;
            }
            break;
        case OPT_IGNORE_FILE:
            o->ignore_files = xrealloc(o->ignore_files,
                                       (o->n_ignore_files + 1) * sizeof *o->ignore_files);
            o->ignore_files[o->n_ignore_files++] = optarg;
            break;
        case OPT_FAIL_ON:
            if (match_parse_fail_on(optarg, &o->fail_on, &err) != 0) {
                diag_error("airlock scan", err.msg);
                return EXIT_ERROR;
            }
            break;
        case OPT_STRICT: o->strict = true; break;
        case OPT_MAX_DB_AGE:
            if (parse_days(optarg, &o->max_db_age) != 0) {
                fprintf(stderr, "airlock scan: invalid --max-db-age '%s' (days)\n", optarg);
                return EXIT_ERROR;
            }
            break;
        case 'h':
            fputs(usage, stdout);
            fputs(usage_rest, stdout);
            return -1;
        case ':':
            fprintf(stderr, "airlock scan: option '%s' needs a value\n\n%s%s", argv[optind - 1],
                    usage, usage_rest);
            return EXIT_ERROR;
        default:
            fprintf(stderr, "airlock scan: unknown option '%s'\n\n%s%s", argv[optind - 1], usage,
                    usage_rest);
            return EXIT_ERROR;
        }
    }
    for (int i = optind; i < argc; i++) /* after "--" */
        add_input(o, INPUT_REQUIREMENTS, argv[i], true);
    if (o->python != NULL && o->no_python) {
        fputs("airlock scan: --python and --no-python contradict each other\n", stderr);
        return EXIT_ERROR;
    }
    if (o->evidence_dir != NULL && strcmp(o->evidence_dir, "-") == 0) {
        /* -o - is stdout, but a bundle is a directory of files: there is
         * no stdout for it, and a directory named '-' is never meant. */
        fputs("airlock scan: --evidence needs a directory, not '-' (a bundle is a directory "
              "of files; use -o - for the report on stdout)\n", stderr);
        return EXIT_ERROR;
    }
    if (o->sign_key != NULL && o->evidence_dir == NULL) {
        fputs("airlock scan: --sign-key needs --evidence DIR\n", stderr);
        return EXIT_ERROR;
    }
    return 0;
}

static bool want_color(const scan_options *o)
{
    if (o->format != REPORT_TABLE || o->output != NULL || !isatty(STDOUT_FILENO))
        return false;
    const char *nc = getenv("NO_COLOR");
    return nc == NULL || *nc == '\0';
}

static int write_report(const scan_options *o, const scan_report *r, airlock_error *err)
{
    report_style style = {want_color(o)};
    if (o->output == NULL) {
        if (report_write(o->format, r, &style, stdout, err) != 0)
            return -1;
        if (fflush(stdout) != 0)
            return error_set(err, "cannot write the report to standard output");
        return 0;
    }
    atomic_file af;
    if (atomic_open(&af, o->output, 0644, 0, err) != 0)
        return -1;
    if (report_write(o->format, r, &style, af.fp, err) != 0) {
        atomic_abort(&af);
        return error_prefix(err, "%s", o->output);
    }
    return atomic_commit(&af, err);
}

/* The passphrase of `key_path` if it is encrypted (*out NULL otherwise). */
static int sign_key_passphrase(const char *key_path, char **out, airlock_error *err)
{
    *out = NULL;
    char *text;
    size_t len;
    if (file_read_all(key_path, MINISIGN_FILE_MAX, &text, &len, err) != 0)
        return error_prefix(err, "--sign-key");
    int enc = minisign_seckey_is_encrypted(text, len, key_path, err);
    sodium_memzero(text, len);
    free(text);
    if (enc < 0)
        return -1;
    if (enc == 0)
        return 0;
    return passphrase_get("Passphrase for the evidence signing key: ", 0, out, err);
}

/* Write the evidence bundle: the report in every format, every requirement
 * file read (r->files_read), the snapshot's signature, and a MANIFEST
 * (signed with --sign-key). */
static int write_evidence(const scan_options *o, const scan_report *r, const store *st,
                          airlock_error *err)
{
    /* The bundle holds the signature and signer key as store_open() read
     * and verified them (the files may have been replaced since); status.txt
     * names where they were read, beside data.mdb in the snapshot directory
     * (signatures/store.h). No path until the digest matched, which
     * scan_collect() has waited for. */
    const char *checked = store_data_path(st);
    if (checked == NULL)
        return error_set(err, "the database's digest was not checked");
    char *data_path = xstrdup(checked);
    const char *snap_dir = dirname(data_path);
    buf sig = {0}, status = {0};
    buf_printf(&sig, "%s/snapshot.minisig", snap_dir);
    buf_printf(&status, "checked when the scan opened it: the signature with key %s and the "
                        "BLAKE2b-512 digest of data.mdb\n", store_get_info(st)->key_id);
    free(data_path);
    char *password = NULL;
    int rc = 0;
    if (o->sign_key != NULL)
        rc = sign_key_passphrase(o->sign_key, &password, err);
    if (rc == 0) {
        evidence_options eo = {
            .snapshot_sig_origin = sig.data,
            .snapshot_status = status.data,
            .sign_key_path = o->sign_key,
            .sign_password = password,
        };
        eo.snapshot_sig = store_signature_text(st, &eo.snapshot_sig_len);
        eo.snapshot_pubkey = store_signer_text(st, &eo.snapshot_pubkey_len);
        rc = evidence_write(r, o->evidence_dir, &eo, err);
        if (rc != 0)
            error_prefix(err, "evidence bundle %s", o->evidence_dir);
    }
    if (password != NULL) {
        sodium_memzero(password, strlen(password));
        free(password);
    }
    buf_free(&sig);
    buf_free(&status);
    return rc;
}

static int run(const scan_options *o, const airlock_globals *g, scan_report *r, diag *d)
{
    airlock_error err = {{0}};
    int64_t now = (int64_t)time(NULL);

    /* The database first: no database, no scan (fail closed). Its digest
     * is compared while the inputs are read (scan_collect waits for it). */
    scan_db sdb;
    int status = EXIT_ERROR;
    if (scan_db_open("airlock scan", g, o->max_db_age, now, r, &sdb) != 0)
        goto out;
    scan_input_options in = {
        .args = o->inputs,
        .n_args = o->n_inputs,
        .python = o->python,
        .no_python = o->no_python,
        .python_version = o->python_version,
        .platform = o->platform,
        .no_dev = o->no_dev,
    };
    scan_policy policy = {&o->ignores, o->ignore_files, o->n_ignore_files, o->strict};
    if (scan_collect("airlock scan", &in, &policy, &sdb, now, r, d) != 0)
        goto out;
    if (drift_compute(r, &err) != 0) {
        diag_error("airlock scan", err.msg);
        goto out;
    }
    /* After the ignores: an ignored finding needs no fix. */
    if (advice_compute(r, sdb.db, FIX_TO_MINIMAL, &err) != 0) {
        diag_error("airlock scan: database", err.msg);
        goto out;
    }

    if (write_report(o, r, &err) != 0 ||
        (o->evidence_dir != NULL && write_evidence(o, r, sdb.st, &err) != 0)) {
        diag_error("airlock scan", err.msg);
        goto out;
    }
    status = match_fails(r, o->fail_on) ? EXIT_FOUND : EXIT_OK;
out:
    scan_db_close(&sdb);
    return status;
}

int cmd_scan(int argc, char **argv, const airlock_globals *g)
{
    scan_options o;
    memset(&o, 0, sizeof o);
    int rc = parse_options(argc, argv, &o);
    if (rc != 0) {
        options_free(&o);
        return rc < 0 ? EXIT_OK : rc;
    }
    /* What a scan of a few thousand distributions allocates on this
     * thread, in 2 MiB pages: four faults rather than 1,200 (heap_huge.h). */
    (void)heap_huge_reserve((size_t)8 << 20);
    scan_report r;
    memset(&r, 0, sizeof r);
    diag d = {scan_diag_record, &r, 0}; /* warnings go to stderr and the report */
    int status = run(&o, g, &r, &d);
    scan_report_free(&r);
    options_free(&o);
    return status;
}
