/*
 * evidence.h - an evidence bundle: a directory an auditor can check with
 * standard tools that ties a scan's findings to its inputs and database.
 *
 * Layout of a bundle (every path is relative to the bundle directory):
 *
 *   report.txt report.json report.sarif report.cdx.json report.md report.html
 *   report.plan.md
 *                          the scan rendered in every format (report.h)
 *   inputs/N-NAME          a byte-for-byte copy of the N-th file the scan
 *                          read and parsed (scan_report.files_read:
 *                          requirement files with their -r/-c includes,
 *                          lockfiles, pyproject.toml files, SBOMs; N from 1;
 *                          NAME is the file's base name with any byte
 *                          outside [A-Za-z0-9._-] replaced by '_'). Its
 *                          bytes must still have the digest recorded from
 *                          the read the scan parsed, or the bundle is
 *                          refused: a file changed since cannot be passed
 *                          off as what was scanned.
 *   inputs.txt             for each copy: its digest, its kind (the input
 *                          kind of the JSON report: "requirements",
 *                          "lockfile", "pyproject", "sbom") and the path it
 *                          was read as
 *   snapshot/snapshot.minisig   the installed snapshot's signature file
 *                          (DBDIR/current/snapshot.minisig) as the scan
 *                          read and verified it, when given
 *   snapshot/signer.pub    the key file that verified it, as read, when given
 *   snapshot/status.txt    the database's provenance as the report states it,
 *                          then the caller's status text, if any
 *   MANIFEST               a marker line (MANIFEST_MARKER in evidence.c),
 *                          then "SHA256  PATH" for every file above, sorted
 *                          by path, in `sha256sum` format: `sha256sum -c
 *                          --strict MANIFEST` run inside the bundle checks it
 *   MANIFEST.minisig       with a signing key: a minisign signature of MANIFEST
 *                          (`minisign -Vm MANIFEST -p KEY.pub` checks it)
 *
 * The bundle is a pure function of its inputs: the same report (scan time
 * included), input files, signature and key bytes give the same bytes.
 *
 * Where: `dir` is followed if it is a symbolic link (fileio.h's rules), and
 * the bundle is written into a fresh temporary directory (short name, every
 * file and directory fsynced) beside the directory it names, then renamed
 * into place, all relative to an open descriptor of the parent directory.
 * A new bundle directory gets 0755 less the umask; one that replaces a
 * directory keeps its mode and owner.
 *
 * Replacing: `dir` may be absent or an empty directory. A non-empty `dir`
 * is replaced only if Airlock wrote it and nothing changed since: its
 * MANIFEST starts with the marker line, and every file in it (and in its
 * inputs/ and snapshot/ directories, the only directories allowed) is
 * listed in MANIFEST with the digest listed, or is MANIFEST.minisig. Anything
 * else (another file, a link, an edited file) is refused, so a mistyped path
 * never destroys unrelated files. The replacement is an atomic exchange; the
 * previous bundle is checked again and then only the files it lists are
 * removed.
 */
#ifndef AIRLOCK_EVIDENCE_H
#define AIRLOCK_EVIDENCE_H

#include <stddef.h>

#include "core/error.h"
#include "scanner/results.h"

typedef struct evidence_options {
    /* The bytes of the installed snapshot's .minisig file as they were
     * verified (store_signature_text()), `snapshot_sig_len` of them; NULL to
     * leave it out (then status.txt says so). Bytes, not a path: the file
     * may have been replaced since it was verified. */
    const char *snapshot_sig;
    size_t snapshot_sig_len;
    /* Where those bytes were read from, named in status.txt ("copied from
     * PATH"); nothing is read from it. NULL to name no place. */
    const char *snapshot_sig_origin;
    /* The bytes of the public key file that verified the snapshot
     * (store_signer_text()), `snapshot_pubkey_len` of them; NULL to leave
     * it out. An auditor should check against their own copy of the
     * publisher's key; this one records which key was used. */
    const char *snapshot_pubkey;
    size_t snapshot_pubkey_len;
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
