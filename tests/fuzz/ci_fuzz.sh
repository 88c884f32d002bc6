#!/bin/sh
# Deterministic fuzzing for CI. Every target runs a fixed number of inputs from its seed
# corpus with a fixed libFuzzer seed, no corpus reloads (they depend on the clock) and
# address-space randomisation off (pointer values steer coverage): the same inputs on every
# run, so CI cannot fail on a random day. Then each target's seeds, the inputs that run added and the corrupt JPEGs of
# tests/data/corrupt_jpeg are replayed under valgrind through a plain driver, which must
# report 0 errors: valgrind sees uninitialised reads that AddressSanitizer cannot.
#   tests/fuzz/ci_fuzz.sh [runs per target, default 100000] [work dir, default build-fuzz]
set -eu
runs=${1:-100000}
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/fuzz/targets.sh"
work=${2:-$root/build-fuzz}
"$root/scripts/install-deps.sh" valgrind
"$root/tests/fuzz/build_fuzzers.sh" "$work"
for pair in $fuzz_targets; do
  target=${pair%%:*} corpus=${pair#*:}
  found="$work/found/$corpus"
  rm -rf "$found" && mkdir -p "$found"
  echo "ci_fuzz: $target, $runs runs, seed 1"
  setarch "$(uname -m)" -R "$work/$target" -seed=1 -reload=0 -runs="$runs" -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/$target-" "$found" "$work/seeds/$corpus" 2>"$work/$target.log" ||
    { tail -n 60 "$work/$target.log"; echo "ci_fuzz: $target failed; the input is in $work/$target-*"; exit 1; }
  grep -E "stat::number_of_executed_units|stat::new_units_added" "$work/$target.log" | tr '\n' ' '; echo
  extra=""
  [ "$corpus" = image ] && extra="$root/tests/data/corrupt_jpeg"
  timeout 300 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    "$work/${target}_replay" "$work/seeds/$corpus" "$found" $extra ||
    { echo "ci_fuzz: valgrind found errors replaying $target's inputs (or timed out)"; exit 1; }
done
echo "ci_fuzz: every target ran $runs inputs and replayed under valgrind with 0 errors"
