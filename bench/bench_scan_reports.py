#!/usr/bin/python3
"""Benchmark of `airlock scan` of the 5,000-distribution site-packages of
bench_scan.py against the PyPA database, in every report format, with its
floors measured in the same interleaved rounds (issue 17):

  floor   `bench_scan floor DIR`: a bare C loop that opens and reads the
          METADATA of every *.dist-info (the same bytes the scan reads, and
          nothing else); target: every format <= 1.5x floor
  python  the interpreter itself (realpath of /usr/bin/python3, -I -S: no
          launcher, no site) listing the same distributions with
          importlib.metadata; target: every format >= 10x faster
  memory  peak RSS of each format's scan (/usr/bin/time -f %M, max of 3
          runs outside the timed rounds: a child forked from this Python
          process would report Python's RSS); target: < 64 MiB

Usage: bench/bench_scan_reports.py [BUILD_DIR] [--before OTHER_BUILD_DIR]
       [--rounds N]
BUILD_DIR defaults to build/release. --before adds another build's
`airlock` (e.g. main's) to the same rounds, on the same database, and
prints its ratios beside. Each round runs every contender once, in a
shuffled order; a ratio is the median of the per-round ratios of wall-clock
times (the project's rule), CPU medians (user + sys) are printed beside, the
steadier figure on a shared machine. Each report goes to a regular file
(stdout redirected, as `airlock scan > report` does; the page cache
absorbs it), which is where reports are kept; "cyclonedx >/dev/null" is
the same scan with stdout not a regular file (a pipe, a terminal), where
the CycloneDX writer cannot fill in its serial number afterwards and
writes the BOM twice (report_cyclonedx.c).
Needs ../shared/data/pypa-advisory-database (exit 77 without it).
"""
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, "bench"))
import bench_scan  # noqa: E402  (the tree generator and the PyPA path)

FORMATS = ["table", "json", "sarif", "cyclonedx", "markdown", "html"]


def parse_args(argv):
    build = os.path.join(SRC, "build", "release")
    before, rounds = None, 15
    rest = list(argv)
    pos = []
    while rest:
        a = rest.pop(0)
        if a == "--before":
            before = rest.pop(0)
        elif a == "--rounds":
            rounds = int(rest.pop(0))
        else:
            pos.append(a)
    if pos:
        build = pos[0]
    return build, before, rounds


def run(cmd, out=None):
    """(wall s, cpu s, exit status) of one run, its output to /dev/null, or
    to the regular file `out` (truncated first) as `airlock scan > FILE`
    does."""
    sink = open(out, "wb") if out else subprocess.DEVNULL
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t0
    if out:
        sink.close()
    return wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def peak_rss(cmd):
    """Max RSS in KiB over 3 runs, as GNU time reports it."""
    peak = 0
    for _ in range(3):
        r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        peak = max(peak, int(r.stderr.strip().splitlines()[-1]))
    return peak


def main():
    build, before, rounds = parse_args(sys.argv[1:])
    pypa = bench_scan.PYPA
    if not os.path.isdir(pypa):
        print("skipped: no", pypa)
        return 77
    airlock = os.path.join(build, "airlock")
    dbbuild = os.path.join(build, "airlock-dbbuild")
    floor_bin = os.path.join(build, "bench_scan")
    python = os.path.realpath("/usr/bin/python3")
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        sp = os.path.join(tmp, "site-packages")
        os.mkdir(sp)
        bench_scan.generate(sp)
        key, pub = os.path.join(tmp, "k.key"), os.path.join(tmp, "k.pub")
        subprocess.run([dbbuild, "keygen", "-W", "-p", pub, "-s", key], check=True,
                       stdout=subprocess.DEVNULL)
        snap = os.path.join(tmp, "pypa.snapshot")
        subprocess.run([dbbuild, "build", "-s", key, "-o", snap, pypa], check=True,
                       stderr=subprocess.DEVNULL)
        db = os.path.join(tmp, "db")
        subprocess.run([airlock, "--db-dir", db, "db", "import", snap, "--trusted-key", pub],
                       check=True, stdout=subprocess.DEVNULL)

        contenders = {"floor": [floor_bin, "floor", sp],
                      "python": [python, "-I", "-S", "-c",
                                 "import importlib.metadata as m\n"
                                 f"for d in m.distributions(path=[{sp!r}]):\n"
                                 "    print(d.metadata['Name'], d.version)"]}
        builds = [("after", airlock)] + ([("before", os.path.join(before, "airlock"))]
                                         if before else [])
        outputs = {}
        for tag, binary in builds:
            for fmt in FORMATS + ["cyclonedx >/dev/null"]:
                contenders[(tag, fmt)] = [binary, "--db-dir", db, "scan", "--no-python",
                                          "--path", sp, "--format", fmt.split()[0]]
                if not fmt.endswith("/dev/null"):
                    outputs[(tag, fmt)] = os.path.join(tmp, "report." + fmt)
        summary = subprocess.run(contenders[("after", "json")], capture_output=True).stdout
        import json
        s = json.loads(summary)["summary"]

        wall = {k: [] for k in contenders}
        cpu = {k: [] for k in contenders}
        rss = {k: peak_rss(cmd) for k, cmd in contenders.items() if k not in ("floor", "python")}
        rnd = random.Random(17)
        for k, cmd in contenders.items():  # warm-up: page cache, database
            run(cmd, outputs.get(k))
        for _ in range(rounds):
            order = list(contenders)
            rnd.shuffle(order)
            for k in order:
                w, c, rc = run(contenders[k], outputs.get(k))
                if rc not in (0, 1):
                    print("failed:", contenders[k], "status", rc)
                    return 1
                wall[k].append(w)
                cpu[k].append(c)

    def ratio(k, base):  # median of per-round ratios
        return statistics.median(a / b for a, b in zip(wall[k], wall[base]))

    def med(v):
        return statistics.median(v) * 1000

    print(f"distributions: {s['dependencies']} ({s['vulnerable']} vulnerable, "
          f"{s['vulnerabilities']} findings); {rounds} interleaved rounds, medians")
    print(f"  floor (C loop reading every METADATA): {med(wall['floor']):7.1f} ms wall "
          f"{med(cpu['floor']):7.1f} ms CPU")
    print(f"  python -I -S importlib.metadata list:  {med(wall['python']):7.1f} ms wall "
          f"{med(cpu['python']):7.1f} ms CPU")
    print(f"  {'':20} {'wall ms':>8} {'CPU ms':>8} {'x floor':>8} {'CPU x':>6} "
          f"{'py/scan':>8} {'RSS MiB':>8}")
    ok = True
    for tag, _ in builds:
        for fmt in FORMATS + ["cyclonedx >/dev/null"]:
            k = (tag, fmt)
            r = ratio(k, "floor")
            cr = statistics.median(cpu[k]) / statistics.median(cpu["floor"])
            sp_up = 1 / ratio(k, "python")
            mib = rss[k] / 1024
            label = fmt if tag == "after" else f"{fmt} ({tag})"
            print(f"  {label:<20} {med(wall[k]):8.1f} {med(cpu[k]):8.1f} {r:7.2f}x {cr:5.2f}x "
                  f"{sp_up:7.1f}x {mib:8.1f}")
            if tag == "after" and (r > 1.5 or sp_up < 10 or mib >= 64):
                ok = False
    print("targets: <= 1.5x floor, >= 10x faster than python, < 64 MiB: " +
          ("all met" if ok else "MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
