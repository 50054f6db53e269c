#!/usr/bin/env bash
# Installs what building and testing kred needs, from Debian's packages.
# Idempotent: when everything is present it only runs dpkg-query and exits.
# `bootstrap.sh demo` also installs what the benchmark plots with.
set -euo pipefail

packages=(
  cmake ninja-build ccache g++ binutils
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools libomp-22-dev
  python3 python3-dev python3-numpy python3-pytest python3-pip python3-venv pybind11-dev python3-torch
  clang-22 libclang-rt-22-dev
)
[ "${1:-}" = demo ] && packages+=(python3-matplotlib)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "bootstrap: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
