#!/bin/sh
# Build and run every test twice: an optimised build, then an
# AddressSanitizer + UndefinedBehaviorSanitizer build (clang) that also runs
# each libFuzzer target briefly. Exits non-zero if anything fails.
set -u
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh || exit 1

JOBS=$(nproc 2>/dev/null || echo 2)
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0

echo "== release build (gcc -O2) =="
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc >/dev/null &&
    cmake --build build/release -j "$JOBS" || exit 1
(cd build/release && ctest -j "$JOBS" --output-on-failure) || status=1

echo "== sanitizer build (clang, ASan+UBSan, libFuzzer targets) =="
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
      -DAIRLOCK_SANITIZE=ON -DAIRLOCK_FUZZ=ON >/dev/null &&
    cmake --build build/asan -j "$JOBS" || exit 1
(cd build/asan && ctest -j "$JOBS" --output-on-failure) || status=1

exit $status
