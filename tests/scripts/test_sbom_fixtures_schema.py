"""The CycloneDX fixtures of tests/data/sbom are real-shaped: each validates
against the official CycloneDX JSON schema of its specVersion from
../shared/schemas/cyclonedx (1.5 and 1.6; the 1.4 fixture against 1.6,
which accepts every 1.4 field it uses, as ../shared holds no 1.4 schema).
Skipped without the shared schemas. The SPDX fixture has no schema here;
test_sbom.c reads it.
"""
import json
import os
import pathlib
import sys
import warnings

import jsonschema


def validator(cdx_dir, version):
    schema = json.loads((cdx_dir / f"bom-{version}.schema.json").read_text())
    store = {}
    for name in (f"bom-{version}.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"):
        s = json.loads((cdx_dir / name).read_text())
        store[s["$id"]] = s
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema, store=store)
        return jsonschema.Draft7Validator(schema, resolver=resolver)


def main():
    shared = pathlib.Path(os.environ.get("AIRLOCK_SHARED_DIR", "../shared"))
    cdx_dir = shared / "schemas" / "cyclonedx"
    if not (cdx_dir / "bom-1.6.schema.json").is_file():
        print(f"skip: CycloneDX schemas not found under {cdx_dir}")
        return 77
    data = pathlib.Path(os.environ["AIRLOCK_TEST_DATA"]) / "sbom"
    schema_for = {"1.4": "1.6", "1.5": "1.5", "1.6": "1.6"}
    validators = {v: validator(cdx_dir, v) for v in set(schema_for.values())}
    failures = 0
    seen = set()
    for path in sorted(data.glob("cyclonedx-*.json")):
        doc = json.loads(path.read_text())
        spec = doc["specVersion"]
        seen.add(spec)
        errors = list(validators[schema_for[spec]].iter_errors(doc))
        for e in errors[:5]:
            print(f"FAIL {path.name}: {'/'.join(map(str, e.path))}: {e.message}")
        failures += bool(errors)
        if not errors:
            print(f"{path.name}: valid CycloneDX {spec} (schema {schema_for[spec]})")
    if seen != set(schema_for):
        print(f"FAIL fixtures cover specVersion {sorted(seen)}, not {sorted(schema_for)}")
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
