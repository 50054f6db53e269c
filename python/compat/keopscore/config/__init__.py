"""keopscore.config: both generations of keopscore's configuration API.
keopscore.config.use_cuda and keopscore.config.config.use_cuda (before
2.3), and the 2.3 objects (cuda_config.get_use_cuda(), ...)."""

from . import config

use_cuda = config.use_cuda


class _Settings:
    """A keopscore 2.3 configuration object: get_X() / set_X() over
    attributes, as clients call them."""

    def __init__(self, **values):
        self.__dict__.update(values)

    def __getattr__(self, name):
        if name.startswith("get_") and name[4:] in self.__dict__:
            return lambda: self.__dict__[name[4:]]
        if name.startswith("print_") and name[6:] in self.__dict__:
            return lambda: print(f"{name[6:]}: {self.__dict__[name[6:]]}")
        raise AttributeError(f"keopscore's configuration (kred) has no {name!r}")

    def get_build_folder(self):
        return config.get_build_folder()

    def set_build_folder(self, path=None):
        config.set_build_folder(path)

    def set_use_cuda(self, value=True):
        config.use_cuda = self.use_cuda = self._use_cuda = bool(value)


cuda_config = _Settings(use_cuda=config.use_cuda, _use_cuda=config.use_cuda,
                        cuda_block_size=192, n_gpus=1 if config.use_cuda else 0)
openmp_config = _Settings(use_OpenMP=True)
platform_detector = _Settings(os="Linux")
base_config = _Settings(cpp_flags="", cxx_compiler=None)


def get_config():
    return base_config


def get_cuda_config():
    return cuda_config


def get_openmp_config():
    return openmp_config


def get_platform_config():
    return platform_detector
