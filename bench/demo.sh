#!/usr/bin/env bash
# `make demo`: imports the seed's Gaussian-convolution formula and shows its
# IR before and after canonicalization. (Code generation and the benchmark
# run arrive with the CPU code-generation work.)
set -euo pipefail
build="${1:-build}"
here="$(cd "$(dirname "$0")" && pwd)"
spec="$here/gaussian_conv.kf"

echo "== KeOps formula specification ($spec)"
grep -v '^#' "$spec"
echo
echo "== Imported: kred-translate --import-formula $spec"
"$build/bin/kred-translate" --import-formula "$spec" | tee "$build/gaussian_conv.mlir"
echo
echo "== Canonicalized: kred-opt --canonicalize --cse"
"$build/bin/kred-opt" --canonicalize --cse "$build/gaussian_conv.mlir"
