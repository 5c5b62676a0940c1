#!/bin/sh
# The scanner must stay free of the build tool's dependencies: `airlock`
# runs on the offline machines and links neither libarchive nor libyaml.
set -u
linked=$(ldd "$AIRLOCK_BIN") || { echo "FAIL: ldd $AIRLOCK_BIN"; exit 1; }
if echo "$linked" | grep -E 'libarchive|libyaml'; then
    echo "FAIL: airlock links a build-only library (above)"
    echo "0 passed, 1 failed"
    exit 1
fi
# And the check can fail: the build tool does link them.
ldd "$AIRLOCK_DBBUILD_BIN" | grep -q libarchive || { echo "FAIL: check is blind"; exit 1; }
echo "1 passed, 0 failed"
