/*
 * airlock-dbbuild build - compile sources into a signed snapshot:
 * SNAPSHOT (zstd container, see signatures/snapshot.h) and SNAPSHOT.minisig,
 * written as core/fileio.h writes every output, side by side.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/fileio.h"
#include "dbbuild/commands.h"
#include "dbbuild/compile.h"
#include "signatures/minisign.h"
#include "signatures/passphrase.h"
#include "signatures/snapshot.h"

static const char usage[] =
    "usage: airlock-dbbuild build -s SECFILE -o SNAPSHOT [--sequence N] [--strict]\n"
    "                             [--index DIR]... [--verbose]\n"
    "                             [--source-name NAME] SOURCE...\n"
    "\n"
    "Compile OSV sources into a database and write it as a signed snapshot:\n"
    "SNAPSHOT (a zstd stream of the LMDB file) and SNAPSHOT.minisig, both\n"
    "beside the file SNAPSHOT names if it is a link; the snapshot is renamed\n"
    "into place, then its signature.\n"
    "\n"
    "  -s SECFILE      secret key (minisign format; passphrase from the terminal\n"
    "                  or AIRLOCK_PASSPHRASE_FILE if encrypted)\n"
    "  -o SNAPSHOT     snapshot file to write\n"
    "  --sequence N    rollback counter (default: the build time in seconds)\n"
    "  --strict        a malformed or unreadable record, or an index page\n"
    "                  skipped, is an error, not a warning\n"
    "  --index DIR     also store the released versions of each project from\n"
    "                  saved PEP 691 JSON project pages: DIR/NAME.json or\n"
    "                  DIR/NAME/index.json (repeatable; the first DIR with a\n"
    "                  project wins). A bad page is a warning and is skipped\n"
    "  --verbose       show progress even when stderr is not a terminal\n"
    "  --source-name NAME\n"
    "                  the name the next SOURCE is recorded under (default: the\n"
    "                  last component of its path, links resolved: the same\n"
    "                  wherever the dump sits)\n"
    "\n"
    "With SOURCE_DATE_EPOCH set, it is the build time: the same sources (the\n"
    "same contents and names, in the same order) give the same database and\n"
    "snapshot bytes, whatever paths they are given by, and with the same key\n"
    "the same signature.\n"
    "\n"
    "Examples:\n"
    "  airlock-dbbuild build -s airlock.key -o pypi.snapshot PyPI-all.zip\n"
    "  airlock-dbbuild build -s airlock.key -o pypi.snapshot --sequence 42 \\\n"
    "      advisory-database/vulns ghsa-export.tar.zst\n"
    "  airlock-dbbuild build -s airlock.key -o pypi.snapshot \\\n"
    "      --index mirror-pages/ PyPI-all.zip\n"
    "  SOURCE_DATE_EPOCH=1700000000 airlock-dbbuild build -s airlock.key \\\n"
    "      -o pypi.snapshot --source-name PyPI-all.zip /tmp/dl/all.zip\n"
    "  (a page saved from a mirror: curl -H 'Accept: application/vnd.pypi.simple.v1+json'\n"
    "   https://mirror.example/simple/flask/ > mirror-pages/flask.json)\n";

static void show_compressed(void *arg, uint64_t done, uint64_t total)
{
    progress_update(arg, "compressing the database: %" PRIu64 " of %" PRIu64 " MB", done / 1000000,
                    total / 1000000);
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int load_seckey(const char *path, minisign_seckey *sk, airlock_error *err)
{
    char *text;
    size_t len;
    if (file_read_all(path, MINISIGN_FILE_MAX, &text, &len, err) != 0)
        return -1;
    int enc = minisign_seckey_is_encrypted(text, len, path, err);
    char *pass = NULL;
    int rc = enc < 0 ? -1 : 0;
    if (rc == 0 && enc == 1)
        rc = passphrase_get("Passphrase for the secret key: ", 0, &pass, err);
    if (rc == 0)
        rc = minisign_seckey_parse(text, len, path, pass, sk, err);
    if (pass != NULL) {
        sodium_memzero(pass, strlen(pass));
        free(pass);
    }
    sodium_memzero(text, len);
    free(text);
    return rc;
}

/* Sign the snapshot written to `snap` (still under its temporary name) with
 * `m` as the trusted comment, into `sig`. */
static int sign_snapshot(atomic_file *snap, const snapshot_meta *m, const minisign_seckey *sk,
                         atomic_file *sig, airlock_error *err)
{
    uint8_t hash[MINISIGN_HASH_BYTES];
    uint64_t size;
    if (snapshot_digest_fd(fileno(snap->fp), snap->path, hash, &size, UINT64_MAX, err) != 0)
        return -1;
    char comment[512], untrusted[128];
    snapshot_meta_format(m, comment, sizeof comment);
    char id[17];
    minisign_keyid_hex(sk->keyid, id);
    snprintf(untrusted, sizeof untrusted, "airlock snapshot signed by key %s", id);
    char *text;
    if (minisign_sign(sk, hash, comment, untrusted, &text, err) != 0)
        return -1;
    fputs(text, sig->fp);
    free(text);
    return 0;
}

/* The build's outputs: the snapshot and its signature, written to
 * temporary files beside the file SNAPSHOT names (links followed, as
 * core/fileio.h does for every output) and put in place together. */
typedef struct outputs {
    atomic_file snap, sig;
    char *target;  /* SNAPSHOT with its links followed */
    char *sigpath; /* target + ".minisig" (snapshot_sig_path), so the pair is
                    * in one directory */
    int dirfd;     /* the target's directory, which holds the work directory */
    char *workdir; /* the work directory's name in dirfd; NULL when none */
    char *mdb;     /* the database being compiled, a path through workdir */
} outputs;

/* atomic_open `path` for a file that is replaced, never written in place:
 * the snapshot is read back to be hashed and the pair is put in place
 * together, which a device or a FIFO (on which the open would wait for a
 * reader) cannot take part in. */
static int open_regular(atomic_file *af, const char *path, airlock_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return error_set(err, "%s: not a regular file (a snapshot and its signature are "
                              "files side by side)", path);
    if (atomic_open(af, path, 0644, 0, err) != 0)
        return -1;
    if (af->tmp_name == NULL) { /* it changed since the stat */
        atomic_abort(af);
        return error_set(err, "%s: not a regular file", path);
    }
    return 0;
}

/* Open both outputs and make the work directory before the compile: a name
 * with no room for ".minisig" (NAME_MAX), a directory, a device or a
 * refused link fails now, not after the compile. */
static int outputs_open(outputs *o, const char *out, airlock_error *err)
{
    memset(o, 0, sizeof *o);
    o->dirfd = -1;
    if (path_follow_links(out, &o->target, err) != 0 ||
        snapshot_sig_path(o->target, &o->sigpath, err) != 0)
        return -1;
    if (open_regular(&o->snap, o->target, err) != 0)
        return -1;
    if (open_regular(&o->sig, o->sigpath, err) != 0) {
        atomic_abort(&o->snap);
        return -1;
    }
    /* The work directory has a short name of its own in the target's
     * directory (the same file system, whatever the length of the
     * target's name). */
    char *name;
    if (path_open_parent(o->target, &o->dirfd, &name, err) != 0)
        return -1;
    free(name);
    if (temp_create_at(o->dirfd, 1, 0700, &o->workdir, err) != 0)
        return error_prefix(err, "beside %s", out);
    const char *slash = strrchr(o->target, '/');
    buf m = {0};
    if (slash != NULL)
        buf_append(&m, o->target, (size_t)(slash - o->target) + 1);
    buf_printf(&m, "%s/data.mdb", o->workdir);
    o->mdb = buf_detach(&m, NULL);
    return 0;
}

/* Put the pair in place. Both files are on disk (fsynced) before either is
 * renamed; then the snapshot, then its signature. A crash between the two
 * renames leaves the new snapshot with the old signature (or with none),
 * which verification refuses: never an unsigned or wrongly signed snapshot
 * that is accepted. */
static int outputs_commit(outputs *o, airlock_error *err)
{
    atomic_file *f[2] = {&o->snap, &o->sig};
    for (int i = 0; i < 2; i++)
        if (fflush(f[i]->fp) != 0 || fsync(fileno(f[i]->fp)) != 0)
            return error_errno(err, errno, "cannot write %s", f[i]->path);
    if (atomic_commit(&o->snap, err) != 0)
        return -1;
    if (atomic_commit(&o->sig, err) != 0)
        return error_prefix(err, "%s was replaced but not its signature", o->target);
    return 0;
}

/* Remove the work directory and discard what was not committed. */
static void outputs_close(outputs *o)
{
    if (o->snap.fp != NULL)
        atomic_abort(&o->snap);
    if (o->sig.fp != NULL)
        atomic_abort(&o->sig);
    if (o->workdir != NULL) {
        buf p = {0};
        buf_printf(&p, "%s/data.mdb", o->workdir);
        unlinkat(o->dirfd, p.data, 0);
        buf_puts(&p, "-lock");
        unlinkat(o->dirfd, p.data, 0);
        buf_free(&p);
        unlinkat(o->dirfd, o->workdir, AT_REMOVEDIR);
    }
    if (o->dirfd >= 0)
        close(o->dirfd);
    free(o->workdir);
    free(o->mdb);
    free(o->sigpath);
    free(o->target);
}
int cmd_build(int argc, char **argv)
{
    const char *secfile = NULL, *out = NULL;
    uint64_t sequence = 0;
    int have_sequence = 0, strict = 0, verbose = 0, rc_early = 0;
    const char **sources = xcalloc((size_t)argc, sizeof *sources);
    const char **indexes = xcalloc((size_t)argc, sizeof *indexes);
    const char **names = xcalloc((size_t)argc, sizeof *names);
    const char *next_name = NULL;
    size_t nsources = 0, nindexes = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-s") == 0 && i + 1 < argc) {
            secfile = argv[++i];
        } else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(a, "--sequence") == 0 && i + 1 < argc) {
            if (parse_u64(argv[++i], &sequence) != 0) {
                fprintf(stderr, "airlock-dbbuild build: invalid --sequence '%s'\n", argv[i]);
                free(sources);
                free(indexes);
                free(names);
                return 2;
            }
            have_sequence = 1;
        } else if (strcmp(a, "--source-name") == 0 && i + 1 < argc) {
            if (next_name != NULL || argv[i + 1][0] == '\0') {
                fprintf(stderr, "airlock-dbbuild build: --source-name %s\n",
                        next_name != NULL ? "given twice for one SOURCE" : "is empty");
                rc_early = 2;
                break;
            }
            next_name = argv[++i];
        } else if (strcmp(a, "--index") == 0 && i + 1 < argc) {
            indexes[nindexes++] = argv[++i];
        } else if (strcmp(a, "--strict") == 0) {
            strict = 1;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            verbose = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            free(sources);
            free(indexes);
            free(names);
            return 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "airlock-dbbuild build: unknown option '%s'\n\n%s", a, usage);
            free(sources);
            free(indexes);
            free(names);
            return 2;
        } else {
            names[nsources] = next_name;
            next_name = NULL;
            sources[nsources++] = a;
        }
    }
    if (rc_early == 0 && next_name != NULL) {
        fprintf(stderr, "airlock-dbbuild build: --source-name %s: no SOURCE follows\n",
                next_name);
        rc_early = 2;
    }
    if (rc_early != 0) {
        free(sources);
        free(indexes);
        free(names);
        return rc_early;
    }
    if (secfile == NULL || out == NULL || nsources == 0) {
        fprintf(stderr, "airlock-dbbuild build: -s, -o and at least one SOURCE are required\n\n%s",
                usage);
        free(sources);
        free(indexes);
        free(names);
        return 2;
    }
    if (sodium_init() < 0) {
        fputs("airlock-dbbuild: cannot initialise libsodium\n", stderr);
        free(sources);
        free(indexes);
        free(names);
        return 2;
    }
    int64_t build_time = (int64_t)time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde != NULL && sde[0] != '\0') {
        uint64_t v;
        if (parse_u64(sde, &v) != 0 || v > INT64_MAX) {
            fprintf(stderr, "airlock-dbbuild build: invalid SOURCE_DATE_EPOCH '%s'\n", sde);
            free(sources);
            free(indexes);
            free(names);
            return 2;
        }
        build_time = (int64_t)v;
    }
    if (!have_sequence)
        sequence = (uint64_t)build_time;

    airlock_error err;
    error_clear(&err);
    minisign_seckey sk;
    /* The key first: a wrong passphrase should not cost a whole compile. */
    if (load_seckey(secfile, &sk, &err) != 0) {
        diag_error("airlock-dbbuild build", err.msg);
        free(sources);
        free(indexes);
        free(names);
        return 2;
    }
    outputs o;
    int rc = outputs_open(&o, out, &err);
    if (rc == 0) {
        progress prog;
        progress_init(&prog, stderr);
        compile_options copt = {.strict = strict != 0,
                                .progress = verbose || isatty(STDERR_FILENO) ? &prog : NULL,
                                .build_time = build_time, .indexes = indexes,
                                .n_indexes = nindexes, .source_names = names};
        diag d = {0};
        compile_totals totals;
        rc = compile_sources(sources, nsources, &copt, o.mdb, &d, &totals, &err);
        snapshot_meta m = {.format = SNAPSHOT_FORMAT, .sequence = sequence,
                           .build_time = build_time};
        if (rc == 0) {
            progress_phase(copt.progress, "hashing the database");
            rc = snapshot_digest_file(o.mdb, m.db_digest, &m.db_size, &err);
        }
        if (rc == 0 && (m.db_size == 0 || m.db_size > SNAPSHOT_MAX_DB_SIZE))
            rc = error_set(&err, "%s: database size %" PRIu64 " out of range", o.mdb, m.db_size);
        if (rc == 0) {
            progress_phase(copt.progress, "compressing the database");
            rc = snapshot_write(o.mdb, &m, snapshot_level(m.db_size), o.snap.fp, out,
                                show_compressed, copt.progress, &err);
        }
        if (rc == 0) {
            progress_phase(copt.progress, "signing");
            rc = sign_snapshot(&o.snap, &m, &sk, &o.sig, &err);
        }
        if (rc == 0)
            rc = outputs_commit(&o, &err);
        progress_end(copt.progress);
        if (rc == 0) {
            char id[17];
            minisign_keyid_hex(sk.keyid, id);
            fprintf(stderr,
                    "airlock-dbbuild: wrote %s and %s: sequence %" PRIu64
                    ", %" PRIu64 " records kept, %" PRIu64 " skipped, database %" PRIu64
                    " bytes, key %s\n",
                    out, o.sigpath, sequence, totals.records_kept, totals.records_skipped,
                    m.db_size, id);
            if (nindexes > 0)
                fprintf(stderr,
                        "airlock-dbbuild: release data: %" PRIu64 " projects, %" PRIu64
                        " releases, %" PRIu64 " files; %" PRIu64 " page%s skipped, %" PRIu64
                        " file%s or version%s dropped%s\n",
                        totals.index_projects, totals.index_releases, totals.index_files,
                        totals.index_pages_skipped, totals.index_pages_skipped == 1 ? "" : "s",
                        totals.index_items_dropped, totals.index_items_dropped == 1 ? "" : "s",
                        totals.index_items_dropped == 1 ? "" : "s",
                        totals.index_pages_skipped + totals.index_items_dropped > 0
                            ? " (see the warnings above)" : "");
        }
    }
    outputs_close(&o);
    minisign_seckey_wipe(&sk);
    free(sources);
    free(indexes);
    free(names);
    if (rc != 0) {
        /* With --strict the message quotes a record: filter it. */
        diag_error("airlock-dbbuild build", err.msg);
        return 2;
    }
    return 0;
}
