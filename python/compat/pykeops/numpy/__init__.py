"""pykeops.numpy: kred.numpy under pykeops' name."""

from kred.numpy import (ComplexLazyTensor, Genred, KernelSolve, LazyTensor, Pm, Vi, Vj,
                        generic_argkmin, generic_argmin, generic_logsumexp, generic_sum)

from . import cluster, operations, utils

__all__ = sorted(["Genred", "generic_sum", "generic_logsumexp", "generic_argmin",
                  "generic_argkmin", "KernelSolve", "LazyTensor", "ComplexLazyTensor", "Vi",
                  "Vj", "Pm"])
