"""SARIF and CycloneDX reports validate against the official schemas.

bench/report_sample writes reports with findings of every severity, with only
ignored findings, with skipped requirements and with no findings at all; each
SARIF and CycloneDX file must validate (python3-jsonschema, references
resolved from /work/shared/schemas, never the network), and so must the same
BOM declared CycloneDX 1.5; the schema must be
able to reject: a mutated report is checked to fail. The hand-written
reports of tests/data/reports must validate too.
"""
import copy
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import warnings

import jsonschema

CASES = ["full", "ignored", "skipped", "clean"]


def check_as_15(validator, name, path):
    doc = json.loads(path.read_text())
    doc["$schema"] = "http://cyclonedx.org/schema/bom-1.5.schema.json"
    doc["specVersion"] = "1.5"
    errors = list(validator.iter_errors(doc))
    for e in errors[:5]:
        print(f"FAIL {name} as CycloneDX 1.5: {list(e.path)}: {e.message}")
    if not errors:
        print(f"ok   {name} is valid as CycloneDX 1.5")
    return len(errors)


def main():
    shared = pathlib.Path(os.environ.get("AIRLOCK_SHARED_DIR", "../shared"))
    schemas = shared / "schemas"
    sarif_path = schemas / "sarif" / "sarif-schema-2.1.0.json"
    cdx_dir = schemas / "cyclonedx"
    if not sarif_path.is_file() or not (cdx_dir / "bom-1.6.schema.json").is_file() \
            or not (cdx_dir / "bom-1.5.schema.json").is_file():
        print(f"skip: shared schemas not found under {schemas}")
        return 77
    sample = pathlib.Path(os.environ["AIRLOCK_BUILD_DIR"]) / "report_sample"

    sarif_schema = json.loads(sarif_path.read_text())
    cdx_schema = json.loads((cdx_dir / "bom-1.6.schema.json").read_text())
    # Every schema the BOM schema references, by its $id and by file name,
    # so that the resolver never goes to the network.
    cdx15_schema = json.loads((cdx_dir / "bom-1.5.schema.json").read_text())
    store = {}
    for name in ("bom-1.6.schema.json", "bom-1.5.schema.json", "spdx.schema.json",
                 "jsf-0.82.schema.json"):
        s = json.loads((cdx_dir / name).read_text())
        store[s["$id"]] = s
        store[(cdx_dir / name).as_uri()] = s
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        resolver = jsonschema.RefResolver(base_uri=cdx_schema["$id"], referrer=cdx_schema,
                                          store=store)
        cdx_validator = jsonschema.Draft7Validator(cdx_schema, resolver=resolver)
        resolver15 = jsonschema.RefResolver(base_uri=cdx15_schema["$id"], referrer=cdx15_schema,
                                            store=store)
        cdx15_validator = jsonschema.Draft7Validator(cdx15_schema, resolver=resolver15)
        sarif_validator = jsonschema.Draft4Validator(sarif_schema)
    jsonschema.Draft7Validator.check_schema(cdx_schema)
    jsonschema.Draft4Validator.check_schema(sarif_schema)

    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([str(sample), tmp], check=True)
        for case in CASES:
            for ext, validator in (("sarif", sarif_validator), ("cdx.json", cdx_validator)):
                path = pathlib.Path(tmp) / case / f"report.{ext}"
                doc = json.loads(path.read_bytes().decode("utf-8"))
                errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
                for e in errors[:5]:
                    print(f"FAIL {case}/report.{ext}: {list(e.path)}: {e.message}")
                failures += len(errors)
                if not errors:
                    print(f"ok   {case}/report.{ext} is valid")
            # Nothing in the BOM needs 1.6: declared 1.5, the same content is
            # a valid 1.5 BOM (for consumers, and SBOM readers, limited to it).
            failures += check_as_15(cdx15_validator, f"{case}/report.cdx.json",
                                    pathlib.Path(tmp) / case / "report.cdx.json")

        # The hand-written reports of tests/data/reports are valid too.
        data = pathlib.Path(os.environ["AIRLOCK_TEST_DATA"]) / "reports"
        for ext, validator in (("sarif", sarif_validator), ("cdx.json", cdx_validator)):
            doc = json.loads((data / f"expected.{ext}").read_text())
            errors = list(validator.iter_errors(doc))
            for e in errors[:5]:
                print(f"FAIL tests/data/reports/expected.{ext}: {list(e.path)}: {e.message}")
            failures += len(errors)
            if not errors:
                print(f"ok   tests/data/reports/expected.{ext} is valid")
        failures += check_as_15(cdx15_validator, "tests/data/reports/expected.cdx.json",
                                data / "expected.cdx.json")

        # The validators must be able to say no.
        doc = json.loads((pathlib.Path(tmp) / "full" / "report.sarif").read_text())
        bad = copy.deepcopy(doc)
        bad["runs"][0]["results"][0]["level"] = "fatal"
        if sarif_validator.is_valid(bad):
            print("FAIL a SARIF result with level 'fatal' validated")
            failures += 1
        bom = json.loads((pathlib.Path(tmp) / "full" / "report.cdx.json").read_text())
        bad = copy.deepcopy(bom)
        bad["vulnerabilities"][0]["ratings"][0]["method"] = "CVSSv9"
        if cdx_validator.is_valid(bad):
            print("FAIL a CycloneDX rating with method CVSSv9 validated")
            failures += 1
        bad = copy.deepcopy(bom)
        bad["components"][0]["hashes"] = [{"alg": "SHA-256", "content": "zz"}]
        if cdx_validator.is_valid(bad):
            print("FAIL a CycloneDX hash 'zz' validated")
            failures += 1
        # Resolved from spdx.schema.json: proves the local references work.
        bad = copy.deepcopy(bom)
        bad["components"][0]["licenses"] = [{"license": {"id": "NOT-AN-SPDX-ID"}}]
        if cdx_validator.is_valid(bad):
            print("FAIL an unknown SPDX licence id validated (spdx.schema.json not resolved?)")
            failures += 1
        good = copy.deepcopy(bom)
        good["components"][0]["licenses"] = [{"license": {"id": "BSD-3-Clause"}}]
        if not cdx_validator.is_valid(good):
            print("FAIL the SPDX id BSD-3-Clause did not validate")
            failures += 1

        # Content checks the schemas cannot make.
        full = (pathlib.Path(tmp) / "full")
        sarif = json.loads((full / "report.sarif").read_text())
        run = sarif["runs"][0]
        rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
        for res in run["results"]:
            rule = run["tool"]["driver"]["rules"][res["ruleIndex"]]
            if rule["id"] != res["ruleId"]:
                print(f"FAIL ruleIndex of {res['ruleId']} points at {rule['id']}")
                failures += 1
        if rules["PYSEC-2021-98"]["properties"].get("security-severity") != "9.8":
            print("FAIL security-severity of PYSEC-2021-98 is not 9.8")
            failures += 1
        if "security-severity" in rules["PYSEC-2019-217"]["properties"]:
            print("FAIL a finding without a score got a security-severity")
            failures += 1
        suppressed = [r for r in run["results"] if r.get("suppressions")]
        if sorted(r["ruleId"] for r in suppressed) != ["PYSEC-2019-132", "PYSEC-2020-148"]:
            print(f"FAIL suppressed results: {[r['ruleId'] for r in suppressed]}")
            failures += 1
        bom = json.loads((full / "report.cdx.json").read_text())
        states = {v["id"]: v.get("analysis", {}).get("state") for v in bom["vulnerabilities"]}
        if states["PYSEC-2019-132"] != "in_triage" or states["PYSEC-2020-148"] != "not_affected" \
                or states["PYSEC-2021-98"] is not None:
            print(f"FAIL CycloneDX analysis states: {states}")
            failures += 1
        purls = [c.get("purl") for c in bom["components"]]
        if "pkg:pypi/django@3.2.0" not in purls or "pkg:pypi/evil%3Cscript%3Epkg@1.0%2Blocal" \
                not in purls:
            print(f"FAIL CycloneDX purls: {purls}")
            failures += 1
        methods = {r["method"] for v in bom["vulnerabilities"] for r in v["ratings"]}
        if not {"CVSSv31", "CVSSv3", "CVSSv4", "other"} <= methods:
            print(f"FAIL CycloneDX rating methods: {methods}")
            failures += 1

    if failures:
        print(f"{failures} failure(s)")
        return 1
    print("all reports are valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
