#!/usr/bin/python3
"""Differential test: every real lockfile in ../shared/data/lockfiles-real
(poetry.lock, uv.lock, Pipfile.lock, pdm.lock, pylock.toml) read by
lockfile_read() (through tests/tools/lockfile-dump) against its expected.json,
made by Python's tomllib/json (see that folder's README):

- "packages" equal exactly: [canonical name, version as written or null,
  source kind], in file order, duplicates kept;
- a package is checked if and only if its source kind is registry and its
  version is not null and is a PEP 440 version (packaging.version, the
  oracle Debian's python3-packaging provides);
- every package names a line of its file.

Every failing case is listed, then the test fails. Floors (about 95% of the
data when they were set) keep a shrinking corpus from passing on less.
Skips (77) without ../shared.
"""
import json
import os
import subprocess
import sys

from packaging.version import InvalidVersion, Version

SRC = os.environ.get("AIRLOCK_SOURCE_DIR",
                     os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SHARED = os.environ.get("AIRLOCK_SHARED_DIR", os.path.join(SRC, "..", "shared"))
DATA = os.path.join(SHARED, "data", "lockfiles-real")
TOOLS = os.environ.get("AIRLOCK_TOOLS_DIR", os.path.join(SRC, "build", "release", "tools"))
DUMP = os.path.join(TOOLS, "lockfile-dump")

# folder -> (--lockfile FORMAT, floor on cases, floor on packages)
FORMATS = {
    "poetry.lock": ("poetry", 13, 1420),
    "uv.lock": ("uv", 14, 1810),
    "Pipfile.lock": ("pipfile", 10, 755),
    "pdm.lock": ("pdm", 9, 580),
    "pylock.toml": ("pylock", 12, 240),
}
# Floors on what the comparison covers across formats: packages checked,
# and packages skipped for their source (git, url, path, directory, ...).
FLOOR_CHECKED = 4600
FLOOR_SKIPPED_SOURCE = 45


def valid_version(text):
    try:
        Version(text)
        return True
    except InvalidVersion:
        return False


def check_case(fmt, case_dir, failures, counts):
    with open(os.path.join(case_dir, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    path = os.path.join(case_dir, expected["file"])
    name = os.path.relpath(path, DATA)
    proc = subprocess.run([DUMP, f"{fmt}:{path}"], capture_output=True, text=True)
    if proc.returncode != 0:
        failures.append(f"{name}: lockfile-dump exited {proc.returncode}: "
                        f"{proc.stderr.strip()[:300]}")
        return
    got = json.loads(proc.stdout)
    want = expected["packages"]
    counts["cases"] += 1
    counts["packages"] += len(got["packages"])
    counts["warnings"] += got["warnings"]
    if got["packages"] != want:
        extra = len(got["packages"]) - len(want)
        first = next((i for i, (g, w) in enumerate(zip(got["packages"], want)) if g != w), None)
        where = (f"first difference at #{first}: got {got['packages'][first]}, "
                 f"want {want[first]}" if first is not None else "same prefix")
        failures.append(f"{name}: {len(got['packages'])} packages, expected {len(want)} "
                        f"({extra:+d}); {where}")
        return
    for (norm, version, kind), det in zip(got["packages"], got["details"]):
        should = kind == "registry" and version is not None and valid_version(version)
        if det["checked"] != should:
            failures.append(f"{name}:{det['line']}: {norm} {version} ({kind}) "
                            f"{'checked' if det['checked'] else 'skipped'}, expected "
                            f"{'checked' if should else 'skipped'} ({det['skip_reason']})")
        if det["line"] < 1:
            failures.append(f"{name}: {norm} has no line")
        counts["checked"] += det["checked"]
        counts["skipped_source"] += kind != "registry"


def main():
    if not os.path.isdir(DATA):
        print(f"skip: no real lockfiles at {DATA}")
        return 77
    if not os.access(DUMP, os.X_OK):
        print(f"FAIL: no {DUMP} (build the tests)")
        return 1
    failures = []
    totals = {"checked": 0, "skipped_source": 0}
    print(f"{'format':<14} {'cases':>5} {'packages':>8} {'checked':>7} {'skipped(source)':>15} "
          f"{'warnings':>8}")
    for folder, (fmt, floor_cases, floor_pkgs) in FORMATS.items():
        base = os.path.join(DATA, folder)
        counts = dict.fromkeys(("cases", "packages", "checked", "skipped_source", "warnings"), 0)
        cases = sorted(os.listdir(base)) if os.path.isdir(base) else []
        for case in cases:
            check_case(fmt, os.path.join(base, case), failures, counts)
        print(f"{folder:<14} {counts['cases']:>5} {counts['packages']:>8} {counts['checked']:>7} "
              f"{counts['skipped_source']:>15} {counts['warnings']:>8}")
        if counts["cases"] < floor_cases or counts["packages"] < floor_pkgs:
            failures.append(f"{folder}: {counts['cases']} cases / {counts['packages']} packages "
                            f"compared, below the floor of {floor_cases} / {floor_pkgs}")
        totals["checked"] += counts["checked"]
        totals["skipped_source"] += counts["skipped_source"]
    if totals["checked"] < FLOOR_CHECKED or totals["skipped_source"] < FLOOR_SKIPPED_SOURCE:
        failures.append(f"{totals['checked']} checked / {totals['skipped_source']} skipped for "
                        f"their source, below the floor of {FLOOR_CHECKED} / "
                        f"{FLOOR_SKIPPED_SOURCE}")
    for f in failures:
        print("FAIL:", f)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("all cases agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
