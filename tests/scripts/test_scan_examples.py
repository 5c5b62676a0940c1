"""End to end: `airlock scan` on the shipped examples (always runs).

Builds a signed snapshot from examples/advisories with a throw-away key,
imports it into a temporary database and checks, against an independent
evaluation of the same advisories with python3-packaging (plus facts checked
by hand in examples/README.md): the exact findings for
examples/requirements.txt, both report formats, exit statuses 0/1/2,
failing closed without a database, atomic -o, ignoring with expiry,
--fail-on, --strict, --path and --venv inputs, and the project directory
examples/project (pyproject.toml and uv.lock, the lock read with tomllib).
"""
import datetime
import glob
import json
import os
import subprocess
import sys
import tempfile

from packaging.version import Version

SRC = os.environ.get("AIRLOCK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
AIRLOCK = os.environ.get("AIRLOCK_BIN", os.path.join(SRC, "build", "release", "airlock"))
DBBUILD = os.environ.get("AIRLOCK_DBBUILD_BIN", os.path.join(SRC, "build", "release", "airlock-dbbuild"))
EXAMPLES = os.path.join(SRC, "examples")
FIXTURES = os.path.join(SRC, "tests", "data", "scan")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, env=None, expect=None):
    e = dict(os.environ)
    e.pop("VIRTUAL_ENV", None)
    e.update(env or {})
    p = subprocess.run(list(args), capture_output=True, text=True, env=e, timeout=120)
    if expect is not None and p.returncode != expect:
        failures.append(f"{args}: exit {p.returncode}, expected {expect}\n{p.stderr}")
        print("FAIL:", args, p.returncode, p.stderr[:2000])
    return p


def affected(events, v):
    """OSV ECOSYSTEM range evaluation, events sorted by version."""
    def key(e):
        k, val = next(iter(e.items()))
        return Version("0") if val == "0" else Version(val), 0 if k == "introduced" else 1
    hit = False
    for e in sorted(events, key=key):
        k, val = next(iter(e.items()))
        ver = Version("0") if val == "0" else Version(val)
        if k == "introduced" and v >= ver:
            hit = True
        elif k == "fixed" and v >= ver:
            hit = False
        elif k == "last_affected" and v > ver:
            hit = False
    return hit


def canon(name):
    import re
    return re.sub(r"[-_.]+", "-", name).lower()


def expected_findings(advisory_dir, pins):
    """{normalised name: {id: (aliases, fix_versions)}} for `pins`."""
    records = [json.load(open(f)) for f in glob.glob(os.path.join(advisory_dir, "**", "*.json"),
                                                      recursive=True)]
    out = {}
    for name, ver in pins:
        v = Version(ver)
        found = {}
        for r in records:
            if r.get("withdrawn"):
                continue
            fixes, hit = set(), False
            for a in r["affected"]:
                if canon(a["package"]["name"]) != canon(name):
                    continue
                for rg in a.get("ranges", []):
                    if rg["type"] != "ECOSYSTEM":
                        continue
                    hit = hit or affected(rg["events"], v)
                    fixes |= {Version(e["fixed"]) for e in rg["events"] if "fixed" in e}
            if hit:
                found[r["id"]] = (sorted(r.get("aliases", [])),
                                  [str(f) for f in sorted(f for f in fixes if f > v)])
        out[canon(name)] = found
    return out


def read_pins(path):
    pins = []
    for line in open(path):
        line = line.split("#")[0].strip()
        if line:
            n, v = line.split("==")
            pins.append((n, v))
    return pins


def main():
    for exe in (AIRLOCK, DBBUILD):
        if not os.access(exe, os.X_OK):
            print("missing", exe)
            return 1
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        key, pub = os.path.join(tmp, "k.key"), os.path.join(tmp, "k.pub")
        run(DBBUILD, "keygen", "-W", "-p", pub, "-s", key, expect=0)
        snap = os.path.join(tmp, "ex.snapshot")
        run(DBBUILD, "build", "-s", key, "-o", snap, os.path.join(EXAMPLES, "advisories"), expect=0)
        db = os.path.join(tmp, "db")
        run(AIRLOCK, "--db-dir", db, "db", "import", snap, "--trusted-key", pub, expect=0)
        scan = [AIRLOCK, "--db-dir", db, "scan", "--no-python"]
        req = os.path.join(EXAMPLES, "requirements.txt")

        # --- exact findings, JSON -------------------------------------------
        p = run(*scan, "-r", req, "--format", "json", expect=1)
        report = json.loads(p.stdout)
        pins = read_pins(req)
        want = expected_findings(os.path.join(EXAMPLES, "advisories"), pins)
        deps = report["dependencies"]
        check([d["name"] for d in deps] == [n for n, _ in pins], "every pin listed in order")
        total = 0
        for d in deps:
            got = {v["id"]: (v["aliases"], v["fix_versions"]) for v in d.get("vulns", [])}
            check(got == want[canon(d["name"])], f"{d['name']}: {got} != {want[canon(d['name'])]}")
            total += len(got)
            check(d["source"]["file"] == req and d["source"]["line"] >= 2, f"{d['name']} source")
            for v in d.get("vulns", []):
                check(v["severity"]["level"] == "UNKNOWN" and v["ignored"] is False,
                      f"{v['id']} severity/ignored")
                check(v["description"] != "", f"{v['id']} description")
        # Hand-checked facts (examples/README.md).
        check(total == 27, f"27 findings, got {total}")
        check(report["summary"]["vulnerable"] == 8, "8 vulnerable dependencies")
        check(want["django"].keys() >= {"PYSEC-2023-100", "PYSEC-2024-70"}, "oracle sanity")
        check(len(want["django"]) == 15 and "PYSEC-2023-73" not in str(want), "oracle sanity 2")
        ul = {v["id"]: v for v in deps[10]["vulns"]}
        check(ul["PYSEC-2023-192"]["fix_versions"] == ["1.26.17", "2.0.6"], "urllib3 fixes")
        check(ul["PYSEC-2023-192"]["aliases"] == ["CVE-2023-43804", "GHSA-v845-jxx5-vc9f"],
              "urllib3 aliases")
        # The examples' snapshot has no release data: each vulnerable pin's
        # fix is the smallest fix version no advisory affects, following
        # the fixes of advisories that affect a candidate
        # (docs/remediation.md), and the note says it was not checked
        # against an index.
        adv_dir = os.path.join(EXAMPLES, "advisories")
        want_fixes = []
        for n, v in pins:
            if not want[canon(n)]:
                continue
            cands = {Version(f) for _, fx in want[canon(n)].values() for f in fx}
            cands = {c for c in cands if not c.is_prerelease}
            new, last = None, Version(v)
            while True:
                above = sorted(c for c in cands if c > last)
                if not above:
                    break
                last = above[0]
                hits = expected_findings(adv_dir, [(n, str(last))])[canon(n)]
                if not hits:
                    new = str(last)
                    break
                cands |= {Version(f) for _, fx in hits.values() for f in fx
                          if not Version(f).is_prerelease}
            want_fixes.append((n, v, new))
        got_fixes = [(f["name"], f["old_version"], f["new_version"]) for f in report["fixes"]]
        check(got_fixes == want_fixes, f"fixes: {got_fixes} != {want_fixes}")
        check(len(got_fixes) == 8 and all(f[2] for f in got_fixes), "8 fixes, each found")
        check(all(f["note"].startswith("no release data") for f in report["fixes"]),
              "fix notes say there is no release data")
        check(report["release_data"] is False and
              all(d["release_data"] is False and d["latest_version"] is None for d in deps),
              "no release data, nothing guessed")
        check([p["phase"] for p in report["plan"]] == [1, 2, 3, 4], "four phases")
        planned = {i["name"]: (p["phase"], i["to"]) for p in report["plan"] for i in p["items"]}
        check(planned == {n: (1, new) for n, _, new in want_fixes},
              f"plan: every finding is of unknown severity, phase 1: {planned}")
        check(report["scanner"]["name"] == "airlock", "scanner name")
        inp = report["inputs"][0]
        import hashlib
        check(inp["kind"] == "requirements" and
              inp["sha256"] == hashlib.sha256(open(req, "rb").read()).hexdigest(), "input digest")
        dbp = report["database"]
        check(dbp["sequence"] > 0 and len(dbp["signer_key_id"]) == 16, "database provenance")
        check(len(dbp["sources"]) == 1 and dbp["sources"][0]["withdrawn"] == 1, "sources")

        # --- the project directory: pyproject.toml with uv.lock beside it -------
        # The oracle reads uv.lock with tomllib: every registry package is
        # checked at its locked version, in file order, the others skipped.
        import tomllib
        proj = os.path.join(EXAMPLES, "project")
        lock = tomllib.load(open(os.path.join(proj, "uv.lock"), "rb"))
        registry = [(p["name"], p["version"]) for p in lock["package"]
                    if "registry" in p["source"]]
        other = [(p["name"], next(iter(p["source"]))) for p in lock["package"]
                 if "registry" not in p["source"]]
        p = run(*scan, proj, "--format", "json", expect=1)
        report = json.loads(p.stdout)
        deps = report["dependencies"]
        checked = [(d["name"], d["version"]) for d in deps if d.get("skip_reason") is None]
        skipped = [(d["name"], d["source"]["source_kind"]) for d in deps
                   if d.get("skip_reason") is not None]
        check(checked == registry, f"project: checked {checked} != {registry}")
        check(skipped == other, f"project: skipped {skipped} != {other}")
        want = expected_findings(os.path.join(EXAMPLES, "advisories"), registry)
        for d in deps:
            if d.get("skip_reason") is None:
                got = {v["id"]: (v["aliases"], v["fix_versions"]) for v in d.get("vulns", [])}
                check(got == want[canon(d["name"])], f"project {d['name']}: {got}")
            check(d["source"]["file"] == os.path.join(proj, "uv.lock") and
                  d["source"]["kind"] == "locked", f"project {d['name']}: source {d['source']}")
        kinds = [(i["kind"], os.path.basename(i["path"]), i["format"]) for i in report["inputs"]]
        check(kinds == [("pyproject", "pyproject.toml", None), ("lockfile", "uv.lock", "uv")],
              f"project inputs {kinds}")
        check("pins from uv.lock beside it: it covers all 6 dependencies declared here"
              in (report["inputs"][0]["note"] or ""), f"project note {report['inputs'][0]}")
        check(sum(len(d.get("vulns", [])) for d in deps) == 19, "project: 19 findings")

        # --- table --------------------------------------------------------------
        p = run(*scan, "-r", req, expect=1)
        t = p.stdout
        check(t.splitlines()[0].split() == ["Name", "Version", "ID", "Fix", "Versions", "Severity"],
              "table header")
        check("\x1b" not in t, "no colour when not a terminal")
        check("Scanned 12 dependencies: 8 vulnerable, 27 vulnerabilities (27 UNKNOWN), "
              "0 ignored, 0 skipped, 0 warnings." in t, "table summary\n" + t)
        check("Database: sequence" in t, "table database line")
        row = [ln for ln in t.splitlines() if "PYSEC-2024-38" in ln]
        check(len(row) == 1 and row[0].split()[:4] == ["fastapi", "0.109.0", "PYSEC-2024-38",
                                                     "0.109.1"], "fastapi row")

        # --- exit statuses ------------------------------------------------------
        clean = os.path.join(tmp, "clean.txt")
        open(clean, "w").write("gunicorn==22.0.0\ntorchvision==0.16.2\nredis==5.2.0\n")
        run(*scan, "-r", clean, expect=0)
        run(*scan, "--bogus", expect=2)
        run(*scan, "-r", os.path.join(tmp, "missing.txt"), expect=2)
        run(*scan, "-r", clean, "--fail-on", "extreme", expect=2)
        run(*scan, "-r", clean, "--format", "yaml", expect=2)
        run(AIRLOCK, "--db-dir", db, "scan", "--no-python", expect=2)  # nothing to scan
        # Fail closed: no database at all, and a damaged one.
        p = run(AIRLOCK, "--db-dir", os.path.join(tmp, "nodb"), "scan", "--no-python", "-r", clean,
                expect=2)
        check("airlock db import" in p.stderr, "no-db message says how to fix it: " + p.stderr)
        run(*scan, "-r", clean, "--max-db-age", "1", expect=0)  # built just now
        run(*scan, "-r", clean, "--max-db-age", "x", expect=2)
        # A database built 10 days ago: a warning, or an error with --max-db-age 7.
        import time
        old = os.path.join(tmp, "old.snapshot")
        run(DBBUILD, "build", "-s", key, "-o", old, os.path.join(EXAMPLES, "advisories"),
            env={"SOURCE_DATE_EPOCH": str(int(time.time()) - 10 * 86400)}, expect=0)
        db_old = os.path.join(tmp, "db-old")
        run(AIRLOCK, "--db-dir", db_old, "db", "import", old, "--trusted-key", pub, expect=0)
        p = run(AIRLOCK, "--db-dir", db_old, "scan", "--no-python", "-r", clean, expect=0)
        check("warning" in p.stderr and "10 days" in p.stderr, "old database warning: " + p.stderr)
        p = run(AIRLOCK, "--db-dir", db_old, "scan", "--no-python", "-r", clean,
                "--max-db-age", "7", expect=2)
        check("--max-db-age" in p.stderr, "max-db-age message: " + p.stderr)
        # A damaged database file fails closed.
        import glob as g
        data = g.glob(os.path.join(db_old, "snapshots", "*", "data.mdb"))[0]
        os.chmod(data, 0o644)
        with open(data, "r+b") as f:
            f.seek(5000)
            b = f.read(1)
            f.seek(5000)
            f.write(bytes([b[0] ^ 0xff]))
        p = run(AIRLOCK, "--db-dir", db_old, "scan", "--no-python", "-r", clean, expect=2)
        check("digest" in p.stderr or "damaged" in p.stderr or "verify" in p.stderr,
              "damaged database message: " + p.stderr)

        # --- -o: atomic, nothing on stdout, no temporary files left -------------
        outdir = os.path.join(tmp, "out")
        os.mkdir(outdir)
        out = os.path.join(outdir, "r.json")
        p = run(*scan, "-r", req, "--format", "json", "-o", out, expect=1)
        check(p.stdout == "" and json.load(open(out))["summary"]["vulnerabilities"] == 27, "-o")
        check(os.listdir(outdir) == ["r.json"], f"-o leaves only the report: {os.listdir(outdir)}")
        run(*scan, "-r", req, "-o", os.path.join(tmp, "no", "such", "dir", "r.txt"), expect=2)

        # --- evidence bundle, signed --------------------------------------------
        ev = os.path.join(tmp, "evidence")
        run(*scan, "-r", req, "--evidence", ev, "--sign-key", key, expect=1)
        check(os.path.isfile(os.path.join(ev, "report.json")) and
              json.load(open(os.path.join(ev, "report.json")))["summary"]["vulnerabilities"] == 27,
              "evidence report.json")
        p = subprocess.run(["sha256sum", "-c", "--quiet", "MANIFEST"], cwd=ev, capture_output=True)
        check(p.returncode == 0, "sha256sum -c MANIFEST")
        # Its signature, checked with stock minisign: test_scan_evidence_minisign.py.
        run(*scan, "-r", req, "--sign-key", key, expect=2)  # --sign-key needs --evidence

        # --- ignoring -----------------------------------------------------------
        today = datetime.date.today()
        ign = os.path.join(tmp, "ignore.txt")
        open(ign, "w").write(
            "# accepted\n"
            f"CVE-2023-45803 until={(today + datetime.timedelta(days=30)).isoformat()} body not sent\n"
            f"PYSEC-2024-38 until={(today - datetime.timedelta(days=2)).isoformat()} was accepted\n"
            "not/an id\n")
        p = run(*scan, "-r", req, "--format", "json", "--ignore-vuln", "ghsa-v845-jxx5-vc9f",
                "--ignore-file", ign, expect=1)
        rep = json.loads(p.stdout)
        vulns = {v["id"]: v for d in rep["dependencies"] for v in d.get("vulns", [])}
        check(vulns["PYSEC-2023-192"]["ignored"] is True, "ignored by alias (any case)")
        check(vulns["PYSEC-2023-212"]["ignored"] is True and
              vulns["PYSEC-2023-212"]["ignore_reason"] == "body not sent", "ignore file entry")
        check(vulns["PYSEC-2024-38"]["ignored"] is False, "expired entry does not apply")
        check([x["id"] for x in rep["expired_ignores"]] == ["PYSEC-2024-38"] and
              rep["expired_ignores"][0]["line"] == 3, "expired entry reported")
        check(f"{ign}:3:" in p.stderr and "expired" in p.stderr, "expiry warning: " + p.stderr)
        check(f"{ign}:4:" in p.stderr, "malformed line warning names file:line")
        check(rep["summary"]["ignored"] == 2 and rep["summary"]["vulnerabilities"] == 25, "counts")
        run(*scan, "-r", req, "--ignore-file", ign, "--strict", expect=2)
        # Ignoring everything found gives 0.
        onlyurllib = os.path.join(tmp, "u.txt")
        open(onlyurllib, "w").write("urllib3==1.26.12\n")
        run(*scan, "-r", onlyurllib, "--ignore-vuln", "PYSEC-2023-192", "--ignore-vuln",
            "CVE-2023-45803", expect=0)
        run(*scan, "-r", onlyurllib, "--ignore-vuln", "PYSEC-2023-192", expect=1)

        # --- --fail-on with real severities -------------------------------------
        snap2 = os.path.join(tmp, "sev.snapshot")
        run(DBBUILD, "build", "-s", key, "-o", snap2, "--sequence", str(2 ** 40),
            os.path.join(FIXTURES, "severity"), os.path.join(EXAMPLES, "advisories"), expect=0)
        db2 = os.path.join(tmp, "db2")
        run(AIRLOCK, "--db-dir", db2, "db", "import", snap2, "--trusted-key", pub, expect=0)
        scan2 = [AIRLOCK, "--db-dir", db2, "scan", "--no-python"]
        sev = os.path.join(tmp, "sev.txt")
        open(sev, "w").write("sev-low==1.0\nsev-high==1.2\nsev.crit==3.0\nsev-crit==3.0.1\n")
        p = run(*scan2, "-r", sev, "--format", "json", expect=1)
        rep = json.loads(p.stdout)
        got = {d["name"]: [(v["id"], v["severity"]["level"], v["aliases"], v["fix_versions"])
                           for v in d["vulns"]] for d in rep["dependencies"]}
        check(got["sev-low"] == [("DEMO-LOW-1", "LOW", [], ["2.0"])], f"low: {got}")
        high = got["sev-high"]
        check(len(high) == 1 and high[0][1] == "HIGH" and
              sorted([high[0][0]] + high[0][2]) == ["CVE-2099-0001", "DEMO-HIGH-1",
                                                    "GHSA-xxxx-yyyy-zzzz"] and
              high[0][3] == ["1.5", "2.1"], f"alias merge: {high}")
        check(len(got["sev.crit"]) == 1 and got["sev.crit"][0][1] == "CRITICAL", "crit")
        check(got["sev-crit"] == [], "last_affected is inclusive only")
        crit = rep["dependencies"][2]["vulns"][0]["severity"]
        check(crit["score"] == 9.8 and crit["vectors"][0]["type"] == "CVSS_V3", f"cvss {crit}")
        run(*scan2, "-r", sev, "--fail-on", "critical", expect=1)
        low = os.path.join(tmp, "low.txt")
        open(low, "w").write("sev-low==1.0\n")
        run(*scan2, "-r", low, "--fail-on", "medium", expect=0)
        run(*scan2, "-r", low, "--fail-on", "low", expect=1)
        run(*scan2, "-r", low, expect=1)
        # Unknown severity fails closed even at --fail-on critical.
        run(*scan2, "-r", onlyurllib, "--fail-on", "critical", expect=1)

        # --- --strict and bad lines ---------------------------------------------
        bad = os.path.join(tmp, "bad.txt")
        open(bad, "w").write("gunicorn==22.0.0\nthis is ( not a requirement\n")
        p = run(*scan, "-r", bad, expect=0)
        check(f"{bad}:2" in p.stderr, "bad line warning names file and line: " + p.stderr)
        run(*scan, "-r", bad, "--strict", expect=2)

        # --- --path and --venv, mixed with -r -----------------------------------
        venv = os.path.join(tmp, "venv")
        sp = os.path.join(venv, "lib", "python3.11", "site-packages")
        for name, ver in (("urllib3", "1.26.12"), ("Django", "5.1.1")):
            di = os.path.join(sp, f"{name}-{ver}.dist-info")
            os.makedirs(di)
            open(os.path.join(di, "METADATA"), "w").write(
                f"Metadata-Version: 2.1\nName: {name}\nVersion: {ver}\n\n")
        open(os.path.join(venv, "pyvenv.cfg"), "w").write("home = /usr/bin\nversion = 3.11.2\n")
        p = run(*scan, "--path", sp, "-r", clean, "--venv", venv, "--format", "json", expect=1)
        rep = json.loads(p.stdout)
        names = [(d["name"], d["source"]["kind"]) for d in rep["dependencies"]]
        check(names[:2] == [("Django", "installed"), ("urllib3", "installed")] or
              sorted(names[:2]) == [("Django", "installed"), ("urllib3", "installed")],
              f"--path deps first: {names}")
        check([k for _, k in names[2:5]] == ["requirement"] * 3, f"then -r: {names}")
        check(len(names) == 7, f"then --venv: {names}")
        check([i["kind"] for i in rep["inputs"]] == ["path", "requirements", "venv"], "inputs order")
        dj = [d for d in rep["dependencies"] if d["name"] == "Django"][0]
        check(dj["vulns"] == [] and dj["source"]["location"] is not None, "Django 5.1.1 clean")
        # An interpreter's environment (Debian's python3: the test runs with it).
        p = run(AIRLOCK, "--db-dir", db, "scan", "--python", "/usr/bin/python3", "--format", "json")
        check(p.returncode in (0, 1), f"--python: exit {p.returncode} {p.stderr}")
        if p.returncode in (0, 1):
            rep = json.loads(p.stdout)
            # Every input has format and note (null when none; the note may
            # say why this environment was chosen).
            inp = rep["inputs"][0]
            check({k: inp.get(k) for k in ("kind", "path", "sha256", "format")} ==
                  {"kind": "python", "path": "/usr/bin/python3", "sha256": None, "format": None}
                  and set(inp) == {"kind", "path", "sha256", "format", "note"},
                  f"python input {rep['inputs']}")
            check(len(rep["dependencies"]) > 0 and
                  all(d["source"]["kind"] == "installed" for d in rep["dependencies"]),
                  "python environment dependencies")
        run(*scan, "--python", "/usr/bin/python3", expect=2)  # with --no-python
        # $VIRTUAL_ENV is scanned when no input is named, without running python.
        p = run(*scan, "--format", "json", env={"VIRTUAL_ENV": venv}, expect=1)
        rep = json.loads(p.stdout)
        check(rep["inputs"][0]["kind"] == "venv" and len(rep["dependencies"]) == 2, "VIRTUAL_ENV")

    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
