#!/usr/bin/python3
"""The evidence bundle of `airlock scan --evidence` holds the snapshot
signature and signer key that the scan verified, byte for byte, even when
both files in the snapshot directory are renamed over (by the database's
owner, or root) after the scan opened the database and before the bundle is
written. The swap is made with gdb stopped at evidence_write(); without gdb
only the untouched case runs. An untouched database gives a bundle whose
copies equal the installed files. Uses the shipped examples, as
test_scan_evidence_minisign.py does."""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ["AIRLOCK_SOURCE_DIR"]
AIRLOCK = os.environ["AIRLOCK_BIN"]
DBBUILD = os.environ["AIRLOCK_DBBUILD_BIN"]
EXAMPLES = os.path.join(SRC, "examples")


def run(*args, cwd=None, env=None):
    e = dict(os.environ if env is None else env)
    e.pop("VIRTUAL_ENV", None)
    e.pop("AIRLOCK_TRUSTED_KEYS", None)
    return subprocess.run(list(args), capture_output=True, text=True, env=e, cwd=cwd,
                          timeout=300)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def manifest_ok(bundle):
    """sha256sum -c --strict MANIFEST, done here: every listed digest holds."""
    lines = read(os.path.join(bundle, "MANIFEST")).decode().splitlines()
    for line in lines[1:]:
        digest, path = line.split("  ", 1)
        if hashlib.sha256(read(os.path.join(bundle, path))).hexdigest() != digest:
            return False
    return True


def main():
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        j = lambda *p: os.path.join(tmp, *p)
        db = j("db")
        steps = [
            [DBBUILD, "keygen", "-W", "-p", j("k.pub"), "-s", j("k.key")],
            [DBBUILD, "keygen", "-W", "-p", j("other.pub"), "-s", j("other.key")],
            [DBBUILD, "build", "-s", j("k.key"), "-o", j("ex.snap"), "--sequence", "10",
             os.path.join(EXAMPLES, "advisories")],
            # A valid signature of another snapshot by another key: what a
            # swap would put in place.
            [DBBUILD, "build", "-s", j("other.key"), "-o", j("other.snap"), "--sequence", "20",
             os.path.join(EXAMPLES, "advisories")],
            [AIRLOCK, "--db-dir", db, "db", "import", j("ex.snap"), "--trusted-key", j("k.pub")],
        ]
        for args in steps:
            p = run(*args)
            if p.returncode != 0:
                print(f"FAIL: {args}: exit {p.returncode}\n{p.stderr[-2000:]}")
                return 1
        snapdir = os.path.join(db, os.readlink(os.path.join(db, "current")))
        sig_path, key_path = os.path.join(snapdir, "snapshot.minisig"), os.path.join(snapdir, "signer.pub")
        verified_sig, verified_key = read(sig_path), read(key_path)
        check(verified_sig == read(j("ex.snap.minisig")), "the installed signature is the imported one")
        other_sig, other_key = read(j("other.snap.minisig")), read(j("other.pub"))
        check(other_sig != verified_sig and other_key != verified_key, "the swapped files differ")
        scan = [AIRLOCK, "--db-dir", db, "scan", "--no-python", "-r",
                os.path.join(EXAMPLES, "requirements.txt"), "--evidence"]

        # Untouched: the bundle's copies are the installed files.
        p = run(*scan, j("ev0"))
        check(p.returncode == 1, f"scan with findings exits 1: {p.returncode} {p.stderr[-600:]!r}")
        if p.returncode == 1:
            check(read(j("ev0", "snapshot", "snapshot.minisig")) == verified_sig,
                  "untouched: the bundle's signature is the installed one")
            check(read(j("ev0", "snapshot", "signer.pub")) == verified_key,
                  "untouched: the bundle's key is the installed one")
            check(manifest_ok(j("ev0")), "untouched: MANIFEST lists the files' digests")
            status = read(j("ev0", "snapshot", "status.txt")).decode()
            check(f"(copied from {sig_path})" in status,
                  f"status.txt names where the signature was read: {status!r}")

        if shutil.which("gdb") is None:
            print("note: gdb not found, the swap after the scan opened the database is not run")
        else:
            # Both files renamed over once the scan verified them, just before
            # the bundle is written.
            os.chmod(snapdir, 0o755)
            with open(j("other.minisig"), "wb") as f:
                f.write(other_sig)
            swap = (f"shell cp '{j('other.minisig')}' '{sig_path}.new' && mv '{sig_path}.new' '{sig_path}'"
                    f" && cp '{j('other.pub')}' '{key_path}.new' && mv '{key_path}.new' '{key_path}'")
            env = dict(os.environ)
            # LeakSanitizer cannot run under ptrace (the sanitizer build).
            env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
            p = run("gdb", "-batch", "-nx", "-ex", "set breakpoint pending on", "-ex",
                    "break evidence_write", "-ex", "run", "-ex", swap, "-ex", "delete", "-ex",
                    "continue", "--args", *scan, j("ev1"), env=env)
            out = p.stdout + p.stderr
            check("exited with code 01" in out, f"the scan under gdb exits 1: {out[-800:]!r}")
            check(read(sig_path) == other_sig and read(key_path) == other_key,
                  "gdb swapped both files before the bundle was written")
            if os.path.exists(j("ev1", "MANIFEST")):
                check(read(j("ev1", "snapshot", "snapshot.minisig")) == verified_sig,
                      "swapped: the bundle holds the verified signature, not the file there now")
                check(read(j("ev1", "snapshot", "signer.pub")) == verified_key,
                      "swapped: the bundle holds the verifying key, not the file there now")
                check(manifest_ok(j("ev1")), "swapped: MANIFEST lists the files' digests")
            else:
                check(False, "swapped: no bundle written")
            # The next scan verifies what is there now, and refuses it.
            p = run(*scan, j("ev2"))
            check(p.returncode == 2 and not os.path.exists(j("ev2")),
                  f"the next scan refuses the swapped signature: {p.returncode} {p.stderr[-400:]!r}")
    for f in failures:
        print("FAIL:", f)
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
