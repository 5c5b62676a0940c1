#!/usr/bin/python3
"""airlock-dbbuild's outputs follow core/fileio's rules (issue 13).

keygen: without -f, anything at either key path is refused before a key is
made, a dangling link too (it is never followed, so its target is never
created), and nothing is left behind; the secret key is 0600 whatever the
umask or the mode of the file -f replaces.

build -o OUT: the snapshot and OUT.minisig land together beside the file a
link names (the link stays a link, no signature beside the link), where
import and inspect find it; a name of NAME_MAX - 8 bytes works (its
".minisig" is NAME_MAX long), a longer one is refused before compiling; a
device or FIFO at either path is refused (the pair are files side by side;
an old build wrote DEVDIR/null.minisig and waited on a FIFO); an existing
snapshot keeps its mode; a failed build leaves the old pair; no temporary
file or work directory is left.
"""
import os
import pathlib
import stat
import subprocess
import sys
import tempfile

DBBUILD = os.environ["AIRLOCK_DBBUILD_BIN"]
AIRLOCK = os.environ["AIRLOCK_BIN"]
SOURCE = pathlib.Path(os.environ["AIRLOCK_SOURCE_DIR"]) / "examples" / "advisories"
NAME_MAX = 255
FAILURES = []


def check(cond, msg):
    if not cond:
        FAILURES.append(msg)
        print("FAIL", msg)


def run(*args, cwd=None, timeout=120):
    return subprocess.run([str(a) for a in args], cwd=cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def leftovers(*dirs):
    return [p for d in dirs for p in d.iterdir() if p.name.startswith(".airlock-")
            or ".tmp." in p.name]


def keygen(t):
    d = t / "keys"
    d.mkdir()
    # A dangling link at the public key's path: refused, never followed.
    (d / "pub").symlink_to("elsewhere.pub")
    r = run(DBBUILD, "keygen", "-W", "-p", d / "pub", "-s", d / "key")
    check(r.returncode == 2 and b"already exists" in r.stderr,
          f"keygen over a dangling link at -p: {r.returncode} {r.stderr}")
    check(not (d / "elsewhere.pub").exists(), "keygen followed a dangling link at -p")
    check(not (d / "key").exists(), "keygen left a secret key after refusing -p")
    # The same at the secret key's path.
    (d / "key2").symlink_to("elsewhere.key")
    r = run(DBBUILD, "keygen", "-W", "-p", d / "pub2", "-s", d / "key2")
    check(r.returncode == 2 and not (d / "elsewhere.key").exists() and
          not (d / "pub2").exists(),
          f"keygen over a dangling link at -s: {r.returncode} {r.stderr}")
    # An existing public key is kept without -f.
    (d / "pub3").write_text("mine\n")
    r = run(DBBUILD, "keygen", "-W", "-p", d / "pub3", "-s", d / "key3")
    check(r.returncode == 2 and (d / "pub3").read_text() == "mine\n" and
          not (d / "key3").exists(), f"keygen over an existing -p: {r.returncode} {r.stderr}")
    check(not leftovers(d), f"keygen left {leftovers(d)}")
    # The secret key is private whatever the umask, and -f keeps it so.
    old = os.umask(0)
    try:
        r = run(DBBUILD, "keygen", "-W", "-p", d / "pub4", "-s", d / "key4")
        check(r.returncode == 0, f"keygen: {r.stderr}")
        os.chmod(d / "key4", 0o644)
        r = run(DBBUILD, "keygen", "-W", "-f", "-p", d / "pub4", "-s", d / "key4")
        check(r.returncode == 0, f"keygen -f: {r.stderr}")
    finally:
        os.umask(old)
    check(stat.S_IMODE((d / "key4").stat().st_mode) & 0o077 == 0,
          f"the secret key is {oct((d / 'key4').stat().st_mode)}")


def build(t):
    d = t / "build"
    d.mkdir()
    pub, key = d / "pub", d / "key"
    r = run(DBBUILD, "keygen", "-W", "-p", pub, "-s", key)
    check(r.returncode == 0, f"keygen: {r.stderr}")

    def build_to(out, *extra):
        return run(DBBUILD, "build", "-s", key, "-o", out, *extra, SOURCE)

    # A relative link in another directory: the pair lands beside its
    # target, the link stays, and import and inspect find the signature
    # through the link.
    (d / "real").mkdir()
    (d / "links").mkdir()
    link = d / "links" / "pypi.snapshot"
    link.symlink_to("../real/pypi.snapshot")
    r = build_to(link)
    check(r.returncode == 0, f"build -o LINK: {r.stderr}")
    check(link.is_symlink(), "the link was replaced by a file")
    check((d / "real" / "pypi.snapshot").is_file() and
          (d / "real" / "pypi.snapshot.minisig").is_file(),
          f"the pair is not beside the link's target: {sorted(os.listdir(d / 'real'))}")
    check(not (d / "links" / "pypi.snapshot.minisig").exists(),
          "a signature was written beside the link")
    r = run(AIRLOCK, "--db-dir", d / "db", "db", "import", link, "--trusted-key", pub)
    check(r.returncode == 0, f"import through the link: {r.stderr}")
    r = run(DBBUILD, "inspect", link, "-p", pub)
    check(r.returncode == 0, f"inspect through the link: {r.stderr}")

    # The longest name whose signature fits in NAME_MAX works; one byte more
    # is refused before compiling (its .minisig cannot exist).
    longest = d / ("s" * (NAME_MAX - len(".minisig")))
    r = build_to(longest)
    check(r.returncode == 0 and longest.is_file() and
          pathlib.Path(f"{longest}.minisig").is_file(),
          f"a {NAME_MAX - 8}-byte name: {r.stderr}")
    r = run(AIRLOCK, "--db-dir", d / "db2", "db", "import", longest, "--trusted-key", pub)
    check(r.returncode == 0, f"import of the {NAME_MAX - 8}-byte name: {r.stderr}")
    too_long = d / ("t" * (NAME_MAX - len(".minisig") + 1))
    r = build_to(too_long)
    check(r.returncode == 2 and b"File name too long" in r.stderr and not too_long.exists(),
          f"a name with no room for .minisig: {r.returncode} {r.stderr}")

    # A device or a FIFO cannot hold a snapshot with a signature beside it:
    # refused at once (a FIFO without a reader does not block the build).
    # (Through a link of our own: an old build wrote /dev/null.minisig.)
    null = d / "null"
    null.symlink_to("/dev/null")
    r = build_to(null)
    check(r.returncode == 2 and b"not a regular file" in r.stderr and
          not pathlib.Path(f"{null}.minisig").exists(),
          f"build -o a link to /dev/null: {r.returncode} {r.stderr}")
    fifo = d / "fifo"
    os.mkfifo(fifo)
    try:
        r = run(DBBUILD, "build", "-s", key, "-o", fifo, SOURCE, timeout=20)
        check(r.returncode == 2 and fifo.is_fifo(), f"build -o FIFO: {r.returncode} {r.stderr}")
    except subprocess.TimeoutExpired:
        check(False, "build -o FIFO blocked")

    # The same for a device or FIFO at the signature's path: it would not
    # be a file beside the snapshot.
    nullsig = d / "nullsig"
    pathlib.Path(f"{nullsig}.minisig").symlink_to("/dev/null")
    r = build_to(nullsig)
    check(r.returncode == 2 and b"not a regular file" in r.stderr and not nullsig.exists(),
          f"build with a link to /dev/null at .minisig: {r.returncode} {r.stderr}")

    # Rebuilding keeps the snapshot's mode; a failed build leaves the old
    # pair as it was.
    snap = d / "real" / "pypi.snapshot"
    os.chmod(snap, 0o640)
    r = build_to(snap, "--sequence", "7")
    check(r.returncode == 0 and stat.S_IMODE(snap.stat().st_mode) == 0o640,
          f"mode after a rebuild: {oct(snap.stat().st_mode)} {r.stderr}")
    before = (snap.read_bytes(), pathlib.Path(f"{snap}.minisig").read_bytes())
    r = run(DBBUILD, "build", "-s", key, "-o", link, d / "no-such-source")
    check(r.returncode == 2, f"a build from a missing source: {r.returncode}")
    check((snap.read_bytes(), pathlib.Path(f"{snap}.minisig").read_bytes()) == before,
          "a failed build changed the old pair")
    left = leftovers(d, d / "real", d / "links")
    check(not left, f"temporary files or work directories were left: {left}")


def main():
    with tempfile.TemporaryDirectory() as t:
        t = pathlib.Path(t)
        keygen(t)
        build(t)
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("airlock-dbbuild's outputs leave what was at their paths intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
