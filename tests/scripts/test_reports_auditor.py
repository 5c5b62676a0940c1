"""The auditor's procedure of docs/compliance.md works on a real snapshot.

A snapshot is built from examples/advisories with airlock-dbbuild, imported
with `airlock db import`, and a bundle is written with the installed
snapshot's signature, signer key, `airlock db verify` output and the
provenance `airlock db status --format json` reports. Then, with stock tools
only, as the documentation tells an auditor: the MANIFEST signature and
digests check out, the bundle's snapshot signature verifies the published
snapshot, `b2sum` of the snapshot and of its decompressed database match the
digests in the reports, and `mdb_stat` reads the database.
"""
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

FAILURES = []


def check(cond, msg):
    if not cond:
        FAILURES.append(msg)
        print("FAIL", msg)


def run(*args, cwd=None, stdout=subprocess.PIPE):
    return subprocess.run([str(a) for a in args], cwd=cwd, stdin=subprocess.DEVNULL,
                          stdout=stdout, stderr=subprocess.PIPE, text=stdout is subprocess.PIPE)


def b2sum(path):
    return hashlib.blake2b(pathlib.Path(path).read_bytes(), digest_size=64).hexdigest()


def main():
    for tool in ("minisign", "sha256sum", "b2sum", "zstd", "mdb_stat"):
        if shutil.which(tool) is None:
            print(f"skip: {tool} is not installed (scripts/bootstrap.sh installs it)")
            return 77
    build = pathlib.Path(os.environ["AIRLOCK_BUILD_DIR"])
    source = pathlib.Path(os.environ["AIRLOCK_SOURCE_DIR"])
    airlock, dbbuild = os.environ["AIRLOCK_BIN"], os.environ["AIRLOCK_DBBUILD_BIN"]
    with tempfile.TemporaryDirectory() as t:
        t = pathlib.Path(t)
        # The publisher: a key and a signed snapshot.
        r = run(dbbuild, "keygen", "-W", "-p", t / "publisher.pub", "-s", t / "publisher.key")
        check(r.returncode == 0, f"keygen: {r.stderr}")
        snap = t / "airlock-db-7.zst"
        r = run(dbbuild, "build", "-s", t / "publisher.key", "-o", snap, "--sequence", "7",
                source / "examples" / "advisories")
        check(r.returncode == 0, f"build: {r.stderr}")
        # The scanning machine: import, verify, status.
        db = t / "db"
        r = run(airlock, "--db-dir", db, "db", "import", snap, "--trusted-key",
                t / "publisher.pub")
        check(r.returncode == 0, f"db import: {r.stderr}")
        verify = run(airlock, "--db-dir", db, "db", "verify", "--trusted-key",
                     t / "publisher.pub")
        check(verify.returncode == 0, f"db verify: {verify.stderr}")
        status = run(airlock, "--db-dir", db, "db", "status", "--format", "json")
        check(status.returncode == 0, f"db status: {status.stderr}")
        (t / "status.json").write_text(status.stdout)
        if FAILURES:
            return 1
        r = run("minisign", "-G", "-W", "-p", t / "evidence.pub", "-s", t / "evidence.key")
        check(r.returncode == 0, f"minisign -G: {r.stderr}")
        req = t / "requirements.txt"
        req.write_text("Django==3.2.0\n")
        bundle = t / "bundle"
        r = run(build / "report_sample", "--evidence", bundle, "--sign-key", t / "evidence.key",
                "--snapshot-sig", db / "current" / "snapshot.minisig",
                "--snapshot-pub", db / "current" / "signer.pub",
                "--status", verify.stdout, "--db-status", t / "status.json", req)
        check(r.returncode == 0, f"writing the bundle: {r.stderr}")
        if FAILURES:
            return 1

        # Step 1: nothing changed after the scan.
        r = run("minisign", "-Vm", "MANIFEST", "-p", t / "evidence.pub", cwd=bundle)
        check(r.returncode == 0 and "sequence 7" in r.stdout, f"minisign -V MANIFEST: {r.stdout}")
        r = run("sha256sum", "-c", "--strict", "MANIFEST", cwd=bundle)
        check(r.returncode == 0, f"sha256sum -c: {r.stdout}")
        lines = (bundle / "MANIFEST").read_text().splitlines()
        check(lines[0].startswith("# Airlock evidence bundle"), f"MANIFEST marker: {lines[0]}")
        listed = sorted(line.split("  ", 1)[1] for line in lines if not line.startswith("#"))
        present = sorted(str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file())
        check(sorted(listed + ["MANIFEST", "MANIFEST.minisig"]) == present,
              f"files not in MANIFEST: {set(present) - set(listed)}")
        # Step 2: what was scanned.
        check((bundle / "inputs" / "1-requirements.txt").read_bytes() == req.read_bytes(),
              "the input copy differs")
        report = json.loads((bundle / "report.json").read_text())
        digest = hashlib.sha256(req.read_bytes()).hexdigest()
        check(any(i.get("sha256") == digest for i in report["inputs"]),
              "report.json does not give the input's SHA-256")
        # Step 3: against which database.
        r = run("minisign", "-Vm", snap, "-x", bundle / "snapshot" / "snapshot.minisig",
                "-p", t / "publisher.pub")
        check(r.returncode == 0, f"the bundle's snapshot signature: {r.stdout}{r.stderr}")
        m = re.search(r"sequence=(\d+) build_time=(\d+) .*db_blake2b=([0-9a-f]{128})", r.stdout)
        check(m is not None, f"trusted comment: {r.stdout}")
        text = (bundle / "snapshot" / "status.txt").read_text()
        html = (bundle / "report.html").read_text()
        check(b2sum(snap) in text and b2sum(snap) in html and
              report["database"]["snapshot_digest"] == b2sum(snap),
              "the snapshot's b2sum is not the reports' snapshot digest")
        data = t / "data.mdb"
        with open(data, "wb") as out:
            r = run("zstd", "-dc", snap, stdout=out)
        check(r.returncode == 0, "zstd -dc failed")
        if m is not None:
            check(m.group(1) == "7" and f"sequence: 7" in text, "sequence differs")
            check(b2sum(data) == m.group(3) == report["database"]["db_digest"],
                  "the database's b2sum differs from the signed and reported digest")
        r = run("mdb_stat", "-n", "-a", data)
        check(r.returncode == 0 and "Status of meta" in r.stdout, f"mdb_stat: {r.stderr}")
        check(verify.stdout.strip() in text, "status.txt lacks the db verify output")
        check((bundle / "snapshot" / "signer.pub").read_bytes() ==
              (t / "publisher.pub").read_bytes(), "signer.pub is not the publisher's key")
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("the documented auditor procedure checks a real bundle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
