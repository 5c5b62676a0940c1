#!/bin/sh
# The demo: build Airlock, build and sign a vulnerability snapshot from the
# advisories in examples/ with a key made for the demo, import it into a
# temporary database, then scan examples/requirements.txt, the project in
# examples/project and the local Python environment. Nothing outside a temporary directory is changed.
set -eu
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
echo "== building (release, gcc)"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build/release -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
AIRLOCK=$PWD/build/release/airlock
DBBUILD=$PWD/build/release/airlock-dbbuild
"$AIRLOCK" --version

work=$(mktemp -d "${TMPDIR:-/tmp}/airlock-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
chmod 700 "$work"

echo
echo "== 1. on the connected machine: a demo signing key and a signed snapshot"
"$DBBUILD" keygen -W -p "$work/demo.pub" -s "$work/demo.key"
"$DBBUILD" build -s "$work/demo.key" -o "$work/demo.snapshot" examples/advisories
ls -l "$work/demo.snapshot" "$work/demo.snapshot.minisig"

echo
echo "== 2. on the offline machine: verify and install it, trusting the demo key"
"$AIRLOCK" --db-dir "$work/db" db import "$work/demo.snapshot" --trusted-key "$work/demo.pub"
"$AIRLOCK" --db-dir "$work/db" db status

status=0
echo
echo "== 3. airlock scan --no-python -r examples/requirements.txt"
"$AIRLOCK" --db-dir "$work/db" scan --no-python -r examples/requirements.txt || status=$?
echo "(exit status $status: 1 means vulnerabilities were found)"

echo
echo "== 4. airlock scan examples/project (a pyproject.toml and the uv.lock beside it)"
status=0
"$AIRLOCK" --db-dir "$work/db" scan examples/project || status=$?
echo "(exit status $status)"

# The local environment: what `python3` means to the user (a pyenv or asdf
# shim is run as the user runs it; the report names the real interpreter).
echo
if command -v python3 >/dev/null 2>&1; then
    echo "== 5. airlock scan (no input: the environment of python3 on PATH)"
    status=0
    "$AIRLOCK" --db-dir "$work/db" scan || status=$?
    echo "(exit status $status)"
else
    echo "== 5. no python3 on PATH: skipping the scan of the local environment"
fi

echo
echo "== 6. the same requirements as JSON (first lines)"
"$AIRLOCK" --db-dir "$work/db" scan --no-python -r examples/requirements.txt \
    --format json -o "$work/report.json" || true
head -n 40 "$work/report.json"
