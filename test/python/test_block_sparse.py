"""Block-sparse reductions (ranges=) against a dense masked NumPy reference:
every reduction kind, both axes, float32/float64, random cluster masks with
empty blocks, rows of no cluster and clusters that meet nothing; invalid
ranges raise before any work; LazyTensor.ranges and gradients."""

import numpy as np
import pytest

import kred.numpy as kn
from kred.numpy import cluster as kc
from conftest import assert_gradients_match

ALIASES = ["X = Vi(2)", "Y = Vj(2)", "B = Vj(2)"]
FORMULA = "Exp(-10 * SqDist(X, Y)) * B"


def clustered_problem(seed, n=120, m=90):
    """Sorted clouds, their cluster ranges, a random block mask and the
    matching (n, m) pair mask. Cluster 0 of x meets no cluster of y."""
    rng = np.random.default_rng(seed)
    x, y, b = rng.random((n, 2)), rng.random((m, 2)), rng.standard_normal((m, 2))
    x, lx = kc.sort_clusters(x, kc.grid_cluster(x, 0.3))
    (y, b), ly = kc.sort_clusters((y, b), kc.grid_cluster(y, 0.3))
    keep = rng.random((lx.max() + 1, ly.max() + 1)) < 0.4
    keep[0] = False
    ranges = kc.from_matrix(kc.cluster_ranges(lx), kc.cluster_ranges(ly), keep)
    return x, y, b, ranges, keep[lx][:, ly]


def dense_terms(formula, x, y, b):
    assert formula == FORMULA
    return np.exp(-10 * ((x[:, None] - y[None]) ** 2).sum(-1))[..., None] * b[None]


def masked_reference(reduction, terms, mask, k=3):
    """The reduction over j of the kept terms (n, m, D) only."""
    kept = mask[..., None]
    big = np.where(kept, terms, np.inf)
    if reduction == "Sum":
        return np.where(kept, terms, 0).sum(1)
    if reduction == "Min":
        return big.min(1)
    if reduction == "ArgMin":
        return np.where(np.isinf(big.min(1)), -1, big.argmin(1))
    if reduction == "KMin":
        return np.sort(big, 1)[:, :k].transpose(0, 2, 1).reshape(len(terms), -1)
    if reduction == "Max":
        return np.where(kept, terms, -np.inf).max(1)
    if reduction == "LogSumExp":
        with np.errstate(divide="ignore"):
            return np.log(np.where(kept, np.exp(terms), 0).sum(1))
    raise ValueError(reduction)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("reduction", ["Sum", "Min", "Max", "ArgMin", "KMin", "LogSumExp"])
def test_block_sparse_equals_the_masked_dense_reduction(reduction, axis, dtype):
    x, y, b, ranges, mask = clustered_problem(len(reduction) + axis)
    formula, terms = FORMULA, dense_terms(FORMULA, x, y, b)
    if reduction == "LogSumExp":
        formula, terms = f"Sum({FORMULA})", terms.sum(-1, keepdims=True)
    if reduction in ("ArgMin", "KMin"):
        formula, terms = "SqDist(X, Y)", ((x[:, None] - y[None]) ** 2).sum(-1)[..., None]
    # Over i, x is indexed by j and the pattern is transposed: the numbers
    # are the same.
    aliases = ALIASES if axis == 1 else ["X = Vj(2)", "Y = Vi(2)", "B = Vi(2)"]
    pattern = ranges if axis == 1 else kc.swap_axes(ranges)
    f = kn.Genred(formula, aliases, reduction_op=reduction, axis=axis,
                  opt_arg=3 if reduction == "KMin" else None)
    got = f(*(a.astype(dtype) for a in (x, y, b)), ranges=pattern)
    ref = masked_reference(reduction, terms, mask)
    if reduction == "ArgMin":
        assert np.array_equal(got, ref)
        return
    got = got.reshape(ref.shape).astype(np.float64)
    finite = np.isfinite(ref)
    assert np.array_equal(np.isfinite(got), finite)
    tol = 1e-5 if dtype == "float32" else 1e-12
    assert np.allclose(got[finite], ref[finite], rtol=tol, atol=tol)


def test_rows_of_no_cluster_get_the_identity():
    x, y, b = np.random.default_rng(0).random((3, 10, 2))
    ranges = kc.from_matrix(np.array([[2, 5]]), np.array([[0, 10]]), np.array([[True]]))
    f = kn.Genred(FORMULA, ALIASES, axis=1)
    got = f(x, y, b, ranges=ranges)
    assert np.all(got[[0, 1, 5, 6, 7, 8, 9]] == 0)
    assert np.allclose(got[2:5], f(x[2:5], y, b))
    m = kn.Genred("SqDist(X, Y)", ALIASES[:2], reduction_op="Min", axis=1)(
        x, y, ranges=ranges)
    assert np.all(np.isinf(m[:2])) and np.all(m[:2] > 0)


def bad(ranges, index, value):
    ranges = [np.array(r) for r in ranges]
    ranges[index][np.unravel_index(0, ranges[index].shape)] = value
    return ranges


@pytest.mark.parametrize("index, value, message", [
    (0, -1, r"ranges_i\[0\] = \[-1, 2\) is not a range of rows within \[0, 6\)"),
    (2, 7, r"redranges_j\[0\] = \[7, 3\) is not a range of rows within \[0, 5\)"),
    (1, 9, r"slices_i\[0\] = 9 is not a slice end within \[0, 2\]"),
    (3, 4, r"ranges_j\[0\] = \[4, 3\) is not a range of rows within \[0, 5\)"),
])
def test_invalid_ranges_raise_naming_the_array_and_entry(index, value, message):
    x, y, b = np.zeros((6, 2)), np.zeros((5, 2)), np.zeros((5, 2))
    ranges = kc.from_matrix(np.array([[0, 2], [2, 6]]), np.array([[0, 3], [3, 5]]),
                            np.array([[True, False], [False, True]]))
    f = kn.Genred(FORMULA, ALIASES, axis=1)
    with pytest.raises(ValueError, match=message):
        f(x, y, b, ranges=bad(ranges, index, value))


def test_overlapping_clusters_and_malformed_arrays_are_refused():
    x, y, b = np.zeros((6, 2)), np.zeros((5, 2)), np.zeros((5, 2))
    f = kn.Genred(FORMULA, ALIASES, axis=1)
    ranges = list(kc.from_matrix(np.array([[0, 4], [2, 6]]), np.array([[0, 5]]),
                                 np.ones((2, 1), bool)))
    with pytest.raises(ValueError, match=r"ranges_i\[1\] = \[2, 6\) overlaps"):
        f(x, y, b, ranges=ranges)
    with pytest.raises(ValueError, match="ranges must be KeOps' six arrays"):
        f(x, y, b, ranges=ranges[:3])
    ranges[2] = ranges[2].astype(np.float32)
    with pytest.raises(TypeError, match="ranges array redranges_j must hold integers"):
        f(x, y, b, ranges=ranges)
    ranges[2] = np.zeros((2, 3), np.int64)
    with pytest.raises(ValueError, match=r"ranges array 'redranges_j' has shape \[2, 3\]"):
        f(x, y, b, ranges=ranges)


def test_int32_ranges_and_lazytensor_ranges():
    x, y, b, ranges, mask = clustered_problem(7)
    xi, yj, bj = kn.LazyTensor(x[:, None]), kn.LazyTensor(y[None]), kn.LazyTensor(b[None])
    k = (-10 * ((xi - yj) ** 2).sum(-1)).exp()
    k.ranges = tuple(r.astype(np.int32) for r in ranges)
    got = (k * bj).sum(dim=1)  # the product keeps k's ranges
    ref = masked_reference("Sum", dense_terms(FORMULA, x, y, b), mask)
    assert np.allclose(got, ref)
    # Over i, with the transposed pattern (K.t() swaps the axes).
    ci = kn.LazyTensor(np.ones((len(x), 1))[:, None])
    assert np.allclose((k.t() * ci.t()).sum(dim=1)[:, 0],
                       (np.exp(-10 * ((x[:, None] - y[None]) ** 2).sum(-1)) * mask).sum(0))
    other = kn.LazyTensor(x[:, None])
    other.ranges = kc.swap_axes(ranges)
    with pytest.raises(ValueError, match="different ranges"):
        k * other


def test_gradients_of_a_block_sparse_reduction_match_dense_masked_autograd():
    torch = pytest.importorskip("torch")
    import kred.torch as kt
    x, y, b, ranges, mask = clustered_problem(3)
    x, y, b = (torch.tensor(a, requires_grad=True) for a in (x, y, b))
    ranges = tuple(torch.from_numpy(r) for r in ranges)
    f = kt.Genred(FORMULA, ALIASES, axis=1)
    out = f(x, y, b, ranges=ranges)
    dense = (torch.exp(-10 * ((x[:, None] - y[None]) ** 2).sum(-1))
             * torch.from_numpy(mask)) @ b
    assert_gradients_match(out, dense, [x, y, b], rtol=1e-10, atol=1e-12)


def test_batches_with_ranges_are_refused():
    x, y, b = np.zeros((2, 6, 2)), np.zeros((2, 5, 2)), np.zeros((2, 5, 2))
    ranges = kc.from_matrix(np.array([[0, 6]]), np.array([[0, 5]]), np.ones((1, 1), bool))
    with pytest.raises(ValueError, match="ranges take arrays without batch dimensions.*block-diagonal ranges"):
        kn.Genred(FORMULA, ALIASES, axis=1)(x, y, b, ranges=ranges)


def test_a_batch_as_block_diagonal_ranges_equals_the_batched_reduction():
    """The refusal's advice: B problems stacked along i and j, each batch
    entry a cluster meeting only its own, give the batched result."""
    rng = np.random.default_rng(7)
    batches, n, m = 3, 7, 5
    x, y, b = rng.random((batches, n, 2)), rng.random((batches, m, 2)), rng.random((batches, m, 2))
    rows = lambda size: np.stack((np.arange(batches) * size, np.arange(1, batches + 1) * size), 1)
    ranges = kc.from_matrix(rows(n), rows(m), np.eye(batches, dtype=bool))
    stacked = kn.Genred(FORMULA, ALIASES, axis=1)(x.reshape(-1, 2), y.reshape(-1, 2),
                                                  b.reshape(-1, 2), ranges=ranges)
    reference = np.concatenate([dense_terms(FORMULA, x[k], y[k], b[k]).sum(1)
                                for k in range(batches)])
    np.testing.assert_allclose(stacked, reference, rtol=1e-12)


@pytest.mark.parametrize("features", ["", "-avx512f"])
@pytest.mark.parametrize("reduction", ["Sum", "KMin"])
def test_rows_wider_than_the_registers_in_blocks(reduction, features):
    """Rows of 2 + 10 lanes (x and a wide i-variable u), more than half the
    registers: with AVX2 each block of rows is broadcast into a buffer per
    range of columns; the result is the masked dense one."""
    x, y, b, ranges, mask = clustered_problem(7)
    rng = np.random.default_rng(8)
    u, v = rng.standard_normal((len(x), 10)), rng.standard_normal((len(y), 10))
    if reduction == "Sum":
        formula = "Exp(-10 * SqDist(X, Y)) * B * (U | V)"
        terms = dense_terms(FORMULA, x, y, b) * (u @ v.T)[..., None]
    else:
        formula = "SqDist(X, Y) + (U | V)"
        terms = (((x[:, None] - y[None]) ** 2).sum(-1) + u @ v.T)[..., None]
    f = kn.Genred(formula, ALIASES + ["U = Vi(10)", "V = Vj(10)"], reduction_op=reduction,
                  axis=1, compile_options={"cpu-features": features} if features else {},
                  opt_arg=3 if reduction == "KMin" else None)
    ref = masked_reference(reduction, terms, mask)
    got = f(x, y, b, u, v, ranges=ranges).reshape(ref.shape)
    finite = np.isfinite(ref)
    assert np.array_equal(np.isfinite(got), finite)
    np.testing.assert_allclose(got[finite], ref[finite], rtol=1e-10, atol=1e-12)
