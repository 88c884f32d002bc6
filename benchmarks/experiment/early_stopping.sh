#!/usr/bin/env bash
# ASHA against the exhaustive sweep on Fashion-MNIST: the same 24 trials (3 architectures x
# solver x log-uniform learn rate, 12 epochs, 8,000 training images), once with ASHA (eta 3:
# rungs at epochs 1, 3 and 9) and once every trial to its end; then the best trial's test
# accuracy each found (best by validation accuracy), the training work each spent (epochs
# summed over trials, CPU seconds, wall seconds) and the ratios. Needs Debian's
# dataset-fashion-mnist (installed when missing). Extra arguments go to both runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=/usr/share/datasets/fashion-mnist
[ -f "$data/train-images-idx3-ubyte.gz" ] || { apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null; }
cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DPARTRAIN_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build-release" --target search -j"$(nproc)" >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for scheduler in asha fifo; do
  start=$(date +%s.%N)
  # CPU seconds of the child (user + system), from bash's own accounting.
  ( "$root/build-release/examples/search" --fashion-mnist "$data" --train-images 8000 --trials 24 --epochs 12 --eta 3 \
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
printf 'asha/fifo: test accuracy %+.2f points, epochs %.3f, cpu %.3f, wall %.3f\n' \
  "$(echo "$asha_test - $fifo_test" | bc -l)" "$(echo "$asha_epochs / $fifo_epochs" | bc -l)" \
  "$(echo "$asha_cpu / $fifo_cpu" | bc -l)" "$(echo "$asha_wall / $fifo_wall" | bc -l)"
