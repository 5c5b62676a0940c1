#!/usr/bin/python3
"""Benchmark: `airlock db import` of a large snapshot against the floor of
`minisign -V` plus `zstd -d` of the same file, measured in the same run.

usage: bench_import.py BUILD_DIR [MEGABYTES]
       bench_import.py BUILD_DIR --snapshot SNAPSHOT PUBKEY [ROUNDS]

Makes a random-ish LMDB of MEGABYTES (default 128) with mdb_load, wraps it as
a signed snapshot (header frame + zstd -9 + stock minisign), then times each
side in interleaved rounds (best and median of 5). Goal: import within 1.3x of the floor. The import also
hashes the decompressed database (BLAKE2b-512) and fsyncs it, which the
floor does not. With AIRLOCK_BENCH_KEEP set, the snapshot and key are kept
for profiling.

With --snapshot, an existing signed snapshot (SNAPSHOT.minisig beside it,
made by airlock-dbbuild, e.g. of the PyPA database) is imported instead, in
ROUNDS rounds (default 11). The durable floor (zstd -d, then fdatasync of
its output) is the honest one: the import must make its database durable
before installing it, and with small databases that wait is most of the
time. The database directory is removed before each round, so every round is
a first import (mkdir of the directory tree included). With
AIRLOCK_BENCH_BASELINE set to another build directory, its airlock is timed
in the same rounds too (before/after of a change)."""
import hashlib
import os
import random
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time


def make_lmdb(path, megabytes):
    rnd = random.Random(7)
    words = [bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(3, 12)))
             for _ in range(2000)]
    with tempfile.NamedTemporaryFile("w", suffix=".dump", delete=False) as f:
        f.write("VERSION=3\nformat=bytevalue\ntype=btree\nmapsize=%d\nHEADER=END\n" % (megabytes * 3 << 20))
        for i in range(megabytes * 1100):
            key = b"package-%07d" % i
            val = rnd.randbytes(64) + b" ".join(rnd.choice(words) for _ in range(120))
            f.write(" %s\n %s\n" % (key.hex(), val.hex()))
        f.write("DATA=END\n")
        dump = f.name
    subprocess.run(["mdb_load", "-n", "-f", dump, path], check=True)
    os.unlink(dump)


ROUNDS = 5


def timed(args, before=None):
    """Wall and CPU (user + sys) seconds of one run. Each run starts with no
    dirty pages: otherwise a run pays for writing back the previous run's
    output (the import fsyncs its own, the floor leaves 0.5-1 GB dirty)."""
    if before:
        before()
    os.sync()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    build = sys.argv[1]
    if len(sys.argv) > 2 and sys.argv[2] == "--snapshot":
        return existing(build, sys.argv[3], sys.argv[4],
                        int(sys.argv[5]) if len(sys.argv) > 5 else 11)
    mb = int(sys.argv[2]) if len(sys.argv) > 2 else 128
    airlock = os.path.join(build, "airlock")
    tmp = tempfile.mkdtemp(prefix="airlock-bench-")
    j = lambda *p: os.path.join(tmp, *p)
    make_lmdb(j("data.mdb"), mb)
    data = open(j("data.mdb"), "rb").read()
    line = ("airlock-snapshot format=1 sequence=1 build_time=%d db_size=%d db_blake2b=%s"
            % (int(time.time()), len(data), hashlib.blake2b(data).hexdigest()))
    del data
    hdr = b"AIRLOCK1" + line.encode()
    with open(j("big.snap"), "wb") as f:
        f.write(struct.pack("<II", 0x184D2A5A, len(hdr)) + hdr)
        f.flush()
        subprocess.run(["zstd", "-q", "-9", "-T0", "-c", j("data.mdb")], stdout=f, check=True)
    subprocess.run(["minisign", "-G", "-W", "-p", j("k.pub"), "-s", j("k.key")], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["minisign", "-S", "-s", j("k.key"), "-m", j("big.snap"), "-t", line], check=True,
                   stdout=subprocess.DEVNULL)
    db_mb = os.path.getsize(j("data.mdb")) / 1e6
    snap_mb = os.path.getsize(j("big.snap")) / 1e6
    os.unlink(j("data.mdb"))

    # Interleaved rounds, so that a change in the machine's load falls on
    # the floor and the import alike; best and median of ROUNDS are shown.
    verify, unzstd, durable, imp, ratios = [], [], [], [], []
    for _ in range(ROUNDS):
        verify.append(timed(["minisign", "-q", "-Vm", j("big.snap"), "-p", j("k.pub")]))
        # Both sides write a new file after the previous one was deleted
        # (deleting 500 MB and writing it again costs more than overwriting
        # on some disks: ext4 with online discard, as here).
        unzstd.append(timed(["zstd", "-q", "-d", j("big.snap"), "-o", j("out.mdb")],
                            before=lambda: os.path.exists(j("out.mdb")) and os.unlink(j("out.mdb"))))
        # The import must also make the database durable; this shows what
        # that costs the floor on the same disk.
        durable.append(timed(["sh", "-c", 'zstd -q -d "$1" -o "$2" && sync -d "$2"', "sh",
                              j("big.snap"), j("out.mdb")],
                             before=lambda: os.path.exists(j("out.mdb")) and os.unlink(j("out.mdb"))))
        imp.append(timed([airlock, "--db-dir", j("db"), "db", "import", j("big.snap"),
                          "--trusted-key", j("k.pub")],
                         before=lambda: shutil.rmtree(j("db"), ignore_errors=True)))
        ratios.append(imp[-1][0] / (verify[-1][0] + unzstd[-1][0]))
    t_open = min(timed([airlock, "--db-dir", j("db"), "db", "verify", "--trusted-key", j("k.pub")])
                 for _ in range(3))[0]
    if os.environ.get("AIRLOCK_BENCH_KEEP"):
        print(f"kept in {tmp} (big.snap, k.pub) for profiling")
    else:
        shutil.rmtree(tmp)
    print(f"database {db_mb:.1f} MB, snapshot {snap_mb:.1f} MB (zstd -9)")
    t_verify, t_zstd, t_import = min(verify)[0], min(unzstd)[0], min(imp)[0]
    floor = t_verify + t_zstd
    print(f"floor (best of {ROUNDS}): minisign -V {t_verify:.3f} s + zstd -d {t_zstd:.3f} s = {floor:.3f} s")
    print(f"airlock db import (best of {ROUNDS}): {t_import:.3f} s  ratio {t_import / floor:.2f}x; "
          f"median of the per-round ratios {statistics.median(ratios):.2f}x (goal <= 1.3x)")
    print("per round, floor -> import: " + ", ".join(
        f"{v[0] + z[0]:.2f} -> {i[0]:.2f}" for v, z, i in zip(verify, unzstd, imp)))
    t_durable = min(durable)[0]
    print(f"durable floor (best of {ROUNDS}): minisign -V + zstd -d + fdatasync = "
          f"{t_verify + t_durable:.3f} s; import {t_import / (t_verify + t_durable):.2f}x that")
    cpu_floor = min(verify)[1] + min(unzstd)[1]
    cpu_import = min(imp)[1]
    print(f"cpu time: floor {cpu_floor:.3f} s, import {cpu_import:.3f} s "
          f"(ratio {cpu_import / cpu_floor:.2f}x; the import also hashes the output and fsyncs it)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"airlock db verify (re-hash of the installed database): {t_open:.3f} s")
    return 0


def existing(build, snap, pub, rounds):
    """Interleaved rounds on an existing snapshot; medians of wall and CPU."""
    airlock = os.path.join(build, "airlock")
    tmp = tempfile.mkdtemp(prefix="airlock-bench-")
    out, db = os.path.join(tmp, "out.mdb"), os.path.join(tmp, "db")
    rm_out = lambda: os.path.exists(out) and os.unlink(out)
    base = os.environ.get("AIRLOCK_BENCH_BASELINE")
    verify, unzstd, durable, imp, old = [], [], [], [], []
    for _ in range(rounds):
        if base:
            old.append(timed([os.path.join(base, "airlock"), "--db-dir", db, "db", "import", snap,
                              "--trusted-key", pub],
                             before=lambda: shutil.rmtree(db, ignore_errors=True)))
        verify.append(timed(["minisign", "-q", "-Vm", snap, "-p", pub]))
        unzstd.append(timed(["zstd", "-q", "-d", snap, "-o", out], before=rm_out))
        durable.append(timed(["sh", "-c", 'zstd -q -d "$1" -o "$2" && sync -d "$2"', "sh",
                              snap, out], before=rm_out))
        imp.append(timed([airlock, "--db-dir", db, "db", "import", snap, "--trusted-key", pub],
                         before=lambda: shutil.rmtree(db, ignore_errors=True)))
    shutil.rmtree(tmp)
    med = lambda runs, k: statistics.median(r[k] for r in runs)
    f_plain = med(verify, 0) + med(unzstd, 0)
    f_durable = med(verify, 0) + med(durable, 0)
    t_imp = med(imp, 0)
    print(f"snapshot {os.path.getsize(snap) / 1e6:.2f} MB, {rounds} interleaved rounds, medians")
    print(f"floor: minisign -V {med(verify, 0) * 1e3:.1f} ms + zstd -d {med(unzstd, 0) * 1e3:.1f} ms"
          f" = {f_plain * 1e3:.1f} ms; with fdatasync of zstd's output (zstd -d && sync -d) "
          f"{f_durable * 1e3:.1f} ms")
    print(f"airlock db import: {t_imp * 1e3:.1f} ms wall, {med(imp, 1) * 1e3:.1f} ms CPU; "
          f"{t_imp / f_plain:.2f}x the floor, {t_imp / f_durable:.2f}x the durable floor "
          f"(goal <= 1.3x)")
    if old:
        print(f"baseline {base}: {med(old, 0) * 1e3:.1f} ms wall, {med(old, 1) * 1e3:.1f} ms CPU; "
              f"{med(old, 0) / f_plain:.2f}x the floor, {med(old, 0) / f_durable:.2f}x the "
              f"durable floor")
    print(f"cpu: floor {(med(verify, 1) + med(unzstd, 1)) * 1e3:.1f} ms, "
          f"import {med(imp, 1) * 1e3:.1f} ms")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
