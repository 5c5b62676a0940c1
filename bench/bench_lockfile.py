#!/usr/bin/python3
"""Benchmark of `airlock scan --lockfile` on the largest real lockfile we
hold, docling's uv.lock (1.95 MB, 10.7k lines, 389 packages), in every
report format, with its floors measured in the same rounds:

  floor   `cat FILE > /dev/null` plus `airlock scan -r EMPTY` in the same
          format (start-up, database open, an empty report);
          target: scan --lockfile <= 2x floor, for every format
  python  `python3 -I -c 'import tomllib; tomllib.load(open(F, "rb"))'`,
          the interpreter started directly, merely loading the file;
          target: the scan >= 10x faster, in every format

Usage: bench/bench_lockfile.py [BUILD_DIR] [--pypa]   (default build/release)
The database is built from examples/advisories (small), or with --pypa
from ../shared/data/pypa-advisory-database (real findings in the report).
Ratios are of wall-clock time (the project's rule for benchmarks): ROUNDS
interleaved rounds, each ratio the median of the per-round ratios. CPU
medians (user + sys of the child) are printed beside them, the steadier
figure on a shared machine.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
BUILD = ARGS[0] if ARGS else os.path.join(SRC, "build", "release")
PYPA_DB = "--pypa" in sys.argv
AIRLOCK = os.path.join(BUILD, "airlock")
DBBUILD = os.path.join(BUILD, "airlock-dbbuild")
SHARED = os.path.join(SRC, "..", "shared", "data")
LOCK = os.path.join(SHARED, "lockfiles-real", "uv.lock", "docling-project__docling__root",
                    "uv.lock")
PYPA = os.path.join(SHARED, "pypa-advisory-database")
FORMATS = ["table", "json", "sarif", "cyclonedx", "markdown", "html"]
ROUNDS = 11


def run(cmd, ok=(0,)):
    """CPU and wall seconds of one run (output to /dev/null)."""
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    if rc not in ok:
        sys.exit(f"{' '.join(cmd)}: exit status {rc}")
    return usage.ru_utime + usage.ru_stime, wall


def main():
    if not os.path.isfile(LOCK):
        print("skip: no", LOCK)
        return 77
    advisories = PYPA if PYPA_DB else os.path.join(SRC, "examples", "advisories")
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        key, pub = os.path.join(tmp, "k.key"), os.path.join(tmp, "k.pub")
        subprocess.run([DBBUILD, "keygen", "-W", "-p", pub, "-s", key], check=True,
                       stdout=subprocess.DEVNULL)
        snap = os.path.join(tmp, "db.snapshot")
        subprocess.run([DBBUILD, "build", "-s", key, "-o", snap, advisories], check=True,
                       stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        db = os.path.join(tmp, "db")
        subprocess.run([AIRLOCK, "--db-dir", db, "db", "import", snap, "--trusted-key", pub],
                       check=True, stdout=subprocess.DEVNULL)
        empty = os.path.join(tmp, "requirements.txt")
        open(empty, "w").close()
        scan = [AIRLOCK, "--db-dir", db, "scan", "--no-python"]
        python = ["/usr/bin/python3", "-I", "-c",
                  "import tomllib; tomllib.load(open(%r, 'rb'))" % LOCK]
        cat = ["cat", LOCK]  # stdout is /dev/null (run())
        # Warm-up: page cache, and a check that every command works.
        for fmt in FORMATS:
            run(scan + ["--lockfile", "uv:" + LOCK, "-f", fmt, "-o", "/dev/null"], ok=(0, 1))
            run(scan + ["-r", empty, "-f", fmt, "-o", "/dev/null"])
        run(python)
        t = {k: [] for k in ["cat", "python"] + [f"{p}.{f}" for p in ("lock", "empty")
                                                   for f in FORMATS]}
        ratios = {f: [] for f in FORMATS}
        for _ in range(ROUNDS):
            t["cat"].append(run(cat))
            for fmt in FORMATS:
                t[f"empty.{fmt}"].append(run(scan + ["-r", empty, "-f", fmt, "-o", "/dev/null"]))
                t[f"lock.{fmt}"].append(run(scan + ["--lockfile", "uv:" + LOCK, "-f", fmt,
                                                    "-o", "/dev/null"], ok=(0, 1)))
                floor = t["cat"][-1][1] + t[f"empty.{fmt}"][-1][1]
                ratios[fmt].append(t[f"lock.{fmt}"][-1][1] / floor)
            t["python"].append(run(python))

    med = {k: (statistics.median(c for c, _ in v), statistics.median(w for _, w in v))
           for k, v in t.items()}
    size = os.path.getsize(LOCK)
    print(f"{os.path.relpath(LOCK, SHARED)}: {size / 1e6:.2f} MB; database: "
          f"{'PyPA' if PYPA_DB else 'examples/advisories'}; {ROUNDS} interleaved rounds, "
          "medians")
    print(f"cat > /dev/null: {med['cat'][0] * 1000:.1f} ms CPU, {med['cat'][1] * 1000:.1f} ms "
          "wall")
    print(f"python3 -I tomllib.load: {med['python'][0] * 1000:.1f} ms CPU, "
          f"{med['python'][1] * 1000:.1f} ms wall")
    print()
    print(f"{'format':<10} {'floor ms':>9} {'scan ms':>8} {'ratio':>6} "
          f"{'(CPU ms)':>16} {'vs tomllib':>10}")
    ok = True
    for fmt in FORMATS:
        floor_wall = med["cat"][1] + med[f"empty.{fmt}"][1]
        floor_cpu = med["cat"][0] + med[f"empty.{fmt}"][0]
        lock = med[f"lock.{fmt}"]
        ratio = statistics.median(ratios[fmt])
        speedup = med["python"][1] / lock[1]
        print(f"{fmt:<10} {floor_wall * 1000:9.1f} {lock[1] * 1000:8.1f} {ratio:5.2f}x "
              f"{floor_cpu * 1000:7.1f} -> {lock[0] * 1000:5.1f} {speedup:9.1f}x")
        ok = ok and ratio <= 2 and speedup >= 10
    print()
    print("targets: ratio <= 2x and >= 10x faster than tomllib, for every format")
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
