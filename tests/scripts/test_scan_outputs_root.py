"""`airlock scan -o` and `--evidence` as root (issue 13); skipped without root.

Root's outputs must not replace a device (`-o /dev/null` made /dev/null a
regular file; a private null device stands in for it here, so that a
failure cannot break the machine's), must keep another user's ownership and
mode of a file or bundle directory they replace, and must not follow
another user's symbolic link, nor write to their FIFO, file or directory,
planted in a sticky world-writable directory.
"""
import os
import pathlib
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import test_scan_outputs as common  # noqa: E402

NOBODY = 65534


def main():
    if os.geteuid() != 0:
        print("skip: test_scan_outputs_root needs root (devices, other owners)")
        return 77
    check, run = common.check, common.run
    with tempfile.TemporaryDirectory() as t:
        t = pathlib.Path(t)
        scan = common.make_db(t)
        if common.FAILURES:
            return 1
        req = t / "requirements.txt"
        req.write_text("Django==3.2.0\n")

        null = t / "null"
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        r = run(*scan, "-r", req, "-o", null)
        st = os.lstat(null)
        check(r.returncode in (0, 1), f"-o a device: {r.stderr}")
        check(stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3),
              "the device was replaced by a file")

        theirs = t / "theirs.json"
        theirs.write_text("")
        os.chown(theirs, NOBODY, NOBODY)
        os.chmod(theirs, 0o640)
        r = run(*scan, "--format", "json", "-r", req, "-o", theirs)
        st = theirs.stat()
        check(st.st_uid == NOBODY and st.st_gid == NOBODY and st.st_mode & 0o777 == 0o640 and
              st.st_size > 0, f"owner {st.st_uid}:{st.st_gid} mode {oct(st.st_mode)}")

        bundle = t / "bundle"
        r = run(*scan, "-r", req, "--evidence", bundle)
        check(r.returncode in (0, 1), f"--evidence: {r.stderr}")
        os.chown(bundle, NOBODY, NOBODY)
        os.chmod(bundle, 0o750)
        r = run(*scan, "-r", req, "--evidence", bundle)
        st = bundle.stat()
        check(r.returncode in (0, 1) and st.st_uid == NOBODY and st.st_mode & 0o777 == 0o750,
              f"replaced bundle: owner {st.st_uid} mode {oct(st.st_mode)} {r.stderr}")

        sticky = t / "tmp"
        sticky.mkdir()
        os.chmod(sticky, 0o1777)
        precious = t / "precious"
        precious.write_text("precious\n")
        planted = sticky / "report.json"
        planted.symlink_to(precious)
        os.lchown(planted, NOBODY, NOBODY)
        r = run(*scan, "-r", req, "-o", planted)
        check(r.returncode == 2 and "refusing to follow" in r.stderr.decode(),
              f"another user's planted link was not refused: {r.returncode} {r.stderr}")
        check(precious.read_text() == "precious\n", "the planted link's target was written")

        # Nor another user's FIFO (root's scan would wait forever for a
        # reader), file (it would hand them root's report) or directory (the
        # evidence bundle would be theirs to change) planted there.
        fifo = sticky / "fifo.json"
        os.mkfifo(fifo)
        os.chown(fifo, NOBODY, NOBODY)
        try:
            r = run(*scan, "-r", req, "-o", fifo, timeout=20)
            check(r.returncode == 2 and "refusing to write" in r.stderr.decode(),
                  f"another user's planted FIFO was not refused: {r.returncode} {r.stderr}")
        except subprocess.TimeoutExpired:
            check(False, "root's scan waited 20 s on another user's planted FIFO")
        mine = sticky / "theirs.json"
        mine.write_text("")
        os.chown(mine, NOBODY, NOBODY)
        r = run(*scan, "-r", req, "-o", mine)
        check(r.returncode == 2 and "refusing to write" in r.stderr.decode()
              and mine.stat().st_size == 0,
              f"another user's planted file got root's report: {r.returncode} {r.stderr}")
        planted_dir = sticky / "bundle"
        planted_dir.mkdir()
        os.chown(planted_dir, NOBODY, NOBODY)
        r = run(*scan, "-r", req, "--evidence", planted_dir)
        check(r.returncode == 2 and "refusing to write" in r.stderr.decode()
              and not any(planted_dir.iterdir()),
              f"another user's planted directory got root's bundle: {r.returncode} {r.stderr}")
        # Root's own file there is replaced as usual.
        os.chown(mine, 0, 0)
        r = run(*scan, "-r", req, "-o", mine)
        check(r.returncode in (0, 1) and mine.stat().st_size > 0, f"root's own file: {r.stderr}")
    if common.FAILURES:
        print(f"{len(common.FAILURES)} failure(s)")
        return 1
    print("root's outputs keep devices, owners and modes, and refuse planted links")
    return 0


if __name__ == "__main__":
    sys.exit(main())
