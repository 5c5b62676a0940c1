"""Every format lists the same findings as the JSON report.

For each sample report, the set of (package, version, vulnerability id,
ignored) is read from report.json (the reference), report.sarif,
report.cdx.json, report.md and report.html, and the skipped dependencies from
each; all must be equal. The table format (a terminal view) is checked for
the vulnerability ids. The warnings (input items that were not read) and
their count must be the same in every format, the table included. Where each dependency came from (kind, file:line,
source kind, group, dev) and the inputs (kind, path, format, note) must be
what the JSON says in every format. Scan time aside, a second run must
give the same bytes.
"""
import collections
import html
import html.parser
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import urllib.parse

CASES = ("full", "ignored", "skipped", "clean")


def from_json(d):
    doc = json.loads((d / "report.json").read_text())
    found, skipped = collections.Counter(), collections.Counter()
    for dep in doc["dependencies"]:
        if dep.get("skip_reason"):
            skipped[(dep["name"], dep["skip_reason"])] += 1
        for v in dep.get("vulns", []):
            found[(dep["name"], dep["version"], v["id"], bool(v["ignored"]))] += 1
    return found, skipped


def from_sarif(d):
    doc = json.loads((d / "report.sarif").read_text())
    run = doc["runs"][0]
    found, skipped = collections.Counter(), collections.Counter()
    for res in run["results"]:
        p = res["properties"]
        found[(p["package"], p["version"], res["ruleId"], bool(res.get("suppressions")))] += 1
    for inv in run["invocations"]:
        for n in inv.get("toolExecutionNotifications", []):
            if n["descriptor"]["id"] == "skipped-dependency":
                skipped[(n["properties"]["package"], n["properties"]["skipReason"])] += 1
    return found, skipped


def from_cyclonedx(d):
    doc = json.loads((d / "report.cdx.json").read_text())
    comps = {c["bom-ref"]: c for c in doc["components"]}
    found, skipped = collections.Counter(), collections.Counter()
    for c in doc["components"]:
        for p in c.get("properties", []):
            if p["name"] == "airlock:skipped":
                skipped[(c["name"], p["value"])] += 1
    for v in doc["vulnerabilities"]:
        for a in v["affects"]:
            c = comps[a["ref"]]
            found[(c["name"], c.get("version"), v["id"], "analysis" in v)] += 1
    return found, skipped


def md_unescape(s):
    return re.sub(r"\\(.)", r"\1", s).strip()


def md_cells(line):
    # Split on pipes that are not escaped.
    parts = re.split(r"(?<!\\)\|", line.strip())
    return [md_unescape(p) for p in parts[1:-1]]


def from_markdown(d):
    found, skipped = collections.Counter(), collections.Counter()
    section = None
    for line in (d / "report.md").read_text().splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        if not line.startswith("| ") or line.startswith("|---"):
            continue
        cells = md_cells(line)
        if cells[0] in ("Severity", "Package"):
            continue
        if section == "Findings":
            vid = re.sub(r"^\[(.*)\]\(.*\)$", r"\1", cells[4])
            found[(cells[1], cells[2], md_unescape(vid), False)] += 1
        elif section == "Ignored":
            found[(cells[0], cells[1], cells[2], True)] += 1
        elif section == "Skipped":
            skipped[(cells[0], cells[3])] += 1
    return found, skipped


class Tables(html.parser.HTMLParser):
    """Rows of the HTML tables that follow each <h2>, as cell texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.section = None
        self.rows = collections.defaultdict(list)
        self.row = None
        self.cell = None
        self.in_h2 = False
        self.h2 = ""

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self.in_h2, self.h2 = True, ""
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "h2":
            self.in_h2, self.section = False, self.h2.strip()
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join(self.cell.split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows[self.section].append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.in_h2:
            self.h2 += data
        elif self.cell is not None:
            self.cell += data


def from_html(d, versions):
    t = Tables()
    t.feed((d / "report.html").read_text())
    found, skipped = collections.Counter(), collections.Counter()

    def dep(cell):
        # "name version": the version is the known one the cell ends with;
        # a dash when there is none (a skipped requirement).
        if cell.endswith(" \u2013"):
            return cell[:-2], None
        for v in versions:
            if v and cell.endswith(" " + v):
                return cell[: -len(v) - 1], v
        return cell, None

    for row in t.rows["Findings"][1:]:
        name, ver = dep(row[2])
        found[(name, ver, row[1], False)] += 1
    for row in t.rows["Ignored findings"][1:]:
        if len(row) == 6 and row[0] != "Vulnerability":
            name, ver = dep(row[1])
            found[(name, ver, row[0], True)] += 1
    for row in t.rows["Skipped dependencies"][1:]:
        name, _ = dep(row[0])
        skipped[(name.strip(), row[2])] += 1
    return found, skipped


# Warnings: (file, line, message) in report order, and the summary's count.
# Each format shows control characters its own way (JSON escapes them, the
# table prints '?', HTML U+FFFD, Markdown drops them): compare without them.
def plain(s):
    s = "".join(c for c in s if c.isprintable() and c not in "?\ufffd")
    return " ".join(s.split())


def warnings_from_json(d):
    doc = json.loads((d / "report.json").read_text())
    return ([(w["file"], w["line"], plain(w["message"])) for w in doc.get("warnings", [])],
            doc["summary"].get("warnings"))


def uri_path(uri):
    return urllib.parse.unquote(uri[len("file://"):] if uri.startswith("file://") else uri)


def warnings_from_sarif(d):
    run = json.loads((d / "report.sarif").read_text())["runs"][0]
    out = []
    for inv in run["invocations"]:
        for n in inv.get("toolExecutionNotifications", []):
            if n["descriptor"]["id"] != "input-warning":
                continue
            loc = n.get("locations", [{}])[0].get("physicalLocation", {})
            file = uri_path(loc["artifactLocation"]["uri"]) if loc else None
            out.append((file, loc.get("region", {}).get("startLine"),
                        plain(n["message"]["text"])))
    return out, run["properties"]["summary"].get("warnings")


def warning_line(w):
    file, line, msg = w
    return (f"{file}:{line}: " if file and line else f"{file}: " if file else "") + msg


def warnings_from_cyclonedx(d):
    props = json.loads((d / "report.cdx.json").read_text())["metadata"]["properties"]
    count = [int(p["value"]) for p in props if p["name"] == "airlock:warnings"]
    return ([plain(p["value"]) for p in props if p["name"] == "airlock:warning"],
            count[0] if len(count) == 1 else None)


def warnings_from_markdown(d):
    text = (d / "report.md").read_text()
    out, section = [], None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif section == "Warnings" and line.startswith("| ") and not line.startswith("| File"):
            file, num, msg = md_cells(line)
            out.append((None if file == "-" else file, None if num == "-" else int(num),
                        plain(msg)))
    m = re.search(r"Warnings: (\d+)\.", text)
    return out, int(m.group(1)) if m else None


def warnings_from_html(d):
    t = Tables()
    text = (d / "report.html").read_text()
    t.feed(text)
    out = [(None if f == "\u2013" else f, None if n == "\u2013" else int(n), plain(m))
           for f, n, m in t.rows["Warnings"][1:]]
    m = re.search(r"; (\d+) warnings?\.</p>", text)
    return out, int(m.group(1)) if m else None


def warnings_from_table(d):
    text = (d / "report.txt").read_text()
    section = text.split("\nWarnings:\n", 1)[1].split("\n\n", 1)[0] if "\nWarnings:\n" in text \
        else ""
    m = re.search(r", (\d+) warnings?\.\n", text)
    return [plain(ln.strip()) for ln in section.splitlines()], int(m.group(1)) if m else None


def check_warnings(case, d):
    """The failures (as text) of every format's warnings against the JSON's."""
    ref, ref_count = warnings_from_json(d)
    lines = [plain(warning_line(w)) for w in ref]
    fails = []
    if ref_count != len(ref):
        fails.append(f"{case}/json: summary counts {ref_count}, lists {len(ref)}")
    for name, fn, want in (("sarif", warnings_from_sarif, ref),
                           ("cyclonedx", warnings_from_cyclonedx, lines),
                           ("markdown", warnings_from_markdown, ref),
                           ("html", warnings_from_html, ref),
                           ("table", warnings_from_table, lines)):
        got, count = fn(d)
        if got != want:
            fails.append(f"{case}/{name} warnings differ from json:\n  {name}: {got}\n"
                         f"  json: {want}")
        if count != ref_count:
            fails.append(f"{case}/{name} counts {count} warnings, json {ref_count}")
    return fails, len(ref)


# Where each dependency came from (issue 14): the JSON's source (kind,
# file, line, source_kind, group, dev) must be what every other format
# says, and the inputs' kind, path, format and note too.
def source_text(src):
    text = src["file"] or src["location"] or "?"
    if src["file"] and src["line"]:
        text += f":{src['line']}"
    return text + (f" [{src['group']}]" if src["group"] else "")


def check_origins(case, d):
    doc = json.loads((d / "report.json").read_text())
    deps = doc["dependencies"]
    by_name = {dep["name"]: dep for dep in deps}
    fails = []

    def expect(fmt, what, got, want):
        if got != want:
            fails.append(f"{case}/{fmt} {what}: {got!r}, json says {want!r}")

    bom = json.loads((d / "report.cdx.json").read_text())
    expect("cyclonedx", "component count", len(bom["components"]), len(deps))
    for dep, comp in zip(deps, bom["components"]):
        src, props = dep["source"], {p["name"]: p["value"] for p in comp.get("properties", [])}
        where = src["file"] + (f":{src['line']}" if src["line"] else "") if src["file"] else None
        for key, want in (("airlock:kind", src["kind"]), ("airlock:source", where),
                          ("airlock:source_kind", src["source_kind"]),
                          ("airlock:group", src["group"]),
                          ("airlock:dev", "true" if src["dev"] else None)):
            expect("cyclonedx", f"{dep['name']} {key}", props.get(key), want)
        registry = src["source_kind"] in (None, "registry")
        has_version = "@" in comp["purl"]
        expect("cyclonedx", f"{dep['name']} purl has a version", has_version,
               bool(dep.get("version")) and registry)
        # What an SBOM reader gets back from the purl alone (purl rules:
        # percent-decoded; PEP 503 compares names).
        name, _, version = comp["purl"][len("pkg:pypi/"):].partition("@")
        name = urllib.parse.unquote(name)
        expect("cyclonedx", f"{dep['name']} purl name", re.sub(r"[-_.]+", "-", name),
               re.sub(r"[-_.]+", "-", dep["name"]).lower())
        if has_version:
            expect("cyclonedx", f"{dep['name']} purl version", urllib.parse.unquote(version),
                   dep["version"])

    run = json.loads((d / "report.sarif").read_text())["runs"][0]
    located = [(r["properties"], r["locations"]) for r in run["results"]]
    located += [(n["properties"], n.get("locations", []))
                for inv in run["invocations"] for n in inv.get("toolExecutionNotifications", [])
                if n["descriptor"]["id"] == "skipped-dependency"]
    for props, locs in located:
        src = by_name[props["package"]]["source"]
        for key, want in (("dependencyKind", src["kind"]), ("sourceKind", src["source_kind"]),
                          ("group", src["group"]), ("dev", src["dev"])):
            expect("sarif", f"{props['package']} {key}", props.get(key), want)
        if src["file"]:
            phys = locs[0]["physicalLocation"]
            expect("sarif", f"{props['package']} location",
                   (uri_path(phys["artifactLocation"]["uri"]), phys.get("region", {}).get("startLine")),
                   (src["file"], src["line"]))

    section, md_inputs = None, []
    for line in (d / "report.md").read_text().splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("| ") and not line.startswith("|---"):
            cells = md_cells(line)
            if cells[0] in ("Severity", "Package", "Kind"):
                continue
            if section == "Findings":
                expect("markdown", f"{cells[1]} source", cells[3],
                       plain(source_text(by_name[cells[1]]["source"])))
            elif section == "Skipped":
                expect("markdown", f"{cells[0]} source", cells[2],
                       plain(source_text(by_name[cells[0]]["source"])))
            elif section == "Inputs":
                md_inputs.append(tuple(None if c == "-" else plain(c) for c in
                                       (cells[0], cells[1], cells[2], cells[4])))

    t = Tables()
    t.feed((d / "report.html").read_text())
    for row in t.rows["Skipped dependencies"][1:]:
        name = row[0].rsplit(" ", 1)[0]
        expect("html", f"{name} source", row[1], plain(source_text(by_name[name]["source"])))
    html_inputs = [tuple(None if c == "\u2013" else plain(c) for c in (r[0], r[1], r[2], r[4]))
                   for r in t.rows["Inputs"][1:]]

    table = (d / "report.txt").read_text()
    for dep in deps:
        if dep.get("skip_reason"):
            line = f"  {dep['name']} ({source_text(dep['source'])}): "
            if line not in table:
                fails.append(f"{case}/table has no line {line!r}")

    table_lines = {plain(ln) for ln in table.split("\nInputs:\n", 1)[-1].splitlines()}
    for i in doc["inputs"]:
        line = f"{i['kind']} {i['path']}" + (f" ({i['format']})" if i["format"] else "") \
            + (f": {i['note']}" if i["note"] else "")
        if plain(line) not in table_lines:
            fails.append(f"{case}/table does not list the input {line!r}")
    want = [(i["kind"], plain(i["path"]), i["format"], plain(i["note"]) if i["note"] else None)
            for i in doc["inputs"]]
    expect("markdown", "inputs", md_inputs, want)
    expect("html", "inputs", html_inputs, want)
    cdx_inputs = [p["value"] for p in bom["metadata"]["properties"] if p["name"] == "airlock:input"]
    sarif_inputs = [a.get("properties", {}) for a in run["artifacts"]]
    for i, inp in enumerate(doc["inputs"]):
        v = f"{inp['kind']} {inp['path']}" + (f" sha256:{inp['sha256']}" if inp["sha256"] else "") \
            + (f" format:{inp['format']}" if inp["format"] else "") \
            + (f" note:{inp['note']}" if inp["note"] else "")
        expect("cyclonedx", f"input {i}", cdx_inputs[i] if i < len(cdx_inputs) else None, v)
        got = sarif_inputs[i] if i < len(sarif_inputs) else {}
        expect("sarif", f"input {i}", (got.get("inputKind"), got.get("format"), got.get("note")),
               (inp["kind"], inp["format"], inp["note"]))
    kinds = {dep["source"]["kind"] for dep in deps}
    return fails, kinds


def main():
    sample = pathlib.Path(os.environ["AIRLOCK_BUILD_DIR"]) / "report_sample"
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        a, b = pathlib.Path(tmp) / "a", pathlib.Path(tmp) / "b"
        subprocess.run([str(sample), str(a)], check=True)
        subprocess.run([str(sample), str(b)], check=True)
        for case in CASES:
            d = a / case
            ref_found, ref_skipped = from_json(d)
            versions = sorted({k[1] for k in ref_found if k[1]}, key=len, reverse=True)
            if case == "full" and (len(ref_found) < 8 or not ref_skipped):
                print(f"FAIL {case}: the sample is smaller than expected: {ref_found}")
                failures += 1
            for name, fn in (("sarif", from_sarif), ("cyclonedx", from_cyclonedx),
                             ("markdown", from_markdown),
                             ("html", lambda x: from_html(x, versions))):
                found, skipped = fn(d)
                if found != ref_found:
                    print(f"FAIL {case}/{name} findings differ from json:\n  {name}: "
                          f"{sorted(found.items())}\n  json: {sorted(ref_found.items())}")
                    failures += 1
                if skipped != ref_skipped:
                    print(f"FAIL {case}/{name} skipped differ from json:\n  {name}: "
                          f"{sorted(skipped.items())}\n  json: {sorted(ref_skipped.items())}")
                    failures += 1
            # The machine-readable formats keep the report order too.
            order = [(dep["name"], v["id"]) for dep in
                     json.loads((d / "report.json").read_text())["dependencies"]
                     for v in dep.get("vulns", [])]
            sarif = json.loads((d / "report.sarif").read_text())["runs"][0]["results"]
            bom = json.loads((d / "report.cdx.json").read_text())
            comps = {c["bom-ref"]: c["name"] for c in bom["components"]}
            for name, seq in (("sarif", [(x["properties"]["package"], x["ruleId"])
                                         for x in sarif]),
                              ("cyclonedx", [(comps[v["affects"][0]["ref"]], v["id"])
                                             for v in bom["vulnerabilities"]])):
                if seq != order:
                    print(f"FAIL {case}/{name} order differs from json: {seq} != {order}")
                    failures += 1
            fails, kinds = check_origins(case, d)
            for f in fails:
                print("FAIL", f)
            failures += len(fails)
            if case == "full" and not {"locked", "declared", "sbom"} <= kinds:
                print(f"FAIL {case}: the sample lacks locked, declared or SBOM dependencies: {kinds}")
                failures += 1
            fails, n_warnings = check_warnings(case, d)
            for f in fails:
                print("FAIL", f)
            failures += len(fails)
            if case in ("full", "skipped") and n_warnings < 2:
                print(f"FAIL {case}: the sample has {n_warnings} warnings, expected some")
                failures += 1
            table = (d / "report.txt").read_text()
            for (_, _, vid, _) in ref_found:
                if vid not in table:
                    print(f"FAIL {case}/table does not mention {vid}")
                    failures += 1
            for f in sorted(d.iterdir()):
                if f.read_bytes() != (b / case / f.name).read_bytes():
                    print(f"FAIL {case}/{f.name} differs between two runs")
                    failures += 1
            print(f"ok   {case}: {sum(ref_found.values())} findings, "
                  f"{sum(ref_skipped.values())} skipped, {n_warnings} warnings")
    if failures:
        print(f"{failures} failure(s)")
        return 1
    print("all formats agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
