"""pykeops.torch.operations."""

from kred.torch import KernelSolve
