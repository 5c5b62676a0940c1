#!/usr/bin/python3
"""Write a synthetic OSV dump for benchmarks: N OSV JSON records (500,000 by
default) over 30,000 packages, mostly PyPI with npm, Go, Maven, crates.io
and RubyGems mixed in, as a zip laid out like osv.dev's all.zip (ID.json at
the root) and as a directory tree (ECOSYSTEM/PACKAGE/ID.json).

Records are modelled on the PyPA advisory database: PYSEC and GHSA ids,
details of a few hundred bytes to a few KB, ECOSYSTEM ranges (sometimes a
GIT range too), enumerated `versions` lists for PyPI, references, CVSS
severity on some, and aliases: a CVE on most, and about a third of the
PYSEC records paired with a GHSA record of the same package that names it
back (the way real advisories link). A few percent are malicious-package
records (MAL-...) and a few are withdrawn. Output is deterministic for a
given seed.

    gen_osv_dump.py [--records N] [--packages N] [--seed S] [--pypi-share F]
                    [--format zip|tree|both] OUTDIR

OUTDIR must not be inside a git checkout (the dump is ~1.4 GB for 500,000
records): use /tmp.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import zipfile

ECOSYSTEMS = [("PyPI", 0.90), ("npm", 0.04), ("Go", 0.02), ("Maven", 0.02),
              ("crates.io", 0.01), ("RubyGems", 0.01)]
SYLLABLES = ("py lib net web auth http json yaml xml sql db flask django tor req url "
             "crypt ssl jwt img pdf csv cli log conf tool kit core util async io "
             "data mq cache sess tmpl form api rest rpc grpc test mock zip tar").split()
WORDS = ("a an the vulnerability allows remote attackers to cause denial of service "
         "via crafted input in function when parsing untrusted data which leads to "
         "arbitrary code execution information disclosure cross site scripting path "
         "traversal request forgery through the header parameter before version fixed "
         "in upgrade users should update improper validation of buffer overflow memory "
         "exhaustion regular expression injection template sandbox escape").split()
REF_TYPES = ["WEB", "ADVISORY", "FIX", "PACKAGE", "REPORT", "ARTICLE"]
CVSS = ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"]


def pick_ecosystem(rng, ecosystems):
    x = rng.random()
    for eco, p in ecosystems:
        if x < p:
            return eco
        x -= p
    return "PyPI"


def make_packages(rng, n, ecosystems):
    seen, pkgs = set(), []
    while len(pkgs) < n:
        k = rng.choice((1, 2, 2, 3))
        name = "-".join(rng.choice(SYLLABLES) for _ in range(k))
        if rng.random() < 0.3:
            name += str(rng.randint(2, 99))
        eco = pick_ecosystem(rng, ecosystems)
        if eco == "Go":
            name = "github.com/%s/%s" % (rng.choice(SYLLABLES), name)
        elif eco == "Maven":
            name = "org.%s:%s" % (rng.choice(SYLLABLES), name)
        if (eco, name) in seen:
            continue
        seen.add((eco, name))
        pkgs.append((eco, name, make_history(rng)))
    return pkgs


def make_history(rng):
    """A release history like PyPI's: majors, minors, patches, pre-releases."""
    out = []
    for major in range(rng.randint(0, 4) + 1):
        for minor in range(rng.randint(1, 12)):
            if rng.random() < 0.15:
                out.append("%d.%d.0rc1" % (major, minor))
            for patch in range(rng.randint(1, 6)):
                out.append("%d.%d.%d" % (major, minor, patch) if patch or rng.random() < 0.7
                           else "%d.%d" % (major, minor))
    return out


def timestamp(rng, year_lo=2015):
    y = rng.randint(year_lo, 2024)
    s = "%04d-%02d-%02dT%02d:%02d:%02d" % (y, rng.randint(1, 12), rng.randint(1, 28),
                                           rng.randint(0, 23), rng.randint(0, 59),
                                           rng.randint(0, 59))
    if rng.random() < 0.6:
        s += ".%06d" % rng.randint(0, 999999)
    return s + "Z"


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def make_record(rng, rid, pkg, aliases, kind):
    eco, name, hist = pkg
    rec = {"id": rid, "modified": timestamp(rng, 2020)}
    if rng.random() < 0.97:
        rec["published"] = timestamp(rng)
    if aliases:
        rec["aliases"] = aliases
    if kind == "MAL":
        rec["summary"] = "Malicious code in %s (%s)" % (name, eco)
        rec["details"] = "This package contains malicious code. " + sentence(rng, 20)
        rec["affected"] = [{"package": {"ecosystem": eco, "name": name},
                            "ranges": [{"type": "ECOSYSTEM",
                                        "events": [{"introduced": "0"}]}]}]
        return rec
    if kind == "GHSA" or rng.random() < 0.3:
        rec["summary"] = sentence(rng, rng.randint(4, 12)).capitalize()
    rec["details"] = sentence(rng, int(rng.lognormvariate(4.5, 0.7)) + 10) + "."
    affected = []
    for i in range(1 if rng.random() < 0.92 else 2):
        lo = rng.randrange(len(hist))
        hi = min(len(hist) - 1, lo + int(rng.expovariate(1 / 25)) + 1)
        events = [{"introduced": "0" if lo == 0 or rng.random() < 0.4 else hist[lo]}]
        fixed = hist[hi] if hi > lo and rng.random() < 0.9 else None
        if fixed:
            events.append({"fixed": fixed})
        elif rng.random() < 0.5:
            events.append({"last_affected": hist[hi]})
        ranges = [{"type": "ECOSYSTEM", "events": events}]
        if kind == "PYSEC" and rng.random() < 0.25:
            ranges.insert(0, {"type": "GIT", "repo": "https://github.com/%s/%s" % (
                rng.choice(SYLLABLES), name.split("/")[-1]),
                "events": [{"introduced": "0"},
                           {"fixed": "%040x" % rng.getrandbits(160)}]})
        a = {"package": {"ecosystem": eco, "name": name}, "ranges": ranges}
        if eco == "PyPI":
            a["package"]["purl"] = "pkg:pypi/" + name
        if kind == "PYSEC" or (eco == "PyPI" and rng.random() < 0.3):
            start = 0 if events[0]["introduced"] == "0" else lo
            a["versions"] = hist[start:hi if fixed else hi + 1]
        if kind == "GHSA" and rng.random() < 0.5:
            a["database_specific"] = {"source": "https://github.com/advisories/" + rid}
        affected.append(a)
    rec["affected"] = affected
    if rng.random() < 0.35:
        rec["severity"] = [{"type": "CVSS_V4" if v.startswith("CVSS:4") else "CVSS_V3",
                            "score": v} for v in [rng.choice(CVSS)]]
    rec["references"] = [{"type": rng.choice(REF_TYPES),
                          "url": "https://example.org/%s/%d" % (name.split("/")[-1],
                                                              rng.getrandbits(32))}
                         for _ in range(rng.randint(1, 8))]
    if rng.random() < 0.005:
        rec["withdrawn"] = timestamp(rng, 2022)
    if kind == "GHSA":
        rec["database_specific"] = {"severity": rng.choice(["LOW", "MODERATE", "HIGH",
                                                             "CRITICAL"]),
                                    "github_reviewed": True, "cwe_ids": ["CWE-79"]}
    return rec


def ghsa_id(rng):
    alphabet = "23456789cfghjmpqrvwx"
    return "GHSA-" + "-".join("".join(rng.choice(alphabet) for _ in range(4))
                              for _ in range(3))


def ecosystem_shares(pypi_share):
    """ECOSYSTEMS with PyPI's share set and the others scaled to the rest."""
    if pypi_share is None:
        return ECOSYSTEMS
    rest = sum(p for eco, p in ECOSYSTEMS if eco != "PyPI")
    return [(eco, pypi_share if eco == "PyPI" else p * (1 - pypi_share) / rest)
            for eco, p in ECOSYSTEMS]


def records(n, n_packages, seed, pypi_share=None):
    rng = random.Random(seed)
    pkgs = make_packages(rng, n_packages, ecosystem_shares(pypi_share))
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(pkgs))]  # some packages have many
    used = set()
    count = 0
    pysec_seq, cve_seq, mal_seq = {}, 0, 0
    while count < n:
        pkg = rng.choices(pkgs, weights)[0]
        year = rng.randint(2015, 2024)
        cve_seq += 1
        cve = "CVE-%d-%d" % (year, 10000 + cve_seq)
        if rng.random() < 0.03:
            mal_seq += 1
            yield make_record(rng, "MAL-%d-%d" % (year, mal_seq), pkg, [], "MAL")
            count += 1
            continue
        gid = ghsa_id(rng)
        while gid in used:
            gid = ghsa_id(rng)
        used.add(gid)
        if pkg[0] == "PyPI" and rng.random() < 0.45:
            pysec_seq[year] = pysec_seq.get(year, 0) + 1
            pid = "PYSEC-%d-%d" % (year, pysec_seq[year])
            if rng.random() < 0.35 and count + 1 < n:  # a linked pair
                yield make_record(rng, pid, pkg, [cve, gid], "PYSEC")
                yield make_record(rng, gid, pkg, [cve, pid], "GHSA")
                count += 2
            else:
                yield make_record(rng, pid, pkg, [cve] if rng.random() < 0.8 else [],
                                  "PYSEC")
                count += 1
        else:
            yield make_record(rng, gid, pkg, [cve] if rng.random() < 0.9 else [], "GHSA")
            count += 1


def inside_git_checkout(path):
    try:
        r = subprocess.run(["git", "-C", path, "rev-parse", "--is-inside-work-tree"],
                           capture_output=True, text=True)
        return r.returncode == 0 and r.stdout.strip() == "true"
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--records", type=int, default=500000)
    ap.add_argument("--packages", type=int, default=30000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pypi-share", type=float, default=None,
                    help="share of packages that are PyPI's (default 0.90); 0.1 makes an "
                    "all-ecosystem export like osv.dev's, where PyPI is about a tenth")
    ap.add_argument("--format", choices=["zip", "tree", "both"], default="both")
    args = ap.parse_args()
    probe = os.path.abspath(args.outdir)
    while not os.path.isdir(probe):
        probe = os.path.dirname(probe)
    if inside_git_checkout(probe):
        sys.exit("gen_osv_dump: %s is inside a git checkout; write the dump elsewhere "
                 "(e.g. /tmp)" % args.outdir)
    os.makedirs(args.outdir, exist_ok=True)
    zpath = os.path.join(args.outdir, "all.zip")
    tree = os.path.join(args.outdir, "tree")
    z = None
    if args.format in ("zip", "both"):
        z = zipfile.ZipFile(zpath + ".tmp", "w", zipfile.ZIP_DEFLATED)
    total = 0
    for rec in records(args.records, args.packages, args.seed, args.pypi_share):
        text = json.dumps(rec, indent=2) + "\n"
        total += len(text)
        name = rec["id"] + ".json"
        if z is not None:
            z.writestr(zipfile.ZipInfo(name, date_time=(2024, 10, 10, 0, 0, 0)), text,
                       compress_type=zipfile.ZIP_DEFLATED)
        if args.format in ("tree", "both"):
            a = rec["affected"][0]["package"]
            d = os.path.join(tree, a["ecosystem"], a["name"].replace("/", "_").replace(":", "_"))
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
    if z is not None:
        z.close()
        os.replace(zpath + ".tmp", zpath)
    print("gen_osv_dump: %d records, %.1f MB of JSON, in %s" % (args.records, total / 1e6,
                                                               args.outdir))


if __name__ == "__main__":
    main()
