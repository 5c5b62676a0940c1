"""Differential test: Airlock's requirement-file reader against pip's own.

For each top-level file (our fixtures in tests/data/requirements and
generated ones; the real files of ../shared are test_requirements_real.py),
pip's parse_requirements() + install_req_from_parsed_requirement() and
bench/requirements_dump.c must give the same sequence of
(file, line, name, specifier, url?, markers, editable, constraint).
A line pip's constructor rejects must be a warning on our side (and absent
from our output); a file pip cannot read at all must be an error or a
warning on ours. Exits 77 if the dump tool is missing.

pip runs in the newest interpreter found whose pip is before 24.1
(reference_python()); it must be 23.1 or later (the option set is 23.1's),
else the line-by-line comparison is skipped (77). The lines of issue 13 are
read by every pip >= 23.0 found.
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

import glob

from pip._internal.network.session import PipSession
from pip._internal.req.constructors import install_req_from_parsed_requirement
from pip._internal.req.req_file import parse_requirements

SRC = os.environ.get("AIRLOCK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("AIRLOCK_BUILD_DIR", "")
SHARED = os.environ.get("AIRLOCK_SHARED_DIR", os.path.join(SRC, "..", "shared"))
DUMP = os.path.join(BUILD, "requirements_dump")
FIXTURES = os.path.join(SRC, "tests", "data", "requirements")
REAL = os.path.join(SHARED, "data", "requirements-real")

# Fixtures read from the top (the others are only included).
FIXTURE_TOP = ["basic.txt", "options.txt", "continuation.txt", "nested.txt", "urls.txt",
               "crlf.txt", "bom.txt", "latin1.txt", "envvars.txt", "markers.txt",
               "broken.txt", "badoption.txt", "badutf8.txt", "missing_include.txt",
               "includes_misc.txt", "utf16le.txt", "utf16be.txt"]

ENV = dict(os.environ, AIRLOCK_REQ_TEST_NAME="expanded-name", AIRLOCK_REQ_TEST_VERSION="7.1")
ENV.pop("AIRLOCK_REQ_UNSET_VAR", None)


SESSION = PipSession()
_REFERENCE = []  # reference_python()'s answer, found once


def pip_version(python):
    p = subprocess.run([python, "-c", "import pip; print(pip.__version__)"],
                       capture_output=True, text=True, timeout=60)
    return tuple(int(x) for x in p.stdout.strip().split(".")) if p.returncode == 0 else ()


def reference_python():
    """The interpreter whose pip is the reference: $AIRLOCK_PIP_PYTHON, else
    the newest pip before 24.1 found (pyenv's 23.2.1 here; Debian's 23.0.1,
    too old for the comparison, otherwise). pip 24.1 changed marker grammar;
    the lines only older releases read are checked against every pip by
    check_issue13_lines()."""
    if not _REFERENCE:
        python = os.environ.get("AIRLOCK_PIP_PYTHON")
        if not python:
            found = [(pip_version(p), p) for p in candidate_pythons()]
            found = [(v, p) for v, p in found if v and v < (24, 1)]
            python = max(found)[1] if found else sys.executable
        _REFERENCE.append(python)
    return _REFERENCE[0]


def candidate_pythons():
    return [sys.executable] + sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")))


def pip_side_raw(path):
    """(rows, bad_lines, fatal) as this interpreter's pip sees `path`."""
    rows, bad, fatal = [], [], None
    os.environ.update(AIRLOCK_REQ_TEST_NAME="expanded-name", AIRLOCK_REQ_TEST_VERSION="7.1")
    try:
        for pr in parse_requirements(path, session=SESSION):
            m = re.match(r"^-[rc] (.*) \(line (\d+)\)$", pr.comes_from)
            file, line = m.group(1), int(m.group(2))
            try:
                ir = install_req_from_parsed_requirement(pr)
            except Exception:  # pip would stop here; we warn and go on
                bad.append((file, line))
                continue
            rows.append({
                "file": file, "line": line,
                "name": ir.req.name if ir.req else None,
                "specifier": str(ir.req.specifier) if ir.req else "",
                "url": ir.link is not None or bool(ir.req and ir.req.url),
                "markers": str(ir.markers) if ir.markers is not None else None,
                "editable": bool(ir.editable), "constraint": bool(ir.constraint),
            })
    except BaseException as e:  # unreadable file, bad option, recursion, ...
        fatal = f"{type(e).__name__}: {e}".splitlines()[0]
    return rows, bad, fatal


def pip_side_batch(python, files):
    """{file: (rows, bad, fatal)} from `python`'s pip, in the cwd. Specifiers
    and markers are then held to packaging 23.0 (Airlock's reference): pip
    <= 24.0 parses with its vendored packaging 21.3, which still accepts
    legacy (non-PEP 440) specifiers; Airlock warns about those lines."""
    from packaging.markers import InvalidMarker, Marker
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    p = subprocess.run([python, os.path.abspath(__file__), "--pip-side"] + files,
                       capture_output=True, text=True, env=ENV, timeout=600)
    if p.returncode != 0:
        raise SystemExit(f"FAIL: pip side ({python}) exited {p.returncode}: {p.stderr[-500:]}")
    out = {}
    for line in p.stdout.splitlines():
        f, rows, bad, fatal = json.loads(line)
        kept = []
        bad = [tuple(b) for b in bad]
        for r in rows:
            try:
                SpecifierSet(r["specifier"])
                if r["markers"] is not None:
                    r["markers"] = str(Marker(r["markers"]))  # 23.0's spelling
            except (InvalidSpecifier, InvalidMarker):
                bad.append((r["file"], r["line"]))
                continue
            kept.append(r)
        out[f] = (kept, bad, fatal)
    return out


def our_side_batch(files):
    """{file: (rows, rc, warnings text)} from one requirements_dump run."""
    p = subprocess.run([DUMP, "batch"] + files, capture_output=True, text=True, env=ENV,
                       timeout=300)
    if p.returncode != 0:
        raise SystemExit(f"FAIL: requirements_dump batch exited {p.returncode}: {p.stderr[-500:]}")
    out, rows, warns = {}, [], []
    for line in p.stdout.splitlines():
        obj = json.loads(line)
        if "warning" in obj:
            warns.append(obj["warning"])
        elif "end" in obj:
            out[obj["end"]] = (rows, 0 if obj["rc"] == 0 else 1, "\n".join(warns))
            rows, warns = [], []
        else:
            rows.append(obj)
    return out


def top_level_real(with_pins=False):
    """Top-level files of SOURCES.md (and their documented pin counts)."""
    sources = os.path.join(REAL, "SOURCES.md")
    out = []
    with open(sources, encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.split("|")]
            if len(cells) > 6 and cells[5].startswith("top-level"):
                path = os.path.join(cells[1].replace("/", "__"), cells[2])
                pins = int(re.search(r"(\d+) pins", cells[5]).group(1))
                out.append((path, pins) if with_pins else path)
    return out


def check_pin_counts(failures):
    """SOURCES.md gives, per top-level file, the distinct exact pins pip checks
    for CPython 3.11 on Linux x86_64 (constraints and markers applied)."""
    cwd = os.getcwd()
    os.chdir(REAL)
    n = 0
    try:
        for path, want in top_level_real(with_pins=True):
            p = subprocess.run([DUMP, "deps", path, "3.11.2", "linux"], capture_output=True,
                               text=True, env=ENV, timeout=60)
            deps = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
            got = len({(d["normalized"], d["version"]) for d in deps if d["version"]})
            if p.returncode != 0 or got != want:
                failures.append(f"{path}: {got} distinct pins checked, SOURCES.md says {want}")
            n += 1
    finally:
        os.chdir(cwd)
    return n


def compare(root, files, totals, failures):
    cwd = os.getcwd()
    os.chdir(root)
    try:
        batch = our_side_batch(files)
        pip_batch = pip_side_batch(reference_python(), files)
        for f in files:
            pip_rows, pip_bad, fatal = pip_batch[f]
            ours, rc, stderr = batch[f]
            totals["files"] += 1
            if fatal is None:
                if pip_rows != ours:
                    for i, (a, b) in enumerate(zip(pip_rows, ours + [None] * len(pip_rows))):
                        if a != b:
                            failures.append(f"{root}/{f}: row {i}: pip {a} ours {b}")
                            break
                    else:
                        failures.append(f"{root}/{f}: pip has {len(pip_rows)} rows, ours {len(ours)}")
                    continue
                for file, line in pip_bad:
                    if f"{file}:{line}:" not in stderr:
                        failures.append(f"{root}/{f}: pip rejects {file}:{line}, we did not warn")
                totals["agree_files"] += 1
                totals["rows"] += len(pip_rows)
                totals["rejected"] += len(pip_bad)
            else:
                # pip gives up on the file; we must not be silent about it,
                # and what we read before must be what pip yielded before.
                if rc == 0 and not stderr:
                    failures.append(f"{root}/{f}: pip fails ({fatal}); we said nothing")
                    continue
                if ours[:len(pip_rows)] != pip_rows:
                    failures.append(f"{root}/{f}: rows before pip's failure differ")
                    continue
                totals["pip_fatal"] += 1
                totals["rows"] += len(pip_rows)
    finally:
        os.chdir(cwd)


# Fragments for generated files: every line kind, joined with blanks,
# continuations, CR/CRLF/form feeds and broken pieces.
FRAGMENTS = [
    'requests==2.31.0', 'Django >= 3.2', 'a_b.c[x,y]==1.0', 'pkg ; python_version < "3"',
    'pkg==1.0;os_name=="posix"', 'name @ https://x.org/a.zip',
    'https://x.org/name-1.0-py3-none-any.whl', 'git+https://x.org/r.git#egg=foo',
    '-e git+https://x.org/r.git#egg=bar', '--hash=sha256:abc', '--pre', '-i https://x',
    '# comment', '  # indented', 'x==1 # c', 'x==1#c', '\\', ' \\', 'foo \\', '\\\\', '',
    '   ', '--index-url=https://x', '-f ./w', '--no-binary :all:', 'pkg===1.0', 'pkg==1.*',
    'pkg~=1.0', 'pkg (>=1,<2)', 'pkg[a] @ file:///tmp/x', '${NOPE_X}==1',
    'p==${AIRLOCK_REQ_TEST_VERSION}', '-r inc.txt', '-c con.txt',
    'pkg --hash=sha256:a --hash=sha512:b', 'pkg\t==1.0', 'pkg==1.0 ; extra == "A_B"',
    'pkg; sys_platform=="linux" and (python_version>"3" or os_name=="nt")', '-e .',
    '\u00e9==1', 'pkg==1.0\x0cother==2.0', 'pkg==1.0\rother==2', '--trusted-host=x y', '-e',
    '--', 'pkg -- -r x', "pkg==1.0 'quoted'", '-r "inc.txt"', "--hash='sha256:x'",
    'a==1 \\\n# c \\\nb==2', 'pkg>=1.0,', 'pkg @ git+https://x.org/r.git',
    # issue 13: glued marker keywords, current pip's options
    "pkg==1.0; os_name=='posix'andpython_version>'3'", "pkg==1.0;'posix'inos_name",
    'pkg==1.0 --config-settings=a=b', 'pkg -C a=b -Cx=y', 'pkg --config-settings novalue',
    '--in https://x', 'pkg==1.0 --install-option=x',
]


def generated(root, count, seed=508):
    rng = random.Random(seed)
    with open(os.path.join(root, "inc.txt"), "w") as f:
        f.write("incpkg==1.0\nother ; os_name == 'nt'\n")
    with open(os.path.join(root, "con.txt"), "w") as f:
        f.write("conpkg==1.0\n-r inc.txt\n")
    names = []
    for i in range(count):
        lines = [rng.choice(FRAGMENTS) + rng.choice(["", " ", "\t", " \\"])
                 for _ in range(rng.randint(1, 8))]
        text = "\n".join(lines) + rng.choice(["", "\n", "\r\n"])
        name = f"gen{i}.txt"
        with open(os.path.join(root, name), "w", encoding="utf-8", newline="") as f:
            f.write(text)
        names.append(name)
    return names


# Issue 13: lines some pip release reads, each pinning Django; Airlock
# must pin every one that any runnable pip pins.
ISSUE13_LINES = [
    "django==1.0; os_name=='posix'andpython_version>'3'",
    "django==1.1; os_name=='nt'orpython_version>'3'",
    "django==1.2; 'posix'inos_name",
    "django==1.3; os_name!='po\\six'",
    "django==1.4 --config-settings=editable_mode=compat",
    "django==1.5 -C key=value",
    "django==1.6 --in=https://example.org/simple",
]


def check_issue13_lines(failures):
    """Each line alone in a file, read by every runnable pip and by us."""
    root = tempfile.mkdtemp(prefix="airlock-req13-")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        files = []
        for i, text in enumerate(ISSUE13_LINES):
            files.append(f"l{i}.txt")
            with open(files[-1], "w", encoding="utf-8") as f:
                f.write(text + "\n")
        ours = our_side_batch(files)
        pythons = [(pip_version(p), p) for p in candidate_pythons()]
        pythons = sorted({v: p for v, p in pythons if v >= (23, 0)}.items())  # one per pip
        read_by = {f: [] for f in files}
        for v, python in pythons:
            for f, (rows, _bad, _fatal) in pip_side_batch(python, files).items():
                if any(r["name"] and r["name"].lower() == "django" for r in rows):
                    read_by[f].append(".".join(map(str, v)))
        for f, text in zip(files, ISSUE13_LINES):
            if read_by[f] and not any(r["name"] == "django" for r in ours[f][0]):
                failures.append(f"{text!r}: pip {read_by[f]} read it, we did not")
        print(f"issue 13 lines: {len(files)}, pips run: "
              f"{['.'.join(map(str, v)) for v, _ in pythons]}")
    finally:
        os.chdir(cwd)
        shutil.rmtree(root)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--pip-side":
        for f in sys.argv[2:]:
            print(json.dumps([f, *pip_side_raw(f)]))
        return 0
    if not BUILD or not os.access(DUMP, os.X_OK):
        print(f"requirements_dump not found at {DUMP!r}; skipping")
        return 77
    python = reference_python()
    print(f"reference pip: {'.'.join(map(str, pip_version(python)))} ({python})")
    totals = dict(files=0, agree_files=0, rows=0, rejected=0, pip_fatal=0)
    failures = []
    check_issue13_lines(failures)
    if pip_version(python) < (23, 1):
        # Airlock follows pip 23.1+'s options (--config-settings, no
        # --install-option), which the fixtures and fragments use.
        for msg in failures:
            print("FAIL", msg)
        if failures:
            return 1
        print("skip: line-by-line comparison needs a pip >= 23.1 (set AIRLOCK_PIP_PYTHON)")
        return 77
    compare(FIXTURES, FIXTURE_TOP, totals, failures)
    fixture_totals = dict(totals)
    gen_dir = tempfile.mkdtemp(prefix="airlock-reqdiff-")
    try:
        compare(gen_dir, generated(gen_dir, 150), totals, failures)
    finally:
        shutil.rmtree(gen_dir)
    # The real files of ../shared: test_requirements_real.py, skipped without them.
    print(f"fixtures: {fixture_totals}")
    print(f"all: {totals}")
    for msg in failures:
        print("FAIL", msg)
    # Floors on what was compared: every fixture and generated file, and
    # the rows they held when this was written (73 of fixtures; 436 in all).
    if totals["files"] < len(FIXTURE_TOP) + 150 or fixture_totals["rows"] < 70 or \
            totals["rows"] < 400:
        print(f"FAIL: too few compared: {totals['files']} files, {totals['rows']} rows")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
