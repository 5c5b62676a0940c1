"""An evidence bundle checks out with stock tools, end to end.

report_sample --evidence writes a bundle of its "full" sample with requirement
files, a snapshot signature and a signing key made by stock `minisign -G -W`.
The bundle must pass `sha256sum -c MANIFEST` and `minisign -Vm MANIFEST`,
fail both after tampering, be byte-for-byte reproducible, replace a previous
bundle, and refuse to overwrite anything else.
"""
import hashlib
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

FAILURES = []


def check(cond, msg):
    if not cond:
        FAILURES.append(msg)
        print("FAIL", msg)


def run(*args, cwd=None):
    return subprocess.run([str(a) for a in args], cwd=cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def tree(d):
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def main():
    for tool in ("minisign", "sha256sum"):
        if shutil.which(tool) is None:
            print(f"skip: {tool} is not installed (scripts/bootstrap.sh installs it)")
            return 77
    sample = pathlib.Path(os.environ["AIRLOCK_BUILD_DIR"]) / "report_sample"
    with tempfile.TemporaryDirectory() as t:
        t = pathlib.Path(t)
        r = run("minisign", "-G", "-W", "-p", t / "key.pub", "-s", t / "key.sec")
        check(r.returncode == 0, f"minisign -G -W failed: {r.stderr}")
        (t / "snapshot.db.zst").write_bytes(b"not really a snapshot\n")
        r = run("minisign", "-S", "-s", t / "key.sec", "-m", t / "snapshot.db.zst")
        check(r.returncode == 0, f"minisign -S failed: {r.stderr}")
        (t / "a").mkdir()
        (t / "b").mkdir()
        reqs = [t / "a" / "requirements.txt", t / "b" / "requirements.txt",
                t / "b" / "odd name\\with $hell.txt"]
        reqs[0].write_bytes(b"Django==3.2.0\r\nrequests==2.19.0\r\n")
        reqs[1].write_bytes(b"urllib3==1.24.1\n# \xff not utf-8\n")
        reqs[2].write_bytes(b"")
        args = ["--sign-key", t / "key.sec", "--snapshot-sig", t / "snapshot.db.zst.minisig",
                "--snapshot-pub", t / "key.pub", "--status", "verified: ok", *reqs]

        b1, b2 = t / "bundle1", t / "bundle2"
        r = run(sample, "--evidence", b1, *args)
        check(r.returncode == 0, f"writing the bundle failed: {r.stderr}")
        r = run(sample, "--evidence", b2, *args)
        check(r.returncode == 0, f"writing the second bundle failed: {r.stderr}")
        files = tree(b1)
        check(files == tree(b2), "two bundles of the same inputs differ")

        expected = {"report.txt", "report.json", "report.sarif", "report.cdx.json",
                    "report.md", "report.html", "report.plan.md", "inputs/1-requirements.txt",
                    "inputs/2-requirements.txt", "inputs/3-odd_name_with__hell.txt",
                    "inputs.txt",
                    "snapshot/snapshot.minisig", "snapshot/signer.pub", "snapshot/status.txt",
                    "MANIFEST",
                    "MANIFEST.minisig"}
        check(set(files) == expected, f"bundle files: {sorted(files)}")
        for i, req in enumerate(reqs):
            name = sorted(k for k in files if k.startswith(f"inputs/{i + 1}-"))
            check(len(name) == 1 and files[name[0]] == req.read_bytes(),
                  f"input {req} was not copied byte for byte")
        check(files.get("snapshot/snapshot.minisig") ==
              (t / "snapshot.db.zst.minisig").read_bytes(), "snapshot signature not copied")
        check(files.get("snapshot/signer.pub") == (t / "key.pub").read_bytes(),
              "signer key not copied")
        status = files.get("snapshot/status.txt", b"").decode()
        check("sequence: 42" in status and "verified: ok" in status, f"status.txt: {status}")
        lines = files["MANIFEST"].decode().splitlines()
        check(lines[0].startswith("# Airlock evidence bundle"), f"MANIFEST marker: {lines[0]}")
        listed = [line.split("  ", 1)[1] for line in lines[1:]]
        check(listed == sorted(expected - {"MANIFEST", "MANIFEST.minisig"}),
              f"MANIFEST lists {listed}")
        check(not any(p.name.startswith("bundle1.") for p in t.iterdir()),
              "a temporary directory was left beside the bundle")

        r = run("sha256sum", "-c", "--strict", "MANIFEST", cwd=b1)
        check(r.returncode == 0, f"sha256sum -c failed: {r.stdout}{r.stderr}")
        r = run("minisign", "-Vm", "MANIFEST", "-p", t / "key.pub", cwd=b1)
        check(r.returncode == 0, f"minisign -V failed: {r.stdout}{r.stderr}")
        check("airlock evidence bundle" in r.stdout, f"trusted comment: {r.stdout}")

        # Tampering is detected by the same stock tools.
        (b2 / "report.md").write_bytes(files["report.md"].replace(b"CRITICAL", b"LOW"))
        r = run("sha256sum", "-c", "--quiet", "MANIFEST", cwd=b2)
        check(r.returncode != 0, "sha256sum -c accepted a changed report")
        (b2 / "MANIFEST").write_bytes(files["MANIFEST"].replace(b"report.md", b"report.MD"))
        r = run("minisign", "-Vm", "MANIFEST", "-p", t / "key.pub", cwd=b2)
        check(r.returncode != 0, "minisign accepted a changed MANIFEST")

        # A previous bundle is replaced, atomically, by the same content.
        r = run(sample, "--evidence", b1, *args)
        check(r.returncode == 0, f"replacing a previous bundle failed: {r.stderr}")
        check(tree(b1) == files, "the replaced bundle differs")
        check(sorted(p.name for p in t.iterdir() if p.name.startswith("bundle1")) ==
              ["bundle1"], "leftovers beside the replaced bundle")

        # ...but not a directory holding anything else.
        (b1 / "notes.txt").write_text("mine")
        r = run(sample, "--evidence", b1, *args)
        check(r.returncode != 0 and "refusing" in r.stderr,
              f"a bundle with an extra file was overwritten: {r.stderr}")
        check((b1 / "notes.txt").read_text() == "mine", "an unrelated file was touched")
        (b1 / "notes.txt").unlink()
        (b1 / "inputs" / "link").symlink_to(t / "key.sec")
        r = run(sample, "--evidence", b1, *args)
        check(r.returncode != 0, "a bundle holding a symbolic link was overwritten")
        check((t / "key.sec").exists(), "the symbolic link's target was touched")
        (b1 / "inputs" / "link").unlink()
        manifest = (b1 / "MANIFEST").read_bytes()
        (b1 / "MANIFEST").write_bytes(manifest[:-1])  # no final newline: not ours
        r = run(sample, "--evidence", b1, *args)
        check(r.returncode != 0, "a bundle with a malformed MANIFEST was overwritten")
        (b1 / "MANIFEST").write_bytes(manifest)
        r = run(sample, "--evidence", b1, *args)
        check(r.returncode == 0 and tree(b1) == files, f"restored bundle: {r.stderr}")
        other = t / "other"
        other.mkdir()
        (other / "thesis.tex").write_text("precious")
        r = run(sample, "--evidence", other, *args)
        check(r.returncode != 0, "an unrelated directory was overwritten")
        check((other / "thesis.tex").read_text() == "precious", "an unrelated file was lost")
        r = run(sample, "--evidence", reqs[0], *args)
        check(r.returncode != 0, "a regular file was replaced by a bundle")

        # A MANIFEST that lists a path outside the bundle is not Airlock's:
        # replacing the "bundle" must not unlink what it names.
        victim = t / "victim.txt"
        for listed in (str(victim), "../victim.txt", "inputs/../../victim.txt"):
            victim.write_text("keep me")
            fake = t / "fake"
            shutil.rmtree(fake, ignore_errors=True)
            fake.mkdir()
            (fake / "MANIFEST").write_text(
                "# Airlock evidence bundle: check with sha256sum -c --strict MANIFEST\n"
                + hashlib.sha256(b"keep me").hexdigest() + "  " + listed + "\n")
            r = run(sample, "--evidence", fake, *args)
            check(r.returncode != 0 and "refusing" in r.stderr,
                  f"a MANIFEST listing {listed} was taken for a bundle: {r.stderr}")
            check(victim.exists(), f"replacing a bundle whose MANIFEST lists {listed} "
                                   "deleted that file")

        # An empty directory is fine; an unreadable input leaves nothing.
        empty = t / "empty"
        empty.mkdir()
        r = run(sample, "--evidence", empty, *args)
        check(r.returncode == 0 and tree(empty) == files, f"empty directory: {r.stderr}")
        r = run(sample, "--evidence", t / "missing", "--sign-key", t / "key.sec",
                t / "no-such-requirements.txt")
        check(r.returncode != 0 and "no-such-requirements.txt" in r.stderr,
              f"a missing input: {r.returncode} {r.stderr}")
        check(not any(p.name.startswith("missing") for p in t.iterdir()),
              "a failed bundle left files behind")
        (t / "bad.sec").write_text("untrusted comment: x\nnot a key\n")
        r = run(sample, "--evidence", t / "badkey", "--sign-key", t / "bad.sec")
        check(r.returncode != 0, "a bad signing key was accepted")
        check(not any(p.name.startswith("badkey") for p in t.iterdir()),
              "a bundle was written with a bad key")

        # A requirement file edited between the scan and the bundle is refused.
        edited = t / "edited.txt"
        edited.write_bytes(b"six==1.16.0\n")
        r = run(sample, "--evidence", t / "stale", "--modify-after-scan", edited)
        check(r.returncode != 0 and "changed since the scan" in r.stderr,
              f"an edited input was bundled: {r.returncode} {r.stderr}")
        check(not (t / "stale").exists(), "a bundle with an edited input was written")
        # The sample's inputs now carry the real digests of the files given.
        report = (b1 / "report.json").read_text()
        for req in reqs:
            check(hashlib.sha256(req.read_bytes()).hexdigest() in report,
                  f"the digest of {req} is not in report.json")

        # A requirement file others cannot read (an index URL with a
        # password) is not copied into a bundle where they can read it.
        private = t / "private.txt"
        private.write_bytes(b"--extra-index-url https://u:secret@example.org/simple\nsix==1.0\n")
        os.chmod(private, 0o600)
        umask = os.umask(0o022)  # so that the public copy is 0644
        r = run(sample, "--evidence", t / "private", private, reqs[0])
        os.umask(umask)
        check(r.returncode == 0, f"bundle of a private file: {r.stderr}")
        copies = sorted((t / "private" / "inputs").iterdir())
        modes = [p.stat().st_mode & 0o777 for p in copies]
        check(len(modes) == 2 and modes[0] & 0o077 == 0 and modes[1] & 0o044 == 0o044,
              f"copies of a 0600 and a 0644 file have modes {[oct(m) for m in modes]}")

        # Unsigned bundles have no MANIFEST.minisig but still check out.
        r = run(sample, "--evidence", t / "unsigned", reqs[0])
        check(r.returncode == 0, f"unsigned bundle: {r.stderr}")
        check(not (t / "unsigned" / "MANIFEST.minisig").exists(), "unsigned bundle has a signature")
        r = run("sha256sum", "-c", "--strict", "MANIFEST", cwd=t / "unsigned")
        check(r.returncode == 0, f"sha256sum -c on the unsigned bundle: {r.stdout}")
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("evidence bundles check out with sha256sum and minisign")
    return 0


if __name__ == "__main__":
    sys.exit(main())
