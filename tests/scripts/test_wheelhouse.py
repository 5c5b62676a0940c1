"""End to end: `airlock scan --wheelhouse DIR` (always runs).

Wheels and sdists are made here with Python's zipfile and tarfile (and a
raw zip writer for what zipfile refuses to write): good ones, a renamed
wheel, a tampered file, bad RECORDs (a missing row, a bad hash, a bad
size, an extra file, a row for a file not there), --hash mismatches
against a requirement file, sdists as .tar.gz and .zip, zip bombs (a size
lie, a declared size over the limit, an overlapping entry, a ratio no
deflate can give) and path tricks (../, absolute, backslash, duplicate
names). Each failure must be a warning naming the archive in the JSON
report and must appear in every report format; --strict makes any of
them exit 2; a good wheelhouse passes --strict.
"""
import base64
import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib

SRC = os.environ.get("AIRLOCK_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
AIRLOCK = os.environ.get("AIRLOCK_BIN", os.path.join(SRC, "build", "release", "airlock"))
DBBUILD = os.environ.get("AIRLOCK_DBBUILD_BIN",
                         os.path.join(SRC, "build", "release", "airlock-dbbuild"))

failures = []
passed = 0


def check(cond, what):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(what)
        print("FAIL:", what)


def run(*args, expect=None):
    e = dict(os.environ)
    e.pop("VIRTUAL_ENV", None)
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=e,
                       stdin=subprocess.DEVNULL, timeout=300)
    if expect is not None and p.returncode != expect:
        failures.append(f"{args}: exit {p.returncode}, expected {expect}\n{p.stderr[:2000]}")
        print("FAIL:", args, p.returncode, p.stderr[:2000])
    return p


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel_files(name, version, extra=None):
    dist = f"{name.replace('-', '_')}-{version}.dist-info"
    files = {
        f"{name.replace('-', '_')}/__init__.py": b"VERSION = %r\n" % version.encode(),
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n"
                            f"A long description.\n".encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n",
    }
    files.update(extra or {})
    return dist, files


def make_wheel(d, name, version, fname=None, extra=None, rows=None, tamper=None, add=None,
               drop_rows=(), zip64=False):
    """A wheel: `rows` edits RECORD rows {path: (hash, size)}; `tamper` replaces a
    member's bytes after RECORD is written; `add` adds members RECORD does not list;
    `drop_rows` leaves rows out."""
    dist, files = wheel_files(name, version, extra)
    record = io.StringIO()
    import csv
    w = csv.writer(record, lineterminator="\n")
    for path, data in files.items():
        if path in drop_rows:
            continue
        h, s = record_hash(data), str(len(data))
        if rows and path in rows:
            h, s = rows[path]
        w.writerow([path, h, s])
    for path in (rows or {}):
        if path not in files:
            w.writerow([path, rows[path][0], rows[path][1]])
    w.writerow([f"{dist}/RECORD", "", ""])
    fname = fname or f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    path = os.path.join(d, fname)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for p, data in files.items():
            with z.open(p, "w", force_zip64=zip64) as m:  # zip64 local extra fields
                m.write((tamper or {}).get(p, data))
        for p, data in (add or {}).items():
            z.writestr(p, data)
        z.writestr(f"{dist}/RECORD", record.getvalue())
    return path


def pkg_info(name, version):
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()


def make_sdist_tgz(d, name, version, fname=None, info=None, members=None):
    path = os.path.join(d, fname or f"{name}-{version}.tar.gz")
    top = f"{name}-{version}"
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as t:
        for p, data in (members or {f"{top}/PKG-INFO": info or pkg_info(name, version),
                                    f"{top}/setup.py": b"from setuptools import setup\n"
                                                       b"setup()\n"}).items():
            ti = tarfile.TarInfo(p)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    return path


def make_sdist_zip(d, name, version, fname=None):
    path = os.path.join(d, fname or f"{name}-{version}.zip")
    top = f"{name}-{version}"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{top}/PKG-INFO", pkg_info(name, version))
        z.writestr(f"{top}/setup.py", b"from setuptools import setup\nsetup()\n")
    return path


def raw_zip(path, entries):
    """A zip written byte by byte. entries: list of dicts with name (bytes),
    data (compressed bytes), method, crc, csize, usize, and optional overrides
    local_off (point the central entry at another local header), skip_local."""
    out = bytearray()
    central = bytearray()
    offsets = []
    for e in entries:
        off = len(out)
        offsets.append(off)
        if e.get("skip_local"):
            continue
        out += struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, e["method"], 0, 0, e["crc"],
                           e["csize"], e["usize"], len(e["name"]), 0)
        out += e["name"] + e["data"]
    for i, e in enumerate(entries):
        off = e.get("local_off", offsets[i])
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, e["method"], 0, 0,
                               e["crc"], e["csize"], e["usize"], len(e["name"]), 0, 0, 0, 0,
                               0, off)
        central += e["name"]
    cd_off = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(entries), len(entries),
                       len(central), cd_off, 0)
    with open(path, "wb") as f:
        f.write(out)


def stored(name, data):
    return {"name": name, "data": data, "method": 0, "crc": zlib.crc32(data),
            "csize": len(data), "usize": len(data)}


def deflated(name, data, usize=None):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    comp = c.compress(data) + c.flush()
    return {"name": name, "data": comp, "method": 8, "crc": zlib.crc32(data),
            "csize": len(comp), "usize": len(data) if usize is None else usize}


def patch_sizes(path, member, usize):
    """Rewrite a member's uncompressed size in its local and central headers."""
    data = bytearray(open(path, "rb").read())
    name = member.encode()
    for sig, off_size in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = 0
        while True:
            i = data.find(sig, i)
            if i < 0:
                break
            nl_off = 26 if sig == b"PK\x03\x04" else 28
            hdr = 30 if sig == b"PK\x03\x04" else 46
            nlen = struct.unpack_from("<H", data, i + nl_off)[0]
            if data[i + hdr:i + hdr + nlen] == name:
                struct.pack_into("<I", data, i + off_size, usize)
            i += 4
    open(path, "wb").write(data)


def pip_differential(d, how):
    """A good wheel that Python's zipfile (so pip) reads with one more member,
    evil.pth, than the directory a reader that ignores `how` finds:
    "eocd": a second end record in the archive comment (zipfile takes the
    last signature); "zip64": a zip64 locator and record before a plain end
    record (zipfile reads them whatever it says); "upath": an Info-ZIP
    Unicode Path field renaming a member (zipfile on Python 3.12+)."""
    dist, files = wheel_files("differ_" + how, "1.0")
    evil = b"import os\n"
    rec = "".join(f"{p},{record_hash(b)},{len(b)}\n" for p, b in files.items())
    if how == "upath":
        files["differ_upath/notes.txt"] = evil
        rec += f"differ_upath/notes.txt,{record_hash(evil)},{len(evil)}\n"
    files[f"{dist}/RECORD"] = (rec + f"{dist}/RECORD,,\n").encode()
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        for p, data in files.items():
            zi = zipfile.ZipInfo(p)
            if p == "differ_upath/notes.txt":
                zi.extra = struct.pack("<HHBI", 0x7075, 13, 1, zlib.crc32(p.encode())) + b"evil.pth"
            z.writestr(zi, data)
    w = b.getvalue()
    path = os.path.join(d, f"differ_{how}-1.0-py3-none-any.whl")
    if how == "upath":
        open(path, "wb").write(w)
        return path
    i = w.rfind(b"PK\x05\x06")
    n, cd_size, cd_off = struct.unpack_from("<HII", w, i + 10)
    local, cd = w[:cd_off], bytearray(w[cd_off:cd_off + cd_size])
    evil_local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 0, 0, 0, zlib.crc32(evil),
                             len(evil), len(evil), 8, 0) + b"evil.pth" + evil
    evil_central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 0, 0, 0,
                               zlib.crc32(evil), len(evil), len(evil), 8, 0, 0, 0, 0, 0,
                               len(local)) + b"evil.pth"
    cd_b = bytes(cd) + evil_central
    start = len(local) + len(evil_local)
    if how == "eocd":
        end_b_at = start + cd_size + 22 + len(cd_b)
        comment = cd_b + struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, n + 1, n + 1, len(cd_b),
                                     end_b_at - len(cd_b), 5)
        out = local + evil_local + cd + struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, n, n,
                                                    cd_size, start, len(comment)) + comment
    else:  # the last central entry's extra field holds cd_b, its comment the zip64 records
        last = pos = 0
        while pos < len(cd):
            last = pos
            pos += 46 + sum(struct.unpack_from("<HHH", cd, pos + 28))
        extra = struct.pack("<HH", 0xCAFE, len(cd_b)) + cd_b
        struct.pack_into("<HH", cd, last + 30, len(extra), 76)
        cd += extra
        z64_at = start + len(cd)
        cd += struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, 0, 0, n + 1, n + 1, len(cd_b),
                          z64_at - len(cd_b))
        cd += struct.pack("<IIQI", 0x07064b50, 0, z64_at, 1)
        out = local + evil_local + cd + struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, n, n,
                                                    len(cd), start, 0)
    open(path, "wb").write(out)
    return path


def scan_json(scan, *args, expect=None):
    p = run(*scan, "--format", "json", *args, expect=expect)
    try:
        return p, json.loads(p.stdout)
    except ValueError:
        check(False, f"not a JSON report: {p.stdout[:300]} {p.stderr[:500]}")
        return p, {"inputs": [], "dependencies": [], "warnings": []}


def warnings_of(rep, path):
    return [w["message"] for w in rep["warnings"] if w.get("file") == path]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        key, pub, snap, db = (os.path.join(tmp, n) for n in ("key", "pub", "db.zst", "db"))
        run(DBBUILD, "keygen", "-W", "-p", pub, "-s", key, expect=0)
        run(DBBUILD, "build", "-s", key, "-o", snap, "--sequence", "3",
            os.path.join(SRC, "examples", "advisories"), expect=0)
        run(AIRLOCK, "--db-dir", db, "db", "import", snap, "--trusted-key", pub, expect=0)
        if failures:
            return 1
        scan = [AIRLOCK, "--db-dir", db, "scan", "--no-python"]

        # --- a good wheelhouse: every archive a dependency, no warning -------
        good = os.path.join(tmp, "good")
        os.makedirs(good)
        w1 = make_wheel(good, "requests", "2.31.0")
        w2 = make_wheel(good, "Zope.Interface", "5.4.0",
                        fname="zope_interface-5.4-cp311-cp311-manylinux_2_17_x86_64.whl",
                        extra={"zope/a,b.py": b"# a comma in a name: quoted in RECORD\n"})
        w3 = make_wheel(good, "idna", "3.4", zip64=True)
        s1 = make_sdist_tgz(good, "urllib3", "1.26.12")
        s2 = make_sdist_zip(good, "six", "1.16.0")
        open(os.path.join(good, "README.txt"), "w").write("not an archive\n")
        open(os.path.join(good, "index.html"), "w").write("<html></html>\n")
        p, rep = scan_json(scan, "--wheelhouse", good)
        names = sorted((d["name"], d.get("version")) for d in rep["dependencies"])
        check(names == [("Zope.Interface", "5.4.0"), ("idna", "3.4"), ("requests", "2.31.0"),
                        ("six", "1.16.0"), ("urllib3", "1.26.12")], f"good deps: {names}")
        srcs = {d["name"]: d["source"] for d in rep["dependencies"]}
        check(srcs.get("requests", {}).get("file") == w1, f"source is the archive: {srcs}")
        check(all(d["source"]["kind"] == "archive" for d in rep["dependencies"]),
              f"dependency kind: {[d['source'] for d in rep['dependencies']]}")
        kinds = {d["name"]: d["source"]["source_kind"] for d in rep["dependencies"]}
        check(kinds == {"requests": "wheel", "Zope.Interface": "wheel", "idna": "wheel",
                        "urllib3": "sdist",
                        "six": "sdist"}, f"wheel/sdist source kinds: {kinds}")
        check(rep["warnings"] == [], f"good wheelhouse has no warning: {rep['warnings']}")
        check([i["kind"] for i in rep["inputs"]] == ["wheelhouse"], f"inputs {rep['inputs']}")
        note = rep["inputs"][0].get("note") or ""
        check("3 wheels, 2 sdists read" in note and "2 other files ignored" in note,
              f"the note counts what was read and ignored: {note}")
        run(*scan, "--wheelhouse", good, "--strict", "--fail-on", "critical")
        p = run(*scan, "--wheelhouse", good, "--strict", "--format", "json")
        check(p.returncode in (0, 1), f"--strict passes a good wheelhouse: {p.returncode} "
                                      f"{p.stderr[:500]}")
        # Found by a directory search too.
        p, rep = scan_json(scan, good)
        check([(i["kind"], i["path"]) for i in rep["inputs"]] == [("wheelhouse", good)],
              f"a directory of archives is a wheelhouse: {rep['inputs']}")

        # --- --hash against a requirement file -------------------------------
        sha = lambda f: hashlib.sha256(open(f, "rb").read()).hexdigest()
        req = os.path.join(tmp, "requirements.txt")
        open(req, "w").write(
            f"requests==2.31.0 --hash=sha256:{sha(w1)}\n"
            f"urllib3==1.26.12 --hash=sha256:{'0' * 64} \\\n    --hash=sha256:{'1' * 64}\n"
            f"six==1.16.0 --hash=sha256:{sha(s2).upper()}\n"
            f"idna==3.5 --hash=sha256:{'2' * 64}\n"
            f"certifi>=2020 --hash=sha256:{'3' * 64}\n"
            f"zope.interface==5.4.0\n"
            f"pywin32==306 ; sys_platform == 'win32' --hash=sha256:{'4' * 64}\n"
            f"colorama==0.4.6 ; sys_platform == 'win32'\n")
        p, rep = scan_json(scan, "--wheelhouse", good, "-r", req)
        ws = rep["warnings"]
        mism = [w for w in ws if w.get("file") == s1]
        check(len(mism) == 1 and sha(s1) in mism[0]["message"] and "urllib3==1.26.12" in
              mism[0]["message"] and f"{req}:2" in mism[0]["message"],
              f"a hash mismatch names the archive, its sha256 and the line: {ws}")
        check(not warnings_of(rep, w1) and not warnings_of(rep, s2),
              f"matching hashes (case-insensitive hex) pass: {ws}")
        absent = [w for w in ws if w.get("file") == req and w.get("line") == 5]
        check(len(absent) == 1 and "no archive" in absent[0]["message"],
              f"a hashed pin with no archive is a warning: {ws}")
        unpinned = [w for w in ws if w.get("file") == req and w.get("line") == 6]
        check(len(unpinned) == 1 and "pins no version" in unpinned[0]["message"],
              f"hashes without a pin: {ws}")
        nohash = [w for w in ws if w.get("file") == req and w.get("line") == 7]
        check(len(nohash) == 1 and "hash-checking mode" in nohash[0]["message"],
              f"a line without --hash among hashed ones: {ws}")
        check(len(ws) == 4, f"exactly four hash warnings (win32 lines pass on linux): {ws}")
        p, rep = scan_json(scan, "--wheelhouse", good, "-r", req, "--platform", "win32")
        win = sorted(w.get("line") for w in rep["warnings"] if w.get("file") == req)
        check(win == [5, 6, 7, 8, 9], f"for win32, the win32 lines are checked too: {win}")
        run(*scan, "--wheelhouse", good, "-r", req, "--strict", expect=2)
        # pip picks the archive by its file name: one whose METADATA gives
        # another version is still checked against the pinned line's hash.
        swap = os.path.join(tmp, "swap")
        os.makedirs(swap)
        sw = make_wheel(swap, "requests", "2.32.0", fname="requests-2.31.0-py3-none-any.whl")
        req2 = os.path.join(tmp, "swap.txt")
        open(req2, "w").write(f"requests==2.31.0 --hash=sha256:{sha(w1)}\n")
        p, rep = scan_json(scan, "--wheelhouse", swap, "-r", req2)
        m = warnings_of(rep, sw)
        check(any(sha(sw) in x and "not among the --hash values" in x for x in m),
              f"a swapped archive is checked by its file name: {rep['warnings']}")
        check(not warnings_of(rep, req2), f"the pin has its archive: {rep['warnings']}")
        # A hashed requirement file found beside the archives by a directory
        # search is checked too.
        found = os.path.join(tmp, "found")
        os.makedirs(found)
        fw = make_wheel(found, "idna", "3.4")
        open(os.path.join(found, "requirements.txt"), "w").write(
            f"idna==3.4 --hash=sha256:{'5' * 64}\n")
        p, rep = scan_json(scan, found)
        check(any("not among the --hash values" in x for x in warnings_of(rep, fw)),
              f"a found requirement file's hashes are checked: {rep['warnings']}")
        # A directory search reads no link out of the directory searched,
        # a wheelhouse's included; --wheelhouse follows it, as pip does.
        link = os.path.join(found, "requests-2.31.0-py3-none-any.whl")
        os.symlink(w1, link)
        p, rep = scan_json(scan, found)
        check(any("out of the directory searched" in x for x in warnings_of(rep, link)),
              f"a link out of the tree is a warning: {rep['warnings']}")
        check("requests" not in [d["name"] for d in rep["dependencies"]],
              f"and is not read: {rep['dependencies']}")
        p, rep = scan_json(scan, "--wheelhouse", found)
        check("requests" in [d["name"] for d in rep["dependencies"]],
              f"--wheelhouse follows it: {rep['dependencies']}")

        # --- broken wheels -----------------------------------------------------
        bad = os.path.join(tmp, "bad")
        os.makedirs(bad)
        cases = {}
        # Renamed: the file says another project, and another version.
        cases["renamed"] = make_wheel(bad, "flask", "2.0.0",
                                      fname="requests-2.31.0-py3-none-any.whl")
        cases["renamed-version"] = make_wheel(bad, "jinja2", "3.1.2",
                                              fname="Jinja2-3.1.3-py3-none-any.whl")
        # Tampered: a file changed after RECORD was written (hash and size).
        cases["tampered"] = make_wheel(bad, "tampered", "1.0",
                                       tamper={"tampered/__init__.py": b"import os  # evil\n"})
        # RECORD without a file's row; with a wrong hash; a wrong size; an extra
        # file RECORD does not list; a row for a file not in the wheel; no hash.
        cases["missing-row"] = make_wheel(bad, "missingrow", "1.0",
                                          drop_rows=("missingrow/__init__.py",))
        cases["bad-hash"] = make_wheel(bad, "badhash", "1.0", rows={
            "badhash/__init__.py": ("sha256=" + "A" * 43, "18")})
        cases["bad-size"] = make_wheel(bad, "badsize", "1.0", rows={
            "badsize/__init__.py": (record_hash(b"VERSION = '1.0'\n"), "999")})
        cases["extra-file"] = make_wheel(bad, "extrafile", "1.0",
                                         add={"extrafile/backdoor.py": b"import os\n"})
        cases["ghost-row"] = make_wheel(bad, "ghostrow", "1.0", rows={
            "ghostrow/ghost.py": (record_hash(b"x"), "1")})
        cases["no-hash"] = make_wheel(bad, "nohash", "1.0", rows={
            "nohash/__init__.py": ("", "")})
        cases["md5"] = make_wheel(bad, "md5hash", "1.0", rows={
            "md5hash/__init__.py": ("md5=abc", "18")})
        cases["not-a-wheel-name"] = make_wheel(bad, "oddname", "1.0", fname="oddname.whl")
        # An sdist whose PKG-INFO names another version.
        cases["sdist-version"] = make_sdist_tgz(bad, "idna", "3.4", fname="idna-3.5.tar.gz")
        # Zip bombs: a size lie, a declared size over the limit, a ratio no
        # deflate gives, an entry overlapping another, one pointing at
        # another's local header.
        lie = make_wheel(bad, "sizelie", "1.0",
                         extra={"sizelie/zeros.bin": b"\0" * 200000})
        patch_sizes(lie, "sizelie/zeros.bin", 1000)
        cases["size-lie"] = lie
        huge = make_wheel(bad, "huge", "1.0", extra={"huge/zeros.bin": b"\0" * 100000})
        patch_sizes(huge, "huge/zeros.bin", 0xF0000000)
        cases["over-limit"] = huge
        ratio = os.path.join(bad, "ratio-1.0-py3-none-any.whl")
        raw_zip(ratio, [deflated(b"ratio/x.bin", b"\0" * 4097, usize=400 * 1024 * 1024)])
        cases["ratio"] = ratio
        overlap = os.path.join(bad, "overlap-1.0-py3-none-any.whl")
        inner = stored(b"overlap/b.py", b"B" * 100)
        outer = stored(b"overlap/a.py", b"")
        # a's data covers b's local header and data (the quoted-overlap shape).
        b_local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 0, 0, 0, inner["crc"], 100,
                              100, len(inner["name"]), 0) + inner["name"] + inner["data"]
        outer = stored(b"overlap/a.py", b_local)
        a_len = 30 + len(outer["name"])
        inner["local_off"] = a_len
        inner["skip_local"] = True
        raw_zip(overlap, [outer, inner])
        cases["overlap"] = overlap
        same = os.path.join(bad, "samehdr-1.0-py3-none-any.whl")
        e1 = stored(b"samehdr/a.py", b"A" * 50)
        e2 = dict(stored(b"samehdr/b.py", b"A" * 50), local_off=0, skip_local=True)
        raw_zip(same, [e1, e2])
        cases["shared-header"] = same
        # Path tricks.
        for label, name in (("dotdot", b"../evil.py"), ("absolute", b"/etc/evil.py"),
                            ("backslash", b"pkg\\..\\evil.py"), ("nul", b"pkg/ev\0il.py")):
            f = os.path.join(bad, f"trick_{label}-1.0-py3-none-any.whl")
            raw_zip(f, [stored(name, b"x")])
            cases[label] = f
        # pip reads demo-1.0-rc1.tar.gz as demo 1.0rc1 (and runs its setup.py):
        # not an "other file". Its PKG-INFO says 1.0rc2.
        cases["sdist-rc"] = make_sdist_tgz(bad, "prerel", "1.0rc2", fname="prerel-1.0-rc1.tar.gz")
        # Another name for one file, as pip writes it (RECORD lists both).
        alias = make_wheel(bad, "alias", "1.0", extra={
            "./alias-1.0.dist-info/METADATA": pkg_info("alias", "0.1")})
        cases["dot-alias"] = alias
        dup = os.path.join(bad, "dupname-1.0-py3-none-any.whl")
        raw_zip(dup, [stored(b"dupname/a.py", b"1"), stored(b"dupname/a.py", b"2")])
        cases["duplicate"] = dup
        tgz_trick = make_sdist_tgz(bad, "tartrick", "1.0", members={
            "tartrick-1.0/PKG-INFO": pkg_info("tartrick", "1.0"),
            "tartrick-1.0/../../evil.py": b"x"})
        cases["tar-dotdot"] = tgz_trick
        # Archives pip (Python's zipfile) reads with a member we would not see.
        for how in ("eocd", "zip64", "upath"):
            cases["pip-" + how] = pip_differential(bad, how)
            names = zipfile.ZipFile(cases["pip-" + how]).namelist()
            check(how == "upath" or "evil.pth" in names, f"zipfile reads the {how} trick: {names}")
        not_zip = os.path.join(bad, "garbage-1.0-py3-none-any.whl")
        open(not_zip, "wb").write(b"this is not a zip archive at all" * 10)
        cases["garbage"] = not_zip
        open(os.path.join(bad, "legacy-1.0.tar.bz2"), "wb").write(b"BZh")
        open(os.path.join(bad, "lzip-1.0.tar.lz"), "wb").write(b"LZIP")

        expect = {
            "renamed": "says project 'requests'",
            "renamed-version": "says version '3.1.3'",
            "tampered": "differs from RECORD",
            "missing-row": "not in RECORD",
            "bad-hash": "sha256",
            "bad-size": "size",
            "extra-file": "'extrafile/backdoor.py' is in the archive but not in RECORD",
            "ghost-row": "not in the archive",
            "no-hash": "no hash",
            "md5": "not sha256",
            "not-a-wheel-name": "not a wheel file name",
            "sdist-version": "says version '3.5'",
            "size-lie": "more than",
            "over-limit": "compression ratio",  # 3.75 GB declared from 100 KB
            "ratio": "compression ratio",
            "overlap": "overlaps",
            "shared-header": "overlaps",
            "dotdot": "'..'",
            "absolute": "absolute",
            "backslash": "backslash",
            "nul": "NUL",
            "duplicate": "twice",
            "dot-alias": "twice",
            "sdist-rc": "says version '1.0-rc1'",
            "tar-dotdot": "'..'",
            "garbage": "not a zip archive",
            "pip-eocd": "second end of central directory record",
            "pip-zip64": "'evil.pth' is in the archive but not in RECORD",
            "pip-upath": "Unicode Path extra field names another file",
        }
        p, rep = scan_json(scan, "--wheelhouse", bad)
        for label, needle in expect.items():
            msgs = warnings_of(rep, cases[label])
            check(any(needle in m for m in msgs),
                  f"{label}: a warning naming {os.path.basename(cases[label])} with "
                  f"'{needle}': {msgs}")
        check(any("legacy-1.0.tar.bz2" in (w.get("file") or "") and "does not read" in
                  w["message"] for w in rep["warnings"]), "an unread sdist format is a warning")
        check(any("lzip-1.0.tar.lz" in (w.get("file") or "") and "does not read" in
                  w["message"] for w in rep["warnings"]), "so is .tar.lz, which pip reads")
        r = warnings_of(rep, cases["renamed"])
        check(any("flask-2.0.0.dist-info" in m and "'requests'" in m for m in r),
              f"renamed: the .dist-info directory names another project: {r}")
        # The tampered wheel names the file and both hashes.
        t = " ".join(warnings_of(rep, cases["tampered"]))
        check("tampered/__init__.py" in t and "size" in t, f"tampered: {t}")
        # A rejected archive is a skipped dependency named by its file name.
        dd = {d["source"].get("file"): d for d in rep["dependencies"]}
        ov = dd.get(cases["overlap"], {})
        check(ov.get("name") == "overlap" and ov.get("skip_reason"),
              f"a rejected archive is a skipped dependency: {ov}")
        # The renamed wheel is reported under the name its METADATA gives.
        check(dd.get(cases["renamed"], {}).get("name") == "flask",
              f"renamed wheel reported by METADATA: {dd.get(cases['renamed'])}")
        check(len(rep["dependencies"]) == len(cases),  # the rejected ones named by file name
              f"one dependency per archive: {len(rep['dependencies'])}")

        # Every failure in every format, and --strict exits 2.
        for fmt in ("table", "sarif", "cyclonedx", "markdown", "html"):
            out = run(*scan, "--wheelhouse", bad, "--format", fmt).stdout
            if fmt == "markdown":  # Markdown escapes _ and quotes
                out = out.replace("\\", "")
            for label in ("tampered", "renamed", "overlap", "dotdot", "extra-file"):
                base = os.path.basename(cases[label])
                check(base in out, f"{fmt}: the {label} archive {base} is in the report")
            check("is in the archive but not in RECORD" in out, f"{fmt}: the failure's text")
        p = run(*scan, "--wheelhouse", bad, "--strict", expect=2)
        check("--strict" in p.stderr, f"--strict says why: {p.stderr[-300:]}")
        for label in ("tampered", "overlap"):
            solo = os.path.join(tmp, "solo-" + label)
            os.makedirs(solo)
            os.link(cases[label], os.path.join(solo, os.path.basename(cases[label])))
            run(*scan, "--wheelhouse", solo, "--strict", expect=2)

        # Repeatable; a missing directory is an error naming it.
        p, rep = scan_json(scan, "--wheelhouse", good, "--wheelhouse", bad)
        check([i["path"] for i in rep["inputs"]] == [good, bad], f"repeatable: {rep['inputs']}")
        missing = os.path.join(tmp, "nowhere")
        p = run(*scan, "--wheelhouse", missing, expect=2)
        check(missing in p.stderr, f"missing wheelhouse: {p.stderr}")

    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
