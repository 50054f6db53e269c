"""Fixtures of the Python test suite: both front-ends (kred.numpy and
kred.torch) behind one interface, and dense float64 references."""

import numpy as np
import pytest

import kred.numpy

try:
    import torch
    import kred.torch
except ImportError:  # pragma: no cover - torch is installed by make test
    torch = None


class NumpyFront:
    name = "numpy"
    module = kred.numpy

    def array(self, a, dtype):
        return np.ascontiguousarray(a, dtype=dtype)

    def to_numpy(self, a):
        return np.asarray(a)


class TorchFront:
    name = "torch"

    def __init__(self):
        self.module = kred.torch

    def array(self, a, dtype):
        return torch.from_numpy(np.ascontiguousarray(a, dtype=dtype))

    def to_numpy(self, a):
        return a.detach().numpy()


def assert_gradients_match(out, dense, inputs, rtol, atol):
    """The gradients of <out, w> and <dense, w> (w random) with respect to
    `inputs` agree."""
    w = torch.randn_like(dense)
    got = torch.autograd.grad((out * w).sum(), inputs)
    expected = torch.autograd.grad((dense * w).sum(), inputs)
    for g, e in zip(got, expected):
        assert torch.allclose(g, e, rtol=rtol, atol=atol)


def cuda_devices():
    """The CUDA devices kred sees, or why there are none (a string)."""
    try:
        return kred._kred.cuda_devices() or "no CUDA device"
    except ValueError as e:
        return str(e)


def gpu_available():
    return isinstance(cuda_devices(), list)


# What backend="GPU" raises on a machine without a usable GPU.
NO_GPU = "no CUDA driver|there is no CUDA device|failed to initialize"

FRONTS = [NumpyFront()] + ([TorchFront()] if torch is not None else [])


@pytest.fixture(params=FRONTS, ids=lambda f: f.name)
def front(request):
    return request.param


@pytest.fixture(params=["float32", "float64"])
def dtype(request):
    return request.param


def tolerance(dtype):
    return dict(rtol=2e-4, atol=2e-5) if dtype == "float32" else dict(rtol=1e-9, atol=1e-11)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
