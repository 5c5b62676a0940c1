#!/usr/bin/python3
"""End to end: airlock-dbbuild build --index with the saved PEP 691 pages
of tests/data/index/pages -> inspect -> airlock db import -> db status and a
scan's JSON provenance; the same without --index still scans and says it
has no release data. The releases themselves are read back in
tests/unit/test_releases.c."""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

AIRLOCK = os.environ["AIRLOCK_BIN"]
DBBUILD = os.environ["AIRLOCK_DBBUILD_BIN"]
DATA = os.environ["AIRLOCK_TEST_DATA"]
OSV = os.path.join(DATA, "compile", "basic")
PAGES = os.path.join(DATA, "index", "pages")
PAGES_NAME = "pages"  # what the database records: the DIR's name, not its path
failures = 0


def run(*args, env=None):
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)


def check(cond, what, proc=None):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)
        if proc is not None:
            print("  stdout:", proc.stdout[:3000])
            print("  stderr:", proc.stderr[:3000])


def pages_digest(root):
    """The documented digest: sha256 of "HEX  RELPATH\\n" per page, by RELPATH."""
    rels = []
    for name in os.listdir(root):
        if name.startswith("."):
            continue
        p = os.path.join(root, name)
        if os.path.isdir(p):
            for inner in ("index.json", "index.v1_json"):
                if os.path.isfile(os.path.join(p, inner)):
                    rels.append(name + "/" + inner)
                    break
        elif name.endswith(".json"):
            rels.append(name)
    text = ""
    for rel in sorted(rels, key=lambda s: s.encode()):
        with open(os.path.join(root, rel), "rb") as f:
            text += hashlib.sha256(f.read()).hexdigest() + "  " + rel + "\n"
    return hashlib.sha256(text.encode()).hexdigest()


with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    pub, sec = os.path.join(tmp, "k.pub"), os.path.join(tmp, "k.sec")
    p = run(DBBUILD, "keygen", "-W", "-p", pub, "-s", sec)
    check(p.returncode == 0, "keygen", p)

    snaps = []
    for n in (1, 2):
        snap = os.path.join(tmp, f"rel{n}.snap")
        p = run(DBBUILD, "build", "-s", sec, "-o", snap, "--index", PAGES, OSV, env=env)
        check(p.returncode == 0, "build --index", p)
        snaps.append(snap)
    err = p.stderr
    check("release data: 4 projects, 15 releases, 28 files; 3 pages skipped, 1 file or "
          "version dropped" in err, "summary line counts projects, releases, skipped pages", p)
    check("broken.json: warning: not valid JSON; page skipped" in err, "bad JSON page named", p)
    check("future/index.json: warning: invalid PEP 691 API version '2.0': this reads 1.x; "
          "page skipped" in err,
          "API 2.0 page named", p)
    check("requests/index.json: warning: requests-latest.tar.gz: invalid version" in err,
          "bad file named with its page", p)
    check("werkzeug/index.html: warning: an HTML page, not PEP 691 JSON" in err,
          "an HTML page saved by mistake is named", p)
    with open(snaps[0], "rb") as a, open(snaps[1], "rb") as b:
        check(a.read() == b.read(), "two builds with --index give the same snapshot")

    p = run(DBBUILD, "build", "-s", sec, "-o", os.path.join(tmp, "x.snap"), "--index",
            os.path.join(tmp, "no-such-dir"), OSV, env=env)
    check(p.returncode == 2 and "no-such-dir" in p.stderr, "a missing --index DIR fails", p)
    check(not os.path.exists(os.path.join(tmp, "x.snap")), "and writes nothing")

    p = run(DBBUILD, "build", "--strict", "-s", sec, "-o", os.path.join(tmp, "strict.snap"),
            "--index", PAGES, os.path.join(DATA, "compile", "dup2"), env=env)
    check(p.returncode == 2 and "3 pages skipped" in p.stderr, "--strict refuses skipped pages", p)

    plain = os.path.join(tmp, "plain.snap")
    p = run(DBBUILD, "build", "-s", sec, "-o", plain, OSV, env=env)
    check(p.returncode == 0 and "release data" not in p.stderr, "build without --index", p)

    digest = pages_digest(PAGES)
    p = run(DBBUILD, "inspect", snaps[0])
    check(p.returncode == 0, "inspect", p)
    check("indexes:     1\n" in p.stdout and PAGES_NAME + "\n" in p.stdout, "inspect lists the index", p)
    check("sha256 " + digest in p.stdout, "inspect shows the documented digest", p)
    check("projects 4, releases 15" in p.stdout, "inspect shows the counts", p)
    p = run(DBBUILD, "inspect", plain)
    check("indexes:     none (no release data)" in p.stdout, "inspect without release data", p)

    req = os.path.join(tmp, "requirements.txt")
    with open(req, "w") as f:
        f.write("foo-bar==1.0\nflask==2.2.5\n")
    for snap, has in ((snaps[0], True), (plain, False)):
        dbdir = os.path.join(tmp, "db-" + os.path.basename(snap))
        p = run(AIRLOCK, "--db-dir", dbdir, "db", "import", snap, "--trusted-key", pub)
        check(p.returncode == 0, "import", p)
        p = run(AIRLOCK, "--db-dir", dbdir, "db", "status")
        check(p.returncode == 0, "db status", p)
        if has:
            check("release data:    yes, from:\n  " + PAGES_NAME + "\n    sha256 " + digest +
                  ", 4 projects, 15 releases" in p.stdout, "db status shows the index", p)
        else:
            check("release data:    none (built without --index)" in p.stdout,
                  "db status says there is no release data", p)
        p = run(AIRLOCK, "--db-dir", dbdir, "db", "status", "--format", "json")
        st = json.loads(p.stdout)
        check(st["release_data"] is has, "db status --format json: release_data")
        check(len(st["indexes"]) == (1 if has else 0), "db status --format json: indexes")
        if has:
            check(st["indexes"][0] == {"name": PAGES_NAME, "sha256": digest, "projects": 4,
                                       "releases": 15}, "db status json index entry")
        p = run(AIRLOCK, "--db-dir", dbdir, "scan", "--no-python", "-r", req, "--format", "json")
        check(p.returncode == 1, "scan finds foo-bar 1.0 vulnerable", p)
        rep = json.loads(p.stdout)
        ids = [v["id"] for d in rep["dependencies"] for v in d.get("vulns", [])]
        check("PYSEC-2099-1" in ids, "scan still matches advisories", p)
        db = rep["database"]
        if has:
            check(db.get("indexes") == [{"name": PAGES_NAME, "sha256": digest, "projects": 4,
                                         "releases": 15}], "report: database.indexes", p)
        else:
            check(db.get("indexes") == [], "report: database.indexes empty without release data", p)

if failures:
    print(f"{failures} failure(s)")
    sys.exit(1)
print("ok")
