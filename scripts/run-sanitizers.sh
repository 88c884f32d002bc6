#!/usr/bin/env bash
# Under AddressSanitizer + UndefinedBehaviorSanitizer, the tests of what must see them: the
# parsers (data, io, experiment files), the pool and channel, the journal, the kill paths and
# the engine (train); under ThreadSanitizer, the parallel tests. The layers' gradient checks,
# reports and the rest run in the main build. Usage: scripts/run-sanitizers.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
jobs=$(nproc)
cmake -S "$root" -B "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DPARTRAIN_SANITIZE=address,undefined -DPARTRAIN_ENABLE_CUDA=OFF -DPARTRAIN_ENABLE_MPI=OFF \
  "-DPARTRAIN_TEST_MODULES=core;data;io;parallel;experiment;train" \
  -DPARTRAIN_BUILD_BENCHMARKS=OFF -DPARTRAIN_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$root/build-asan" -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$root/build-asan" -j"$jobs" --output-on-failure -LE "compile_fail|consumer|fuzz|compiled"
if [ -d "$root/tests/parallel" ]; then
  cmake -S "$root" -B "$root/build-tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARTRAIN_SANITIZE=thread -DPARTRAIN_ENABLE_CUDA=OFF \
    -DPARTRAIN_TEST_MODULES=parallel -DPARTRAIN_BUILD_BENCHMARKS=OFF -DPARTRAIN_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build "$root/build-tsan" -j"$jobs"
  TSAN_OPTIONS=halt_on_error=1 ctest --test-dir "$root/build-tsan" -j"$jobs" --output-on-failure -L parallel
fi
