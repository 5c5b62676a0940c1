#!/bin/sh
# The package build's check (dh_auto_test; DEB_BUILD_OPTIONS=nocheck skips
# it): the programs as built with Debian's flags (hardening, fortify) make
# a key, build a snapshot from examples/advisories, import it into a
# temporary database and scan examples/requirements.txt, which must find
# the demo's Pillow advisory. The full suite runs in CI (docs/development.md).
#   debian/smoke-test.sh BUILDDIR
set -eu
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
"$bin/airlock" --version
"$bin/airlock-dbbuild" keygen -W -p "$work/k.pub" -s "$work/k.key" >/dev/null
"$bin/airlock-dbbuild" build -s "$work/k.key" -o "$work/s.snapshot" examples/advisories 2>/dev/null
"$bin/airlock" --db-dir "$work/db" db import "$work/s.snapshot" --trusted-key "$work/k.pub"
status=0
"$bin/airlock" --db-dir "$work/db" scan --no-python -r examples/requirements.txt \
    --format json -o "$work/report.json" || status=$?
[ "$status" -eq 1 ] || { echo "smoke-test: scan exited $status, not 1" >&2; exit 1; }
grep -q '"AIRLOCK-DEMO-1"' "$work/report.json" ||
    { echo "smoke-test: the scan missed AIRLOCK-DEMO-1" >&2; exit 1; }
echo "smoke-test: key, build, import and scan work"
