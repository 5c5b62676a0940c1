#!/usr/bin/python3
"""Trust paths another local user must not steer (issue 13): key files and
key directories reached through someone else's symlink or directory, a
sticky key directory, planted symlinks in the database directory, a database
directory others can write, a snapshot signed by a key that is not trusted
(now), the import lock, a scan whose evidence bundle is written after two
imports, a disk that fills up while an import publishes, and db status
printing a 64-bit sequence.

The parts that need a second user (chown to nobody, setpriv to act as
nobody, a small tmpfs for a full disk) run only as root; otherwise they are
skipped, and the test exits 77 if nothing failed."""
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

AIRLOCK = os.environ.get("AIRLOCK_BIN")
DBBUILD = os.environ.get("AIRLOCK_DBBUILD_BIN")
HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "..", "examples")
NOBODY = 65534
failures = 0
checks = 0
skipped = []


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        print("FAIL " + what)
        failures += 1


def run(args, timeout=60, **kw):
    try:
        return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                              timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, -1, "", f"timed out after {timeout} s")


def as_nobody(args):
    """Run args as the user nobody (group nogroup, no other groups)."""
    return run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + list(args))


def root_only(what):
    if os.geteuid() == 0 and shutil.which("setpriv"):
        return True
    skipped.append(what)
    return False


def main():
    if not AIRLOCK or not DBBUILD:
        print("skip: needs AIRLOCK_BIN and AIRLOCK_DBBUILD_BIN")
        return 77
    tmp = tempfile.mkdtemp(prefix="airlock-localuser-")
    os.chmod(tmp, 0o755)  # nobody must be able to reach what it attacks
    j = lambda *p: os.path.join(tmp, *p)
    env = dict(os.environ)
    env.pop("AIRLOCK_TRUSTED_KEYS", None)
    env.pop("AIRLOCK_DB_DIR", None)
    advisories = os.path.join(EXAMPLES, "advisories")
    req = os.path.join(EXAMPLES, "requirements.txt")
    with open(j("empty.json"), "w") as f:
        f.write("{}\n")
    os.mkdir(j("keys"), 0o755)
    for k in ("k", "evil"):
        r = run([DBBUILD, "keygen", "-W", "-p", j("keys", k + ".pub"), "-s", j(k + ".key")])
        assert r.returncode == 0, r.stderr
    key = j("keys", "k.pub")
    for name, seq, k, src in (("s1", 1, "k", advisories), ("s2", 2, "k", advisories),
                              ("s3", 3, "k", advisories), ("evil", 9, "evil", j("empty.json")),
                              ("max", 2 ** 64 - 1, "k", advisories)):
        r = run([DBBUILD, "build", "-s", j(k + ".key"), "-o", j(name + ".snap"),
                 "--sequence", seq, src], env=env)
        assert r.returncode == 0, r.stderr

    def airlock(db, *args, **kw):
        return run([AIRLOCK, "--db-dir", db] + list(args), env=kw.pop("env", env), **kw)

    def imported(db, snap, what, *extra):
        r = airlock(db, "db", "import", snap, "--trusted-key", key, *extra)
        check(r.returncode == 0, f"{what}: import: {r.stderr.strip()}")
        return r

    # ---- A database directory others can write, or owned by another user.
    db = j("db")
    imported(db, j("s1.snap"), "setup")
    os.chmod(db, 0o777)
    for args in (["scan", "--no-python", "-r", req], ["db", "status"], ["db", "verify",
                 "--trusted-key", key], ["db", "import", j("s2.snap"), "--trusted-key", key]):
        r = airlock(db, *args)
        check(r.returncode == 2 and "writable by group or others" in r.stderr,
              f"world-writable database directory refused by {args[0]} {args[1]}: "
              f"exit {r.returncode}, {r.stderr.strip()}")
    os.chmod(db, 0o1777)
    r = airlock(db, "scan", "--no-python", "-r", req)
    check(r.returncode == 2 and "sticky or not" in r.stderr,
          "a sticky world-writable database directory is refused too: " + r.stderr.strip())
    os.chmod(db, 0o755)
    r = airlock(db, "scan", "--no-python", "-r", req)
    check(r.returncode == 1 and "PYSEC-2024-38" in r.stdout, "0755 database directory scans")
    if root_only("database directory owned by nobody"):
        os.chown(db, NOBODY, -1)
        r = airlock(db, "scan", "--no-python", "-r", req)
        check(r.returncode == 2 and "owned by uid 65534" in r.stderr,
              "database directory owned by another user refused: " + r.stderr.strip())
        os.chown(db, 0, -1)

    # ---- 'current' swapped to a snapshot signed by a key that is not trusted:
    # the scan must not say "No known vulnerabilities found".
    # The other user's database, imported with their own key directory.
    evil_db = j("evil-db")
    os.mkdir(j("evilkeys"), 0o755)
    shutil.copy(j("keys", "evil.pub"), j("evilkeys", "evil.pub"))
    r = airlock(evil_db, "db", "import", j("evil.snap"),
                env=dict(env, AIRLOCK_TRUSTED_KEYS=j("evilkeys")))
    check(r.returncode == 0, "evil database made: " + r.stderr.strip())
    evil_name = os.readlink(os.path.join(evil_db, "current"))
    shutil.copytree(os.path.join(evil_db, evil_name), os.path.join(db, evil_name), symlinks=True)
    good_name = os.readlink(os.path.join(db, "current"))
    os.symlink(evil_name, os.path.join(db, "current.new"))
    os.rename(os.path.join(db, "current.new"), os.path.join(db, "current"))
    r = airlock(db, "scan", "--no-python", "-r", req)
    check(r.returncode == 2 and "not a trusted key now" in r.stderr
          and "No known vulnerabilities" not in r.stdout,
          f"scan refuses a snapshot whose signer is not trusted: exit {r.returncode}, "
          f"{r.stdout.strip()[:80]} {r.stderr.strip()}")
    os.symlink(good_name, os.path.join(db, "current.new"))
    os.rename(os.path.join(db, "current.new"), os.path.join(db, "current"))
    shutil.rmtree(os.path.join(db, evil_name))

    # A key given with --trusted-key stays trusted for scans while its file
    # exists; deleting it revokes it.
    os.mkdir(j("onekey"), 0o755)
    shutil.copy(key, j("onekey", "k.pub"))
    db_rev = j("db-revoke")
    r = airlock(db_rev, "db", "import", j("s1.snap"), "--trusted-key", j("onekey", "k.pub"))
    check(r.returncode == 0, "import with a key file: " + r.stderr.strip())
    r = airlock(db_rev, "scan", "--no-python", "-r", req)
    check(r.returncode == 1, "scan trusts the key the import was given: " + r.stderr.strip())
    os.unlink(j("onekey", "k.pub"))
    r = airlock(db_rev, "scan", "--no-python", "-r", req)
    check(r.returncode == 2 and "not a trusted key now" in r.stderr,
          "scan refuses once the key file is deleted: " + r.stderr.strip())
    r = airlock(db_rev, "scan", "--no-python", "-r", req,
                env=dict(env, AIRLOCK_TRUSTED_KEYS=j("keys")))
    check(r.returncode == 1, "the same key in AIRLOCK_TRUSTED_KEYS trusts it again: "
          + r.stderr.strip())

    # A user who cannot read the key file root's import was given (root's
    # private directory) scans with the keys they trust themselves; without
    # one the scan refuses, naming the file.
    if root_only("another user scans a database imported with a private key file"):
        os.mkdir(j("rootonly"), 0o700)
        shutil.copy(key, j("rootonly", "k.pub"))
        db_priv = j("db-private-key")
        r = airlock(db_priv, "db", "import", j("s1.snap"), "--trusted-key",
                    j("rootonly", "k.pub"))
        check(r.returncode == 0, "import with a key in a private directory: " + r.stderr.strip())
        scan = [AIRLOCK, "--db-dir", db_priv, "scan", "--no-python", "-r", req]
        r = as_nobody(["env", "AIRLOCK_TRUSTED_KEYS=" + j("keys")] + scan)
        check(r.returncode == 1 and "PYSEC-2024-38" in r.stdout,
              f"nobody scans with the same key trusted in AIRLOCK_TRUSTED_KEYS: exit "
              f"{r.returncode}, {r.stderr.strip()}")
        r = as_nobody(["env", "-u", "AIRLOCK_TRUSTED_KEYS"] + scan)
        check(r.returncode == 2 and "not a trusted key now" in r.stderr
              and "rootonly/k.pub, which you cannot read" in r.stderr,
              f"nobody without a trusted key is refused, naming the unreadable key: exit "
              f"{r.returncode}, {r.stderr.strip()}")

    # ---- A FIFO in a directory of snapshots (whoever can write a shared
    # media directory can leave one) is skipped, not waited on forever.
    media = j("media")
    os.mkdir(media)
    shutil.copy(j("s1.snap"), os.path.join(media, "s1.snap"))
    shutil.copy(j("s1.snap.minisig"), os.path.join(media, "s1.snap.minisig"))
    os.mkfifo(os.path.join(media, "a.minisig"))
    shutil.copy(j("s1.snap.minisig"), os.path.join(media, "b.minisig"))
    os.mkfifo(os.path.join(media, "b"))
    r = airlock(j("db-media"), "db", "import", media, "--trusted-key", key, timeout=20)
    check(r.returncode == 0 and "a.minisig: not a regular file" in r.stderr
          and "b: not a regular file" in r.stderr,
          f"FIFOs in a snapshot directory are skipped: exit {r.returncode}, {r.stderr.strip()}")

    # ---- Planted symlinks in the database directory are never followed.
    for part in ("staging", "snapshots", "lock"):
        victim = j("victim-" + part)
        os.mkdir(victim)
        with open(os.path.join(victim, "precious"), "w") as f:
            f.write("keep me\n")
        pdb = j("planted-" + part)
        os.mkdir(pdb, 0o755)
        os.symlink(victim if part != "lock" else os.path.join(victim, "precious"),
                   os.path.join(pdb, part))
        r = airlock(pdb, "db", "import", j("s1.snap"), "--trusted-key", key)
        check(r.returncode == 2 and "refusing" in r.stderr,
              f"planted {part} symlink refused: exit {r.returncode}, {r.stderr.strip()}")
        check(os.listdir(victim) == ["precious"] and
              open(os.path.join(victim, "precious")).read() == "keep me\n",
              f"planted {part} symlink: its target is untouched")
    # Root's import emptied the directory a planted 'staging' pointed to: an
    # existing database gets the same refusal.
    shutil.rmtree(os.path.join(db, "staging"))
    os.symlink(j("victim-staging"), os.path.join(db, "staging"))
    r = airlock(db, "db", "import", j("s2.snap"), "--trusted-key", key)
    check(r.returncode == 2 and os.listdir(j("victim-staging")) == ["precious"],
          "staging symlink in an installed database refused: " + r.stderr.strip())
    os.unlink(os.path.join(db, "staging"))

    # ---- Key files and key directories.
    if root_only("keys through another user's symlink or directory"):
        # A symlink another user owns, in a sticky directory like /tmp: they
        # can swap it at any moment, so it is refused even pointing at our key.
        os.mkdir(j("sticky"))
        os.chmod(j("sticky"), 0o1777)
        r = as_nobody(["ln", "-s", j("keys"), j("sticky", "keys")])
        check(r.returncode == 0, "nobody makes a symlink: " + r.stderr.strip())
        r = airlock(j("db-k1"), "db", "import", j("s1.snap"), "--trusted-key",
                    j("sticky", "keys", "k.pub"))
        check(r.returncode == 2 and "owned by uid 65534" in r.stderr,
              "key reached through another user's symlink refused: " + r.stderr.strip())
        # Our own symlink, but in a directory another user owns.
        os.mkdir(j("theirs"))
        os.symlink(j("keys", "k.pub"), j("theirs", "k.pub"))
        os.chown(j("theirs"), NOBODY, -1)
        r = airlock(j("db-k2"), "db", "import", j("s1.snap"), "--trusted-key",
                    j("theirs", "k.pub"))
        check(r.returncode == 2 and "owned by uid 65534" in r.stderr,
              "key symlink in another user's directory refused: " + r.stderr.strip())
        # A sticky, world-writable key directory: others add keys to it.
        os.mkdir(j("tmpkeys"))
        shutil.copy(key, j("tmpkeys", "k.pub"))
        os.chmod(j("tmpkeys"), 0o1777)
        r = as_nobody(["ln", "-s", j("keys", "evil.pub"), j("tmpkeys", "z.pub")])
        check(r.returncode == 0, "nobody adds a symlinked key: " + r.stderr.strip())
        r = airlock(j("db-k3"), "db", "import", j("evil.snap"),
                    env=dict(env, AIRLOCK_TRUSTED_KEYS=j("tmpkeys")))
        check(r.returncode == 2 and "writable by group or others, sticky or not" in r.stderr
              and not os.path.exists(j("db-k3", "current")),
              "sticky world-writable key directory refused: " + r.stderr.strip())

    # ---- The import lock.
    lock = os.path.join(db, "lock")
    check(os.stat(lock).st_mode & 0o777 == 0o600, "DIR/lock is 0600")
    if root_only("nobody cannot open the lock"):
        r = as_nobody(["sh", "-c", f"exec 3<{lock}"])
        check(r.returncode != 0, "nobody cannot open DIR/lock")
    os.chmod(lock, 0o644)  # as an older Airlock left it
    imported(db, j("s2.snap"), "import with an old 0644 lock")
    check(os.stat(lock).st_mode & 0o777 == 0o600, "an old 0644 lock is made 0600")
    with open(lock) as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        start = time.monotonic()
        r = airlock(db, "db", "import", j("s3.snap"), "--trusted-key", key, "--lock-wait", "1",
                    timeout=30)
        took = time.monotonic() - start
        check(r.returncode == 2 and f"(process {os.getpid()})" in r.stderr
              and "--lock-wait" in r.stderr and took < 10,
              f"a held lock: gives up after --lock-wait naming the holder ({took:.1f} s): "
              + r.stderr.strip())
    imported(db, j("s3.snap"), "import once the lock is free")

    # ---- A scan spanning two imports keeps its snapshot: its evidence bundle
    # copies the signature of the database it opened. The scan is held after
    # opening the database by an ignore file that is a FIFO.
    sdb = j("db-span")
    imported(sdb, j("s1.snap"), "spanning scan setup")
    first = os.path.join(sdb, os.readlink(os.path.join(sdb, "current")), "snapshot.minisig")
    first_sig = open(first).read()
    fifo = j("ignore-fifo")
    os.mkfifo(fifo)
    scan = subprocess.Popen([AIRLOCK, "--db-dir", sdb, "scan", "--no-python", "-r", req,
                             "--ignore-file", fifo, "--evidence", j("bundle")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Wait until the scan holds its snapshot (its read lock shows in /proc/locks).
    pin = os.path.join(os.path.dirname(first), "in-use")
    check(os.path.exists(pin), "a snapshot directory has an in-use file")
    if os.path.exists(pin):
        st = os.stat(pin)
        dev = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino} "
        for _ in range(200):
            if any(dev in line and "OFDLCK" in line for line in open("/proc/locks")):
                break
            time.sleep(0.05)
    else:
        time.sleep(1)
    imported(sdb, j("s2.snap"), "import while a scan runs")
    r = imported(sdb, j("s3.snap"), "second import while a scan runs")
    check("a running scan uses it" in r.stderr, "import says it keeps the scan's snapshot: "
          + r.stderr.strip())
    try:  # not blocking if the scan is gone
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.write(fd, b"# nothing ignored\n")
        os.close(fd)
    except OSError as e:
        check(False, f"the scan reads its ignore file: {e}")
    try:
        out, err = scan.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        scan.kill()
        out, err = scan.communicate()
    bundle_sig = j("bundle", "snapshot", "snapshot.minisig")
    check(scan.returncode == 1 and os.path.exists(bundle_sig)
          and open(bundle_sig).read() == first_sig,
          f"a scan spanning two imports writes its bundle with the signature it opened: "
          f"exit {scan.returncode}, {err.strip()}")
    imported(sdb, j("s2.snap"), "import after the scan", "--allow-downgrade")
    check(len(os.listdir(os.path.join(sdb, "snapshots"))) == 1,
          "once the scan ended, the next import removes its snapshot")

    # ---- db status prints a 64-bit sequence as an integer.
    r = airlock(j("db-max"), "db", "import", j("max.snap"), "--trusted-key", key)
    check(r.returncode == 0, "import sequence 2^64-1: " + r.stderr.strip())
    r = airlock(j("db-max"), "db", "status", "--format", "json")
    check(r.returncode == 0 and '"sequence":\t18446744073709551615' in r.stdout
          and json.loads(r.stdout)["sequence"] == 2 ** 64 - 1,
          "status --format json prints the sequence as an integer: " + r.stdout[:200])

    # ---- A disk that fills up while the import publishes: nothing is left
    # behind, so the next import (with room for one more inode) succeeds.
    if root_only("full disk while publishing (tmpfs)"):
        full_disk(j, key, env)

    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{checks - failures} passed, {failures} failed")
    if skipped:
        print("skipped (not root): " + "; ".join(skipped))
    if failures:
        return 1
    return 77 if skipped else 0


def full_disk(j, key, env):
    """On a tmpfs with too few inodes, find the limit at which an import fails
    creating the `current` link, i.e. at publishing."""
    mnt = j("mnt")
    os.mkdir(mnt)
    found = False
    try:
        for n in range(6, 40):
            r = run(["mount", "-t", "tmpfs", "-o", f"size=16m,nr_inodes={n}", "tmpfs", mnt])
            if r.returncode != 0:
                print("skip: cannot mount a tmpfs: " + r.stderr.strip())
                skipped.append("full disk while publishing (mount failed)")
                return
            db = os.path.join(mnt, "db")
            r = run([AIRLOCK, "--db-dir", db, "db", "import", j("s1.snap"), "--trusted-key", key],
                    env=env)
            if r.returncode == 0:
                run(["umount", mnt])
                break
            if "current.tmp" not in r.stderr:
                run(["umount", mnt])
                continue
            found = True
            snaps = os.path.join(db, "snapshots")
            check(os.listdir(snaps) == [] and os.listdir(os.path.join(db, "staging")) == [],
                  f"full disk at publishing leaves no orphan: {os.listdir(snaps)}")
            r = run(["mount", "-o", f"remount,nr_inodes={n + 1}", mnt])
            r = run([AIRLOCK, "--db-dir", db, "db", "import", j("s1.snap"), "--trusted-key", key],
                    env=env)
            check(r.returncode == 0, "the next import succeeds with room for the link: "
                  + r.stderr.strip())
            run(["umount", mnt])
            break
    finally:
        run(["umount", mnt])
    check(found, "some inode limit made the import fail at publishing")


if __name__ == "__main__":
    sys.exit(main())
