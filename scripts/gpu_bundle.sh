#!/bin/bash
# Packs an existing build for a GPU machine that has no LLVM packages and no
# network: the tools, the Python package, the tests and benchmarks that
# scripts/gpu_check.sh runs, and the shared libraries they load that a bare
# Debian system lacks (LLVM, MLIR, libomp and their dependencies).
#
# usage: scripts/gpu_bundle.sh [BUILD] -> BUILD/gpu-bundle.tar.xz
# There: tar xf gpu-bundle.tar.xz && cd kred-gpu && scripts/gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
OUT=$BUILD/gpu-bundle
rm -rf "$OUT" && mkdir -p "$OUT/kred-gpu/build" "$OUT/kred-gpu/lib"
cp -r scripts bench test "$OUT/kred-gpu/"
cp -r "$BUILD/bin" "$BUILD/python" "$OUT/kred-gpu/build/"
[ -d "$BUILD/compat" ] && cp -r "$BUILD/compat" "$OUT/kred-gpu/build/"
# Libraries outside glibc, libstdc++ and libgcc (every Linux has those).
{ ldd "$BUILD/bin/kred-run"; ldd "$BUILD"/python/kred/_kred*.so; } |
  awk '/=> \// {print $3}' | sort -u |
  grep -v -E '/(libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|librt)\.so' |
  while read -r lib; do cp -L "$lib" "$OUT/kred-gpu/lib/"; done
cp -L /usr/lib/llvm-22/lib/libomp.so.5 "$OUT/kred-gpu/lib/"
ln -sf libomp.so.5 "$OUT/kred-gpu/lib/libomp.so"
tar -C "$OUT" -I "xz -T0" -cf "$BUILD/gpu-bundle.tar.xz" kred-gpu
rm -rf "$OUT"
ls -l "$BUILD/gpu-bundle.tar.xz"
