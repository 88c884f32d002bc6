#!/usr/bin/env bash
# A random search (examples/search.cpp): installs dependencies, builds it in Release and runs
# 24 trials on the generated digit set (made on first run), journaled in out/search. Run it
# again after a kill or Ctrl-C and it continues. Extra arguments go to the program, e.g.
# scripts/run-search.sh --trials 48 --epochs 4 --folder out/search-48.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DPARTRAIN_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build-release" --target search -j"$(nproc)"
mkdir -p "$root/out"
"$root/build-release/examples/search" --data "$root/out/DigitDataset" --folder "$root/out/search" "$@"
