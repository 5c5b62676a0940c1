#!/usr/bin/python3
"""Benchmark: what release data (`airlock-dbbuild build --index`) adds to a
snapshot, in bytes per 1,000 projects, and to the build's time, against the
floor of the same build without --index, measured in the same run.

usage: bench_index_size.py BUILD_DIR [RELEASES]

Pages come from bench/gen_index_pages.py over the real lockfiles in
../shared/data/lockfiles-real: first as locked (real file names, hashes and
upload times, few releases a project), then with RELEASES releases a
project (default 40) made from each project's real file set. The advisory
source is the PyPA database in ../shared (JSON zip). Sizes are exact; times
are medians of 3 interleaved runs on a shared, noisy machine."""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "data")


def build(dbbuild, key, out, pypa, index=None):
    if os.path.exists(out):
        os.unlink(out)
        os.unlink(out + ".minisig")
    args = [dbbuild, "build", "-s", key, "-o", out]
    if index:
        args += ["--index", index]
    t = time.monotonic()
    p = subprocess.run(args + [pypa], capture_output=True, text=True,
                       env=dict(os.environ, SOURCE_DATE_EPOCH="1700000000"))
    t = time.monotonic() - t
    if p.returncode != 0:
        sys.exit(p.stderr)
    db = int(re.search(r"database (\d+) bytes", p.stderr).group(1))
    m = re.search(r"release data: (\d+) projects, (\d+) releases, (\d+) files", p.stderr)
    counts = tuple(int(x) for x in m.groups()) if m else (0, 0, 0)
    return t, db, os.path.getsize(out), counts


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    bdir = sys.argv[1]
    releases = int(sys.argv[2]) if len(sys.argv) == 3 else 40
    dbbuild = os.path.join(bdir, "airlock-dbbuild")
    pypa = os.path.join(SHARED, "pypa-advisory-database-osv-json.zip")
    locks = os.path.join(SHARED, "lockfiles-real")
    if not os.path.exists(pypa) or not os.path.isdir(locks):
        print("skipped: ../shared/data is absent")
        sys.exit(77)
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "k.sec")
        subprocess.run([dbbuild, "keygen", "-W", "-p", os.path.join(tmp, "k.pub"), "-s", key],
                       check=True, capture_output=True)
        gen = os.path.join(HERE, "gen_index_pages.py")
        sets = {"as locked": os.path.join(tmp, "real"),
                "%d releases a project" % releases: os.path.join(tmp, "many")}
        subprocess.run([sys.executable, gen, locks, sets["as locked"]], check=True,
                       capture_output=True)
        subprocess.run([sys.executable, gen, locks, sets["%d releases a project" % releases],
                        str(releases)], check=True, capture_output=True)
        times = {name: [] for name in ["floor"] + list(sets)}
        sizes = {}
        for _ in range(3):
            t, db, snap, _c = build(dbbuild, key, os.path.join(tmp, "floor.snap"), pypa)
            times["floor"].append(t)
            sizes["floor"] = (db, snap, (0, 0, 0))
            for name, pages in sets.items():
                t, db, snap, counts = build(dbbuild, key, os.path.join(tmp, "idx.snap"), pypa, pages)
                times[name].append(t)
                sizes[name] = (db, snap, counts)
        fdb, fsnap, _ = sizes["floor"]
        floor_t = statistics.median(times["floor"])
        print("floor (PyPA, no --index): database %d bytes, snapshot %d bytes, build %.2f s"
              % (fdb, fsnap, floor_t))
        for name in sets:
            db, snap, (proj, rel, files) = sizes[name]
            k = 1000.0 / proj
            t = statistics.median(times[name])
            print("%s: %d projects, %d releases, %d files" % (name, proj, rel, files))
            print("  added per 1,000 projects: database %.0f KB, snapshot %.0f KB "
                  "(per release %.0f / %.0f B, per file %.1f / %.1f B)"
                  % ((db - fdb) * k / 1000, (snap - fsnap) * k / 1000, (db - fdb) / rel,
                     (snap - fsnap) / rel, (db - fdb) / files, (snap - fsnap) / files))
            print("  build %.2f s, %.2fx the floor" % (t, t / floor_t))


main()
