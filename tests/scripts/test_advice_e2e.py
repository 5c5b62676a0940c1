"""End to end: advice from a snapshot built with --index (docs/remediation.md).

The scene in tests/data/advice: advisories in osv/ (alpha ADV-A1 HIGH <1.2
and ADV-A2 MODERATE [1.2, 1.3); gamma ADV-G1 <2.0, ADV-G2 LOW <3.0; delta
ADV-D1 no severity, no fix; kappa ADV-K1 CRITICAL <1.1; sigma ADV-S1
MODERATE <1.1), PEP 691 pages in scene/index (alpha 1.3 yanked "broken
build", zeta 2.1 yanked without reason, pre-releases alpha 2.1rc1 and
epsilon 1.6.dev1), and scene/requirements.txt with a nested -r more.txt
holding two ranges and an unpinned requirement.

Every answer of the JSON report is checked against an oracle written here
from the same files with packaging (latest, outdated, yanked, fixes,
range_risk, resolved_version), plus the plan's phases, the plan format,
--ignore-vuln, and a snapshot of the same advisories without --index.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

from packaging.specifiers import SpecifierSet
from packaging.version import Version

SRC = os.environ.get("AIRLOCK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
AIRLOCK = os.environ.get("AIRLOCK_BIN", os.path.join(SRC, "build", "release", "airlock"))
DBBUILD = os.environ.get("AIRLOCK_DBBUILD_BIN",
                         os.path.join(SRC, "build", "release", "airlock-dbbuild"))
DATA = os.path.join(os.environ.get("AIRLOCK_TEST_DATA", os.path.join(SRC, "tests", "data")),
                    "advice")
OSV, INDEX = os.path.join(DATA, "osv"), os.path.join(DATA, "scene", "index")
REQ = os.path.join(DATA, "scene", "requirements.txt")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, expect=None):
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env,
                       timeout=120)
    if expect is not None and p.returncode != expect:
        check(False, f"{args}: exit {p.returncode}, expected {expect}\n{p.stderr}")
    return p


# ---- the oracle --------------------------------------------------------------

def load_advisories():
    out = []  # (id, package, introduced, fixed or None, severity label or None)
    for f in sorted(glob.glob(os.path.join(OSV, "*.json"))):
        a = json.load(open(f))
        for aff in a["affected"]:
            ev = aff["ranges"][0]["events"]
            intro = Version(ev[0]["introduced"])
            fixed = Version(ev[1]["fixed"]) if len(ev) > 1 else None
            out.append((a["id"], aff["package"]["name"], intro, fixed,
                        a.get("database_specific", {}).get("severity")))
    return out


ADVISORIES = load_advisories()


def affecting(name, v, ignored=()):
    return sorted(i for i, p, lo, hi, _ in ADVISORIES
                  if p == name and v >= lo and (hi is None or v < hi) and i not in ignored)


def load_index():
    out = {}
    for f in glob.glob(os.path.join(INDEX, "*.json")):
        page = json.load(open(f))
        rels = {}
        for fi in page["files"]:
            v = Version(fi["filename"][len(page["name"]) + 1:].split("-")[0].removesuffix(".tar.gz"))
            rels.setdefault(v, []).append(fi["yanked"])
        out[page["name"]] = {v: all(bool(y) for y in ys) and
                             next((y for y in ys if isinstance(y, str)), "")
                             if all(bool(y) for y in ys) else None
                             for v, ys in rels.items()}
    return out  # name -> {version: None (not yanked) or yank reason ("" for none)}


INDEXED = load_index()


def latest(name, pre=False):
    ok = [v for v, y in INDEXED[name].items() if y is None and (pre or not v.is_prerelease)]
    return max(ok) if ok else None


def minimal_fix(name, pin, ignored=()):
    for v in sorted(INDEXED[name]):
        if v > pin and INDEXED[name][v] is None and not v.is_prerelease and \
                not affecting(name, v, ignored):
            return str(v)
    return None


def resolve(name, spec):
    rels = sorted(INDEXED[name])
    admitted = [v for v in SpecifierSet(spec).filter([str(v) for v in rels])]
    good = [Version(v) for v in admitted if INDEXED[name][Version(v)] is None]
    pick = max(good) if good else (max(Version(v) for v in admitted) if admitted else None)
    risk = [{"version": str(Version(v)), "ids": affecting(name, Version(v))}
            for v in admitted
            if (INDEXED[name][Version(v)] is None or Version(v) == pick) and
            affecting(name, Version(v))]
    return pick, risk


# ---- the scans ---------------------------------------------------------------

def check_release_facts(deps):
    for d in deps:
        n = d["normalized_name"]
        if n not in INDEXED:
            check(d["release_data"] is False and d["latest_version"] is None and
                  d["outdated"] is None and d["yanked"] is None,
                  f"{n}: no release data, nothing guessed: {d}")
            continue
        check(d["release_data"] is True, f"{n}: release data")
        if d.get("skip_reason") is None:
            v = Version(d["version"])
            lv = latest(n, v.is_prerelease)
            check(d["latest_version"] == str(lv), f"{n}: latest {d['latest_version']} != {lv}")
            check(d["outdated"] == (v < lv), f"{n}: outdated")
            y = INDEXED[n].get(v)
            check(d["yanked"] == (y is not None), f"{n}: yanked")
            check(d["yank_reason"] == (y or None), f"{n}: yank reason {d['yank_reason']!r}")
            check(d["specifier"] is None and d["range_risk"] is None and
                  d["resolved_version"] is None, f"{n}: a pin has no range risk")
        else:
            spec = d["specifier"]
            check(spec is not None, f"{n}: a range keeps its specifier")
            pick, risk = resolve(n, spec)
            check(d["resolved_version"] == (str(pick) if pick else None),
                  f"{n} {spec}: resolved {d['resolved_version']} != {pick}")
            check(d["range_risk"] == risk, f"{n} {spec}: range_risk {d['range_risk']} != {risk}")
            check(d["resolved_vulnerable"] == bool(pick and affecting(n, pick)),
                  f"{n} {spec}: resolved_vulnerable")
            check(d["outdated"] is None and d["yanked"] is None, f"{n}: a range has no pin facts")


def main():
    for exe in (AIRLOCK, DBBUILD):
        if not os.access(exe, os.X_OK):
            print("skip: missing", exe)
            return 77
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        key, pub = os.path.join(tmp, "k.key"), os.path.join(tmp, "k.pub")
        run(DBBUILD, "keygen", "-W", "-p", pub, "-s", key, expect=0)
        dbs = {}
        for label, extra in (("index", ["--index", INDEX]), ("plain", [])):
            snap = os.path.join(tmp, label + ".snapshot")
            run(DBBUILD, "build", "-s", key, "-o", snap, *extra, OSV, expect=0)
            dbs[label] = os.path.join(tmp, label + "-db")
            run(AIRLOCK, "--db-dir", dbs[label], "db", "import", snap, "--trusted-key", pub,
                expect=0)
        scan = [AIRLOCK, "--db-dir", dbs["index"], "scan", "--no-python",
                "--python-version", "3.11", "-r", REQ]

        # --- with release data -------------------------------------------------
        report = json.loads(run(*scan, "--format", "json", expect=1).stdout)
        deps = report["dependencies"]
        names = [d["normalized_name"] for d in deps]
        check(names == ["alpha", "delta", "epsilon", "zeta", "sigma", "omega", "kappa",
                        "gamma", "epsilon"], f"dependencies in order: {names}")
        check(report["release_data"] is True, "release_data")
        check([x["name"] for x in report["database"]["indexes"]] == [INDEX] or
              len(report["database"]["indexes"]) == 1, "the index in the provenance")
        check_release_facts(deps)

        want = []
        for d in deps:
            if d.get("skip_reason") is None and affecting(d["normalized_name"],
                                                         Version(d["version"])):
                want.append((d["name"], d["version"],
                             minimal_fix(d["normalized_name"], Version(d["version"]))))
        got = [(f["name"], f["old_version"], f["new_version"]) for f in report["fixes"]]
        check(got == want, f"fixes {got} != {want}")
        check(got == [("alpha", "1.0", "1.4"), ("delta", "1.0", None), ("sigma", "1.0", "1.1")],
              f"fixes, by hand: {got}")
        notes = {f["name"]: f["note"] for f in report["fixes"]}
        check(notes["alpha"] is None and "no release above 1.0" in notes["delta"],
              f"fix notes {notes}")

        plan = {p["phase"]: p for p in report["plan"]}
        items = {p: [(i["name"], i["from"], i["to"], i["ids"]) for i in plan[p]["items"]]
                 for p in plan}
        check(items[1] == [("alpha", "1.0", "1.4", ["ADV-A1"]),
                           ("delta", "1.0", None, ["ADV-D1"])], f"phase 1: {items[1]}")
        check(items[2] == [("sigma", "1.0", "1.1", ["ADV-S1"])], f"phase 2: {items[2]}")
        check(items[3] == [("epsilon", "1.0", "1.5", [])], f"phase 3: {items[3]}")
        check(items[4] == [], f"phase 4 (zeta is above its latest; omega unknown): {items[4]}")
        check("2.0, a major upgrade" in plan[3]["items"][0]["reason"], "phase 3 mentions 2.0")

        # --- --ignore-vuln: alpha's finding needs no fix; alpha moves to phase 3
        report = json.loads(run(*scan, "--format", "json", "--ignore-vuln", "ADV-A1",
                                expect=1).stdout)
        check([f["name"] for f in report["fixes"]] == ["delta", "sigma"],
              "an ignored finding needs no fix")
        p3 = [(i["name"], i["to"]) for i in report["plan"][2]["items"]]
        check(p3 == [("alpha", "1.4"), ("epsilon", "1.5")], f"phase 3 with ADV-A1 ignored: {p3}")

        # --- --format plan ----------------------------------------------------
        text = run(*scan, "--format", "plan", expect=1).stdout
        for needle in ("## Phase 1: Security fixes", "| alpha | 1.0 | 1.4 | ADV-A1 |",
                       "| delta | 1.0 | **no fix** |", "## Yanked releases in use",
                       "| zeta | 2.1 |", "| gamma | \\~=2.0 |", "2.5 **vulnerable**",
                       "## Vulnerable, with no fixed release"):
            check(needle in text, f"plan format has {needle!r}")

        # --- the evidence bundle holds the plan --------------------------------
        ev = os.path.join(tmp, "evidence")
        run(*scan, "--format", "json", "-o", os.path.join(tmp, "r.json"), "--evidence", ev,
            expect=1)
        check(os.path.exists(os.path.join(ev, "report.plan.md")), "report.plan.md in the bundle")

        # --- without release data ----------------------------------------------
        scan[2] = dbs["plain"]
        report = json.loads(run(*scan, "--format", "json", expect=1).stdout)
        check(report["release_data"] is False, "no release data")
        check(all(d["release_data"] is False and d["latest_version"] is None and
                  d["resolved_version"] is None and d["range_risk"] is None
                  for d in report["dependencies"]), "nothing guessed without release data")
        got = [(f["name"], f["new_version"]) for f in report["fixes"]]
        # alpha: ADV-A1's fix 1.2 is in ADV-A2's range; ADV-A2's fix 1.3 clears both.
        check(got == [("alpha", "1.3"), ("delta", None), ("sigma", "1.1")], f"fixes {got}")
        check(all(f["note"].startswith("no release data") for f in report["fixes"]),
              "fix notes say no release data")
        check(report["plan"][2]["items"] == [] and report["plan"][3]["items"] == [],
              "no phases 3 and 4 without release data")
        text = run(*scan, "--format", "plan", expect=1).stdout
        check("**No release data**" in text and "no release data | no release data" in text,
              "the plan format says there is no release data")

    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
