#!/usr/bin/env bash
# Installs the Debian 12 packages partrain's build, tests and demo need (skips those present).
# Usage: scripts/install-deps.sh [extra packages...]   (run as root, or with sudo available)
set -euo pipefail
packages=(
  cmake g++ make pkg-config
  doctest-dev libopenblas-dev nlohmann-json3-dev zlib1g-dev libstb-dev
  fonts-dejavu-core fonts-liberation fonts-freefont-ttf
  librsvg2-bin python3 python3-numpy python3-protobuf protobuf-compiler
  clang libclang-rt-14-dev
  openmpi-bin libopenmpi-dev
  slurmctld slurmd slurm-client munge
  "$@"
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "partrain: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
