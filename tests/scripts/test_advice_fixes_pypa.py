"""Fixes without release data, at scale: every PyPA package pinned at 0.1.

advice.c finds the smallest fix version no known advisory affects by
following fix versions (docs/remediation.md), and skips every candidate
below the largest of the open findings' smallest fixes. This test redoes
the rule the slow way, with no such shortcut: round after round it asks
`airlock scan` itself whether each package's next candidate is affected
(the scan's findings are the oracle of "affected"), adding the fix versions
of whatever affects it, until a candidate is clean or none is left. The
`fixes` of one scan must equal the result for every package.

Needs ../shared/data/pypa-advisory-database (skips with 77 without it).
Floors at ~95% of what the 2024-10-10 snapshot gave: 592 vulnerable pins,
126 of them with no fix.
"""
import json
import os
import subprocess
import sys
import tempfile

from packaging.version import Version

SRC = os.environ.get("AIRLOCK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
AIRLOCK = os.environ.get("AIRLOCK_BIN", os.path.join(SRC, "build", "release", "airlock"))
DBBUILD = os.environ.get("AIRLOCK_DBBUILD_BIN",
                         os.path.join(SRC, "build", "release", "airlock-dbbuild"))
SHARED = os.environ.get("AIRLOCK_SHARED_DIR", os.path.join(SRC, "..", "shared"))
PYPA = os.path.join(SHARED, "data", "pypa-advisory-database")


def main():
    if not os.path.isdir(PYPA):
        print("skip: the PyPA advisory database is not in", SHARED)
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        key, pub, snap = (os.path.join(tmp, n) for n in ("k.key", "k.pub", "s"))
        db = os.path.join(tmp, "db")
        for cmd in ([DBBUILD, "keygen", "-W", "-p", pub, "-s", key],
                    [DBBUILD, "build", "-s", key, "-o", snap, PYPA],
                    [AIRLOCK, "--db-dir", db, "db", "import", snap, "--trusted-key", pub]):
            subprocess.run(cmd, check=True, capture_output=True, timeout=600)
        req = os.path.join(tmp, "q.txt")

        def scan(lines):
            with open(req, "w") as f:
                f.write("\n".join(lines) + "\n")
            p = subprocess.run([AIRLOCK, "--db-dir", db, "scan", "--no-python", "-r", req,
                                "--format", "json"], capture_output=True, text=True,
                               timeout=600)
            if p.returncode not in (0, 1):
                raise SystemExit(f"scan failed: {p.stderr}")
            return json.loads(p.stdout)

        names = sorted(n for n in os.listdir(PYPA) if os.path.isdir(os.path.join(PYPA, n)))
        report = scan([f"{n}==0.1" for n in names])
        got = {f["name"]: f["new_version"] for f in report["fixes"]}
        state = {}  # name -> [last candidate, candidates, answer, done]
        for d in report["dependencies"]:
            open_ = [v for v in d.get("vulns", []) if not v["ignored"]]
            if open_:
                pin = Version(d["version"])
                cands = {Version(x) for v in open_ for x in v["fix_versions"]}
                state[d["name"]] = [pin, {c for c in cands if c > pin and not c.is_prerelease},
                                    None, False]
        rounds = 0
        while True:
            ask = {}
            for n, s in state.items():
                above = sorted(c for c in s[1] if c > s[0]) if not s[3] else []
                if not above:
                    s[3] = True
                    continue
                s[0] = ask[n] = above[0]
            if not ask:
                break
            rounds += 1
            for d in scan([f"{n}=={v}" for n, v in ask.items()])["dependencies"]:
                n, v = d["name"], ask[d["name"]]
                hits = d.get("vulns", [])
                if not hits:
                    state[n][2], state[n][3] = str(v), True
                else:
                    state[n][1] |= {Version(x) for h in hits for x in h["fix_versions"]
                                    if Version(x) > v and not Version(x).is_prerelease}
        want = {n: s[2] for n, s in state.items()}
        bad = {n: (got.get(n), w) for n, w in want.items() if got.get(n) != w}
        extra = set(got) - set(want)
        none = sum(1 for w in want.values() if w is None)
        print(f"{len(want)} vulnerable pins, {none} without a fix, {rounds} rounds; "
              f"{len(bad)} differ, {len(extra)} fixes not expected")
        for n, (g, w) in list(bad.items())[:20]:
            print(f"MISMATCH {n}: airlock {g}, expected {w}")
        if len(want) < 560 or none < 120:
            print("FAIL: below the floor (560 vulnerable pins, 120 without a fix)")
            return 1
        return 1 if bad or extra else 0


if __name__ == "__main__":
    sys.exit(main())
