#!/usr/bin/env bash
# Peak RSS of one epoch over 10k, 50k and 100k images (32x32 RGB PNG, noise), streaming and in
# memory: streaming should stay flat beyond the file list, in memory grow with the images.
# Usage: benchmarks/streaming/rss.sh STREAM_TOOL [COUNTS...]   (STREAM_TOOL: build-tests/tests/data/stream_tool)
# BUDGET_MIB (default 16) is the streaming datastore's memory budget.
set -euo pipefail
tool=$1
shift
counts=("${@:-10000 50000 100000}")
dir=$(mktemp -d /tmp/partrain-rss.XXXXXX)
trap 'rm -rf "$dir"' EXIT
export OPENBLAS_NUM_THREADS=1
for n in ${counts[*]}; do
  "$tool" generate "$dir/$n" "$n" 32 png
  echo "$n images, $(du -sm "$dir/$n" | cut -f1) MiB on disk"
  "$tool" train "$dir/$n" stream "${BUDGET_MIB:-16}"
  "$tool" train "$dir/$n" memory
  rm -rf "${dir:?}/$n"
done
