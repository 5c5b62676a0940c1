#!/usr/bin/python3
"""The build's progress line: never on a pipe without --verbose; with
--verbose, only for builds that run longer than a second, and then with the
record rate and the source being read. Uses a tree of generated OSV records
(written here) that takes over a second in the sanitizer build and under
one in the release build on an idle machine; the assertion follows the measured
time either way. The line is drawn while sources are read, so 99 records in
100 are of another ecosystem: read and counted, then dropped, which keeps
the build's time nearly all reading (with most records kept, writing and
compressing took 0.7 s of a 1.9 s sanitizer build, and no line was due).
Once a line has been drawn, every later phase (merging, writing, hashing,
compressing, signing) is named as it starts, and the line is ended before
the closing message."""
import json
import os
import subprocess
import sys
import tempfile
import time

DBBUILD = os.environ["AIRLOCK_DBBUILD_BIN"]
failures = 0


def check(cond, what, detail=""):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what, detail[:2000])


def write_records(root, n):
    for i in range(n):
        pkg = f"pkg{i % 500}"
        ecosystem = "PyPI" if i % 100 == 0 else "npm"
        rec = {
            "id": f"PYSEC-2099-{i}",
            "modified": "2024-01-01T00:00:00Z",
            "summary": "generated record " * 4,
            "affected": [{
                "package": {"ecosystem": ecosystem, "name": pkg},
                "ranges": [{"type": "ECOSYSTEM",
                            "events": [{"introduced": "0"}, {"fixed": f"1.{i % 97}.0"}]}],
            }],
        }
        d = os.path.join(root, pkg)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, rec["id"] + ".json"), "w") as f:
            json.dump(rec, f)


with tempfile.TemporaryDirectory() as tmp:
    tree = os.path.join(tmp, "tree")
    write_records(tree, 32000)
    pub, sec = os.path.join(tmp, "k.pub"), os.path.join(tmp, "k.sec")
    subprocess.run([DBBUILD, "keygen", "-W", "-p", pub, "-s", sec], check=True,
                   capture_output=True)

    # On a pipe, without --verbose: never a progress line, however long.
    p = subprocess.run([DBBUILD, "build", "-s", sec, "-o", os.path.join(tmp, "a.snap"), tree],
                       capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, "quiet build", p.stderr)
    check("records/s" not in p.stderr and "\r" not in p.stderr,
          "progress shown on a pipe without --verbose", p.stderr)

    # With --verbose: a line exactly when the build ran for over a second.
    t0 = time.monotonic()
    p = subprocess.run([DBBUILD, "build", "--verbose", "-s", sec, "-o",
                        os.path.join(tmp, "b.snap"), tree],
                       capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - t0
    check(p.returncode == 0, "verbose build", p.stderr)
    lines = [l for l in p.stderr.replace("\r", "\n").split("\n") if "records/s" in l]
    if elapsed > 1.5:
        check(lines, f"no progress line in a {elapsed:.1f} s verbose build", p.stderr)
        check(all(tree in l for l in lines), "progress line does not name the source",
              "\n".join(lines))
    elif elapsed < 0.9:
        check(not lines, f"progress line in a {elapsed:.2f} s build (under a second)",
              "\n".join(lines))
    if lines:
        # Past a second while reading, so past it for every later phase too.
        shown = p.stderr.replace("\r", "\n")
        phases = ["merging duplicates", "writing the database", "hashing the database",
                  "compressing the database", "signing"]
        at = [shown.find(ph) for ph in phases]
        check(all(a >= 0 for a in at) and at == sorted(at),
              "the later phases are not all named, in order", shown[-2000:])
        check("\nairlock-dbbuild: wrote " in p.stderr,
              "the progress line is not ended before the closing message", p.stderr[-500:])
    print(f"verbose build took {elapsed:.2f} s, {len(lines)} progress updates")

print("1 passed, 0 failed" if failures == 0 else f"0 passed, 1 failed ({failures} checks)")
sys.exit(1 if failures else 0)
