"""Airlock's own CycloneDX report reads back to the dependencies it was made from.

A snapshot of examples/advisories is built and imported; a requirement file
(tests/data/requirements/basic.txt: pins, ranges, an arbitrary-equality pin,
a broken line) and a site-packages tree (tests/data/sitepackages/site:
odd names, local versions, missing versions, editables) are each scanned
with --format json and --format cyclonedx. sbom-dump (tests/tools) reads
the CycloneDX report with sbom_read(), and the result must match the JSON
report's dependencies one for one, in order:

- a checked dependency comes back checked, same normalised name, same
  version text;
- a skipped one comes back skipped, never checked: its purl has no
  version ("no version"), or the version text it was skipped with, which
  is not PEP 440 ("version is not a PEP 440 version", a warning), or a
  name that is not a project name ("invalid package URL", a warning); its
  original reason is in the report's airlock:skipped property, which an
  SBOM reader does not interpret;
- every component is a pkg:pypi one (info.other == 0), and each
  dependency's line holds its purl.
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

FAILURES = []

# What a skipped dependency reads back as, and whether that is a warning.
WHY_SKIPPED = {"no version": False, "version is not a PEP 440 version": True,
               "invalid package URL": True}


def check(cond, msg):
    if not cond:
        FAILURES.append(msg)
        print("FAIL", msg)


def run(*args):
    return subprocess.run([str(a) for a in args], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def roundtrip(airlock, dump, db, what, inputs, out):
    scans = {}
    for fmt in ("json", "cyclonedx"):
        path = out / f"{what}.{fmt}"
        r = run(airlock, "--db-dir", db, "scan", "--no-python", *inputs, "--format", fmt,
                "-o", path)
        check(r.returncode in (0, 1), f"{what}: scan --format {fmt}: {r.returncode} {r.stderr}")
        scans[fmt] = path
    if FAILURES:
        return
    report = json.loads(scans["json"].read_text())
    r = run(dump, scans["cyclonedx"])
    check(r.returncode == 0, f"{what}: sbom-dump: {r.returncode} {r.stderr}")
    if r.returncode != 0:
        return
    back = json.loads(r.stdout)
    deps, read = report["dependencies"], back["dependencies"]
    info = back["info"]
    check(info["format"] == "cyclonedx" and info["spec_version"] in ("1.4", "1.5", "1.6"),
          f"{what}: info {info}")
    check(info["components"] == len(deps) and info["pypi"] == len(deps) and info["other"] == 0,
          f"{what}: {info} for {len(deps)} dependencies")
    check(len(read) == len(deps), f"{what}: {len(read)} read back, {len(deps)} scanned")
    lines = scans["cyclonedx"].read_text().split("\n")
    checked = skipped = 0
    expected_warnings = 0
    for i, (d, b) in enumerate(zip(deps, read)):
        where = f"{what}: dependency {i + 1} ({d['name']!r})"
        check(b["normalized"] == d["normalized_name"],
              f"{where}: name {b['normalized']!r}, scanned {d['normalized_name']!r}")
        if d.get("skip_reason") is None:
            checked += 1
            # Blanks around a version are not part of it (PEP 440): the
            # purl carries the version without them.
            check(b["checked"] and b["version"] == d["version"].strip(" \t\n\r\f\v"),
                  f"{where}: read back {b['version']!r} checked={b['checked']}, "
                  f"scanned {d['version']!r}")
        else:
            skipped += 1
            check(not b["checked"] and b["version"] in (None, d["version"])
                  and b["skip_reason"] in WHY_SKIPPED,
                  f"{where}: skipped in the scan, read back {b}")
            expected_warnings += WHY_SKIPPED[b["skip_reason"]]
        line = lines[b["line"] - 1] if 0 < b["line"] <= len(lines) else ""
        check('"purl":' in line, f"{where}: line {b['line']} holds no purl: {line!r}")
    check(len(back["warnings"]) == expected_warnings,
          f"{what}: warnings {back['warnings']}")
    check(checked > 0 and skipped > 0, f"{what}: {checked} checked, {skipped} skipped")
    print(f"{what}: {len(deps)} dependencies ({checked} checked, {skipped} skipped) read back")


def main():
    source = pathlib.Path(os.environ["AIRLOCK_SOURCE_DIR"])
    dump = pathlib.Path(os.environ["AIRLOCK_TOOLS_DIR"]) / "sbom-dump"
    if not dump.is_file():
        print(f"skip: {dump} not built")
        return 77
    airlock, dbbuild = os.environ["AIRLOCK_BIN"], os.environ["AIRLOCK_DBBUILD_BIN"]
    data = source / "tests" / "data"
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
        roundtrip(airlock, dump, t / "db", "requirements",
                  ["-r", data / "requirements" / "basic.txt"], t)
        roundtrip(airlock, dump, t / "db", "site-packages",
                  ["--path", data / "sitepackages" / "site"], t)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
