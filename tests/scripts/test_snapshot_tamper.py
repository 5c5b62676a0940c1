#!/usr/bin/python3
"""Tampering: bit flips anywhere in a snapshot and its signature, truncation
at many lengths, an edited trusted comment, a signature from another
snapshot, an untrusted key, a missing signature, an older sequence, empty and
huge files, a decompression bomb and a wrong digest (both validly signed),
and loose permissions on trusted keys. Each must be rejected with a clear
message, and leave the installed database exactly as it was. An installed
database damaged afterwards stops `airlock scan` and `airlock fix` with exit
2 even though its digest is compared while their inputs are read; so does a
data.mdb renamed over between its check and LMDB's open (run under gdb,
where gdb is installed), and a FIFO or a directory in its place."""
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

AIRLOCK = os.environ.get("AIRLOCK_BIN")
DBBUILD = os.environ.get("AIRLOCK_DBBUILD_BIN")
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        print("FAIL " + what)
        failures += 1


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def tree_digest(db):
    """Digest of every installed file (what a scan would read)."""
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(db)):
        dirs.sort()
        if "staging" in root:
            continue
        for name in sorted(files):
            p = os.path.join(root, name)
            if name == "lock":
                continue
            h.update(p.encode())
            h.update(open(p, "rb").read())
    h.update(os.readlink(os.path.join(db, "current")).encode())
    return h.hexdigest()


def main():
    if not AIRLOCK or not DBBUILD or shutil.which("minisign") is None or shutil.which("zstd") is None:
        print("skip: needs AIRLOCK_BIN, AIRLOCK_DBBUILD_BIN, minisign and zstd")
        return 77
    rnd = random.Random(1234)
    tmp = tempfile.mkdtemp(prefix="airlock-tamper-")
    j = lambda *p: os.path.join(tmp, *p)
    env = dict(os.environ)
    env.pop("AIRLOCK_TRUSTED_KEYS", None)
    db = j("db")
    env["AIRLOCK_DB_DIR"] = db
    with open(j("src.json"), "w") as f:
        f.write("{}\n")
    run([DBBUILD, "keygen", "-W", "-p", j("k.pub"), "-s", j("k.key")])
    run([DBBUILD, "keygen", "-W", "-p", j("other.pub"), "-s", j("other.key")])
    for name, seq, key in (("s1", 100, "k"), ("s2", 200, "k"), ("s0", 50, "k"), ("x2", 200, "other")):
        r = run([DBBUILD, "build", "-s", j(key + ".key"), "-o", j(name + ".snap"), "--sequence", str(seq),
                 j("src.json")], env=env)
        assert r.returncode == 0, r.stderr
    key = ["--trusted-key", j("k.pub")]
    r = run([AIRLOCK, "db", "import", j("s1.snap")] + key, env=env)
    assert r.returncode == 0, r.stderr
    status0 = json.loads(run([AIRLOCK, "db", "status", "--format", "json"], env=env).stdout)
    tree0 = tree_digest(db)

    def rejected(snap, sig, expect, what, extra=()):
        args = [AIRLOCK, "db", "import", snap] + key + list(extra)
        if sig is not None:
            args += ["--signature", sig]
        r = run(args, env=env)
        ok = r.returncode == 2 and any(e in r.stderr for e in expect)
        check(ok, f"{what}: exit {r.returncode}, stderr {r.stderr.strip()!r}")
        check(tree_digest(db) == tree0, f"{what}: installed files unchanged")
        return r

    def unchanged(what):
        st = json.loads(run([AIRLOCK, "db", "status", "--format", "json"], env=env).stdout)
        check(st["sequence"] == status0["sequence"] and st["db_blake2b"] == status0["db_blake2b"]
              and st["snapshot_blake2b"] == status0["snapshot_blake2b"], f"{what}: db status unchanged")
        r = run([AIRLOCK, "db", "verify"] + key, env=env)
        check(r.returncode == 0, f"{what}: db verify passes: {r.stderr.strip()}")

    snap = open(j("s2.snap"), "rb").read()
    sig = open(j("s2.snap.minisig"), "rb").read()
    t_snap, t_sig = j("t.snap"), j("t.snap.minisig")
    bad_snap = ["not the one that was signed"]

    # Bit flips anywhere in the snapshot (the newer one: accepting it would show).
    positions = sorted(set([0, 1, 4, 8, 12, len(snap) - 1, len(snap) // 2] +
                           [rnd.randrange(len(snap)) for _ in range(12)]))
    shutil.copy(j("s2.snap.minisig"), t_sig)
    for pos in positions:
        b = bytearray(snap)
        b[pos] ^= 1 << rnd.randrange(8)
        open(t_snap, "wb").write(b)
        rejected(t_snap, None, bad_snap, f"snapshot bit flip at {pos}")
    unchanged("after snapshot bit flips")

    # Bit flips in the signature file, except the untrusted comment's text
    # (which minisign lets anyone change).
    first_nl = sig.index(b"\n")
    prefix = len(b"untrusted comment: ")
    sig_positions = [p for p in range(len(sig)) if p < prefix or p >= first_nl]
    shutil.copy(j("s2.snap"), t_snap)
    for pos in sorted(rnd.sample(sig_positions, 24)):
        b = bytearray(sig)
        b[pos] ^= 1 << rnd.randrange(8)
        open(t_sig, "wb").write(b)
        rejected(t_snap, None, ["expected a line", "base64", "altered", "not the one", "not a trusted",
                                "algorithm", "trusted comment", "unexpected text", "NUL", "missing"],
                 f"signature bit flip at {pos}")
    unchanged("after signature bit flips")

    # Truncation at many lengths (0 is the empty file).
    shutil.copy(j("s2.snap.minisig"), t_sig)
    for n in sorted(set([0, 1, 7, 8, 20, len(snap) - 1] + [rnd.randrange(len(snap)) for _ in range(8)])):
        open(t_snap, "wb").write(snap[:n])
        rejected(t_snap, None, bad_snap + ["empty file"], f"snapshot truncated to {n}")
    shutil.copy(j("s2.snap"), t_snap)
    # (Dropping only the final newline leaves a valid signature.)
    for n in sorted(set([0, 10, 60, len(sig) - 2, len(sig) - 3] + [rnd.randrange(len(sig) - 1) for _ in range(6)])):
        open(t_sig, "wb").write(sig[:n])
        rejected(t_snap, None, ["missing", "base64", "expected a line", "altered", "not a trusted"],
                 f"signature truncated to {n}")

    # An edited trusted comment.
    open(t_sig, "wb").write(sig.replace(b"sequence=200", b"sequence=900"))
    rejected(t_snap, None, ["trusted comment was altered"], "edited trusted comment")
    # A signature from another snapshot.
    shutil.copy(j("s1.snap.minisig"), t_sig)
    rejected(t_snap, None, bad_snap, "signature of another snapshot")
    # An untrusted key.
    rejected(j("x2.snap"), None, ["not a trusted key"], "signed by an untrusted key")
    # A missing signature.
    os.unlink(t_sig)
    rejected(t_snap, None, ["no signature"], "missing signature")
    # An older sequence, naming both; --allow-downgrade is checked last.
    r = rejected(j("s0.snap"), None, ["refusing to downgrade"], "older sequence")
    check("50" in r.stderr and "100" in r.stderr, "downgrade message names both sequences")
    # Empty and huge files.
    open(t_snap, "wb").close()
    rejected(t_snap, j("s2.snap.minisig"), ["empty file"], "empty snapshot")
    with open(t_snap, "wb") as f:
        f.truncate(3 << 30)  # sparse
    rejected(t_snap, j("s2.snap.minisig"), ["too large"], "huge snapshot")
    with open(t_sig, "wb") as f:
        f.truncate(1 << 20)
    rejected(j("s2.snap"), t_sig, ["larger than the limit"], "huge signature")
    open(t_sig, "wb").close()
    rejected(j("s2.snap"), t_sig, ["missing line"], "empty signature")
    # No trusted key at all.
    r = run([AIRLOCK, "db", "import", j("s2.snap")], env=env)
    check(r.returncode == 2 and "no trusted keys" in r.stderr, "no trusted keys: " + r.stderr.strip())

    # Validly signed (stock minisign) but hostile containers: a decompression
    # bomb and a wrong digest.
    data = subprocess.run(["zstd", "-dc", j("s1.snap")], capture_output=True).stdout
    status_line = open(j("s1.snap.minisig")).read().split("\n")[2][len("trusted comment: "):]

    def signed_container(path, line, payload):
        hdr = b"AIRLOCK1" + line.encode()
        open(path + ".raw", "wb").write(payload)
        with open(path, "wb") as f:
            f.write(struct.pack("<II", 0x184D2A5A, len(hdr)) + hdr)
            f.write(subprocess.run(["zstd", "-q", "-c", path + ".raw"], capture_output=True).stdout)
        r = run(["minisign", "-S", "-s", j("k.key"), "-m", path, "-t", line])
        assert r.returncode == 0, r.stderr
    line = status_line.replace("sequence=100", "sequence=300")
    signed_container(j("bomb.snap"), line, data + bytes(64 << 20))
    rejected(j("bomb.snap"), None, ["decompresses to more than the signed"], "decompression bomb")
    signed_container(j("wrong.snap"), line, bytes(len(data)))
    rejected(j("wrong.snap"), None, ["does not match the signed digest"], "wrong digest")
    signed_container(j("short.snap"), line, data[:-4096])
    rejected(j("short.snap"), None, ["not the signed"], "too short")

    # A disk too small for the signed database size fails before anything is
    # decompressed (a file-size limit stands in for a full disk).
    db_size = int(status_line.split("db_size=")[1].split()[0])

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (db_size // 2, db_size // 2))
    r = run([AIRLOCK, "db", "import", j("s2.snap")] + key, env=env, preexec_fn=small_disk)
    check(r.returncode == 2 and f"cannot reserve {db_size} bytes" in r.stderr,
          f"disk too small: exit {r.returncode}, stderr {r.stderr.strip()!r}")
    check(tree_digest(db) == tree0, "disk too small: installed files unchanged")
    check(os.listdir(os.path.join(db, "staging")) == [], "disk too small: nothing left in staging")

    # Loose permissions on trusted keys are refused, as ssh does.
    shutil.copy(j("k.pub"), j("loose.pub"))
    os.chmod(j("loose.pub"), 0o666)
    r = run([AIRLOCK, "db", "import", j("s2.snap"), "--trusted-key", j("loose.pub")], env=env)
    check(r.returncode == 2 and "writable by group or others" in r.stderr, "world-writable key refused")
    kd = j("keys")
    os.mkdir(kd)
    shutil.copy(j("k.pub"), os.path.join(kd, "k.pub"))
    os.chmod(kd, 0o777)
    env2 = dict(env, AIRLOCK_TRUSTED_KEYS=kd)
    r = run([AIRLOCK, "db", "import", j("s2.snap")], env=env2)
    check(r.returncode == 2 and "writable by group or others" in r.stderr, "world-writable key dir refused")
    check(tree_digest(db) == tree0, "refused keys: installed files unchanged")
    unchanged("after all rejections")

    # The genuine newer snapshot still imports (from a trusted key directory),
    # then the same again is a no-op, and an older one needs --allow-downgrade.
    os.chmod(kd, 0o755)
    r = run([AIRLOCK, "db", "import", j("s2.snap")], env=env2)
    check(r.returncode == 0 and "sequence 200" in r.stdout, "genuine snapshot imports: " + r.stderr.strip())
    tree2 = tree_digest(db)
    r = run([AIRLOCK, "db", "import", j("s2.snap")], env=env2)
    check(r.returncode == 0 and "already installed" in r.stdout and tree_digest(db) == tree2,
          "importing the installed snapshot again is a no-op")
    r = run([AIRLOCK, "db", "import", j("s1.snap"), "--allow-downgrade"], env=env2)
    check(r.returncode == 0 and "sequence 100" in r.stdout, "--allow-downgrade imports an older one")

    # A directory of candidates: bad ones get a line each, the newest valid wins.
    media = j("media")
    os.mkdir(media)
    for name in ("s1", "s2", "x2"):
        shutil.copy(j(name + ".snap"), os.path.join(media, name + ".snap"))
        shutil.copy(j(name + ".snap.minisig"), os.path.join(media, name + ".snap.minisig"))
    b = bytearray(open(j("bomb.snap"), "rb").read())
    b[-10] ^= 1
    open(os.path.join(media, "z.snap"), "wb").write(b)
    shutil.copy(j("bomb.snap.minisig"), os.path.join(media, "z.snap.minisig"))
    r = run([AIRLOCK, "db", "import", media], env=env2)
    check(r.returncode == 0 and "sequence 200" in r.stdout, "directory import picks the newest valid")
    check(r.stderr.count("skipping") == 2 and "x2.snap" in r.stderr and "z.snap" in r.stderr,
          "directory import names each rejected candidate: " + r.stderr.strip())

    # No database: store_open fails closed with a hint.
    r = run([AIRLOCK, "--db-dir", j("nothing"), "db", "status"], env=env)
    check(r.returncode == 2 and "airlock db import" in r.stderr, "status without a database says how to fix it")
    # Inputs a scan and a fix read while the database's digest is compared
    # (in a thread): a requirements file and a site-packages directory.
    req = j("requirements.txt")
    req_text = "requests==2.0.0\nurllib3==1.0\n"
    open(req, "w").write(req_text)
    site = j("site-packages")
    os.makedirs(os.path.join(site, "demo-1.0.dist-info"))
    open(os.path.join(site, "demo-1.0.dist-info", "METADATA"), "w").write(
        "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
    scan_args = [AIRLOCK, "scan", "--no-python", "-r", req, "--path", site]
    r = run(scan_args, env=env2)
    check(r.returncode == 0 and "Scanned 3 dependencies" in r.stdout,
          f"scan of the inputs with a sound database: exit {r.returncode}, {r.stderr.strip()}")

    # A damaged installed database fails closed, and a re-import repairs it.
    cur = os.path.join(db, os.readlink(os.path.join(db, "current")), "data.mdb")
    os.chmod(cur, 0o644)
    with open(cur, "r+b") as f:
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 0x10]))  # same size, one bit changed
    # Scans and fixes with real inputs: the digest, compared while the inputs
    # are read, still stops them with exit 2 and no report.
    for what, args in (("scan", scan_args),
                       ("scan --format json -o", scan_args + ["--format", "json", "-o", j("report.json")]),
                       ("fix --dry-run", [AIRLOCK, "fix", "--no-python", "--dry-run", "-r", req]),
                       ("fix", [AIRLOCK, "fix", "--no-python", "-r", req])):
        r = run(args, env=env2)
        check(r.returncode == 2 and "contents do not match the signed digest" in r.stderr
              and "fails verification" in r.stderr and r.stdout == "",
              f"damaged database: {what} with inputs fails closed: exit {r.returncode}, "
              f"stdout {r.stdout[:200]!r}, stderr {r.stderr.strip()!r}")
    check(not os.path.exists(j("report.json")), "damaged database: no report file written")
    check(open(req).read() == req_text and not os.path.exists(req + ".bak"),
          "damaged database: fix changed nothing")
    # An input that fails too: the database's failure is still reported, first.
    r = run([AIRLOCK, "scan", "--no-python", "-r", j("missing.txt")], env=env2)
    err_db = r.stderr.find("signed digest")
    err_in = r.stderr.find("missing.txt")
    check(r.returncode == 2 and 0 <= err_db < err_in,
          f"damaged database and a missing input: both said, the database first: {r.stderr.strip()!r}")
    # --strict with warnings in the inputs: both errors, the database's first.
    warned = j("warned.txt")
    open(warned, "w").write("requests==2.0.0\n--frobnicate\n")
    r = run([AIRLOCK, "scan", "--no-python", "--strict", "-r", warned], env=env2)
    err_db = r.stderr.find("signed digest")
    err_strict = r.stderr.find("--strict was given")
    check(r.returncode == 2 and 0 <= err_db < err_strict and r.stdout == "",
          f"damaged database and --strict with a warning: both said, the database first: {r.stderr.strip()!r}")
    # No evidence bundle from a scan whose database failed.
    r = run(scan_args + ["--evidence", j("evidence")], env=env2)
    check(r.returncode == 2 and "signed digest" in r.stderr and not os.path.exists(j("evidence")),
          f"damaged database: no evidence bundle: exit {r.returncode}, {r.stderr.strip()!r}")
    r = run([AIRLOCK, "show", "PYSEC-2020-1"], env=env2)
    check(r.returncode == 2 and "fails verification" in r.stderr and r.stdout == "",
          f"damaged database: show fails closed: {r.stderr.strip()!r}")
    r = run([AIRLOCK, "db", "status"], env=env2)
    check(r.returncode == 2 and "fails verification" in r.stderr, "damaged database: status fails closed")
    # Its signer is trusted only while its key directory is named.
    r = run([AIRLOCK, "db", "status"], env=env)
    check(r.returncode == 2 and "not a trusted key now" in r.stderr,
          "status without the signer's key directory fails closed: " + r.stderr.strip())
    r = run([AIRLOCK, "db", "verify"], env=env2)
    check(r.returncode == 2 and "signed digest" in r.stderr, "damaged database: verify fails")
    r = run([AIRLOCK, "db", "import", j("s2.snap")], env=env2)
    check(r.returncode == 0 and run([AIRLOCK, "db", "verify"], env=env2).returncode == 0,
          "re-importing the same snapshot repairs a damaged database")
    r = run(scan_args, env=env2)
    check(r.returncode == 0, f"the repaired database scans again: {r.stderr.strip()}")
    # A size change is found before any input is read (as a missing database).
    cur = os.path.join(db, os.readlink(os.path.join(db, "current")), "data.mdb")
    os.chmod(cur, 0o644)
    with open(cur, "ab") as f:
        f.write(b"\0")
    r = run([AIRLOCK, "scan", "--no-python", "-r", j("missing.txt")], env=env2)
    check(r.returncode == 2 and "but the signed size is" in r.stderr and "missing.txt" not in r.stderr,
          f"a database of the wrong size stops the scan before its inputs: {r.stderr.strip()!r}")
    r = run([AIRLOCK, "db", "import", j("s2.snap")], env=env2)
    check(r.returncode == 0 and run(scan_args, env=env2).returncode == 0,
          "re-importing repairs a database of the wrong size")

    # An identical copy renamed over data.mdb after its digest matched, just
    # before LMDB opens it (stopped there with gdb): the file LMDB opened is
    # not the hashed one, and is refused before it is read.
    if shutil.which("gdb") is None:
        print("note: gdb not found, the rename race of data.mdb is not run end to end")
    else:
        cur = os.path.join(db, os.readlink(os.path.join(db, "current")), "data.mdb")
        shutil.copy(cur, j("same.mdb"))
        # LeakSanitizer cannot run under ptrace (the sanitizer build).
        asan = ":".join(filter(None, [env2.get("ASAN_OPTIONS"), "detect_leaks=0"]))
        env_gdb = dict(env2, ASAN_OPTIONS=asan)
        swap = f"shell cp -p '{j('same.mdb')}' '{cur}.new' && mv '{cur}.new' '{cur}'"
        for what, args in (("scan", scan_args), ("fix --dry-run", [AIRLOCK, "fix", "--no-python",
                                                                   "--dry-run", "-r", req]),
                           ("show", [AIRLOCK, "show", "PYSEC-2020-1"]),
                           ("db status", [AIRLOCK, "db", "status"])):
            r = run(["gdb", "-batch", "-nx", "-ex", "set breakpoint pending on", "-ex",
                     "break mdb_env_open", "-ex", "run", "-ex", swap, "-ex", "delete", "-ex", "continue",
                     "--args"]
                    + args, env=env_gdb, timeout=300)
            out = r.stdout + r.stderr
            refused = "not the file that was verified (replaced or changed since)" in out
            code = "exited with code 02" in out
            check(refused and code and "Scanned" not in out,
                  f"data.mdb renamed over before LMDB opens it: {what} refuses it: {out[-600:]!r}")
        check(run(scan_args, env=env2).returncode == 0, "the identical copy verifies at the next scan")
        # Cut short just as the hashing thread starts reading it: the size
        # message and exit 2 (a hash through a mapping died of SIGBUS).
        cur = os.path.join(db, os.readlink(os.path.join(db, "current")), "data.mdb")
        r = run(["gdb", "-batch", "-nx", "-ex", "break snapshot_digest_fd", "-ex", "run", "-ex",
                 f"shell truncate -s 1000 '{cur}'", "-ex", "delete", "-ex", "continue", "--args"]
                + scan_args, env=env_gdb, timeout=300)
        out = r.stdout + r.stderr
        check("1000 bytes, but the signed size is" in out and "exited with code 02" in out
              and "SIGBUS" not in out and "Scanned" not in out,
              f"data.mdb cut short while it is hashed: the size message: {out[-600:]!r}")
        check(run([AIRLOCK, "db", "import", j("s2.snap")], env=env2).returncode == 0
              and run(scan_args, env=env2).returncode == 0, "re-importing repairs the cut database")

    # A FIFO or a directory in place of data.mdb: refused at once, never waited on.
    cur = os.path.join(db, os.readlink(os.path.join(db, "current")), "data.mdb")
    os.rename(cur, j("kept.mdb"))
    for what, make, remove in (("FIFO", os.mkfifo, os.unlink), ("directory", os.mkdir, os.rmdir)):
        make(cur)
        try:
            r = run(scan_args, env=env2, timeout=60)
            check(r.returncode == 2 and "not a regular file" in r.stderr and r.stdout == "",
                  f"a {what} in place of data.mdb: exit {r.returncode}, {r.stderr.strip()!r}")
        except subprocess.TimeoutExpired:
            check(False, f"a {what} in place of data.mdb: the scan waited on it")
        remove(cur)
    os.rename(j("kept.mdb"), cur)
    check(run(scan_args, env=env2).returncode == 0, "data.mdb put back scans again")

    shutil.rmtree(tmp)
    print(f"{checks - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
