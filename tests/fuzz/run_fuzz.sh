#!/bin/sh
# Builds the decoder fuzzers (images, IDX, safetensors) with clang (libFuzzer + AddressSanitizer + UBSan) and runs each
# for a bounded time from a generated seed corpus. Exit status is non-zero on any crash.
#   tests/fuzz/run_fuzz.sh [seconds per target, default 30] [work dir, default build-fuzz]
# nonnull-attribute is off: stb calls memcpy(NULL, p, 0) on empty PNG chunks, harmless.
set -eu
seconds=${1:-30}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${2:-$root/build-fuzz}
cxx=${CLANGXX:-clang++}
mkdir -p "$work"
flags="-std=c++20 -g -O1 -I$root/include -isystem /usr/include/stb"
$cxx $flags "$root/tests/fuzz/make_seeds.cpp" -lz -o "$work/make_seeds"
"$work/make_seeds" "$work/corpus_image" "$work/corpus_idx"
for target in fuzz_image_decode fuzz_idx fuzz_safetensors; do
  $cxx $flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-sanitize=nonnull-attribute \
    "$root/tests/fuzz/$target.cpp" -lz -o "$work/$target"
done
# detect_leaks=0: a failed stb assert is thrown as an error and leaks the decoder's buffers
"$work/fuzz_image_decode" -max_total_time="$seconds" -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus_image"
"$work/fuzz_idx" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus_idx"
mkdir -p "$work/corpus_safetensors"
"$work/fuzz_safetensors" -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus_safetensors"
echo "run_fuzz.sh: no crash in ${seconds}s per target"
