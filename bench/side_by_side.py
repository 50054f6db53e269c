"""Every CPU workload of issue 29, side by side in one process on the same
data: NumPy and PyTorch (dense through BLAS, by row blocks), pykeops 2.3 (when
importable: run with a Python that has it, e.g. ~/keops-venv/bin/python)
and kred; float32, uniform points in [0, 1)^D scaled by 1/sqrt(D). Each
time is the best of a warm-up and up to 5 runs (fewer past 5 s; calls
shorter than 40 ms run until 0.2 s are spent, at most 1,000 times); the
ratio column is pykeops / kred, and the last column the largest relative
difference of kred's result to pykeops' (to NumPy's without pykeops; k-NN:
of the distances the indices select).

usage: PYTHONPATH=build/python python3 bench/side_by_side.py [--json FILE]
"""
import argparse
import json
import time

import numpy as np
import torch

import kred
import kred.numpy as kn
import kred.torch as kt

from all_cores import use_all_cores

try:
    import pykeops
    import pykeops.numpy as pkn
    import pykeops.torch as pkt
    pykeops.set_verbose(False)
except ImportError:
    pkn = pkt = None



def best_time(fn, budget=5.0, repeat=5, short=0.2, most=1000):
    """Best of `repeat` runs after a warm-up (fewer past `budget` s), and of
    more for short calls, until `short` s are spent (at most `most` runs):
    a call of microseconds is measured over many, as timeit would."""
    result = fn()
    times, spent = [], 0.0
    while len(times) < most:
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
        spent += times[-1]
        if spent > budget or (len(times) >= repeat and spent > short):
            break
    return min(times), result


def blocks(n, size=1024):
    return [(s, min(n, s + size)) for s in range(0, n, size)]


def points(rng, n, d):
    return (rng.random((n, d), dtype=np.float32) / np.sqrt(d)).astype(np.float32)


# Dense references, as NumPy and PyTorch users write them: squared
# distances through BLAS (|x|^2 + |y|^2 - 2 <x, y>), by row blocks so that
# N = 20,000 fits in memory.
def sqdist(x, y):
    """For NumPy arrays and torch tensors alike."""
    return (x * x).sum(1)[:, None] + (y * y).sum(1)[None] - 2 * x @ y.T


def gauss_numpy(x, y, b):
    return np.concatenate([np.exp(-sqdist(x[s:e], y)) @ b for s, e in blocks(len(x))])


def gauss_torch(x, y, b):
    x, y, b = map(torch.from_numpy, (x, y, b))
    return torch.cat([torch.exp(-sqdist(x[s:e], y)) @ b for s, e in blocks(len(x))])


def knn_numpy(x, y, k):
    out = []
    for s, e in blocks(len(x)):
        d = sqdist(x[s:e], y)
        part = np.argpartition(d, k - 1, axis=1)[:, :k]
        out.append(np.take_along_axis(part, np.argsort(np.take_along_axis(d, part, 1), 1), 1))
    return np.concatenate(out)


def knn_torch(x, y, k):
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    return torch.cat([sqdist(x[s:e], y).topk(k, largest=False).indices
                      for s, e in blocks(len(x))])


def lse_numpy(x, y):
    out = []
    for s, e in blocks(len(x)):
        v = -sqdist(x[s:e], y)
        m = v.max(1, keepdims=True)
        out.append(m + np.log(np.exp(v - m).sum(1, keepdims=True)))
    return np.concatenate(out)


def lse_torch(x, y):
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    return torch.cat([torch.logsumexp(-sqdist(x[s:e], y), 1, keepdim=True)
                      for s, e in blocks(len(x))])


def min_numpy(x, y):
    return np.concatenate([sqdist(x[s:e], y).min(1, keepdims=True) for s, e in blocks(len(x))])


def min_torch(x, y):
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    return torch.cat([sqdist(x[s:e], y).min(1, keepdim=True).values
                      for s, e in blocks(len(x))])


GAUSS = ("Exp(-SqDist(X, Y)) * B", "Sum")


def genred(module, formula, reduction, d, k=None):
    aliases = [f"X = Vi({d})", f"Y = Vj({d})", "B = Vj(1)"] if "B" in formula else \
        [f"X = Vi({d})", f"Y = Vj({d})"]
    return module.Genred(formula, aliases, reduction_op=reduction, axis=1, opt_arg=k)


def lazy_gauss(module):
    def run(x, y, b):
        xi, yj = module.LazyTensor(x[:, None, :]), module.LazyTensor(y[None, :, :])
        return ((-((xi - yj) ** 2).sum(-1)).exp() @ b)
    return run


def knn_error(x, y, found, reference, rows=300):
    """On the first `rows` queries (float64 distances of both selections)."""
    x, found, reference = x[:rows], np.asarray(found)[:rows], np.asarray(reference)[:rows]
    d = ((x[:, None].astype(np.float64) - y[None]) ** 2).sum(-1)
    a = np.take_along_axis(d, np.asarray(found, dtype=np.int64), 1)
    r = np.take_along_axis(d, np.asarray(reference, dtype=np.int64), 1)
    return float(np.abs(a - r).max() / max(np.abs(r).max(), 1e-30))


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def row(name, data, kred_fn, keops_fn, numpy_fn, torch_fn, compare=rel):
    t_kred, r_kred = best_time(lambda: kred_fn(*data))
    t_keops, r_keops = best_time(lambda: keops_fn(*data)) if keops_fn else (None, None)
    t_numpy, r_numpy = best_time(lambda: numpy_fn(*data), repeat=1)
    t_torch, _ = best_time(lambda: torch_fn(*data), repeat=1)
    reference = r_keops if r_keops is not None else r_numpy
    return dict(name=name, kred=t_kred, pykeops=t_keops, numpy=t_numpy, torch=t_torch,
                ratio=t_keops / t_kred if t_keops else None,
                error=compare(data, r_kred, reference))


def main():
    use_all_cores()
    parser = argparse.ArgumentParser()
    parser.add_argument("--json")
    parser.add_argument("--only", help="run the rows whose name contains this text")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []

    def add(name, *spec):
        if args.only is None or args.only in name:
            rows.append(row(name, *spec))
    for d in (3, 64):
        for n in (1000, 10000, 20000):
            x, y, b = points(rng, n, d), points(rng, n, d), rng.random((n, 1), dtype=np.float32)
            add(f"Gaussian D={d} N=M={n}", (x, y, b),
                genred(kn, *GAUSS, d), pkn and genred(pkn, *GAUSS, d),
                gauss_numpy, gauss_torch, lambda _, a, r: rel(a, r))
    for d in (3, 64):
        x, y = points(rng, 10000, d), points(rng, 10000, d)
        add(f"k-NN K=10 D={d} N=M=10000", (x, y),
            genred(kn, "SqDist(X, Y)", "ArgKMin", d, 10),
            pkn and genred(pkn, "SqDist(X, Y)", "ArgKMin", d, 10),
            lambda x, y: knn_numpy(x, y, 10), lambda x, y: knn_torch(x, y, 10),
            lambda data, a, r: knn_error(*data, a, r))
    x, y = points(rng, 10000, 3), points(rng, 10000, 3)
    add("LogSumExp D=3 N=M=10000", (x, y),
        genred(kn, "-SqDist(X, Y)", "LogSumExp", 3),
        pkn and genred(pkn, "-SqDist(X, Y)", "LogSumExp", 3),
        lse_numpy, lse_torch, lambda _, a, r: rel(a, r))
    add("Min D=3 N=M=10000", (x, y), genred(kn, "SqDist(X, Y)", "Min", 3),
        pkn and genred(pkn, "SqDist(X, Y)", "Min", 3), min_numpy, min_torch,
        lambda _, a, r: rel(a, r))
    for n in (100, 10000):
        x, y = torch.from_numpy(points(rng, n, 3)), torch.from_numpy(points(rng, n, 3))
        b = torch.rand(n, 1)
        add(f"LazyTensor Gaussian (torch) N=M={n}", (x, y, b),
            lazy_gauss(kt), pkt and lazy_gauss(pkt),
            lambda x, y, b: gauss_numpy(x.numpy(), y.numpy(), b.numpy()),
            lambda x, y, b: gauss_torch(x.numpy(), y.numpy(), b.numpy()),
            lambda _, a, r: rel(a, r))

    print(f"float32, host {kred._kred.host()}, torch threads {torch.get_num_threads()}")
    print(f"{'workload':38s} {'kred':>10s} {'pykeops':>10s} {'NumPy':>10s} {'PyTorch':>10s} "
          f"{'vs pykeops':>10s} {'rel. diff':>9s}")
    fmt = lambda t: f"{'-':>11s}" if t is None else \
        f"{t * 1e3:9.2f}ms" if t >= 1e-3 else f"{t * 1e6:9.1f}us"
    for r in rows:
        ratio = f"{r['ratio']:9.1f}x" if r["ratio"] else f"{'-':>10s}"
        print(f"{r['name']:38s}{fmt(r['kred'])}{fmt(r['pykeops'])}{fmt(r['numpy'])}"
              f"{fmt(r['torch'])} {ratio} {r['error']:9.1e}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
