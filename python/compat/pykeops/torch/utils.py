"""pykeops.torch.utils: the tensor helpers pykeops' own examples use."""

import torch

from kred.torch import Genred, KernelSolve
from kred.torch.cluster import swap_axes as torch_swap_axes

from .._missing import define_missing


def is_on_device(x):
    return x.is_cuda


def torchsolve(A, B):
    return torch.linalg.solve(A, B)


def squared_distances(x, y):
    """|x_i - y_j|^2 as a dense (N, M) tensor."""
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)


class torchtools:
    copy, exp, log, norm = torch.clone, torch.exp, torch.log, torch.norm
    Genred, KernelSolve, swap_axes = Genred, KernelSolve, torch_swap_axes
    arraytype = torch.Tensor
    float_types = [float]

    @staticmethod
    def eq(x, y): return torch.eq(x, y)
    @staticmethod
    def transpose(x): return x.t()
    @staticmethod
    def permute(x, *args): return x.permute(*args)
    @staticmethod
    def contiguous(x): return x.contiguous()
    @staticmethod
    def solve(A, b): return torchsolve(A, b).contiguous()
    @staticmethod
    def arraysum(x, axis=None): return x.sum() if axis is None else x.sum(dim=axis)
    @staticmethod
    def long(x): return x.long()
    @staticmethod
    def size(x): return x.numel()
    @staticmethod
    def tile(*args): return torch.Tensor.repeat(*args)
    @staticmethod
    def numpy(x): return x.detach().cpu().numpy()
    @staticmethod
    def view(x, s): return x.view(s)
    @staticmethod
    def is_tensor(x): return isinstance(x, torch.Tensor)
    @staticmethod
    def dtype(x): return x.dtype if hasattr(x, "dtype") else type(x)
    @staticmethod
    def device(x): return x.device if isinstance(x, torch.Tensor) else None


define_missing(globals(), "pykeops.torch.utils", ["torch_kernel"],
               "it is a helper of pykeops' own test suite that kred does not provide")
