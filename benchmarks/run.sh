#!/usr/bin/env bash
# The one-command CPU benchmark: builds partrain's benchmark programs and the dlib peer in
# Release, installs missing peers (Debian packages) or reports them, then runs partrain, PyTorch
# and dlib in one run (benchmarks/harness/harness.py) and appends the table to benchmarks/RESULTS.md.
# Usage: benchmarks/run.sh [--epochs 2] [--sweep-epochs 1] [--rounds 2] [--no-append]
#        (PARTRAIN_BENCH_BUILD=<dir> to build elsewhere; default build-bench-release)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${PARTRAIN_BENCH_BUILD:-$root/build-bench-release}
where="[partrain::bench::run.sh]"

# Peers and build tools: install what is missing when we may (root or sudo), else report it.
need=(cmake g++ make util-linux libopenblas-dev nlohmann-json3-dev zlib1g-dev libstb-dev
      python3 python3-numpy python3-pil python3-torch libdlib-dev)
absent=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || absent+=("$p")
done
if ((${#absent[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo -n"
  echo "$where installing ${absent[*]}"
  if ! { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${absent[@]}" >/dev/null; }; then
    echo "$where could not install ${absent[*]} (need root or password-less sudo); missing peers are reported, not run" >&2
  fi
fi
missing=()
/usr/bin/python3 -c "import torch, numpy, PIL" 2>/dev/null || missing+=(pytorch)
dpkg-query -W -f='${Status}' libdlib-dev 2>/dev/null | grep -q "install ok installed" || missing+=(dlib)
((${#missing[@]})) && echo "$where MISSING peers (reported in the table, not run): ${missing[*]}" >&2

# Release build of just the programs the harness runs (tests off; CUDA off: a CPU benchmark).
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DPARTRAIN_BUILD_TESTS=OFF -DPARTRAIN_BUILD_EXAMPLES=ON -DPARTRAIN_BUILD_BENCHMARKS=ON \
  -DPARTRAIN_ENABLE_CUDA=OFF >/dev/null
targets=(partrain_bench_training bench_seed_cnn_layers bench_seed_cnn_step partrain_bench_fma_peak
         partrain_bench_data_throughput generate_digits train_in_parallel partrain_compiled bench_resnet)
[[ " ${missing[*]-} " == *" dlib "* ]] || targets+=(partrain_peer_dlib_seed_cnn)
echo "$where building ${targets[*]} in $build (Release)"
cmake --build "$build" --target "${targets[@]}" -j"$(nproc)"

missing_csv=$(IFS=,; echo "${missing[*]-}")
exec /usr/bin/python3 "$root/benchmarks/harness/harness.py" --build "$build" --root "$root" \
  --missing "$missing_csv" "$@"
