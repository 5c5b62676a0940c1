"""The audit scene (issue 15): every answer of a scan of a Flask app, checked.

tests/data/audit-scene holds a Flask app's requirement files (a nested -r
file, a --hash pin, markers, an extra, a range, an unpinned `openai`), an
installed environment that drifts from them, PEP 691 index pages (with a
yanked release, pre-releases, a page without PEP 700's `versions`) and
seven made-up OSV advisories. Its README sets out each expected answer and
how it follows from the files; the values below were worked out by hand
from those files, not copied from Airlock's output.

Two snapshots are built and signed with airlock-dbbuild (a fresh key each
run) and imported: the advisories alone, and the advisories with the
index (`build --index`). The scene is scanned with each (`--format json`)
and every answer is checked: the findings, the drift list, latest_version,
outdated and yanked, the fixes (with and without release data), range_risk
and resolved_version, the plan's phases and items, `--format plan`, and
`airlock fix` (--dry-run, then for real on a copy).

Everything here always runs: the data is ours, the oracle for the rewritten
files is Debian's pip.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("AIRLOCK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.environ.get("AIRLOCK_TEST_DATA", os.path.join(SRC, "tests", "data"))
AIRLOCK = os.environ.get("AIRLOCK_BIN", os.path.join(SRC, "build", "release", "airlock"))
DBBUILD = os.environ.get("AIRLOCK_DBBUILD_BIN",
                         os.path.join(SRC, "build", "release", "airlock-dbbuild"))

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def run(*args, cwd=None, expect=None):
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env,
                       cwd=cwd, stdin=subprocess.DEVNULL, timeout=120)
    if expect is not None:
        check(p.returncode == expect,
              f"{' '.join(map(str, args))}: exit {p.returncode}, expected {expect}\n"
              f"{p.stderr[:2000]}")
    return p


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def sha(filename):
    """The index's hash of a file: the SHA-256 of its name (README)."""
    return hashlib.sha256(filename.encode()).hexdigest()


# ---- the expected answers, by hand from tests/data/audit-scene ----

BASE = "app/requirements/base.txt"
REQS = "app/requirements.txt"
SITE = "venv/lib/python3.11/site-packages"

# Sorted by name, then status (version-differs, not-installed,
# not-declared, unpinned). Lines: base.txt 3 Flask, 6 itsdangerous,
# 9 requests; requirements.txt 8 sentry-sdk, 9 openai. The range is
# written as packaging writes it (specifiers sorted). pywin32's marker is
# false on linux; pip is tooling pip freeze leaves out too.
DRIFT = [
    {"name": "blinker", "status": "not-declared", "declared": None, "declared_file": None,
     "declared_line": None, "installed": "1.6.2",
     "installed_location": f"{SITE}/blinker-1.6.2.dist-info"},
    {"name": "flask", "status": "version-differs", "declared": "2.2.2", "declared_file": BASE,
     "declared_line": 3, "installed": "2.2.5", "installed_location": f"{SITE}/flask-2.2.5.dist-info"},
    {"name": "itsdangerous", "status": "version-differs", "declared": "2.1.1",
     "declared_file": BASE, "declared_line": 6, "installed": "2.1.2",
     "installed_location": f"{SITE}/itsdangerous-2.1.2.dist-info"},
    {"name": "openai", "status": "unpinned", "declared": "", "declared_file": REQS,
     "declared_line": 9, "installed": "1.3.0",
     "installed_location": f"{SITE}/openai-1.3.0.dist-info"},
    {"name": "requests", "status": "not-installed", "declared": "<2.32,>=2.28",
     "declared_file": BASE, "declared_line": 9, "installed": None, "installed_location": None},
    {"name": "sentry-sdk", "status": "not-installed", "declared": "1.40.0",
     "declared_file": REQS, "declared_line": 8, "installed": None, "installed_location": None},
]

# (kind, normalised name, version) -> the unignored finding IDs and levels.
# Declared: base.txt and requirements.txt; installed: the venv.
FINDINGS = {
    ("requirement", "flask", "2.2.2"): {"SCENE-2023-3": "HIGH"},
    ("requirement", "werkzeug", "2.2.2"): {"SCENE-2023-4": "MEDIUM"},
    ("requirement", "jinja2", "3.1.2"): {"SCENE-2023-5": "UNKNOWN"},
    ("requirement", "gunicorn", "20.1.0"): {"SCENE-2023-1": "CRITICAL"},
    ("installed", "werkzeug", "2.2.2"): {"SCENE-2023-4": "MEDIUM"},
    ("installed", "jinja2", "3.1.2"): {"SCENE-2023-5": "UNKNOWN"},
    ("installed", "gunicorn", "20.1.0"): {"SCENE-2023-1": "CRITICAL"},
}

# (normalised name, version) -> (latest_version, outdated, yank reason or
# None). latest: the highest release neither yanked nor a pre-release.
# None: no index page, no release data.
RELEASES = {
    ("flask", "2.2.2"): ("3.0.0", True, None),       # 3.1.0rc1 is a pre-release
    ("flask", "2.2.5"): ("3.0.0", True, None),
    ("werkzeug", "2.2.2"): ("3.0.0", True, None),
    ("jinja2", "3.1.2"): ("3.1.4", True, None),
    ("itsdangerous", "2.1.1"): ("2.1.2", True,
                                "Broken release: the signer's default changed; use 2.1.2"),
    ("itsdangerous", "2.1.2"): ("2.1.2", False, None),
    ("click", "8.1.3"): ("8.1.7", True, None),        # from the file names (API 1.0 page)
    ("markupsafe", "2.1.5"): ("3.0.1", True, None),
    ("gunicorn", "20.1.0"): ("23.0.0", True, None),
    ("redis", "4.5.3"): ("5.0.0", True, None),
    ("openai", "1.3.0"): ("1.3.0", False, None),      # 1.5.0 yanked, 1.4.0b1 a pre-release
    ("sentry-sdk", "1.40.0"): None,
    ("blinker", "1.6.2"): None,
    ("pip", "23.3.1"): None,
}

# Ranges: the releases the specifier admits that an advisory affects, and
# what pip would pick (highest admitted, not yanked, no pre-release).
RANGES = {
    "openai": ({"0.27.0": ["SCENE-2023-6"], "0.27.8": ["SCENE-2023-6"],
                "0.28.0": ["SCENE-2023-6"]}, "1.3.0", False),
    "requests": ({"2.28.1": ["SCENE-2024-7"], "2.31.0": ["SCENE-2024-7"]}, "2.31.0", True),
}

# The smallest release above the pin that no advisory affects, in the index,
# not yanked. Without release data, the smallest of the findings' fix
# versions that no known advisory affects, an affected one's own
# advisories' fix versions joining the candidates (docs/remediation.md):
# gunicorn's finding SCENE-2023-1 is fixed in 22.0.0, which SCENE-2024-2
# affects; its fix, 23.0.0, is affected by nothing. werkzeug: 2.2.3 (the
# advisory's fix; that it is yanked is not known without the index).
FIXES_INDEX = {("flask", "2.2.2", "2.2.5"), ("werkzeug", "2.2.2", "2.2.4"),
               ("jinja2", "3.1.2", "3.1.3"), ("gunicorn", "20.1.0", "23.0.0")}
FIXES_NO_INDEX = {("flask", "2.2.2", "2.2.5"), ("werkzeug", "2.2.2", "2.2.3"),
                  ("jinja2", "3.1.2", "3.1.3"), ("gunicorn", "20.1.0", "23.0.0")}

# phase -> {name: (from, to, ids)}. Interpretation (the words):
# "each declared package" - requirement lines with a version; ranges
# (openai, requests) have no version to move from; sentry-sdk has no release
# data; pywin32 does not apply.
PLAN_INDEX = {
    1: {"flask": ("2.2.2", "2.2.5", ["SCENE-2023-3"]),
        "jinja2": ("3.1.2", "3.1.3", ["SCENE-2023-5"]),
        "gunicorn": ("20.1.0", "23.0.0", ["SCENE-2023-1"])},
    2: {"werkzeug": ("2.2.2", "2.2.4", ["SCENE-2023-4"])},
    3: {"itsdangerous": ("2.1.1", "2.1.2", []), "click": ("8.1.3", "8.1.7", []),
        "redis": ("4.5.3", "4.5.5", [])},
    4: {"markupsafe": ("2.1.5", "3.0.1", [])},
}
PLAN_NO_INDEX = {
    1: {"flask": ("2.2.2", "2.2.5", ["SCENE-2023-3"]),
        "jinja2": ("3.1.2", "3.1.3", ["SCENE-2023-5"]),
        "gunicorn": ("20.1.0", "23.0.0", ["SCENE-2023-1"])},
    2: {"werkzeug": ("2.2.2", "2.2.3", ["SCENE-2023-4"])},
    3: {},
    4: {},
}


# ---- building and scanning ----

def build_db(t, name, with_index):
    key = os.path.join(t, "key")
    if not os.path.exists(key):
        run(DBBUILD, "keygen", "-W", "-p", os.path.join(t, "pub"), "-s", key, expect=0)
    snap = os.path.join(t, name + ".zst")
    args = [DBBUILD, "build", "-s", key, "-o", snap, "--sequence", "1"]
    if with_index:
        args += ["--index", os.path.join(DATA, "audit-scene", "index")]
    args.append(os.path.join(DATA, "audit-scene", "advisories"))
    run(*args, expect=0)
    db = os.path.join(t, name)
    run(AIRLOCK, "--db-dir", db, "db", "import", snap, "--trusted-key",
        os.path.join(t, "pub"), expect=0)
    return db


TARGET = ["--no-python", "--python-version", "3.11", "--platform", "linux"]


def scan(db, scene, fmt="json"):
    p = run(AIRLOCK, "--db-dir", db, "scan", "-r", REQS, "--venv", "venv", *TARGET,
            "--format", fmt, cwd=scene, expect=1)
    if fmt != "json":
        return p.stdout
    try:
        return json.loads(p.stdout)
    except ValueError:
        check(False, f"not JSON: {p.stdout[:300]}")
        return {}


def dep_kind(d):
    return d.get("source", {}).get("kind")


def advice_field(d, key):
    """A release-data field of a dependency: on the dependency itself or in
    an "advice" object beside its other keys."""
    if key in d:
        return d[key]
    sub = d.get("advice")
    if isinstance(sub, dict) and key in sub:
        return sub[key]
    check(False, f"{d.get('name')} {d.get('version')}: no '{key}'")
    return None


# ---- the checks ----

def check_findings(rep):
    got = {}
    for d in rep.get("dependencies", []):
        vulns = {v["id"]: v["severity"]["level"] for v in d.get("vulns", []) if not v["ignored"]}
        if vulns:
            got[(dep_kind(d), norm(d["name"]), d["version"])] = vulns
    check(got == FINDINGS, f"findings: {got}")


def check_drift(rep):
    check("drift" in rep, "no 'drift' key")
    got = rep.get("drift")
    check(got == DRIFT, "drift:\n" + json.dumps(got, indent=1) + "\nexpected:\n" +
          json.dumps(DRIFT, indent=1))


def check_releases(rep, with_index):
    for d in rep.get("dependencies", []):
        n, v = norm(d["name"]), d["version"]
        if v is None:
            continue
        want = RELEASES.get((n, v), "absent") if with_index else None
        if not check(want != "absent", f"no expectation for {n} {v}"):
            continue
        latest = advice_field(d, "latest_version")
        outdated = advice_field(d, "outdated")
        yanked = advice_field(d, "yanked")
        if want is None:  # no release data: nothing guessed, all null
            check(advice_field(d, "release_data") is False,
                  f"{n} {v}: release_data is not false")
            check(latest is None and outdated is None and yanked is None,
                  f"{n} {v}: without release data got latest {latest} outdated {outdated} "
                  f"yanked {yanked}")
            continue
        check(advice_field(d, "release_data") is True, f"{n} {v}: release_data is not true")
        check(latest == want[0], f"{n} {v}: latest_version {latest}, expected {want[0]}")
        check(outdated is want[1], f"{n} {v}: outdated {outdated}, expected {want[1]}")
        check(yanked is (want[2] is not None), f"{n} {v}: yanked {yanked}")
        if want[2] is not None:
            check(advice_field(d, "yank_reason") == want[2], f"{n} {v}: yank_reason")


def check_ranges(rep, with_index):
    seen = set()
    for d in rep.get("dependencies", []):
        n = norm(d["name"])
        if d["version"] is not None or n not in RANGES:
            continue
        seen.add(n)
        risk = advice_field(d, "range_risk") or []
        resolved = advice_field(d, "resolved_version")
        vulnerable = advice_field(d, "resolved_vulnerable")
        if not with_index:
            # No release data: nothing guessed (docs/remediation.md).
            check(resolved is None and risk == [],
                  f"{n}: range_risk {risk}, resolved_version {resolved} without release data")
            continue
        want_risk, want_resolved, want_vulnerable = RANGES[n]
        got = {h.get("version"): sorted(h.get("ids", [])) for h in risk}
        check(got == want_risk, f"{n}: range_risk {got}, expected {want_risk}")
        check(resolved == want_resolved, f"{n}: resolved_version {resolved}")
        check(vulnerable is want_vulnerable, f"{n}: resolved_vulnerable {vulnerable}")
    check(seen == set(RANGES), f"range requirements seen: {seen}")


def check_fixes(rep, with_index):
    want = FIXES_INDEX if with_index else FIXES_NO_INDEX
    fixes = rep.get("fixes", [])
    got = {(norm(f["name"]), f["old_version"], f["new_version"]) for f in fixes}
    # One entry per vulnerable dependency (pip-audit's shape): the declared
    # and the installed gunicorn, jinja2 and werkzeug have the same fix.
    check(got == want, f"fixes {sorted(got, key=str)}, expected {sorted(want)}")
    check(len(fixes) in (len(want), len(FINDINGS)), f"{len(fixes)} fixes")


def check_plan(rep, with_index):
    want = PLAN_INDEX if with_index else PLAN_NO_INDEX
    plan = rep.get("plan")
    if not check(isinstance(plan, list), f"plan: {plan}"):
        return
    got = {}
    for ph in plan:
        items = {}
        for it in ph.get("items", []):
            n = norm(it["name"])
            check(n not in items and all(n not in g for g in got.values()),
                  f"{n} in the plan twice")
            items[n] = (it.get("from"), it.get("to"), sorted(it.get("ids", [])))
            check(isinstance(it.get("reason"), str) and it["reason"] != "",
                  f"plan item {n}: no reason")
        check(isinstance(ph.get("title"), str) and ph["title"] != "", f"phase {ph.get('phase')}")
        got[ph.get("phase")] = items
    for phase in (1, 2, 3, 4):
        check(got.get(phase, {}) == want[phase],
              f"plan phase {phase}: {got.get(phase)}, expected {want[phase]}")
    check(set(got) <= {1, 2, 3, 4}, f"plan phases {sorted(got, key=str)}")


def check_plan_format(text):
    """--format plan: each item on a line naming it with from and to (and its
    advisory IDs), every item of a phase below every item of the phase
    before."""
    lines = text.splitlines()
    last = -1
    for phase in (1, 2, 3, 4):
        found = []
        for name, (frm, to, ids) in sorted(PLAN_INDEX[phase].items()):
            at = [i for i, ln in enumerate(lines)
                  if name in norm(ln) and frm in ln and to in ln and all(x in ln for x in ids)]
            if check(at != [], f"--format plan: no line for {name} {frm} -> {to} {ids}"):
                found.append(at[0])
        if found:
            check(min(found) > last, f"--format plan: phase {phase} is not below the one before")
            last = max(found)


def fixed_texts(base, reqs, to_latest=False):
    """The files as `airlock fix` must leave them: each vulnerable exact pin
    at its fix, the gunicorn hashes those of 23.0.0's two files (in either
    order), every other byte as it was."""
    new = {"Flask": "3.0.0" if to_latest else "2.2.5",
           "Werkzeug": "3.0.0" if to_latest else "2.2.4",
           "Jinja2": "3.1.4" if to_latest else "3.1.3"}
    b = base
    b = b.replace("Flask==2.2.2\n", f"Flask=={new['Flask']}\n")
    b = b.replace("Werkzeug==2.2.2\n", f"Werkzeug=={new['Werkzeug']}\n")
    b = b.replace("Jinja2==3.1.2\n", f"Jinja2=={new['Jinja2']}\n")
    old_w, old_s = sha("gunicorn-20.1.0-py3-none-any.whl"), sha("gunicorn-20.1.0.tar.gz")
    new_w, new_s = sha("gunicorn-23.0.0-py3-none-any.whl"), sha("gunicorn-23.0.0.tar.gz")
    r = reqs.replace("gunicorn==20.1.0 \\\n", "gunicorn==23.0.0 \\\n")
    return b, {r.replace(old_w, new_w).replace(old_s, new_s),
               r.replace(old_w, new_s).replace(old_s, new_w)}


def diff_lines(text):
    """(removed, added) lines of a unified diff, per file name."""
    out, cur = {}, None
    for ln in text.splitlines():
        if ln.startswith("+++ "):
            cur = ln[4:].split("\t")[0].strip()
            out.setdefault(cur, ([], []))
        elif ln.startswith("--- ") or ln.startswith("@@"):
            continue
        elif cur is not None and ln.startswith("-"):
            out[cur][0].append(ln[1:])
        elif cur is not None and ln.startswith("+"):
            out[cur][1].append(ln[1:])
    return out


def check_fix(db, scene):
    base_path, reqs_path = os.path.join(scene, BASE), os.path.join(scene, REQS)
    with open(base_path) as f:
        base = f.read()
    with open(reqs_path) as f:
        reqs = f.read()
    want_base, want_reqs = fixed_texts(base, reqs)

    # --dry-run: the diff, nothing written.
    p = run(AIRLOCK, "--db-dir", db, "fix", "-r", REQS, "--dry-run", *TARGET, cwd=scene,
            expect=0)
    d = diff_lines(p.stdout)
    by_name = {os.path.basename(k): v for k, v in d.items()}
    check(set(by_name) == {"base.txt", "requirements.txt"}, f"fix --dry-run files: {list(d)}")
    rm, add = by_name.get("base.txt", ([], []))
    check(sorted(rm) == ["Flask==2.2.2", "Jinja2==3.1.2", "Werkzeug==2.2.2"],
          f"base.txt removed {rm}")
    check(sorted(add) == ["Flask==2.2.5", "Jinja2==3.1.3", "Werkzeug==2.2.4"],
          f"base.txt added {add}")
    rm, add = by_name.get("requirements.txt", ([], []))
    check("gunicorn==20.1.0 \\" in rm and "gunicorn==23.0.0 \\" in add,
          f"requirements.txt: gunicorn not moved to 23.0.0: -{rm} +{add}")
    added_hashes = set(re.findall(r"sha256:([0-9a-f]{64})", "\n".join(add)))
    check(added_hashes == {sha("gunicorn-23.0.0-py3-none-any.whl"),
                           sha("gunicorn-23.0.0.tar.gz")}, f"new hashes {added_hashes}")
    check(all("gunicorn" in ln or "--hash" in ln for ln in rm + add),
          f"requirements.txt: lines other than the gunicorn pin changed: -{rm} +{add}")
    with open(base_path) as f1, open(reqs_path) as f2:
        check(f1.read() == base and f2.read() == reqs, "--dry-run changed a file")
    check(not os.path.exists(base_path + ".bak") and not os.path.exists(reqs_path + ".bak"),
          "--dry-run wrote a .bak")

    # --to latest: the latest release when no advisory affects it.
    p = run(AIRLOCK, "--db-dir", db, "fix", "-r", REQS, "--dry-run", "--to", "latest", *TARGET,
            cwd=scene, expect=0)
    added = [ln for v in diff_lines(p.stdout).values() for ln in v[1]]
    for pin in ("Flask==3.0.0", "Werkzeug==3.0.0", "Jinja2==3.1.4", "gunicorn==23.0.0 \\"):
        check(pin in added, f"fix --to latest: no '+{pin}' in {added}")

    # For real: the files as worked out, the originals kept as .bak.
    run(AIRLOCK, "--db-dir", db, "fix", "-r", REQS, *TARGET, cwd=scene, expect=0)
    with open(base_path) as f1, open(reqs_path) as f2:
        got_base, got_reqs = f1.read(), f2.read()
    check(got_base == want_base, f"fixed base.txt:\n{got_base}")
    check(got_reqs in want_reqs, f"fixed requirements.txt:\n{got_reqs}")
    for path, orig in ((base_path, base), (reqs_path, reqs)):
        if check(os.path.exists(path + ".bak"), f"no {path}.bak"):
            with open(path + ".bak") as f:
                check(f.read() == orig, f"{path}.bak is not the original")
    # Read back with pip's own parser (Debian's /usr/bin/python3 and pip,
    # the suite's oracle): the requirements, includes followed, as worked
    # out by hand, and the new hashes on gunicorn.
    code = ("import json, sys\n"
            "from pip._internal.network.session import PipSession\n"
            "from pip._internal.req.req_file import parse_requirements\n"
            "print(json.dumps([[r.requirement, sorted((r.options or {}).get('hashes', {})"
            ".get('sha256', []))] for r in parse_requirements(sys.argv[1], "
            "session=PipSession())]))\n")
    p = run("/usr/bin/python3", "-c", code, REQS, cwd=scene, expect=0)
    try:
        view = json.loads(p.stdout)
    except ValueError:
        view = []
    want_view = [["Flask==2.2.5", []], ["Werkzeug==2.2.4", []], ["Jinja2==3.1.3", []],
                 ["itsdangerous==2.1.1", []], ["click==8.1.3", []], ["MarkupSafe==2.1.5", []],
                 ["requests>=2.28,<2.32", []],
                 ["gunicorn==23.0.0", sorted([sha("gunicorn-23.0.0-py3-none-any.whl"),
                                              sha("gunicorn-23.0.0.tar.gz")])],
                 ['redis==4.5.3 ; python_version >= "3.8"', []],
                 ['pywin32==306 ; sys_platform == "win32"', []],
                 ["sentry-sdk[flask]==1.40.0", []], ["openai", []]]
    def flat(v):  # pip keeps the blanks a joined continuation leaves
        return [[" ".join(r.split()), h] for r, h in v]
    check(flat(view) == flat(want_view),
          f"pip reads the fixed files as {view}")

    # Read back with a scan of the files alone (the venv is still as it was):
    # nothing vulnerable is declared any more.
    p = run(AIRLOCK, "--db-dir", db, "scan", "-r", REQS, *TARGET, "--format", "json",
            cwd=scene, expect=0)
    try:
        rep = json.loads(p.stdout)
        vulnerable = [d["name"] for d in rep["dependencies"] if d.get("vulns")]
        check(vulnerable == [], f"after fix, still vulnerable: {vulnerable}")
    except ValueError:
        check(False, "after fix: no JSON report")


def main():
    for tool in (AIRLOCK, DBBUILD):
        if not os.access(tool, os.X_OK):
            print(f"FAIL: {tool} is not built")
            return 1
    with tempfile.TemporaryDirectory(prefix="airlock-scene-") as t:
        scene = os.path.join(t, "scene")
        shutil.copytree(os.path.join(DATA, "audit-scene"), scene, symlinks=True)

        # Without release data: the advisories' own fix versions.
        db = build_db(t, "db-plain", False)
        rep = scan(db, scene)
        check_findings(rep)
        check_drift(rep)
        check_releases(rep, False)
        check_ranges(rep, False)
        check_fixes(rep, False)
        check_plan(rep, False)

        # With the index.
        dbi = build_db(t, "db-index", True)
        rep = scan(dbi, scene)
        check_findings(rep)
        check_drift(rep)
        check_releases(rep, True)
        check_ranges(rep, True)
        check_fixes(rep, True)
        check_plan(rep, True)
        check_plan_format(scan(dbi, scene, "plan"))
        check_fix(dbi, scene)

    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("ok: every answer of the audit scene checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
