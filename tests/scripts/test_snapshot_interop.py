#!/usr/bin/python3
"""Interoperability of Airlock's snapshots with stock minisign, zstd and
mdb_stat, both ways: stock tools accept what airlock-dbbuild writes, and
airlock accepts snapshots signed by stock minisign with a minisign-made key
when the trusted comment carries the required fields (and says what is
missing when it does not)."""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

AIRLOCK = os.environ.get("AIRLOCK_BIN")
DBBUILD = os.environ.get("AIRLOCK_DBBUILD_BIN")
failures = checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def make_container(path, line, data_path):
    """An Airlock snapshot made without Airlock: header frame + zstd(1)."""
    hdr = b"AIRLOCK1" + line.encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<II", 0x184D2A5A, len(hdr)) + hdr)
        f.write(subprocess.run(["zstd", "-q", "-c", data_path], capture_output=True).stdout)


def main():
    for tool in ("minisign", "zstd", "mdb_stat", "b2sum"):
        if shutil.which(tool) is None:
            print(f"skip: {tool} is not installed")
            return 77
    if not AIRLOCK or not DBBUILD:
        print("skip: AIRLOCK_BIN / AIRLOCK_DBBUILD_BIN not set")
        return 77
    tmp = tempfile.mkdtemp(prefix="airlock-interop-")
    env = dict(os.environ)
    env.pop("AIRLOCK_TRUSTED_KEYS", None)
    env["SOURCE_DATE_EPOCH"] = "1700000000"
    j = lambda *p: os.path.join(tmp, *p)
    src = j("src.json")
    with open(src, "w") as f:
        f.write("{}\n")

    # 1. Stock minisign key (-W) -> airlock-dbbuild build -> stock minisign -V.
    r = run(["minisign", "-G", "-W", "-p", j("m.pub"), "-s", j("m.key")])
    check(r.returncode == 0, "minisign -G -W makes a key")
    r = run([DBBUILD, "build", "-s", j("m.key"), "-o", j("a.snap"), "--sequence", "10", src], env=env)
    check(r.returncode == 0, "airlock-dbbuild build signs with a minisign-made key: " + r.stderr.strip())
    r = run(["minisign", "-Vm", j("a.snap"), "-p", j("m.pub")])
    check(r.returncode == 0 and "sequence=10" in r.stdout, "stock minisign -V accepts the snapshot")

    # 2. zstd -dc | mdb_stat works, and the digest in the trusted comment is b2sum's.
    with open(j("data.mdb"), "wb") as out:
        r = subprocess.run(["zstd", "-dc", j("a.snap")], stdout=out)
    check(r.returncode == 0, "zstd -dc decompresses the snapshot")
    r = run(["mdb_stat", "-n", j("data.mdb")])
    check(r.returncode == 0 and "Entries" in r.stdout, "mdb_stat -n reads the data file")
    b2 = run(["b2sum", j("data.mdb")]).stdout.split()[0]
    sig = open(j("a.snap.minisig")).read()
    m = re.search(r"db_blake2b=([0-9a-f]{128})", sig)
    check(m is not None and m.group(1) == b2, "trusted comment's db_blake2b equals b2sum of the data")
    size = os.path.getsize(j("data.mdb"))
    check(f"db_size={size}" in sig, "trusted comment's db_size equals the data size")
    # The compressed part is exactly what stock zstd -9 makes of the data, with
    # one thread or three: anyone can rebuild it, on any machine.
    snap = open(j("a.snap"), "rb").read()
    payload = snap[8 + struct.unpack("<I", snap[4:8])[0]:]
    for threads in ("-T1", "-T3"):
        z = subprocess.run(["zstd", "-q", "-9", threads, "-c", j("data.mdb")], capture_output=True).stdout
        check(z == payload, f"the snapshot's zstd stream equals zstd -9 {threads} of the data")
    fb2 = run(["b2sum", j("a.snap")]).stdout.split()[0]

    # 3. airlock imports it with the minisign public key.
    db = j("db")
    r = run([AIRLOCK, "--db-dir", db, "db", "import", j("a.snap"), "--trusted-key", j("m.pub")], env=env)
    check(r.returncode == 0, "airlock imports a snapshot signed with a minisign key: " + r.stderr.strip())
    r = run([AIRLOCK, "--db-dir", db, "db", "status", "--format", "json"], env=env)
    check(r.returncode == 0 and fb2 in r.stdout, "db status shows the snapshot's b2sum")
    keyid = open(j("m.pub")).readline().split()[-1]
    check(keyid in r.stdout, "db status shows the key id as minisign prints it")

    # 4. Airlock's own key (-W), signed by stock minisign with a proper trusted comment.
    r = run([DBBUILD, "keygen", "-W", "-p", j("k.pub"), "-s", j("k.key")])
    check(r.returncode == 0, "airlock-dbbuild keygen -W")
    check(oct(os.stat(j("k.key")).st_mode & 0o777) == "0o600", "secret key has mode 0600")
    r = run([DBBUILD, "keygen", "-W", "-p", j("k.pub"), "-s", j("k.key")])
    check(r.returncode == 2 and "already exists" in r.stderr, "keygen refuses to overwrite without -f")
    old_key = open(j("k.key")).read()
    r = run([DBBUILD, "keygen", "-W", "-f", "-p", j("k.pub"), "-s", j("k.key")])
    check(r.returncode == 0 and open(j("k.key")).read() != old_key, "keygen -f overwrites")
    check(oct(os.stat(j("k.key")).st_mode & 0o777) == "0o600", "an overwritten secret key keeps mode 0600")
    r = run(["minisign", "-Vm", j("a.snap"), "-p", j("k.pub")])
    check(r.returncode != 0, "stock minisign rejects the snapshot with another key")
    comment = re.search(r"^trusted comment: (.*)$", sig, re.M).group(1)
    comment = comment.replace("sequence=10", "sequence=20")
    make_container(j("b.snap"), comment, j("data.mdb"))
    r = run(["minisign", "-S", "-s", j("k.key"), "-m", j("b.snap"), "-t", comment])
    check(r.returncode == 0, "stock minisign signs with an airlock-made key")
    r = run(["minisign", "-Vm", j("b.snap"), "-p", j("k.pub")])
    check(r.returncode == 0, "stock minisign verifies with an airlock-made public key")
    r = run([AIRLOCK, "--db-dir", db, "db", "import", j("b.snap"), "--trusted-key", j("k.pub"),
             "--trusted-key", j("m.pub")], env=env)
    check(r.returncode == 0 and "sequence 20" in r.stdout,
          "airlock imports a stock-minisign signature: " + r.stderr.strip())

    # 5. Stock minisign's default trusted comment lacks the fields: say what is missing.
    shutil.copy(j("a.snap"), j("c.snap"))
    run(["minisign", "-S", "-s", j("m.key"), "-m", j("c.snap")])
    r = run([AIRLOCK, "--db-dir", db, "db", "import", j("c.snap"), "--trusted-key", j("m.pub")], env=env)
    check(r.returncode == 2 and "missing format, sequence, build_time, db_size, db_blake2b" in r.stderr,
          "a default minisign comment is rejected naming the missing fields: " + r.stderr.strip())
    shutil.copy(j("a.snap"), j("d.snap"))
    run(["minisign", "-S", "-s", j("m.key"), "-m", j("d.snap"), "-t",
         re.sub(r" db_size=\d+", "", comment).replace("sequence=20", "sequence=30")])
    r = run([AIRLOCK, "--db-dir", db, "db", "import", j("d.snap"), "--trusted-key", j("m.pub")], env=env)
    check(r.returncode == 2 and "missing db_size" in r.stderr, "a comment without db_size is rejected")

    # 6. An independently made container (Python + zstd CLI + stock minisign).
    line = comment.replace("sequence=20", "sequence=40")
    make_container(j("e.snap"), line, j("data.mdb"))
    run(["minisign", "-S", "-s", j("m.key"), "-m", j("e.snap"), "-t", line])
    r = run([AIRLOCK, "--db-dir", db, "db", "import", j("e.snap"), "--trusted-key", j("m.pub")], env=env)
    check(r.returncode == 0 and "sequence 40" in r.stdout,
          "a container made with zstd(1) and minisign(1) imports: " + r.stderr.strip())
    r = run([AIRLOCK, "--db-dir", db, "db", "verify", "--trusted-key", j("m.pub")], env=env)
    check(r.returncode == 0, "db verify passes")

    # A signed comment that disagrees with the container's header frame.
    shutil.copy(j("a.snap"), j("f.snap"))
    run(["minisign", "-S", "-s", j("m.key"), "-m", j("f.snap"), "-t",
         comment.replace("sequence=20", "sequence=50")])
    r = run([AIRLOCK, "--db-dir", db, "db", "import", j("f.snap"), "--trusted-key", j("m.pub")], env=env)
    check(r.returncode == 2 and "does not match the signed trusted comment" in r.stderr,
          "a header frame that disagrees with the trusted comment is rejected")

    # 7. Reproducible: SOURCE_DATE_EPOCH gives byte-identical snapshot and signature.
    run([DBBUILD, "build", "-s", j("k.key"), "-o", j("r1.snap"), j("src.json")], env=env)
    os.utime(src, (1, 1))
    run([DBBUILD, "build", "-s", j("k.key"), "-o", j("r2.snap"), j("src.json")], env=env)
    same = all(open(j("r1" + s), "rb").read() == open(j("r2" + s), "rb").read()
               for s in (".snap", ".snap.minisig"))
    check(same, "two builds with SOURCE_DATE_EPOCH are byte-identical")
    check("sequence=1700000000" in open(j("r1.snap.minisig")).read(),
          "--sequence defaults to the build time")

    # 8. inspect prints the metadata and verifies with -p.
    r = run([DBBUILD, "inspect", j("a.snap"), "-p", j("m.pub")])
    check(r.returncode == 0 and "verified:        yes" in r.stdout and keyid in r.stdout,
          "airlock-dbbuild inspect verifies and shows the key id")
    r = run([DBBUILD, "inspect", j("a.snap"), "-p", j("k.pub")])
    check(r.returncode == 2, "inspect with the wrong key fails")

    shutil.rmtree(tmp)
    print(f"{checks - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
