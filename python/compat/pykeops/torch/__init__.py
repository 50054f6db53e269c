"""pykeops.torch: kred.torch under pykeops' name."""

from kred.torch import (ComplexLazyTensor, Genred, KernelSolve, LazyTensor, Pm, Vi, Vj,
                        generic_argkmin, generic_argmin, generic_logsumexp, generic_sum)

from . import cluster, operations, utils

torch_version_required = "1.3"

__all__ = sorted(["Genred", "generic_sum", "generic_logsumexp", "generic_argmin",
                  "generic_argkmin", "KernelSolve", "LazyTensor", "Vi", "Vj", "Pm"])
