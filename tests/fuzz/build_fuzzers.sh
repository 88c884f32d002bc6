#!/bin/sh
# Builds the fuzz targets with clang (libFuzzer + AddressSanitizer + UBSan), their plain
# replay drivers with g++ (for valgrind), and the seed corpora, into a work folder.
#   tests/fuzz/build_fuzzers.sh <work dir>
# nonnull-attribute is off: stb calls memcpy(NULL, p, 0) on empty PNG chunks, harmless.
set -eu
work=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/fuzz/targets.sh"
cxx=${CLANGXX:-clang++}
flags="-std=c++20 -g -O1 -I$root/include -isystem /usr/include/stb"
mkdir -p "$work"
g++ $flags "$root/tests/fuzz/make_seeds.cpp" -lz -o "$work/make_seeds"
rm -rf "$work/seeds"
"$work/make_seeds" "$work/seeds/image" "$work/seeds/idx" "$work/seeds/safetensors" "$work/seeds/json"
for pair in $fuzz_targets; do
  target=${pair%%:*}
  $cxx $flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-sanitize=nonnull-attribute \
    "$root/tests/fuzz/$target.cpp" -lz -o "$work/$target" &
  g++ $flags "$root/tests/fuzz/$target.cpp" "$root/tests/fuzz/replay_main.cpp" -lz -o "$work/${target}_replay"
  wait
done
