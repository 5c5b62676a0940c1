#!/usr/bin/python3
"""Benchmark of `airlock scan` on a 5,000-distribution site-packages against
the full PyPA advisory database, with its floors measured in the same run:

  floor   a minimal C loop that opens and reads every METADATA file
          (bench_scan floor); target: scan <= 2x floor
  python  /usr/bin/python3 -c listing the same distributions with
          importlib.metadata; target: scan >= 10x faster
  lookup  one package look-up (a miss, urllib3 1.26.12 with 2 advisories
          decoded); target: < 20 us. Django 4.2.1 (15 advisories) is shown too
  memory  max RSS of the scan; target: < 64 MiB

Usage: bench/bench_scan.py [BUILD_DIR]   (default build/release)
Needs ../shared/data/pypa-advisory-database. Each timing is the best of 5
runs after a warm-up, so the page cache is warm for every contender.
"""
import os
import random
import re
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build", "release")
AIRLOCK = os.path.join(BUILD, "airlock")
DBBUILD = os.path.join(BUILD, "airlock-dbbuild")
BENCH = os.path.join(BUILD, "bench_scan")
PYPA = os.path.join(SRC, "..", "shared", "data", "pypa-advisory-database")
N = 5000
RUNS = 5


def generate(sp):
    """N distributions from the inventory benchmark's generator (realistic
    METADATA sizes), the first of them renamed after every advised package
    at a spread of versions, so that look-ups hit as well as miss."""
    subprocess.run([sys.executable, os.path.join(SRC, "bench", "gen_sitepackages.py"), sp,
                    str(N)], check=True, stdout=subprocess.DEVNULL)
    names = sorted(n for n in os.listdir(PYPA) if os.path.isdir(os.path.join(PYPA, n)))
    dists = sorted(d for d in os.listdir(sp) if d.endswith(".dist-info"))
    rnd = random.Random(1)
    for name, d in zip(names, dists):
        path = os.path.join(sp, d, "METADATA")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        ver = f"{rnd.randint(0, 5)}.{rnd.randint(0, 20)}.{rnd.randint(0, 9)}"
        text = re.sub(r"^Name: .*$", f"Name: {name}", text, count=1, flags=re.M)
        text = re.sub(r"^Version: .*$", f"Version: {ver}", text, count=1, flags=re.M)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def best(cmd):
    """(min CPU seconds (user+sys), min wall seconds, max RSS KiB, last stdout) over
    RUNS runs after a warm-up. CPU time is the fair measure on a shared,
    loaded machine; wall time is printed too."""
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu, wall, rss, out = [], [], 0, b""
    for _ in range(RUNS):
        t0 = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        wall.append(time.perf_counter() - t0)
        cpu.append(usage.ru_utime + usage.ru_stime)
        rss = max(rss, usage.ru_maxrss)
        child.stdout.close()
        child.returncode = os.waitstatus_to_exitcode(status)
    return min(cpu), min(wall), rss, out, child.returncode


def main():
    if not os.path.isdir(PYPA):
        print("skipped: no", PYPA)
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        sp = os.path.join(tmp, "site-packages")
        os.mkdir(sp)
        generate(sp)
        key, pub = os.path.join(tmp, "k.key"), os.path.join(tmp, "k.pub")
        subprocess.run([DBBUILD, "keygen", "-W", "-p", pub, "-s", key], check=True,
                       stdout=subprocess.DEVNULL)
        snap = os.path.join(tmp, "pypa.snapshot")
        subprocess.run([DBBUILD, "build", "-s", key, "-o", snap, PYPA], check=True,
                       stderr=subprocess.DEVNULL)
        db = os.path.join(tmp, "db")
        subprocess.run([AIRLOCK, "--db-dir", db, "db", "import", snap, "--trusted-key", pub],
                       check=True, stdout=subprocess.DEVNULL)

        scan = [AIRLOCK, "--db-dir", db, "scan", "--no-python", "--path", sp]
        c_table, w_table, rss_table, _, rc = best(scan)
        c_json, w_json, rss_json, out, rc_json = best(scan + ["--format", "json"])
        if rc not in (0, 1) or rc_json not in (0, 1):
            print("scan failed with status", rc, rc_json)
            return 1
        import json
        summary = json.loads(out)["summary"]
        c_floor, w_floor, _, _, _ = best([BENCH, "floor", sp])
        c_py, w_py, _, _, _ = best(["/usr/bin/python3", "-c",
                                    "import importlib.metadata as m\n"
                                    f"for d in m.distributions(path=[{sp!r}]):\n"
                                    "    print(d.metadata['Name'], d.version)"])
        mdb = os.path.join(db, "current", "data.mdb")
        out = subprocess.run([BENCH, "lookup", mdb, "20000"], capture_output=True, text=True,
                             check=True).stdout
        lookups = {ln.split()[1]: (float(ln.split()[2]), int(ln.split()[3]))
                   for ln in out.splitlines()}

    print(f"distributions: {summary['dependencies']} ({summary['vulnerable']} vulnerable, "
          f"{summary['vulnerabilities']} findings)")
    print("                                     CPU ms   wall ms")
    for label, c, w in (("floor: C loop reading every METADATA", c_floor, w_floor),
                        ("airlock scan (table)", c_table, w_table),
                        ("airlock scan --format json", c_json, w_json),
                        ("python3 importlib.metadata listing", c_py, w_py)):
        print(f"  {label:<36} {c * 1000:7.1f} {w * 1000:9.1f}")
    print(f"ratio scan/floor (CPU): table {c_table / c_floor:.2f}x, json {c_json / c_floor:.2f}x"
          f" (target <= 2)   wall: {w_table / w_floor:.2f}x, {w_json / w_floor:.2f}x")
    print(f"speed-up over importlib.metadata (CPU): table {c_py / c_table:.1f}x, json "
          f"{c_py / c_json:.1f}x (target >= 10)   wall: {w_py / w_table:.1f}x, {w_py / w_json:.1f}x")
    for case, (us, hits) in lookups.items():
        print(f"look-up {case}: {us:.2f} us ({hits} hits)")
    print(f"max RSS: table {rss_table / 1024:.1f} MiB, json {rss_json / 1024:.1f} MiB (target < 64)")
    # "One package look-up": a miss and a typical hit; the Django case (15
    # advisories decoded with all their text) is printed for information.
    worst_lookup = max(lookups["miss"][0], lookups["urllib3-1.26.12"][0])
    ok = (c_table <= 2 * c_floor and c_py >= 10 * c_table and worst_lookup < 20 and
          max(rss_table, rss_json) < 64 * 1024)
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
