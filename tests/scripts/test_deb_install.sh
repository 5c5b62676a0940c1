#!/bin/sh
# The Debian packages on a brand-new Debian 12: build them with
# packaging/build-deb.sh (lintian must report no error), check that the
# scanner's package does not depend on libarchive or libyaml, then in a
# minbase chroot made by mmdebstrap:
#   - `apt-get install ./airlock_*.deb` alone pulls neither of them;
#   - `apt-get install ./airlock_*.deb ./airlock-dbbuild_*.deb` pulls every
#     run-time dependency from Debian's archive;
#   - /etc/airlock/trusted-keys/ and /var/lib/airlock/ are there, root's and
#     not writable by group or others;
#   - the installed programs make a key, build a snapshot from
#     examples/advisories, import it with the key in
#     /etc/airlock/trusted-keys/ (no --trusted-key), verify it and scan
#     examples/requirements.txt, finding what the examples hold, as root
#     and as nobody;
#   - `apt-get remove` keeps the keys and the imported snapshot,
#     `apt-get purge --autoremove` leaves no file that was not there before.
# Needs root, mmdebstrap, the build dependencies and Debian's archive;
# skipped with a message (exit 77) otherwise. Takes about 1.5 minutes
# (measured in docs/development.md).
set -u
src=${AIRLOCK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${AIRLOCK_BUILD_DIR:-$src/build}
skip() { echo "skip: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

# The packages are built from the sources, whatever this build is: testing
# them once (in the release build) is enough.
grep -q '^AIRLOCK_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null &&
    skip "the packages are tested in the non-sanitizer build"
[ "$(id -u)" -eq 0 ] || skip "not root (mmdebstrap and chroot need it)"
for tool in mmdebstrap dpkg-buildpackage dh lintian; do
    command -v "$tool" >/dev/null 2>&1 ||
        skip "$tool is missing (apt-get install mmdebstrap debhelper dpkg-dev lintian)"
done
(cd "$src" && dpkg-checkbuilddeps packaging/debian/control) >/dev/null 2>&1 ||
    skip "build dependencies missing: $(cd "$src" && dpkg-checkbuilddeps packaging/debian/control 2>&1)"
mirror=http://deb.debian.org/debian
/usr/bin/python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=15)" \
    "$mirror/dists/bookworm/InRelease" >/dev/null 2>&1 || skip "Debian's archive ($mirror) is not reachable"

work=$(mktemp -d "$build/deb-install-test.XXXXXX")
# (mmdebstrap's own directory is elsewhere: nothing mounted is ever under $work.)
trap 'rm -rf --one-file-system "$work"' EXIT INT TERM
start=$(date +%s)

echo "== build the packages"
"$src/packaging/build-deb.sh" "$work/debs" >"$work/build.log" 2>&1 ||
    { tail -n 40 "$work/build.log"; fail "packaging/build-deb.sh (log above)"; }
grep -E '^[EW]: ' "$work/build.log"   # lintian's findings, for the log
echo "built in $(($(date +%s) - start)) s"

passed=0
deb=$(ls "$work"/debs/airlock_*.deb) || fail "no airlock .deb"
ls "$work"/debs/airlock-dbbuild_*.deb >/dev/null || fail "no airlock-dbbuild .deb"
ls "$work"/debs/airlock-dbgsym_*.deb >/dev/null || fail "no -dbgsym package"
depends=$(dpkg-deb -f "$deb" Depends)
echo "airlock Depends: $depends"
echo "$depends" | grep -Eq 'libarchive|libyaml' && fail "airlock depends on libarchive or libyaml"
echo "$depends" | grep -q liblmdb0 || fail "airlock's Depends lack liblmdb0: is \${shlibs:Depends} filled?"
passed=$((passed + 1))

mkdir -p "$work/in"
cp "$work"/debs/airlock_*.deb "$work"/debs/airlock-dbbuild_*.deb "$work/in/"
cp -R "$src/examples/advisories" "$src/examples/requirements.txt" "$work/in/"
cat >"$work/in/inside.sh" <<'INSIDE'
#!/bin/sh
# Runs in the fresh chroot; every failed check prints FAIL and exits 1.
set -u
export DEBIAN_FRONTEND=noninteractive
t=/tmp/airlock-test
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
# Everything on the system but apt's and dpkg's own records and /tmp.
files() {
    find / -xdev 2>/dev/null | grep -Ev '^/(tmp|var/lib/dpkg|var/lib/apt|var/cache|var/log)(/|$)' | sort
}
files >$t/before

apt-get install -y -q --no-install-recommends $t/airlock_*.deb >$t/apt1.log 2>&1 ||
    { cat $t/apt1.log; fail "apt-get install ./airlock_*.deb"; }
installed libarchive13 && fail "installing airlock pulled libarchive13"
installed libyaml-0-2 && fail "installing airlock pulled libyaml-0-2"
ok "airlock alone installs without libarchive or libyaml"

apt-get install -y -q --no-install-recommends $t/airlock_*.deb $t/airlock-dbbuild_*.deb \
    >$t/apt2.log 2>&1 || { cat $t/apt2.log; fail "apt-get install ./airlock_*.deb ./airlock-dbbuild_*.deb"; }
for p in libarchive13 libyaml-0-2 liblmdb0 libzstd1 libsodium23 libcjson1; do
    installed $p || fail "$p was not pulled in"
done
ok "both packages install with their dependencies from the archive"

for d in /etc/airlock/trusted-keys /var/lib/airlock; do
    [ "$(stat -c '%U %G %a' $d)" = "root root 755" ] || fail "$d is $(stat -c '%U %G %a' $d)"
done
[ -f /usr/share/bash-completion/completions/airlock ] || fail "no completion for airlock"
[ -f /usr/share/bash-completion/completions/airlock-dbbuild ] || fail "no completion for airlock-dbbuild"
[ -f /usr/share/man/man1/airlock.1.gz ] || fail "no airlock(1)"
[ -f /usr/share/man/man1/airlock-dbbuild.1.gz ] || fail "no airlock-dbbuild(1)"
[ -f /usr/share/doc/airlock/copyright ] || fail "no copyright file"
ok "directories, completions, man pages and copyright are in place"

cd $t || fail "cd $t"
airlock-dbbuild keygen -W -p ci.pub -s ci.key >/dev/null || fail "airlock-dbbuild keygen"
airlock-dbbuild build -s ci.key -o pypi.snapshot advisories >build.log 2>&1 ||
    { cat build.log; fail "airlock-dbbuild build"; }
install -m 0644 ci.pub /etc/airlock/trusted-keys/ci.pub
airlock db import pypi.snapshot || fail "airlock db import (key from /etc/airlock/trusted-keys)"
[ -e /var/lib/airlock/current ] || fail "the import did not go to /var/lib/airlock: $(ls -la /var/lib/airlock)"
airlock db verify >/dev/null || fail "airlock db verify"
status=0
airlock scan --no-python -r requirements.txt --format json -o report.json || status=$?
[ $status -eq 1 ] || fail "airlock scan exited $status, not 1 (vulnerabilities found)"
grep -q '"AIRLOCK-DEMO-1"' report.json || fail "the scan did not report AIRLOCK-DEMO-1 (Pillow 10.2.0)"
# A user other than root scans the database root imported (their default is
# their own; AIRLOCK_DB_DIR points them at the system's).
status=0
setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent \
    AIRLOCK_DB_DIR=/var/lib/airlock airlock scan --no-python -r requirements.txt \
    --format json >user-report.json || status=$?
[ $status -eq 1 ] || fail "airlock scan as nobody exited $status, not 1"
grep -q '"AIRLOCK-DEMO-1"' user-report.json || fail "the scan as nobody did not report AIRLOCK-DEMO-1"
ok "build, import, verify and scan (as root and as nobody) work from the packages"

apt-get remove -y -q airlock airlock-dbbuild >$t/apt3.log 2>&1 || { cat $t/apt3.log; fail "apt-get remove"; }
[ -f /etc/airlock/trusted-keys/ci.pub ] || fail "apt-get remove deleted a trusted key"
[ -e /var/lib/airlock/current ] || fail "apt-get remove deleted the imported snapshot"
[ -x /usr/bin/airlock ] && fail "apt-get remove left /usr/bin/airlock"
ok "remove keeps the keys and the database"

apt-get purge -y -q --autoremove airlock airlock-dbbuild >$t/apt4.log 2>&1 ||
    { cat $t/apt4.log; fail "apt-get purge"; }
files >$t/after
if ! cmp -s $t/before $t/after; then
    diff $t/before $t/after
    fail "purge left or removed the files above"
fi
ok "purge --autoremove leaves the system as it was"
INSIDE

# The null format: mmdebstrap makes the chroot in a directory of its own,
# runs the hooks with /proc and /dev mounted, and removes it all after.
echo "== a minbase Debian 12 chroot (mmdebstrap), install, use, purge"
mm_start=$(date +%s)
mmdebstrap --variant=minbase --mode=root \
    --customize-hook='mkdir "$1/tmp/airlock-test"' \
    --customize-hook="copy-in $work/in/. /tmp/airlock-test" \
    --customize-hook='chroot "$1" sh /tmp/airlock-test/inside.sh' \
    bookworm /dev/null "$mirror" >"$work/mm.log" 2>&1
rc=$?
grep -E '^(ok|FAIL):' "$work/mm.log"
if [ $rc -ne 0 ]; then
    grep -q '^FAIL:' "$work/mm.log" || tail -n 40 "$work/mm.log"
    fail "the chroot test (mmdebstrap exit $rc)"
fi
checks=$(grep -c '^ok:' "$work/mm.log")
[ "$checks" -eq 6 ] || fail "$checks of 6 checks in the chroot ran"
passed=$((passed + checks))
echo "chroot in $(($(date +%s) - mm_start)) s, all in $(($(date +%s) - start)) s"
echo "$passed passed, 0 failed"
