#!/bin/sh
# Install the Debian 12 packages that building, testing and the oracles need,
# but only those that are missing, and say which.
set -eu

PACKAGES="build-essential cmake pkg-config clang libclang-rt-14-dev
liblmdb-dev libzstd-dev libsodium-dev libcjson-dev zlib1g-dev libarchive-dev libyaml-dev
libcmocka-dev python3 python3-packaging python3-jsonschema python3-pip python3-venv
minisign zstd lmdb-utils
debhelper lintian mmdebstrap bash-completion gdb"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "bootstrap: all build and test packages are installed"
    exit 0
fi

echo "bootstrap: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: not root; run as root or install these packages yourself:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "bootstrap: done"
