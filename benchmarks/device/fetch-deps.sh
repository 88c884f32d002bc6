#!/usr/bin/env bash
# Run on a Debian 12 machine with apt (not on the GPU machine): downloads into <repo>/.devdeps/ the
# .deb files of the build dependencies, because the GPU machine has no network and none of the
# dev packages. check.sh unpacks them there with dpkg -x; pass .devdeps to the device run's carry.
# Debian 12's builds need glibc >= 2.34, which the CUDA 13 images (Ubuntu 22.04/24.04) have.
set -euo pipefail
cd "$(dirname "$0")/../.."
DEST=$PWD/.devdeps
PKGS=(
  doctest-dev nlohmann-json3-dev libstb-dev libstb0 zlib1g-dev zlib1g  # headers, CMake configs, libz
  libopenblas-dev libopenblas-pthread-dev libopenblas0-pthread           # cblas.h, libopenblas.so
  libgfortran5 libquadmath0                                              # libopenblas.so.0 needs them
  fonts-dejavu-core fonts-liberation fonts-freefont-ttf                  # the digit generator's fonts
)
mkdir -p "$DEST"
rm -f "$DEST"/*.deb  # no stale versions next to the new ones: check.sh unpacks every .deb
# apt-get download writes into the current folder; refresh the lists only when they are too old.
(cd "$DEST" && { apt-get download "${PKGS[@]}" || { apt-get update && apt-get download "${PKGS[@]}"; }; })
# Plain names (<package>.deb): Debian's carry '~', '+' and '%3a', which file transfers may refuse.
for f in "$DEST"/*_*.deb; do mv "$f" "$DEST/$(dpkg-deb -f "$f" Package).deb"; done
ls -l "$DEST"
echo "[fetch-deps.sh] $(ls "$DEST"/*.deb | wc -l) packages, $(du -sh "$DEST" | cut -f1) in $DEST"
