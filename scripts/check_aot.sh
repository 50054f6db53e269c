#!/bin/sh
# make test's check of ahead-of-time libraries: kred-aot writes two
# libraries (a formula file and a bare formula), whose dependencies must be
# the C library, libm and libomp only; examples/aot's C and C++ programs
# link them and check their results against float64 loops.
# usage: scripts/check_aot.sh [BUILD_DIR]
set -eu
build_dir=$(realpath "${1:-build}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$build_dir/bin/kred-aot" bench/gaussian_conv.kf -o "$work/libgauss.so"
"$build_dir/bin/kred-aot" --formula 'SqDist(Vi(0,3), Vj(1,3))' \
  --reduction ArgKMin --k 5 --axis 1 -o "$work/libknn.so"

for library in "$work/libgauss.so" "$work/libknn.so"; do
  needed=$(readelf -d "$library" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  for name in $needed; do
    case "$name" in
      libc.so.*|libm.so.*|libomp.so.*) ;;
      *) echo "check_aot: $library needs $name (only libc, libm, libomp expected)"; exit 1 ;;
    esac
  done
done

cc -std=c11 -O2 examples/aot/gauss.c -I"$work" -L"$work" -lgauss \
  -Wl,-rpath,"$work" -lm -o "$work/gauss"
c++ -std=c++17 -O2 examples/aot/knn.cpp -I"$work" -L"$work" -lknn \
  -Wl,-rpath,"$work" -o "$work/knn"
"$work/gauss" 1000
"$work/knn"
echo "check_aot: OK"
