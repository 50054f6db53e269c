"""One rank of the sharded-reduction tests (test_distributed.py starts
several over Gloo on 127.0.0.1). Every rank builds the same full problem
(seeded), takes its shards, runs the sharded reduction and checks its rows
against one-process kred on the full problem; an assertion fails the rank.

    RANK=r WORLD_SIZE=p MASTER_ADDR=127.0.0.1 MASTER_PORT=n \\
        python distributed_worker.py SCENARIO...
"""

import datetime
import os
import sys

import numpy as np
import torch
import torch.distributed as dist

import kred.torch as kt
import kred.torch.distributed as kd

RANK, SIZE = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])


def split(n, seed):
    """Uneven shard sizes of n rows over the ranks, one empty when there are
    three ranks or more."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.5, 1.5, SIZE)
    if SIZE >= 3:
        weights[1] = 0
    cuts = np.round(np.cumsum(weights) / weights.sum() * n).astype(int)
    return list(np.diff(np.concatenate([[0], cuts])))


def shard(t, sizes, axis=-2):
    start = sum(sizes[:RANK])
    return t.narrow(axis, start, sizes[RANK])


def tensors(rng, dtype, *shapes):
    return [torch.from_numpy(rng.standard_normal(s)).to(dtype) for s in shapes]


VECTOR = "(X - Y) * P + B"           # dimension 3: Sum, Min, Max, K kinds
SCALAR = "P * SqDist(X, Y) - (X | B)"  # dimension 1: exponential kinds
# (kind, formula, K, formula2)
KINDS = [("Sum", VECTOR, None, None), ("Min", VECTOR, None, None),
         ("Max", VECTOR, None, None), ("ArgMin", VECTOR, None, None),
         ("ArgMax", VECTOR, None, None), ("Min_ArgMin", VECTOR, None, None),
         ("Max_ArgMax", VECTOR, None, None), ("KMin", VECTOR, 3, None),
         ("ArgKMin", VECTOR, 3, None), ("KMin_ArgKMin", VECTOR, 3, None),
         ("LogSumExp", SCALAR, None, None), ("LogSumExp", SCALAR, None, "B"),
         ("SumSoftMaxWeight", SCALAR, None, "B * Y"), ("Max_SumShiftExp", SCALAR, None, None),
         ("Max_SumShiftExp", SCALAR, None, "B")]
FEW_KINDS = [KINDS[i] for i in (0, 3, 8, 10, 12)]


def aliases(axis):
    """X and its weight B on the output axis, Y on the reduced one."""
    rows, reduced = ("Vi", "Vj") if axis == 1 else ("Vj", "Vi")
    return [f"X = {rows}(3)", f"Y = {reduced}(3)", f"B = {reduced}(3)", "P = Pm(1)"]


def problem(axis, dtype, batch=()):
    rng = np.random.default_rng(1)
    n, m = 13, 17
    x, y, b = tensors(rng, dtype, batch + (n, 3), batch + (m, 3), batch + (m, 3))
    p = torch.tensor([0.7], dtype=dtype).expand(batch + (1,)).contiguous()
    return [x, y, b, p], [split(n, 2), split(m, 3), split(m, 3), None]


def local(args, sizes):
    return [a if s is None else shard(a, s) for a, s in zip(args, sizes)]


def assert_rows_match(got, full, sizes, what, dtype):
    got = got if isinstance(got, tuple) else (got,)
    full = full if isinstance(full, tuple) else (full,)
    assert len(got) == len(full), what
    rtol = 1e-6 if dtype == torch.float64 else 2e-5
    for g, f in zip(got, full):
        # The rows axis (-3 for K values of several components): where the
        # rank's rows differ from all rows.
        axis = next((a for a in range(f.dim()) if f.shape[a] != g.shape[a]), None)
        if axis is not None:
            f = f.narrow(axis, sum(sizes[:RANK]), sizes[RANK])
        assert g.shape == f.shape and g.dtype == f.dtype, \
            f"{what}: got {g.dtype} {tuple(g.shape)}, expected {f.dtype} {tuple(f.shape)}"
        if g.dtype == torch.int64:
            assert torch.equal(g, f), f"{what}: indices differ\n{g}\n{f}"
        else:
            torch.testing.assert_close(g, f, rtol=rtol, atol=rtol, equal_nan=True, msg=what)


def reductions(kinds=KINDS):
    for axis in (1, 0):
        for dtype in (torch.float64, torch.float32):
            args, sizes = problem(axis, dtype)
            for kind, formula, k, weight in kinds:
                what = f"{kind} axis={axis} {dtype} weight={weight}"
                options = dict(reduction_op=kind, axis=axis, opt_arg=k, formula2=weight)
                full = kt.Genred(formula, aliases(axis), **options)(*args)
                got = kd.Genred(formula, aliases(axis), **options)(*local(args, sizes))
                assert_rows_match(got, full, sizes[0], what, dtype)


def dense_reference():
    """The sharded Gaussian sum and 3 nearest neighbours against NumPy in
    float64 (the whole problem, dense)."""
    args, sizes = problem(1, torch.float64)
    x, y, b = (a.numpy() for a in args[:3])
    d = ((x[:, None] - y[None]) ** 2).sum(-1)
    ours = local(args, sizes)[:3]
    gauss = kd.Genred("Exp(-SqDist(X, Y)) * B", aliases(1)[:3], axis=1)(*ours)
    np.testing.assert_allclose(gauss.numpy(), shard(torch.from_numpy(np.exp(-d) @ b),
                                                    sizes[0]).numpy(), rtol=1e-12)
    knn = kd.Genred("SqDist(X, Y)", aliases(1)[:2], reduction_op="ArgKMin", axis=1,
                    opt_arg=3)(*ours[:2])
    expected = torch.from_numpy(np.argsort(d, axis=1, kind="stable")[:, :3])
    assert torch.equal(knn, shard(expected, sizes[0]))


def few_reductions():
    reductions(FEW_KINDS)


def batches():
    args, sizes = problem(1, torch.float64, batch=(2,))
    for kind, formula, k, weight in FEW_KINDS:
        options = dict(reduction_op=kind, axis=1, opt_arg=k, formula2=weight)
        full = kt.Genred(formula, aliases(1), **options)(*args)
        got = kd.Genred(formula, aliases(1), **options)(*local(args, sizes))
        assert_rows_match(got, full, sizes[0], f"batched {kind}", torch.float64)


GRADIENT_KINDS = [("Sum", VECTOR, None, None), ("Min", VECTOR, None, None),
                  ("KMin", VECTOR, 2, None), ("LogSumExp", SCALAR, None, None),
                  ("LogSumExp", SCALAR, None, "B"), ("SumSoftMaxWeight", SCALAR, None, "B"),
                  ("Max_SumShiftExp", SCALAR, None, None)]


def gradients():
    """Each rank's loss is its rows' weighted sum; the gradients are those of
    the sum of the losses (one process, full problem)."""
    for axis in (1, 0):
        args, sizes = problem(axis, torch.float64)
        for kind, formula, k, weight in GRADIENT_KINDS:
            options = dict(reduction_op=kind, axis=axis, opt_arg=k, formula2=weight)
            full_args = [a.clone().requires_grad_() for a in args]
            full = kt.Genred(formula, aliases(axis), **options)(*full_args)
            w = torch.from_numpy(np.random.default_rng(2).standard_normal(full.shape))
            (full * w).sum().backward()
            mine = [a.clone().requires_grad_() for a in local(args, sizes)]
            got = kd.Genred(formula, aliases(axis), **options)(*mine)
            rows_axis = -3 if full.dim() == 3 else -2  # K values of 3 components
            (got * shard(w, sizes[0], rows_axis)).sum().backward()
            for name, g, f, s in zip("XYBP", mine, full_args, sizes):
                expected = f.grad if s is None else shard(f.grad, s)
                torch.testing.assert_close(g.grad, expected, rtol=1e-6, atol=1e-9,
                                           msg=f"{kind} axis={axis}: d/d{name}")


def second_order():
    """d/dY of <d/dX of the sharded Gaussian sum, v>, against one process."""
    formula, names = "Exp(-SqDist(X, Y)) * B", ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"]
    rng = np.random.default_rng(3)
    x, y, b = tensors(rng, torch.float64, (9, 3), (11, 3), (11, 1))
    v = torch.from_numpy(rng.standard_normal((9, 3)))
    si, sj = split(9, 4), split(11, 5)

    def run(genred, x, y, b, rows_v):
        x, y = x.clone().requires_grad_(), y.clone().requires_grad_()
        (gx,) = torch.autograd.grad(genred(x, y, b).sum(), x, create_graph=True)
        (gx * rows_v).sum().backward()
        return y.grad

    full = run(kt.Genred(formula, names, axis=1), x, y, b, v)
    got = run(kd.Genred(formula, names, axis=1), shard(x, si), shard(y, sj), shard(b, sj),
              shard(v, si))
    torch.testing.assert_close(got, shard(full, sj), rtol=1e-6, atol=1e-9)


def solve():
    formula = "Exp(-SqDist(X, Y)) * B"
    names = ["X = Vi(2)", "Y = Vj(2)", "B = Vj(2)"]
    rng = np.random.default_rng(4)
    x, b = tensors(rng, torch.float64, (40, 2), (40, 2))
    sizes = split(40, 6)
    for precond in (None, "jacobi"):
        full = kt.KernelSolve(formula, names, "B", axis=1)(x, x, b, alpha=0.5,
                                                           precond=precond, eps=1e-10)
        got = kd.KernelSolve(formula, names, "B", axis=1)(
            shard(x, sizes), shard(x, sizes), shard(b, sizes), alpha=0.5, precond=precond,
            eps=1e-10)
        torch.testing.assert_close(got, shard(full, sizes), rtol=1e-7, atol=1e-9)
    # Differentiable: b's gradient is the adjoint solve, x's through K.
    w = torch.from_numpy(rng.standard_normal((40, 2)))

    def gradients(solver, x, b, w):
        x, b = x.clone().requires_grad_(), b.clone().requires_grad_()
        (solver(x, x, b, alpha=0.5, eps=1e-10) * w).sum().backward()
        return x.grad, b.grad

    full = gradients(kt.KernelSolve(formula, names, "B", axis=1), x, b, w)
    got = gradients(kd.KernelSolve(formula, names, "B", axis=1), shard(x, sizes),
                    shard(b, sizes), shard(w, sizes))
    for g, f in zip(got, full):
        torch.testing.assert_close(g, shard(f, sizes), rtol=1e-6, atol=1e-8)


def lazy_tensors():
    rng = np.random.default_rng(5)
    x, y, b = tensors(rng, torch.float64, (12, 3), (15, 3), (15, 2))
    si, sj = split(12, 7), split(15, 8)

    def reductions(x, y, b):
        x_i, y_j = kt.LazyTensor(x[:, None, :]), kt.LazyTensor(y[None, :, :])
        d = ((x_i - y_j) ** 2).sum(-1)
        return [(-d).exp() @ b, (-d).logsumexp(dim=1), d.argmin(dim=1),
                d.Kmin(2, dim=1)]

    full = reductions(x, y, b)
    with kd.sharded():
        got = reductions(shard(x, si), shard(y, sj), shard(b, sj))
    for n, (g, f) in enumerate(zip(got, full)):
        assert_rows_match(g, f, si, f"LazyTensor reduction {n}", torch.float64)


def expect_error(call, error, message):
    """call() must raise `error` saying `message`; printed for the test."""
    try:
        call()
    except error as e:
        assert message in str(e), str(e)
        print(f"rank {RANK}: {e}", file=sys.stderr)
        return
    raise AssertionError(f"no {error.__name__} saying {message!r}")


def mismatch():
    """Rank 1 calls with another dtype, rank 2 with another formula: every
    rank reports the difference."""
    dtype = torch.float64 if RANK == 1 else torch.float32
    formula = "SqDist(X, Y) * 2" if RANK == 2 else "SqDist(X, Y)"
    x = torch.zeros(5, 3, dtype=dtype)
    expect_error(lambda: kd.Genred(formula, ["X = Vi(3)", "Y = Vj(3)"], axis=1)(x, x),
                 ValueError, "the ranks call different reductions")


def killed():
    """Rank 1 dies before the reduction; the others fail with a clear error
    instead of hanging."""
    if RANK == 1:
        os._exit(17)
    x = torch.zeros(5, 3)
    expect_error(lambda: kd.Genred("SqDist(X, Y)", ["X = Vi(3)", "Y = Vj(3)"], axis=1)(x, x),
                 RuntimeError, "a process of the group died")


def refusals():
    """What sharded reductions do not do is refused with a message."""
    x = torch.rand(4, 3)
    gauss = kd.Genred("Exp(-SqDist(X, Y))", ["X = Vi(3)", "Y = Vj(3)"], axis=1)
    ranges = [torch.zeros(1, 2, dtype=torch.int64)] * 6
    for call, message in [
            (lambda: gauss(x, x, ranges=ranges), "block-sparse ranges are not supported"),
            (lambda: kd.Genred("X", ["X = Vi(3)"], axis=1)(x),
             "needs a variable of the reduced axis"),
            (lambda: kd.KernelSolve("Exp(-SqDist(X, Y)) * B",
                                    ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"], "B", axis=1)(
                x, x, x[:, :1], alpha=1.0, precond="nystrom"), "precond='nystrom'")]:
        expect_error(call, ValueError, message)


def readme_example():
    """The README's sharded example, on 2,000 points (it calls
    init_process_group itself: run it alone)."""
    readme = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
    text = open(readme).read()
    code = text[text.index("# gauss.py"):]
    code = code[:code.index("```")].replace("1_000_000", "2_000")
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["a"].shape == (1000, 1) and namespace["b"].grad is not None
    assert namespace["knn"].shape == (1000, 5) and int(namespace["knn"].max()) < 2000
    assert namespace["solution"].shape == (1000, 1)


def gpu_reductions():
    """FEW_KINDS on CUDA tensors, one GPU per rank (NCCL)."""
    device = torch.device("cuda", RANK % torch.cuda.device_count())
    args, sizes = problem(1, torch.float32)
    args = [a.to(device) for a in args]
    for kind, formula, k, weight in FEW_KINDS:
        options = dict(reduction_op=kind, axis=1, opt_arg=k, formula2=weight)
        full = kt.Genred(formula, aliases(1), **options)(*args)
        got = kd.Genred(formula, aliases(1), **options)(*local(args, sizes))
        assert_rows_match(got, full, sizes[0], f"{kind} on {device}", torch.float32)


if __name__ == "__main__":
    if sys.argv[1:] == ["readme_example"]:
        sys.exit(readme_example())
    dist.init_process_group(os.environ.get("KRED_TEST_BACKEND", "gloo"),
                            timeout=datetime.timedelta(seconds=60))
    for scenario in sys.argv[1:]:
        globals()[scenario]()
    if "killed" in sys.argv[1:]:
        # The group is broken (a rank died), and gloo's teardown at exit can
        # abort ("terminate called without an active exception"): leave
        # without it, the scenario's checks done.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    dist.barrier()
    dist.destroy_process_group()
