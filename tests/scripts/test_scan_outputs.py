"""`airlock scan -o` never destroys what is at the path (issue 13).

A snapshot of examples/advisories is built, imported, and scanned with
outputs of every kind: `-o -` is standard output (not a file named '-'), a
FIFO's reader gets the report, a symbolic link's target is written and the
link stays, a NAME_MAX-long name works, a replaced file keeps its mode. The
cases that need root are in test_scan_outputs_root.py.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading

FAILURES = []
NAME_MAX = 255


def check(cond, msg):
    if not cond:
        FAILURES.append(msg)
        print("FAIL", msg)


def run(*args, cwd=None, timeout=60):
    return subprocess.run([str(a) for a in args], cwd=cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def make_db(t):
    """A key, a snapshot of examples/advisories, imported into t/db."""
    source = pathlib.Path(os.environ["AIRLOCK_SOURCE_DIR"])
    airlock, dbbuild = os.environ["AIRLOCK_BIN"], os.environ["AIRLOCK_DBBUILD_BIN"]
    r = run(dbbuild, "keygen", "-W", "-p", t / "pub", "-s", t / "key")
    check(r.returncode == 0, f"keygen: {r.stderr}")
    r = run(dbbuild, "build", "-s", t / "key", "-o", t / "snap.zst", "--sequence", "1",
            source / "examples" / "advisories")
    check(r.returncode == 0, f"build: {r.stderr}")
    r = run(airlock, "--db-dir", t / "db", "db", "import", t / "snap.zst", "--trusted-key",
            t / "pub")
    check(r.returncode == 0, f"import: {r.stderr}")
    return [airlock, "--db-dir", t / "db", "scan", "--no-python"]


def same(data):
    """A JSON report without its scan time (two scans may be a second apart)."""
    try:
        report = json.loads(data)
    except ValueError:
        return None
    report.pop("scan_time", None)
    return report


def outputs(scan, t):
    req = t / "requirements.txt"
    req.write_text("Django==3.2.0\n")
    stdout = run(*scan, "--format", "json", "-r", req).stdout
    expected = same(stdout)
    check(expected is not None and b"django" in stdout.lower(), "no report to compare with")

    # -o - is standard output; no file named '-' appears.
    work = t / "cwd"
    work.mkdir()
    r = run(*scan, "--format", "json", "-r", req, "-o", "-", cwd=work)
    check(r.returncode in (0, 1) and same(r.stdout) == expected,
          f"-o - did not write the report to stdout: {r.returncode} {r.stderr}")
    check(not (work / "-").exists(), "-o - wrote a file named '-'")

    # A FIFO is written in place: its reader gets the report.
    fifo = t / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = run(*scan, "--format", "json", "-r", req, "-o", fifo, timeout=20)
    reader.join(5)  # a replaced FIFO leaves it blocked: it is a daemon thread
    check(fifo.is_fifo(), "the FIFO was replaced by a file")
    check(len(got) == 1 and same(got[0]) == expected,
          f"the FIFO's reader got {len(got[0]) if got else 'nothing'}")

    # A symbolic link (relative, in another directory) is followed.
    (t / "real").mkdir()
    (t / "links").mkdir()
    target = t / "real" / "report.json"
    target.write_text("old\n")
    link = t / "links" / "report.json"
    link.symlink_to("../real/report.json")
    r = run(*scan, "--format", "json", "-r", req, "-o", link)
    check(link.is_symlink(), "the symbolic link was replaced by a file")
    check(same(target.read_bytes()) == expected, "the link's target was not written")
    dangling = t / "links" / "new.json"
    dangling.symlink_to("../real/new.json")
    r = run(*scan, "--format", "json", "-r", req, "-o", dangling)
    check(dangling.is_symlink() and same((t / "real" / "new.json").read_bytes()) == expected,
          f"a dangling link: {r.stderr}")
    check(not [p for p in (t / "links").iterdir() if p.name.startswith(".airlock-")] and
          not [p for p in (t / "real").iterdir() if p.name.startswith(".airlock-")],
          "temporary files were left")

    # A name of NAME_MAX bytes: the temporary name does not overflow it.
    long = t / ("r" * NAME_MAX)
    r = run(*scan, "--format", "json", "-r", req, "-o", long)
    check(r.returncode in (0, 1) and same(long.read_bytes()) == expected,
          f"a {NAME_MAX}-byte name: {r.stderr}")

    # An existing file keeps its mode.
    mode_file = t / "mode.json"
    mode_file.write_text("")
    os.chmod(mode_file, 0o640)
    run(*scan, "--format", "json", "-r", req, "-o", mode_file)
    check(mode_file.stat().st_mode & 0o777 == 0o640 and
          same(mode_file.read_bytes()) == expected,
          f"mode after replacing: {oct(mode_file.stat().st_mode)}")


def main():
    with tempfile.TemporaryDirectory() as t:
        t = pathlib.Path(t)
        scan = make_db(t)
        if FAILURES:
            return 1
        outputs(scan, t)
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("outputs leave what was at their paths intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
