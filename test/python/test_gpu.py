"""The GPU backend. Without a GPU: the PTX is still generated (and is what
ptxas accepts in lit), and backend="GPU" is a clear error; with one (the
tests skip naming why not), every reduction family on the GPU equals the
CPU's result, for NumPy arrays (copied to the device and back) and torch
CUDA tensors (read in place, results on the device, gradients too)."""

import numpy as np
import pytest

import kred
import kred.numpy as kn
from kred.numpy import cluster as kc
from conftest import NO_GPU, cuda_devices, gpu_available, torch

GAUSS = ("Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(2)"])
needs_gpu = pytest.mark.skipif(not gpu_available(), reason=f"no GPU: {cuda_devices()}")
needs_torch_cuda = pytest.mark.skipif(
    torch is None or not torch.cuda.is_available() or not gpu_available(),
    reason="needs torch with CUDA and a GPU")

FAMILIES = [("Sum", None), ("Min_ArgMin", None), ("ArgKMin", 4), ("LogSumExp", None)]


def problem(dtype="float32", n=300, m=517, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((n, 3)).astype(dtype), rng.random((m, 3)).astype(dtype),
            rng.standard_normal((m, 2)).astype(dtype))


def test_ptx_is_generated_without_a_gpu():
    text = kred._kred.import_formula("X = Vi(3); Y = Vj(3); B = Vj(2); "
                                     "Sum_Reduction(Exp(-SqDist(X, Y)) * B, 0)")
    ptx = kred._kred.emit_ptx(text, chip="sm_90")
    assert ".target sm_90" in ptx and "ex2.approx.ftz.f32" in ptx and "bar.sync" in ptx
    exact = kred._kred.emit_ptx(text, fast_math=False)
    assert ".target sm_80" in exact and "__nv_expf" not in exact  # libdevice linked in
    with pytest.raises(ValueError, match=r"at least one function \(a kernel\)"):
        kred._kred.emit_ptx("module {}\n")


@pytest.mark.skipif(gpu_available(), reason="this machine has a GPU")
def test_gpu_backend_without_a_gpu_is_a_clear_error(front):
    x, y, b = (front.array(a, "float32") for a in problem())
    f = front.module.Genred(*GAUSS, axis=1)
    for backend in ("GPU", "GPU_1D", "GPU_2D", "GPU_1D_host", "GPU_2D_device"):
        with pytest.raises(ValueError, match=NO_GPU):
            f(x, y, b, backend=backend)
    np.testing.assert_allclose(front.to_numpy(f(x, y, b)), front.to_numpy(f(x, y, b,
                               backend="CPU")))


def test_block_sparse_ranges_stay_on_the_cpu(front):
    x, y, b = (front.array(a, "float32") for a in problem(n=6, m=5))
    ranges = kc.from_matrix(np.array([[0, 6]]), np.array([[0, 5]]),
                                    np.ones((1, 1), bool))
    with pytest.raises(ValueError, match="block-sparse ranges run on the CPU only"):
        front.module.Genred(*GAUSS, axis=1)(x, y, b, ranges=ranges, backend="GPU")


@needs_gpu
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction,k", FAMILIES)
def test_numpy_arrays_on_the_gpu_equal_the_cpu(reduction, k, dtype):
    formula, aliases = ("SqDist(X, Y)", GAUSS[1][:2]) if reduction != "Sum" else GAUSS
    f = kn.Genred(formula, aliases, reduction_op=reduction, axis=1, opt_arg=k)
    x, y, b = problem(dtype)
    args = (x, y) if reduction != "Sum" else (x, y, b)
    cpu, gpu = f(*args, backend="CPU"), f(*args, backend="GPU")
    for c, g in zip(cpu if isinstance(cpu, tuple) else [cpu],
                    gpu if isinstance(gpu, tuple) else [gpu]):
        if c.dtype.kind == "f":
            np.testing.assert_allclose(g, c, rtol=1e-4 if dtype == "float32" else 1e-12,
                                       atol=1e-5)
        else:
            np.testing.assert_array_equal(g, c)


@needs_gpu
def test_batches_and_the_reduction_over_i_on_the_gpu():
    rng = np.random.default_rng(1)
    x, y = rng.random((3, 40, 3)), rng.random((3, 70, 3))
    b = rng.random((3, 70, 2))
    for axis in (0, 1):
        f = kn.Genred(*GAUSS, axis=axis) if axis == 1 else kn.Genred(
            "Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vi(2)"], axis=0)
        args = (x, y, b) if axis == 1 else (x, y, rng.random((3, 40, 2)))
        np.testing.assert_allclose(f(*args, backend="GPU"), f(*args, backend="CPU"),
                                   rtol=1e-12)


@needs_torch_cuda
def test_torch_cuda_tensors_stay_on_the_device_with_gradients():
    import kred.torch as kt
    x, y, b = (torch.tensor(a, dtype=torch.float64) for a in problem("float64"))
    f = kt.Genred(*GAUSS, axis=1)
    xc, yc, bc = (t.cuda().requires_grad_() for t in (x, y, b))
    out = f(xc, yc, bc)
    assert out.device.type == "cuda"
    ref = f(x.requires_grad_(), y, b)
    torch.testing.assert_close(out.cpu(), ref.detach(), rtol=1e-12, atol=0)
    (gx,) = torch.autograd.grad(out.sum(), [xc])
    (rx,) = torch.autograd.grad(ref.sum(), [x])
    assert gx.device.type == "cuda"
    torch.testing.assert_close(gx.cpu(), rx, rtol=1e-10, atol=0)
    with pytest.raises(ValueError, match="all arrays must be on one device"):
        f(xc, y, b)


@needs_gpu
def test_check_health_runs_a_gpu_kernel(capsys):
    assert kred.check_health()
    assert "GPU kernel" in capsys.readouterr().out
