#!/usr/bin/python3
"""Write a zip of synthetic OSV records for the differential test:

    osv_synthetic.py OUT.zip [COUNT]

Ranges drawn (with a fixed seed) from events of every kind over a small pool
of versions that includes what the rules of docs/matching.md single out:
limits that do not parse ("foo") or contain '*' ("*", "2.*"), several limits
in one range, unparseable introduced and fixed versions, pre- and
post-releases. Every record is valid, so that both sides evaluate all of
them. Only the standard library is needed.
"""
import json
import random
import sys
import zipfile

POOL = ["0.5", "1.0", "1.0rc1", "1.0.post1", "1.5", "2.0", "2.5", "3.0", "10.0"]
ODD = ["foo", "2.*", "*", "1.x"]


def version(rng, odd):
    return rng.choice(ODD) if rng.random() < odd else rng.choice(POOL)


def events(rng):
    evs = [{"introduced": "0" if rng.random() < 0.3 else version(rng, 0.1)}]
    for _ in range(rng.randint(0, 4)):
        kind = rng.choice(["introduced", "fixed", "last_affected", "limit", "limit"])
        evs.append({kind: version(rng, 0.4 if kind == "limit" else 0.1)})
    rng.shuffle(evs)
    return evs


def main():
    out, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 400
    rng = random.Random(13)
    with zipfile.ZipFile(out, "w") as z:
        for i in range(count):
            rid = f"PYSEC-2099-{i + 1}"
            affected = []
            for _ in range(rng.randint(1, 2)):
                ranges = [{"type": "ECOSYSTEM", "events": events(rng)}
                          for _ in range(rng.randint(1, 2))]
                affected.append({"package": {"ecosystem": "PyPI",
                                             "name": f"pkg{rng.randint(1, 150)}"},
                                 "ranges": ranges})
            rec = {"id": rid, "modified": "2024-01-01T00:00:00Z", "affected": affected}
            z.writestr(f"{rid}.json", json.dumps(rec))


if __name__ == "__main__":
    main()
