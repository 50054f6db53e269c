"""Seed 001's KernelSolve scenario, measured in one run: solve
(alpha Id + K_xx) c = b for a Gaussian kernel (D = 2, Dv = 2, sigma = 0.1,
alpha = 0.01, float32, x uniform in the unit square), then differentiate c
with respect to x (torch.autograd.grad(c, x, e)). Rows: kred's KernelSolve
(plain conjugate gradient, as pykeops; and with the Nystrom preconditioner),
pykeops 2.3's KernelSolve when importable, and PyTorch's dense solve. Each
solution and gradient is compared with the dense one (relative error, as
the seed prints it) where the dense solve ran.

usage: PYTHONPATH=build/python python3 bench/kernel_solve.py [--sizes 5000 20000]
           [--dense-max 10000] [--pykeops-max 5000] [--landmarks 200] [--json FILE]

The dense solve and pykeops run only up to --dense-max / --pykeops-max rows
(the dense one needs 4 N^2 bytes for K plus its autograd graph, and both are
slow beyond). kred's plain solve iterates in C (_kred.conjugate_gradient):
its time per iteration is printed beside one product made by a Genred call.
"""
import argparse
import json
import time

import torch

import kred
import kred.torch as kt

from all_cores import use_all_cores

try:
    import pykeops
    import pykeops.torch as pkt
    pykeops.set_verbose(False)
except ImportError:
    pkt = None

D, DV, SIGMA, ALPHA = 2, 2, 0.1, 0.01
FORMULA = "Exp(- g * SqDist(x,y)) * b"
ALIASES = [f"x = Vi({D})", f"y = Vj({D})", f"b = Vj({DV})", "g = Pm(1)"]


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run_routine(solve, x, b, g, e):
    """(solve seconds, c, gradient seconds, dc/dx . e)."""
    x = x.detach().requires_grad_()
    seconds, c = timed(lambda: solve(x, b, g))
    grad_seconds, (u,) = timed(lambda: torch.autograd.grad(c, x, e))
    return seconds, c.detach(), grad_seconds, u


def dense_solve(x, b, g):
    k = ALPHA * torch.eye(len(x)) + torch.exp(
        -torch.sum((x[:, None, :] - x[None, :, :]) ** 2, dim=2) / (2 * SIGMA ** 2))
    return torch.linalg.solve(k, b)


def kred_solver(precond, landmarks):
    solver = kt.KernelSolve(FORMULA, ALIASES, "b", axis=1)

    def solve(x, b, g):
        return solver(x, x, b, g, alpha=ALPHA, precond=precond,
                      landmarks=landmarks if precond else None)
    return solver, solve


def matvec_seconds(x, b, g):
    """One matrix-vector product K b through kred, warm."""
    gauss = kt.Genred(FORMULA, ALIASES, axis=1)
    gauss(x, x, b, g)
    return min(timed(lambda: gauss(x, x, b, g))[0] for _ in range(5))


def relative(a, ref):
    return (torch.norm(a - ref) / torch.norm(ref)).item()


def measure(n, args):
    torch.manual_seed(0)
    x, b = torch.rand(n, D), torch.rand(n, DV)
    g = torch.Tensor([0.5 / SIGMA ** 2])
    e = torch.randn(n, D)
    rows = []
    for name, precond in (("kred KernelSolve (CG, as pykeops)", None),
                          (f"kred KernelSolve (Nystrom, {args.landmarks} landmarks)",
                           "nystrom")):
        solver, solve = kred_solver(precond, args.landmarks)
        run_routine(solve, x[:200], b[:200], g, e[:200])  # compile outside the timing
        result = run_routine(solve, x, b, g, e)
        rows.append((name, solver.last_iterations, result))
    if pkt is not None and n <= args.pykeops_max:
        solver = pkt.KernelSolve(FORMULA, ALIASES, "b", axis=1)

        def pykeops_solve(x, b, g):
            return solver(x, x, b, g, alpha=ALPHA)
        run_routine(pykeops_solve, x[:200], b[:200], g, e[:200])
        rows.append(("pykeops 2.3 KernelSolve", None, run_routine(pykeops_solve, x, b, g, e)))
    kred_figures = matvec_seconds(x, b, g)
    if n <= args.dense_max:
        rows.insert(0, ("PyTorch dense solve", None, run_routine(dense_solve, x, b, g, e)))
    return rows, kred_figures


def report(n, rows, matvec):
    dense = next((r for name, _, r in rows if name.startswith("PyTorch")), None)
    print(f"\nN = {n}, D = {D}, Dv = {DV}, sigma = {SIGMA}, alpha = {ALPHA}, float32")
    print(f"{'routine':44s} {'solve':>9s} {'iters':>6s} {'rel. err':>9s} "
          f"{'grad x':>9s} {'rel. err':>9s}")
    out = []
    for name, iterations, (seconds, c, grad_seconds, u) in rows:
        errors = (relative(c, dense[1]), relative(u, dense[3])) if dense else (None, None)
        text = [f"{v:9.2e}" if v is not None else f"{'-':>9s}" for v in errors]
        its = f"{iterations:6d}" if iterations is not None else f"{'-':>6s}"
        print(f"{name:44s} {seconds:8.3f}s {its} {text[0]} {grad_seconds:8.3f}s {text[1]}")
        out.append({"routine": name, "solve_s": seconds, "iterations": iterations,
                    "solve_rel_error": errors[0], "grad_s": grad_seconds,
                    "grad_rel_error": errors[1]})
    plain = next(r for name, _, r in rows if name.startswith("kred"))
    iterations = next(i for name, i, _ in rows if name.startswith("kred"))
    print(f"kred: one matrix-vector product (a Genred call) {matvec * 1e3:.2f} ms; an "
          f"iteration of the plain solve {plain[0] / max(iterations, 1) * 1e6:.0f} us")
    if dense:
        for name, _, (seconds, *_) in rows:
            if name.startswith("kred"):
                print(f"{name}: {dense[0] / seconds:.1f}x faster than the dense solve")
    return out


def main():
    use_all_cores()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000])
    parser.add_argument("--dense-max", type=int, default=10000)
    parser.add_argument("--pykeops-max", type=int, default=5000)
    parser.add_argument("--landmarks", type=int, default=200)
    parser.add_argument("--json")
    args = parser.parse_args()
    print(f"host: {kred._kred.host()}; torch {torch.__version__} with "
          f"{torch.get_num_threads()} threads; pykeops: "
          f"{pykeops.__version__ if pkt else 'not importable, rows skipped'}")
    results = {}
    for n in args.sizes:
        rows, matvec = measure(n, args)
        results[n] = report(n, rows, matvec)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
