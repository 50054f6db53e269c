"""pykeops 2.3's API, served by kred: `import pykeops` (and pykeops.numpy,
pykeops.torch, keopscore) resolves to kred, so that libraries written for
pykeops (GeomLoss, GPyTorch, Falkon) run on kred unchanged. The classes are
kred's own (kred.numpy, kred.torch): no wrapper, no cost per call.

Put this folder (build/compat, or the kred-pykeops distribution) on the
path beside kred; real pykeops stays importable from another environment
for comparisons."""

import importlib.util
import os

try:
    import kred
except ImportError as e:  # pragma: no cover - an installation problem
    raise ImportError("this pykeops is kred's compatibility layer (kred-pykeops) and needs "
                      "kred: pip install kred's repository first (README, \"Python\")") from e

from . import config
from ._missing import define_missing

# The pykeops API version this layer follows; kred's own is kred_version.
__version__ = "2.3"
kred_version = kred.__version__

verbose = os.getenv("PYKEOPS_VERBOSE") != "0"
default_device_id = 0
numpy_found = importlib.util.find_spec("numpy") is not None
torch_found = importlib.util.find_spec("torch") is not None
show_cuda_status = config.gpu_available


def set_verbose(val):
    """kred prints compilations when KRED_VERBOSE is set."""
    global verbose
    verbose = bool(val)
    os.environ["KRED_VERBOSE"] = "1" if verbose else "0"


def check_health():
    """kred's check: toolchain, backends, cache and one kernel against NumPy."""
    return kred.check_health()


def get_build_folder():
    """kred's on-disk kernel cache."""
    return kred.get_cache_dir()


keops_get_build_folder = get_build_folder


def set_build_folder(path=None):
    """Moves kred's kernel cache to `path` (None: the default,
    ~/.cache/kred)."""
    if path is None:
        os.environ.pop("KRED_CACHE_DIR", None)
    else:
        os.environ["KRED_CACHE_DIR"] = os.path.abspath(os.path.expanduser(path))


def clean_pykeops(recompile_jit_binaries=True):
    """Empties kred's on-disk kernel cache (kernels compile again on next
    use). kred has no JIT binaries to recompile."""
    folder = get_build_folder()
    if not folder or not os.path.isdir(folder):
        return
    for entry in os.listdir(folder):
        path = os.path.join(folder, entry)
        if os.path.isfile(path):
            os.remove(path)


def _test_bindings(module):
    import numpy as np

    x = np.arange(1, 10, dtype=np.float32).reshape(-1, 3)
    y = np.arange(3, 9, dtype=np.float32).reshape(-1, 3)
    f = module.Genred("SqNorm2(x - y)", ["x = Vi(3)", "y = Vj(3)"])
    if module.__name__.endswith("torch"):
        import torch
        x, y = torch.from_numpy(x), torch.from_numpy(y)
    ok = bool(np.allclose(np.asarray(f(x, y)).reshape(-1), [63.0, 90.0]))
    name = module.__name__.rsplit(".", 1)[-1]
    print(f"pyKeOps (kred) with {name} bindings is working!" if ok
          else f"pyKeOps (kred) with {name} bindings outputs wrong values...")
    return ok


def test_numpy_bindings():
    """Compiles and runs a small formula through pykeops.numpy."""
    from . import numpy
    return _test_bindings(numpy)


def test_torch_bindings():
    """Compiles and runs a small formula through pykeops.torch."""
    from . import torch
    return _test_bindings(torch)


define_missing(globals(), "pykeops", ["pykeops_nvrtc_name"],
               "kred compiles GPU kernels without pykeops' NVRTC binary")
