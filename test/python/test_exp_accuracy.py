"""The CPU's fast-math exp against an extended-precision reference over the
whole range of arguments that matter: within 2 ulp of 2^(x * c), c being
log2(e) rounded to the float type (README, "Fast math"), including
subnormal results, overflow to +inf, underflow to 0, and NaN. Both code
paths run: the general one (exp(x)) and the one-scaling path taken when
the argument is provably <= 0 (exp(-|x|)) or bounded above (a clamp at
32, as exponential sums bound their terms)."""

import numpy as np
import pytest

import kred.numpy as kn


def kred_exp(formula, x):
    """exp of each x_i, as a sum over one j with y = 0 (the vector code of
    the reduction, its last chunk masked)."""
    f = kn.Genred(formula, ["X = Vi(1)", "Y = Vj(1)"], reduction_op="Sum", axis=1,
                  dtype=str(x.dtype))
    return f(x.reshape(-1, 1), np.zeros((1, 1), x.dtype), backend="CPU").ravel()


def reference(argument, dtype):
    """2^(argument * c) in long double, c = log2(e) rounded to dtype."""
    c = np.longdouble(dtype.type(np.log2(np.e)))
    return np.exp2(argument.astype(np.longdouble) * c)


def ulp_errors(out, exact, dtype):
    with np.errstate(over="ignore"):
        rounded = exact.astype(dtype)
    finite = np.isfinite(rounded)
    ulp = np.spacing(np.abs(rounded[finite])).astype(np.longdouble)
    return np.abs(out[finite].astype(np.longdouble) - exact[finite]) / ulp, finite


RANGES = {np.float32: (-110.0, 95.0), np.float64: (-760.0, 720.0)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("formula, argument", [
    ("Exp(X - Y)", lambda x: x),
    ("Exp(-Abs(X - Y))", lambda x: -np.abs(x)),
    # Bounded above (as exponential sums bound their terms): one scaling.
    ("Exp(Clamp(X - Y, IntCst(-1000), IntCst(32)))", lambda x: np.clip(x, -1000, 32)),
])
def test_exp_within_two_ulp_over_the_whole_range(dtype, formula, argument):
    lo, hi = RANGES[dtype]
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(lo, hi, 400_000), np.linspace(lo, hi, 200_001),
                        rng.uniform(-1, 1, 100_000)]).astype(dtype)
    out = kred_exp(formula, x)
    exact = reference(argument(x), np.dtype(dtype))
    errors, finite = ulp_errors(out, exact, dtype)
    assert errors.max() <= 2.0, x[finite][np.argmax(errors)]
    subnormal = (exact[finite] < np.finfo(dtype).tiny) & (exact[finite] > 0)
    assert subnormal.sum() > 1000 and errors[subnormal].max() <= 2.0
    assert np.all(out[~finite] == np.inf)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_special_values(dtype):
    big = np.finfo(dtype).max
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, big, -big, 1e4, -1e4], dtype)
    general = kred_exp("Exp(X - Y)", x)
    assert general[:2].tolist() == [1.0, 1.0]
    assert general[2] == np.inf and general[3] == 0.0 and np.isnan(general[4])
    assert general[5] == np.inf and general[6] == 0.0
    assert general[7] == np.inf and general[8] == 0.0
    nonpositive = kred_exp("Exp(-Abs(X - Y))", x)
    assert nonpositive[:2].tolist() == [1.0, 1.0]
    assert nonpositive[2] == 0.0 and nonpositive[3] == 0.0 and np.isnan(nonpositive[4])
    assert nonpositive[5:].tolist() == [0.0] * 4


def test_gaussian_sums_match_float64_at_one_million_terms():
    """Accuracy of the seed kernel with default settings: each row sums
    10^6 terms (a few rows, all of j)."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 3)).astype(np.float32)
    y = rng.standard_normal((1_000_000, 3)).astype(np.float32)
    b = rng.standard_normal((1_000_000, 1)).astype(np.float32)
    f = kn.Genred("Exp(-SqDist(X,Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"],
                  reduction_op="Sum", axis=1)
    out = f(x, y, b).ravel()
    x64, y64, b64 = (a.astype(np.float64) for a in (x, y, b))
    terms = np.exp(-((x64[:, None, :] - y64[None]) ** 2).sum(-1)) * b64[:, 0]
    scale = np.abs(terms).sum(1)
    assert np.max(np.abs(out - terms.sum(1)) / scale) < 1e-5
