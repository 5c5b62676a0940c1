#!/usr/bin/python3
"""Crash safety and concurrency of `airlock db import`: kill imports with
SIGKILL at random moments of their run, then check that the installed
database is the old or the new one and verifies; run `db status` (which
re-hashes the database, as a scan's store_open does) during imports; run two
imports at once."""
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

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


def make_lmdb(path, megabytes, seed):
    """A real LMDB data file of random-ish records, via mdb_load."""
    rnd = random.Random(seed)
    words = [bytes(rnd.choice(b"abcdefghijklmnop") for _ in range(8)) for _ in range(64)]
    lines = ["VERSION=3", "format=bytevalue", "type=btree", "mapsize=%d" % (megabytes * 3 << 20),
             "maxreaders=126", "db_pagesize=4096", "HEADER=END"]
    for i in range(megabytes * 1024):
        key = b"pkg-%08d" % i
        val = rnd.randbytes(300) + b" ".join(rnd.choice(words) for _ in range(80))
        lines.append(" " + key.hex())
        lines.append(" " + val.hex())
    lines.append("DATA=END")
    r = subprocess.run(["mdb_load", "-n", "-f", "/dev/stdin", path], input="\n".join(lines) + "\n",
                       text=True, capture_output=True)
    assert r.returncode == 0, r.stderr


def make_snapshot(path, mdb, seq, key):
    import hashlib
    data = open(mdb, "rb").read()
    line = ("airlock-snapshot format=1 sequence=%d build_time=%d db_size=%d db_blake2b=%s"
            % (seq, int(time.time()), len(data), hashlib.blake2b(data).hexdigest()))
    hdr = b"AIRLOCK1" + line.encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<II", 0x184D2A5A, len(hdr)) + hdr)
        f.write(subprocess.run(["zstd", "-q", "-1", "-c", mdb], capture_output=True).stdout)
    r = run(["minisign", "-S", "-s", key, "-m", path, "-t", line])
    assert r.returncode == 0, r.stderr


def main():
    for tool in ("minisign", "zstd", "mdb_load"):
        if shutil.which(tool) is None:
            print(f"skip: {tool} is not installed")
            return 77
    if not AIRLOCK or not DBBUILD:
        print("skip: AIRLOCK_BIN / AIRLOCK_DBBUILD_BIN not set")
        return 77
    rnd = random.Random(42)
    tmp = tempfile.mkdtemp(prefix="airlock-crash-")
    j = lambda *p: os.path.join(tmp, *p)
    env = dict(os.environ)
    env.pop("AIRLOCK_TRUSTED_KEYS", None)
    db = j("db")
    env["AIRLOCK_DB_DIR"] = db
    run([DBBUILD, "keygen", "-W", "-p", j("k.pub"), "-s", j("k.key")])
    make_lmdb(j("a.mdb"), 8, 1)
    make_lmdb(j("b.mdb"), 10, 2)
    make_snapshot(j("a.snap"), j("a.mdb"), 1000, j("k.key"))
    make_snapshot(j("b.snap"), j("b.mdb"), 2000, j("k.key"))
    imp = lambda snap: [AIRLOCK, "db", "import", snap, "--trusted-key", j("k.pub"), "--allow-downgrade"]
    verify = [AIRLOCK, "db", "verify", "--trusted-key", j("k.pub")]

    r = run(imp(j("a.snap")), env=env)
    assert r.returncode == 0, r.stderr
    t0 = time.monotonic()
    r = run(imp(j("b.snap")), env=env)
    duration = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    print(f"one import takes {duration:.3f} s")

    # SIGKILL at random moments; the database is always the old or the new one.
    # A kill counts as landed when it left a half-done import behind: a
    # snapshot directory still in staging/ (extracting), a current.tmp link
    # or a new directory in snapshots/ (publishing, not yet pruned). Kills
    # before the import touched the database, or after it ended, check
    # nothing about crash safety: at least LANDED_FLOOR must land.
    LANDED_FLOOR = 5
    current = 2000
    outcomes = {"old": 0, "new": 0}
    where = {"ended first": 0, "before writing": 0, "extracting": 0, "publishing": 0}
    # Bounded in time, but at least 6 kills and LANDED_FLOOR landed ones
    # even on a loaded machine, up to 60 kills.
    deadline = time.monotonic() + 6
    kills = 0
    landed = lambda: where["extracting"] + where["publishing"]
    leftovers = lambda: {"staging": set(os.listdir(j("db", "staging"))),
                         "snapshots": set(os.listdir(j("db", "snapshots"))),
                         "links": {n for n in os.listdir(db) if n.startswith("current.tmp")}}
    while kills < 60 and ((kills < 30 and time.monotonic() < deadline) or kills < 6
                          or landed() < LANDED_FLOOR):
        target, seq = (j("a.snap"), 1000) if current == 2000 else (j("b.snap"), 2000)
        before = leftovers()
        p = subprocess.Popen(imp(target), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rnd.uniform(0, duration * 1.1))
        p.send_signal(signal.SIGKILL)
        p.wait()
        kills += 1
        # Only what this import left counts: earlier kills' leftovers stay
        # until an import cleans them, and their names are unique.
        after = leftovers()
        new = {k: v - before[k] for k, v in after.items()}
        if p.returncode != -signal.SIGKILL:
            where["ended first"] += 1
        elif new["staging"]:
            where["extracting"] += 1
        elif new["links"] or (new["snapshots"] and len(after["snapshots"]) > 2):  # not pruned
            where["publishing"] += 1
        else:
            where["before writing"] += 1
        r = run(verify, env=env)
        check(r.returncode == 0, f"kill {kills}: db verify passes: {r.stderr.strip()}")
        got = 2000 if "sequence 2000" in r.stdout else 1000 if "sequence 1000" in r.stdout else None
        check(got in (current, seq), f"kill {kills}: database is the old or the new one ({r.stdout.strip()})")
        outcomes["new" if got == seq and got != current else "old"] += 1
        if got is not None:
            current = got
    print(f"{kills} kills: {outcomes}; where they landed: {where}")
    check(kills >= 6, "enough kills")
    check(landed() >= LANDED_FLOOR,
          f"only {landed()} of {kills} kills landed while an import was writing (floor {LANDED_FLOOR})")

    # A later import cleans up what killed ones left.
    target = j("a.snap") if current == 2000 else j("b.snap")
    r = run(imp(target), env=env)
    check(r.returncode == 0, "an import after the kills succeeds: " + r.stderr.strip())
    check(os.listdir(j("db", "staging")) == [], "staging/ is empty after a completed import")
    check(len(os.listdir(j("db", "snapshots"))) <= 2, "at most the current and previous snapshots are kept")
    check(not [n for n in os.listdir(db) if n.startswith("current.tmp")], "no stale current.tmp links")

    # Readers during imports always see a complete, verified database.
    readers_ok = readers = 0
    for k in range(2):
        target = j("a.snap") if k % 2 else j("b.snap")
        p = subprocess.Popen(imp(target), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while p.poll() is None:
            r = run([AIRLOCK, "db", "status"], env=env)
            readers += 1
            readers_ok += r.returncode == 0
        check(p.returncode == 0, "import with concurrent readers succeeds")
    check(readers > 0 and readers_ok == readers, f"readers during imports: {readers_ok}/{readers} ok")

    # Two imports at once are serialised by the lock; both succeed.
    ps = [subprocess.Popen(imp(j(s)), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
          for s in ("a.snap", "b.snap")]
    codes = [p.wait() for p in ps]
    check(codes == [0, 0], f"two concurrent imports both succeed: {codes}")
    check(run(verify, env=env).returncode == 0, "db verify after concurrent imports")

    shutil.rmtree(tmp)
    print(f"{checks - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
