"""K-nearest neighbours against NumPy's stable sort: many K (the sorted
buffer per row, and its insertion), ties (broken by the smaller index), K
larger than the number of points (+inf and index -1), NaN (first, as in
kred's argmin), both axes and sizes that are not a multiple of the vector
width."""

import numpy as np
import pytest


def stable_kmin(values, k, axis):
    """(values, indices) of the k smallest along `axis`, ties by index,
    padded with (+inf, -1) when fewer than k."""
    v = np.moveaxis(values, axis, -1)
    order = np.argsort(v, axis=-1, kind="stable")[..., :k]
    best = np.take_along_axis(v, order, -1)
    missing = k - order.shape[-1]
    if missing > 0:
        pad = [(0, 0)] * (v.ndim - 1) + [(0, missing)]
        order = np.pad(order, pad, constant_values=-1)
        best = np.pad(best, pad, constant_values=np.inf)
    return best, order


@pytest.mark.parametrize("k", [1, 2, 7, 10, 33, 50])
@pytest.mark.parametrize("axis", [0, 1])
def test_kmin_argkmin(front, dtype, k, axis):
    rng = np.random.default_rng(k)
    # Integer coordinates: many equal distances, so ties are exercised.
    x = rng.integers(-3, 4, (23, 2)).astype(float)
    y = rng.integers(-3, 4, (301, 2)).astype(float)
    if axis == 0:
        x, y = y, x
    m = front.module
    d = m.Vi(front.array(x, dtype)).sqdist(m.Vj(front.array(y, dtype)))
    values, indices = d.Kmin_argKmin(k, dim=axis)
    dense = ((x[:, None] - y[None]) ** 2).sum(-1)
    ref_values, ref_indices = stable_kmin(dense, k, axis)
    np.testing.assert_array_equal(front.to_numpy(indices), ref_indices)
    np.testing.assert_array_equal(front.to_numpy(values), ref_values)
    np.testing.assert_array_equal(front.to_numpy(d.argKmin(k, dim=axis)), ref_indices)
    if k == 1:
        np.testing.assert_array_equal(front.to_numpy(d.argmin(dim=axis))[:, 0],
                                      ref_indices[:, 0])


@pytest.mark.parametrize("k", [10, 24, 40, 64])
@pytest.mark.parametrize("features", ["", "-avx512f"])
def test_buffers_padded_to_whole_registers_keep_the_first_k(k, features):
    """K = 10, 24 and 40 take buffers of 16, 32 and 64 slots on the vector
    units; entries that fall past K must not come back. AVX2 code shifts
    64 slots as two pieces of 32 (the entry that leaves the first enters
    the second). Many ties (integer coordinates), AVX-512 and AVX2 code."""
    import kred.numpy as kn
    rng = np.random.default_rng(k)
    x = rng.integers(-4, 5, (37, 3)).astype(np.float32)
    y = rng.integers(-4, 5, (1001, 3)).astype(np.float32)
    options = {"cpu-features": features} if features else None
    f = kn.Genred("SqDist(X, Y)", ["X = Vi(3)", "Y = Vj(3)"], reduction_op="KMin_ArgKMin",
                  opt_arg=k, axis=1, compile_options=options)
    values, indices = f(x, y)
    dense = ((x[:, None].astype(np.float64) - y[None]) ** 2).sum(-1)
    ref_values, ref_indices = stable_kmin(dense, k, 1)
    np.testing.assert_array_equal(indices.reshape(37, k), ref_indices)
    np.testing.assert_array_equal(values.reshape(37, k), ref_values)


def test_more_neighbours_than_points(front):
    m = front.module
    x = np.arange(4.0)[:, None]
    y = np.array([[0.5], [2.0], [-1.0]])
    values, indices = m.Vi(front.array(x, "float64")).sqdist(
        m.Vj(front.array(y, "float64"))).Kmin_argKmin(5, dim=1)
    ref_values, ref_indices = stable_kmin(((x[:, None] - y[None]) ** 2).sum(-1), 5, 1)
    np.testing.assert_array_equal(front.to_numpy(indices), ref_indices)
    np.testing.assert_array_equal(front.to_numpy(values), ref_values)
    assert (front.to_numpy(indices)[:, 3:] == -1).all()


def test_nan_comes_first(front, dtype):
    """A NaN term is the smallest: it is kept first (in index order), as
    kred's argmin returns the first NaN."""
    rng = np.random.default_rng(5)
    y = rng.standard_normal((40, 1))
    y[[3, 17, 30]] = np.nan
    m = front.module
    x = np.zeros((3, 1))
    values, indices = (m.Vi(front.array(x, dtype)) - m.Vj(front.array(y, dtype))).abs() \
        .Kmin_argKmin(6, dim=1)
    order = np.argsort(np.abs(y[:, 0]), kind="stable")
    numbers = [j for j in order if not np.isnan(y[j, 0])]
    expected = [3, 17, 30] + numbers[:3]
    np.testing.assert_array_equal(front.to_numpy(indices), np.array([expected] * 3))
    assert np.isnan(front.to_numpy(values)[:, :3]).all()
    np.testing.assert_array_equal(front.to_numpy(values)[:, 3:],
                                  np.abs(y[numbers[:3], 0])[None].repeat(3, 0).astype(dtype))


def test_vector_formula_and_max(front, dtype):
    """KMin of a formula of dimension D > 1 is per component; Max_ArgMax and
    ArgMax keep the first of equal maxima."""
    rng = np.random.default_rng(6)
    x = rng.integers(0, 3, (9, 3)).astype(float)
    y = rng.integers(0, 3, (70, 3)).astype(float)
    m = front.module
    diff = m.Vi(front.array(x, dtype)) - m.Vj(front.array(y, dtype))
    dense = x[:, None] - y[None]
    values, indices = diff.Kmin_argKmin(4, dim=1)
    ref_values, ref_indices = stable_kmin(dense, 4, 1)  # (9, 3, 4): per component
    np.testing.assert_array_equal(front.to_numpy(indices), ref_indices.transpose(0, 2, 1))
    np.testing.assert_array_equal(front.to_numpy(values), ref_values.transpose(0, 2, 1))
    best, where = diff.max_argmax(dim=1)
    np.testing.assert_array_equal(front.to_numpy(where), dense.argmax(1))
    np.testing.assert_array_equal(front.to_numpy(best), dense.max(1))


@pytest.mark.parametrize("k", [3, 20, 64, 70])
def test_worst_values_enter_after_numbers(front, dtype, k):
    """Terms equal to +inf (the worst value) fill the slots the numbers
    leave, in index order, before the empty slots (+inf, -1); -inf terms
    come right after the NaN ones. K = 3 to 64 take the K-lane insertion
    (+inf and NaN by the full rule), 70 the slot-by-slot one."""
    rng = np.random.default_rng(k)
    y = rng.standard_normal((50, 1))
    y[rng.permutation(50)[:30]] = np.inf
    y[[7, 40]] = np.nan
    m = front.module
    x = np.zeros((5, 1))
    d = m.Vi(front.array(x, dtype)) + m.Vj(front.array(y, dtype))
    values, indices = d.Kmin_argKmin(k, dim=1)
    order = [7, 40] + [j for j in np.argsort(y[:, 0], kind="stable")
                       if not np.isnan(y[j, 0])]
    expected = (order + [-1] * k)[:k]
    np.testing.assert_array_equal(front.to_numpy(indices), np.array([expected] * 5))
    negated = (-d).Kmin_argKmin(k, dim=1)[1]
    order = [7, 40] + [j for j in np.argsort(-y[:, 0], kind="stable")
                       if not np.isnan(y[j, 0])]
    np.testing.assert_array_equal(front.to_numpy(negated),
                                  np.array([(order + [-1] * k)[:k]] * 5))


def host_has(*flags):
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            present = set(cpuinfo.read().split())
    except OSError:
        return False
    return all(flag in present for flag in flags)


# How the passing lanes reach the batches: a loop over the mask's set lanes
# (AVX2 code for heavy formulas, K > 32, where the buffer would fill more
# than half the registers); AVX-512's register compress (K >= 9; on a host
# without AVX-512, LLVM's generic expansion of the same IR runs); AVX2's
# permutation from a table of lane numbers (K >= 12).
MERGED_APPENDS = {"set-lanes": {"cpu-features": "-avx512f", "lane-compress": "none"},
                  "compress": {"avx512": 1, "lane-compress": "instruction"},
                  "permutation": {"cpu-features": "-avx512f",
                                  "lane-compress": "permutation"}}


@pytest.mark.parametrize("append,k", [("set-lanes", 33), ("set-lanes", 47),
                                      ("set-lanes", 64), ("compress", 9),
                                      ("compress", 16), ("compress", 33),
                                      ("compress", 64), ("permutation", 12),
                                      ("permutation", 17),
                                      ("permutation", 33), ("permutation", 64)])
@pytest.mark.parametrize("axis", [0, 1])
def test_merged_batches(append, k, axis):
    """Entries merged in batches as keys: NaN first, ties by index, +inf
    terms before empty slots, -inf and -0.0 among the numbers, a vector
    formula per component, sizes off the vector width, both axes."""
    if append == "permutation" and not host_has("avx2"):
        pytest.skip("the permutation needs AVX2")
    import kred.numpy as kn
    rng = np.random.default_rng(k + axis)
    x = rng.integers(-3, 4, (29, 2)).astype(np.float32)
    y = rng.integers(-3, 4, (333, 2)).astype(np.float32)
    y[rng.permutation(333)[:40], 0] = np.inf
    y[[5, 200], 0] = np.nan
    y[[11, 12], 0] = -np.inf
    y[[20, 21], 1] = -0.0
    if axis == 0:
        x, y = y, x
    alias = ["X = Vi(2)", "Y = Vj(2)"]
    f = kn.Genred("X - Y", alias, reduction_op="KMin_ArgKMin", opt_arg=k, axis=axis,
                  compile_options=MERGED_APPENDS[append])
    values, indices = f(x, y)
    dense = x[:, None].astype(np.float64) - y[None]
    rows = dense.shape[1 - axis]
    terms = np.moveaxis(dense, axis, 1)
    best, order = nan_first_kmin(terms, k)
    # kred's layout: (rows, K, components).
    np.testing.assert_array_equal(indices.reshape(rows, k, 2), order)
    np.testing.assert_array_equal(values.reshape(rows, k, 2), best.astype(np.float32))


def nan_first_kmin(terms, k):
    """(values, indices) of the k best of each row of `terms`: NaN first
    (in index order), then by value, ties by index."""
    by_value = np.argsort(terms, axis=1, kind="stable")
    nan_first = np.argsort(~np.isnan(np.take_along_axis(terms, by_value, 1)), axis=1,
                           kind="stable")
    order = np.take_along_axis(by_value, nan_first, 1)[:, :k]
    return np.take_along_axis(terms, order, 1), order


@pytest.mark.parametrize("append,k", [("compress", 9), ("compress", 33),
                                      ("permutation", 12), ("permutation", 64),
                                      ("set-lanes", 40)])
@pytest.mark.parametrize("points", ["receding", "ties", "specials", "wide"])
def test_hinted_rows(append, k, points):
    """Rows of one component merged in bulk start from a hint, the worst
    K-th entry of the row blocks before; rows with fewer than K terms below
    it run their columns again. Rows receding from the points (every
    hinted row has farther neighbours than the rows before: all run
    again), integer points (many terms equal to the hint), NaN and +inf
    terms, and 64 coordinates (a first tile of 1,024 of the 2,500 columns,
    then tiles without hints)."""
    if append == "permutation" and not host_has("avx2"):
        pytest.skip("the permutation needs AVX2")
    import kred.numpy as kn
    rng = np.random.default_rng(k)
    dim, n, m = (64, 70, 2500) if points == "wide" else (2, 150, 1200)
    if points == "receding":
        y = rng.random((m, dim)).astype(np.float32)
        x = np.zeros((n, dim), np.float32)
        x[:, 0] = 1 + 0.05 * np.arange(n)
    else:
        x = rng.integers(-3, 4, (n, dim)).astype(np.float32)
        y = rng.integers(-3, 4, (m, dim)).astype(np.float32)
    if points == "specials":
        y[rng.permutation(m)[:30], 0] = np.inf
        y[[5, 700], 1] = np.nan
    alias = [f"X = Vi({dim})", f"Y = Vj({dim})"]
    f = kn.Genred("SqDist(X, Y)", alias, reduction_op="KMin_ArgKMin", opt_arg=k,
                  axis=1, compile_options=MERGED_APPENDS[append])
    values, indices = f(x, y)
    dense = ((x[:, None].astype(np.float64) - y[None]) ** 2).sum(-1)
    best, order = nan_first_kmin(dense, k)
    if points == "receding":
        # Real coordinates: float32 rounding; the indices must select the
        # K smallest distances.
        np.testing.assert_allclose(values, best, rtol=1e-6)
        np.testing.assert_allclose(np.take_along_axis(dense, indices, 1), best,
                                   rtol=1e-6)
        return
    # Integer coordinates: exact in float32, ties by index.
    np.testing.assert_array_equal(values, best.astype(np.float32))
    np.testing.assert_array_equal(indices, order)
