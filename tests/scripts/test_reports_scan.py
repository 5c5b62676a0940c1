"""`airlock scan` output in every format, end to end, on a real database.

A snapshot of examples/advisories is built, imported, and
examples/requirements.txt (plus an unpinned and a URL requirement, which are
skipped) is scanned with an ignore file. The SARIF and CycloneDX output must
validate against the official schemas (from ../shared; skipped without them),
every format must list the findings the JSON report lists, and an evidence
bundle written by `airlock scan --evidence --sign-key` must check out with
stock sha256sum and minisign and be the same as the formats printed alone.
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import warnings

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import test_reports_agree as agree  # noqa: E402

import jsonschema  # noqa: E402

FAILURES = []


def check(cond, msg):
    if not cond:
        FAILURES.append(msg)
        print("FAIL", msg)


def run(*args, cwd=None):
    return subprocess.run([str(a) for a in args], cwd=cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def validators(schemas):
    cdx_dir = schemas / "cyclonedx"
    cdx = json.loads((cdx_dir / "bom-1.6.schema.json").read_text())
    store = {}
    for name in ("bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"):
        s = json.loads((cdx_dir / name).read_text())
        store[s["$id"]] = s
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        resolver = jsonschema.RefResolver(base_uri=cdx["$id"], referrer=cdx, store=store)
        return (jsonschema.Draft4Validator(
                    json.loads((schemas / "sarif" / "sarif-schema-2.1.0.json").read_text())),
                jsonschema.Draft7Validator(cdx, resolver=resolver))


def main():
    schemas = pathlib.Path(os.environ.get("AIRLOCK_SHARED_DIR", "../shared")) / "schemas"
    if not (schemas / "sarif" / "sarif-schema-2.1.0.json").is_file():
        print(f"skip: shared schemas not found under {schemas}")
        return 77
    sarif_v, cdx_v = validators(schemas)
    source = pathlib.Path(os.environ["AIRLOCK_SOURCE_DIR"])
    airlock, dbbuild = os.environ["AIRLOCK_BIN"], os.environ["AIRLOCK_DBBUILD_BIN"]
    with tempfile.TemporaryDirectory() as t:
        t = pathlib.Path(t)
        r = run(dbbuild, "keygen", "-W", "-p", t / "pub", "-s", t / "key")
        check(r.returncode == 0, f"keygen: {r.stderr}")
        r = run(dbbuild, "build", "-s", t / "key", "-o", t / "db.zst", "--sequence", "5",
                source / "examples" / "advisories")
        check(r.returncode == 0, f"build: {r.stderr}")
        r = run(airlock, "--db-dir", t / "db", "db", "import", t / "db.zst", "--trusted-key",
                t / "pub")
        check(r.returncode == 0, f"import: {r.stderr}")
        if FAILURES:
            return 1
        req = t / "requirements.txt"
        req.write_text((source / "examples" / "requirements.txt").read_text() +
                       "\nunpinned-thing>=1.0\nurl-thing @ https://example.org/x-1.0.tar.gz\n")
        # Ignore the first finding of a plain scan: one permanent, with a reason.
        plain = run(airlock, "--db-dir", t / "db", "scan", "--no-python", "-r", req,
                    "--format", "json")
        doc = json.loads(plain.stdout)
        ids = [v["id"] for d in doc["dependencies"] for v in d.get("vulns", [])]
        check(len(ids) >= 2, f"the example scan found {ids}")
        (t / "ignore").write_text(f"{ids[0]} accepted: <b>not reachable</b> \"here\"\n")
        common = ["--db-dir", t / "db", "scan", "--no-python", "-r", req,
                  "--ignore-file", t / "ignore"]

        out = t / "out"
        out.mkdir()
        for fmt, ext in (("table", "txt"), ("json", "json"), ("sarif", "sarif"),
                         ("cyclonedx", "cdx.json"), ("markdown", "md"), ("html", "html")):
            r = run(airlock, *common, "--format", fmt, "-o", out / f"report.{ext}")
            check(r.returncode in (0, 1), f"scan --format {fmt}: {r.returncode} {r.stderr}")
        bundle = t / "bundle"
        r = run("minisign", "-G", "-W", "-p", t / "ev.pub", "-s", t / "ev.key")
        check(r.returncode == 0, f"minisign -G: {r.stderr}")
        r = run(airlock, *common, "--evidence", bundle, "--sign-key", t / "ev.key")
        check(r.returncode in (0, 1), f"scan --evidence: {r.returncode} {r.stderr}")
        if FAILURES:
            return 1

        for d in (out, bundle):
            errors = list(sarif_v.iter_errors(json.loads((d / "report.sarif").read_text())))
            check(not errors, f"{d.name}/report.sarif: {[e.message for e in errors[:3]]}")
            errors = list(cdx_v.iter_errors(json.loads((d / "report.cdx.json").read_text())))
            check(not errors, f"{d.name}/report.cdx.json: {[e.message for e in errors[:3]]}")
            ref_found, ref_skipped = agree.from_json(d)
            check(any(ig for (_, _, _, ig) in ref_found), f"{d.name}: nothing was ignored")
            check(len(ref_skipped) == 2, f"{d.name}: skipped {ref_skipped}")
            versions = sorted({k[1] for k in ref_found if k[1]}, key=len, reverse=True)
            for name, fn in (("sarif", agree.from_sarif), ("cyclonedx", agree.from_cyclonedx),
                             ("markdown", agree.from_markdown),
                             ("html", lambda x: agree.from_html(x, versions))):
                found, skipped = fn(d)
                check(found == ref_found, f"{d.name}/{name}: findings differ from json")
                check(skipped == ref_skipped, f"{d.name}/{name}: skipped differ from json")
            html = (d / "report.html").read_text()
            check("<b>not reachable" not in html and "&lt;b&gt;not reachable" in html,
                  f"{d.name}: the ignore reason is not escaped in HTML")

        r = run("sha256sum", "-c", "--strict", "MANIFEST", cwd=bundle)
        check(r.returncode == 0, f"sha256sum -c: {r.stdout}")
        r = run("minisign", "-Vm", "MANIFEST", "-p", t / "ev.pub", cwd=bundle)
        check(r.returncode == 0, f"minisign -V: {r.stdout}{r.stderr}")
        r = run("minisign", "-Vm", t / "db.zst", "-x", bundle / "snapshot" / "snapshot.minisig",
                "-p", t / "pub")
        check(r.returncode == 0, f"the bundle's snapshot signature: {r.stdout}{r.stderr}")
        check((bundle / "inputs" / "1-requirements.txt").read_bytes() == req.read_bytes(),
              "the requirement file copy differs")
        # The bundle's reports are what --format prints, scan time aside.
        a = json.loads((bundle / "report.json").read_text())
        b = json.loads((out / "report.json").read_text())
        a.pop("scan_time", None)
        b.pop("scan_time", None)
        check(a == b, "the bundle's report.json differs from scan --format json")
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("airlock scan output validates, agrees across formats and bundles check out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
