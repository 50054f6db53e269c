#!/bin/sh
# make test's check of the installed kred: cmake --install of BUILD_DIR into
# a temporary prefix, then examples/downstream configured against that
# prefix alone (find_package(kred CONFIG)), built, and its lit tests run.
# usage: scripts/check_downstream.sh [BUILD_DIR] [LLVM_DIR]
set -eu
build_dir=$(realpath "${1:-build}")
llvm_dir=${2:-/usr/lib/llvm-22}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -G Ninja -S examples/downstream -B "$work/build" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DMLIR_DIR="$llvm_dir/lib/cmake/mlir" >/dev/null
cmake --build "$work/build"
"$llvm_dir/bin/lit" -sv "$work/build/test"
