"""A line Airlock cannot read never vanishes: every report lists it.

A snapshot of examples/advisories is built and imported. Requirement files
(one included with -r) hold lines that cannot be read, a site-packages
directory holds a distribution without metadata, and an ignore file holds a
malformed line. `airlock scan` is run in every format and with --evidence:
each report must list every warning with its file and line, the same in
every format (test_reports_agree's readers), count them in its summary, and
say that the result is not clean. Without --strict the status stays 0 (no
findings); with --strict it is 2. Before the warnings reached the reports,
they were only printed to stderr and the JSON report had no trace of them.
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import test_reports_agree as agree  # noqa: E402

FAILURES = []


def check(cond, msg):
    if not cond:
        FAILURES.append(msg)
        print("FAIL", msg)


def run(*args, cwd=None):
    return subprocess.run([str(a) for a in args], cwd=cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


FORMATS = (("table", "txt"), ("json", "json"), ("sarif", "sarif"), ("cyclonedx", "cdx.json"),
           ("markdown", "md"), ("html", "html"))


def main():
    source = pathlib.Path(os.environ["AIRLOCK_SOURCE_DIR"])
    airlock, dbbuild = os.environ["AIRLOCK_BIN"], os.environ["AIRLOCK_DBBUILD_BIN"]
    with tempfile.TemporaryDirectory() as t:
        t = pathlib.Path(t)
        r = run(dbbuild, "keygen", "-W", "-p", t / "pub", "-s", t / "key")
        check(r.returncode == 0, f"keygen: {r.stderr}")
        r = run(dbbuild, "build", "-s", t / "key", "-o", t / "db.zst", "--sequence", "5",
                source / "examples" / "advisories")
        check(r.returncode == 0, f"build: {r.stderr}")
        r = run(airlock, "--db-dir", t / "db", "db", "import", t / "db.zst", "--trusted-key",
                t / "pub")
        check(r.returncode == 0, f"import: {r.stderr}")
        if FAILURES:
            return 1

        # Run from inside t so that the paths in the reports are short and known.
        (t / "req.txt").write_text("six==1.16.0\n!!!junk\n-r inc.txt\n")
        (t / "inc.txt").write_text("attrs==23.2.0\n\nrequests==2.0 ; os_name ==\n")
        (t / "sp" / "broken-1.0.dist-info").mkdir(parents=True)
        (t / "ignore").write_text("# comment\nCVE-2024-1 until=tomorrow\n")
        # (file, line) of every warning: the message wording is the parser's.
        expected = [("req.txt", 2), ("inc.txt", 3), ("sp/broken-1.0.dist-info", None),
                    ("ignore", 2)]
        common = ["--db-dir", t / "db", "scan", "--no-python", "-r", "req.txt", "--path", "sp",
                  "--ignore-file", "ignore"]

        out = t / "out"
        out.mkdir()
        stderr = {}
        for fmt, ext in FORMATS:
            r = run(airlock, *common, "--format", fmt, "-o", out / f"report.{ext}", cwd=t)
            stderr[fmt] = r.stderr
            check(r.returncode == 0, f"scan --format {fmt}: status {r.returncode} (no findings, "
                                     f"no --strict: 0 expected) {r.stderr}")
            # stderr shows each warning as before.
            for file, line in expected:
                where = f"{file}:{line}: warning:" if line else f"{file}: warning:"
                check(where in r.stderr, f"--format {fmt}: stderr lacks '{where}': {r.stderr}")
        r = run(airlock, *common, "--evidence", t / "bundle", cwd=t)
        check(r.returncode == 0, f"scan --evidence: status {r.returncode} {r.stderr}")
        if FAILURES:
            return 1

        # The JSON report holds each warning exactly as stderr printed it.
        printed = []
        for ln in stderr["json"].splitlines():
            m = re.match(r"airlock: (.*?)(?::(\d+))?: warning: (.*)$", ln)
            if m:
                printed.append((m.group(1), int(m.group(2)) if m.group(2) else None,
                                m.group(3)))
        doc = json.loads((out / "report.json").read_text())
        check([(w["file"], w["line"], w["message"]) for w in doc["warnings"]] == printed,
              f"report.json warnings {doc['warnings']} are not what stderr printed {printed}")

        for d in (out, t / "bundle"):
            got, count = agree.warnings_from_json(d)
            check([(f, ln) for f, ln, _ in got] == expected,
                  f"{d.name}/report.json warnings {got}, expected at {expected}")
            check(count == len(expected), f"{d.name}/report.json summary counts {count}")
            check(all(m for _, _, m in got), f"{d.name}: a warning without a message: {got}")
            fails, _ = agree.check_warnings(d.name, d)
            for f in fails:
                check(False, f)
            table = (d / "report.txt").read_text()
            check(table.startswith("No known vulnerabilities found in what was read; "
                                   "4 warnings below.\n"), f"{d.name}: table verdict\n{table}")
            md = (d / "report.md").read_text()
            check("**No known vulnerabilities found.**" not in md, f"{d.name}: markdown verdict")
            html = (d / "report.html").read_text()
            check('class="verdict warn"' in html and 'class="verdict good"' not in html,
                  f"{d.name}: html verdict")

        # --strict: the same warnings are an error, and no report is written.
        r = run(airlock, *common, "--strict", "--format", "json", "-o", t / "strict.json", cwd=t)
        check(r.returncode == 2, f"--strict: status {r.returncode}, expected 2")
        check(not (t / "strict.json").exists(), "--strict wrote a report")

        # A long line: its warning still says why (core/diag.h bounds a
        # warning to 1 KiB, which once cut off the reason and split a UTF-8
        # character, so report.json held a U+FFFD that stderr never showed).
        (t / "long.txt").write_text("dj!ango" + "\u00e9" * 600 + "\n", encoding="utf-8")
        r = run(airlock, "--db-dir", t / "db", "scan", "--no-python", "-r", "long.txt",
                "--format", "json", cwd=t)
        doc = json.loads(r.stdout)
        msgs = [w["message"] for w in doc["warnings"]]
        check(len(msgs) == 1 and msgs[0].endswith("at column 3") and "\ufffd" not in msgs[0]
              and msgs[0] in r.stderr,
              f"the warning of a long line: {msgs} / {r.stderr[-200:]}")

        # No warning: the key is there, empty, and the summary counts 0.
        (t / "clean.txt").write_text("six==1.16.0\n")
        r = run(airlock, "--db-dir", t / "db", "scan", "--no-python", "-r", "clean.txt",
                "--format", "json", cwd=t)
        check(r.returncode == 0, f"clean scan: {r.returncode} {r.stderr}")
        doc = json.loads(r.stdout)
        check(doc.get("warnings") == [] and doc["summary"].get("warnings") == 0,
              f"clean scan: warnings {doc.get('warnings')}, summary {doc['summary']}")
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("every report lists and counts the input lines that were not read")
    return 0


if __name__ == "__main__":
    sys.exit(main())
