/*
 * airlock-dbbuild keygen - make an Ed25519 key pair in minisign's formats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/diag.h"
#include "core/fileio.h"
#include "dbbuild/commands.h"
#include "signatures/minisign.h"
#include "signatures/passphrase.h"

static const char usage[] =
    "usage: airlock-dbbuild keygen -p PUBFILE -s SECFILE [-W] [-f]\n"
    "\n"
    "Make an Ed25519 key pair in minisign's file formats.\n"
    "\n"
    "  -p PUBFILE  public key file to write (give it to the offline machines)\n"
    "  -s SECFILE  secret key file to write (mode 0600)\n"
    "  -W          do not encrypt the secret key (like minisign -W)\n"
    "  -f          overwrite existing key files\n"
    "\n"
    "Without -W the secret key is encrypted with a passphrase (scrypt, as\n"
    "minisign does), read from the terminal or from the first line of the file\n"
    "named by AIRLOCK_PASSPHRASE_FILE.\n"
    "\n"
    "Examples:\n"
    "  airlock-dbbuild keygen -p airlock.pub -s airlock.key\n"
    "  AIRLOCK_PASSPHRASE_FILE=/run/secrets/pw airlock-dbbuild keygen -p ci.pub -s ci.key\n";

int cmd_keygen(int argc, char **argv)
{
    const char *pubfile = NULL, *secfile = NULL;
    int unencrypted = 0, force = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-p") == 0 && i + 1 < argc) {
            pubfile = argv[++i];
        } else if (strcmp(a, "-s") == 0 && i + 1 < argc) {
            secfile = argv[++i];
        } else if (strcmp(a, "-W") == 0) {
            unencrypted = 1;
        } else if (strcmp(a, "-f") == 0) {
            force = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else {
            fprintf(stderr, "airlock-dbbuild keygen: unexpected argument '%s'\n\n%s", a, usage);
            return 2;
        }
    }
    if (pubfile == NULL || secfile == NULL) {
        fprintf(stderr, "airlock-dbbuild keygen: -p and -s are required\n\n%s", usage);
        return 2;
    }
    if (sodium_init() < 0) {
        fputs("airlock-dbbuild: cannot initialise libsodium\n", stderr);
        return 2;
    }
    airlock_error err;
    error_clear(&err);
    /* Both files are opened before the passphrase is asked for, so that an
     * existing one is refused at once. Without -f the opens are exclusive:
     * anything at either path, a dangling link too, is refused and never
     * followed, now and again when the file is linked into place. */
    atomic_file sec, pub;
    if (atomic_open(&sec, secfile, 0600, !force, &err) != 0) {
        fprintf(stderr, "airlock-dbbuild keygen: %s%s\n", err.msg,
                force ? "" : " (use -f to overwrite)");
        return 2;
    }
    if (atomic_open(&pub, pubfile, 0644, !force, &err) != 0) {
        atomic_abort(&sec);
        fprintf(stderr, "airlock-dbbuild keygen: %s%s\n", err.msg,
                force ? "" : " (use -f to overwrite)");
        return 2;
    }
    char *pass = NULL;
    if (!unencrypted && passphrase_get("Passphrase for the new secret key: ", 1, &pass, &err) != 0) {
        atomic_abort(&sec);
        atomic_abort(&pub);
        diag_error("airlock-dbbuild keygen", err.msg);
        return 2;
    }
    minisign_pubkey pk;
    minisign_seckey sk;
    minisign_keygen(&pk, &sk);
    char *sectext = NULL;
    int rc = minisign_seckey_format(&sk, pass, &sectext, &err);
    minisign_seckey_wipe(&sk);
    if (pass != NULL) {
        sodium_memzero(pass, strlen(pass));
        free(pass);
    }
    char *pubtext = minisign_pubkey_format(&pk);
    if (rc == 0) {
        fputs(sectext, sec.fp);
        rc = atomic_commit(&sec, &err);
    } else {
        atomic_abort(&sec);
    }
    if (sectext != NULL) {
        sodium_memzero(sectext, strlen(sectext));
        free(sectext);
    }
    if (rc == 0) {
        fputs(pubtext, pub.fp);
        rc = atomic_commit(&pub, &err);
    } else {
        atomic_abort(&pub);
    }
    free(pubtext);
    if (rc != 0) {
        diag_error("airlock-dbbuild keygen", err.msg);
        return 2;
    }
    char id[17];
    minisign_keyid_hex(pk.keyid, id);
    printf("key id %s\npublic key: %s\nsecret key: %s%s\n", id, pubfile, secfile,
           unencrypted ? " (unencrypted)" : "");
    return 0;
}
