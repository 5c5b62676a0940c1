#!/usr/bin/python3
"""End to end: airlock-dbbuild build (our compiler) -> airlock db import ->
airlock show, on tests/data/compile; reproducible snapshots. The size of the
PyPA snapshot, which needs ../shared, is test_dbbuild_pypa_size.py."""
import os
import subprocess
import sys
import tempfile

AIRLOCK = os.environ["AIRLOCK_BIN"]
DBBUILD = os.environ["AIRLOCK_DBBUILD_BIN"]
DATA = os.path.join(os.environ["AIRLOCK_TEST_DATA"], "compile")
failures = 0


def run(*args, env=None):
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)


def check(cond, what, proc=None):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)
        if proc is not None:
            print("  stdout:", proc.stdout[:2000])
            print("  stderr:", proc.stderr[:2000])


with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    pub, sec = os.path.join(tmp, "k.pub"), os.path.join(tmp, "k.sec")
    p = run(DBBUILD, "keygen", "-W", "-p", pub, "-s", sec)
    check(p.returncode == 0, "keygen", p)
    snaps = []
    for n in (1, 2):
        snap = os.path.join(tmp, f"s{n}.snap")
        p = run(DBBUILD, "build", "-s", sec, "-o", snap,
                os.path.join(DATA, "basic"), os.path.join(DATA, "dup2"), env=env)
        check(p.returncode == 0, "build", p)
        check("bad-two-keys.json: warning: malformed record skipped" in p.stderr,
              "malformed record named in a warning", p)
        snaps.append(snap)
    with open(snaps[0], "rb") as a, open(snaps[1], "rb") as b:
        check(a.read() == b.read(), "two builds give the same snapshot")
    p = run(DBBUILD, "build", "--strict", "-s", sec, "-o", os.path.join(tmp, "strict.snap"),
            os.path.join(DATA, "basic"), env=env)
    check(p.returncode != 0 and "malformed record" in p.stderr, "--strict fails", p)

    dbdir = os.path.join(tmp, "db")
    p = run(AIRLOCK, "--db-dir", dbdir, "show", "PYSEC-2099-1")
    check(p.returncode == 2 and p.stderr.strip() != "", "show without a database exits 2", p)
    p = run(AIRLOCK, "--db-dir", dbdir, "db", "import", snaps[0], "--trusted-key", pub)
    check(p.returncode == 0, "import", p)

    for query in ("PYSEC-2099-1", "cve-2099-1", "GHSA-aaaa-bbbb-cccc"):
        p = run(AIRLOCK, "--db-dir", dbdir, "show", query)
        check(p.returncode == 0, f"show {query}", p)
        out = p.stdout
        check(out.startswith("PYSEC-2099-1\n"), f"{query}: primary ID first", p)
        check("aliases:   CVE-2099-1, GHSA-aaaa-bbbb-cccc" in out, f"{query}: aliases", p)
        check("summary:   Foo bar is broken" in out, f"{query}: summary", p)
        check("severity:  CRITICAL (CVSS_V3 9.8 CVSS:3.1/" in out, f"{query}: severity", p)
        check("package:   foo-bar" in out and "affected: <1.5" in out
              and "affected: >=2.0, <=2.3" in out and "affected: ==1.7" in out,
              f"{query}: ranges", p)
        check("fixed:    1.5" in out and "fixed:    3.1" in out, f"{query}: fixed", p)
        check("https://example.org/fix" in out, f"{query}: references", p)
        check("Long details." in out, f"{query}: details", p)
    p = run(AIRLOCK, "--db-dir", dbdir, "show", "PYSEC-2099-5")
    check(p.returncode == 0 and "affected: >=1.0, <2.0" in p.stdout
          and "(no fixed version)" in p.stdout, "limit shown", p)
    for missing in ("PYSEC-2099-3", "PYSEC-0000-0", "GHSA-npm0-0000-0000"):
        p = run(AIRLOCK, "--db-dir", dbdir, "show", missing)
        check(p.returncode == 2 and "no such vulnerability" in p.stderr, f"{missing} not found", p)
    p = run(AIRLOCK, "--db-dir", dbdir, "show")
    check(p.returncode == 2, "show without an ID exits 2", p)

print("failures:", failures)
sys.exit(1 if failures else 0)
