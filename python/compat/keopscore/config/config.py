"""keopscore.config.config: the module-level settings of keopscore before
2.3 (use_cuda, the build folder), which clients still read and set."""

from kred import _kred


def _gpu_available():
    try:
        return bool(_kred.cuda_devices())
    except ValueError:  # no CUDA driver
        return False


use_cuda = _gpu_available()
use_OpenMP = True
cpp_flags = ""
cxx_compiler = None


def get_use_cuda():
    return use_cuda


def get_build_folder():
    return _kred.cache_directory()


build_path = get_build_folder()


def set_build_folder(path=None):
    import pykeops
    pykeops.set_build_folder(path)


def init_cudalibs():
    """kred loads the CUDA driver itself when a GPU kernel runs."""
