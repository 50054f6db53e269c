"""pykeops.numpy.utils: the array helpers pykeops' own examples use."""

import numpy as np

from kred.numpy import Genred, KernelSolve
from kred.numpy.cluster import swap_axes as np_swap_axes

from .._missing import define_missing


def squared_distances(x, y):
    """|x_i - y_j|^2 as a dense (N, M) array."""
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)


def differences(x, y):
    """x_i - y_j as a dense (D, N, M) array (pykeops' layout)."""
    return x.T[:, :, np.newaxis] - y.T[:, np.newaxis, :]


def log_sum_exp(mat, axis=0):
    """log(sum(exp(mat), axis)), computed stably."""
    top = np.max(mat, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(mat - top), axis=axis, keepdims=True)) + top
    return np.squeeze(out, axis=axis)


class numpytools:
    norm, arraysum, exp, log = np.linalg.norm, np.sum, np.exp, np.log
    Genred, KernelSolve, swap_axes = Genred, KernelSolve, np_swap_axes
    arraytype = np.ndarray
    float_types = [float, np.float16, np.float32, np.float64]

    @staticmethod
    def is_tensor(x): return isinstance(x, np.ndarray)
    @staticmethod
    def copy(x): return np.copy(x)
    @staticmethod
    def eq(x, y): return np.equal(x, y)
    @staticmethod
    def transpose(x): return x.T
    @staticmethod
    def permute(x, *args): return x.transpose(*args)
    @staticmethod
    def contiguous(x): return np.ascontiguousarray(x)
    @staticmethod
    def numpy(x): return x
    @staticmethod
    def tile(*args): return np.tile(*args)
    @staticmethod
    def solve(*args): return np.linalg.solve(*args)
    @staticmethod
    def size(x): return x.size
    @staticmethod
    def view(x, s): return np.reshape(x, s)
    @staticmethod
    def long(x): return x.astype("int64")
    @staticmethod
    def dtype(x): return x.dtype if hasattr(x, "dtype") else type(x)
    @staticmethod
    def dtypename(dtype): return np.dtype(dtype).name
    @staticmethod
    def rand(m, n, dtype): return np.random.rand(m, n).astype(dtype)
    @staticmethod
    def randn(m, n, dtype): return np.random.randn(m, n).astype(dtype)
    @staticmethod
    def zeros(shape, dtype, device=None, requires_grad=None): return np.zeros(shape).astype(dtype)
    @staticmethod
    def empty(shape, dtype, device=None, requires_grad=None): return np.empty(shape).astype(dtype)
    @staticmethod
    def eye(n, dtype): return np.eye(n).astype(dtype)
    @staticmethod
    def array(x, dtype, device=None): return np.array(x).astype(dtype)
    @staticmethod
    def device(x): return "cpu"


define_missing(globals(), "pykeops.numpy.utils",
               ["np_kernel", "np_kernel_sphere", "log_np_kernel", "grad_np_kernel",
                "chain_rules", "WarmUpGpu"],
               "it is a helper of pykeops' own test suite that kred does not provide")
