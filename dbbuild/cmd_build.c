/*
 * airlock-dbbuild build - compile sources into a signed snapshot:
 * SNAPSHOT (zstd container, see signatures/snapshot.h) and SNAPSHOT.minisig.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

#define COMPRESSION_LEVEL 9

static const char usage[] =
    "usage: airlock-dbbuild build -s SECFILE -o SNAPSHOT [--sequence N] [--strict]\n"
    "                             [--verbose] SOURCE...\n"
    "\n"
    "Compile OSV sources into a database and write it as a signed snapshot:\n"
    "SNAPSHOT (a zstd stream of the LMDB file) and SNAPSHOT.minisig.\n"
    "\n"
    "  -s SECFILE      secret key (minisign format; passphrase from the terminal\n"
    "                  or AIRLOCK_PASSPHRASE_FILE if encrypted)\n"
    "  -o SNAPSHOT     snapshot file to write\n"
    "  --sequence N    rollback counter (default: the build time in seconds)\n"
    "  --strict        a malformed or unreadable record is an error, not a\n"
    "                  warning\n"
    "  --verbose       show progress even when stderr is not a terminal\n"
    "\n"
    "With SOURCE_DATE_EPOCH set, it is the build time, so the same sources give\n"
    "byte-identical files.\n"
    "\n"
    "Examples:\n"
    "  airlock-dbbuild build -s airlock.key -o pypi.snapshot PyPI-all.zip\n"
    "  airlock-dbbuild build -s airlock.key -o pypi.snapshot --sequence 42 \\\n"
    "      advisory-database/vulns ghsa-export.tar.zst\n";

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

/* Sign `snapshot` into SNAPSHOT.minisig with `m` as the trusted comment. */
static int sign_snapshot(const char *snapshot, const snapshot_meta *m, const minisign_seckey *sk,
                         airlock_error *err)
{
    uint8_t hash[MINISIGN_HASH_BYTES];
    uint64_t size;
    if (snapshot_digest_file(snapshot, hash, &size, err) != 0)
        return -1;
    char comment[512], untrusted[128];
    snapshot_meta_format(m, comment, sizeof comment);
    char id[17];
    minisign_keyid_hex(sk->keyid, id);
    snprintf(untrusted, sizeof untrusted, "airlock snapshot signed by key %s", id);
    char *sig;
    if (minisign_sign(sk, hash, comment, untrusted, &sig, err) != 0)
        return -1;
    buf p = {0};
    buf_printf(&p, "%s.minisig", snapshot);
    int rc = file_write_atomic(p.data, sig, strlen(sig), 0644, err);
    buf_free(&p);
    free(sig);
    return rc;
}

int cmd_build(int argc, char **argv)
{
    const char *secfile = NULL, *out = NULL;
    uint64_t sequence = 0;
    int have_sequence = 0, strict = 0, verbose = 0;
    const char **sources = xcalloc((size_t)argc, sizeof *sources);
    size_t nsources = 0;
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
                return 2;
            }
            have_sequence = 1;
        } else if (strcmp(a, "--strict") == 0) {
            strict = 1;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            verbose = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            free(sources);
            return 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "airlock-dbbuild build: unknown option '%s'\n\n%s", a, usage);
            free(sources);
            return 2;
        } else {
            sources[nsources++] = a;
        }
    }
    if (secfile == NULL || out == NULL || nsources == 0) {
        fprintf(stderr, "airlock-dbbuild build: -s, -o and at least one SOURCE are required\n\n%s",
                usage);
        free(sources);
        return 2;
    }
    if (sodium_init() < 0) {
        fputs("airlock-dbbuild: cannot initialise libsodium\n", stderr);
        free(sources);
        return 2;
    }
    int64_t build_time = (int64_t)time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde != NULL && sde[0] != '\0') {
        uint64_t v;
        if (parse_u64(sde, &v) != 0 || v > INT64_MAX) {
            fprintf(stderr, "airlock-dbbuild build: invalid SOURCE_DATE_EPOCH '%s'\n", sde);
            free(sources);
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
        return 2;
    }
    buf tmpl = {0};
    buf_printf(&tmpl, "%s.tmp.XXXXXX", out);
    char *workdir = buf_detach(&tmpl, NULL);
    char *mdb = NULL;
    int rc = 0;
    if (mkdtemp(workdir) == NULL) {
        rc = error_errno(&err, errno, "cannot create a temporary directory beside %s", out);
    } else {
        buf p = {0};
        buf_printf(&p, "%s/data.mdb", workdir);
        mdb = buf_detach(&p, NULL);
        progress prog;
        progress_init(&prog, stderr);
        compile_options copt = {.strict = strict != 0,
                                .progress = verbose || isatty(STDERR_FILENO) ? &prog : NULL,
                                .build_time = build_time};
        diag d = {0};
        compile_totals totals;
        rc = compile_sources(sources, nsources, &copt, mdb, &d, &totals, &err);
        snapshot_meta m = {.format = SNAPSHOT_FORMAT, .sequence = sequence,
                           .build_time = build_time};
        if (rc == 0) {
            progress_phase(copt.progress, "hashing the database");
            rc = snapshot_digest_file(mdb, m.db_digest, &m.db_size, &err);
        }
        if (rc == 0 && (m.db_size == 0 || m.db_size > SNAPSHOT_MAX_DB_SIZE))
            rc = error_set(&err, "%s: database size %" PRIu64 " out of range", mdb, m.db_size);
        if (rc == 0) {
            progress_phase(copt.progress, "compressing the database");
            rc = snapshot_write(mdb, &m, COMPRESSION_LEVEL, out, show_compressed, copt.progress,
                                &err);
        }
        if (rc == 0) {
            progress_phase(copt.progress, "signing");
            rc = sign_snapshot(out, &m, &sk, &err);
        }
        progress_end(copt.progress);
        if (rc == 0) {
            char id[17];
            minisign_keyid_hex(sk.keyid, id);
            fprintf(stderr,
                    "airlock-dbbuild: wrote %s and %s.minisig: sequence %" PRIu64
                    ", %" PRIu64 " records kept, %" PRIu64 " skipped, database %" PRIu64
                    " bytes, key %s\n",
                    out, out, sequence, totals.records_kept, totals.records_skipped, m.db_size,
                    id);
        }
        unlink(mdb);
        buf lock = {0};
        buf_printf(&lock, "%s-lock", mdb);
        unlink(lock.data);
        buf_free(&lock);
        rmdir(workdir);
    }
    minisign_seckey_wipe(&sk);
    free(mdb);
    free(workdir);
    free(sources);
    if (rc != 0) {
        /* With --strict the message quotes a record: filter it. */
        diag_error("airlock-dbbuild build", err.msg);
        return 2;
    }
    return 0;
}
