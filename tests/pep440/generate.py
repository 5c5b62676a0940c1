#!/usr/bin/python3
"""Regenerate the PEP 440 differential corpus and packaging's answers.

Run with Debian's /usr/bin/python3 (python3-packaging 23.0 is the oracle):

    /usr/bin/python3 tests/pep440/generate.py [SHARED_DIR]

SHARED_DIR defaults to ../shared beside the checkout. Writes, next to this
script:
  versions.tsv    input <TAB> canonical <TAB> rank <TAB> flags
                  (or input <TAB> ! when packaging rejects it)
                  rank: position of the version's equality class in
                  packaging's order of the whole corpus; flags: 1
                  is_prerelease, 2 is_postrelease, 4 is_devrelease, 8 local
  specifiers.tsv  a "#pool" line of versions, then per set:
                  input <TAB> str(SpecifierSet) <TAB> one letter per pool
                  version (or input <TAB> !); see letter() below
Text is escaped: \\\\, \\t, \\n, \\r, and \\xHH for bytes outside printable ASCII
(UTF-8). The output is deterministic (fixed seed, sorted inputs).
"""
import os
import random
import re
import sys

import packaging
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

HERE = os.path.dirname(os.path.abspath(__file__))
assert packaging.__version__ == "23.0", packaging.__version__


def esc(s):
    out = []
    for b in s.encode("utf-8"):
        c = chr(b)
        if c == "\\":
            out.append("\\\\")
        elif c == "\t":
            out.append("\\t")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif 0x20 <= b < 0x7F:
            out.append(c)
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def advisory_versions(shared):
    import yaml
    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    root = os.path.join(shared, "data", "pypa-advisory-database")
    found = set()
    for dirpath, _, files in os.walk(root):
        for f in files:
            if not f.endswith(".yaml"):
                continue
            with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                doc = yaml.load(fh, Loader=loader)
            for aff in (doc or {}).get("affected", []) or []:
                for v in aff.get("versions", []) or []:
                    found.add(str(v))
                for r in aff.get("ranges", []) or []:
                    for ev in r.get("events", []) or []:
                        for k in ("introduced", "fixed", "last_affected", "limit"):
                            if k in ev:
                                found.add(str(ev[k]))
    return found


EDGE = [
    "", " ", "v", "V1", "1.0-", "1.0+", "1.0+abc.", "1.0+a..b", "1.0a...post1", "1.0..0",
    ".1", "1.", "1!", "!1", "1.0 1", "1.0.*", "a1", "1.0a.", "1.0a--1", "1.0.post.", "1.0.dev-",
    "1.0a-1", "1.0-r-5", "1.0cr1", "1.0crev", "1.0prerev1", "1.0previewr", "1.0a.+x", "1.0rdev",
    "\x1c1.0\x85", "\u30001.0\u2028", "\u00a01.0\u1680", "1.0\n", "\t1.0\r\n", "1.0\x0b",
    "00!00.01", "0", "0.0", "0.0.0.0", "000", "1!0", "18446744073709551615",
    "18446744073709551616", "99999999999999999999999.0", "1.0+123456789012345678901234567890",
    "1.0.post99999999999999999999", "1.0a18446744073709551616", "1.0.dev018446744073709551615",
    "1.0+0000000000000000000000000001", "1.0+abc-def_ghi.jkl", "1.0+ABC", "1.0+a1b2.3c",
    "1.0+1.0", "1.0+01.a", "1.0.POST1", "1.0.Post.1", "1.0RC1", "1.0Alpha", "1.0bEtA2",
    "1.0PREVIEW3", "1.0_c", "1.0-rc.4", "1.0.r", "1.0rev.9", "1.0-1.dev2", "1.0-dev",
    "1.0+ubuntu1~18.04", "1.0;", "1.0)", "1.0,2.0", "1.0.0.0.0.0.0.0.0.0.0.0.1",
    "1.0a1.post2.dev3+local.7", "2!3.4a5.post6.dev7+eight.9", "1.0dev1", "1.0post1",
    "1.0-post1", "1.0_post_1", "1.0.post-1", "1.0--1", "1.0-_1", "1.0a_1", "1.0a-_1",
    "1.0é", "1.0+é", "1.0poſt1", "1.0prevıew", "1.0+K", "1.0+ſ", "1.0+\u212a",
    "1.0.dev1.post1", "1.0a1a2", "1.0.post1.post2", "1!2!3", "1.0+", "+1.0", "1.0++a",
    "v 1.0", "vv1.0", "1.0v", "1.0-a1", "1.0.a1", "1.0_a1", "1.0-A1", "1. 0",
]


def variants(v, rng):
    """Other spellings of v (valid or not)."""
    out = set()
    out.add(v.upper())
    out.add("v" + v)
    out.add(" %s\t" % v)
    out.add(re.sub(r"\.(?=[a-z])", "-", v))
    for a, b in (("a", "alpha"), ("b", "beta"), ("rc", "c"), ("rc", "pre"), ("rc", "preview"),
                 (".post", "-rev"), (".post", "r"), (".post", "-"), (".dev", "-dev"),
                 (".dev", "dev"), ("rc", "_RC_")):
        if a in v:
            out.add(v.replace(a, b, 1))
    out.add(re.sub(r"(\d+)", lambda m: "0" + m.group(1), v, count=1))
    out.add("0!" + v)
    # Mutations: usually invalid.
    for _ in range(2):
        i = rng.randrange(len(v) + 1)
        out.add(v[:i] + rng.choice(".-_+!a *x0") + v[i:])
        if v:
            j = rng.randrange(len(v))
            out.add(v[:j] + v[j + 1:])
    return out


def parse(s):
    try:
        return Version(s)
    except InvalidVersion:
        return None


def write_versions(inputs):
    parsed = {s: parse(s) for s in inputs}
    valid = sorted({v for v in parsed.values() if v is not None})
    rank = {}
    r = -1
    prev = None
    for v in valid:
        if prev is None or v != prev:
            r += 1
        rank[v] = r
        prev = v
    with open(os.path.join(HERE, "versions.tsv"), "w", encoding="ascii", newline="\n") as fh:
        for s in sorted(inputs):
            v = parsed[s]
            if v is None:
                fh.write("%s\t!\n" % esc(s))
            else:
                flags = (v.is_prerelease * 1 + v.is_postrelease * 2 + v.is_devrelease * 4
                         + (v.local is not None) * 8)
                fh.write("%s\t%s\t%d\t%d\n" % (esc(s), esc(str(v)), rank[v], flags))
    return parsed


POOL_BASES = ["0", "0.9", "1", "1.0", "1.0.0", "1.0.1", "1.1", "1.1.0", "1.2", "1.2.3", "2",
              "2.0", "2.0.1", "3.0", "10.0", "1!1.0", "1!2.0"]
POOL_SUFFIXES = ["", "a1", "b2", "rc1", ".dev0", ".post1", ".post1.dev1", "a1.dev2", "+local",
                 "+1", ".post1+x", "c3"]
SPEC_BASES = ["0", "1", "1.0", "1.0.0", "1.0.1", "1.1", "1.2", "1.2.3", "2", "2.0", "1!1.0",
              "1!2", "3", "10", "0.9"]
SPEC_SUFFIXES = ["", "", "", "a1", "rc1", ".dev0", ".post1", "+local", "+1", ".post1.dev1",
                 "c3", "a1.dev2", ".r1", ".c1", ".pre1", ".DEV1", "-1", ".alpha1"]
OPS = ["==", "!=", "<=", ">=", "<", ">", "~=", "==="]


def letter(spec_set, v):
    """Bits: 1 contains(v) with prereleases=None, 2 with True, 4 with False,
    8 packaging raised with None (then bit 1 is 0)."""
    bits = 0
    try:
        if spec_set.contains(v):
            bits |= 1
    except InvalidVersion:
        bits |= 8
    if spec_set.contains(v, prereleases=True):
        bits |= 2
    if spec_set.contains(v, prereleases=False):
        bits |= 4
    return chr(ord("a") + bits)


def random_spec(rng):
    op = rng.choice(OPS)
    v = rng.choice(SPEC_BASES) + rng.choice(SPEC_SUFFIXES)
    if op in ("==", "!=") and rng.random() < 0.3:
        v = rng.choice(SPEC_BASES) + ".*"
    elif rng.random() < 0.03:
        v = v + ".*"  # usually invalid
    if op == "===" and rng.random() < 0.2:
        v = rng.choice(["1.0", "1.0.0", "foo", "1.0+LOCAL", "1.0A1", "v1.0"])
    if rng.random() < 0.1:
        v = "v" + v
    if rng.random() < 0.1:
        v = v.upper()
    sep = rng.choice(["", "", "", " "])
    return op + sep + v


def requirement_specs(shared):
    """Specifier sets as written in the real requirement files."""
    root = os.path.join(shared, "data", "requirements-real")
    out = set()
    if not os.path.isdir(root):
        return out
    pat = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?\s*([<>=!~][^;#\\]*)")
    for dirpath, _, files in os.walk(root):
        for f in files:
            try:
                with open(os.path.join(dirpath, f), encoding="utf-8", errors="replace") as fh:
                    for line in fh:
                        m = pat.match(line)
                        if m:
                            out.add(m.group(1).strip())
            except OSError:
                pass
    return out


def write_specifiers(rng, shared):
    pool = [b + s for b in POOL_BASES for s in POOL_SUFFIXES]
    pool_v = [Version(p) for p in pool]
    sets = set()
    while len(sets) < 4000:
        n = rng.choice([1, 1, 2, 2, 3])
        specs = [random_spec(rng) for _ in range(n)]
        # A === of a non-version makes any() order-dependent in packaging
        # when other specifiers are present: keep those alone.
        if n > 1 and any(s.startswith("===") and parse(s[3:].strip()) is None for s in specs):
            continue
        sets.add(rng.choice([",", ", ", " ,"]).join(specs))
    sets.update(["", " ", ",", ">=1.0,", "~=1", "~=1.0.*", "<1.0.*", "<=1.0+local", "==1.0a1.*",
                 "==1.0.*+x", "== 1.0", "==v1.0", "== v 1.0", "===", "=== foo", "===1.0;",
                 "====1", ">=1.0;", "=>1.0", ">=1.0 <2", ">= 1.0, < 2.0", "===1.0,===1.0.0",
                 "===1.0.0,===1.0", "==1.0,==1.0.0", "~=1.4.r1", "~=1.4.5c4", "~=1.4.5rc4",
                 "~=1!1.0", "==1!1.0.*", "==1!1.*", "~=2.2.0.dev1", "~=1.0.DEV1", "!=1.0.*",
                 ">1.0.post1", ">1.0", "<1.0rc1", "<1.0", ">1.0+local", "\u3000>=1.0\u2028",
                 ">=1.0\x1c", "~=1.0a1", "~=1.0-1", "==1.0+LOCAL", "!=1.0+local"])
    for s in sorted(requirement_specs(shared)):
        if len(sets) < 4600:
            sets.add(s)
    with open(os.path.join(HERE, "specifiers.tsv"), "w", encoding="ascii", newline="\n") as fh:
        fh.write("#pool\t%s\n" % "\t".join(esc(p) for p in pool))
        for s in sorted(sets):
            try:
                ss = SpecifierSet(s)
            except InvalidSpecifier:
                fh.write("%s\t!\n" % esc(s))
                continue
            answers = "".join(letter(ss, v) for v in pool_v)
            fh.write("%s\t%s\t%s\n" % (esc(s), esc(str(ss)), answers))


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared")
    rng = random.Random(440)
    real = advisory_versions(shared)
    inputs = set(real) | set(EDGE)
    for v in sorted(real):
        if rng.random() < 0.35:
            inputs |= variants(v, rng)
    write_versions(inputs)
    write_specifiers(rng, shared)
    print("versions: %d (%d from advisories)" % (len(inputs), len(real)))


if __name__ == "__main__":
    main()
