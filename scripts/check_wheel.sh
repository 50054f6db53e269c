#!/bin/sh
# make wheel: `pip wheel .` (scikit-build-core, in build-wheel/), then the
# wheel installed into a fresh --system-site-packages venv must pass
# kred.check_health() and a Genred call checked against NumPy. Not part of
# make test: the wheel is a second full build (about 8 minutes on 2 cores).
# usage: scripts/check_wheel.sh [WHEEL_DIR]
set -eu
wheel_dir=$(realpath -m "${1:-dist}")
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
/usr/bin/python3 -m pip wheel . --no-deps -w "$wheel_dir"
/usr/bin/python3 -m venv --system-site-packages "$venv"
"$venv/bin/pip" install --no-deps --force-reinstall "$wheel_dir"/kred-*.whl
cd "$venv"  # not the source tree, whose python/ folder is not the package
"$venv/bin/python" - <<'PY'
import numpy as np
import kred
import kred.numpy as kn
assert kred.__file__.startswith(__import__("sys").prefix), kred.__file__
kred.check_health()
f = kn.Genred("Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"], axis=1)
rng = np.random.default_rng(0)
x, y, b = (rng.random((n, d), dtype=np.float32) for n, d in ((50, 3), (60, 3), (60, 1)))
reference = np.exp(-((x[:, None] - y[None]) ** 2).sum(-1)) @ b
np.testing.assert_allclose(f(x, y, b), reference, rtol=1e-5, atol=1e-6)
print("check_wheel: OK,", kred.__file__)
PY
for tool in kred-opt kred-run kred-aot kred-lsp-server; do
  test -x "$venv/bin/$tool" || { echo "check_wheel: $tool not installed"; exit 1; }
done
