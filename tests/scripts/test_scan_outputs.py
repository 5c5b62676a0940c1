"""`airlock scan -o` and `--evidence` never destroy what is at the path (issue 13).

A snapshot of examples/advisories is built, imported, and scanned with
outputs of every kind: `-o -` is standard output (not a file named '-'), a
FIFO's reader gets the report, a symbolic link's target is written and the
link stays, a NAME_MAX-long name works. The evidence bundle copies and
hashes every requirement file read, includes (-r/-c) too; it follows a link
to its directory; and it replaces only a bundle Airlock wrote and nobody
changed: a directory whose MANIFEST lists a user's notes.txt is refused,
notes.txt intact; `--evidence -` is refused (a bundle is no stream). The cases that need root are in test_scan_outputs_root.py.
"""
import hashlib
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


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def evidence(scan, t):
    app = t / "app"
    (app / "sub").mkdir(parents=True)
    top, inc, cons = app / "requirements.txt", app / "sub" / "inc.txt", app / "constraints.txt"
    top.write_bytes(b"Django==3.2.0\n-r sub/inc.txt\n-c constraints.txt\n")
    inc.write_bytes(b"# included\nrequests==2.19.0\n")
    cons.write_bytes(b"urllib3==1.24.1\n")

    bundle = t / "bundle"
    r = run(*scan, "-r", top, "--evidence", bundle)
    check(r.returncode in (0, 1) and bundle.is_dir(), f"--evidence: {r.stderr}")
    if not bundle.is_dir():
        return
    copies = {p.name: p.read_bytes() for p in (bundle / "inputs").iterdir()}
    check(copies == {"1-requirements.txt": top.read_bytes(), "2-inc.txt": inc.read_bytes(),
                     "3-constraints.txt": cons.read_bytes()},
          f"the bundle's inputs are {sorted(copies)}, not every file read")
    manifest = (bundle / "MANIFEST").read_text()
    for name, data in copies.items():
        check(f"{sha256(data)}  inputs/{name}\n" in manifest, f"inputs/{name} is not hashed")
    check((bundle / "inputs.txt").is_file(), "the bundle has no inputs.txt")
    listing = (bundle / "inputs.txt").read_text() if (bundle / "inputs.txt").is_file() else ""
    for path, n in ((top, 1), (app / "sub/inc.txt", 2), (app / "constraints.txt", 3)):
        check(f"inputs/{n}-" in listing and str(path) in listing and
              sha256(path.read_bytes()) in listing, f"inputs.txt does not name {path}")
    if shutil.which("sha256sum"):
        r = run("sha256sum", "-c", "--strict", "MANIFEST", cwd=bundle)
        check(r.returncode == 0, f"sha256sum -c: {r.stdout}{r.stderr}")

    # Replacing a bundle that Airlock wrote and nobody changed works ...
    r = run(*scan, "-r", top, "--evidence", bundle)
    check(r.returncode in (0, 1), f"replacing a previous bundle: {r.stderr}")
    # ... but an edited file in it is not Airlock's: refused, kept.
    (bundle / "report.md").write_text("my edits\n")
    r = run(*scan, "-r", top, "--evidence", bundle)
    check(r.returncode == 2 and (bundle / "report.md").read_text() == "my edits\n",
          f"a bundle with an edited report was replaced: {r.returncode} {r.stderr}")

    # A user's directory whose MANIFEST lists their notes: never removed.
    mine = t / "mine"
    mine.mkdir()
    notes = b"my notes\n"
    (mine / "notes.txt").write_bytes(notes)
    (mine / "MANIFEST").write_text(f"{sha256(notes)}  notes.txt\n")
    r = run(*scan, "-r", top, "--evidence", mine)
    check(r.returncode == 2 and "refusing" in r.stderr.decode(),
          f"a directory with its own MANIFEST: {r.returncode} {r.stderr}")
    check((mine / "notes.txt").exists() and (mine / "notes.txt").read_bytes() == notes,
          "notes.txt was deleted")

    # '--evidence -' is not stdout (a bundle is a directory): refused, and
    # no directory named '-' appears.
    work = t / "evidence-cwd"
    work.mkdir()
    r = run(*scan, "-r", top, "--evidence", "-", cwd=work)
    check(r.returncode == 2 and "not '-'" in r.stderr.decode() and not (work / "-").exists(),
          f"--evidence - was not refused: {r.returncode} {r.stderr} "
          f"{sorted(p.name for p in work.iterdir())}")

    # A link to a directory: the bundle goes there and the link stays.
    (t / "audits").mkdir()
    link = t / "audit-link"
    link.symlink_to("audits/2026")
    r = run(*scan, "-r", top, "--evidence", link)
    check(link.is_symlink() and (t / "audits" / "2026" / "MANIFEST").is_file(),
          f"--evidence through a link: {r.stderr}")

    # A name of NAME_MAX bytes.
    long = t / ("e" * NAME_MAX)
    r = run(*scan, "-r", top, "--evidence", long)
    check(r.returncode in (0, 1) and (long / "MANIFEST").is_file(),
          f"a {NAME_MAX}-byte bundle name: {r.stderr}")
    check(not [p for p in t.iterdir() if p.name.startswith(".airlock-")],
          "temporary directories were left")

    # An existing empty directory keeps its mode; a new one honours the umask.
    empty = t / "private"
    empty.mkdir()
    os.chmod(empty, 0o700)
    run(*scan, "-r", top, "--evidence", empty)
    check(empty.stat().st_mode & 0o777 == 0o700, f"mode {oct(empty.stat().st_mode)}")
    old = os.umask(0o077)
    try:
        run(*scan, "-r", top, "--evidence", t / "masked")
    finally:
        os.umask(old)
    check((t / "masked").stat().st_mode & 0o777 == 0o700,
          f"a new bundle ignores the umask: {oct((t / 'masked').stat().st_mode)}")


def main():
    with tempfile.TemporaryDirectory() as t:
        t = pathlib.Path(t)
        scan = make_db(t)
        if FAILURES:
            return 1
        outputs(scan, t)
        evidence(scan, t)
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("outputs and evidence bundles leave what was at their paths intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
