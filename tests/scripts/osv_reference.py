#!/usr/bin/python3
"""Reference evaluation of OSV records for PyPI, for the differential test.

    osv_reference.py RECORDS.zip

Reads OSV JSON records from a zip (one record per member) and prints, for
every (package, version) pair drawn from them (listed versions, range event
versions, and versions just below and above each event), one line:

    NAME<TAB>VERSION<TAB>PRIMARY-ID PRIMARY-ID ...

the sorted primary IDs of the alias groups that affect that version. It
follows the OSV specification's evaluation directly (sort the events, walk
them), with packaging's Version, and the choices of docs/matching.md:
  - SEMVER ranges of PyPI packages are read as PEP 440; GIT ranges ignored;
  - an unparseable `introduced` counts as "0", an unparseable `fixed` or
    `last_affected` is dropped; a `limit` containing "*" or unparseable
    means no limit (limits are an OR: an unknown one may be the highest);
  - events of equal version sort introduced, fixed, last_affected;
  - groups: records linked through aliases; primary = a record ID, PYSEC
    before GHSA before CVE before others, then by string order.
Only Debian's /usr/bin/python3 with python3-packaging is needed.
"""
import json
import sys
import zipfile

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

KIND_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 2}


def parse(text):
    try:
        return Version(text)
    except InvalidVersion:
        return None


def compile_range(rng):
    """The range's events as (zero, version, kind) sorted, and its limit."""
    events, limits, unlimited = [], [], False
    for ev in rng["events"]:
        ((kind, text),) = ev.items()
        if kind == "limit":
            if "*" in text or parse(text) is None:
                unlimited = True  # the spec's infinity; an unknown bound may be the highest
            else:
                limits.append(parse(text))
            continue
        v = None if (kind == "introduced" and text == "0") else parse(text)
        if v is None and kind != "introduced":
            continue  # unparseable end: dropped
        events.append((v is None, v, kind))
    events.sort(key=lambda e: (not e[0], e[1] or Version("0"), KIND_ORDER[e[2]]))
    limit = None if unlimited or not limits else max(limits)
    return events, limit


def in_range(v, events, limit):
    if limit is not None and not v < limit:
        return False
    vulnerable = False
    for zero, ev, kind in events:
        if kind == "introduced" and (zero or v >= ev):
            vulnerable = True
        elif kind == "fixed" and v >= ev:
            vulnerable = False
        elif kind == "last_affected" and v > ev:
            vulnerable = False
    return vulnerable


def rank(id_):
    for i, prefix in enumerate(("PYSEC-", "GHSA-", "CVE-")):
        if id_.startswith(prefix):
            return (i, id_)
    return (3, id_)


def main():
    records = {}
    with zipfile.ZipFile(sys.argv[1]) as z:
        for name in z.namelist():
            if name.endswith(".json"):
                rec = json.loads(z.read(name))
                old = records.get(rec["id"])
                if old is None or rec["modified"] >= old["modified"]:
                    records[rec["id"]] = rec
    live = [r for r in records.values() if "withdrawn" not in r and any(
        a.get("package", {}).get("ecosystem") == "PyPI" for a in r.get("affected", []))]

    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            x = parent[x]
        return x

    for r in live:
        for alias in r.get("aliases", []):
            parent[find(alias)] = find(r["id"])
    primary = {}
    for r in live:
        root = find(r["id"])
        if root not in primary or rank(r["id"]) < rank(primary[root]):
            primary[root] = r["id"]

    # package -> list of (group primary, [versions], [(events, limit)])
    packages = {}
    for r in live:
        for aff in r.get("affected", []):
            pkg = aff.get("package", {})
            if pkg.get("ecosystem") != "PyPI":
                continue
            listed = [v for v in map(parse, aff.get("versions", [])) if v is not None]
            ranges = [compile_range(g) for g in aff.get("ranges", []) if g["type"] != "GIT"]
            packages.setdefault(canonicalize_name(pkg["name"]), []).append(
                (primary[find(r["id"])], listed, ranges))

    for name in sorted(packages):
        entries = packages[name]
        candidates = {"0", "999999"}
        for _, listed, ranges in entries:
            candidates.update(str(v) for v in listed)
            for events, limit in ranges:
                bounds = [e[1] for e in events if e[1] is not None]
                if limit is not None:
                    bounds.append(limit)
                for b in bounds:
                    candidates.add(str(b))
                    for suffix in (".dev0", ".post0"):
                        if parse(str(b) + suffix) is not None:
                            candidates.add(str(b) + suffix)
        for text in sorted(candidates):
            v = Version(text)
            hits = set()
            for prim, listed, ranges in entries:
                if prim in hits:
                    continue
                if any(v == x for x in listed) or any(in_range(v, e, l) for e, l in ranges):
                    hits.add(prim)
            print(f"{name}\t{text}\t{' '.join(sorted(hits))}")


if __name__ == "__main__":
    main()
