#!/usr/bin/env bash
# What spreading a search over MPI ranks costs on one machine: the search example (FIFO, so
# every trial trains to its end) on the local pool of 2 CPU workers, against search_mpi under
# `mpirun -np 2` (one CPU worker per rank, rank 0 training too; mpirun's default binding of
# each rank to one core, and --bind-to none), alternating, N rounds.
# Prints wall and CPU seconds of each run (CPU of all processes: /usr/bin/time counts the
# ranks, mpirun's children) and checks that both found the same metrics for every trial.
# Usage: benchmarks/mpi/overhead.sh [rounds=2] [extra search flags...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-2}; shift || true
"$root/scripts/install-deps.sh" time
cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DPARTRAIN_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build-release" --target search search_mpi partrain_bench_mpi_link -j"$(nproc)" >/dev/null
out=$(mktemp -d /tmp/partrain-mpi-overhead.XXXXXX)
flags=(--data "$root/out/DigitDataset" --scheduler fifo --trials 48 --epochs 3 "$@")
as_root=(); [ "$(id -u)" -eq 0 ] && as_root=(--allow-run-as-root)
metrics() {  # every trial's metrics from summary.csv, without where and how long it ran
  python3 -c "
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
drop = {'worker', 'rank', 'host', 'device', 'seconds'}
print([{k: v for k, v in r.items() if k not in drop} for r in rows])" "$1/summary.csv"
}
for round in $(seq 1 "$rounds"); do
  rm -rf "$out/local" "$out/ranks"
  /usr/bin/time -f "local pool, 2 workers: wall %e s, CPU %U s user + %S s system" \
    "$root/build-release/examples/search" "${flags[@]}" --workers 2 --folder "$out/local" >"$out/local.log" 2>"$out/local.time"
  /usr/bin/time -f "mpirun -np 2, 1 worker each: wall %e s, CPU %U s user + %S s system" \
    mpirun "${as_root[@]}" -np 2 "$root/build-release/examples/search_mpi" "${flags[@]}" --folder "$out/ranks" \
    >"$out/ranks.log" 2>"$out/ranks.time"
  rm -rf "$out/unbound"
  /usr/bin/time -f "mpirun -np 2 --bind-to none, 1 worker each: wall %e s, CPU %U s user + %S s system" \
    mpirun "${as_root[@]}" -np 2 --bind-to none "$root/build-release/examples/search_mpi" "${flags[@]}" --workers 1 \
    --folder "$out/unbound" >"$out/unbound.log" 2>"$out/unbound.time"
  echo "round $round"; tail -1 "$out/local.time"; tail -1 "$out/ranks.time"; tail -1 "$out/unbound.time"
  if [ "$(metrics "$out/local")" = "$(metrics "$out/ranks")" ] && [ "$(metrics "$out/local")" = "$(metrics "$out/unbound")" ]; then
    echo "same metrics for every trial"
  else echo "METRICS DIFFER"; exit 1; fi
done
grep -h "^Rank" "$out/ranks.log" || true
rm -rf "$out"
echo "rank 0's throughput (mpirun -np 3: two ranks flood it):"
mpirun "${as_root[@]}" --oversubscribe -np 3 "$root/build-release/benchmarks/mpi/partrain_bench_mpi_link"
