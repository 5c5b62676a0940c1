/*
 * airlock-dbbuild inspect - print a snapshot's container and signature
 * metadata, then what the database inside holds.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/fileio.h"
#include "core/text.h"
#include "dbbuild/commands.h"
#include "dbbuild/compile.h"
#include "signatures/minisign.h"
#include "signatures/snapshot.h"

#define MAX_SNAPSHOT ((size_t)2 << 30)

static const char usage[] =
    "usage: airlock-dbbuild inspect SNAPSHOT [-x SIGFILE] [-p PUBFILE]\n"
    "\n"
    "Print a snapshot's metadata, its signature's key id and trusted comment\n"
    "(verified when -p is given), and the database's metadata and counts.\n"
    "\n"
    "  -x SIGFILE  signature file (default: SNAPSHOT.minisig beside the file\n"
    "              SNAPSHOT names, links followed)\n"
    "  -p PUBFILE  public key to verify the signature with\n"
    "\n"
    "Example:\n"
    "  airlock-dbbuild inspect pypi.snapshot -p airlock.pub\n";

/* The signature part; returns 0 if fine or absent, -1 if it fails to verify. */
static int show_signature(const char *sigpath, const char *pubfile,
                          const uint8_t hash[MINISIGN_HASH_BYTES], airlock_error *err)
{
    char *text;
    size_t len;
    if (file_read_all(sigpath, MINISIGN_FILE_MAX, &text, &len, err) != 0) {
        fputs("signature:       none (", stdout);
        text_safe_fputs(err->msg, stdout, 0);
        fputs(")\n", stdout);
        error_clear(err);
        return pubfile != NULL ? error_set(err, "%s: no signature to verify", sigpath) : 0;
    }
    minisign_sig sig;
    int rc = minisign_sig_parse(text, len, sigpath, &sig, err);
    free(text);
    if (rc != 0)
        return -1;
    char id[17];
    minisign_keyid_hex(sig.keyid, id);
    printf("signature:       %s\nsigner key id:   %s\ntrusted comment: ", sigpath, id);
    text_safe_fputs(sig.trusted_comment, stdout, 0); /* signed is not safe to print */
    fputc('\n', stdout);
    if (pubfile == NULL) {
        printf("verified:        not checked (pass -p PUBFILE)\n");
    } else {
        minisign_pubkey pk;
        rc = minisign_pubkey_load(pubfile, &pk, err);
        if (rc == 0)
            rc = minisign_sig_verify(&sig, &pk, hash, err);
        if (rc == 0)
            printf("verified:        yes, with %s\n", pubfile);
    }
    minisign_sig_free(&sig);
    return rc;
}

int cmd_inspect(int argc, char **argv)
{
    const char *path = NULL, *sigpath = NULL, *pubfile = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-x") == 0 && i + 1 < argc) {
            sigpath = argv[++i];
        } else if (strcmp(a, "-p") == 0 && i + 1 < argc) {
            pubfile = argv[++i];
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (a[0] == '-' || path != NULL) {
            fprintf(stderr, "airlock-dbbuild inspect: unexpected argument '%s'\n\n%s", a, usage);
            return 2;
        } else {
            path = a;
        }
    }
    if (path == NULL) {
        fputs(usage, stderr);
        return 2;
    }
    if (sodium_init() < 0) {
        fputs("airlock-dbbuild: cannot initialise libsodium\n", stderr);
        return 2;
    }
    airlock_error err;
    error_clear(&err);
    char *data = NULL;
    size_t len = 0;
    char *sigp = NULL;
    if (sigpath == NULL && snapshot_sig_path(path, &sigp, &err) != 0) {
        fprintf(stderr, "airlock-dbbuild inspect: %s\n", err.msg);
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    buf tb = {0};
    buf_printf(&tb, "%s/airlock-inspect.XXXXXX", tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
    char *tmpdir = buf_detach(&tb, NULL);
    char *mdb = NULL;
    snapshot_meta m;
    size_t hlen;
    uint8_t hash[MINISIGN_HASH_BYTES];
    char hex[2 * MINISIGN_HASH_BYTES + 1];
    int rc = file_read_all(path, MAX_SNAPSHOT, &data, &len, &err);
    if (rc == 0) {
        minisign_prehash(data, len, hash);
        snapshot_hex(hash, sizeof hash, hex);
        printf("snapshot:        %s\nsize:            %zu bytes\nblake2b-512:     %s\n", path,
               len, hex);
        rc = show_signature(sigpath != NULL ? sigpath : sigp, pubfile, hash, &err);
    }
    if (rc == 0)
        rc = snapshot_read_header((const uint8_t *)data, len, path, &m, &hlen, &err);
    if (rc == 0) {
        char line[512];
        snapshot_meta_format(&m, line, sizeof line);
        printf("header:          %s\n", line);
        if (mkdtemp(tmpdir) == NULL) {
            rc = error_errno(&err, errno, "cannot create a temporary directory");
        } else {
            buf p = {0};
            buf_printf(&p, "%s/data.mdb", tmpdir);
            mdb = buf_detach(&p, NULL);
            rc = snapshot_extract((const uint8_t *)data, len, path, &m, mdb, &err);
            if (rc == 0) {
                printf("database:        %" PRIu64 " bytes, digest matches the header\n",
                       m.db_size);
                fflush(stdout);
                rc = db_describe(mdb, stdout, &err);
            }
            unlink(mdb);
            rmdir(tmpdir);
        }
    }
    free(mdb);
    free(tmpdir);
    free(data);
    free(sigp);
    if (rc != 0) {
        diag_error("airlock-dbbuild inspect", err.msg);
        return 2;
    }
    return 0;
}
