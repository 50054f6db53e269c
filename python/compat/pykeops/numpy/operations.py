"""pykeops.numpy.operations."""

from kred.numpy import KernelSolve
