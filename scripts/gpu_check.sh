#!/bin/bash
# The GPU checks, in one run on a machine with an NVIDIA GPU (within 10
# minutes): every op and reduction on the GPU and on the SIMT simulator
# against the float64 reference, the GPU Python tests (on both), and the
# seed's GPU table. Runs from an existing build (or an unpacked
# scripts/gpu_bundle.sh bundle, whose lib/ it uses). Needs: an NVIDIA
# driver, python3; numpy and pytest for the Python tests; torch with CUDA
# (and pykeops) for the table; `ld` for the simulator and CPU kernels.
#
# usage: scripts/gpu_check.sh [BUILD]
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
if [ -d lib ] && ls lib/libLLVM* >/dev/null 2>&1; then
  export LD_LIBRARY_PATH=$PWD/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export KRED_OPENMP_DIR=$PWD/lib
fi
export PYTHONPATH=$PWD/$BUILD/python:$PWD/$BUILD/compat${PYTHONPATH:+:$PYTHONPATH}
export KRED_CACHE_DIR=${KRED_CACHE_DIR:-$(mktemp -d)}
PY=${PYTHON:-$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)}
RUN=$BUILD/bin/kred-run
status=0
step() { echo; echo "== $*"; }
check() { # NAME COMMAND...: runs it, notes a failure
  local name=$1; shift
  if timeout 240 "$@"; then echo "-- $name: ok"; else echo "-- $name: FAILED"; status=1; fi
}

step "devices"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | head -5
$PY -c "import kred; kred.check_health()" 2>&1 || status=1

targets="gpu gpu-sim"
if ! probe=$("$RUN" --formula "X = Vi(1); Sum_Reduction(X, 0)" -n 4 --target gpu --quiet 2>&1); then
  echo "-- no usable GPU, only the simulator runs: $probe"
  status=1
  targets=gpu-sim
fi
for target in $targets; do
  step "every op and reduction on $target (float32 and float64, fast math on and off)"
  check "ops on $target" $PY test/Runtime/check_formulas.py "$RUN" test/Runtime/Inputs/ops.txt --target $target
  check "ops on $target, exact math" $PY test/Runtime/check_formulas.py "$RUN" test/Runtime/Inputs/ops.txt --target $target --no-fast-math
  check "reductions on $target" $PY test/Runtime/check_formulas.py "$RUN" test/Runtime/Inputs/reductions.txt --target $target
  size=$([ $target = gpu ] && echo 100000 || echo 2000)  # the simulator is slow
  check "the seed kernel on $target" "$RUN" bench/gaussian_conv.kf -n $size -m $size --target $target --check --quiet --bench --repeat 3
done

step "Python GPU tests (on the GPU and on the simulator)"
if $PY -c "import numpy, pytest" 2>/dev/null; then
  check "test_gpu.py" $PY -m pytest -q test/python/test_gpu.py
  # An AOT library's GPU code (kred-aot --gpu-chip) on CUDA tensors.
  check "AOT GPU code" $PY -m pytest -q test/python/test_aot.py -k "gpu"
else
  echo "-- skipped: numpy and pytest are needed"
fi

step "the seed's GPU table"
if $PY -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
  check "gaussian_conv.py --tables gpu" $PY bench/gaussian_conv.py "$BUILD" --tables gpu --quick
else
  echo "-- skipped: torch with CUDA is needed (the seed's rows take torch CUDA tensors)"
fi
echo
[ $status = 0 ] && echo "gpu_check: all passed" || echo "gpu_check: FAILURES above"
exit $status
