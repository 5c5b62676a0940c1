#!/bin/sh
# Build the Debian packages `airlock` (the scanner, for the offline machines)
# and `airlock-dbbuild` (the build tool, for the connected one), with their
# -dbgsym packages, the Debian way: packaging/debian is copied into a copy
# of this tree and dpkg-buildpackage builds it (debhelper, CMake). Then
# lintian checks the result; an error from it fails the build.
#
#   packaging/build-deb.sh [OUTDIR]      (default OUTDIR: build/deb)
#
# Missing build dependencies are installed with apt-get when run as root;
# otherwise the script names them and stops. DEB_BUILD_OPTIONS is passed on
# (nocheck skips the programs' start check; see packaging/debian/rules).
# The checkout is not touched: the build happens in OUTDIR/src.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
out=${1:-build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# What the build needs: the tools, and the Build-Depends of the control file
# (versions dropped; debhelper-compat is debhelper's).
build_deps=$(sed -n '/^Build-Depends:/,/^[A-Z][A-Za-z-]*:/p' packaging/debian/control |
    sed -e 's/^Build-Depends://' -e '/^[A-Z][A-Za-z-]*:/d' -e 's/([^)]*)//g' |
    tr ',' '\n' | sed -e 's/[[:space:]]//g' -e 's/^debhelper-compat$/debhelper/' | grep -v '^$')
needed="build-essential dpkg-dev debhelper lintian $build_deps"
missing=""
for p in $needed; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "build-deb: missing packages:$missing" >&2
        echo "build-deb: as root: apt-get install --no-install-recommends$missing" >&2
        exit 1
    fi
    echo "build-deb: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

version=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
src="$out/src/airlock-$version"
rm -rf "$out/src"
mkdir -p "$src"

# The files of the tree: what git tracks (and new files not ignored) in a
# checkout, else everything but build output.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard |
        xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
        xargs -0 cp --parents -P -t "$src"
else
    tar -C "$top" --exclude=./build --exclude=./debian -cf - . | tar -C "$src" -xf -
fi
rm -rf "$src/debian"
cp -R packaging/debian "$src/debian"

# dh builds serially unless DEB_BUILD_OPTIONS says parallel=N.
case " ${DEB_BUILD_OPTIONS:-} " in
    *" parallel="*) ;;
    *) DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=$(nproc)" ;;
esac
export DEB_BUILD_OPTIONS
(cd "$src" && dpkg-buildpackage -b -us -uc)

arch=$(dpkg --print-architecture)
changes="$out/src/airlock_${version}_${arch}.changes"
# The .changes lists every file it made; move them all next to it in OUTDIR.
for f in $(sed -n '/^Files:/,/^[A-Z]/s/^ [0-9a-f]\{32\} [0-9]* [^ ]* [^ ]* //p' "$changes"); do
    mv "$out/src/$f" "$out/"
done
mv "$changes" "$out/"
rm -rf "$out/src"

echo "build-deb: lintian"
lintian --fail-on error --info "$out/airlock_${version}_${arch}.changes"
echo "build-deb: packages in $out:"
ls -1 "$out"/*.deb
