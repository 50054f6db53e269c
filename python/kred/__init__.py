"""kred: kernel reductions compiled by an MLIR compiler, with pykeops' API.

    import kred.numpy as kn        # or kred.torch
    f = kn.Genred("Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"],
                  reduction_op="Sum", axis=1)
    a = f(x, y, b)                 # a[i] = sum_j exp(-|x_i - y_j|^2) b_j

Set KRED_VERBOSE=1 to see compilations; kernels are cached in memory and in
KRED_CACHE_DIR (default ~/.cache/kred).
"""

import os

from . import _kred

__version__ = "0.1.0"


def get_cache_dir():
    """The folder of the on-disk kernel cache."""
    return _kred.cache_directory()


def check_health():
    """Prints the toolchain, the backends, the cache folder, and compiles and
    runs one tiny kernel against NumPy. Returns True when all is well."""
    import numpy as np

    print(f"kred {__version__} (LLVM/MLIR {_kred.llvm_version})")
    print(f"  host CPU: {_kred.host()}")
    try:
        gpus = _kred.cuda_devices()
        gpu_text = ", ".join(f"cuda:{k} {d}" for k, d in enumerate(gpus)) or "no device"
    except ValueError as e:
        gpus, gpu_text = [], f"not available ({e})"
    from .common.backend import gpu_simulated
    if gpu_simulated():
        gpu_text += "; KRED_GPU=sim: backend='GPU' runs on host arrays by the SIMT simulator"
    print(f"  backends: CPU (OpenMP threads, SIMD); GPU: {gpu_text}")
    print(f"  kernel cache: {get_cache_dir() or '(disabled: no writable folder)'}")
    try:
        import torch  # noqa: F401
        print(f"  torch: {torch.__version__} (kred.torch available)")
    except ImportError:
        print("  torch: not installed (kred.torch unavailable)")
    from .numpy import Genred

    f = Genred("Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"],
               reduction_op="Sum", axis=1, dtype="float64")
    rng = np.random.default_rng(0)
    x, y, b = rng.random((5, 3)), rng.random((7, 3)), rng.random((7, 1))
    got = f(x, y, b)
    ref = np.exp(-((x[:, None] - y[None]) ** 2).sum(-1)) @ b
    ok = bool(np.allclose(got, ref, rtol=1e-10))
    kernel = f._last_kernel
    print(f"  test kernel: {kernel.origin} in {kernel.compile_seconds:.3f} s, "
          f"{'matches' if ok else 'DOES NOT MATCH'} NumPy")
    if gpu_simulated():
        on_sim = f(x, y, b, backend="GPU")
        matches = bool(np.allclose(on_sim, ref, rtol=1e-10))
        ok = ok and matches
        print(f"  GPU kernel on gpu-sim: {f._last_kernel.origin}, "
              f"{'matches' if matches else 'DOES NOT MATCH'} NumPy")
    for k in range(len(gpus)):
        on_gpu = f(x, y, b, backend="GPU", device_id=k)
        matches = bool(np.allclose(on_gpu, ref, rtol=1e-10))
        ok = ok and matches
        print(f"  GPU kernel on cuda:{k}: {f._last_kernel.origin}, "
              f"{'matches' if matches else 'DOES NOT MATCH'} NumPy")
    return ok


def _verbose():
    return os.environ.get("KRED_VERBOSE", "0") not in ("", "0")
