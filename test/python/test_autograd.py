"""torch autograd through kred Sum reductions: gradcheck and gradgradcheck
in float64 (both axes, i/j variables, parameters, batches), LazyTensor
gradients and a third-order derivative against torch's dense autograd."""

import pytest
import torch

import kred.torch as kt

torch.manual_seed(0)


def rand(*shape):
    return torch.randn(*shape, dtype=torch.float64, requires_grad=True)


GAUSS = "Exp(-P * SqDist(X, Y)) * B"


@pytest.mark.parametrize("axis", [0, 1])
def test_gradcheck_and_gradgradcheck_of_a_sum(axis):
    rows = "Vj" if axis == 1 else "Vi"
    f = kt.Genred(GAUSS, ["X = Vi(3)", "Y = Vj(3)", f"B = {rows}(2)", "P = Pm(1)"], axis=axis)
    x, y = rand(5, 3), rand(6, 3)
    b = rand(6 if axis == 1 else 5, 2)
    p = torch.tensor([0.7], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(f, (x, y, b, p))
    assert torch.autograd.gradgradcheck(f, (x, y, b, p))


@pytest.mark.parametrize("formula", ["Sin(X - Y) * Cos(Y)", "Sqrt(SqDist(X, Y) + 1)",
                                     "Normalize(X - Y)", "TensorProd(X, Y)",
                                     "Atan2(X, Y + 3) * Exp(-SqNorm2(X))"])
def test_gradcheck_of_other_formulas(formula):
    f = kt.Genred(formula, ["X = Vi(3)", "Y = Vj(3)"], axis=1)
    assert torch.autograd.gradcheck(f, (rand(4, 3), rand(5, 3)))


def test_gradcheck_with_batch_dimensions_and_broadcasting():
    f = kt.Genred(GAUSS, ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)", "P = Pm(1)"], axis=1)
    x, y, b = rand(2, 4, 3), rand(1, 5, 3), rand(2, 5, 1)
    p = torch.tensor([[0.5], [0.9]], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(f, (x, y, b, p))


def test_only_inputs_that_require_grad_get_one():
    f = kt.Genred(GAUSS, ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)", "P = Pm(1)"], axis=1)
    x = rand(4, 3)
    y = torch.randn(5, 3, dtype=torch.float64)
    b = torch.randn(5, 1, dtype=torch.float64)
    p = torch.tensor([1.0], dtype=torch.float64)
    f(x, y, b, p).sum().backward()
    assert x.grad is not None and y.grad is None and b.grad is None and p.grad is None


def test_lazytensor_gradients_match_dense_autograd():
    x, y, b = rand(7, 3), rand(9, 3), rand(9, 2)
    xi, yj = kt.LazyTensor(x[:, None, :]), kt.LazyTensor(y[None, :, :])
    out = (-((xi - yj) ** 2).sum(-1)).exp() @ b
    dense = torch.exp(-((x[:, None] - y[None]) ** 2).sum(-1)) @ b
    w = torch.randn_like(dense)
    got = torch.autograd.grad((out * w).sum(), [x, y, b])
    ref = torch.autograd.grad((dense * w).sum(), [x, y, b])
    for g, r in zip(got, ref):
        assert torch.allclose(g, r, rtol=1e-10, atol=1e-12)


def test_third_order_derivative_of_the_gaussian_matches_dense_autograd():
    x, y = rand(4, 2), torch.randn(6, 2, dtype=torch.float64)
    f = kt.Genred("Exp(-SqDist(X, Y))", ["X = Vi(2)", "Y = Vj(2)"], axis=1)

    def third(fn):
        g1 = torch.autograd.grad(fn(x).sum(), x, create_graph=True)[0]
        g2 = torch.autograd.grad((g1 ** 2).sum(), x, create_graph=True)[0]
        return torch.autograd.grad(g2.sin().sum(), x)[0]

    got = third(lambda v: f(v, y))
    ref = third(lambda v: torch.exp(-((v[:, None] - y[None]) ** 2).sum(-1)).sum(1, keepdim=True))
    assert torch.allclose(got, ref, rtol=1e-9, atol=1e-11)
