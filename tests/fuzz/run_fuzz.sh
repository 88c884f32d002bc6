#!/bin/sh
# Long random fuzzing (not CI): every target for a bounded time from its seed corpus, the
# corpus growing in the work folder between runs. Exit status is non-zero on any crash.
#   tests/fuzz/run_fuzz.sh [seconds per target, default 30] [work dir, default build-fuzz]
set -eu
seconds=${1:-30}
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/fuzz/targets.sh"
work=${2:-$root/build-fuzz}
"$root/tests/fuzz/build_fuzzers.sh" "$work"
for pair in $fuzz_targets; do
  target=${pair%%:*} corpus=${pair#*:}
  mkdir -p "$work/corpus/$corpus"
  "$work/$target" -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/$target-" "$work/corpus/$corpus" "$work/seeds/$corpus"
done
echo "run_fuzz.sh: no crash in ${seconds}s per target"
