#!/usr/bin/python3
"""End to end: advisories written by an attacker, built, signed, installed,
shown and scanned. Public advisory text is untrusted even inside a signed
snapshot:
  - no terminal control (ESC, C1 such as CSI U+009B, bidirectional
    controls) reaches airlock-dbbuild's warnings, airlock show or the table;
  - records with lone surrogates, a NUL escape or a deep database_specific
    are kept; a record file that does not parse is counted as skipped in
    the provenance every report shows, and --strict fails the build on it;
  - severity and reference types outside the OSV schema never reach output;
  - SARIF helpUri and CycloneDX advisories[].url are only http(s) URIs, and
    Markdown neither links bare URLs nor passes bidi or C1 controls.
"""
import json
import os
import subprocess
import sys
import tempfile

AIRLOCK = os.environ["AIRLOCK_BIN"]
DBBUILD = os.environ["AIRLOCK_DBBUILD_BIN"]
failures = 0
checks = 0

# What must never reach a terminal or a report as such.
CONTROLS = ["\x1b", "\x07", "\u009b", "\u0085", "\u202e", "\u2066", "\x00"]


def run(*args, env=None):
    return subprocess.run(args, capture_output=True, env=env, timeout=300)


def text(b):
    return b.decode("utf-8", "surrogateescape")


def check(cond, what, proc=None):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what)
        if proc is not None:
            print("  stdout:", text(proc.stdout)[:3000].encode("unicode_escape").decode())
            print("  stderr:", text(proc.stderr)[:3000].encode("unicode_escape").decode())


def clean(s, what, proc=None):
    bad = [c for c in CONTROLS if c in s]
    check(not bad, f"{what}: no control characters ({bad!r})", proc)


def no_raw_c1(b, what, proc=None):
    """No C1 control as a raw byte or as UTF-8 (C2 80-9F)."""
    s = b.decode("utf-8", "surrogateescape")
    raw = [c for c in s if 0xDC80 <= ord(c) <= 0xDC9F]
    check(not raw, f"{what}: no raw C1 byte", proc)
    clean(s, what, proc)


def record(id_, pkg, extra):
    r = {"id": id_, "modified": "2024-01-01T00:00:00Z",
         "affected": [{"package": {"ecosystem": "PyPI", "name": pkg},
                       "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}
    r.update(extra)
    return r


VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"

with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    pub, sec = os.path.join(tmp, "k.pub"), os.path.join(tmp, "k.sec")
    p = run(DBBUILD, "keygen", "-W", "-p", pub, "-s", sec)
    check(p.returncode == 0, "keygen", p)
    src = os.path.join(tmp, "src")
    os.mkdir(src)
    hostile = record("PYSEC-2099-900", "hostile-pkg", {
        "summary": "Clear \u001b[2J\u001b]0;pwned\u0007 C1 \u009b31m bidi \u202etxt.exe "
                   "see www.evil.example and https://evil.example/x",
        "details": "before\u0000after",
        "aliases": ["CVE-2099-900", "CVE-\u001b[2J"],
        "severity": [{"type": "CVSS_V3\u001b[2J\u001b]0;title\u0007", "score": VECTOR},
                     {"type": "CVSS_V3", "score": VECTOR}],
        "references": [{"type": "ADVISORY", "url": "javascript:alert(document.cookie)"},
                       {"type": "WEB\u001b[31m", "url": "data:text/html,<script>x</script>"},
                       {"type": "REPORT", "url": "not a uri \u009b"},
                       {"type": "FIX", "url": "https://example.org/fix"}],
    })
    hostile["affected"][0]["versions"] = ["1.0", "bad\u001b[2Jversion"]
    with open(os.path.join(src, "hostile.json"), "w") as f:
        json.dump(hostile, f)
    # Lone surrogates and a deep database_specific: kept.
    deep = "[" * 200 + "]" * 200
    with open(os.path.join(src, "surrogate.json"), "w") as f:
        f.write(json.dumps(record("PYSEC-2099-901", "hostile-pkg", {
            "summary": "@SUMMARY@", "database_specific": {"severity": "HIGH", "x": "@DEEP@"}}))
            .replace('"@SUMMARY@"', '"lone \\ud800 reversed \\udc00\\ud800"')
            .replace('"@DEEP@"', deep))
    # Not UTF-8: still unreadable, and counted.
    with open(os.path.join(src, "latin1.json"), "wb") as f:
        f.write(json.dumps(record("PYSEC-2099-902", "hostile-pkg", {"summary": "X"}))
                .encode().replace(b'"X"', b'"caf\xe9"'))

    snap = os.path.join(tmp, "s.snap")
    p = run(DBBUILD, "build", "-s", sec, "-o", snap, src, env=env)
    check(p.returncode == 0, "build", p)
    no_raw_c1(p.stderr, "build warnings", p)
    check(b"2 records kept, 1 skipped" in p.stderr, "2 kept, the unreadable one skipped", p)
    check(b"alias 'CVE-?[2J' is not an ID" in p.stderr, "bad alias named, filtered", p)
    p = run(DBBUILD, "build", "--strict", "-s", sec, "-o", os.path.join(tmp, "strict.snap"),
            src, env=env)
    check(p.returncode == 2 and b"could not be read" in p.stderr,
          "--strict fails on the unreadable record", p)
    no_raw_c1(p.stderr, "--strict error", p)
    p = run(DBBUILD, "inspect", snap)
    check(p.returncode == 0 and b"skipped 1" in p.stdout, "inspect: skipped 1", p)

    dbdir = os.path.join(tmp, "db")
    p = run(AIRLOCK, "--db-dir", dbdir, "db", "import", snap, "--trusted-key", pub)
    check(p.returncode == 0, "import", p)

    p = run(AIRLOCK, "--db-dir", dbdir, "show", "PYSEC-2099-900")
    check(p.returncode == 0, "show", p)
    out = text(p.stdout)
    no_raw_c1(p.stdout, "show", p)
    check("severity:  CRITICAL (CVSS_V3 9.8 " in out, "show: the valid severity entry", p)
    check("title" not in out, "show: the severity type outside the enum is gone", p)
    check("before\ufffdafter" in out, "show: NUL replaced, the rest kept", p)
    check("    WEB       data:" in out, "show: reference type outside the enum is WEB", p)
    p = run(AIRLOCK, "--db-dir", dbdir, "show", "PYSEC-2099-901")
    check(p.returncode == 0 and "lone \ufffd reversed \ufffd\ufffd" in text(p.stdout),
          "show: the lone-surrogate record is kept", p)

    req = os.path.join(tmp, "requirements.txt")
    with open(req, "w") as f:
        f.write("hostile-pkg==1.0\n")

    def scan(fmt):
        p = run(AIRLOCK, "--db-dir", dbdir, "scan", "--no-python", "-r", req, "-f", fmt)
        check(p.returncode == 1, f"scan -f {fmt} finds the vulnerabilities", p)
        return p

    p = scan("json")
    rep = json.loads(p.stdout)
    check(rep["database"]["sources"][0]["skipped"] == 1, "json: provenance skipped 1", p)
    ids = sorted(v["id"] for d in rep["dependencies"] for v in d.get("vulns", []))
    check(ids == ["PYSEC-2099-900", "PYSEC-2099-901"], f"json: both kept records found {ids}", p)

    p = scan("table")
    no_raw_c1(p.stdout, "table", p)

    p = scan("sarif")
    sarif = json.loads(p.stdout)
    uris = [r.get("helpUri") for run_ in sarif["runs"] for r in run_["tool"]["driver"]["rules"]]
    check("https://example.org/fix" in uris, f"sarif: the https helpUri {uris}", p)
    check(all(u is None or u.startswith("https://") for u in uris), f"sarif: helpUri {uris}", p)

    p = scan("cyclonedx")
    bom = json.loads(p.stdout)
    urls = [a["url"] for v in bom.get("vulnerabilities", []) for a in v.get("advisories", [])]
    check("https://example.org/fix" in urls, f"cyclonedx: the https url {urls}", p)
    check(all(u.startswith("https://") for u in urls), f"cyclonedx: advisories urls {urls}", p)

    p = scan("markdown")
    md = text(p.stdout)
    no_raw_c1(p.stdout, "markdown", p)
    check("www\\.evil.example" in md and "https\\://evil.example" in md,
          "markdown: bare URLs are not autolinks", p)
    check("](https://example.org/fix)" in md, "markdown: the https link", p)
    check("](javascript" not in md and "](data:" not in md, "markdown: no other link", p)

    # The HTML report uses the same filter (it had its own, which let C1 and
    # bidi controls through); the summary shows as the table shows it.
    p = scan("html")
    no_raw_c1(p.stdout, "html", p)
    check("C1 ?31m bidi ?txt.exe" in text(p.stdout), "html: controls shown as '?'", p)

    # An error quoting a path read from a requirement file reaches the
    # terminal through the filter too (scan's errors were printed raw).
    evil = os.path.join(tmp, "evil.txt")
    with open(evil, "w") as f:
        f.write('-r "gone\x1b]0;pwned\x07\u009b31m\u202e.txt"\n')
    p = run(AIRLOCK, "--db-dir", dbdir, "scan", "--no-python", "-r", evil)
    check(p.returncode == 2 and b"cannot read included requirement file" in p.stderr,
          "scan: an unreadable include is an error", p)
    no_raw_c1(p.stderr, "scan error", p)

print(f"{checks} checks, failures: {failures}")
sys.exit(1 if failures else 0)
