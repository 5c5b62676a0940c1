#!/usr/bin/python3
"""Benchmark of `airlock scan --wheelhouse DIR` against its floor, measured
in the same rounds:

  floor   `sha256sum` of every archive (reading the bytes and hashing them
          once, what any integrity check must do) plus `airlock scan -r
          EMPTY` (start-up, database open, an empty report)
  scan    `airlock scan --wheelhouse DIR -f json`: the archive's sha256,
          every zip member inflated and hashed against RECORD, the sdists'
          PKG-INFO read, the report

The wheelhouse is made here (so the benchmark needs nothing outside the
tree): WHEELS wheels of real bytes, the .py files of this Python's standard
library spread over them (compressible text, about 40 members a wheel)
plus one binary member each (the python3 executable's bytes: little to
gain from deflate), and one .tar.gz and one .zip sdist.

Usage: bench/bench_wheelhouse.py [BUILD_DIR] [WHEELS]   (build/release, 40)
Ratios are of wall-clock time: ROUNDS interleaved rounds, the ratio the
median of per-round ratios; CPU medians beside them.
"""
import base64
import csv
import glob
import hashlib
import io
import os
import statistics
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build", "release")
WHEELS = int(sys.argv[2]) if len(sys.argv) > 2 else 40
AIRLOCK = os.path.join(BUILD, "airlock")
DBBUILD = os.path.join(BUILD, "airlock-dbbuild")
ROUNDS = 11


def run(cmd, ok=(0,)):
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    if rc not in ok:
        sys.exit(f"{' '.join(cmd)}: exit status {rc}")
    return usage.ru_utime + usage.ru_stime, wall


def make_wheel(d, name, version, files):
    dist = f"{name}-{version}.dist-info"
    files = dict(files)
    files[f"{dist}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()
    files[f"{dist}/WHEEL"] = b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    rec = io.StringIO()
    w = csv.writer(rec, lineterminator="\n")
    for p, data in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        w.writerow([p, "sha256=" + h, len(data)])
    w.writerow([f"{dist}/RECORD", "", ""])
    with zipfile.ZipFile(os.path.join(d, f"{name}-{version}-py3-none-any.whl"), "w",
                         zipfile.ZIP_DEFLATED) as z:
        for p, data in files.items():
            z.writestr(p, data)
        z.writestr(f"{dist}/RECORD", rec.getvalue())


def make_wheelhouse(d):
    stdlib = sorted(glob.glob(os.path.join(sysconfig.get_paths()["stdlib"], "**", "*.py"),
                              recursive=True))
    binary = open(os.path.realpath(sys.executable), "rb").read()
    per = max(1, len(stdlib) // WHEELS)
    for i in range(WHEELS):
        files = {}
        for j, f in enumerate(stdlib[i * per:(i + 1) * per]):
            files[f"pkg{i}/m{j}.py"] = open(f, "rb").read()
        files[f"pkg{i}/_native.so"] = binary[i * 1000:]
        make_wheel(d, f"pkg{i}", "1.0", files)
    info = b"Metadata-Version: 2.1\nName: sd\nVersion: 1.0\n\n"
    with tarfile.open(os.path.join(d, "sd-1.0.tar.gz"), "w:gz") as t:
        for p, data in (("sd-1.0/PKG-INFO", info), ("sd-1.0/big.py", binary)):
            ti = tarfile.TarInfo(p)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    with zipfile.ZipFile(os.path.join(d, "sz-1.0.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("sz-1.0/PKG-INFO", info.replace(b"sd", b"sz"))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        key, pub = os.path.join(tmp, "k.key"), os.path.join(tmp, "k.pub")
        subprocess.run([DBBUILD, "keygen", "-W", "-p", pub, "-s", key], check=True,
                       stdout=subprocess.DEVNULL)
        snap = os.path.join(tmp, "db.snapshot")
        subprocess.run([DBBUILD, "build", "-s", key, "-o", snap,
                        os.path.join(SRC, "examples", "advisories")], check=True,
                       stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        db = os.path.join(tmp, "db")
        subprocess.run([AIRLOCK, "--db-dir", db, "db", "import", snap, "--trusted-key", pub],
                       check=True, stdout=subprocess.DEVNULL)
        wh = os.path.join(tmp, "wheels")
        os.makedirs(wh)
        make_wheelhouse(wh)
        archives = sorted(os.path.join(wh, f) for f in os.listdir(wh))
        size = sum(os.path.getsize(f) for f in archives)
        members = 0
        inflated = 0
        for f in archives:
            if f.endswith((".whl", ".zip")):
                with zipfile.ZipFile(f) as z:
                    members += len(z.infolist())
                    inflated += sum(i.file_size for i in z.infolist())
        empty = os.path.join(tmp, "requirements.txt")
        open(empty, "w").close()
        scan = [AIRLOCK, "--db-dir", db, "scan", "--no-python", "-f", "json", "-o", "/dev/null"]
        hashsum = ["sha256sum"] + archives
        # Warm-up, and a check that the scan reads the wheelhouse without warnings.
        p = subprocess.run(scan[:-2] + ["--wheelhouse", wh, "--strict"], capture_output=True,
                           text=True)
        if p.returncode not in (0, 1):
            sys.exit(f"the wheelhouse does not pass --strict: {p.stderr[-2000:]}")
        run(hashsum)
        run(scan + ["-r", empty])
        t = {"sum": [], "empty": [], "scan": []}
        ratios, ratios_sum = [], []
        for _ in range(ROUNDS):
            t["sum"].append(run(hashsum))
            t["empty"].append(run(scan + ["-r", empty]))
            t["scan"].append(run(scan + ["--wheelhouse", wh], ok=(0, 1)))
            floor = t["sum"][-1][1] + t["empty"][-1][1]
            ratios.append(t["scan"][-1][1] / floor)
            ratios_sum.append(t["scan"][-1][1] / t["sum"][-1][1])
    med = {k: (statistics.median(c for c, _ in v), statistics.median(w for _, w in v))
           for k, v in t.items()}
    print(f"wheelhouse: {len(archives)} archives ({WHEELS} wheels, 2 sdists), {size / 1e6:.1f} MB, "
          f"{members} zip members inflating to {inflated / 1e6:.1f} MB; {ROUNDS} interleaved "
          "rounds, medians")
    for k, label in (("sum", "sha256sum of the archives"), ("empty", "airlock scan -r EMPTY"),
                     ("scan", "airlock scan --wheelhouse")):
        print(f"  {label:<28} {med[k][1] * 1000:8.1f} ms wall {med[k][0] * 1000:8.1f} ms CPU")
    print(f"ratio to the floor (sha256sum + empty scan): {statistics.median(ratios):.2f}x wall, "
          f"{med['scan'][0] / (med['sum'][0] + med['empty'][0]):.2f}x CPU")
    print(f"ratio to sha256sum alone: {statistics.median(ratios_sum):.2f}x wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
