/*
 * evidence.h - an evidence bundle: a directory an auditor can check with
 * standard tools that ties a scan's findings to its inputs and database.
 *
 * Layout of a bundle (every path is relative to the bundle directory):
 *
 *   report.txt report.json report.sarif report.cdx.json report.md report.html
 *                          the scan rendered in every format (report.h)
 *   inputs/N-NAME          a byte-for-byte copy of the N-th requirement file
 *                          (N from 1; NAME is the file's base name with any
 *                          byte outside [A-Za-z0-9._-] replaced by '_')
 *   snapshot/snapshot.minisig   a copy of the installed snapshot's signature
 *                          (DBDIR/current/snapshot.minisig), when given
 *   snapshot/signer.pub    a copy of the key that verified it, when given
 *   snapshot/status.txt    the database's provenance as the report states it,
 *                          then the caller's status text, if any
 *   MANIFEST               "SHA256  PATH" for every file above, sorted by
 *                          path, in `sha256sum` format: `sha256sum -c MANIFEST`
 *                          run inside the bundle checks it
 *   MANIFEST.minisig       with a signing key: a minisign signature of MANIFEST
 *                          (`minisign -Vm MANIFEST -p KEY.pub` checks it)
 *
 * The bundle is a pure function of its inputs: the same report (scan time
 * included), requirement files, signature file and key give the same bytes.
 *
 * Atomicity: the bundle is written into a fresh temporary directory beside
 * `dir` (every file fsynced), which is then renamed to `dir`. `dir` may be
 * absent or an empty directory. A non-empty `dir` is replaced only if it is
 * a previous bundle: it holds MANIFEST and nothing but the files MANIFEST
 * lists, MANIFEST.minisig and the inputs/ and snapshot/ directories. Anything
 * else is refused, so a mistyped path never destroys unrelated files.
 */
#ifndef AIRLOCK_EVIDENCE_H
#define AIRLOCK_EVIDENCE_H

#include <stddef.h>

#include "core/error.h"
#include "scanner/results.h"

typedef struct evidence_options {
    /* Requirement files to copy into inputs/, in this order. May be 0.
     * A file that is also one of the report's inputs (same path) must still
     * have the SHA-256 the report recorded, or the bundle is refused. */
    const char *const *requirement_files;
    size_t n_requirement_files;
    /* The installed snapshot's .minisig file; NULL to leave it out (then
     * status.txt says so). */
    const char *snapshot_sig_path;
    /* The public key that verified the snapshot (DBDIR/current/signer.pub);
     * NULL to leave it out. An auditor should check against their own copy
     * of the publisher's key; this one records which key was used. */
    const char *snapshot_pubkey_path;
    /* Extra lines for status.txt (e.g. what `airlock db verify` reported);
     * NULL for none. Keep it free of times if the bundle must reproduce. */
    const char *snapshot_status;
    /* A minisign secret key to sign MANIFEST with; NULL for no signature. */
    const char *sign_key_path;
    /* The key's password; NULL for an unencrypted key (minisign -G -W). A
     * command asks for it with passphrase_get() when
     * minisign_seckey_is_encrypted() says so (signatures/). */
    const char *sign_password;
} evidence_options;

/* Write the bundle for `r` into `dir` as described above. Every renderer must
 * succeed: a bundle missing a format is not written at all. Returns 0, or -1
 * with a message naming the file that failed; on failure `dir` is unchanged
 * and the temporary directory is removed. */
int evidence_write(const scan_report *r, const char *dir, const evidence_options *opt,
                   airlock_error *err);

#endif
