#!/usr/bin/python3
"""The snapshot airlock-dbbuild builds from the shared PyPA advisory
database (OSV JSON zip) is at most half the size of the zip, and holds all
its records that are not withdrawn. Exits 77 without ../shared."""
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

DBBUILD = os.environ["AIRLOCK_DBBUILD_BIN"]
SHARED = os.environ.get("AIRLOCK_SHARED_DIR", "")
ZIP = os.path.join(SHARED, "data", "pypa-advisory-database-osv-json.zip")


def main():
    if not os.path.isfile(ZIP):
        print(f"skip: the shared PyPA zip is not at {ZIP}")
        return 77
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        pub, sec = os.path.join(tmp, "k.pub"), os.path.join(tmp, "k.sec")
        subprocess.run([DBBUILD, "keygen", "-W", "-p", pub, "-s", sec], check=True,
                       capture_output=True)
        snap = os.path.join(tmp, "pypa.snap")
        p = subprocess.run([DBBUILD, "build", "-s", sec, "-o", snap, ZIP], capture_output=True,
                           text=True, timeout=300,
                           env=dict(os.environ, SOURCE_DATE_EPOCH="1700000000"))
        if p.returncode != 0:
            print("FAIL: PyPA build:", p.stderr[-2000:])
            return 1
        # The records really went in: a size check on an empty build passes.
        with zipfile.ZipFile(ZIP) as z:
            recs = [json.loads(z.read(n)) for n in z.namelist() if n.endswith(".json")]
        records = len(recs)
        live = sum(1 for r in recs if not r.get("withdrawn"))
        m = re.search(r", (\d+) records kept, (\d+) skipped,", p.stderr)
        if records < 2000 or m is None or (int(m.group(1)), int(m.group(2))) != (live, 0):
            failures += 1
            print(f"FAIL: the zip has {live} records not withdrawn; the build said: "
                  f"{p.stderr.strip()[-500:]}")
        size, limit = os.path.getsize(snap), os.path.getsize(ZIP) // 2
        print(f"PyPA snapshot {size} bytes, zip {2 * limit} bytes, {records} records")
        if size > limit:
            failures += 1
            print(f"FAIL: snapshot {size} bytes > half the zip ({limit})")
    print("1 passed, 0 failed" if failures == 0 else f"0 passed, 1 failed ({failures} checks)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
