#!/usr/bin/python3
"""Write PEP 691 JSON project pages (DIR/NAME.json) from the real lockfiles
in ../shared/data/lockfiles-real, for measuring the release data that
`airlock-dbbuild build --index` adds (bench/bench_index_size.py).

usage: gen_index_pages.py LOCKFILES_DIR OUT_DIR [RELEASES]

Every uv.lock (sdist and wheels: file name, sha256, upload-time) and
poetry.lock (files: name and sha256) is read; each project gets one release
per version locked anywhere, with exactly the files the lockfiles list.
That is real file names, hashes and file counts, but few releases a project
(a lockfile pins one). With RELEASES > 0, each project is given that many
releases in all: the real ones, then older ones made from its newest real
release's files with the version in each name replaced ("X.Y.Z" counting
down), fresh hashes, upload times 30 days apart, 1 in 50 yanked (half with a
reason). Deterministic: the same input gives the same pages."""
import hashlib
import json
import os
import re
import sys
import tomllib
import urllib.parse


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def read_locks(root):
    """{project: {version: {filename: (sha256, upload_time)}}}"""
    projects = {}
    for dirpath, _dirs, files in os.walk(root):
        for fn in files:
            if fn not in ("uv.lock", "poetry.lock"):
                continue
            try:
                with open(os.path.join(dirpath, fn), "rb") as f:
                    doc = tomllib.load(f)
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                continue
            for pkg in doc.get("package", []):
                name, version = pkg.get("name"), pkg.get("version")
                if not isinstance(name, str) or not isinstance(version, str):
                    continue
                rel = projects.setdefault(norm(name), {}).setdefault(version, {})
                entries = []
                if fn == "uv.lock":
                    if isinstance(pkg.get("sdist"), dict):
                        entries.append(pkg["sdist"])
                    entries += [w for w in pkg.get("wheels", []) if isinstance(w, dict)]
                    for e in entries:
                        url = e.get("url", "")
                        if "/" not in url or not str(e.get("hash", "")).startswith("sha256:"):
                            continue
                        # A page's "filename" is the name, not its URL encoding.
                        fname = urllib.parse.unquote(url.rsplit("/", 1)[1])
                        rel[fname] = (e["hash"][7:], e.get("upload-time"))
                else:
                    for e in pkg.get("files", []):
                        if isinstance(e, dict) and str(e.get("hash", "")).startswith("sha256:"):
                            rel.setdefault(e.get("file", ""), (e["hash"][7:], None))
    return {p: {v: f for v, f in rels.items() if f} for p, rels in projects.items()}


def file_entry(fn, sha, when, yanked=False):
    d = {"filename": fn, "url": "https://files.example.org/packages/" + sha[:2] + "/" +
         urllib.parse.quote(fn),
         "hashes": {"sha256": sha}, "requires-python": ">=3.8",
         "core-metadata": False, "size": 100000, "yanked": yanked}
    if when:
        d["upload-time"] = when
    return d


def version_key(v):
    return [int(x) if x.isdigit() else -1 for x in re.split(r"[.+-]", v)]


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    target = int(sys.argv[3]) if len(sys.argv) == 4 else 0
    projects = read_locks(src)
    os.makedirs(out, exist_ok=True)
    nrel = nfiles = 0
    for name in sorted(projects):
        rels = projects[name]
        files, versions = [], []
        for v in sorted(rels, key=version_key):
            versions.append(v)
            for fn, (sha, when) in sorted(rels[v].items()):
                files.append(file_entry(fn, sha, when))
        if target > len(rels) and rels:
            newest = sorted(rels, key=version_key)[-1]
            template = rels[newest]
            for i in range(target - len(rels)):
                v = "%d.%d.%d" % (i // 100, (i // 10) % 10, i % 10)
                if v in rels:
                    continue
                versions.append(v)
                t = 1700000000 - 30 * 86400 * (i + 1)
                when = "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (
                    *__import__("time").gmtime(t)[:6], i * 7919 % 1000000)
                yanked = (i % 50 == 49) and ("superseded by a fixed build" if i % 100 == 99 else True)
                for fn in sorted(template):
                    newfn = fn.replace(newest, v, 1)
                    sha = hashlib.sha256((name + newfn).encode()).hexdigest()
                    files.append(file_entry(newfn, sha, when, yanked))
        page = {"meta": {"api-version": "1.1", "_last-serial": 1}, "name": name,
                "files": files, "versions": versions}
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(page, f)
        nrel += len(versions)
        nfiles += len(files)
    print("%d projects, %d releases, %d files" % (len(projects), nrel, nfiles))


main()
