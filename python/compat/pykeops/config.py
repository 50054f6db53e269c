"""pykeops.config: the facts pykeops 2.3 exposes, from kred."""

import importlib.util

from kred import _kred

numpy_found = importlib.util.find_spec("numpy") is not None
torch_found = importlib.util.find_spec("torch") is not None


def _gpu_available():
    try:
        return bool(_kred.cuda_devices())
    except ValueError:  # no CUDA driver
        return False


gpu_available = _gpu_available()


def get_build_folder():
    return _kred.cache_directory()
