"""The HTML report is self-contained, escapes untrusted strings, and lists
every finding, ignored finding and skipped requirement of the model.

Parsed with html.parser (the standard library): every element and attribute
is inspected, so a missed escape that creates a <script> or an <img src=...>
is caught as an element, not by a text search.
"""
import html.parser
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

REMOTE = re.compile(r"^\s*(https?:|//|ftp:|data:|javascript:)", re.I)


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.text = []
        self.styles = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)


def check_page(name, raw, failures):
    page = Page()
    page.feed(raw)
    page.close()
    for tag, attrs in page.tags:
        if tag in ("script", "iframe", "object", "embed", "img", "link", "base", "form",
                   "audio", "video", "source", "frame"):
            failures.append(f"{name}: element <{tag}> present")
        for key, value in attrs.items():
            if key.startswith("on"):
                failures.append(f"{name}: event handler attribute {key} on <{tag}>")
            if key in ("src", "href", "action", "srcset", "poster", "data") and value is not None:
                failures.append(f"{name}: <{tag} {key}={value!r}> (no links or resources)")
            if key == "style":
                failures.append(f"{name}: inline style attribute on <{tag}>")
    css = "".join(page.styles)
    if "@import" in css or re.search(r"url\s*\(", css):
        failures.append(f"{name}: CSS loads a resource")
    if "@media print" not in css:
        failures.append(f"{name}: no print CSS")
    # The same checks on the raw text, in case the parser was lenient.
    for m in re.finditer(r"""(?:src|href)\s*=\s*["']?\s*(\S+)""", raw, re.I):
        if REMOTE.match(m.group(1)):
            failures.append(f"{name}: raw text has a remote reference {m.group(0)!r}")
    return page, " ".join(page.text)


def main():
    sample = pathlib.Path(os.environ["AIRLOCK_BUILD_DIR"]) / "report_sample"
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([str(sample), tmp], check=True)
        for case in ("full", "ignored", "skipped", "clean"):
            d = pathlib.Path(tmp) / case
            raw = (d / "report.html").read_text(encoding="utf-8")
            page, text = check_page(case, raw, failures)
            # The JSON report is the reference for what the model holds.
            model = json.loads((d / "report.json").read_text())
            for dep in model["dependencies"]:
                if dep.get("skip_reason"):
                    if dep["skip_reason"] not in text or dep["name"] not in text:
                        failures.append(f"{case}: skipped {dep['name']} missing")
                    continue
                for v in dep.get("vulns", []):
                    if v["id"] not in text:
                        failures.append(f"{case}: finding {v['id']} missing")
                    # The first (smallest) fix is shown for every finding.
                    for fix in v["fix_versions"][:1]:
                        if fix not in text:
                            failures.append(f"{case}: fix version {fix} of {v['id']} missing")
                    if v["ignored"]:
                        if (v.get("ignore_reason") or "") not in text:
                            failures.append(f"{case}: reason for ignoring {v['id']} missing")
                        if v.get("ignore_until") and v["ignore_until"] not in text:
                            failures.append(f"{case}: expiry of {v['id']} missing")
            for item in model["inputs"]:
                if item.get("sha256") and item["sha256"] not in text:
                    failures.append(f"{case}: input digest {item['sha256']} missing")
            db = model["database"]
            for key in ("signer_key_id", "snapshot_digest"):
                if db.get(key) and db[key] not in text:
                    failures.append(f"{case}: database {key} missing")
            if model["hostname"] not in text or model["scanner"]["version"] not in text:
                failures.append(f"{case}: host name or version missing")
            if case == "full":
                # The hostile summary comes back as text, not markup.
                hostile = "<script>alert('x')</script> \"quoted\" & <b>bold</b>"
                if hostile not in text:
                    failures.append("full: the hostile summary is not shown as text")
                if "<script>" in raw or "<b>bold" in raw or "<img" in raw:
                    failures.append("full: raw markup from the model reached the page")
    for f in failures:
        print("FAIL", f)
    if failures:
        return 1
    print("html reports are self-contained, escaped and complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
