#!/bin/sh
# fuzz.sh [SECONDS [NAME...]] - run every libFuzzer target in tests/fuzz/
# (or the named ones: `fuzz.sh 600 marker requirement_line`) for SECONDS
# each (default 600), longer than CI's few seconds, and keep what it learns.
#
# Builds the targets first if needed (clang, ASan + UBSan, in build/fuzz or
# $AIRLOCK_FUZZ_BUILD). Each target starts from a copy of its committed
# corpus, tests/fuzz/corpus/NAME/; afterwards the inputs it found that raise
# coverage are merged back into that directory (libFuzzer -merge=1), so the
# committed corpus grows only by useful inputs. Commit them.
#
# Stops at the first crash, leak, timeout or out-of-memory with status 1,
# naming the target and the input that did it (kept under
# BUILD/fuzz-artifacts/NAME/); add that input to the corpus with its fix.
# Status 2: the build failed, or a target has no seeds in its corpus directory.
set -eu

seconds=${1:-600}
case $seconds in
'' | *[!0-9]*) echo "usage: $0 [SECONDS [NAME...]]" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")/.." && pwd)
build=${AIRLOCK_FUZZ_BUILD:-$root/build/fuzz}

if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
        -DAIRLOCK_SANITIZE=ON -DAIRLOCK_FUZZ=ON -DAIRLOCK_TESTS=ON >/dev/null
fi
targets=
if [ $# -gt 0 ]; then
    for corpus in "$@"; do
        if [ ! -f "$root/tests/fuzz/fuzz_$corpus.c" ]; then
            echo "fuzz.sh: no target tests/fuzz/fuzz_$corpus.c" >&2
            exit 2
        fi
        targets="$targets fuzz_$corpus"
    done
else
    for src in "$root"/tests/fuzz/fuzz_*.c; do
        targets="$targets $(basename "$src" .c)"
    done
fi
mkdir -p "$build"
# shellcheck disable=SC2086 # one word per target
if ! cmake --build "$build" -j2 --target $targets >"$build/fuzz-build.log" 2>&1; then
    tail -n 30 "$build/fuzz-build.log" >&2
    echo "fuzz.sh: building the fuzz targets failed (see $build/fuzz-build.log)" >&2
    exit 2
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
work=$(mktemp -d "${TMPDIR:-/tmp}/airlock-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

for name in $targets; do
    corpus=${name#fuzz_}
    seeds=$root/tests/fuzz/corpus/$corpus
    if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
        echo "fuzz.sh: $name has no seeds in $seeds" >&2
        exit 2
    fi
    bin=$(find "$build" -type f -name "$name" -perm -u+x | head -n 1)
    if [ -z "$bin" ]; then
        echo "fuzz.sh: $name was not built in $build" >&2
        exit 2
    fi
    artifacts=$build/fuzz-artifacts/$corpus
    mkdir -p "$artifacts" "$work/$corpus"
    cp -R "$seeds/." "$work/$corpus/"
    before=$(find "$seeds" -type f | wc -l)
    log=$artifacts/last-run.log
    echo "fuzz.sh: $name for ${seconds}s from $before inputs"
    if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$work/$corpus" >"$log" 2>&1; then
        input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        grep -m 1 -A 12 'ERROR' "$log" >&2 || tail -n 20 "$log" >&2
        echo "fuzz.sh: $name failed; input: ${input:-unknown (see $log)}" >&2
        exit 1
    fi
    sed -n 's/^stat::number_of_executed_units: */  runs: /p' "$log"
    # Keep only what adds coverage to the committed corpus.
    if ! "$bin" -merge=1 -timeout=10 -rss_limit_mb=2048 "$seeds" "$work/$corpus" \
        >"$artifacts/merge.log" 2>&1; then
        tail -n 20 "$artifacts/merge.log" >&2
        echo "fuzz.sh: merging $name's corpus failed (see $artifacts/merge.log)" >&2
        exit 1
    fi
    after=$(find "$seeds" -type f | wc -l)
    echo "  corpus: $before -> $after inputs in tests/fuzz/corpus/$corpus"
done
