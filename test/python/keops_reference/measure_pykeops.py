"""Measures pykeops' own values and gradients for the reference files of
test_keops_reference.py, so that `make test` compares kred with pykeops
without pykeops installed. Run with a Python that has pykeops 2.3 (README,
"Performance"):

    ~/keops-venv/bin/python test/python/keops_reference/measure_pykeops.py

It writes, next to itself:
- singular_points.json: every differentiable op at its singular and
  non-smooth points (0, kinks, ties, +-inf, NaN, overflow), one point per
  output row, value and gradient with respect to every i-variable, and
  second derivatives through Grad(...);
- random_formulas.json: random formulas over i/j variables and parameters,
  inputs with exact coincidences and zeros, value and gradients with
  respect to every input;
- missing_axis.json: reductions whose formula has no variable of the
  reduced (or of the output) axis, every kind, both axes;
- geomloss.json: GeomLoss 0.3.1's SamplesLoss on pykeops (online and
  multiscale backends), value and gradient.
All in float64, gradients by torch autograd through pykeops' backward with
the cotangent 1. NaN and infinities are JSON's NaN / Infinity tokens."""

import datetime
import json
import math
import os
import platform
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
INF, NAN = math.inf, math.nan

# Values of a scalar argument at which ops are singular or non-smooth.
SCALAR_POINTS = [-INF, -1000.0, -2.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.0, 1000.0,
                 INF, NAN]
# Pairs for binary ops: each scalar point against a few others.
PAIR_POINTS = [-INF, -1.0, -0.0, 0.0, 0.5, 1.0, 2.0, INF, NAN]

# Unary ops, written as KeOps formulas of u = X - Y (Y = 0, so u = x).
UNARY = ["Exp(u)", "Log(u)", "XLogX(u)", "Sin(u)", "Cos(u)", "Asin(u)", "Acos(u)",
         "Atan(u)", "SinXDivX(u)", "Sqrt(u)", "Rsqrt(u)", "Inv(u)", "Square(u)",
         "Abs(u)", "Sign(u)", "Step(u)", "ReLU(u)", "-u", "Floor(u)", "Round(u, 0)",
         "Pow(u, 2)", "Pow(u, 3)", "Pow(u, -1)", "Pow(u, -2)", "Pow(u, 0)",
         "ClampInt(u, -1, 1)", "ClampInt(u, 0, 2)", "Powf(u, P)", "IntInv(2) * u",
         "Sqrt(Abs(u))", "Exp(-Sqrt(Square(u)))"]
# Binary and ternary ops of u = X - Y and Z (Z = Vi(1)), W (W = Vi(1)).
BINARY = ["Powf(u, Z)", "Atan2(u, Z)", "u / Z", "u * Z", "u + Z", "u - Z", "Mod(u, Z, IntInv(2))",
          "Clamp(u, Z, IntCst(1))", "Clamp(u, IntCst(-1), Z)", "IfElse(u, Z, -Z)", "IfElse(u, Z * Z, u)",
          "Max(Concat(u, Z))", "Min(Concat(u, Z))", "ArgMax(Concat(u, Z)) * u",
          "u < Z", "Sqrt(u * u + Z * Z)", "Exp(u * Z)"]
# Vector ops of u = X - Y (X = Vi(3), Y = Vj(3) = 0).
VECTOR_POINTS = [[0.0, 0.0, 0.0], [-0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 1.0],
                 [1.0, 2.0, 2.0], [-1.0, -1.0, 0.5], [INF, 0.0, 0.0], [INF, -INF, 0.0],
                 [NAN, 0.0, 0.0], [1e-200, 0.0, 0.0], [1e200, 1e200, 0.0]]
VECTOR = ["Norm2(u)", "Normalize(u)", "SqNorm2(u)", "Sqrt(SqNorm2(u))", "Sum(u)",
          "Max(u)", "Min(u)", "ArgMin(u) * Sum(u)", "Exp(-Norm2(u))",
          "Sqrt(Sum(Square(u)))", "(1 + Norm2(u)) * Exp(-Norm2(u))",
          "Exp(-Sqrt(SqDist(X, Y)))", "Rsqrt(SqDist(X, Y))", "Inv(SqDist(X, Y))",
          "Log(SqDist(X, Y))", "Powf(SqDist(X, Y), P)", "ReLU(Sum(u))",
          "Sqrt(WeightedSqNorm(Elem(X, 0), u))", "(u | u)", "ClampInt(u, 0, 1)"]
# Second derivatives: Grad(F, X, E), differentiated again by autograd.
SECOND = ["Grad(Sqrt(u), X, E)", "Grad(ReLU(u), X, E)", "Grad(Abs(u), X, E)",
          "Grad(Rsqrt(u), X, E)", "Grad(Exp(-Sqrt(Square(u))), X, E)",
          "Grad(Log(u), X, E)", "Grad(Atan(u), X, E)", "Grad(Square(ReLU(u)), X, E)"]
SECOND_VECTOR = ["Grad(Norm2(u), X, E)", "Grad(Sqrt(SqDist(X, Y)), X, E)",
                 "Grad(Normalize(u), X, E)", "Grad(Exp(-Norm2(u)), X, E)",
                 "Diff(Norm2(u), X, E)", "Laplacian(Exp(-SqNorm2(u)), X)",
                 "Divergence(Normalize(u), X)"]


def encode(a):
    return np.asarray(a, dtype=np.float64).tolist()


def measure(torch, Genred, formula, aliases, inputs, reduction="Sum", axis=1, opt_arg=None,
            formula2=None, grad_wrt=None):
    """Value and gradients (cotangent 1) of one pykeops Genred call."""
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in inputs]
    case = {"formula": formula, "aliases": aliases, "reduction": reduction, "axis": axis,
            "inputs": [encode(a) for a in inputs]}
    if opt_arg is not None:
        case["opt_arg"] = opt_arg
    if formula2 is not None:
        case["formula2"] = formula2
    try:
        f = Genred(formula, aliases, reduction_op=reduction, axis=axis, opt_arg=opt_arg,
                   formula2=formula2)
        out = f(*tensors, backend="CPU")
    except Exception as e:  # recorded: kred must then refuse the case too
        case["error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
        return case
    outputs = out if isinstance(out, tuple) else (out,)
    case["value"] = [encode(o.detach()) for o in outputs]
    wrt = range(len(inputs)) if grad_wrt is None else grad_wrt
    differentiable = outputs[0].dtype == torch.float64 and outputs[0].requires_grad
    if wrt and differentiable:
        try:
            grads = torch.autograd.grad(outputs[0], [tensors[k] for k in wrt],
                                        torch.ones_like(outputs[0]), allow_unused=True)
            case["grads"] = {str(k): None if g is None else encode(g)
                             for k, g in zip(wrt, grads)}
        except Exception as e:
            case["grads_error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
    return case


def singular_cases(torch, Genred):
    cases = []
    scalar = np.array(SCALAR_POINTS).reshape(-1, 1)
    zero1 = np.zeros((1, 1))
    p = np.array([0.5])
    for op in UNARY:
        formula = re.sub(r"\bu\b", "(X - Y)", op)
        aliases = ["X = Vi(1)", "Y = Vj(1)"] + (["P = Pm(1)"] if re.search(r"\bP\b", op) else [])
        inputs = [scalar, zero1] + ([p] if re.search(r"\bP\b", op) else [])
        cases.append(measure(torch, Genred, formula, aliases, inputs, grad_wrt=[0]))
    u, z = np.meshgrid(PAIR_POINTS, PAIR_POINTS, indexing="ij")
    u, z = u.reshape(-1, 1), z.reshape(-1, 1)
    for op in BINARY:
        formula = re.sub(r"\bu\b", "(X - Y)", op)
        cases.append(measure(torch, Genred, formula, ["X = Vi(1)", "Y = Vj(1)", "Z = Vi(1)"],
                             [u, zero1, z], grad_wrt=[0, 2]))
    vectors = np.array(VECTOR_POINTS)
    zero3 = np.zeros((1, 3))
    for op in VECTOR:
        formula = re.sub(r"\bu\b", "(X - Y)", op)
        aliases = ["X = Vi(3)", "Y = Vj(3)"] + (["P = Pm(1)"] if re.search(r"\bP\b", op) else [])
        inputs = [vectors, zero3] + ([np.array([-0.5])] if re.search(r"\bP\b", op) else [])
        cases.append(measure(torch, Genred, formula, aliases, inputs, grad_wrt=[0]))
    for op in SECOND:
        formula = re.sub(r"\bu\b", "(X - Y)", op)
        cases.append(measure(torch, Genred, formula, ["X = Vi(1)", "Y = Vj(1)", "E = Vi(1)"],
                             [scalar, zero1, np.ones_like(scalar)], grad_wrt=[0]))
    for op in SECOND_VECTOR:
        formula = re.sub(r"\bu\b", "(X - Y)", op)
        e_dim = 3 if op.startswith(("Diff", "Grad(Normalize")) else 1
        aliases = ["X = Vi(3)", "Y = Vj(3)"] + ([f"E = Vi({e_dim})"] if re.search(r"\bE\b", op) else [])
        inputs = [vectors, zero3] + ([np.ones((len(vectors), e_dim))] if re.search(r"\bE\b", op) else [])
        cases.append(measure(torch, Genred, formula, aliases, inputs, grad_wrt=[0]))
    # The self-interaction of GeomLoss' and GPyTorch's kernels: x_i = y_j on
    # the diagonal; gradients with respect to both clouds.
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 3))
    for formula in ["Sqrt(SqDist(X, Y))", "-Sqrt(SqDist(X, Y)) * B",
                    "Exp(-Sqrt(SqDist(X, Y))) * B",
                    "(1 + Sqrt(IntCst(3)) * Sqrt(SqDist(X, Y))) * Exp(-Sqrt(IntCst(3)) * Sqrt(SqDist(X, Y))) * B",
                    "ReLU(1 - SqDist(X, Y)) * B", "Norm2(X - Y) * B"]:
        aliases = ["X = Vi(3)", "Y = Vj(3)"] + (["B = Vj(1)"] if "B" in formula else [])
        inputs = [x, x] + ([np.linspace(-1, 1, 5).reshape(5, 1)] if "B" in formula else [])
        cases.append(measure(torch, Genred, formula, aliases, inputs))
    # Reductions at their edges: all terms -inf, +inf, NaN, ties.
    f_rows = np.array([[0.0], [-INF], [INF], [NAN], [1.0], [1.0]])
    for reduction, formula2 in [("LogSumExp", None), ("LogSumExp", "B"),
                                ("SumSoftMaxWeight", "B"), ("Sum", None)]:
        for y in ([[-INF], [-INF]], [[0.0], [0.0]], [[1.0], [-INF]], [[INF], [0.0]]):
            cases.append(measure(torch, Genred, "X + Y", ["X = Vi(1)", "Y = Vj(1)", "B = Vj(1)"],
                                 [f_rows, np.array(y), np.array([[2.0], [-1.0]])],
                                 reduction=reduction, formula2=formula2))
    return cases


# --- random formulas -----------------------------------------------------------
# Variables: X = Vi(3), Y = Vj(3), A = Vi(1), B = Vj(1), P = Pm(1), Q = Pm(3).
LEAVES = {3: ["X", "Y", "Q", "(X - Y)"], 1: ["A", "B", "P", "(A - B)"]}
UNARY_RANDOM = ["Exp({})", "Sqrt({})", "Abs({})", "ReLU({})", "Sign({})", "Step({})",
                "Square({})", "Inv({})", "Log({})", "Rsqrt({})", "Sin({})", "Cos({})",
                "Atan({})", "-{}", "Pow({}, 3)", "Pow({}, -1)", "ClampInt({}, -1, 1)",
                "XLogX({})", "SinXDivX({})", "Exp(-{})"]
REDUCE_TO_1 = ["Norm2({})", "SqNorm2({})", "Sum({})", "Max({})", "Min({})",
               "Elem({}, 1)", "Sqrt(SqNorm2({}))"]
BINARY_RANDOM = ["({} + {})", "({} - {})", "({} * {})", "({} / {})", "Atan2({}, {})",
                 "Powf(Abs({}) , {})", "IfElse({}, {}, IntCst(1))", "Clamp({}, IntCst(-1), {})"]


def random_formula(rng, dim, depth):
    """A random formula of dimension dim (1 or 3)."""
    if depth == 0 or rng.random() < 0.15:
        return str(rng.choice(LEAVES[dim]))
    r = rng.random()
    if dim == 1 and r < 0.25:
        return str(rng.choice(REDUCE_TO_1)).format(random_formula(rng, 3, depth - 1))
    if dim == 1 and r < 0.32:
        return "({} | {})".format(random_formula(rng, 3, depth - 1),
                                  random_formula(rng, 3, depth - 1))
    if dim == 3 and r < 0.1:
        return "Normalize({})".format(random_formula(rng, 3, depth - 1))
    if dim == 3 and r < 0.15:
        return "SqDist({}, {}) * {}".format(random_formula(rng, 3, depth - 1),
                                            random_formula(rng, 3, depth - 1),
                                            random_formula(rng, 3, depth - 1))
    if r < 0.6:
        return str(rng.choice(UNARY_RANDOM)).format(random_formula(rng, dim, depth - 1))
    other = dim if rng.random() < 0.7 else 1
    a, b = random_formula(rng, dim, depth - 1), random_formula(rng, other, depth - 1)
    return str(rng.choice(BINARY_RANDOM)).format(a, b)


def random_inputs(rng):
    """Points with exact coincidences (y_0 = x_0, b_0 = a_0), zeros and small
    integers."""
    n, m = 5, 4
    x = rng.integers(-2, 3, (n, 3)).astype(float) * rng.choice([0.5, 1.0], (n, 3))
    y = rng.integers(-2, 3, (m, 3)).astype(float) * rng.choice([0.5, 1.0], (m, 3))
    y[0], x[1] = x[0], 0.0
    a = rng.integers(-2, 3, (n, 1)).astype(float) * 0.5
    b = rng.integers(-2, 3, (m, 1)).astype(float) * 0.5
    b[0] = a[0]
    a[2] = 0.0
    p = np.array([float(rng.choice([0.0, 0.5, -1.0, 2.0]))])
    q = rng.integers(-1, 2, 3).astype(float)
    return [x, y, a, b, p, q]


RANDOM_ALIASES = ["X = Vi(3)", "Y = Vj(3)", "A = Vi(1)", "B = Vj(1)", "P = Pm(1)", "Q = Pm(3)"]


def random_cases(torch, Genred, count=60):
    rng = np.random.default_rng(2024)
    cases = []
    while len(cases) < count:
        dim = int(rng.choice([1, 3]))
        formula = random_formula(rng, dim, 3)
        if not all(v in formula for v in ("X", "Y")) and rng.random() < 0.7:
            continue  # mostly formulas over both clouds
        axis = int(rng.choice([0, 1]))
        case = measure(torch, Genred, formula, RANDOM_ALIASES, random_inputs(rng), axis=axis)
        if "error" not in case:
            cases.append(case)
    return cases


# --- formulas without a variable of one axis ------------------------------------
KINDS = [("Sum", None, None), ("Min", None, None), ("Max", None, None), ("ArgMin", None, None),
         ("ArgMax", None, None), ("Min_ArgMin", None, None), ("Max_ArgMax", None, None),
         ("KMin", 2, None), ("ArgKMin", 2, None), ("KMin_ArgKMin", 2, None),
         ("LogSumExp", None, None), ("LogSumExp", None, "Cos(X)"),
         ("SumSoftMaxWeight", None, "Cos(X) * 3")]


def missing_axis_cases(torch, Genred):
    x = np.array([[0.5], [1.0], [-2.0]])
    p = np.array([1.5])
    cases = []
    for reduction, k, formula2 in KINDS:
        for axis in (0, 1):
            for formula, aliases, inputs in [
                    ("Sin(X) * 2", ["X = Vi(1)"], [x]),
                    ("Sin(X) * P", ["X = Vi(1)", "P = Pm(1)"], [x, p])]:
                cases.append(measure(torch, Genred, formula, aliases, inputs, reduction,
                                     axis, k, formula2))
    return cases


# --- client libraries -------------------------------------------------------------
def geomloss_cases(torch, Genred):
    """GeomLoss' SamplesLoss through pykeops (backends online and
    multiscale), value and gradient with respect to x, on clouds with
    coincident points."""
    from geomloss import SamplesLoss

    rng = np.random.default_rng(7)
    x, y = rng.random((300, 3)), rng.random((240, 3))
    y[:12] = x[:12]
    cases = []
    for name, backend, options in [
            ("sinkhorn", "online", {"p": 2, "blur": 0.05}),
            ("sinkhorn", "online", {"p": 1, "blur": 0.05}),
            ("energy", "online", {}), ("laplacian", "online", {"blur": 0.5}),
            ("sinkhorn", "multiscale", {"p": 2, "blur": 0.05, "scaling": 0.8}),
            ("sinkhorn", "multiscale", {"p": 1, "blur": 0.05, "scaling": 0.8})]:
        xt = torch.tensor(x, requires_grad=True)
        loss = SamplesLoss(name, backend=backend, **options)(xt, torch.tensor(y))
        (g,) = torch.autograd.grad(loss, [xt])
        cases.append({"loss": name, "backend": backend, "options": options,
                      "value": float(loss), "grad_x": encode(g)})
    return {"x": encode(x), "y": encode(y), "losses": cases}


def main():
    import pykeops
    import torch

    if os.environ.get("PYKEOPS_BUILD_FOLDER"):  # one per concurrent measurement
        pykeops.set_build_folder(os.environ["PYKEOPS_BUILD_FOLDER"])
    from pykeops.torch import Genred

    stamp = {"measured_with": f"pykeops {pykeops.__version__}, torch {torch.__version__}, "
                              f"Python {platform.python_version()}, CPU backend",
             "date": datetime.date.today().isoformat()}
    for name, build in [("singular_points", singular_cases), ("random_formulas", random_cases),
                        ("missing_axis", missing_axis_cases), ("geomloss", geomloss_cases)]:
        if len(sys.argv) > 1 and name not in sys.argv[1:]:
            continue
        cases = build(torch, Genred)
        with open(os.path.join(HERE, name + ".json"), "w") as f:
            json.dump({**stamp, "cases": cases}, f, indent=None, separators=(",", ":"))
            f.write("\n")
        count = len(cases["losses"] if name == "geomloss" else cases)
        print(f"{name}: {count} cases", flush=True)


if __name__ == "__main__":
    main()
