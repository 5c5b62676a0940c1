#!/usr/bin/python3
"""The build's progress line: never on a pipe without --verbose; with
--verbose, only for builds that run longer than a second, and then with the
record rate and the source being read; once drawn, every later phase
(merging, writing, hashing, compressing, signing) is named as it starts, and
the line is ended before the closing message.

A build that provably runs past a second, on any machine: the source is an
archive on which this test holds a write lease (fcntl F_SETLEASE). The
build's open() of it blocks until the lease is given up; the kernel tells
us (SIGIO) the moment the build is waiting there, which is after the clock
of the progress line started and before any record is read. We hold the
lease 1.2 s more, then let go: every one of the archive's 600 records is
read more than a second into the build, and the line is due at record 256.
Without leases (another file system, fs.leases-enable=0) the test exits 77.
"""
import fcntl
import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import tempfile
import time

DBBUILD = os.environ["AIRLOCK_DBBUILD_BIN"]
STALL = 1.2  # seconds the build waits in open(), past the line's one second
failures = 0


def check(cond, what, detail=""):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what, detail[:2000])


def write_archive(path, n):
    with tarfile.open(path, "w") as t:
        for i in range(n):
            rec = {
                "id": f"PYSEC-2099-{i}",
                "modified": "2024-01-01T00:00:00Z",
                "summary": "generated record",
                "affected": [{
                    "package": {"ecosystem": "PyPI", "name": f"pkg{i % 50}"},
                    "ranges": [{"type": "ECOSYSTEM",
                                "events": [{"introduced": "0"}, {"fixed": f"1.{i % 97}.0"}]}],
                }],
            }
            data = json.dumps(rec).encode()
            member = tarfile.TarInfo(f"osv/PYSEC-2099-{i}.json")
            member.size = len(data)
            t.addfile(member, io.BytesIO(data))


def stalled_build(args, archive):
    """Run `args` (a build reading `archive`) with its open() of the archive
    held for STALL seconds. Returns (process, stderr, whether it stalled)."""
    lease_fd = os.open(archive, os.O_RDONLY)
    fcntl.fcntl(lease_fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
    p = subprocess.Popen(args, stderr=subprocess.PIPE,
                         preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_UNBLOCK,
                                                                   [signal.SIGIO]))
    # The lease break arrives when the build opens the archive for reading.
    stalled = signal.sigtimedwait([signal.SIGIO], 120) is not None
    if stalled:
        time.sleep(STALL)
        check(p.poll() is None, "the build went on while the archive was leased")
    fcntl.fcntl(lease_fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
    os.close(lease_fd)
    _, err = p.communicate(timeout=300)
    # Bytes decoded by hand: text mode would turn the line's \r into \n.
    return p, err.decode(errors="replace"), stalled


def progress_lines(stderr):
    return [l for l in stderr.replace("\r", "\n").split("\n") if "records/s" in l]


def main():
    # SIGIO stays pending for sigtimedwait instead of ending this process.
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGIO])
    with tempfile.TemporaryDirectory() as tmp:
        archive = os.path.join(tmp, "osv.tar")
        write_archive(archive, 600)
        try:
            probe = os.open(archive, os.O_RDONLY)
            fcntl.fcntl(probe, fcntl.F_SETLEASE, fcntl.F_WRLCK)
            fcntl.fcntl(probe, fcntl.F_SETLEASE, fcntl.F_UNLCK)
            os.close(probe)
        except OSError as e:
            print(f"skip: cannot take a file lease in {tmp} ({e}); the build cannot be held")
            return 77
        pub, sec = os.path.join(tmp, "k.pub"), os.path.join(tmp, "k.sec")
        subprocess.run([DBBUILD, "keygen", "-W", "-p", pub, "-s", sec], check=True,
                       capture_output=True)

        # On a pipe, without --verbose: no progress line, though the build
        # ran for over a second.
        p, err, stalled = stalled_build(
            [DBBUILD, "build", "-s", sec, "-o", os.path.join(tmp, "a.snap"), archive], archive)
        check(stalled, "the quiet build never opened the archive")
        check(p.returncode == 0, "quiet build", err)
        check("records/s" not in err and "\r" not in err,
              "progress shown on a pipe without --verbose", err)

        # With --verbose and over a second of build: the line, naming the
        # source, then every later phase in order, ended before the summary.
        p, err, stalled = stalled_build(
            [DBBUILD, "build", "--verbose", "-s", sec, "-o", os.path.join(tmp, "b.snap"),
             archive], archive)
        check(stalled, "the verbose build never opened the archive")
        check(p.returncode == 0, "verbose build", err)
        lines = progress_lines(err)
        check(lines, "no progress line in a verbose build held for over a second", err)
        check(all(archive in l for l in lines), "progress line does not name the source",
              "\n".join(lines))
        shown = err.replace("\r", "\n")
        phases = ["merging duplicates", "writing the database", "hashing the database",
                  "compressing the database", "signing"]
        at = [shown.find(ph) for ph in phases]
        check(all(a >= 0 for a in at) and at == sorted(at),
              "the later phases are not all named, in order", shown[-2000:])
        check("\nairlock-dbbuild: wrote " in err,
              "the progress line is not ended before the closing message", err[-500:])
        print(f"verbose build held {STALL} s: {len(lines)} progress updates")

        # Under a second: quiet even with --verbose. One record builds in
        # milliseconds; on a machine so loaded that it does not, try again,
        # and fail rather than leave the case unchecked.
        small = os.path.join(tmp, "one.tar")
        write_archive(small, 1)
        for attempt in range(3):
            t0 = time.monotonic()
            p = subprocess.run([DBBUILD, "build", "--verbose", "-s", sec, "-o",
                                os.path.join(tmp, "c.snap"), small],
                               capture_output=True, timeout=300)
            elapsed = time.monotonic() - t0
            if elapsed < 0.9:
                break
        err = p.stderr.decode(errors="replace")
        check(p.returncode == 0, "small verbose build", err)
        check(elapsed < 0.9, f"three one-record builds took {elapsed:.2f} s or more: "
              "the under-a-second case was not checked")
        check("\r" not in err and "records/s" not in err and "signing" not in err,
              f"progress line in a {elapsed:.2f} s build (under a second)", err)

    print("1 passed, 0 failed" if failures == 0 else f"0 passed, 1 failed ({failures} checks)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
