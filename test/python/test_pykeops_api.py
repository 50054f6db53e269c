"""The names and forms pykeops 2.3 users reach for, with pykeops' documented
behaviour: shapes, inline and symbolic variables, aliases of the reductions,
output shapes of the K-min reductions, Python numbers, indexing. Values are
checked against dense float64 NumPy."""

import math

import numpy as np
import pytest

from conftest import NO_GPU, gpu_available, tolerance

M, N = 6, 8


@pytest.fixture
def data():
    rng = np.random.default_rng(11)
    return rng.standard_normal((M, 3)), rng.standard_normal((N, 3))


def sqdist(x, y):
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)


def lazy(front, x, y, dtype="float64"):
    LT = front.module.LazyTensor
    return LT(front.array(x, dtype)[:, None, :]), LT(front.array(y, dtype)[None, :, :])


def test_shapes(front, data):
    """pykeops: _shape is (batch..., M, N, D), shape drops D = 1, ndim is D
    and dim() is len(_shape)."""
    x, y = data
    x_i, y_j = lazy(front, x, y)
    assert (x_i._shape, x_i.shape, x_i.ndim, x_i.dim()) == ((M, 1, 3), (M, 1, 3), 3, 3)
    K = (-x_i.sqdist(y_j)).exp()
    assert (K._shape, K.shape, K.ndim, K.dim(), K.nbatchdims) == ((M, N, 1), (M, N), 1, 3, 0)
    assert (x_i - y_j).shape == (M, N, 3)
    LT = front.module.LazyTensor
    p = LT(front.array(np.ones(3), "float64"))
    assert (p._shape, p.shape) == ((1, 1, 3), (1, 1, 3))
    c = LT(2.5)
    assert (c.shape, c.ndim, c.dtype) == ((1, 1), 1, None)
    b = LT(front.array(np.ones((2, M, 1, 3)), "float64"))
    assert (b.nbatchdims, b.batchdims, b.shape, b.dim()) == (1, (2,), (2, M, 1, 3), 4)
    assert x_i.dtype == "float64" and (x_i.ni, x_i.nj) == (M, None)


def test_inline_variables_in_genred(front, data):
    """Var(pos, dim, cat) and Vi(pos, dim) in a formula are arguments by
    position, with or without aliases."""
    x, y = data
    X, Y = front.array(x, "float64"), front.array(y, "float64")
    ref = sqdist(x, y).sum(1, keepdims=True)
    Genred = front.module.Genred
    f = Genred("SqDist(Var(0,3,0), Var(1,3,1))", [], reduction_op="Sum", axis=1)
    np.testing.assert_allclose(front.to_numpy(f(X, Y)), ref, rtol=1e-12)
    f = Genred("SqDist(X, Vj(1, 3))", ["X = Vi(0, 3)"], reduction_op="Sum", axis=1)
    np.testing.assert_allclose(front.to_numpy(f(X, Y)), ref, rtol=1e-12)
    f = Genred("SqDist(Vi(0, 3), Y) * Var(2, 1, 2)", ["Y = Vj(1, 3)"],
               reduction_op="Sum", axis=1)
    s = front.array(np.array([2.0]), "float64")
    np.testing.assert_allclose(front.to_numpy(f(X, Y, s)), 2 * ref, rtol=1e-12)
    with pytest.raises(ValueError, match=r"takes 3 arrays \(#0, Y, #2\), but 2 were given"):
        f(X, Y)
    with pytest.raises(ValueError, match="no variable has position 1"):
        Genred("SqDist(Vi(0, 3), Vj(2, 3))", [], reduction_op="Sum", axis=1)


def test_symbolic_variables(front, data):
    """LazyTensors of (ind, dim, cat), Vi(ind, dim), ...: the reduction is a
    callable taking their arrays first, then the LazyTensor's own arrays."""
    x, y = data
    m = front.module
    X, Y = front.array(x, "float64"), front.array(y, "float64")
    f = m.Vi(0, 3).sqdist(m.Vj(1, 3)).sum(dim=1)
    np.testing.assert_allclose(front.to_numpy(f(X, Y)), sqdist(x, y).sum(1, keepdims=True),
                               rtol=1e-12)
    # Mixed with an array: the array comes after the symbolic variables.
    w = np.linspace(1, 2, N)[:, None]
    g = (m.Vi(0, 3).sqdist(m.Vj(1, 3)) * m.Vj(front.array(w, "float64"))).sum(dim=1)
    np.testing.assert_allclose(front.to_numpy(g(X, Y)), sqdist(x, y) @ w, rtol=1e-12)
    # call=False defers a reduction without symbolic variables.
    x_i, y_j = lazy(front, x, y)
    h = x_i.sqdist(y_j).sum(dim=1, call=False)
    np.testing.assert_allclose(front.to_numpy(h()), sqdist(x, y).sum(1, keepdims=True),
                               rtol=1e-12)


def test_reduction_aliases(front, data):
    x, y = data
    x_i, y_j = lazy(front, x, y)
    D = x_i.sqdist(y_j)
    d = sqdist(x, y)
    close = lambda got, ref: np.testing.assert_allclose(front.to_numpy(got), ref, rtol=1e-12)
    close(D.sum_reduction(dim=1), d.sum(1, keepdims=True))
    close(D.min_reduction(dim=0), d.min(0)[:, None])
    close(D.max_reduction(axis=1), d.max(1, keepdims=True))
    close(D.argmin_reduction(dim=1), d.argmin(1)[:, None])
    close(D.argmax_reduction(dim=1), d.argmax(1)[:, None])
    close(D.min_argmin_reduction(dim=1)[1], d.argmin(1)[:, None])
    close(D.max_argmax_reduction(dim=1)[0], d.max(1, keepdims=True))
    close(D.Kmin_reduction(K=2, dim=1), np.sort(d, 1)[:, :2])
    close(D.argKmin_reduction(K=2, dim=1), np.argsort(d, 1, kind="stable")[:, :2])
    close(D.Kmin_argKmin_reduction(K=2, dim=1)[1], np.argsort(d, 1, kind="stable")[:, :2])
    lse = np.log(np.exp(-d).sum(1, keepdims=True))
    close((-D).logsumexp_reduction(dim=1), lse)
    close((-D).lse(dim=1), lse)
    b = np.linspace(-1, 1, N)[:, None]
    b_j = front.module.LazyTensor(front.array(b, "float64")[None])
    close((-D).sumsoftmaxweight_reduction(weight=b_j, dim=1),
          (np.exp(-d) @ b) / np.exp(-d).sum(1, keepdims=True))
    close(D.__min__(dim=1), d.min(1, keepdims=True))
    # SoftMax, pykeops' old name of SumSoftMaxWeight.
    f = front.module.Genred("-SqDist(X, Y)", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"],
                            reduction_op="SoftMax", formula2="B", axis=1)
    close(f(front.array(x, "float64"), front.array(y, "float64"), front.array(b, "float64")),
          (np.exp(-d) @ b) / np.exp(-d).sum(1, keepdims=True))


def test_kmin_output_shapes(front, data):
    """pykeops: the K values of a formula of dimension D > 1 come as
    (rows, K, D); for D = 1 as (rows, K)."""
    x, y = data
    x_i, y_j = lazy(front, x, y)
    diff = x_i - y_j  # dimension 3
    ref = np.sort(x[:, None, :] - y[None, :, :], axis=1)[:, :4, :]
    order = np.argsort(x[:, None, :] - y[None, :, :], axis=1, kind="stable")[:, :4, :]
    got = diff.Kmin(4, dim=1)
    assert tuple(got.shape) == (M, 4, 3)
    np.testing.assert_allclose(front.to_numpy(got), ref, rtol=1e-12)
    np.testing.assert_array_equal(front.to_numpy(diff.argKmin(4, dim=1)), order)
    values, indices = diff.Kmin_argKmin(4, dim=1)
    assert tuple(values.shape) == tuple(indices.shape) == (M, 4, 3)
    np.testing.assert_array_equal(front.to_numpy(indices), order)
    assert tuple(x_i.sqdist(y_j).Kmin_argKmin(4, dim=1)[0].shape) == (M, 4)


def test_numbers_and_shortcuts(front, data):
    """Integers are exact constants, floats parameters (a new value needs no
    new compilation); x + 0, x * 1 and 1 / x are pykeops' shortcuts."""
    x, y = data
    x_i, y_j = lazy(front, x, y)
    LT = front.module.LazyTensor
    D = x_i.sqdist(y_j)
    assert D + 0 is D and 0 + D is D and D * 1 is D and D / 1 is D
    assert D * 0 == 0 and 0 * D == 0
    cache = LT._genred_cache
    before = len(cache)
    for s in (0.5, 1.5):
        got = (D * s).sum(dim=1)
        np.testing.assert_allclose(front.to_numpy(got), s * sqdist(x, y).sum(1, keepdims=True),
                                   rtol=1e-12)
    assert len(cache) == before + 1
    got = (1 / (1 + D) + LT([1.0, 2.0, 3.0]).sum()).sum(dim=1)
    np.testing.assert_allclose(front.to_numpy(got),
                               (1 / (1 + sqdist(x, y)) + 6).sum(1, keepdims=True), rtol=1e-12)
    got = (-D * front.module.Pm(2.0)).exp().sum(dim=1)
    np.testing.assert_allclose(front.to_numpy(got), np.exp(-2 * sqdist(x, y)).sum(1)[:, None],
                               rtol=1e-12)


def test_vi_vj_pm_forms(front, data):
    x, y = data
    m = front.module
    w = np.linspace(0.5, 1.5, N)
    u = np.linspace(-1, 1, M)
    # 1-D arrays are columns (kred extends pykeops, which takes 2-D arrays).
    got = (m.Vi(front.array(u, "float64")) * m.Vj(front.array(w, "float64"))
           * m.Pm(front.array(np.array(3.0), "float64"))).sum(dim=1)
    np.testing.assert_allclose(front.to_numpy(got), 3 * u[:, None] * w.sum(), rtol=1e-12)
    assert m.Pm(front.array(np.ones(4), "float64")).ndim == 4


def test_sinc(front):
    v = np.linspace(-2.5, 2.5, 11)
    m = front.module
    got = m.Vi(front.array(v, "float64")).sinc() * m.Vj(front.array(np.ones(1), "float64"))
    np.testing.assert_allclose(front.to_numpy(got.sum(dim=1))[:, 0], np.sinc(v), atol=1e-15)


def test_indexing_and_concatenation(front, data):
    x, y = data
    x_i, y_j = lazy(front, x, y)
    diff = x_i - y_j
    dense = x[:, None, :] - y[None, :, :]
    LT = front.module.LazyTensor
    close = lambda lazy_value, ref: np.testing.assert_allclose(
        front.to_numpy(lazy_value.sum(dim=1)), ref.sum(1), rtol=1e-12)
    close(diff[1], dense[..., 1:2])
    close(diff[0:2], dense[..., 0:2])
    close(diff[..., 2], dense[..., 2:3])
    close(diff[:, :, 1:], dense[..., 1:])
    close(LT.concatenate((diff, x_i, diff[0])),
          np.concatenate([dense, np.broadcast_to(x[:, None], dense.shape), dense[..., :1]], -1))
    close(LT.cat((diff[0], diff[1]), -1), dense[..., :2])
    close(diff.factorize(x_i).auto_factorize(), dense)
    with pytest.raises(ValueError, match="indexed along their last dimension"):
        diff[0, 1]


def test_describe_and_unsupported(front, data):
    x, y = data
    x_i, y_j = lazy(front, x, y)
    K = (-x_i.sqdist(y_j)).exp()
    text = str(K)
    assert "Var(0,3,0)" in text and "Var(1,3,1)" in text and "shape: (6, 8)" in text
    with pytest.raises(ValueError, match="ranges must be KeOps' six arrays"):
        K.ranges = (1, 2, 3)
    K.backend = "CPU"  # pykeops' default backend of a LazyTensor's reductions
    np.testing.assert_allclose(front.to_numpy(K.sum(dim=1)),
                               np.exp(-sqdist(x, y)).sum(1, keepdims=True), rtol=1e-12)
    K.backend = "GPU_1D"
    if gpu_available():
        np.testing.assert_allclose(front.to_numpy(K.sum(dim=1)),
                                   np.exp(-sqdist(x, y)).sum(1, keepdims=True), rtol=1e-10)
    else:
        with pytest.raises(ValueError, match=NO_GPU):
            K.sum(dim=1)
    with pytest.raises(TypeError, match="unexpected keyword argument.*axes"):
        x_i.sqdist(y_j).sum(dim=1, axes=1)


def test_tolerances_hold_in_float32(front, data):
    x, y = data
    x_i, y_j = lazy(front, x, y, "float32")
    got = (-x_i.sqdist(y_j)).exp().sum(dim=0)
    np.testing.assert_allclose(front.to_numpy(got), np.exp(-sqdist(x, y)).sum(0)[:, None],
                               **tolerance("float32"))
    assert math.isclose(float(front.to_numpy(got).sum()), np.exp(-sqdist(x, y)).sum(),
                        rel_tol=1e-5)


def test_generic_builders(front, data):
    """pykeops' unary, binary, ternary and reduction reach any KeOps
    operation by name."""
    x, y = data
    x_i, y_j = lazy(front, x, y)
    d = sqdist(x, y)
    close = lambda got, ref: np.testing.assert_allclose(front.to_numpy(got), ref, rtol=1e-12)
    D = x_i.binary(y_j, "SqDist", dimres=1, dimcheck="same")
    close(D.unary("Exp").reduction("Sum", dim=1), np.exp(d).sum(1, keepdims=True))
    close(D.unary("Pow", opt_arg=3).sum(dim=1), (d ** 3).sum(1, keepdims=True))
    close(x_i.binary(y_j, "-", is_operator=True).sum(-1).sum(dim=1),
          (x[:, None] - y[None]).sum(-1).sum(1, keepdims=True))
    close(D.ternary(0.5, 2.0, "Clamp").sum(dim=1), np.clip(d, 0.5, 2.0).sum(1, keepdims=True))
    close(D.reduction("ArgKMin", opt_arg=2, axis=1), np.argsort(d, 1, kind="stable")[:, :2])
