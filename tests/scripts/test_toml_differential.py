#!/usr/bin/python3
"""Differential test of core/toml.c against Python's tomllib on mutated
documents.

toml-test's cases each test one thing; real mistakes hide in combinations.
This takes the valid toml-test cases and the fuzz seeds, mutates each a few
times (deleting bytes, inserting TOML punctuation, splicing in a line of
another document; a fixed random seed, so a failure reproduces), and
requires `toml-decode` and tomllib to agree: both refuse, or both accept
with equal data (compared as test_toml_conformance.py compares).

Known, documented differences are not counted: a leading BOM (TOML allows
it, tomllib refuses it; the seeds hold none and mutations add none) and a
leap second (seconds = 60, which RFC 3339 and so TOML allow and Python's
datetime cannot hold).
"""
import glob
import json
import os
import random
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_toml_conformance as conf  # noqa: E402



def sanitizer_build():
    """Whether this is the ASan+UBSan build, where each of the cases starts
    a sanitized process (most of the test's 40-80 s there)."""
    cache = os.path.join(os.environ.get("AIRLOCK_BUILD_DIR", ""), "CMakeCache.txt")
    try:
        with open(cache, encoding="utf-8", errors="replace") as f:
            return "AIRLOCK_SANITIZE:BOOL=ON" in f.read()
    except OSError:
        return False


# The release build runs every case; the sanitizer build a quarter of them
# (the same first ones: the generator's seed is fixed), enough for memory
# errors on mutated documents, which fuzz_toml hunts too.
CASES = int(os.environ.get("AIRLOCK_TOML_DIFF_CASES",
                           "500" if sanitizer_build() else "2000"))
PIECES = [b"[", b"]", b"{", b"}", b"=", b".", b",", b'"', b"'", b"\n", b" ", b"#", b"a",
          b"1", b"-", b"_", b"\\", b"[[", b"]]", b'"""', b"'''", b"T", b":", b"+", b"e",
          b"0x", b"\r\n", b"\t", b"\\u", b"z", b"inf", b"a.b", b"[a]\n", b"[[a]]\n"]
LEAP = re.compile(rb"\d\d:\d\d:60")


def mutate(rng, doc, seeds):
    b = bytearray(doc)
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        i = rng.randint(0, len(b))
        if op < 0.4 and b:
            del b[i:i + rng.randint(1, 3)]
        elif op < 0.8:
            b[i:i] = rng.choice(PIECES)
        else:
            b[i:i] = rng.choice(rng.choice(seeds).split(b"\n")) + b"\n"
    return bytes(b)


def main():
    try:
        import tomllib
    except ImportError:
        print("SKIP: no tomllib (Python 3.11 or later)")
        return 77
    if not os.path.isdir(conf.ROOT):
        print(f"SKIP: no toml-test cases at {conf.ROOT} (AIRLOCK_SHARED_DIR)")
        return 77
    if not os.access(conf.DECODE, os.X_OK):
        print(f"FAIL: {conf.DECODE} not built")
        return 1
    paths = sorted(glob.glob(os.path.join(conf.ROOT, "valid", "**", "*.toml"), recursive=True))
    paths += sorted(glob.glob(os.path.join(conf.SOURCE, "tests", "fuzz", "corpus", "toml",
                                           "*.toml")))
    seeds = []
    for p in paths:
        with open(p, "rb") as f:
            doc = f.read()
        if not doc.startswith(b"\xef\xbb\xbf"):
            seeds.append(doc)
    rng = random.Random(14)
    disagree = skipped = 0
    for n in range(CASES):
        doc = mutate(rng, rng.choice(seeds), seeds)
        proc = subprocess.run([conf.DECODE], input=doc, capture_output=True, timeout=30)
        if conf.crashed(proc):
            print(f"FAIL case {n}: toml-decode crashed on {doc[:300]!r}")
            return 1
        try:
            ref, why = conf.untag(conf.tag(tomllib.loads(doc.decode("utf-8")))), None
        except Exception as e:  # tomllib raises TOMLDecodeError, or UnicodeDecodeError
            ref, why = None, str(e)
        ours = conf.untag(json.loads(proc.stdout)) if proc.returncode == 0 else None
        if ours == ref and (ours is None) == (ref is None):
            continue
        if ref is None and ours is not None and LEAP.search(doc):
            skipped += 1
            continue
        disagree += 1
        mine = "accepted" if ours is not None else proc.stderr.decode(errors="replace").strip()
        print(f"FAIL case {n}: toml-decode: {mine}; tomllib: {why or 'accepted'}")
        print(f"    document: {doc[:400]!r}")
        if ours is not None and ref is not None:
            print(f"    ours:    {ours!r}"[:600])
            print(f"    tomllib: {ref!r}"[:600])
    print(f"{CASES} mutated documents from {len(seeds)} seeds: {disagree} disagreements"
          f" ({skipped} leap seconds set aside)")
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
