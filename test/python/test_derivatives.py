"""Symbolic derivatives (kred-autodiff, each op's derivative rule) against
central finite differences of the forward reduction, in float64: Grad, Diff,
Divergence, Laplacian and nested (higher-order) Grad, through Genred."""

import numpy as np
import pytest

from kred.numpy import Genred

N, M, H = 6, 9, 1e-5

# Formulas of X = Vi(3) and Y = Vj(3), covering every differentiable op
# family, away from the kinks of the non-smooth ones.
FORMULAS = [
    "Exp(-SqDist(X, Y))", "Log(SqDist(X, Y) + 1)", "XLogX(Exp(X)) * Exp(0.1 * Sum(Y))",
    "Sin(X) * Cos(Y)", "Sqrt(SqNorm2(X - Y) + 0.5)", "Rsqrt(SqNorm2(X) + 1) * Exp(0.1 * Sum(Y))",
    "Inv(3 + Sum(X * Y))", "(X - Y) / (2 + Sum(Y * Y))", "Atan(X - Y)",
    "Asin(0.3 * Sin(X)) * Exp(0.1 * Sum(Y))", "Acos(0.3 * Cos(X)) * Exp(0.1 * Sum(Y))", "Atan2(X, Y + 3)",
    "Powf(SqNorm2(X) + 1, Sum(Y) * 0.1)", "Pow(X - Y, 3)", "Square(X) - X * Y",
    "Abs(X - Y + 10)", "ReLU(X + 10) * Exp(0.1 * Sum(Y))", "Norm2(X - Y)", "Normalize(X - Y)",
    "Max(X - Y)", "Min(X * Y)", "SinXDivX(X - Y)", "Scalprod(X, Y)",
    "TensorProd(X, Y)", "MatVecMult(TensorProd(Y, Y), X)",
    "VecMatMult(X, TensorProd(Y, X))", "Concat(X, Y * X)", "Extract(X * Y, 1, 2)",
    "Elem(X, 2) * Y", "ElemT(Sum(X), 4, 1) * Exp(0.1 * Sum(Y))", "SumT(Sum(X * Y), 2)",
    "IfElse(Sum(X - Y), X, Y * X)", "Clamp(X, Y - 10, Y + 10)",
    "ClampInt(X, -10, 10) * Exp(0.1 * Sum(Y))", "WeightedSqDist(Y * Y, X, Y)",
    "WeightedSqNorm(TensorProd(Y, Y), X)", "WeightedSqNorm(Sum(Y * Y), X)",
    "Mod(X, 7.5, 0.2) * Exp(0.1 * Sum(Y))", "-X + Sign(Y) * X + Step(Y) * X + Floor(Y) * X",
]

ALIASES = ["X = Vi(3)", "Y = Vj(3)"]


def data(out_dim):
    rng = np.random.default_rng(0)
    return (rng.uniform(-1, 1, (N, 3)), rng.uniform(-1, 1, (M, 3)),
            rng.standard_normal((N, out_dim)))


def forward(formula):
    return Genred(formula, ALIASES, axis=1, dtype="float64")


def fd_gradient(formula, x, y, e):
    """d/dx_i <e_i, sum_j F(x_i, y_j)> by central differences."""
    f = forward(formula)
    grad = np.zeros_like(x)
    for c in range(3):
        step = np.zeros_like(x)
        step[:, c] = H
        grad[:, c] = ((f(x + step, y) - f(x - step, y)) * e).sum(-1) / (2 * H)
    return grad


def output_dim(formula, x, y):
    return forward(formula)(x, y).shape[-1]


@pytest.mark.parametrize("formula", FORMULAS)
def test_grad_matches_finite_differences(formula):
    x, y, _ = data(1)
    x, y, e = data(output_dim(formula, x, y))
    aliases = ALIASES + [f"E = Vi({e.shape[1]})"]
    grad = Genred(f"Grad({formula}, X, E)", aliases, axis=1, dtype="float64")(x, y, e)
    expected = fd_gradient(formula, x, y, e)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-6 * np.abs(expected).max())


@pytest.mark.parametrize("formula", ["Exp(-SqDist(X, Y))", "Sin(X) * Cos(Y)",
                                     "Normalize(X - Y)", "TensorProd(X, Y)"])
def test_diff_is_the_jacobian_applied_to_a_direction(formula):
    x, y, _ = data(1)
    u = np.random.default_rng(1).standard_normal((N, 3))
    aliases = ALIASES + ["U = Vi(3)"]
    got = Genred(f"Diff({formula}, X, U)", aliases, axis=1, dtype="float64")(x, y, u)
    f = forward(formula)
    expected = (f(x + H * u, y) - f(x - H * u, y)) / (2 * H)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_second_order_grad_and_laplacian_of_the_gaussian():
    x, y, _ = data(1)
    e = np.ones((N, 1))
    gaussian = "Exp(-SqDist(X, Y))"
    lap = Genred(f"Laplacian({gaussian}, X)", ALIASES, axis=1, dtype="float64")(x, y)
    # Closed form: sum_j (4 r^2 - 2 D) exp(-r^2), D = 3.
    r2 = ((x[:, None] - y[None]) ** 2).sum(-1)
    expected = ((4 * r2 - 6) * np.exp(-r2)).sum(1, keepdims=True)
    np.testing.assert_allclose(lap, expected, rtol=1e-10)
    # The Hessian row by nested Grad, against differences of the gradient.
    hessian_row = Genred(f"Grad(Grad({gaussian}, X, E), X, U)",
                         ALIASES + ["E = Vi(1)", "U = Vi(3)"], axis=1, dtype="float64")
    u = np.random.default_rng(2).standard_normal((N, 3))
    got = hessian_row(x, y, e, u)
    g = Genred(f"Grad({gaussian}, X, E)", ALIASES + ["E = Vi(1)"], axis=1, dtype="float64")
    fd = np.stack([((g(x + H * np.eye(3)[c], y, e) - g(x - H * np.eye(3)[c], y, e)) * u).sum(-1)
                   / (2 * H) for c in range(3)], -1)
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-9)


def test_divergence_of_a_vector_field():
    x, y, _ = data(1)
    div = Genred("Divergence((X - Y) * Exp(-SqDist(X, Y)), X)", ALIASES, axis=1,
                 dtype="float64")(x, y)
    r2 = ((x[:, None] - y[None]) ** 2).sum(-1)
    expected = ((3 - 2 * r2) * np.exp(-r2)).sum(1, keepdims=True)
    np.testing.assert_allclose(div, expected, rtol=1e-10)


def test_grad_with_respect_to_a_j_variable_and_a_parameter():
    x, y, e = data(1)
    p = np.array([0.7])
    aliases = ALIASES + ["E = Vi(1)", "P = Pm(1)"]
    formula = "Exp(-P * SqDist(X, Y))"
    gy = Genred(f"Grad({formula}, Y, E)", aliases, axis=1, dtype="float64")(x, y, e, p)
    r2 = ((x[:, None] - y[None]) ** 2).sum(-1)
    k = np.exp(-0.7 * r2)
    expected = (e[:, :, None] * (2 * 0.7 * k)[:, :, None] * (x[:, None] - y[None])).sum(1)
    np.testing.assert_allclose(gy, expected, rtol=1e-10)
    gp = Genred(f"Grad({formula}, P, E)", aliases, axis=1, dtype="float64")(x, y, e, p)
    np.testing.assert_allclose(gp, (e * (-r2 * k).sum(1, keepdims=True)), rtol=1e-10)


def test_grad_matrix_is_the_transposed_jacobian():
    # GradMatrix(f, X)[3 k : 3 k + 3] = d f_k / d X, summed over j.
    x, y, _ = data(1)
    formula = "Exp(-SqDist(X, Y)) * Concat(X, Sin(Y))"
    got = Genred(f"GradMatrix({formula}, X)", ALIASES, axis=1)(x, y)
    f = Genred(formula, ALIASES, axis=1)
    jacobian = np.zeros((N, 6, 3))
    for d in range(3):
        step = np.zeros(3)
        step[d] = H
        jacobian[:, :, d] = (f(x + step, y) - f(x - step, y)) / (2 * H)
    assert np.allclose(got, jacobian.reshape(N, 18), rtol=1e-6, atol=1e-8)
    diff_t = Genred(f"DiffT({formula}, X, E)", ALIASES + ["E = Vi(6)"], axis=1)
    e = np.random.default_rng(1).standard_normal((N, 6))
    assert np.allclose(diff_t(x, y, e), np.einsum("nkd,nk->nd", jacobian, e), rtol=1e-6)
