"""kred against pykeops 2.3's own numbers (drop-in means KeOps' conventions).
The references were measured with pykeops 2.3's CPU backend by
keops_reference/measure_pykeops.py (the files say with what, and when), so
that this runs without pykeops:

- singular_points.json: every differentiable op at its singular and
  non-smooth points (sqrt/rsqrt/log/inv/powf at 0, the kinks of abs, relu,
  clamp, ties of min/max, atan2(0, 0), exp overflow, +-inf, NaN), values,
  gradients by autograd and second derivatives through Grad, Diff,
  Divergence and Laplacian;
- random_formulas.json: random formulas over i/j variables and parameters,
  inputs with exact coincidences and zeros, values and gradients with
  respect to every input;
- missing_axis.json: formulas without a variable of one axis, every kind.

A value matches when it equals pykeops' within float64 rounding, or both
are NaN, or both are the same infinity. kred differs on purpose only where
DELIBERATE says (docs/Rationale.md, "Derivatives at singular points")."""

import json
import math
import os

import numpy as np
import pytest
import torch

import kred.numpy
import kred.torch

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keops_reference")
RTOL, ATOL = 1e-9, 1e-12

# Where kred gives a number and pykeops 2.3 gives NaN, on purpose
# (docs/Rationale.md, "Derivatives at singular points"): case -> (outputs or
# gradients, rows) where that is allowed.
OVERFLOWING_NORM = 10  # the row of VECTOR_POINTS [1e200, 1e200, 0]
DELIBERATE = {
    # sin(x)/x has derivative 0 at 0 (its limit); KeOps' cos(x)/x - sin(x)/x^2
    # is 0/0 there.
    "SinXDivX((X - Y))": ("gradient", {5, 6}),
    # |x|^2 overflows to inf where the true derivative underflows to 0:
    # KeOps multiplies inf by 0 on the way.
    **{f: ("both", {OVERFLOWING_NORM}) for f in [
        "Normalize((X - Y))", "Grad(Norm2((X - Y)), X, E)",
        "Grad(Sqrt(SqDist(X, Y)), X, E)", "Grad(Normalize((X - Y)), X, E)",
        "Grad(Exp(-Norm2((X - Y))), X, E)", "Diff(Norm2((X - Y)), X, E)",
        "Laplacian(Exp(-SqNorm2((X - Y))), X)", "Divergence(Normalize((X - Y)), X)"]},
}
# KeOps 2.3's CPU backend computes Powf with the C function powf, in float32,
# even for float64 data; kred computes in the data's precision.
FLOAT32_IN_KEOPS = "Powf("
# sin(x)/x: kred's derivative at 0 is the limit 0, KeOps' is NaN, wherever
# the op appears.
LIMIT_AT_ZERO = "SinXDivX("


def empty_exponential_rows(case):
    """Rows of a LogSumExp / SumSoftMaxWeight case all of whose terms are
    -inf: kred gives log(0) = -inf and the empty softmax 0 (README), KeOps
    NaN (it takes exp(-inf - (-inf)))."""
    if case["reduction"] not in ("LogSumExp", "SumSoftMaxWeight") or case["formula"] != "X + Y":
        return set()
    x, y = (np.asarray(a, dtype=np.float64) for a in case["inputs"][:2])
    with np.errstate(invalid="ignore"):
        terms = x[:, None, 0] + y[None, :, 0]
    return {int(i) for i in np.flatnonzero((terms == -np.inf).all(1))}


def deliberate_rows(case, what):
    """The rows where kred may give a number for pykeops' NaN in `what`
    ("output" or "gradient")."""
    if what == "output" and empty_exponential_rows(case):
        return empty_exponential_rows(case)
    if what == "gradient" and LIMIT_AT_ZERO in case["formula"]:
        return set(range(max(len(a) for a in case["inputs"])))
    kind, rows = DELIBERATE.get(case["formula"], (None, set()))
    return rows if kind in (what, "both") else set()


def empty_slot_indices(case, output, got, expected):
    """K-min with fewer terms than K: kred marks the missing entries' index
    -1 (README), KeOps 0, which reads as the first point. `got` with those
    entries set to pykeops' 0."""
    if case["reduction"] not in ("ArgKMin", "KMin_ArgKMin") or \
            output != len(case["value"]) - 1:
        return got
    reduced = "Vj" if case["axis"] == 1 else "Vi"
    terms = [len(a) for a, alias in zip(case["inputs"], case["aliases"]) if reduced in alias]
    got = np.array(got, dtype=np.float64)
    slots = got[..., max(terms, default=1):]
    slots[(slots == -1) & (np.asarray(expected)[..., max(terms, default=1):] == 0)] = 0
    return got


def load(name):
    with open(os.path.join(HERE, name + ".json")) as f:
        return json.load(f)["cases"]


def case_id(case):
    if not isinstance(case, dict):  # pytest's placeholder of an empty list
        return str(case)
    extra = f" {case['reduction']} axis={case['axis']}"
    return case["formula"] + (extra if case["reduction"] != "Sum" or case["axis"] != 1 else "")


def mismatches(got, expected, deliberate_rows=(), rtol=RTOL):
    """The positions where got and expected (pykeops) differ; in
    `deliberate_rows`, kred may give a number where pykeops has NaN."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        return [f"shape {got.shape}, pykeops {expected.shape}"]
    both_nan = np.isnan(got) & np.isnan(expected)
    same_inf = np.isinf(expected) & (got == expected)
    with np.errstate(invalid="ignore"):
        near = np.abs(got - expected) <= ATOL + rtol * np.abs(expected)
    rows = np.zeros(got.shape, dtype=bool)
    rows[sorted(r for r in deliberate_rows if r < len(rows))] = True
    allowed = rows & np.isnan(expected) & ~np.isnan(got)
    bad = ~(both_nan | same_inf | near | allowed)
    return [f"at {tuple(int(i) for i in idx)}: kred {got[tuple(idx)]!r}, pykeops "
            f"{expected[tuple(idx)]!r}" for idx in np.argwhere(bad)[:8]]


def genred(module, case):
    return module.Genred(case["formula"], case["aliases"], reduction_op=case["reduction"],
                         axis=case["axis"], opt_arg=case.get("opt_arg"),
                         formula2=case.get("formula2"))


def run_torch(case):
    """kred's outputs and gradients (cotangent 1) for a measured case."""
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True)
               for a in case["inputs"]]
    out = genred(kred.torch, case)(*tensors)
    outputs = out if isinstance(out, tuple) else (out,)
    grads = {}
    if "grads" in case:
        wrt = [int(k) for k in case["grads"]]
        got = torch.autograd.grad(outputs[0], [tensors[k] for k in wrt],
                                  torch.ones_like(outputs[0]), allow_unused=True)
        grads = {k: (np.zeros(tensors[k].shape) if g is None else g.numpy())
                 for k, g in zip(wrt, got)}
    return [o.detach().numpy() for o in outputs], grads


def output_mismatches(case, outputs):
    """The mismatches of a case's outputs (kred's, as arrays) with
    pykeops'."""
    rtol = 1e-5 if FLOAT32_IN_KEOPS in case["formula"] else RTOL
    problems = []
    for k, (got, expected) in enumerate(zip(outputs, case["value"])):
        got = empty_slot_indices(case, k, got, expected)
        problems += [f"output {k} {m}" for m in
                     mismatches(got, expected, deliberate_rows(case, "output"), rtol)]
    return problems


def compare(case):
    """Every mismatch of kred against pykeops for one case, as text."""
    values, grads = run_torch(case)
    rtol = 1e-5 if FLOAT32_IN_KEOPS in case["formula"] else RTOL
    problems = output_mismatches(case, values)
    for k, expected in case.get("grads", {}).items():
        if expected is not None:
            problems += [f"gradient {k} {m}" for m in mismatches(
                grads[int(k)], expected, deliberate_rows(case, "gradient"), rtol)]
    return problems


def test_deliberate_differences_are_still_differences():
    """Each listed difference is one pykeops still shows (a number in kred,
    NaN in pykeops), so that the list cannot hide a regression elsewhere."""
    by_formula = {c["formula"]: c for c in SINGULAR if "error" not in c}
    for formula, (kind, rows) in DELIBERATE.items():
        case = by_formula[formula]
        values, grads = run_torch(case)
        arrays = ([(values[0], case["value"][0])] if kind != "gradient" else []) + \
            ([(grads[int(k)], g) for k, g in case.get("grads", {}).items()]
             if kind != "output" else [])
        differs = [bool(np.isnan(np.asarray(e, dtype=np.float64)[sorted(rows)]).any() &
                        np.isfinite(got[sorted(rows)]).any()) for got, e in arrays]
        assert any(differs), formula


SINGULAR = load("singular_points")
RANDOM = load("random_formulas")
MISSING_AXIS = load("missing_axis")


@pytest.mark.parametrize("case", [c for c in SINGULAR if "error" not in c], ids=case_id)
def test_singular_points_as_pykeops(case):
    assert compare(case) == []


def test_the_references_cover_every_differentiable_op():
    names = " ".join(c["formula"] for c in SINGULAR)
    for op in ["Sqrt", "Rsqrt", "Norm2", "Normalize", "Inv", "Log", "Powf", "Pow", "Abs",
               "Sign", "Step", "ReLU", "ClampInt", "Clamp", "Atan2", "Min", "Max", "ArgMin",
               "IfElse", "Exp", "XLogX", "SinXDivX", "Asin", "Acos", "Atan", "Mod", "Floor",
               "Round", "Grad", "Diff", "Laplacian", "Divergence", "WeightedSqNorm"]:
        assert op + "(" in names, op
    assert {c["reduction"] for c in SINGULAR} >= {"Sum", "LogSumExp", "SumSoftMaxWeight"}


def test_no_case_failed_in_pykeops():
    assert [case_id(c) for c in SINGULAR + RANDOM if "error" in c] == []


@pytest.mark.parametrize("case", RANDOM, ids=case_id)
def test_random_formulas_as_pykeops(case):
    assert compare(case) == []


def test_the_random_formulas_reach_their_singular_points():
    """The random inputs hit exact coincidences and zeros: some pykeops
    gradients are infinite or NaN, most are finite."""
    grads = [np.asarray(g, dtype=np.float64) for c in RANDOM
             for g in c.get("grads", {}).values() if g is not None]
    assert len(RANDOM) >= 50 and len(grads) >= 250
    finite = sum(bool(np.isfinite(g).all()) for g in grads)
    assert 0.5 * len(grads) < finite < len(grads)


# --- formulas without a variable of one axis ------------------------------------
@pytest.mark.parametrize("case", MISSING_AXIS, ids=case_id)
def test_missing_axis_reduces_over_one_term_as_pykeops(case):
    assert compare(case) == []
    # The NumPy front gives the same values.
    arrays = [np.asarray(a, dtype=np.float64) for a in case["inputs"]]
    out = genred(kred.numpy, case)(*arrays)
    assert output_mismatches(case, out if isinstance(out, tuple) else (out,)) == []


def _pykeops_case(reduction, axis, formula="Sin(X) * 2", formula2=None):
    (case,) = [c for c in MISSING_AXIS if c["reduction"] == reduction and c["axis"] == axis
               and c["formula"] == formula and c.get("formula2") == formula2]
    return case


@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_missing_axis_through_lazytensor(lib, axis):
    """(Vi(x).sin() * 2).<reduction>(axis): the same numbers as pykeops'
    Genred of Sin(X) * 2, for every LazyTensor reduction method."""
    module = getattr(kred, lib)
    x = np.array([[0.5], [1.0], [-2.0]])
    X = module.Vi(torch.from_numpy(x) if lib == "torch" else x)
    F = X.sin() * 2
    as_numpy = (lambda t: t.numpy()) if lib == "torch" else np.asarray
    methods = {"Sum": F.sum, "Min": F.min, "Max": F.max, "ArgMin": F.argmin,
               "ArgMax": F.argmax, "LogSumExp": F.logsumexp}
    for reduction, method in methods.items():
        assert output_mismatches(_pykeops_case(reduction, axis), [as_numpy(method(axis))]) == []
    for reduction, method in {"KMin": F.Kmin, "ArgKMin": F.argKmin}.items():
        got = as_numpy(method(2, axis))
        assert output_mismatches(_pykeops_case(reduction, axis), [got]) == []
    got = [as_numpy(t) for t in F.min_argmin(axis)]
    assert output_mismatches(_pykeops_case("Min_ArgMin", axis), got) == []


def test_missing_axis_gradients_of_every_kind():
    """Over one term (no j-variable, reduced over j), Min, Max, KMin (K = 1)
    and LogSumExp differentiate as the term itself: pykeops' gradient of
    the Sum (pykeops has no gradient for the first three; kred does)."""
    (reference,) = [c for c in MISSING_AXIS if c["reduction"] == "Sum" and c["axis"] == 1
                    and c["formula"] == "Sin(X) * P"]
    for reduction, k in [("Min", None), ("Max", None), ("KMin", 1), ("LogSumExp", None)]:
        case = dict(reference, reduction=reduction, opt_arg=k)
        case.pop("value")
        _, grads = run_torch(case)
        for position, expected in reference["grads"].items():
            if expected is not None:
                assert mismatches(grads[int(position)], expected) == [], reduction


def test_missing_axis_rows_of_out_are_checked():
    f = kred.numpy.Genred("Sin(X) * 2", ["X = Vi(1)"], axis=0)
    x = np.ones((3, 1))
    with pytest.raises(ValueError, match=r"out must have shape \(1, 1\)"):
        f(x, out=np.zeros((4, 1)))
    out = np.zeros((1, 1))
    f(x, out=out)
    assert out[0, 0] == pytest.approx(6 * math.sin(1.0))
