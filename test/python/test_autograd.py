"""torch autograd through kred reductions: gradcheck and gradgradcheck in
float64 for every differentiable kind (both axes, i/j variables, parameters,
batches), LazyTensor gradients, Min/KMin/LogSumExp/SoftMax gradients and a
third-order derivative against torch's dense autograd."""

import pytest
import torch

import kred.torch as kt
from conftest import assert_gradients_match

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
    assert_gradients_match(out, dense, [x, y, b], rtol=1e-10, atol=1e-12)


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


# Every kind with a differentiable output: (reduction, F, formula2, K).
KINDS = [("LogSumExp", "-P * SqDist(X, Y)", None, None),
         ("LogSumExp", "-P * SqDist(X, Y)", "Exp(B)", None),
         ("SumSoftMaxWeight", "-P * SqDist(X, Y)", "B", None),
         ("Max_SumShiftExp", "-P * SqDist(X, Y)", None, None),
         ("Max_SumShiftExp", "-P * SqDist(X, Y)", "B", None),
         ("Min", "P * SqDist(X, Y) + Sum(B)", None, None),
         ("Max", "Concat(P * SqDist(X, Y), X * Y)", None, None),
         ("Min_ArgMin", "P * SqDist(X, Y)", None, None),
         ("Max_ArgMax", "Sin(X - Y) * Elem(B, 0)", None, None),
         ("KMin", "Concat(P * SqDist(X, Y), X * Y)", None, 3),
         ("KMin_ArgKMin", "P * SqDist(X, Y)", None, 2)]


@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("kind", KINDS, ids=lambda k: f"{k[0]}-{k[2]}-{k[1]}")
def test_gradcheck_and_gradgradcheck_of_every_kind(kind, axis):
    reduction, formula, formula2, k = kind
    rows, reduced = ("Vi", "Vj") if axis == 1 else ("Vj", "Vi")
    f = kt.Genred(formula, [f"X = {rows}(3)", f"Y = {reduced}(3)", f"B = {reduced}(2)",
                            "P = Pm(1)"], reduction_op=reduction, axis=axis,
                  formula2=formula2, opt_arg=k)
    values = (lambda *a: f(*a)[0]) if f.num_outputs == 2 else f
    args = (rand(5, 3), rand(7, 3), rand(7, 2),
            torch.tensor([0.7], dtype=torch.float64, requires_grad=True))
    assert torch.autograd.gradcheck(values, args)
    assert torch.autograd.gradgradcheck(values, args)


def dense_pairs(x, y):
    return ((x[:, None] - y[None]) ** 2).sum(-1)


def test_min_and_kmin_gradients_flow_through_the_selected_terms_as_in_torch():
    x, y = rand(8, 3), rand(11, 3)
    xi, yj = kt.LazyTensor(x[:, None, :]), kt.LazyTensor(y[None, :, :])
    w = torch.randn(8, 4, dtype=torch.float64)
    got = torch.autograd.grad(
        (xi.sqdist(yj).min(dim=1) * w[:, :1]).sum() + (xi.sqdist(yj).Kmin(4, dim=1) * w).sum(),
        [x, y])
    d = dense_pairs(x, y)
    ref = torch.autograd.grad((d.min(1, keepdim=True).values * w[:, :1]).sum()
                              + (d.topk(4, 1, largest=False).values * w).sum(), [x, y])
    for g, r in zip(got, ref):
        assert torch.allclose(g, r, rtol=1e-10, atol=1e-12)


def test_logsumexp_and_softmax_gradients_match_dense_autograd():
    x, y, b = rand(6, 2), rand(9, 2), rand(9, 3)
    xi, yj, bj = (kt.LazyTensor(x[:, None, :]), kt.LazyTensor(y[None, :, :]),
                  kt.LazyTensor(b[None, :, :]))
    lse = (-xi.sqdist(yj)).logsumexp(dim=1)
    soft = (-xi.sqdist(yj)).sumsoftmaxweight(bj, dim=1)
    d = -dense_pairs(x, y)
    ref_lse = torch.logsumexp(d, 1, keepdim=True)
    ref_soft = torch.softmax(d, 1) @ b
    w1, w2 = torch.randn_like(ref_lse), torch.randn_like(ref_soft)
    got = torch.autograd.grad((lse * w1).sum() + (soft * w2).sum(), [x, y, b])
    ref = torch.autograd.grad((ref_lse * w1).sum() + (ref_soft * w2).sum(), [x, y, b])
    for g, r in zip(got, ref):
        assert torch.allclose(g, r, rtol=1e-10, atol=1e-12)


def test_index_outputs_do_not_require_grad():
    x, y = rand(5, 3), rand(6, 3)
    xi, yj = kt.LazyTensor(x[:, None, :]), kt.LazyTensor(y[None, :, :])
    assert not xi.sqdist(yj).argmin(dim=1).requires_grad
    assert not xi.sqdist(yj).argKmin(2, dim=1).requires_grad
    values, indices = xi.sqdist(yj).min_argmin(dim=1)
    assert values.requires_grad and not indices.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        xi.sqdist(yj).argmin(dim=1).sum().backward()


def test_backward_runs_one_gradient_reduction_per_axis():
    f = kt.Genred(GAUSS, ["X = Vi(3)", "Y = Vj(3)", "B = Vj(2)", "P = Pm(1)"], axis=1)
    x, y, b = rand(5, 3), rand(6, 3), rand(6, 2)
    p = torch.tensor([0.7], dtype=torch.float64, requires_grad=True)
    out = f(x, y, b, p)
    got = torch.autograd.grad(out.sum(), [x, y, b, p])
    # X and P: a reduction over j; Y and B: one transposed reduction over i.
    assert set(f._gradients) == {(0, 3), (1, 2)}
    d = ((x[:, None] - y[None]) ** 2).sum(-1)
    dense = (torch.exp(-p * d) @ b).sum()
    for g, r in zip(got, torch.autograd.grad(dense, [x, y, b, p])):
        assert torch.allclose(g, r, rtol=1e-10, atol=1e-12)
