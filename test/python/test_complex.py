"""Complex LazyTensors, as pykeops 2.3 has them: built from complex arrays
or numbers, combined with real ones, reduced by sums into complex arrays.
The reference is NumPy's complex128 arithmetic on the dense (M, N) arrays."""

import math

import numpy as np
import pytest

M, N = 7, 9


def complex_array(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def to_front(front, a):
    if front.name == "numpy":
        return np.ascontiguousarray(a)
    import torch
    return torch.from_numpy(np.ascontiguousarray(a))


@pytest.fixture
def data():
    rng = np.random.default_rng(21)
    return dict(z=complex_array(rng, (M, 2)), w=complex_array(rng, (N, 2)),
                s=complex_array(rng, (N, 1)), x=rng.standard_normal((M, 2)),
                p=rng.uniform(0.5, 1.5, (N, 1)))


def lazy(front, data):
    LT = front.module.LazyTensor
    return dict(z=LT(to_front(front, data["z"])[:, None]),
                w=LT(to_front(front, data["w"])[None]),
                s=LT(to_front(front, data["s"])[None]),
                x=LT(to_front(front, data["x"])[:, None]),
                p=LT(to_front(front, data["p"])[None]))


def dense(data):
    return dict(z=data["z"][:, None], w=data["w"][None], s=data["s"][None],
                x=data["x"][:, None], p=data["p"][None])


CASES = {
    "mult": (lambda l: l["z"] * l["w"], lambda d: d["z"] * d["w"]),
    "mult_single": (lambda l: l["z"] * l["s"], lambda d: d["z"] * d["s"]),
    "add_sub": (lambda l: l["z"] + l["w"] - l["s"], lambda d: d["z"] + d["w"] - d["s"]),
    "divide": (lambda l: l["z"] / (l["w"] + 3), lambda d: d["z"] / (d["w"] + 3)),
    "real_times_complex": (lambda l: l["x"] * l["w"], lambda d: d["x"] * d["w"]),
    "real_scalar": (lambda l: l["p"] * l["z"] - 2.0 * l["w"], lambda d: d["p"] * d["z"] - 2 * d["w"]),
    "python_complex": (lambda l: (1 - 2j) * l["z"] + l["w"] * 0.5j,
                       lambda d: (1 - 2j) * d["z"] + d["w"] * 0.5j),
    "exp": (lambda l: (l["z"] * l["s"] * 0.3).exp(), lambda d: np.exp(d["z"] * d["s"] * 0.3)),
    "conj": (lambda l: l["z"].conj() * l["w"], lambda d: np.conj(d["z"]) * d["w"]),
    "exp1j": (lambda l: (l["x"] * l["p"]).exp1j() * l["w"],
              lambda d: np.exp(1j * d["x"] * d["p"]) * d["w"]),
    "real2complex": (lambda l: l["x"].real2complex() + l["p"].imag2complex(),
                     lambda d: d["x"] + 1j * d["p"]),
    "feature_sum": (lambda l: (l["z"] * l["w"]).sum(-1), lambda d: (d["z"] * d["w"]).sum(-1, keepdims=True)),
    "negation": (lambda l: -(l["z"] - l["w"]), lambda d: -(d["z"] - d["w"])),
}

REAL_CASES = {
    "real": (lambda l: (l["z"] * l["w"]).real, lambda d: (d["z"] * d["w"]).real),
    "imag": (lambda l: (l["z"] * l["w"]).imag, lambda d: (d["z"] * d["w"]).imag),
    "abs": (lambda l: abs(l["z"] - l["w"]), lambda d: np.abs(d["z"] - d["w"])),
    "angle": (lambda l: (l["z"] / l["w"]).angle(), lambda d: np.angle(d["z"] / d["w"])),
}


@pytest.mark.parametrize("name", list(CASES))
def test_complex_values(front, data, name):
    lazy_fn, dense_fn = CASES[name]
    expr = lazy_fn(lazy(front, data))
    got = expr.sum(dim=1)
    ref = np.broadcast_to(dense_fn(dense(data)), (M, N, got.shape[-1])).sum(1)
    assert front.to_numpy(got).dtype == np.complex128
    assert expr.dtype == "complex128"
    np.testing.assert_allclose(front.to_numpy(got), ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", list(REAL_CASES))
def test_real_parts(front, data, name):
    lazy_fn, dense_fn = REAL_CASES[name]
    got = lazy_fn(lazy(front, data)).sum(dim=1)
    ref = dense_fn(dense(data)).sum(1)
    assert front.to_numpy(got).dtype == np.float64
    np.testing.assert_allclose(front.to_numpy(got), ref, rtol=1e-10, atol=1e-10)


def test_fourier_transform(front):
    """pykeops' NUFFT example: X_i = sum_j c_j exp(-2 pi 1j p_j f_i), float32."""
    rng = np.random.default_rng(22)
    c = (rng.random((N, 1)) + 1j * rng.random((N, 1))).astype(np.complex64)
    p = rng.random((N, 1)).astype(np.float32)
    f = rng.random((M, 1)).astype(np.float32)
    LT = front.module.LazyTensor
    c_j, p_j = LT(to_front(front, c)[None]), LT(to_front(front, p)[None])
    f_i = LT(to_front(front, f)[:, None])
    X = (c_j * (-2 * math.pi * 1j * p_j * f_i).exp()).sum(dim=1)
    ref = (c[None] * np.exp(-2j * math.pi * p[None] * f[:, None])).sum(1)
    assert front.to_numpy(X).dtype == np.complex64
    np.testing.assert_allclose(front.to_numpy(X), ref, rtol=1e-5, atol=1e-5)


def test_shapes(front, data):
    l = lazy(front, data)
    assert l["z"].shape == (M, 1, 2) and l["z"]._shape == (M, 1, 4)
    product = l["z"] * l["s"]
    assert product.shape == (M, N, 2) and product.ndim == 4
    assert (l["z"] * l["w"]).sum(-1).shape == (M, N)
    assert type(l["z"]).__name__ == "ComplexLazyTensor"


def test_complex_matmul(front, data):
    """K @ v with a complex kernel and complex or real vectors."""
    rng = np.random.default_rng(23)
    x, y = rng.standard_normal((M, 2)), rng.standard_normal((N, 2))
    LT = front.module.LazyTensor
    x_i, y_j = LT(to_front(front, x)[:, None]), LT(to_front(front, y)[None])
    K = (1j * x_i.sqdist(y_j)).exp()  # exp(1j |x_i - y_j|^2)
    Kd = np.exp(1j * ((x[:, None] - y[None]) ** 2).sum(-1))
    v = complex_array(rng, (N,))
    got = K @ to_front(front, v)
    assert tuple(got.shape) == (M,)
    np.testing.assert_allclose(front.to_numpy(got), Kd @ v, rtol=1e-10)
    V = rng.standard_normal((N, 3))
    np.testing.assert_allclose(front.to_numpy(K @ to_front(front, V)), Kd @ V, rtol=1e-10)
    real_K = (-x_i.sqdist(y_j)).exp()
    np.testing.assert_allclose(front.to_numpy(real_K @ to_front(front, v)),
                               np.exp(-((x[:, None] - y[None]) ** 2).sum(-1)) @ v, rtol=1e-10)


def test_errors(front, data):
    l = lazy(front, data)
    with pytest.raises(ValueError, match="Log is not defined for complex"):
        l["z"].log()
    with pytest.raises(ValueError, match="powers of complex LazyTensors"):
        l["z"] ** 2
    with pytest.raises(ValueError, match="Min of a complex LazyTensor is not defined"):
        (l["z"] * l["w"]).min(dim=1)
    with pytest.raises(ValueError, match="complex operands of 2 and 3 components"):
        l["z"] * front.module.LazyTensor(to_front(front, np.ones((N, 3), complex))[None])
    with pytest.raises(ValueError, match="real2complex takes a real LazyTensor"):
        l["z"].real2complex()
