"""keopscore 2.3's top-level names, served by kred (see pykeops). The
settings clients read or set (config.use_cuda, cuda_block_size, the build
folder) are kept here; kred's compiler itself needs none of them."""

import os

from . import config
from .config import (cuda_config, get_config, get_cuda_config, get_openmp_config,
                     get_platform_config, openmp_config, platform_detector)

__version__ = "2.3"
verbose = os.getenv("KEOPS_VERBOSE") != "0"
debug_ops = False
debug_ops_at_exec = False
auto_factorize = False
cuda_block_size = 192
show_cuda_status = config.use_cuda
show_gpu_config = cuda_config
CHECK_MARK, CROSS_MARK = "\u2705", "\u274c"


def get_build_folder():
    return config.config.get_build_folder()


def set_build_folder(path=None):
    config.config.set_build_folder(path)


build_folder = get_build_folder()


def clean_keops(recompile_jit_binary=True):
    import pykeops
    pykeops.clean_pykeops(recompile_jit_binary)


def check_health():
    import kred
    return kred.check_health()
