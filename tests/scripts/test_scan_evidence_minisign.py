#!/usr/bin/python3
"""End to end: the evidence bundle of `airlock scan --evidence --sign-key`,
signed with a key from `airlock-dbbuild keygen`, verifies with stock
minisign (`minisign -Vm MANIFEST`), and a changed MANIFEST does not. Uses
the shipped examples, as test_scan_examples.py does. Exits 77 without
minisign (scripts/bootstrap.sh installs it)."""
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ["AIRLOCK_SOURCE_DIR"]
AIRLOCK = os.environ["AIRLOCK_BIN"]
DBBUILD = os.environ["AIRLOCK_DBBUILD_BIN"]
EXAMPLES = os.path.join(SRC, "examples")


def run(*args, cwd=None):
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(list(args), capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=120)


def main():
    if shutil.which("minisign") is None:
        print("skip: minisign is not installed (scripts/bootstrap.sh installs it)")
        return 77
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        key, pub = os.path.join(tmp, "k.key"), os.path.join(tmp, "k.pub")
        snap, db, ev = (os.path.join(tmp, n) for n in ("ex.snapshot", "db", "evidence"))
        steps = [
            ([DBBUILD, "keygen", "-W", "-p", pub, "-s", key], 0),
            ([DBBUILD, "build", "-s", key, "-o", snap, os.path.join(EXAMPLES, "advisories")], 0),
            ([AIRLOCK, "--db-dir", db, "db", "import", snap, "--trusted-key", pub], 0),
            ([AIRLOCK, "--db-dir", db, "scan", "--no-python", "-r",
              os.path.join(EXAMPLES, "requirements.txt"), "--evidence", ev, "--sign-key", key], 1),
        ]
        for args, want in steps:
            p = run(*args)
            if p.returncode != want:
                print(f"FAIL: {args}: exit {p.returncode}, expected {want}\n{p.stderr[-2000:]}")
                return 1
        p = run("minisign", "-Vm", "MANIFEST", "-p", pub, cwd=ev)
        if p.returncode != 0:
            failures.append(f"minisign does not verify MANIFEST: {p.stdout}{p.stderr}")
        with open(os.path.join(ev, "MANIFEST"), "a") as f:
            f.write("0" * 64 + "  added.txt\n")
        p = run("minisign", "-Vm", "MANIFEST", "-p", pub, cwd=ev)
        if p.returncode == 0:
            failures.append("minisign verifies a changed MANIFEST")
    for f in failures:
        print("FAIL:", f)
    print(f"{2 - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
