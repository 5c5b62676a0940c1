"""Differential test of Airlock's pyproject.toml reader on the real files of
../shared/data/lockfiles-real/pyproject.toml, against their expected.json
(made with Python's tomllib; the data's README gives its format).

Every expected requirement must come out once, in file order, and nothing
else: same name, the group Airlock names for it, the dev flag, and checked
at the pinned version exactly when the requirement is an exact pin
(packaging's Requirement for PEP 508 strings; Poetry's own constraint
syntax, read here independently with a regular expression), otherwise
skipped with a range / "not pinned" / source-kind reason. The line each
dependency names must hold its name. Exits 77 without the shared data or
the dump tool.
"""
import json
import os
import re
import subprocess
import sys

from packaging.requirements import Requirement
from packaging.version import InvalidVersion, Version

SHARED = os.environ.get("AIRLOCK_SHARED_DIR", os.path.join(os.path.dirname(__file__),
                                                           "..", "..", "..", "shared"))
CASES = os.path.join(SHARED, "data", "lockfiles-real", "pyproject.toml")
DUMP = os.path.join(os.environ.get("AIRLOCK_TOOLS_DIR", ""), "pyproject-dump")

# What the data gave when the floors were set: 12 files, 495 requirements
# in expected.json, of which 484 dependencies (the rest are 7 include-group
# entries and 4 Poetry `python` keys): 53 exact pins checked, 423 ranges or
# unpinned names skipped, 8 git/url/path sources skipped. About 95% of
# each; raise them when the data grows.
MIN_FILES = 12
MIN_DEPS = 460
MIN_CHECKED = 50
MIN_RANGES = 400
MIN_SOURCES = 7


def canon(name):
    return re.sub(r"[-_.]+", "-", name).lower()


# Poetry: an optional "==", "=" or "===" and one version; anything with an
# operator, wildcard, comma, bar or a second word is a range.
POETRY_PIN = re.compile(r"\s*(?:===|==|=)?\s*([^\s,|*^~<>!=]+)\s*")


def pep440(text):
    try:
        Version(text)
        return True
    except InvalidVersion:
        return False


def expect_pep508(text):
    """(version or None, source kind, reason prefix) of a PEP 508 string."""
    req = Requirement(text)
    if req.url:
        kind = "git" if req.url.startswith("git+") else \
            "path" if req.url.startswith("file:") else "url"
        return None, kind, f"{kind} source"
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and \
            not specs[0].version.endswith(".*"):
        v = specs[0].version
        return (v, "registry", None) if pep440(v) else (None, "registry", "pinned to")
    return None, "registry", "range '" if specs else "not pinned"


def expect_poetry_constraint(text):
    if text.strip() in ("", "*"):
        return None, "registry", "not pinned"
    m = POETRY_PIN.fullmatch(text)
    if m and pep440(m.group(1)):
        return m.group(1), "registry", None
    return None, "registry", "pinned to" if m else "range '"


def expect_poetry_table(spec):
    for key in ("git", "url", "path"):
        if key in spec:
            kind = key
            if key == "path":
                kind = "editable" if spec.get("develop") is True else \
                    "path" if re.search(r"\.(whl|zip|tar\.gz|tgz|tar\.bz2|tar\.xz|tar)$",
                                        spec[key]) else "directory"
            return None, kind, f"{kind} source"
    if "version" not in spec:
        return None, "registry", "not pinned"
    return expect_poetry_constraint(spec["version"])


def group_holders(reqs):
    """For each dependency group: the groups that include it, directly or
    not, in the file order of the including groups (as Airlock lists
    them), from the include-group entries."""
    order = []
    names = {}
    includes = {}
    for r in reqs:
        g = r["group"]
        if not g.startswith("dependency-groups."):
            continue
        name = g[len("dependency-groups."):]
        if name not in names:
            names[name] = canon(name)
            order.append(name)
            includes[name] = []
        if "include-group" in r:
            includes[name].append(canon(r["include-group"]))
    by_canon = {}
    for name in order:
        by_canon.setdefault(names[name], []).append(name)
    holders = {name: [] for name in order}
    for root in order:
        seen = {root}
        stack = [root]
        while stack:
            g = stack.pop()
            for c in includes[g]:
                for h in by_canon.get(c, []):
                    if h not in seen:
                        seen.add(h)
                        holders[h].append(root)
                        stack.append(h)
    for h in holders:
        holders[h].sort(key=order.index)
    return holders


def expected_deps(exp):
    """What Airlock must list for expected.json, in order."""
    reqs = exp["requirements"]
    holders = group_holders(reqs)
    out = []
    for r in reqs:
        if "include-group" in r:
            continue
        g = r["group"]
        if g == "project.dependencies":
            group, dev = "project", False
        elif g.startswith("project.optional-dependencies."):
            group, dev = "extra:" + g[len("project.optional-dependencies."):], False
        elif g.startswith("dependency-groups."):
            name = g[len("dependency-groups."):]
            groups = [name] + holders[name]
            group, dev = ", ".join(groups), all(canon(x) == "dev" for x in groups)
        elif g == "tool.poetry.dependencies":
            group, dev = "main", False
        elif g == "tool.poetry.dev-dependencies":
            group, dev = "dev", True
        else:
            m = re.fullmatch(r"tool\.poetry\.group\.(.+)\.dependencies", g)
            assert m, g
            group, dev = m.group(1), canon(m.group(1)) != "main"
        if "requirement" in r:
            written = re.match(r"\s*([A-Za-z0-9._-]+)", r["requirement"]).group(1)
            out.append((r["name"], written, group, dev, expect_pep508(r["requirement"])))
            continue
        if g == "tool.poetry.dependencies" and r["key"] == "python":
            continue  # the interpreter
        spec = r["spec"]
        specs = spec if isinstance(spec, list) else [spec]
        for s in specs:
            e = expect_poetry_constraint(s) if isinstance(s, str) else expect_poetry_table(s)
            out.append((r["name"], r["key"], group, dev, e))
    return out


def compare(case, failures, totals):
    exp = json.load(open(os.path.join(case, "expected.json")))
    path = os.path.join(case, exp["file"])
    p = subprocess.run([DUMP, path], capture_output=True, text=True)
    if p.returncode != 0:
        failures.append(f"{path}: exit {p.returncode}: {p.stderr.strip()}")
        return
    got = json.loads(p.stdout)
    deps = got["dependencies"]
    want = expected_deps(exp)
    lines = open(path, encoding="utf-8").read().split("\n")
    name = os.path.basename(case)
    if got["warnings"]:
        failures.append(f"{name}: {got['warnings']} warnings: {got['warning_messages']}")
    if len(deps) != len(want):
        failures.append(f"{name}: {len(deps)} dependencies, expected {len(want)}")
    for d, (canonical, written, group, dev, (version, kind, reason)) in zip(deps, want):
        where = f"{name}:{d['line']} {d['name']}"
        bad = []
        if d["normalized"] != canonical:
            bad.append(f"name {d['normalized']!r}, expected {canonical!r}")
        if d["group"] != group:
            bad.append(f"group {d['group']!r}, expected {group!r}")
        if d["dev"] != dev:
            bad.append(f"dev {d['dev']}, expected {dev}")
        if d["source_kind"] != kind:
            bad.append(f"source kind {d['source_kind']!r}, expected {kind!r}")
        if version is not None:
            if d["version"] != version or d["skip_reason"] is not None:
                bad.append(f"version {d['version']!r} ({d['skip_reason']}), "
                           f"expected checked at {version!r}")
            totals["checked"] += 1
        else:
            if d["version"] is not None or not (d["skip_reason"] or "").startswith(reason):
                bad.append(f"skip reason {d['skip_reason']!r}, expected {reason!r}...")
            totals["sources" if kind != "registry" else "ranges"] += 1
        line = lines[d["line"] - 1] if 0 < d["line"] <= len(lines) else ""
        if written.lower() not in line.lower():
            bad.append(f"line {d['line']} does not name it: {line.strip()!r}")
        if bad:
            failures.append(f"{where}: " + "; ".join(bad))
    totals["files"] += 1
    totals["deps"] += min(len(deps), len(want))
    totals["expected_requirements"] += exp["requirement_count"]
    if "dependencies" in exp.get("dynamic", []):
        totals["dynamic"] += 1
        if not (got["note"] or "").startswith("[project] dependencies are dynamic"):
            failures.append(f"{name}: dynamic dependencies, but the note is {got['note']!r}")


def main():
    if not os.path.isdir(CASES):
        print(f"skip: the real pyproject.toml files are not in {CASES}")
        return 77
    if not os.access(DUMP, os.X_OK):
        print(f"skip: pyproject-dump not found at {DUMP!r}")
        return 77
    totals = dict(files=0, expected_requirements=0, deps=0, checked=0, ranges=0, sources=0,
                  dynamic=0)
    failures = []
    for case in sorted(os.listdir(CASES)):
        compare(os.path.join(CASES, case), failures, totals)
    print(f"pyproject.toml cases: {totals}")
    for what, have, floor in (("files", totals["files"], MIN_FILES),
                              ("dependencies", totals["deps"], MIN_DEPS),
                              ("exact pins checked", totals["checked"], MIN_CHECKED),
                              ("ranges and unpinned skipped", totals["ranges"], MIN_RANGES),
                              ("git/url/path sources skipped", totals["sources"], MIN_SOURCES)):
        if have < floor:
            failures.append(f"{have} {what} compared (floor {floor})")
    for msg in failures:
        print("FAIL", msg)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
