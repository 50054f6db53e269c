#!/usr/bin/env bash
# `make demo`: the seed's Gaussian convolution, from formula to benchmark.
# Shows the imported IR and the tiled loops it lowers to, checks one run
# against the float64 reference, then runs the seed's benchmark (its tables,
# kred's rows beside NumPy's, PyTorch's and, where importable, pykeops') and
# writes JSON and PNG plots under BUILD/bench. BENCH_PYTHON picks the Python
# (a venv with pykeops 2.3 adds pykeops' rows).
set -euo pipefail
build="${1:-build}"
here="$(cd "$(dirname "$0")" && pwd)"
spec="$here/gaussian_conv.kf"

echo "== KeOps formula specification ($spec)"
grep -v '^#' "$spec"
echo
echo "== Imported and simplified: kred-translate --import-formula | kred-opt --canonicalize --cse"
"$build/bin/kred-translate" --import-formula "$spec" | "$build/bin/kred-opt" --canonicalize --cse
echo
echo "== Tiled over SIMD lanes: kred-opt --kred-fast-math --kred-lower-to-loops (the loop over chunks of j)"
"$build/bin/kred-translate" --import-formula "$spec" |
  "$build/bin/kred-opt" --kred-fast-math --canonicalize --kred-lower-to-loops --canonicalize --cse |
  awk '/iter_args/ && !shown { shown = 1 } shown && printed++ < 32'
echo "   ..."
echo
echo "== Compiled and checked: kred-run --check (N = 1000, M = 2000)"
"$build/bin/kred-run" "$spec" -n 1000 -m 2000 --seed 1 --check --quiet
echo
echo "== The seed's benchmark"
PYTHONPATH="$build/python${PYTHONPATH:+:$PYTHONPATH}" \
  "${BENCH_PYTHON:-/usr/bin/python3}" "$here/gaussian_conv.py" "$build"
