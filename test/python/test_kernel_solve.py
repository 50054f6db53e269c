"""KernelSolve and LazyTensor.solve against dense solvers (NumPy, torch),
their gradients against dense autograd, and their errors."""

import warnings

import numpy as np
import pytest

import kred.numpy as kn

torch = pytest.importorskip("torch")
import kred.torch as kt  # noqa: E402
from conftest import assert_gradients_match

GAUSS = "Exp(-g * SqDist(x, y)) * b"
ALIASES = ["x = Vi(2)", "y = Vj(2)", "b = Vj(3)", "g = Pm(1)"]


def dense_kernel(x, y, g):
    return np.exp(-g * ((x[..., :, None, :] - y[..., None, :, :]) ** 2).sum(-1))


def problem(n=120, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 2)), rng.standard_normal((n, 3)), np.array([20.0])


def relative_error(a, ref):
    return np.linalg.norm(a - ref) / np.linalg.norm(ref)


@pytest.mark.parametrize("precond", [None, "jacobi", "nystrom"])
def test_solve_matches_numpy_linalg_solve(precond):
    x, b, g = problem()
    alpha = 0.05
    ref = np.linalg.solve(alpha * np.eye(len(x)) + dense_kernel(x, x, g), b)
    solver = kn.KernelSolve(GAUSS, ALIASES, "b", axis=1)
    a = solver(x, x, b, g, alpha=alpha, eps=1e-10, precond=precond)
    assert a.shape == b.shape and a.dtype == b.dtype
    assert relative_error(a, ref) <= 1e-8


def test_alpha_may_be_a_one_element_array_or_tensor():
    """pykeops accepts alpha as a one-element tensor (GPyTorch-style code
    passes a noise parameter)."""
    x, b, g = problem(60)
    ref = np.linalg.solve(0.05 * np.eye(len(x)) + dense_kernel(x, x, g), b)
    solver = kn.KernelSolve(GAUSS, ALIASES, "b", axis=1)
    for alpha in (np.array([0.05]), np.array(0.05), np.float64(0.05)):
        assert relative_error(solver(x, x, b, g, alpha=alpha, eps=1e-10), ref) <= 1e-8
    tsolver = kt.KernelSolve(GAUSS, ALIASES, "b", axis=1)
    t = [torch.from_numpy(a) for a in (x, x, b, g)]
    for alpha in (torch.tensor([0.05], dtype=torch.float64),
                  torch.tensor(0.05, dtype=torch.float64, requires_grad=True)):
        got = tsolver(*t, alpha=alpha, eps=1e-10).numpy()
        assert relative_error(got, ref) <= 1e-8
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        solver(x, x, b, g, alpha=np.array([0.05, 0.1]))


def test_nystrom_needs_far_fewer_iterations():
    x, b, g = problem(400)
    solver = kn.KernelSolve(GAUSS, ALIASES, "b", axis=1)
    solver(x, x, b, g, alpha=0.01)
    plain = solver.last_iterations
    solver(x, x, b, g, alpha=0.01, precond="nystrom", landmarks=100)
    assert solver.last_iterations * 4 < plain


def test_reduction_over_i_and_batches():
    rng = np.random.default_rng(1)
    x, b = rng.random((2, 50, 2)), rng.standard_normal((2, 50, 3))
    g = np.array([10.0])
    solver = kn.KernelSolve(GAUSS, ["x = Vj(2)", "y = Vi(2)", "b = Vi(3)", "g = Pm(1)"],
                            "b", axis=0)
    a = solver(x, x, b, g, alpha=0.1, eps=1e-10)
    ref = np.linalg.solve(0.1 * np.eye(50) + dense_kernel(x, x, g), b)
    assert relative_error(a, ref) <= 1e-8


def test_warm_start_at_the_solution_needs_no_iteration():
    x, b, g = problem()
    solver = kn.KernelSolve(GAUSS, ALIASES, "b", axis=1)
    a = solver(x, x, b, g, alpha=0.1, eps=1e-8)
    solver(x, x, b, g, alpha=0.1, eps=1e-6, x0=a)
    assert solver.last_iterations == 0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("layout", ["plain", "strided", "big-endian", "warm"])
def test_native_conjugate_gradient_takes_the_python_steps(dtype, layout, monkeypatch):
    """CPU solves without a preconditioner iterate in C: the dense solver's
    solution, in as many iterations as the Python conjugate gradient, which
    the call does not reach, whatever b's layout, from a warm start, with a
    column of zeros (it takes no step) beside others."""
    import kred.common.solve as solve_module
    x, b, g = problem(80)
    b[:, 1] = 0
    ref = np.linalg.solve(0.05 * np.eye(len(x)) + dense_kernel(x, x, g), b)
    solver = kn.KernelSolve(GAUSS, ALIASES, "b", axis=1)
    x, b, g = (a.astype(dtype) for a in (x, b, g))
    python, _, python_iterations = solve_module.conjugate_gradient(
        lambda v: solver.genred(x, x, v, g) + np.asarray(0.05, dtype) * v, b, None, 1e-5,
        1000, None, solver.genred.backend)

    def python_loop(*args):
        raise AssertionError("the solve ran the Python conjugate gradient")
    monkeypatch.setattr(solve_module, "conjugate_gradient", python_loop)
    rhs, x0 = b, None
    if layout == "strided":
        rhs = np.repeat(b, 2, axis=1)[:, ::2]
    elif layout == "big-endian":
        rhs = b.astype(b.dtype.newbyteorder(">"))
    elif layout == "warm":
        x0 = (ref * 0.9).astype(dtype)
    got = solver(x, x, rhs, g, alpha=0.05, eps=1e-5, x0=x0)
    assert got.dtype == np.dtype(dtype) and relative_error(got, ref) <= 1e-4
    assert np.all(got[:, 1] == 0)
    if layout != "warm":
        assert relative_error(got, python) <= (1e-4 if dtype == "float32" else 1e-9)
        assert abs(solver.last_iterations - python_iterations) <= 1


def test_float32_seed_scenario_within_1e_4_of_the_dense_solve():
    rng = np.random.default_rng(2)
    x, b = rng.random((300, 2)).astype(np.float32), rng.random((300, 2)).astype(np.float32)
    g = np.array([0.5 / 0.1 ** 2], dtype=np.float32)
    solver = kn.KernelSolve("Exp(-g * SqDist(x, y)) * b",
                            ["x = Vi(2)", "y = Vj(2)", "b = Vj(2)", "g = Pm(1)"], "b", axis=1)
    a = solver(x, x, b, g, alpha=0.01)
    k = dense_kernel(x.astype(np.float64), x.astype(np.float64), float(g[0]))
    ref = np.linalg.solve(0.01 * np.eye(300) + k, b.astype(np.float64))
    assert relative_error(a, ref) <= 1e-4


def test_lazytensor_solve_numpy():
    x, b, g = problem()
    xi, xj = kn.LazyTensor(x[:, None, :]), kn.LazyTensor(x[None, :, :])
    k = (-20 * ((xi - xj) ** 2).sum(-1)).exp()
    ref = np.linalg.solve(0.1 * np.eye(len(x)) + dense_kernel(x, x, g), b)
    for rhs in (b, kn.LazyTensor(b[:, None, :])):
        assert relative_error(k.solve(rhs, alpha=0.1, eps=1e-10), ref) <= 1e-8
    column = k.solve(b[:, 0], alpha=0.1, eps=1e-10)
    assert column.shape == (len(x),) and relative_error(column, ref[:, 0]) <= 1e-8


def torch_problem(n=60):
    x, b, g = problem(n)
    return (torch.tensor(x, requires_grad=True), torch.tensor(b, requires_grad=True),
            torch.tensor(g, requires_grad=True))


def dense_solve(x, b, g, alpha):
    k = torch.exp(-g * ((x[:, None] - x[None]) ** 2).sum(-1))
    return torch.linalg.solve(alpha * torch.eye(len(x), dtype=x.dtype) + k, b)


def test_torch_solve_and_gradients_match_dense_autograd():
    x, b, g = torch_problem()
    solver = kt.KernelSolve(GAUSS, ALIASES, "b", axis=1)
    a = solver(x, x, b, g, alpha=0.1, eps=1e-12)
    ref = dense_solve(x, b, g, 0.1)
    assert torch.allclose(a, ref, rtol=1e-9, atol=1e-10)
    assert_gradients_match(a, ref, [x, b, g], rtol=1e-7, atol=1e-9)


def test_torch_solve_gradcheck_and_gradgradcheck():
    x, b, g = torch_problem(12)
    solver = kt.KernelSolve(GAUSS, ["x = Vi(2)", "y = Vj(2)", "b = Vj(3)", "g = Pm(1)"],
                            "b", axis=1)

    def solve(x, b, g):
        return solver(x, x, b, g, alpha=0.5, eps=1e-13)
    assert torch.autograd.gradcheck(solve, (x, b, g))
    assert torch.autograd.gradgradcheck(solve, (x, b, g))


def test_torch_lazytensor_solve_is_differentiable():
    x, b, _ = torch_problem()
    xi, xj = kt.LazyTensor(x[:, None, :]), kt.LazyTensor(x[None, :, :])
    a = (-20 * ((xi - xj) ** 2).sum(-1)).exp().solve(b, alpha=0.1, eps=1e-12)
    ref = dense_solve(x, b, torch.tensor([20.0], dtype=torch.float64), 0.1)
    got = torch.autograd.grad(a.sin().sum(), [x, b])
    expected = torch.autograd.grad(ref.sin().sum(), [x, b])
    for u, v in zip(got, expected):
        assert torch.allclose(u, v, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("varinvalias, aliases, axis, message", [
    ("c", ALIASES, 1, "varinvalias 'c' is not a variable of the formula; expected one of"),
    ("x", ALIASES, 1, "varinvalias 'x' is a Vi variable"),
    ("b", ["x = Vi(2)", "y = Vj(2)", "b = Vj(3)", "g = Pm(1)"], 0, "must be a Vi variable"),
])
def test_bad_unknowns_are_refused(varinvalias, aliases, axis, message):
    with pytest.raises(ValueError, match=message):
        kn.KernelSolve(GAUSS, aliases, varinvalias, axis=axis)


def test_a_kernel_of_another_dimension_is_not_square():
    with pytest.raises(ValueError, match="not square: the formula has dimension 1"):
        kn.KernelSolve("Exp(-SqDist(x, y)) * Sum(b)", ["x = Vi(2)", "y = Vj(2)",
                                                      "b = Vj(3)"], "b", axis=1)


def test_bad_calls_raise_clearly():
    x, b, g = problem()
    solver = kn.KernelSolve(GAUSS, ALIASES, "b", axis=1)
    with pytest.raises(ValueError, match="not square: it has 120 rows but the unknown b"):
        solver(x, x[:100], b[:100], g)
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        solver(x, x, b, g, alpha=-1)
    with pytest.raises(ValueError, match="eps must be a number > 0"):
        solver(x, x, b, g, eps=0)
    with pytest.raises(ValueError, match="precond must be None, 'jacobi' or 'nystrom'"):
        solver(x, x, b, g, precond="ilu")
    with pytest.raises(ValueError, match="precond='nystrom' needs alpha > 0"):
        solver(x, x, b, g, alpha=0, precond="nystrom")
    bad = b.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="argument b holds NaN or infinite values"):
        solver(x, x, bad, g)
    with pytest.raises(ValueError, match="x0 must be an array of the unknown's shape"):
        solver(x, x, b, g, x0=b[:, :2])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_torch_arguments_with_a_value_not_finite_are_named(dtype):
    """NaN or an infinity anywhere in a tensor, contiguous or strided, of
    either precision (the check reads contiguous CPU tensors in C)."""
    x, b, g = (torch.from_numpy(a).to(dtype) for a in problem(40))
    solver = kt.KernelSolve(GAUSS, ALIASES, "b", axis=1)
    ref = solver(x, x, b, g, alpha=0.1)
    for value in (float("nan"), float("inf"), -float("inf")):
        for index in ((0, 0), (17, 1), (39, 2)):
            bad = b.clone()
            bad[index] = value
            for given in (bad, bad.t().contiguous().t()):
                with pytest.raises(ValueError, match="argument b holds NaN or infinite"):
                    solver(x, x, given, g, alpha=0.1)
    largest = torch.full((3, 5), torch.finfo(dtype).max, dtype=dtype)
    assert solver.genred.backend.all_finite(largest)
    assert solver.genred.backend.all_finite(-largest[:, ::2])
    assert torch.equal(solver(x, x, b, g, alpha=0.1), ref)


def test_a_solve_that_does_not_converge_warns_with_the_residual():
    x, b, g = problem()
    solver = kn.KernelSolve(GAUSS, ALIASES, "b", axis=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        solver(x, x, b, g, alpha=1e-3, maxiter=2)
    assert any("did not converge in 2 iterations: the relative residual is" in
               str(w.message) for w in caught)
