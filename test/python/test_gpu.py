"""The GPU backend, executed: every test runs on kred's SIMT simulator
(KRED_GPU=sim: the GPU target's kernels compiled for the host, with the race
and barrier checker on) and, where there is a GPU, on the GPU too. Results
are checked against float64 NumPy references of each reduction; the PTX is
generated (and checked by ptxas in lit) without a GPU."""

import numpy as np
import pytest

import kred
import kred.numpy as kn
from kred.numpy import cluster as kc
from conftest import NO_GPU, cuda_devices, gpu_available, torch

GAUSS = ("Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(2)"])
needs_torch_cuda = pytest.mark.skipif(
    torch is None or not torch.cuda.is_available() or not gpu_available(),
    reason="needs torch with CUDA and a GPU")


@pytest.fixture(params=["sim"] + (["cuda"] if gpu_available() else []))
def gpu(request, monkeypatch):
    """Where backend="GPU" runs: the simulator, or the machine's GPU."""
    if request.param == "sim":
        monkeypatch.setenv("KRED_GPU", "sim")
    else:
        monkeypatch.delenv("KRED_GPU", raising=False)
    return request.param


def problem(dtype="float32", n=300, m=517, seed=0):
    """Sizes that are not multiples of the block size (192)."""
    rng = np.random.default_rng(seed)
    return (rng.random((n, 3)).astype(dtype), rng.random((m, 3)).astype(dtype),
            rng.standard_normal((m, 2)).astype(dtype))


# Each family: (reduction, K, formula, whether B is the weight formula2).
FAMILIES = [
    ("Sum", None, "Exp(-SqDist(X, Y)) * B"),
    ("Min", None, "SqDist(X, Y)"),
    ("Max", None, "SqDist(X, Y)"),
    ("ArgMin", None, "SqDist(X, Y)"),
    ("ArgMax", None, "SqDist(X, Y)"),
    ("Min_ArgMin", None, "SqDist(X, Y)"),
    ("Max_ArgMax", None, "SqDist(X, Y)"),
    ("KMin", 4, "SqDist(X, Y)"),
    ("ArgKMin", 4, "SqDist(X, Y)"),
    ("KMin_ArgKMin", 4, "SqDist(X, Y)"),
    ("LogSumExp", None, "-SqDist(X, Y)"),
    ("SumSoftMaxWeight", None, "-SqDist(X, Y)"),
]


def reference(reduction, k, x, y, b):
    """The float64 reduction over y's rows of the dense terms."""
    x, y, b = (a.astype(np.float64) for a in (x, y, b))
    d2 = ((x[:, None] - y[None]) ** 2).sum(-1)
    if reduction == "Sum":
        return np.exp(-d2) @ b
    order = np.argsort(d2, 1, kind="stable")
    if reduction in ("Min", "Max", "ArgMin", "ArgMax", "Min_ArgMin", "Max_ArgMax"):
        index = order[:, :1] if "Min" in reduction else order[:, -1:]
        value = np.take_along_axis(d2, index, 1)
        return {"Min": value, "Max": value, "ArgMin": index, "ArgMax": index}.get(
            reduction, (value, index))
    if "K" in reduction:
        index = order[:, :k]
        value = np.take_along_axis(d2, index, 1)
        return {"KMin": value, "ArgKMin": index}.get(reduction, (value, index))
    shifted = np.exp(-d2 + d2.min(1, keepdims=True))
    if reduction == "LogSumExp":
        return (np.log(shifted.sum(1)) - d2.min(1))[:, None]
    return shifted @ b / shifted.sum(1, keepdims=True)


def genred(reduction, k, formula, axis):
    cat_y = "Vj" if axis == 1 else "Vi"
    cat_x = "Vi" if axis == 1 else "Vj"
    aliases = [f"X = {cat_x}(3)", f"Y = {cat_y}(3)", f"B = {cat_y}(2)"]
    if reduction == "SumSoftMaxWeight":
        return kn.Genred(formula, aliases, reduction_op=reduction, axis=axis,
                         formula2="B")
    return kn.Genred(formula, aliases if "B" in formula else aliases[:2],
                     reduction_op=reduction, axis=axis, opt_arg=k)


def assert_matches(got, want, dtype):
    for g, w in zip(got if isinstance(got, tuple) else [got],
                    want if isinstance(want, tuple) else [want]):
        if g.dtype.kind == "f":
            np.testing.assert_allclose(g, w, rtol=2e-4 if dtype == "float32" else 1e-10,
                                       atol=2e-5 if dtype == "float32" else 1e-12)
        else:
            np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("reduction,k,formula", FAMILIES)
def test_every_reduction_family_on_the_gpu(gpu, reduction, k, formula, axis, dtype):
    x, y, b = problem(dtype)
    f = genred(reduction, k, formula, axis)
    args = (x, y, b) if "B" in formula or reduction == "SumSoftMaxWeight" else (x, y)
    # Over i (axis 0), X is indexed by j and Y, B by i: the same sums.
    assert_matches(f(*args, backend="GPU"), reference(reduction, k, x, y, b), dtype)


def test_few_rows_many_columns(gpu):
    x, y, b = problem("float64", n=5, m=5000, seed=3)
    got = kn.Genred(*GAUSS, axis=1)(x, y, b, backend="GPU")
    np.testing.assert_allclose(got, reference("Sum", None, x, y, b), rtol=1e-10)


def test_half_precision_inputs(gpu):
    x, y, b = problem("float16", n=70, m=90, seed=4)
    got = kn.Genred(*GAUSS, axis=1)(x, y, b, backend="GPU")
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.astype(np.float64), reference("Sum", None, x, y, b),
                               rtol=2e-3, atol=2e-3)


def test_batches_with_broadcasting_over_both_axes(gpu):
    rng = np.random.default_rng(1)
    x, y = rng.random((3, 1, 40, 3)), rng.random((1, 2, 70, 3))
    b = rng.random((3, 2, 70, 2))
    d2 = ((x[..., :, None, :] - y[..., None, :, :]) ** 2).sum(-1)
    f = kn.Genred(*GAUSS, axis=1)
    np.testing.assert_allclose(f(x, y, b, backend="GPU"), np.exp(-d2) @ b, rtol=1e-10)
    g = kn.Genred("Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vi(2)"], axis=0)
    bi = rng.random((3, 2, 40, 2))
    np.testing.assert_allclose(g(x, y, bi, backend="GPU"),
                               np.swapaxes(np.exp(-d2), -1, -2) @ bi, rtol=1e-10)


def test_thread_orders_give_bitwise_equal_results(monkeypatch):
    """The simulator runs a block's threads forward, in reverse and shuffled
    between barriers: a kernel whose result depended on the order would
    have a race."""
    monkeypatch.setenv("KRED_GPU", "sim")
    x, y, b = problem("float32", n=200, m=400, seed=5)
    results = []
    for order in ("forward", "reverse", "random:1", "random:2"):
        monkeypatch.setenv("KRED_GPU_SIM_ORDER", order)
        for reduction, k, formula in (FAMILIES[0], FAMILIES[9], FAMILIES[11]):
            results.append((order, reduction, genred(reduction, k, formula, 1)(
                *((x, y, b) if reduction != "KMin_ArgKMin" else (x, y)), backend="GPU")))
    first = {r: out for order, r, out in results if order == "forward"}
    for order, reduction, out in results:
        for a, b_ in zip(out if isinstance(out, tuple) else [out],
                         first[reduction] if isinstance(out, tuple) else [first[reduction]]):
            assert a.tobytes() == b_.tobytes(), (order, reduction)
    monkeypatch.setenv("KRED_GPU_SIM_ORDER", "sideways")
    with pytest.raises(ValueError, match="KRED_GPU_SIM_ORDER is 'sideways'"):
        kn.Genred(*GAUSS, axis=1)(x, y, b, backend="GPU")


@pytest.mark.skipif(torch is None, reason="needs torch")
def test_gradients_through_the_gpu_backend(gpu):
    import kred.torch as kt
    x, y, b = (torch.tensor(a, dtype=torch.float64, requires_grad=True)
               for a in problem("float64", n=50, m=80, seed=6))
    f = kt.Genred(*GAUSS, axis=1)
    out = f(x, y, b, backend="GPU")
    gx, gy, gb = torch.autograd.grad((out ** 2).sum(), [x, y, b])
    dense = torch.exp(-((x[:, None] - y[None]) ** 2).sum(-1)) @ b
    rx, ry, rb = torch.autograd.grad((dense ** 2).sum(), [x, y, b])
    for got, want in ((out, dense), (gx, rx), (gy, ry), (gb, rb)):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


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
def test_gpu_backend_without_a_gpu_is_a_clear_error(front, monkeypatch):
    monkeypatch.delenv("KRED_GPU", raising=False)
    x, y, b = (front.array(a, "float32") for a in problem())
    f = front.module.Genred(*GAUSS, axis=1)
    for backend in ("GPU", "GPU_1D", "GPU_2D", "GPU_1D_host", "GPU_2D_device"):
        with pytest.raises(ValueError, match=NO_GPU):
            f(x, y, b, backend=backend)
    np.testing.assert_allclose(front.to_numpy(f(x, y, b)), front.to_numpy(f(x, y, b,
                               backend="CPU")))


def random_clusters(rows, rng):
    """Sorted, disjoint [start, end) clusters of [0, rows) that do not line up
    with GPU blocks: empty ones, ones spanning blocks, gaps of no cluster."""
    clusters, start = [], 0
    while start < rows:
        start = min(rows, start + int(rng.choice([0, 0, 3, 17])))
        end = min(rows, start + int(rng.choice([0, 1, 6, 33, 70, 200])))
        clusters.append([start, end])
        start = end
    return np.array(clusters, dtype=np.int64)


def block_sparse_pattern(n, m, axis, seed):
    """(ranges for a reduction over `axis`, the (n, m) mask of kept pairs
    (x row, y row)): x's clusters meet about half of y's."""
    rng = np.random.default_rng(seed)
    rx, ry = random_clusters(n, rng), random_clusters(m, rng)
    keep = rng.random((len(rx), len(ry))) < 0.5
    mask = np.zeros((n, m), bool)
    for (a, b_), row in zip(rx, keep):
        for (c, d), kept in zip(ry, row):
            mask[a:b_, c:d] = kept
    ranges = kc.from_matrix(rx, ry, keep) if axis == 1 else kc.from_matrix(ry, rx, keep.T)
    return ranges, mask


def block_sparse_reference(reduction, k, x, y, b, mask):
    """Row by row, the reduction over the row's kept y rows (indices into y);
    None for rows with fewer than max(K, 1) of them."""
    rows = []
    for i, kept in enumerate(mask):
        cols = np.flatnonzero(kept)
        if len(cols) < (k or 1):
            rows.append(None)
            continue
        want = reference(reduction, k, x[i:i + 1], y[cols], b[cols])
        rows.append(tuple(cols[w] if w.dtype.kind == "i" else w
                          for w in (want if isinstance(want, tuple) else (want,))))
    return rows


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("reduction,k,formula", FAMILIES)
def test_block_sparse_ranges_on_the_gpu(gpu, reduction, k, formula, axis, dtype):
    x, y, b = problem(dtype, seed=7)
    ranges, mask = block_sparse_pattern(len(x), len(y), axis, seed=8)
    f = genred(reduction, k, formula, axis)
    args = (x, y, b) if "B" in formula or reduction == "SumSoftMaxWeight" else (x, y)
    got = f(*args, backend="GPU", ranges=ranges)
    on_cpu = f(*args, backend="CPU", ranges=ranges)
    got, on_cpu = (o if isinstance(o, tuple) else (o,) for o in (got, on_cpu))
    assert mask.any(1).sum() > 100 and (~mask.any(1)).sum() > 5  # rows of no kept pair
    for i, want in enumerate(block_sparse_reference(reduction, k, x, y, b, mask)):
        # Rows with too few kept terms hold the identity, as on the CPU.
        assert_matches(tuple(g[i:i + 1] for g in got),
                       want or tuple(c[i:i + 1] for c in on_cpu), dtype)


@pytest.mark.skipif(torch is None, reason="needs torch")
def test_block_sparse_gradients_through_the_gpu_backend(gpu):
    import kred.torch as kt
    from kred.torch import LazyTensor
    x, y, b = (torch.tensor(a, dtype=torch.float64, requires_grad=True)
               for a in problem("float64", n=90, m=150, seed=9))
    ranges, mask = block_sparse_pattern(90, 150, 1, seed=10)
    weights = torch.exp(-((x[:, None] - y[None]) ** 2).sum(-1)) * torch.from_numpy(mask)
    dense = weights @ b
    out = kt.Genred(*GAUSS, axis=1)(x, y, b, backend="GPU", ranges=ranges)
    d_i = LazyTensor(x[:, None, :]) - LazyTensor(y[None, :, :])
    k_ij = (-(d_i ** 2).sum(-1)).exp()
    k_ij.ranges = ranges
    lazy = (k_ij * LazyTensor(b[None, :, :])).sum(dim=1, backend="GPU")
    want = torch.autograd.grad((dense ** 2).sum(), [x, y, b])
    for result in (out, lazy):
        got = torch.autograd.grad((result ** 2).sum(), [x, y, b])
        torch.testing.assert_close(result, dense, rtol=1e-10, atol=1e-12)
        for g, w in zip(got, want):
            torch.testing.assert_close(g, w, rtol=1e-10, atol=1e-12)


def test_invalid_ranges_on_the_gpu_are_named(gpu):
    x, y, b = problem("float64", n=6, m=5)
    ranges = list(kc.from_matrix(np.array([[0, 6]]), np.array([[0, 5]]), np.ones((1, 1), bool)))
    ranges[2] = np.array([[0, 9]])  # past the 5 rows of y
    with pytest.raises(ValueError, match=r"redranges_j\[0\] = \[0, 9\) is not a range of rows"):
        kn.Genred(*GAUSS, axis=1)(x, y, b, backend="GPU", ranges=ranges)


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


@needs_torch_cuda
def test_block_sparse_ranges_with_cuda_tensors():
    """Ranges given as host arrays are moved to the tensors' GPU; ranges on
    the GPU are read back there for their checks."""
    import kred.torch as kt
    x, y, b = (torch.tensor(a, dtype=torch.float64) for a in problem("float64"))
    ranges, _ = block_sparse_pattern(len(x), len(y), 1, seed=11)
    f = kt.Genred(*GAUSS, axis=1)
    want = f(x, y, b, ranges=ranges)
    on_gpu = [torch.from_numpy(r).cuda() for r in ranges]
    for given in (ranges, on_gpu):
        got = f(x.cuda(), y.cuda(), b.cuda(), ranges=given)
        torch.testing.assert_close(got.cpu(), want, rtol=1e-12, atol=1e-14)
    bad = list(on_gpu)
    bad[2] = torch.tensor([[0, 10 ** 6]], device="cuda").expand(len(bad[2]), 2).contiguous()
    with pytest.raises(ValueError, match=r"redranges_j\[0\]"):
        f(x.cuda(), y.cuda(), b.cuda(), ranges=bad)


def test_check_health_runs_a_gpu_kernel(gpu, capsys):
    assert kred.check_health()
    assert "GPU kernel on " + ("gpu-sim" if gpu == "sim" else "cuda") in capsys.readouterr().out
