#!/usr/bin/env bash
# The device check of the CUDA backend (issue 7). On a machine with an NVIDIA GPU: builds for
# that GPU, runs the CUDA tests, the GPU benchmarks (1, 2, 4, 8, 16 seed CNNs on one GPU through
# train_network and as a bare step, CUDA graphs on and off), the PyTorch peer and the demo with
# 4 networks per GPU, then prints a table. Without a GPU (or with --build-only) it only builds.
# Logs (8 files) go to $OUT (default build-device/logs). Budget: < 8 min.
# A machine without doctest or stb headers builds with the Debian packages that
# benchmarks/device/fetch-deps.sh downloads into .devdeps/ (run it where apt works, then send
# .devdeps along). On the H200 of 2026-11-27 the whole check took 285 s (173 s of it the build).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-$ROOT/build-device}
LOGS=${OUT:-$BUILD/logs}
ITER=${ITER:-200}
BUILD_ONLY=0
[[ "${1:-}" == "--build-only" ]] && BUILD_ONLY=1
mkdir -p "$LOGS"
SECONDS=0
log() { echo "[check.sh] $*" | tee -a "$LOGS/check.log"; }

NVCC=$(command -v nvcc || true)
[[ -z "$NVCC" && -x /usr/local/cuda/bin/nvcc ]] && NVCC=/usr/local/cuda/bin/nvcc
[[ -n "$NVCC" ]] || { log "no nvcc on PATH or in /usr/local/cuda/bin; expected the CUDA toolkit"; exit 1; }

CUDA_HOME=$(dirname "$(dirname "$NVCC")")
log "nvcc: $("$NVCC" --version | tail -1); $(cmake --version | head -1); cuBLAS header:" \
  "$(ls "$CUDA_HOME"/include/cublas_v2.h "$CUDA_HOME"/targets/*/include/cublas_v2.h 2>/dev/null | head -1)"
# cuDNN: the toolkit's, else the Python wheel nvidia-cudnn-cu13 (headers + libcudnn.so.9).
CUDNN_ARGS=()
if [[ ! -f "$(dirname "$(dirname "$NVCC")")/include/cudnn.h" && ! -f /usr/include/cudnn.h ]]; then
  CUDNN_ROOT=${CUDNN_ROOT:-$(python3 -c 'import nvidia.cudnn as m, os; print(os.path.dirname(m.__file__) if m.__file__ else list(m.__path__)[0])' 2>/dev/null || true)}
  [[ -n "${CUDNN_ROOT:-}" && -f "$CUDNN_ROOT/include/cudnn.h" ]] ||
    { log "cuDNN not found under the toolkit nor in the Python wheel nvidia-cudnn-cu13; set CUDNN_ROOT"; exit 1; }
  CUDNN_ARGS=(-DCUDNN_ROOT="$CUDNN_ROOT")
  export LD_LIBRARY_PATH="$CUDNN_ROOT/lib:${LD_LIBRARY_PATH:-}"
  log "cuDNN from $CUDNN_ROOT"
fi

# Build dependencies (doctest, nlohmann_json, zlib, OpenBLAS, stb, fonts): the system's, else on a
# machine without doctest or stb headers the Debian 12 .deb files that fetch-deps.sh put in .devdeps,
# unpacked into a private prefix. dpkg -x runs no postinst, so neither Debian's alternatives links
# (cblas.h, libopenblas.so in the multiarch dirs) nor a doctest config that points at the prefix
# exist: the hints below name every piece explicitly. PARTRAIN_DEVDEPS=1 forces this path (testing).
DEP_ARGS=()
use_devdeps() {  # <prefix>
  local p=$1 lib=$1/usr/lib/x86_64-linux-gnu ldcache
  [[ $(realpath -m "$p") != / ]] || { log "DEPS_PREFIX=/: refusing to unpack over the system"; exit 1; }
  mkdir -p "$p"
  for deb in "$ROOT"/.devdeps/*.deb; do dpkg -x "$deb" "$p"; done
  local inc="$p/usr/include;$p/usr/include/x86_64-linux-gnu/openblas-pthread"
  DEP_ARGS=(-DCMAKE_PREFIX_PATH="$p/usr" -Ddoctest_DIR="$p/usr/lib/cmake/doctest"
    -Dnlohmann_json_DIR="$p/usr/share/cmake/nlohmann_json"
    -DZLIB_INCLUDE_DIR="$p/usr/include" -DZLIB_LIBRARY="$p/lib/x86_64-linux-gnu/libz.so.1"
    -DBLAS_LIBRARIES="$lib/openblas-pthread/libopenblas.so" -DPARTRAIN_STB_INCLUDE_DIR="$p/usr/include/stb"
    # doctest's config hard-codes /usr/include; cblas.h sits in openblas-pthread/ without the link
    -DCMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES="$inc" -DCMAKE_CUDA_STANDARD_INCLUDE_DIRECTORIES="$inc")
  # Runtime (and ld's lookup of libopenblas's own needs): libgfortran and libz from the system when
  # it has them, as LD_LIBRARY_PATH would otherwise put Debian 12's before newer system ones.
  ldcache=$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true)
  local rt=$lib/openblas-pthread
  [[ $ldcache == *"libgfortran.so.5 "* ]] || rt+=:$lib
  [[ $ldcache == *"libz.so.1 "* ]] || rt+=:$p/lib/x86_64-linux-gnu
  export LD_LIBRARY_PATH="$rt${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PARTRAIN_FONT_DIR=$p/usr/share/fonts/truetype  # for the digit generator (demo)
  log "dependencies: $(ls "$ROOT"/.devdeps/*.deb | wc -l) .deb from .devdeps unpacked into $p;" \
    "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
}
if [[ ${PARTRAIN_DEVDEPS:-0} == 1 || ! -f /usr/include/doctest/doctest.h || ! -f /usr/include/stb/stb_image.h ]] &&
  compgen -G "$ROOT/.devdeps/*.deb" >/dev/null; then
  use_devdeps "${DEPS_PREFIX:-/tmp/partrain-deps}"
else
  log "dependencies: the system's (no .devdeps, or the system has doctest and stb)"
fi

ARCH=90
GPU=none
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  GPU=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
  ARCH=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d '.')
fi
log "GPU: $GPU, building for sm_$ARCH with $NVCC"

JOBS=$(nproc)
TARGETS=(test_cuda_errors test_cuda_ops test_cuda_training test_cuda_network test_cuda_resume bench_gpu_training
  bench_gpu_train_network train_in_parallel_cuda)
{ cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER="$NVCC" \
    -DCMAKE_CUDA_ARCHITECTURES="$ARCH" -DPARTRAIN_TEST_MODULES=core -DPARTRAIN_BUILD_EXAMPLES=ON \
    "${CUDNN_ARGS[@]}" "${DEP_ARGS[@]}" &&
  cmake --build "$BUILD" -j "$JOBS" --target "${TARGETS[@]}"
} >"$LOGS/build.log" 2>&1 || { tail -30 "$LOGS/build.log"; log "build failed (see $LOGS/build.log)"; exit 1; }
log "built in ${SECONDS}s"
if [[ $BUILD_ONLY == 1 || $GPU == none ]]; then
  log "no GPU (or --build-only): built only, nothing ran on a GPU"
  exit 0
fi

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv >>"$LOGS/check.log" 2>&1 || true
status=0
(cd "$BUILD" && ctest -L cuda --output-on-failure --timeout 120) >"$LOGS/ctest.log" 2>&1 || status=1
grep -E "tests passed|Skipped|Failed|\*\*\*|Test +#" "$LOGS/ctest.log" | tee -a "$LOGS/check.log" || true
log "tests done at ${SECONDS}s"

# Benchmarks: the bare step (backend ops, data on the device) and train_network through a pool
# (images resident on the device), each for 1..16 networks on streams of GPU 0.
RESULTS="$LOGS/results.jsonl"
ERRORS="$LOGS/errors.log"
: >"$RESULTS"
for N in 1 2 4 8 16; do
  for G in on off; do
    timeout 45 "$BUILD/benchmarks/device/bench_gpu_training" --nets $N --graphs $G --iterations "$ITER" \
      >>"$RESULTS" 2>>"$ERRORS" || log "bench_gpu_training --nets $N --graphs $G failed"
    timeout 45 "$BUILD/benchmarks/device/bench_gpu_train_network" --nets $N --graphs $G --iterations "$ITER" \
      >>"$RESULTS" 2>>"$ERRORS" || log "bench_gpu_train_network --nets $N --graphs $G failed"
  done
done
# More streams than the device's hardware queues (CUDA's default 8) may serialize their work:
# 8 and 16 networks again with 32 queues, to see whether that caps the aggregate.
for N in 8 16; do
  for G in on off; do
    CUDA_DEVICE_MAX_CONNECTIONS=32 timeout 45 "$BUILD/benchmarks/device/bench_gpu_train_network" --nets $N \
      --graphs $G --iterations "$ITER" 2>>"$ERRORS" | sed 's/}$/,"connections":32}/' >>"$RESULTS" ||
      log "bench_gpu_train_network --nets $N --graphs $G with 32 queues failed"
  done
done
log "partrain benchmarks done at ${SECONDS}s"
# PyTorch: one after another, each net's rate is the single net's (measured for 1 and 2), and
# all at once in separate processes.
if python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
  for run in "1 sequential" "2 sequential" "4 concurrent" "16 concurrent"; do
    set -- $run
    timeout 120 python3 benchmarks/device/torch_gpu_peer.py --nets "$1" --mode "$2" --iterations "$ITER" \
      >>"$RESULTS" 2>>"$ERRORS" || log "pytorch --nets $1 --mode $2 failed"
  done
else
  log "PyTorch with CUDA is not installed: no peer figures"
fi
log "peer done at ${SECONDS}s"

# The demo: the sweep of four networks, 4 workers (streams) on GPU 0.
if timeout 120 "$BUILD/train_in_parallel_cuda" --data /tmp/partrain-digits --epochs 8 --per-gpu 4 \
    --output /tmp/partrain-demo >"$LOGS/demo.log" 2>&1; then
  grep -E "Pool:|accuracy|best|Saved|experiment" "$LOGS/demo.log" | tail -12 | tee -a "$LOGS/check.log"
else
  status=1
  tail -20 "$LOGS/demo.log"
  log "demo failed (see demo.log)"
fi
log "demo done at ${SECONDS}s"

# Where a bare step's GPU time goes: one step's kernels under Nsight Compute (best effort).
NCU=$(command -v ncu || ls "$CUDA_HOME"/bin/ncu 2>/dev/null || true)
if [[ -n "$NCU" ]]; then
  timeout 90 "$NCU" --metrics gpu__time_duration.sum --launch-skip 400 --launch-count 40 \
    "$BUILD/benchmarks/device/bench_gpu_training" --nets 1 --graphs off --iterations 30 >"$LOGS/profile.txt" 2>&1 ||
    log "ncu profile failed (see profile.txt)"
  python3 - "$LOGS/profile.txt" <<'PY' | tee -a "$LOGS/check.log" || true
import re, sys, collections
total, name = collections.Counter(), None
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"^  (\S.*?)(\(|<)", line)
    if m and "Section" not in line and not line.startswith("    "):
        name = m.group(1).split("::")[-1].strip()
    m = re.search(r"gpu__time_duration.sum\s+(\w+)\s+([\d.,]+)", line)
    if m and name:
        v = float(m.group(2).replace(",", ""))
        total[name] += v / 1000 if m.group(1) == "ns" else v * 1000 if m.group(1) == "ms" else v
print(f"profile: {sum(total.values()):.1f} us of kernels in 40 launches (about one step):")
for k, v in total.most_common(12):
    print(f"  {v:8.1f} us  {k}")
PY
fi
log "profile done at ${SECONDS}s"

python3 - "$RESULTS" "$GPU" <<'PY' | tee "$LOGS/table.md"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
def ips(bench, nets, connections=8, **match):
    for r in rows:
        if (r["bench"] == bench and r["nets"] == nets and r.get("connections", 8) == connections and
                all(r.get(k) == v for k, v in match.items())):
            return r["images_per_second"]
    return None
fmt = lambda v: f"{v:,.0f}" if v else "-"
one = ips("pytorch_gpu", 1, mode="sequential")
print(f"seed CNN training, batch 128, aggregate images/s on {sys.argv[2]}")
print("| nets | train_network graphs | train_network no graphs | bare step graphs | bare step no graphs "
      "| PyTorch one after another | PyTorch concurrent | train_network / PyTorch one after another |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
for n in (1, 2, 4, 8, 16):
    t, tp = ips("partrain_train_network", n, graphs=True), ips("partrain_train_network", n, graphs=False)
    g, p = ips("partrain_gpu", n, graphs=True), ips("partrain_gpu", n, graphs=False)
    s = ips("pytorch_gpu", n, mode="sequential") or one
    c = ips("pytorch_gpu", n, mode="concurrent") if n > 1 else one
    ratio = f"{t / s:.1f}x" if t and s else "-"
    print(f"| {n} | {fmt(t)} | {fmt(tp)} | {fmt(g)} | {fmt(p)} | {fmt(s)} | {fmt(c)} | {ratio} |")
print("\ntrain_network with 32 hardware queues (CUDA_DEVICE_MAX_CONNECTIONS=32) against the default 8")
print("| nets | graphs, 8 queues | graphs, 32 queues | no graphs, 8 queues | no graphs, 32 queues |")
print("|---:|---:|---:|---:|---:|")
for n in (8, 16):
    cells = [ips("partrain_train_network", n, q, graphs=g) for g in (True, False) for q in (8, 32)]
    print(f"| {n} | " + " | ".join(fmt(v) for v in cells) + " |")
PY
log "finished in ${SECONDS}s, status $status"
exit $status
