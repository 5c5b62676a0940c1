#!/usr/bin/python3
"""Write the inventory fixtures under this folder (byte-exact; run once,
the output is committed). The comment above each group says what it
exercises; docs/inventory.md gives the rules."""
import os
import shutil
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SITE = os.path.join(HERE, "site")
SRC = os.path.join(HERE, "editable_src")
BODY = "\n\nA long description.\nName: evil\nVersion: 666\n"


def put(rel, data, base=SITE):
    path = os.path.join(base, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


def meta(name, version, mv="2.1", extra=""):
    return f"Metadata-Version: {mv}\nName: {name}\nVersion: {version}\n{extra}Summary: s" + BODY


for d in (SITE, SRC):
    shutil.rmtree(d, ignore_errors=True)

# Plain cases, Metadata-Version 1.0 to 2.4.
put("requests-2.31.0.dist-info/METADATA", meta("requests", "2.31.0", "2.1"))
put("attrs-23.1.0.dist-info/METADATA", meta("attrs", "23.1.0", "2.4"))
put("six-1.16.0.dist-info/METADATA", meta("six", "1.16.0", "2.0"))
put("oldstyle-0.9-py3.11.egg-info/PKG-INFO", meta("oldstyle", "0.9", "1.0"))
put("onepointone-1.1.egg-info/PKG-INFO", meta("onepointone", "1.1", "1.1"))
put("onepointtwo-1.2.dist-info/METADATA", meta("onepointtwo", "1.2", "1.2"))
put("twotwo-2.2.dist-info/METADATA", meta("twotwo", "2.2", "2.2"))
put("twothree-2.3.dist-info/METADATA", meta("twothree", "2.3", "2.3"))
# Line endings: CRLF, bare CR, none at the end of a body-less file.
put("crlf_pkg-1.0.dist-info/METADATA", meta("CRLF_Pkg", "1.0").replace("\n", "\r\n"))
put("cr_pkg-1.1.dist-info/METADATA", meta("cr-pkg", "1.1").replace("\n", "\r"))
put("noeol-0.3.dist-info/METADATA", "Metadata-Version: 2.1\nName: noeol\nVersion: 0.3")
# A byte-order mark (importlib sees no headers; Airlock skips the BOM).
put("bom_pkg-4.0.dist-info/METADATA", "\ufeff" + meta("bom-pkg", "4.0"))
# Field names in any case; repeated fields (the first wins).
put("mixed-2.0.dist-info/METADATA", "METADATA-VERSION: 2.1\nnAmE: MixedCase\nVERSION: 2.0\n\n")
put("repeat-1.0.dist-info/METADATA", "Name: repeat\nVersion: 1.0\nVersion: 2.0\nName: other\n")
# Folded values: a folded Summary; a Name on its continuation line.
put("folded-3.1.dist-info/METADATA",
    "Metadata-Version: 2.1\nName: folded\nSummary: one\n  two\n\tthree\nVersion: 3.1\n" + BODY)
put("foldname-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName:\n    foldname\nVersion: 1.0\n")
# Trailing blanks kept by importlib; leading ones stripped.
put("spacey-0.1.dist-info/METADATA", "Name:   spacey  \nVersion:\t0.1 \n")
# An mbox "From " line first, and one in the middle (both ignored).
put("fromline-1.0.dist-info/METADATA", "From nobody\nName: fromline\nFrom x\nVersion: 1.0\n")
# The header block ends at an unindented line: Version falls in the body.
put("cutoff-1.0.dist-info/METADATA",
    "Metadata-Version: 2.1\nName: cutoff\nSummary: line\nnot a header\nVersion: 1.0\n")
# "Name :" is not a header line (blank before the colon): no Name at all.
put("spacedcolon-1.0.dist-info/METADATA", "Name : spacedcolon\nVersion: 1.0\n")
# A ":" first has no field name and is dropped; the block goes on.
put("colonfirst-1.0.dist-info/METADATA", ":weird\nName: colonfirst\nVersion: 1.0\n")
# No METADATA but a PKG-INFO; an empty METADATA falls through to PKG-INFO.
put("pkginfo_only-1.0.dist-info/PKG-INFO", meta("pkginfo-only", "1.0"))
put("empty_meta-2.0.dist-info/METADATA", "")
put("empty_meta-2.0.dist-info/PKG-INFO", meta("empty-meta", "2.0"))
# Not distributions: no metadata file, no Name.
os.makedirs(os.path.join(SITE, "nometa-1.0.dist-info"), exist_ok=True)
put("nometa-1.0.dist-info/RECORD", "")
put("noname-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nVersion: 1.0\n")
# Name but no Version; a version that is not PEP 440; a local version.
put("noversion.egg-info", "Metadata-Version: 1.0\nName: noversion\n")
put("badver-1.0.dist-info/METADATA", meta("badver", "not a version!"))
put("localver-1.0+abc.dist-info/METADATA", meta("localver", "1.0+abc.7"))
# The file's Name counts, not the folder's; odd suffix case; a dist-info
# that is a plain file; a single-file .egg-info.
put("folder_says_x-9.9.dist-info/METADATA", meta("really-y", "1.2.3"))
put("UPPER-1.0.DIST-INFO/METADATA", meta("UPPER", "1.0"))
put("plainfile-0.2.dist-info", meta("plainfile", "0.2"))
put("single-0.5-py3.11.egg-info", meta("single", "0.5", "1.1"))
# Two versions of one project side by side.
put("dup-1.0.dist-info/METADATA", meta("dup", "1.0"))
put("dup-2.0.dist-info/METADATA", meta("dup", "2.0"))
# An invalid name.
put("bad_name-1.0.dist-info/METADATA", meta("bad name!", "1.0"))
# An .egg directory (as easy-install.pth lists it) and a zipped egg.
put("eggdir-1.2-py3.11.egg/EGG-INFO/PKG-INFO", meta("eggdir", "1.2", "1.1"))
put("eggdir-1.2-py3.11.egg/eggdir/__init__.py", "")
zpath = os.path.join(SITE, "zipped_egg-3.0-py3.11.egg")
with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
    for name in ("EGG-INFO/PKG-INFO", "EGG-INFO/top_level.txt", "zipped_egg/__init__.py"):
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        z.writestr(info, meta("zipped-egg", "3.0", "1.1") if name.endswith("PKG-INFO") else "")
# Editable installs: a setuptools develop egg-link (relative target), one
# whose target is gone, and a PEP 660 install recorded in direct_url.json.
put("devpkg.egg-link", "../editable_src/devpkg\n../site\n")
put("devpkg/devpkg.egg-info/PKG-INFO", meta("devpkg", "0.1.dev0", "2.1"), base=SRC)
put("gone.egg-link", "/nonexistent/airlock/gone\n.\n")
put("pep660-0.1.dist-info/METADATA", meta("pep660", "0.1"))
put("pep660-0.1.dist-info/direct_url.json",
    '{"url": "file:///work/src/pep%20660", "dir_info": {"editable": true}}')
put("__editable__.pep660-0.1.pth", "import __editable___pep660_0_1_finder; "
    "__editable___pep660_0_1_finder.install()\n")
put("__editable___pep660_0_1_finder.py", "def install():\n    pass\n")
put("gitdep-1.0.dist-info/METADATA", meta("gitdep", "1.0"))
put("gitdep-1.0.dist-info/direct_url.json",
    '{"url": "https://github.com/x/y", "vcs_info": {"vcs": "git", "commit_id": "abc"}}')
# Things that are not metadata at all.
put("module.py", "")
put("README.txt", "Name: not-a-dist\nVersion: 1\n")
