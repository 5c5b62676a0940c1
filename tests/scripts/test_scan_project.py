"""End to end: what `airlock scan` reads when given paths, project files or
nothing at all (always runs).

A snapshot of examples/advisories is built and imported, and trees made
here are scanned: a project directory (found files in a fixed order, skipped
caches, a virtualenv not descended, a link loop warned about), files named
by what their names say, paths mixed with options in order, the errors
(a missing path, a name that says nothing, a directory with nothing to scan:
exit 2 naming it), a pyenv-style shim on PATH (run, and the real
sys.executable reported), the project's own .venv when no input is named,
and --pyproject, --sbom, --no-dev and a pyproject.toml beside its lockfile.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("AIRLOCK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
AIRLOCK = os.environ.get("AIRLOCK_BIN", os.path.join(SRC, "build", "release", "airlock"))
DBBUILD = os.environ.get("AIRLOCK_DBBUILD_BIN",
                         os.path.join(SRC, "build", "release", "airlock-dbbuild"))
PY = "/usr/bin/python3"

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, env=None, cwd=None, expect=None):
    e = dict(os.environ)
    e.pop("VIRTUAL_ENV", None)
    e.update(env or {})
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=e, cwd=cwd,
                       stdin=subprocess.DEVNULL, timeout=120)
    if expect is not None and p.returncode != expect:
        failures.append(f"{args}: exit {p.returncode}, expected {expect}\n{p.stderr}")
        print("FAIL:", args, p.returncode, p.stderr[:2000])
    return p


def write(path, text=""):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def dist(site, name, version):
    write(os.path.join(site, f"{name}-{version}.dist-info", "METADATA"),
          f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n")


def report(p):
    try:
        return json.loads(p.stdout)
    except ValueError:
        check(False, f"not a JSON report: {p.stdout[:300]} {p.stderr[:300]}")
        return {"inputs": [], "dependencies": [], "warnings": []}


def inputs(rep):
    return [(i["kind"], i["path"]) for i in rep["inputs"]]


def deps(rep):
    return sorted((d["name"], d.get("version")) for d in rep["dependencies"])


def kinds(rep):
    return [(d["name"], d.get("version"), d["source"]["kind"]) for d in rep["dependencies"]]


POETRY_PYPROJECT = """[tool.poetry]
name = "app"
version = "0.1.0"

[tool.poetry.dependencies]
python = "^3.10"
urllib3 = "^1.26"
Django = "4.2.1"
redis = "5.2.0"
flask = ">=2.0"

[tool.poetry.group.dev.dependencies]
pytest = "7.4.0"
"""

# Locks three of the five: redis and flask are declared only (a stale lock).
POETRY_LOCK = """[[package]]
name = "urllib3"
version = "1.26.12"
groups = ["main"]
files = []

[[package]]
name = "django"
version = "4.2.1"
groups = ["main"]
files = []

[[package]]
name = "pytest"
version = "7.4.0"
groups = ["dev"]
files = []

[metadata]
lock-version = "2.1"
python-versions = "^3.10"
content-hash = "0"
"""


UV_LOCK = """version = 1
requires-python = ">=3.10"

[[package]]
name = "api"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "urllib3" }]

[[package]]
name = "urllib3"
version = "1.26.12"
source = { registry = "https://pypi.org/simple" }
"""

CYCLONEDX = {
    "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
    "components": [
        {"type": "library", "name": "urllib3", "version": "1.26.12",
         "purl": "pkg:pypi/urllib3@1.26.12"},
        {"type": "library", "name": "redis", "version": "5.2.0", "purl": "pkg:pypi/redis@5.2.0",
         "components": [{"type": "library", "name": "Django", "version": "4.2.1",
                         "purl": "pkg:pypi/Django@4.2.1"}]},
        {"type": "library", "name": "zlib", "version": "1.3", "purl": "pkg:generic/zlib@1.3"},
        {"type": "library", "name": "left-pad", "version": "1.3.0",
         "purl": "pkg:npm/left-pad@1.3.0"},
    ],
}

SPDX = {
    "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
    "name": "app", "documentNamespace": "https://example.org/app",
    "creationInfo": {"created": "2026-01-01T00:00:00Z", "creators": ["Tool: test"]},
    "packages": [
        {"SPDXID": "SPDXRef-1", "name": "urllib3", "versionInfo": "1.26.12",
         "downloadLocation": "NOASSERTION",
         "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                           "referenceLocator": "pkg:pypi/urllib3@1.26.12"}]},
        {"SPDXID": "SPDXRef-2", "name": "openssl", "versionInfo": "3.0.0",
         "downloadLocation": "NOASSERTION"},
    ],
}


def main():
    with tempfile.TemporaryDirectory() as tmp:
        key, pub, snap, db = (os.path.join(tmp, n) for n in ("key", "pub", "db.zst", "db"))
        run(DBBUILD, "keygen", "-W", "-p", pub, "-s", key, expect=0)
        run(DBBUILD, "build", "-s", key, "-o", snap, "--sequence", "3",
            os.path.join(SRC, "examples", "advisories"), expect=0)
        run(AIRLOCK, "--db-dir", db, "db", "import", snap, "--trusted-key", pub, expect=0)
        if failures:
            return 1
        scan = [AIRLOCK, "--db-dir", db, "scan", "--format", "json"]

        # --- a project directory -------------------------------------------
        proj = os.path.join(tmp, "proj")
        write(os.path.join(proj, "requirements.txt"), "urllib3==1.26.12\n")
        write(os.path.join(proj, "requirements", "dev.txt"), "redis==5.2.0\n")
        write(os.path.join(proj, "requirements", "notes.md"), "not read\n")
        write(os.path.join(proj, "docs", "dev-requirements.txt"), "gunicorn==22.0.0\n")
        write(os.path.join(proj, "docs", "index.txt"), "not a requirement file\n")
        for skipped in (".git", "node_modules/pkg", "__pycache__", ".tox/py311", ".mypy_cache"):
            write(os.path.join(proj, skipped, "requirements.txt"), "never-read==1.0\n")
        venv = os.path.join(proj, ".venv")
        write(os.path.join(venv, "pyvenv.cfg"), "home = /usr/bin\nversion = 3.11.2\n")
        dist(os.path.join(venv, "lib", "python3.11", "site-packages"), "Django", "4.2.1")
        # Inside a venv nothing is searched.
        write(os.path.join(venv, "lib", "python3.11", "site-packages", "x", "requirements.txt"),
              "never-read==1.0\n")
        os.symlink("..", os.path.join(proj, "docs", "loop"))
        p = run(*scan, "--no-python", proj, expect=1)
        rep = report(p)
        # The directory's files, then its subdirectories, by name (.venv first).
        check(inputs(rep) == [("requirements", f"{proj}/requirements.txt"),
                              ("venv", f"{proj}/.venv"),
                              ("requirements", f"{proj}/docs/dev-requirements.txt"),
                              ("requirements", f"{proj}/requirements/dev.txt")],
              f"project inputs: {inputs(rep)}")
        check(deps(rep) == [("Django", "4.2.1"), ("gunicorn", "22.0.0"), ("redis", "5.2.0"),
                            ("urllib3", "1.26.12")], f"project deps: {deps(rep)}")
        check(all(i.get("note") == f"found in {proj}" for i in rep["inputs"]),
              f"found-in notes: {rep['inputs']}")
        check(any("docs/loop" in w["message"] or "docs/loop" in (w.get("file") or "")
                  for w in rep["warnings"]), f"the link loop is a warning: {rep['warnings']}")
        check("docs/loop" in p.stderr and "not followed" in p.stderr, f"stderr: {p.stderr}")
        # The same tree scanned twice gives the same order.
        check(inputs(report(run(*scan, "--no-python", proj))) == inputs(rep), "order is stable")

        # --- an include out of the searched tree is not read ---------------
        # A cloned repository's requirements.txt with -r to a file outside it
        # (-r /etc/shadow): not read, not quoted, not copied; a warning at
        # the including line. Named with -r, the same file is read.
        secret = os.path.join(tmp, "secret.txt")
        write(secret, "SECRET-TOKEN==1.0\nDjango==4.2.1\n")
        clone = os.path.join(tmp, "clone")
        write(os.path.join(clone, "requirements.txt"),
              f"-r {secret}\n-r ../secret.txt\n-r requirements/base.txt\nredis==5.2.0\n")
        write(os.path.join(clone, "requirements", "base.txt"), "urllib3==1.26.12\n")
        ev = os.path.join(tmp, "ev-clone")
        p = run(*scan, "--no-python", clone, "--evidence", ev, expect=1)
        rep = report(p)
        check(deps(rep) == [("redis", "5.2.0"), ("urllib3", "1.26.12"), ("urllib3", "1.26.12")],
              f"include out of the tree: deps {deps(rep)}")
        outside = [w for w in rep["warnings"] if "out of the directory searched" in w["message"]]
        check(len(outside) == 2 and {w["line"] for w in outside} == {1, 2},
              f"include out of the tree: warnings {rep['warnings']}")
        check("SECRET-TOKEN" not in p.stdout + p.stderr, "the outside file's lines are not quoted")
        copied = "".join(open(os.path.join(dp, f), errors="replace").read()
                         for dp, _, fs in os.walk(ev) for f in fs)
        check("SECRET-TOKEN" not in copied, "the outside file is not in the evidence bundle")
        p = run(*scan, "--no-python", "-r", os.path.join(clone, "requirements.txt"), expect=1)
        check(("Django", "4.2.1") in deps(report(p)), "named with -r, includes are read")

        # --- files named: what the name says; mixed with options, in order --
        other = os.path.join(tmp, "other")
        write(os.path.join(other, "deps.txt"), "Django==4.2.1\n")
        p = run(*scan, "--no-python", os.path.join(other, "deps.txt"), "--venv", venv,
                os.path.join(proj, "requirements.txt"), expect=1)
        rep = report(p)
        check(inputs(rep) == [("requirements", f"{other}/deps.txt"), ("venv", venv),
                              ("requirements", f"{proj}/requirements.txt")],
              f"mixed order: {inputs(rep)}")
        check(all(i.get("note") is None for i in rep["inputs"]), "no note for named files")
        p = run(*scan, "--no-python", os.path.join(venv, "pyvenv.cfg"), expect=1)
        check(inputs(report(p)) == [("venv", venv)], f"pyvenv.cfg names its venv: {p.stdout}")
        p = run(*scan, "--no-python", venv, expect=1)  # a venv directory is that venv
        check(inputs(report(p)) == [("venv", venv)], f"a venv directory: {p.stdout}")
        p = run(*scan, "--no-python", "--", os.path.join(proj, "requirements.txt"), expect=1)
        check(len(report(p)["inputs"]) == 1, "a PATH after --")

        # --- errors: exit 2, naming the path --------------------------------
        missing = os.path.join(tmp, "missing.txt")
        p = run(*scan, "--no-python", missing, expect=2)
        check(missing in p.stderr and p.stdout == "", f"missing path: {p.stderr}")
        setup = os.path.join(other, "setup.py")
        write(setup, "")
        p = run(*scan, "--no-python", setup, expect=2)
        check(setup in p.stderr and "pyproject.toml" in p.stderr and "--lockfile" in p.stderr,
              f"unknown name: {p.stderr}")
        empty = os.path.join(tmp, "empty")
        write(os.path.join(empty, ".git", "requirements.txt"), "x==1\n")
        write(os.path.join(empty, "README.md"), "")
        p = run(*scan, "--no-python", empty, expect=2)
        check(f"nothing to scan in {empty}" in p.stderr and p.stdout == "",
              f"nothing to scan: {p.stderr}")
        p = run(*scan, "--no-python", os.path.join(proj, "requirements.txt"), empty, expect=2)
        check(p.stdout == "", "one bad path fails the scan: no partial report")
        # A bad file found in a directory fails the scan too, naming it.
        bad = os.path.join(tmp, "bad")
        write(os.path.join(bad, "requirements.txt"), "-r missing-include.txt\n")
        p = run(*scan, "--no-python", bad, expect=2)
        check("missing-include.txt" in p.stderr, f"bad file found: {p.stderr}")

        # --- a pyproject.toml beside its lockfile; --pyproject; --no-dev -----
        poet = os.path.join(tmp, "poet")
        write(os.path.join(poet, "pyproject.toml"), POETRY_PYPROJECT)
        write(os.path.join(poet, "poetry.lock"), POETRY_LOCK)
        pp, lock = os.path.join(poet, "pyproject.toml"), os.path.join(poet, "poetry.lock")
        covers = ("pins from poetry.lock beside it: it covers {} of the {} dependencies "
                  "declared here, checked at the locked versions; the 2 it lacks are read "
                  "from pyproject.toml")
        p = run(*scan, "--no-python", poet, expect=1)
        rep = report(p)
        check(inputs(rep) == [("lockfile", lock), ("pyproject", pp)], f"poet: {inputs(rep)}")
        check([i.get("format") for i in rep["inputs"]] == ["poetry", None], "lockfile format")
        check(rep["inputs"][1].get("note") == f"found in {poet}; " + covers.format(3, 5),
              f"pyproject note: {rep['inputs'][1]}")
        # The lock's pins are checked; declarations it lacks are kept (a
        # stale lock hides nothing): redis pinned, checked; flask a range.
        check(kinds(rep) == [("urllib3", "1.26.12", "locked"), ("django", "4.2.1", "locked"),
                             ("pytest", "7.4.0", "locked"), ("redis", "5.2.0", "declared"),
                             ("flask", None, "declared")], f"poet deps: {kinds(rep)}")
        check(any(v["id"] for d in rep["dependencies"] if d["name"] == "urllib3"
                  for v in d["vulns"]), "urllib3 1.26.12 from the lock is checked")
        # Named with their options (the lock spelt another way): the same rule.
        p = run(*scan, "--no-python", "--pyproject", pp, "--lockfile",
                os.path.join(poet, ".", "poetry.lock"), expect=1)
        rep = report(p)
        check(rep["inputs"][0].get("note") == covers.format(3, 5), f"named: {rep['inputs']}")
        check(len(rep["dependencies"]) == 5, f"named: {kinds(rep)}")
        # Alone, the pyproject's own declarations are read: ^1.26 is a range.
        p = run(*scan, "--no-python", "--pyproject", pp, expect=1)
        rep = report(p)
        check(inputs(rep) == [("pyproject", pp)] and rep["inputs"][0].get("note") is None and
              rep["inputs"][0].get("sha256") is not None, f"--pyproject: {rep['inputs']}")
        check(kinds(rep) == [("urllib3", None, "declared"), ("Django", "4.2.1", "declared"),
                             ("redis", "5.2.0", "declared"), ("flask", None, "declared"),
                             ("pytest", "7.4.0", "declared")], f"--pyproject deps: {kinds(rep)}")
        p = run(*scan, "--no-python", "--no-dev", poet, expect=1)
        rep = report(p)
        check([i.get("note") for i in rep["inputs"]] ==
              [f"found in {poet}; 1 development package left out (--no-dev)",
               f"found in {poet}; 1 development package left out (--no-dev); " +
               covers.format(2, 4)], f"--no-dev notes: {rep['inputs']}")
        check(not any(d["name"] == "pytest" for d in rep["dependencies"]) and
              len(rep["dependencies"]) == 4, f"--no-dev deps: {kinds(rep)}")
        p = run(*scan, "--no-python", "--no-dev", "--lockfile", "poetry:" + pp, expect=2)
        check(pp in p.stderr, f"a pyproject read as a lockfile: {p.stderr}")
        bad_pp = os.path.join(tmp, "badpp", "pyproject.toml")
        write(bad_pp, "[project\n")
        p = run(*scan, "--no-python", os.path.dirname(bad_pp), expect=2)
        check(f"{bad_pp}:1" in p.stderr and p.stdout == "", f"bad pyproject found: {p.stderr}")

        # A uv project, found in a directory below the one named.
        uvp = os.path.join(tmp, "mono", "services", "api")
        write(os.path.join(uvp, "pyproject.toml"),
              '[project]\nname = "api"\nversion = "0.1.0"\n'
              'dependencies = ["urllib3>=1.26", "redis==5.2.0"]\n')
        write(os.path.join(uvp, "uv.lock"), UV_LOCK)
        p = run(*scan, "--no-python", os.path.join(tmp, "mono"), expect=1)
        rep = report(p)
        check(inputs(rep) == [("pyproject", f"{uvp}/pyproject.toml"),
                              ("lockfile", f"{uvp}/uv.lock")], f"uv project: {inputs(rep)}")
        check(rep["inputs"][0].get("note") ==
              f"found in {tmp}/mono; pins from uv.lock beside it: it covers 1 of the 2 "
              "dependencies declared here, checked at the locked versions; the 1 it lacks is "
              "read from pyproject.toml", f"uv note: {rep['inputs']}")
        check(kinds(rep) == [("redis", "5.2.0", "declared"), ("api", "0.1.0", "locked"),
                             ("urllib3", "1.26.12", "locked")], f"uv deps: {kinds(rep)}")

        # --- SBOMs: --sbom, by name, found in a directory ---------------------
        boms = os.path.join(tmp, "boms")
        write(os.path.join(boms, "app.cdx.json"), json.dumps(CYCLONEDX))
        write(os.path.join(boms, "sub", "app.spdx.json"), json.dumps(SPDX))
        cdx, spdx = os.path.join(boms, "app.cdx.json"), os.path.join(boms, "sub", "app.spdx.json")
        p = run(*scan, "--no-python", "--sbom", cdx, expect=1)
        rep = report(p)
        check([(i["kind"], i["path"], i.get("format"), i.get("note")) for i in rep["inputs"]] ==
              [("sbom", cdx, "cyclonedx",
                "5 components: 3 PyPI packages read, 2 other components left out")],
              f"--sbom: {rep['inputs']}")
        check(deps(rep) == [("Django", "4.2.1"), ("redis", "5.2.0"), ("urllib3", "1.26.12")],
              f"--sbom deps: {deps(rep)}")
        p = run(*scan, "--no-python", boms, expect=1)
        rep = report(p)
        check([(i["kind"], i["path"], i.get("format"), i.get("note")) for i in rep["inputs"]] ==
              [("sbom", cdx, "cyclonedx", f"found in {boms}; 5 components: 3 PyPI packages "
                "read, 2 other components left out"),
               ("sbom", spdx, "spdx", f"found in {boms}; 2 components: 1 PyPI package read, "
                "1 other component left out")], f"SBOMs found: {rep['inputs']}")
        # Airlock's own CycloneDX report, named by path, reads back to what
        # it was made from.
        made = os.path.join(boms, "report.cdx.json")
        run(*scan, "--no-python", os.path.join(proj, "requirements.txt"), "--venv", venv,
            "--format", "cyclonedx", "-o", made, expect=1)
        back = report(run(*scan, "--no-python", made, expect=1))
        check([(n.lower(), v) for n, v in deps(back)] == [("django", "4.2.1"),
                                                          ("urllib3", "1.26.12")],
              f"a report read back: {deps(back)}")
        write(os.path.join(tmp, "notbom", "bom.json"), "{\"bomFormat\": \"nope\"}\n")
        p = run(*scan, "--no-python", os.path.join(tmp, "notbom"), expect=2)
        check("bom.json" in p.stderr and p.stdout == "", f"a bad SBOM found: {p.stderr}")

        # --- no input: a launcher on PATH is run, the real python reported --
        real = subprocess.run([PY, "-c", "import sys; print(sys.executable)"],
                              capture_output=True, text=True).stdout.strip()
        shims = os.path.join(tmp, "home", ".pyenv", "shims")
        shim = os.path.join(shims, "python3")
        # As pyenv's shim does, it needs the user's environment to choose.
        write(shim, "#!/bin/sh\n[ \"$PYENV_VERSION\" = system ] || exit 3\n"
                    f"exec {PY} \"$@\"\n")
        os.chmod(shim, 0o755)
        here = os.path.join(tmp, "cwd")
        os.makedirs(here)
        env = {"PATH": f"{shims}:/usr/bin:/bin", "PYENV_VERSION": "system"}
        p = run(*scan, env=env, cwd=here)
        check(p.returncode in (0, 1), f"shim: exit {p.returncode} {p.stderr}")
        rep = report(p)
        check(inputs(rep) == [("python", real)], f"shim: the real interpreter: {rep['inputs']}")
        note = rep["inputs"][0].get("note") or "" if rep["inputs"] else ""
        check(f"pyenv shim {shim}" in note and f"it runs {real}" in note, f"shim note: {note}")
        check(p.stderr.count(f"python3 on PATH is a launcher (pyenv shim {shim}); it runs "
                             f"{real}") == 1, f"shim stderr, once: {p.stderr}")
        check(len(rep["dependencies"]) > 0, "shim: the environment's packages are read")
        # The same deps as the real interpreter named directly.
        direct = report(run(*scan, "--python", real, cwd=here))
        check(deps(direct) == deps(rep), "shim and real interpreter read the same packages")
        p = run(*scan, env={"PATH": f"{shims}:/usr/bin:/bin", "PYENV_VERSION": "none"},
                cwd=here, expect=2)
        check(shim in p.stderr and "status 3" in p.stderr, f"a failing shim: {p.stderr}")
        p = run(*scan, "--no-python", env=env, cwd=here, expect=2)  # never run anything
        check("nothing to scan" in p.stderr, f"--no-python: {p.stderr}")

        # --- no input: the project's own .venv ------------------------------
        app = os.path.join(tmp, "app")
        os.makedirs(app)
        r = subprocess.run([PY, "-m", "venv", "--without-pip", os.path.join(app, ".venv")],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"python3 -m venv: {r.stderr}")
        sites = [os.path.join(dp) for dp, dn, fn in os.walk(os.path.join(app, ".venv"))
                 if dp.endswith("site-packages")]
        check(len(sites) == 1, f"venv site-packages: {sites}")
        if sites:
            dist(sites[0], "urllib3", "1.26.12")
        for extra in ([], ["--no-python"]):
            p = run(*scan, *extra, env=env, cwd=app, expect=1)
            rep = report(p)
            check(inputs(rep) == [("venv", ".venv")], f".venv {extra}: {rep['inputs']}")
            check(deps(rep) == [("urllib3", "1.26.12")], f".venv deps: {deps(rep)}")
            why = "the project's virtualenv .venv in the current directory"
            check(why in (rep["inputs"][0].get("note") or "") if rep["inputs"] else False,
                  f".venv note: {rep['inputs']}")
            check(p.stderr.count(why) == 1, f".venv on stderr once: {p.stderr}")
        # $VIRTUAL_ENV wins over .venv; a named input wins over both.
        p = run(*scan, env=dict(env, VIRTUAL_ENV=venv), cwd=app, expect=1)
        check(inputs(report(p)) == [("venv", venv)], f"VIRTUAL_ENV first: {p.stdout[:200]}")
        p = run(*scan, os.path.join(other, "deps.txt"), cwd=app, expect=1)
        check(inputs(report(p)) == [("requirements", os.path.join(other, "deps.txt"))],
              "a named input, not .venv")
        shutil.move(os.path.join(app, ".venv"), os.path.join(app, "venv"))
        p = run(*scan, "--no-python", cwd=app, expect=1)
        check(inputs(report(p)) == [("venv", "venv")], f"venv: {p.stdout[:200]}")

    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
