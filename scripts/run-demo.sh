#!/usr/bin/env bash
# The main job: installs dependencies, builds the parallel-training demo in Release and runs
# it on the generated digit set (made on first run). Extra arguments go to the demo, e.g.
# scripts/run-demo.sh --epochs 4 --workers 2. Results land in out/experiment-*/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DPARTRAIN_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build-release" --target train_in_parallel -j"$(nproc)"
mkdir -p "$root/out"
"$root/build-release/examples/train_in_parallel" --data "$root/out/DigitDataset" --output "$root/out" "$@"
