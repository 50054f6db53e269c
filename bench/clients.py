"""Client libraries on kred and on pykeops 2.3, in one run: GeomLoss'
Sinkhorn divergence (backend "online" and "multiscale") and one GPyTorch
training step (exact GP, KeOps RBF kernel, CG mode), float32, 3-D uniform
clouds. Each library runs unchanged; `import pykeops` resolves to kred's
compatibility layer (build/compat) in kred's worker process and to real
pykeops in the other. Results are checked against each other.

usage: python3 bench/clients.py [BUILD] [--pykeops-python ~/keops-venv/bin/python]
           [--online 20000 100000] [--multiscale 100000 1000000] [--gp 20000]
           [--pykeops-max 100000] [--json FILE]

pykeops runs where its Python is given (or ~/keops-venv/bin/python exists)
and the size is at most --pykeops-max. Each time is the best of --repeat
runs after a warm-up (which compiles). The compatibility layer itself costs
nothing per call: pykeops.torch.LazyTensor is kred.torch.LazyTensor (the
run prints the check).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from all_cores import use_all_cores

HERE = os.path.dirname(os.path.abspath(__file__))


# --- the worker: one library, one case ---------------------------------------------
def clouds(n, seed):
    rng = np.random.default_rng(seed)
    return rng.random((n, 3)).astype(np.float32), rng.random((n, 3)).astype(np.float32)


def sinkhorn(backend, n, repeat):
    import torch
    from geomloss import SamplesLoss

    x, y = (torch.from_numpy(a) for a in clouds(n, 0))
    loss = SamplesLoss("sinkhorn", p=2, blur=0.05, scaling=0.5, backend=backend)

    def run():
        xg = x.clone().requires_grad_(True)
        value = loss(xg, y)
        (g,) = torch.autograd.grad(value, [xg])
        return value.detach(), g

    return timed(run, repeat)


def gp_step(n, repeat):
    import gpytorch
    import torch

    x, _ = (torch.from_numpy(a) for a in clouds(n, 1))
    y = torch.sin(6 * x[:, 0]) + 0.1 * torch.from_numpy(
        np.random.default_rng(2).standard_normal(n).astype(np.float32))

    class GP(gpytorch.models.ExactGP):
        def __init__(self):
            super().__init__(x, y, gpytorch.likelihoods.GaussianLikelihood())
            self.mean = gpytorch.means.ConstantMean()
            self.cov = gpytorch.kernels.ScaleKernel(gpytorch.kernels.keops.RBFKernel())

        def forward(self, t):
            return gpytorch.distributions.MultivariateNormal(self.mean(t), self.cov(t))

    def run():
        torch.manual_seed(0)  # the same probe vectors in both workers
        model = GP()
        mll = gpytorch.mlls.ExactMarginalLogLikelihood(model.likelihood, model)
        model.train()
        # GPyTorch 1.11's pivoted-Cholesky preconditioner (N >= 2,000) reads
        # kernel entries with to_dense(), which a KeOps LazyTensor is not:
        # it fails the same way with pykeops, so it is off for both.
        with gpytorch.settings.max_preconditioner_size(0):
            loss = -mll(model(x), y)
            grads = torch.autograd.grad(loss, list(model.parameters()))
        return loss.detach(), torch.cat([g.reshape(-1) for g in grads])

    return timed(run, repeat)


def timed(run, repeat):
    run()  # compiles
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def worker(args):
    use_all_cores()
    import pykeops
    if hasattr(pykeops, "set_verbose"):
        pykeops.set_verbose(False)
    kind, n = args.worker_case.split(":")
    n = int(n)
    seconds, (value, extra) = (gp_step(n, args.repeat) if kind == "gp" else
                               sinkhorn(kind, n, args.repeat))
    np.savez(args.worker_out, value=value.numpy(), extra=extra.numpy(), seconds=seconds)
    if getattr(pykeops, "kred_version", None):
        import kred.torch
        import pykeops.torch
        same = pykeops.torch.LazyTensor is kred.torch.LazyTensor
        print(f"    (pykeops.torch.LazyTensor is kred.torch.LazyTensor: {same})")


# --- the driver -------------------------------------------------------------------
def run_worker(python, pythonpath, case, repeat):
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "result.npz")
        env = {**os.environ, "PYTHONPATH": pythonpath, "PYKEOPS_VERBOSE": "0",
               "KEOPS_VERBOSE": "0"}
        run = subprocess.run([python, __file__, "--worker-case", case, "--worker-out", out,
                              "--repeat", str(repeat)], env=env, capture_output=True,
                             text=True)
        if run.returncode != 0:
            tail = (run.stderr or run.stdout).strip().splitlines()[-3:]
            return None, " | ".join(tail)
        if run.stdout.strip():
            print(run.stdout.rstrip())
        data = np.load(out)
        return {k: data[k] for k in data.files}, None


def relative(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("build", nargs="?", default=os.path.join(HERE, "..", "build"))
    p.add_argument("--pykeops-python", default=os.path.expanduser("~/keops-venv/bin/python"))
    p.add_argument("--online", type=int, nargs="*", default=[20000, 100000])
    p.add_argument("--multiscale", type=int, nargs="*", default=[100000, 1000000])
    p.add_argument("--gp", type=int, nargs="*", default=[20000])
    p.add_argument("--pykeops-max", type=int, default=100000)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--json")
    p.add_argument("--worker-case", help=argparse.SUPPRESS)
    p.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker_case:
        return worker(args)

    build = os.path.abspath(args.build)
    clients = os.path.join(build, "client-libs")
    kred_path = os.pathsep.join([os.path.join(build, "python"), os.path.join(build, "compat"),
                                 clients])
    have_pykeops = os.path.exists(args.pykeops_python)
    cases = ([f"online:{n}" for n in args.online] +
             [f"multiscale:{n}" for n in args.multiscale] + [f"gp:{n}" for n in args.gp])
    print(f"CPU: {cpu_name()}; float32, D = 3; best of {args.repeat} after a warm-up")
    print(f"{'case':<22}{'kred (s)':>12}{'pykeops (s)':>14}{'speed-up':>10}  agreement")
    rows = []
    for case in cases:
        kred, error = run_worker(sys.executable, kred_path, case, args.repeat)
        if kred is None:
            print(f"{case:<22} kred failed: {error}")
            continue
        n = int(case.split(":")[1])
        ref, note = None, "pykeops not run"
        if have_pykeops and n <= args.pykeops_max:
            ref, error = run_worker(args.pykeops_python, clients, case, args.repeat)
            note = f"pykeops failed: {error}" if ref is None else note
        row = {"case": case, "kred_s": float(kred["seconds"])}
        if ref is not None:
            row.update(pykeops_s=float(ref["seconds"]),
                       value_rel_diff=relative(kred["value"], ref["value"]),
                       grad_rel_diff=relative(kred["extra"], ref["extra"]))
            note = (f"value {row['value_rel_diff']:.1e}, gradient "
                    f"{row['grad_rel_diff']:.1e} (relative)")
        speed = f"{row['pykeops_s'] / row['kred_s']:.1f}x" if "pykeops_s" in row else "-"
        theirs = f"{row['pykeops_s']:.3f}" if "pykeops_s" in row else "-"
        print(f"{case:<22}{row['kred_s']:>12.3f}{theirs:>14}{speed:>10}  {note}", flush=True)
        rows.append(row)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"cpu": cpu_name(), "rows": rows}, f, indent=1)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return f"{line.split(':', 1)[1].strip()} ({os.cpu_count()} cores)"
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
