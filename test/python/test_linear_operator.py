"""K @ v: a LazyTensor whose values are scalars is a linear operator on
arrays, as in pykeops (K @ v of shape (N,) gives (M,), of shape (..., N, E)
gives (..., M, E); K.t() @ w is the transposed product). The reference is
the dense kernel matrix in float64."""

import numpy as np
import pytest

from conftest import tolerance

M, N = 9, 13


def gaussian(front, x, y, dtype):
    LT = front.module.LazyTensor
    x_i = LT(front.array(x, dtype)[..., :, None, :])
    y_j = LT(front.array(y, dtype)[..., None, :, :])
    return (-((x_i - y_j) ** 2).sum(-1)).exp()


def dense(x, y):
    return np.exp(-((x[..., :, None, :] - y[..., None, :, :]) ** 2).sum(-1))


@pytest.fixture
def points():
    rng = np.random.default_rng(3)
    return rng.standard_normal((M, 3)), rng.standard_normal((N, 3))


def test_vector(front, dtype, points):
    x, y = points
    K = gaussian(front, x, y, dtype)
    v = np.random.default_rng(4).standard_normal(N)
    got = K @ front.array(v, dtype)
    assert tuple(got.shape) == (M,)
    assert front.to_numpy(got).dtype == np.dtype(dtype)
    np.testing.assert_allclose(front.to_numpy(got), dense(x, y) @ v, **tolerance(dtype))


def test_matrix_and_transpose(front, dtype, points):
    x, y = points
    K = gaussian(front, x, y, dtype)
    rng = np.random.default_rng(5)
    v, w = rng.standard_normal((N, 4)), rng.standard_normal((M, 2))
    got = K @ front.array(v, dtype)
    assert tuple(got.shape) == (M, 4)
    np.testing.assert_allclose(front.to_numpy(got), dense(x, y) @ v, **tolerance(dtype))
    got = K.t() @ front.array(w, dtype)
    assert tuple(got.shape) == (N, 2)
    np.testing.assert_allclose(front.to_numpy(got), dense(x, y).T @ w, **tolerance(dtype))
    # scipy's LinearOperator names.
    np.testing.assert_allclose(front.to_numpy(K.matvec(front.array(v, dtype))),
                               dense(x, y) @ v, **tolerance(dtype))
    np.testing.assert_allclose(front.to_numpy(K.rmatvec(front.array(w, dtype))),
                               dense(x, y).T @ w, **tolerance(dtype))


def test_batches(front, dtype):
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((2, M, 3)), rng.standard_normal((2, N, 3))
    K = gaussian(front, x, y, dtype)
    assert K.shape == (2, M, N) and K.nbatchdims == 1
    v = rng.standard_normal((2, N, 3))
    got = K @ front.array(v, dtype)
    assert tuple(got.shape) == (2, M, 3)
    np.testing.assert_allclose(front.to_numpy(got), dense(x, y) @ v, **tolerance(dtype))


def test_seed_idiom(front):
    """Seed 002: a_full = K @ b with b of shape (N, 1)."""
    rng = np.random.default_rng(7)
    x, y, b = rng.random((M, 3)), rng.random((N, 3)), rng.standard_normal((N, 1))
    K = gaussian(front, x, y, "float32")
    got = K @ front.array(b, "float32")
    assert tuple(got.shape) == (M, 1)
    np.testing.assert_allclose(front.to_numpy(got), dense(x, y) @ b, rtol=2e-5, atol=2e-5)


def test_keyword_arguments(front, points):
    """K @ v takes the reductions' keyword arguments, as pykeops' __matmul__
    passes them to sum (through K.matmul(v, ...) or K.__matmul__(v, ...),
    Python's @ taking none)."""
    x, y = points
    K = gaussian(front, x, y, "float32")
    v = front.array(np.ones((N, 1)), "float32")
    out = front.array(np.zeros((M, 1)), "float32")
    got = K.matmul(v, backend="CPU", device_id=0, sum_scheme="kahan_scheme",
                   use_double_acc=True, use_fast_math=False, enable_chunks=True, out=out)
    assert got is out
    np.testing.assert_allclose(front.to_numpy(out), dense(x, y).sum(1, keepdims=True),
                               rtol=1e-6)
    got = K.__matmul__(v, backend="CPU", sum_scheme="direct_sum")  # pykeops' form
    np.testing.assert_allclose(front.to_numpy(got), dense(x, y).sum(1, keepdims=True),
                               rtol=2e-5)
    got = K.sum(1, backend="auto", dtype_acc="float64", sum_scheme="block_sum")
    np.testing.assert_allclose(front.to_numpy(got), dense(x, y).sum(1, keepdims=True),
                               rtol=1e-6)


def test_errors(front, points):
    x, y = points
    K = gaussian(front, x, y, "float32")
    LT = front.module.LazyTensor
    x_i = LT(front.array(x, "float32")[:, None, :])
    with pytest.raises(ValueError, match=r"trailing dimension is 1 .*K.shape = \(9, 1, 3\).*"
                                         "matvecmult"):
        x_i @ front.array(np.ones(N), "float32")
    with pytest.raises(ValueError, match=r"K has 13 columns \(N\), but v has shape \(12,\)"):
        K @ front.array(np.ones(12), "float32")
    with pytest.raises(ValueError, match=r"v has shape \(12, 2\), with 12 rows"):
        K @ front.array(np.ones((12, 2)), "float32")
    with pytest.raises(TypeError, match="matvecmult"):
        K @ K
    with pytest.raises(TypeError, match="all arrays must share one dtype"):
        K @ front.array(np.ones(N), "float64")
    with pytest.raises(ValueError, match="backend must be 'auto', 'CPU' or 'GPU'"):
        K.matmul(front.array(np.ones(N), "float32"), backend="TPU")
    with pytest.raises(TypeError, match="unexpected keyword argument.*bogus"):
        K.sum(1, bogus=True)
