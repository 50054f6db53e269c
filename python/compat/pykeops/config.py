"""pykeops.config: the facts pykeops 2.3 exposes, from kred."""

import importlib.util

from kred import _kred
from keopscore.config.config import _gpu_available

numpy_found = importlib.util.find_spec("numpy") is not None
torch_found = importlib.util.find_spec("torch") is not None


gpu_available = _gpu_available()


def get_build_folder():
    return _kred.cache_directory()
