#!/usr/bin/env bash
# ASHA against the exhaustive sweep on Fashion-MNIST: the same 48 trials (3 architectures x
# solver x log-uniform learn rate, 12 epochs, 8,000 training images), once with ASHA (eta 3:
# rungs at epochs 1, 3 and 9) and once every trial to its end; then the best trial's test
# accuracy each found (best by validation accuracy), the training work each spent (epochs
# summed over trials, CPU seconds, wall seconds) and the ratios. In the same run, the peer:
# the same space searched by Optuna with its MedianPruner, trained by PyTorch
# (benchmarks/peers/optuna_search.py). Needs Debian's dataset-fashion-mnist, python3-optuna
# and python3-torch (installed when missing). Extra arguments go to partrain's two runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=/usr/share/datasets/fashion-mnist
packages=()
[ -f "$data/train-images-idx3-ubyte.gz" ] || packages+=(dataset-fashion-mnist)
/usr/bin/python3 -c 'import optuna, torch' 2>/dev/null || packages+=(python3-optuna python3-torch python3-numpy)
if [ ${#packages[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${packages[@]}" >/dev/null; fi
cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DPARTRAIN_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build-release" --target search -j"$(nproc)" >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for scheduler in asha median fifo; do
  start=$(date +%s.%N)
  # CPU seconds of the child (user + system), from bash's own accounting.
  ( "$root/build-release/examples/search" --fashion-mnist "$data" --train-images 8000 --trials 48 --epochs 12 --eta 3 \
      --scheduler "$scheduler" --folder "$out/$scheduler" "$@" >"$out/$scheduler.log"; times >"$out/$scheduler.times" )
  end=$(date +%s.%N)
  cpu=$(tail -1 "$out/$scheduler.times" | awk '{ split($1, u, "m"); split($2, s, "m"); sub("s", "", u[2]); sub("s", "", s[2]); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
  epochs=$(sed -n 's/^Work: \([0-9.]*\) epochs.*/\1/p' "$out/$scheduler.log")
  test=$(sed -n 's/^Best: .*test accuracy \([0-9.]*\)%.*/\1/p' "$out/$scheduler.log")
  stopped=$(sed -n 's/^\([0-9]*\) finished, \([0-9]*\) stopped.*/\2/p' "$out/$scheduler.log")
  wall=$(echo "$end - $start" | bc)
  printf '%-5s best trial test accuracy %6s%%  epochs %6s  cpu %7.1f s  wall %6.1f s  stopped %s\n' \
    "$scheduler" "$test" "$epochs" "$cpu" "$wall" "$stopped"
  eval "${scheduler}_test=$test ${scheduler}_epochs=$epochs ${scheduler}_cpu=$cpu ${scheduler}_wall=$wall"
done
for s in asha median; do
  eval "test=\$${s}_test epochs=\$${s}_epochs cpu=\$${s}_cpu wall=\$${s}_wall"
  printf '%s/fifo: test accuracy %+.2f points, epochs %.3f, cpu %.3f, wall %.3f\n' "$s" \
    "$(echo "$test - $fifo_test" | bc -l)" "$(echo "$epochs / $fifo_epochs" | bc -l)" \
    "$(echo "$cpu / $fifo_cpu" | bc -l)" "$(echo "$wall / $fifo_wall" | bc -l)"
done
/usr/bin/python3 "$root/benchmarks/peers/optuna_search.py" --fashion-mnist "$data" --train-images 8000 --trials 48 \
  --epochs 12 --jobs "$(nproc)" >"$out/optuna.json"
/usr/bin/python3 - "$out/optuna.json" "$median_cpu" "$median_wall" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"optuna median pruner (torch): best trial test accuracy {r['best_test_accuracy']:.2f}%  epochs {r['epochs']}  "
      f"cpu {r['cpu_seconds']:.1f} s  wall {r['wall_seconds']:.1f} s  pruned {r['pruned']} of {r['trials']}")
print(f"optuna / partrain median stopping: cpu {r['cpu_seconds'] / float(sys.argv[2]):.2f}, "
      f"wall {r['wall_seconds'] / float(sys.argv[3]):.2f}")
PY
