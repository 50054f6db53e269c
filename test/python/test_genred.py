"""Genred and the generic_* helpers against dense float64 references."""

import numpy as np
import pytest

import kred.common.genred as genred_module
from conftest import tolerance

ALIASES = ["X = Vi(3)", "Y = Vj(3)", "B = Vj(2)"]


def data(rng, n=13, m=29):
    return rng.standard_normal((n, 3)), rng.standard_normal((m, 3)), rng.standard_normal((m, 2))


def sqdist(x, y):
    return ((x[..., :, None, :] - y[..., None, :, :]) ** 2).sum(-1)


@pytest.mark.parametrize("axis", [0, 1])
def test_gaussian_sum(front, dtype, rng, axis):
    x, y, b = data(rng)
    f = front.module.Genred("Exp(-SqDist(X, Y)) * B", ALIASES, reduction_op="Sum",
                            axis=axis)
    if axis == 1:
        ref = np.exp(-sqdist(x, y)) @ b
        got = f(*(front.array(a, dtype) for a in (x, y, b)))
    else:
        # Over i: X is indexed by i, so the outputs are indexed by j.
        f = front.module.Genred("Exp(-SqDist(X, Y)) * B", ["X = Vj(3)", "Y = Vi(3)", "B = Vi(2)"],
                                reduction_op="Sum", axis=0)
        ref = np.exp(-sqdist(x, y)) @ b
        got = f(*(front.array(a, dtype) for a in (x, y, b)))
    assert str(got.dtype).endswith(dtype)
    np.testing.assert_allclose(front.to_numpy(got), ref, **tolerance(dtype))


REDUCTIONS = {
    "Min": lambda d, b: d.min(1, keepdims=True),
    "Max": lambda d, b: d.max(1, keepdims=True),
    "ArgMin": lambda d, b: d.argmin(1)[:, None],
    "ArgMax": lambda d, b: d.argmax(1)[:, None],
    "LogSumExp": lambda d, b: np.log(np.exp(-d).sum(1, keepdims=True)),
}


@pytest.mark.parametrize("op", list(REDUCTIONS))
def test_reductions(front, dtype, rng, op):
    x, y, _ = data(rng)
    formula = "-SqDist(X, Y)" if op == "LogSumExp" else "SqDist(X, Y)"
    f = front.module.Genred(formula, ["X = Vi(3)", "Y = Vj(3)"], reduction_op=op, axis=1)
    got = front.to_numpy(f(front.array(x, dtype), front.array(y, dtype)))
    ref = REDUCTIONS[op](sqdist(x, y), None)
    if op.startswith("Arg"):
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got, ref)
    else:
        np.testing.assert_allclose(got, ref, **tolerance(dtype))


@pytest.mark.parametrize("op", ["Min", "Max"])
@pytest.mark.parametrize("axis", [0, 1])
def test_min_max_propagate_nan_and_keep_infinities(front, dtype, op, axis):
    """Min and Max over 37 terms: NaN wherever a term is NaN (in a chunk's
    first lane, its middle or the tail past the last whole chunk), +-inf
    kept, as NumPy's min and max (the vector lanes use MINPS-like selects)."""
    rng = np.random.default_rng(3)
    variables = ["X = Vi(1)", "Y = Vj(1)"] if axis == 1 else ["X = Vj(1)", "Y = Vi(1)"]
    f = front.module.Genred("X + Y", variables, reduction_op=op, axis=axis)
    for position, value in ((0, np.nan), (9, np.nan), (36, np.nan), (17, np.inf),
                            (33, -np.inf), (5, 0.0)):
        terms = rng.standard_normal(37)
        terms[position] = value
        # One X = 0 against the 37 terms along the reduced axis.
        got = front.to_numpy(f(front.array(np.zeros((1, 1)), dtype),
                               front.array(terms[:, None], dtype)))[0, 0]
        ref = (np.min if op == "Min" else np.max)(terms.astype(dtype))
        if np.isnan(ref):
            assert np.isnan(got), (position, got)
        else:
            assert got == ref, (position, got, ref)


def test_min_argmin_and_kmin(front, dtype, rng):
    x, y, _ = data(rng)
    d = sqdist(x, y)
    args = (front.array(x, dtype), front.array(y, dtype))
    values, indices = front.module.Genred("SqDist(X, Y)", ["X = Vi(3)", "Y = Vj(3)"],
                                          reduction_op="Min_ArgMin", axis=1)(*args)
    np.testing.assert_allclose(front.to_numpy(values), d.min(1, keepdims=True), **tolerance(dtype))
    np.testing.assert_array_equal(front.to_numpy(indices), d.argmin(1)[:, None])
    values, indices = front.module.Genred("SqDist(X, Y)", ["X = Vi(3)", "Y = Vj(3)"],
                                          reduction_op="KMin_ArgKMin", axis=1, opt_arg=4)(*args)
    order = np.argsort(d, axis=1, kind="stable")[:, :4]
    np.testing.assert_array_equal(front.to_numpy(indices), order)
    np.testing.assert_allclose(front.to_numpy(values), np.take_along_axis(d, order, 1),
                               **tolerance(dtype))
    kmin = front.module.Genred("SqDist(X, Y)", ["X = Vi(3)", "Y = Vj(3)"],
                               reduction_op="KMin", axis=1, opt_arg=2)(*args)
    np.testing.assert_allclose(front.to_numpy(kmin), np.sort(d, 1)[:, :2], **tolerance(dtype))


def test_weighted_reductions(front, dtype, rng):
    x, y, b = data(rng)
    d = -sqdist(x, y)
    args = [front.array(a, dtype) for a in (x, y, b)]
    soft = front.module.Genred("-SqDist(X, Y)", ALIASES, reduction_op="SumSoftMaxWeight",
                               axis=1, formula2="B")(*args)
    w = np.exp(d - d.max(1, keepdims=True))
    np.testing.assert_allclose(front.to_numpy(soft), (w @ b) / w.sum(1, keepdims=True),
                               **tolerance(dtype))
    lse = front.module.Genred("-SqDist(X, Y)", ALIASES, reduction_op="LogSumExp", axis=1,
                              formula2="Exp(B)")(*args)
    np.testing.assert_allclose(front.to_numpy(lse), np.log(np.exp(d) @ np.exp(b)),
                               **tolerance(dtype))


@pytest.mark.parametrize("scheme", ["direct_sum", "block_sum", "kahan_scheme"])
def test_sum_schemes_and_accumulation(front, rng, scheme):
    x, y, b = data(rng, 7, 3000)
    for kwargs in ({"sum_scheme": scheme}, {"use_double_acc": True}, {"dtype_acc": "float64"}):
        f = front.module.Genred("(X | Y) * B", ALIASES, axis=1, **kwargs)
        got = f(*(front.array(a, "float32") for a in (x, y, b)))
        ref = (x @ y.T) @ b
        np.testing.assert_allclose(front.to_numpy(got), ref, rtol=1e-4, atol=1e-3)


def test_parameters_and_out(front, dtype, rng):
    x, y, _ = data(rng)
    s = np.array([0.7])
    f = front.module.Genred("Exp(-S * SqDist(X, Y))", ["X = Vi(3)", "Y = Vj(3)", "S = Pm(1)"],
                            axis=1)
    out = front.array(np.zeros((len(x), 1)), dtype)
    got = f(front.array(x, dtype), front.array(y, dtype), front.array(s, dtype), out=out)
    assert got is out
    np.testing.assert_allclose(front.to_numpy(out), np.exp(-0.7 * sqdist(x, y)).sum(1, keepdims=True),
                               **tolerance(dtype))


def test_batch_broadcasting(front, dtype, rng):
    x = rng.standard_normal((2, 1, 5, 3))
    y = rng.standard_normal((1, 3, 6, 3))
    b = rng.standard_normal((6, 1))  # No batch axes: broadcast to all.
    f = front.module.Genred("Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"],
                            axis=1)
    got = front.to_numpy(f(*(front.array(a, dtype) for a in (x, y, b))))
    ref = np.exp(-sqdist(x, y)) @ b
    assert got.shape == (2, 3, 5, 1)
    np.testing.assert_allclose(got, ref, **tolerance(dtype))


def test_float16(front, rng):
    x, y, b = data(rng)
    f = front.module.Genred("Exp(-SqDist(X, Y)) * B", ALIASES, axis=1)
    got = front.to_numpy(f(*(front.array(a, "float16") for a in (x, y, b))))
    assert str(got.dtype) == "float16"
    xh, yh, bh = (a.astype(np.float16).astype(np.float64) for a in (x, y, b))
    np.testing.assert_allclose(got, np.exp(-sqdist(xh, yh)) @ bh, rtol=4e-3, atol=4e-3)


def test_generic_helpers(front, dtype, rng):
    x, y, b = data(rng)
    m = front.module
    args = [front.array(a, dtype) for a in (x, y, b)]
    d = sqdist(x, y)
    got = m.generic_sum("Exp(-SqDist(X, Y)) * B", "A = Vi(2)", *ALIASES)(*args)
    np.testing.assert_allclose(front.to_numpy(got), np.exp(-d) @ b, **tolerance(dtype))
    got = m.generic_logsumexp("-SqDist(X, Y)", "A = Vi(1)", "X = Vi(3)", "Y = Vj(3)")(*args[:2])
    np.testing.assert_allclose(front.to_numpy(got), np.log(np.exp(-d).sum(1, keepdims=True)),
                               **tolerance(dtype))
    got = m.generic_argmin("SqDist(X, Y)", "A = Vi(1)", "X = Vi(3)", "Y = Vj(3)")(*args[:2])
    np.testing.assert_array_equal(front.to_numpy(got), d.argmin(1)[:, None])
    got = m.generic_argkmin("SqDist(X, Y)", "A = Vi(3)", "X = Vi(3)", "Y = Vj(3)")(*args[:2])
    np.testing.assert_array_equal(front.to_numpy(got), np.argsort(d, 1, kind="stable")[:, :3])
    # Over i: the output alias is indexed by j.
    got = m.generic_sum("Exp(-SqDist(X, Y)) * B", "A = Vj(2)", "X = Vj(3)", "Y = Vi(3)",
                        "B = Vi(2)")(*args)
    np.testing.assert_allclose(front.to_numpy(got), np.exp(-sqdist(x, y)) @ b, **tolerance(dtype))


def test_noncontiguous_inputs_are_copied(front, rng):
    x = rng.standard_normal((3, 10))[:, ::3]  # (3, 4) with strides
    y = rng.standard_normal((5, 4))
    f = front.module.Genred("SqDist(X, Y)", ["X = Vi(4)", "Y = Vj(4)"], axis=1)
    got = front.to_numpy(f(front.module is not None and _strided(front, x), front.array(y, "float64")))
    np.testing.assert_allclose(got, sqdist(x, y).sum(1, keepdims=True), rtol=1e-12)


def _strided(front, x):
    full = front.array(np.repeat(x, 3, axis=1), "float64")
    return full[:, ::3]


@pytest.mark.parametrize("options", [{"tile-i": 3, "tile-j": 16, "rows-per-chunk": 1},
                                     "vector-width=4 openmp=false fast-math=false",
                                     {"cpu-features": "-avx512f"}])
def test_compile_options_reach_the_code_generator(front, rng, options):
    """The code generator's options (kred-cpu-pipeline's table) through
    Genred and LazyTensor reductions: the results stay right, and the
    kernel is compiled with them (its cache key differs)."""
    x, y, b = data(rng, n=21, m=45)
    scale = 2 if front.name == "numpy" else 3  # a kernel of this test and front alone
    ref = np.exp(-sqdist(x, y) / scale) @ b
    formula = f"Exp(-SqDist(X, Y) / {scale}) * B"
    tuned = front.module.Genred(formula, ALIASES, axis=1, compile_options=options)
    args = [front.array(a, "float64") for a in (x, y, b)]
    np.testing.assert_allclose(front.to_numpy(tuned(*args)), ref, rtol=1e-12)
    # Each set of options is its own kernel: never the memory cache's copy of
    # the other parameter's (or of the default options').
    assert tuned._last_kernel.origin != "memory cache"
    front.module.Genred(formula, ALIASES, axis=1)(*args)
    X, Y = front.module.LazyTensor(args[0][:, None, :]), front.module.LazyTensor(args[1][None])
    got = (-X.sqdist(Y)).exp().sum(1, compile_options=options)
    np.testing.assert_allclose(front.to_numpy(got).ravel(), np.exp(-sqdist(x, y)).sum(1),
                               rtol=1e-12)


def test_unknown_compile_options_list_the_valid_ones(front, rng):
    x, y, b = (front.array(a, "float32") for a in data(rng))
    f = front.module.Genred("Exp(-SqDist(X, Y)) * B", ALIASES, axis=1,
                            compile_options={"tile-x": 3})
    with pytest.raises(ValueError, match=r"no such option tile-x \(the options are "
                       r"avx2, avx512, cpu-features, fast-math, .*tile-i, tile-j, vector-registers, vector-width\)"):
        f(x, y, b)
    with pytest.raises(TypeError, match="compile_options must be a dict"):
        front.module.Genred("X", ["X = Vi(1)"], axis=1, compile_options=3)


def test_genreds_built_alike_share_plans_and_those_built_otherwise_do_not(front, rng):
    """A Genred built per call (pykeops' examples) reuses the first one's
    kernel and plans, with the reference result; one whose arguments differ
    in any way that changes the kernel or its outputs has its own."""
    formula, aliases = "Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(2)"]
    x, y, b = (front.array(a, "float64") for a in data(rng))
    ref = np.exp(-sqdist(*(front.to_numpy(a) for a in (x, y)))) @ front.to_numpy(b)
    first = front.module.Genred(formula, aliases, axis=1)
    np.testing.assert_allclose(front.to_numpy(first(x, y, b)), ref, rtol=1e-9)
    again = front.module.Genred(formula, aliases, axis=1)
    assert again._plans is first._plans and again._plans
    np.testing.assert_allclose(front.to_numpy(again(x, y, b)), ref, rtol=1e-9)
    others = [front.module.Genred(formula, aliases, axis=0),
              front.module.Genred(formula, aliases, axis=1, use_fast_math=False),
              front.module.Genred(formula, aliases, axis=1, use_double_acc=True),
              front.module.Genred(formula, aliases, axis=1, compile_options="tile-j=256"),
              front.module.Genred(formula, aliases, reduction_op="Max", axis=1),
              front.module.Genred(formula, ["X = Vi(3)", "Y = Vj(3)", "B = Vj(2)", "P = Pm(1)"],
                                  axis=1)]
    assert all(o._plans is not first._plans for o in others)
    np.testing.assert_allclose(front.to_numpy(others[1](x, y, b)), ref, rtol=1e-9)
    np.testing.assert_allclose(front.to_numpy(others[4](x, y, b)),
                               (np.exp(-sqdist(*(front.to_numpy(a) for a in (x, y))))[..., None]
                                * front.to_numpy(b)[None]).max(1), rtol=1e-9)


def test_calls_with_known_layouts_reuse_their_plan_and_stay_right(front, rng):
    """A call like an earlier one (dtypes, shapes, devices, layouts) skips
    the checks it already made; calls alternating between layouts, with
    batch padding and with strided arrays, all give the reference."""
    genred_module._BUILT.clear()  # Genreds of the same arguments share their plans
    f = front.module.Genred("Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(2)"],
                            axis=1)
    problems = []
    for n, m, dtype, batch in [(5, 7, "float32", ()), (6, 4, "float64", ()),
                               (5, 7, "float32", (2,))]:
        x = rng.standard_normal(batch + (n, 3))
        y, b = rng.standard_normal((m, 3)), rng.standard_normal((m, 2))
        ref = np.exp(-((x[..., :, None, :] - y[None]) ** 2).sum(-1)) @ b
        problems.append(([front.array(a, dtype) for a in (x, y, b)], ref, dtype))
    for _ in range(3):
        for arrays, ref, dtype in problems:
            np.testing.assert_allclose(front.to_numpy(f(*arrays)), ref, **tolerance(dtype))
    assert len(f._plans) == 3
    # A strided array has a plan of its own, which copies it on every call.
    x, y, b = problems[0][0]
    for _ in range(2):
        wide = front.array(np.repeat(front.to_numpy(x), 2, axis=0), "float32")[::2]
        np.testing.assert_allclose(front.to_numpy(f(wide, y, b)), problems[0][1], rtol=1e-5)
    assert len(f._plans) == 4


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_row_terms_computed_once_per_row_match_the_reference(front, rng, dtype):
    """|x_i| and |y_j| of D = 32 (contractions reading only i or only j)
    are computed once per row into buffers (kred-precompute-invariants):
    cosine similarities summed, their 3 largest and a log-sum-exp, against
    NumPy in float64."""
    n, m, d = 37, 53, 32
    x, y = rng.standard_normal((n, d)), rng.standard_normal((m, d))
    b = rng.standard_normal((m, 2))
    cosine = (x / np.linalg.norm(x, axis=1, keepdims=True)) @ \
        (y / np.linalg.norm(y, axis=1, keepdims=True)).T
    formula = "(X | Y) / (Norm2(X) * Norm2(Y))"
    aliases = [f"X = Vi({d})", f"Y = Vj({d})", "B = Vj(2)"]
    args = [front.array(a, dtype) for a in (x, y, b)]
    tol = tolerance(dtype)
    genred = front.module.Genred
    np.testing.assert_allclose(front.to_numpy(genred(formula + " * B", aliases, axis=1)(*args)),
                               cosine @ b, **tol)
    largest = genred(f"-{formula}", aliases[:2], reduction_op="ArgKMin", axis=1, opt_arg=3)
    np.testing.assert_array_equal(front.to_numpy(largest(*args[:2])),
                                  np.argsort(-cosine, axis=1, kind="stable")[:, :3])
    lse = genred(formula, aliases[:2], reduction_op="LogSumExp", axis=0)
    np.testing.assert_allclose(front.to_numpy(lse(*args[:2]))[:, 0],
                               np.log(np.exp(cosine).sum(0)), **tol)


def test_sqdist_expansion_is_opt_in_and_accurate_for_centred_points(front, rng):
    """compile_options={"sqdist-expansion": True}: SqDist as |x|^2 + |y|^2 -
    2 <x, y> (D = 64), within float32 rounding for points near the origin;
    for points far from it the cancellation its documentation describes
    shows, and the default (exact) form stays accurate."""
    d = 64
    x, y = rng.standard_normal((40, d)) / 8, rng.standard_normal((50, d)) / 8
    b = rng.standard_normal((50, 1))
    aliases = [f"X = Vi({d})", f"Y = Vj({d})", "B = Vj(1)"]

    def gaussian(offset, **options):
        f = front.module.Genred("Exp(-SqDist(X, Y)) * B", aliases, axis=1, **options)
        return front.to_numpy(f(*(front.array(a, "float32") for a in (x + offset, y + offset, b))))

    reference = np.exp(-((x[:, None] - y[None]) ** 2).sum(-1)) @ b
    expanded = gaussian(0.0, compile_options={"sqdist-expansion": True})
    np.testing.assert_allclose(expanded, reference, rtol=1e-4, atol=1e-5)
    far_exact = gaussian(100.0)
    far_expanded = gaussian(100.0, compile_options={"sqdist-expansion": True})
    np.testing.assert_allclose(far_exact, reference, rtol=1e-3, atol=1e-4)
    assert np.abs(far_expanded - reference).max() > 100 * np.abs(far_exact - reference).max()


WIDE_ROWS = {  # formula of X = Vi(12), Y = Vj(12), U = Vi(5), V = Vj(5); reference
    "Sum": ("Exp(-SqDist(X, Y) / 20) * (U | V)",
            lambda x, y, u, v: (np.exp(-sqdist(x, y) / 20) * (u @ v.T)).sum(1, keepdims=True)),
    "ArgKMin": ("SqDist(X, Y) + (U | V) / 10",
                lambda x, y, u, v: np.argsort(sqdist(x, y) + u @ v.T / 10, 1,
                                              kind="stable")[:, :3]),
    "LogSumExp": ("-SqDist(X, Y) / 20 + (U | V) / 10",
                  lambda x, y, u, v: np.log(np.exp(-sqdist(x, y) / 20 + u @ v.T / 10)
                                            .sum(1, keepdims=True))),
}


@pytest.mark.parametrize("op", list(WIDE_ROWS))
@pytest.mark.parametrize("features", ["", "-avx512f"])
def test_rows_wider_than_the_registers(front, dtype, rng, op, features):
    """Rows of 17 lanes in two i-variables, the second after a j-variable:
    more than half the registers, so each chunk reads them from memory -
    with AVX-512 through broadcast operands, with AVX2 from a buffer of
    lane vectors filled per block of rows (each variable at its own
    offset). An odd N leaves a row outside the blocks, M a masked tail."""
    x, y = rng.standard_normal((23, 12)), rng.standard_normal((45, 12))
    u, v = rng.standard_normal((23, 5)), rng.standard_normal((45, 5))
    formula, reference = WIDE_ROWS[op]
    options = {"cpu-features": features} if features else {}
    f = front.module.Genred(formula, ["X = Vi(12)", "Y = Vj(12)", "U = Vi(5)", "V = Vj(5)"],
                            reduction_op=op, axis=1, compile_options=options,
                            **({"opt_arg": 3} if op == "ArgKMin" else {}))
    got = front.to_numpy(f(*(front.array(a, dtype) for a in (x, y, u, v))))
    if op == "ArgKMin":
        np.testing.assert_array_equal(got, reference(x, y, u, v))
    else:
        np.testing.assert_allclose(got, reference(x, y, u, v), **tolerance(dtype))


def _shifted_sums(f, w):
    """float64 log-sum-exp and softmax average of each row of f (weights w),
    with KeOps' rules: a NaN term makes the row NaN, +inf wins, all -inf
    gives -inf (and 0 for the average)."""
    lse, soft = np.empty((f.shape[0], 1)), np.empty((f.shape[0], 1))
    for r, row in enumerate(f):
        top = row.max()
        if np.isnan(row).any():
            lse[r] = soft[r] = np.nan
        elif np.isinf(top):
            lse[r] = top
            soft[r] = 0.0 if top < 0 else w[row == top, 0].mean()
        else:
            e = np.exp(row - top)
            lse[r], soft[r] = top + np.log(e.sum()), (e @ w) / e.sum()
    return {"LogSumExp": lse, "SumSoftMaxWeight": soft}


@pytest.mark.parametrize("op", ["LogSumExp", "SumSoftMaxWeight"])
@pytest.mark.parametrize("features", ["", "-avx512f"])
def test_exponential_sums_across_moving_shifts(front, dtype, rng, op, features):
    """Exponential sums add a chunk's terms without rescaling while they lie
    at most kShiftSlack (32) above the lanes' shift, and move the shift
    otherwise: terms that climb slowly along j (added above the shift),
    jump by 100, start at -inf, hold a +inf or a NaN; rows of -inf only."""
    m = 301
    climb = np.linspace(-150.0, 150.0, m)
    jumps = rng.standard_normal(m)
    jumps[[40, 170, 260]] += [100.0, 200.0, 300.0]
    y = np.stack([climb, climb[::-1], jumps, jumps[::-1],
                  np.where(np.arange(m) < 200, -np.inf, climb),
                  np.where(np.arange(m) == 120, np.inf, jumps),
                  np.where(np.arange(m) == 77, np.nan, climb)], 1)
    x = np.array([[0.0], [5.5], [-np.inf], [-300.0]])
    with np.errstate(invalid="ignore"):  # -inf + inf
        f_ij = x[:, None, :] + y[None, :, :]  # (rows, m, cases)
    w = rng.standard_normal((m, 1))
    weighted = op == "SumSoftMaxWeight"
    g = front.module.Genred("X + Y", ["X = Vi(1)", "Y = Vj(1)"] + ["W = Vj(1)"] * weighted,
                            reduction_op=op, axis=1,
                            compile_options={"cpu-features": features} if features else {},
                            **({"formula2": "W"} if weighted else {}))
    for case in range(y.shape[1]):
        args = [x, y[:, case:case + 1]] + [w] * weighted
        got = front.to_numpy(g(*(front.array(a, dtype) for a in args)))
        expected = _shifted_sums(f_ij[:, :, case], w)[op]
        np.testing.assert_allclose(got, expected, **tolerance(dtype),
                                   err_msg=f"case {case}")
