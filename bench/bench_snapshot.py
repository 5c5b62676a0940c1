#!/usr/bin/python3
"""Benchmark of the snapshot `airlock-dbbuild build` writes: its size against
the zstd -19 floor, the build's time and peak memory, the import against
`minisign -V` + `zstd -d`, and a scan of the imported database; on a
synthetic all-ecosystem export and on the real PyPA advisory database.

usage: bench_snapshot.py [BUILD_DIR] [--dump ZIP] [--records N]
                         [--pypi-share F] [--rounds N] [--work DIR]

  size    the snapshot's bytes / the floor's: `zstd -19` of the same PyPI
          records' bare JSON (one compact JSON object a line, the records
          that name a PyPI package, in the export's order). Goal <= 1.25x
  build   wall time and peak RSS of `airlock-dbbuild build`: goal < 30 s
          and < 512 MiB for the export, < 1 s for PyPA
  import  `airlock db import` / (`minisign -Vm` + `zstd -d`), medians of
          interleaved rounds: goal <= 1.3x
  scan    `airlock scan -r` of a requirements file of 500 advised packages
          against the imported database (median of the rounds)

The export defaults to gen_osv_dump.py --records 250000 --pypi-share 0.1
(about 24,000 PyPI records), written once under --work (default
/tmp/airlock-bench-snapshot) and reused with its floor, since generating
it takes minutes. The machine is shared: the load average is printed.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import zipfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYPA = os.path.join(SRC, "..", "shared", "data", "pypa-advisory-database")
PYPA_ZIP = PYPA + "-osv-json.zip"


def run(args, env=None, before=None, stdout=subprocess.DEVNULL):
    """Wall seconds, CPU seconds (user + system) and peak RSS (KiB) of one
    run of `args`."""
    if before:
        before()
    t0 = time.monotonic()
    p = subprocess.Popen(args, env=env, stdout=stdout, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("bench_snapshot: %s failed:\n%s" % (" ".join(args), err))
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def pypi_json(zpath, out):
    """The floor's input: each record naming a PyPI package, bare JSON."""
    n = 0
    with zipfile.ZipFile(zpath) as z, open(out, "w") as f:
        for name in z.namelist():
            rec = json.loads(z.read(name))
            if any(a.get("package", {}).get("ecosystem") == "PyPI"
                   for a in rec.get("affected", [])):
                f.write(json.dumps(rec, separators=(",", ":")) + "\n")
                n += 1
    return n


def floor_of(zpath, work, tag):
    """Bytes of zstd -19 of the PyPI records' JSON, cached beside the work."""
    cache = os.path.join(work, tag + ".floor")
    if os.path.exists(cache) and os.path.getmtime(cache) > os.path.getmtime(zpath):
        n, size, raw = open(cache).read().split()
        return int(n), int(size), int(raw)
    jl = os.path.join(work, tag + ".jsonl")
    n = pypi_json(zpath, jl)
    subprocess.run(["zstd", "-19", "-q", "-f", jl, "-o", jl + ".zst"], check=True)
    size, raw = os.path.getsize(jl + ".zst"), os.path.getsize(jl)
    os.unlink(jl)
    os.unlink(jl + ".zst")
    with open(cache, "w") as f:
        f.write("%d %d %d\n" % (n, size, raw))
    return n, size, raw


def advised_names(zpath, limit):
    names = []
    with zipfile.ZipFile(zpath) as z:
        for name in z.namelist():
            for a in json.loads(z.read(name)).get("affected", []):
                p = a.get("package", {})
                if p.get("ecosystem") == "PyPI" and p.get("name") not in names:
                    names.append(p["name"])
            if len(names) >= limit:
                break
    return names


def bench(tag, source, zpath, build, work, rounds):
    dbbuild = os.path.join(build, "airlock-dbbuild")
    airlock = os.path.join(build, "airlock")
    j = lambda *p: os.path.join(work, *p)
    n, floor, raw = floor_of(zpath, work, tag)
    if not os.path.exists(j("k.sec")):
        subprocess.run([dbbuild, "keygen", "-p", j("k.pub"), "-s", j("k.sec"), "-W"],
                       check=True, stdout=subprocess.DEVNULL)
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    snap = j(tag + ".snapshot")

    def rm_snap():
        for p in (snap, snap + ".minisig"):
            if os.path.exists(p):
                os.unlink(p)
    builds = [run([dbbuild, "build", "-s", j("k.sec"), "-o", snap, source], env=env,
                  before=rm_snap) for _ in range(max(1, rounds // 2))]
    size = os.path.getsize(snap)
    with open(j("reqs.txt"), "w") as f:
        f.write("".join("%s==1.0\n" % name for name in advised_names(zpath, 500)))

    verify, unzstd, imp, scan, ratios, unzcpu = [], [], [], [], [], []
    out = j("out.mdb")
    for _ in range(rounds):
        os.sync()
        verify.append(run(["minisign", "-q", "-Vm", snap, "-p", j("k.pub")])[0])
        unzstd.append(run(["zstd", "-q", "-d", snap, "-o", out],
                          before=lambda: os.path.exists(out) and os.unlink(out))[0])
        os.sync()
        imp.append(run([airlock, "--db-dir", j("db"), "db", "import", snap, "--trusted-key",
                        j("k.pub")], before=lambda: shutil.rmtree(j("db"), ignore_errors=True))[0])
        unzcpu.append(run(["zstd", "-q", "-d", snap, "-o", out],
                          before=lambda: os.path.exists(out) and os.unlink(out))[1])
        ratios.append(imp[-1] / (verify[-1] + unzstd[-1]))
        t0 = time.monotonic()
        r = subprocess.run([airlock, "--db-dir", j("db"), "scan", "--no-python", "-r",
                            j("reqs.txt"), "--format", "json", "-o", j("scan.json")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        scan.append(time.monotonic() - t0)
        if r.returncode not in (0, 1):
            sys.exit("bench_snapshot: scan failed (exit %d)" % r.returncode)
    os.unlink(out)
    med = statistics.median
    print(f"{tag}: {n} PyPI records, {raw / 1e6:.1f} MB of bare JSON")
    print(f"  size    snapshot {size} B / floor (zstd -19 of that JSON) {floor} B = "
          f"{size / floor:.3f}x (goal <= 1.25x)")
    print(f"  build   median {med(b[0] for b in builds):.2f} s wall (best "
          f"{min(b[0] for b in builds):.2f} s), {med(b[1] for b in builds):.2f} s CPU, peak RSS {max(b[2] for b in builds) / 1024:.0f} MiB")
    print(f"  import  median {med(imp):.3f} s; floor minisign -V {med(verify):.3f} s + zstd -d "
          f"{med(unzstd):.3f} s; median of per-round ratios {med(ratios):.2f}x (goal <= 1.3x)")
    print(f"  decompression alone: zstd -d {med(unzcpu):.3f} s CPU")
    print(f"  scan    -r of 500 advised packages: median {med(scan) * 1e3:.1f} ms "
          f"(best {min(scan) * 1e3:.1f} ms)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build", nargs="?", default=os.path.join(SRC, "build", "release"))
    ap.add_argument("--dump", help="an export zip to use instead of generating one")
    ap.add_argument("--records", type=int, default=250000)
    ap.add_argument("--pypi-share", type=float, default=0.1)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--work", default="/tmp/airlock-bench-snapshot")
    ap.add_argument("--skip-pypa", action="store_true")
    ap.add_argument("--skip-export", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    if not args.skip_pypa:
        if os.path.isdir(PYPA) and os.path.exists(PYPA_ZIP):
            bench("pypa", PYPA, PYPA_ZIP, args.build, args.work, args.rounds)
        else:
            print("pypa: skipped, ../shared/data is absent")
    if not args.skip_export:
        dump = args.dump
        if dump is None:
            d = os.path.join(args.work, "export-%d-%g" % (args.records, args.pypi_share))
            dump = os.path.join(d, "all.zip")
            if not os.path.exists(dump):
                print(f"generating {dump} (takes minutes)", flush=True)
                subprocess.run([sys.executable, os.path.join(SRC, "bench", "gen_osv_dump.py"),
                                "--records", str(args.records), "--pypi-share",
                                str(args.pypi_share), "--format", "zip", d], check=True)
        bench("export", dump, dump, args.build, args.work, args.rounds)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
