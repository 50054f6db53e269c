"""torch specifics: tensors cross without copies, no_grad is honoured, and
the package helpers work."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import kred  # noqa: E402
import kred.common.genred as genred_module  # noqa: E402
import kred.torch as kt  # noqa: E402


def test_no_grad_gives_outputs_without_a_graph():
    x = torch.rand(5, 3, dtype=torch.float64, requires_grad=True)
    yj = kt.LazyTensor(torch.rand(6, 3, dtype=torch.float64)[None, :, :])
    assert kt.LazyTensor(x[:, None, :]).sqdist(yj).sum(dim=1).requires_grad
    with torch.no_grad():
        assert not kt.LazyTensor(x[:, None, :]).sqdist(yj).sum(dim=1).requires_grad


def test_outputs_written_in_place():
    x, y = torch.rand(4, 2), torch.rand(9, 2)
    out = torch.empty(4, 1)
    f = kt.Genred("SqDist(X, Y)", ["X = Vi(2)", "Y = Vj(2)"], axis=1)
    assert f(x, y, out=out) is out
    assert torch.allclose(out, ((x[:, None] - y[None]) ** 2).sum(-1).sum(1, keepdim=True))


def test_genreds_built_per_call_share_their_gradient_reductions():
    """A Genred built for each call (pykeops' examples) differentiates as
    dense torch does, through the gradient reduction the first one made."""
    formula, aliases = "Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(2)"]
    x, y, b = (torch.rand(n, d, dtype=torch.float64) for n, d in ((5, 3), (7, 3), (7, 2)))
    weights = torch.rand(5, 2, dtype=torch.float64)
    xd = x.clone().requires_grad_(True)
    (torch.exp(-((xd[:, None] - y[None]) ** 2).sum(-1)) @ b * weights).sum().backward()
    built = []
    for _ in range(3):
        f = kt.Genred(formula, aliases, axis=1)
        xg = x.clone().requires_grad_(True)
        (f(xg, y, b) * weights).sum().backward()
        assert torch.allclose(xg.grad, xd.grad, rtol=1e-10, atol=1e-12)
        built.append(f)
    assert all(f.gradient((0,)) is built[0].gradient((0,)) for f in built)
    assert kt.Genred(formula, aliases, axis=0).gradient((0,)) is not built[0].gradient((0,))


def test_planned_calls_give_new_outputs_and_leave_autograd_to_tensors_needing_it():
    """A Genred call with a plan (an earlier call's layouts) returns a new
    tensor each time; the same call on a tensor requiring grad still builds
    a graph with the gradient of dense torch, and under no_grad does not."""
    genred_module._BUILT.clear()  # Genreds of the same arguments share their plans
    f = kt.Genred("Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"], axis=1)
    x, y, b = (torch.rand(n, d, dtype=torch.float64) for n, d in ((5, 3), (7, 3), (7, 1)))

    def dense(x):
        return (torch.exp(-((x[:, None] - y[None]) ** 2).sum(-1)) @ b)
    first, second = f(x, y, b), f(x, y, b)
    assert first is not second and first.data_ptr() != second.data_ptr()
    assert len(f._plans) == 1 and torch.allclose(first, dense(x))
    xg = x.clone().requires_grad_(True)
    got = f(xg, y, b)
    assert got.requires_grad
    got.sum().backward()
    xr = x.clone().requires_grad_(True)
    dense(xr).sum().backward()
    assert torch.allclose(xg.grad, xr.grad)
    with torch.no_grad():
        assert not f(xg, y, b).requires_grad


def test_bfloat16():
    x, y = torch.rand(4, 2), torch.rand(9, 2)
    f = kt.Genred("SqDist(X, Y)", ["X = Vi(2)", "Y = Vj(2)"], axis=1)
    got = f(x.bfloat16(), y.bfloat16())
    assert got.dtype == torch.bfloat16
    ref = ((x.bfloat16().double()[:, None] - y.bfloat16().double()[None]) ** 2).sum(-1).sum(1, keepdim=True)
    assert torch.allclose(got.double(), ref, rtol=2e-2)


def test_check_health(capsys):
    assert kred.check_health()
    out = capsys.readouterr().out
    assert "LLVM/MLIR" in out and "kernel cache:" in out and "matches NumPy" in out


def test_verbose_compilation_message(tmp_path, monkeypatch):
    import subprocess
    import sys
    code = ("import numpy as np, kred.numpy as kn\n"
            "f = kn.Genred('SqDist(X, Y) * 3', ['X = Vi(1)', 'Y = Vj(1)'], axis=1)\n"
            "f(np.ones((2, 1)), np.ones((3, 1)))\n")
    env = dict(__import__("os").environ, KRED_VERBOSE="1", KRED_CACHE_DIR=str(tmp_path))
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert "kred: compiled kernel 'kernel' in" in first.stderr, first.stderr
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert "compiled" not in second.stderr  # From the disk cache.
    assert list(tmp_path.glob("*.so"))
