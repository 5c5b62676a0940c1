#!/usr/bin/python3
"""Differential test: Airlock's inventory of installed distributions against
importlib.metadata, the reference.

`inventory_dump` (bench/inventory_dump.c) prints what Airlock finds; this
script asks importlib.metadata the same question and compares multisets of
(Name, Version) exactly as importlib returns them (no normalisation: trailing
blanks, case and folding must match byte for byte).

What importlib is asked, per input kind (docs/inventory.md):
- `DIR` (--path): distributions(path=[DIR] + DIR's *.egg + the targets of its
  *.egg-link files), i.e. DIR as site.py would extend sys.path from it.
- `--venv DIR` and `--python EXE`: distributions() run by that interpreter
  (with -E -s for --venv, which leaves out the user site; -E for --python).
Documented differences applied to importlib's answer: a metadata file with a
UTF-8 byte-order mark is read without it (importlib sees no Name there), and
an .egg-link whose target is missing is an extra, unchecked dependency.
Entries without a Name are not distributions on either side.
pyenv's interpreters and the real site-packages of ../shared are
test_inventory_pyenv.py and test_inventory_real.py, skipped without them.
"""
import collections
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

SOURCE = os.environ.get("AIRLOCK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("AIRLOCK_BUILD_DIR", os.path.join(SOURCE, "build"))
SHARED = os.environ.get("AIRLOCK_SHARED_DIR", os.path.join(SOURCE, "..", "shared"))
DATA = os.environ.get("AIRLOCK_TEST_DATA", os.path.join(SOURCE, "tests", "data"))
DUMP = os.path.join(BUILD, "inventory_dump")
PY = "/usr/bin/python3"

# Run by the interpreter under test: print Name\tVersion per distribution
# (with the BOM rule applied), "\N" for None; paths in argv, or sys.path.
ORACLE = r'''
import email, re, sys
from importlib import metadata
try:
    from importlib.metadata import _adapters
except ImportError:
    _adapters = None
def esc(s):
    if s is None:
        return "\\N"
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
def canon(n):
    return re.sub(r"[-_.]+", "-", n).lower()
paths = sys.argv[1:] or None
dists = metadata.distributions(path=paths) if paths else metadata.distributions()
for d in dists:
    try:
        md = d.metadata
    except Exception:
        continue
    if md is None:
        continue
    name, version = md["Name"], md["Version"]
    if name is None:
        for cand in ("METADATA", "PKG-INFO", ""):
            text = d.read_text(cand)
            if text:
                break
        if text and text.startswith("\ufeff") and _adapters is not None:
            md = _adapters.Message(email.message_from_string(text[1:]))
            name, version = md["Name"], md["Version"]
    if name is None:
        continue
    if "zipfile" in type(d._path).__module__:
        name = canon(name)  # a zipped egg: Airlock reads its file name
    print(esc(name) + "\t" + esc(version))
'''


def run_oracle(python, paths, flags=()):
    with tempfile.TemporaryDirectory() as cwd:  # '' on sys.path finds nothing
        out = subprocess.run([python, *flags, "-c", ORACLE, *paths], cwd=cwd,
                             capture_output=True, text=True, check=True,
                             env={"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/")})
    return collections.Counter(tuple(line.split("\t")) for line in out.stdout.splitlines())


def run_dump(args):
    res = subprocess.run([DUMP, *args], capture_output=True, text=True)
    if res.returncode != 0:
        raise AssertionError(f"inventory_dump {args} failed: {res.stderr}")
    found = collections.Counter()
    extra = []
    for line in res.stdout.splitlines():
        f = line.split("\t")
        if len(f) != 8:
            raise AssertionError(f"bad dump line: {line!r}")
        name, _norm, ver, _parsed, _editable, _loc, _src, skip = f
        if skip.startswith("editable source '"):
            extra.append(name)
            continue
        if _src.lower().endswith(".egg") and os.path.isfile(_src):
            name = re.sub(r"[-_.]+", "-", name).lower()
        found[(name, ver)] += 1
    return found, extra, res.stderr


def path_entries(d):
    """DIR plus what site.py would add from it: .egg entries and egg-link targets."""
    entries = [d]
    for e in sorted(os.listdir(d)):
        low = e.lower()
        full = os.path.join(d, e)
        if low.endswith(".egg") and (os.path.isdir(full) or os.path.isfile(full)):
            entries.append(full)
        elif low.endswith(".egg-link") and os.path.isfile(full):
            with open(full, encoding="utf-8", errors="replace") as f:
                target = f.readline().strip()
            target = os.path.join(d, target)
            if os.path.isdir(target):
                entries.append(target)
    return entries


failures = []
counts = {}


def compare(label, ours, ref):
    ours_found, _extra, _stderr = ours
    if ours_found != ref:
        missing = ref - ours_found
        unexpected = ours_found - ref
        failures.append(f"{label}: missing {sorted(missing.elements())[:20]} "
                        f"unexpected {sorted(unexpected.elements())[:20]}")
    counts[label] = sum(n for (_, v), n in ref.items() if v != "\\N")
    print(f"{label}: importlib {sum(ref.values())}, airlock {sum(ours_found.values())}"
          f"{'' if ours_found == ref else '  MISMATCH'}")


def check_dir(label, d):
    compare(label, run_dump([d]), run_oracle(PY, path_entries(d)))


def main():
    if not os.access(DUMP, os.X_OK):
        print(f"inventory_dump not built at {DUMP}")
        return 1

    fixtures = os.path.join(DATA, "sitepackages", "site")
    check_dir("fixtures", fixtures)
    ours = run_dump([fixtures])
    if ours[1] != ["gone"]:
        failures.append(f"fixtures: unresolved egg-links {ours[1]} != ['gone']")

    # Debian's python3 is the oracle, and its packaging lives here.
    check_dir("debian dist-packages", "/usr/lib/python3/dist-packages")

    with tempfile.TemporaryDirectory() as tmp:
        venv = os.path.join(tmp, "venv")
        subprocess.run([PY, "-m", "venv", "--without-pip", venv], check=True)
        site = glob.glob(os.path.join(venv, "lib", "python3*", "site-packages"))[0]
        for name in ("requests-2.31.0.dist-info", "crlf_pkg-1.0.dist-info",
                     "eggdir-1.2-py3.11.egg", "single-0.5-py3.11.egg-info", "dup-1.0.dist-info",
                     "dup-2.0.dist-info", "noversion.egg-info", "folded-3.1.dist-info",
                     "zipped_egg-3.0-py3.11.egg"):
            src = os.path.join(fixtures, name)
            (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(site, name))
        with open(os.path.join(site, "easy-install.pth"), "w") as f:
            f.write("./eggdir-1.2-py3.11.egg\n./zipped_egg-3.0-py3.11.egg\n")
        vpy = os.path.join(venv, "bin", "python3")
        compare("venv --venv", run_dump(["--venv", venv]), run_oracle(vpy, [], ["-E", "-s"]))
        compare("venv --python", run_dump(["--python", vpy]), run_oracle(vpy, [], ["-E"]))
        # The same with the system site-packages included.
        cfg = os.path.join(venv, "pyvenv.cfg")
        with open(cfg) as f:
            text = f.read().replace("include-system-site-packages = false",
                                    "include-system-site-packages = true")
        with open(cfg, "w") as f:
            f.write(text)
        compare("venv+system --venv", run_dump(["--venv", venv]), run_oracle(vpy, [], ["-E", "-s"]))

    compare("system --python", run_dump(["--python", PY]), run_oracle(PY, [], ["-E"]))
    # pyenv's interpreters: test_inventory_pyenv.py; ../shared's real
    # site-packages: test_inventory_real.py (each skipped without them).
    print("compared (with a version):", counts)
    check_floors(FLOORS)
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


# Distributions with a Name and a Version importlib found, per comparison,
# when this was written: fixtures 35, Debian 32, the venv 8 (40 with the
# system's), the system 32. Both sides agreeing on nothing is no check.
FLOORS = {"fixtures": 35, "debian dist-packages": 3, "venv --venv": 8, "venv --python": 8,
          "venv+system --venv": 11, "system --python": 3}


def check_floors(floors):
    for label, n in floors.items():
        if counts.get(label, 0) < n:
            failures.append(f"{label}: {counts.get(label, 0)} distributions compared, "
                            f"floor {n}")


if __name__ == "__main__":
    sys.exit(main())
