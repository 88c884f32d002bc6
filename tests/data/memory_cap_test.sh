#!/usr/bin/env bash
# Data larger than memory: under a cap on the data segment (prlimit --data, which counts the
# heap and private anonymous mappings), one epoch over a folder of images whose decoded size
# (and size on disk) is over four times the cap succeeds streaming, and fails in memory with
# a message that says so. Usage: memory_cap_test.sh STREAM_TOOL
set -euo pipefail
tool=$1
cap_mib=160
# --data counts address space reserved, not only memory used: glibc reserves 64 MiB for each
# thread's malloc arena, and OpenBLAS's own threads (partrain uses none) 128 MiB buffers.
export MALLOC_ARENA_MAX=2 OPENBLAS_NUM_THREADS=1
dir=$(mktemp -d /tmp/partrain-memory-cap.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$tool" generate "$dir/images" 900 512 ppm  # 900 x 768 KiB = 675 MiB, decoded as on disk
size_mib=$(du -sm "$dir/images" | cut -f1)
echo "folder: $size_mib MiB on disk for a cap of $cap_mib MiB"
[ "$size_mib" -ge $((4 * cap_mib)) ] || { echo "FAIL: the folder is not 4x the cap"; exit 1; }
cap=$((cap_mib * 1024 * 1024))
timeout 120 prlimit --data=$cap:$cap "$tool" train "$dir/images" stream 32 | tee "$dir/stream.txt"
grep -q "streaming: 900 images, 28 iterations (max_epochs)" "$dir/stream.txt" || { echo "FAIL: the streaming run did not train"; exit 1; }
if timeout 120 prlimit --data=$cap:$cap "$tool" train "$dir/images" memory 2>"$dir/memory.txt"; then
  echo "FAIL: the in-memory run succeeded under the cap"; exit 1
fi
cat "$dir/memory.txt"
grep -q "out of memory after decoding" "$dir/memory.txt" && grep -q "stream them instead" "$dir/memory.txt" ||
  { echo "FAIL: the in-memory run did not say why it failed"; exit 1; }
echo "memory cap test: streaming trained under the cap; in memory it stopped and said why"
