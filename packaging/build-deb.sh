#!/bin/sh
# Build two Debian packages from this tree: `airlock` (the scanner, for the
# offline machines) and `airlock-dbbuild` (the build tool, for the connected
# one). The scanner's package does not depend on libarchive or libyaml.
#
#   packaging/build-deb.sh [OUTDIR]      (default OUTDIR: build/deb)
set -eu
cd "$(dirname "$0")/.."
out=${1:-build/deb}
version=$(sed -n 's/^project(airlock VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
arch=$(dpkg --print-architecture)

cmake -S . -B build/package -DCMAKE_BUILD_TYPE=Release -DAIRLOCK_TESTS=OFF \
      -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build build/package -j "$(nproc)" >/dev/null

make_package() {
    name=$1 depends=$2 description=$3
    root=build/package/root-$name
    rm -rf "$root"
    mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/man/man1" \
             "$root/usr/share/doc/$name"
    install -m 0755 "build/package/$name" "$root/usr/bin/$name"
    gzip -9n < "docs/$name.1" > "$root/usr/share/man/man1/$name.1.gz"
    install -m 0644 README.md "$root/usr/share/doc/$name/README.md"
    cat > "$root/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: $arch
Maintainer: Airlock developers <airlock@localhost>
Depends: $depends
Section: admin
Priority: optional
Description: $description
CONTROL
    mkdir -p "$out"
    dpkg-deb --root-owner-group --build "$root" "$out/${name}_${version}_${arch}.deb"
}

common="liblmdb0, libzstd1, libsodium23, libcjson1"
make_package airlock "$common" \
    "offline vulnerability scanner for Python environments
 Verifies a signed vulnerability database snapshot and scans site-packages,
 virtualenvs and requirement files against it, without network access."
make_package airlock-dbbuild "$common, libarchive13, libyaml-0-2" \
    "build signed vulnerability database snapshots for airlock
 Compiles OSV advisory dumps into a signed, zstd-compressed LMDB snapshot."
