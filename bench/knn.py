"""k-nearest neighbours, measured in one run: kred (ArgKMin, and ArgMin for
K = 1) against pykeops 2.3's CPU backend when importable, torch.cdist +
topk and NumPy's argpartition; float32, uniform random points.

usage: PYTHONPATH=build/python python3 bench/knn.py [--sizes 10000 100000]
           [--ks 1 10 50] [--dims 3 64] [--sample-rows 2000] [--json FILE]
           [--cpu-features=-avx512f]   (kred's code for other CPU features:
                                        AVX2 code on an AVX-512 machine)

The quadratic-memory methods (torch, NumPy) and pykeops run on the first
--sample-rows query points when N is larger, and their time is scaled to all
N rows (marked "~"): their cost is linear in the rows. kred runs on all N.
kred's result is checked on the first 500 queries against float64: the
largest relative difference of the K-th neighbour's squared distance to the
true K-th smallest (indices may differ between equal distances).
Times are the least of a few runs; kred and pykeops are measured in two
alternating rounds, so that a slow phase of a shared machine falls on both.
"""
import argparse
import json
import os
import time

import numpy as np

import kred
import kred.numpy as kn

from all_cores import use_all_cores

try:
    import torch
except ImportError:
    torch = None
try:
    import pykeops
    import pykeops.numpy as pk
    pykeops.set_verbose(False)
except ImportError:
    pk = None


def best_time(fn, repeat):
    """(least time over `repeat` runs after one warm-up, last result): the
    run that the machine's other load disturbed least, as side_by_side.py
    takes."""
    result = fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def alternated(fns, rounds=2):
    """best_time of each (name: (fn, repeat)), measured in `rounds`
    alternating rounds so that a slow phase of a shared machine does not
    fall on one side only: {name: (least time, last result)}."""
    best = {}
    for _ in range(rounds):
        for name, (fn, repeat) in fns.items():
            t, result = best_time(fn, repeat)
            if name not in best or t < best[name][0]:
                best[name] = (t, result)
    return best


def knn_numpy(x, y, k, block=1024):
    """Squared distances through BLAS, argpartition, then a sort of the K."""
    yy = (y * y).sum(1)
    out = []
    for start in range(0, len(x), block):
        xb = x[start:start + block]
        d = (xb * xb).sum(1)[:, None] - 2 * xb @ y.T + yy[None]
        part = np.argpartition(d, k - 1, axis=1)[:, :k] if k < d.shape[1] else \
            np.tile(np.arange(d.shape[1]), (len(xb), 1))
        order = np.argsort(np.take_along_axis(d, part, 1), axis=1, kind="stable")
        out.append(np.take_along_axis(part, order, 1))
    return np.concatenate(out)


def knn_torch(x, y, k, block=1024):
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    return torch.cat([torch.cdist(xt[s:s + block], yt).topk(k, largest=False).indices
                      for s in range(0, len(x), block)]).numpy()


def kth_distance(x, y, indices):
    """Squared distance from each query to its K-th neighbour, in float64."""
    last = indices[:, -1]
    return ((x.astype(np.float64) - y[last].astype(np.float64)) ** 2).sum(1)


def true_kth_distance(x, y, k, block=256):
    """The K-th smallest squared distance of each query, in float64."""
    y64 = y.astype(np.float64)
    out = []
    for start in range(0, len(x), block):
        d = ((x[start:start + block, None].astype(np.float64) - y64[None]) ** 2).sum(-1)
        out.append(np.partition(d, k - 1, axis=1)[:, k - 1])
    return np.concatenate(out)


def main():
    use_all_cores()
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--ks", type=int, nargs="*", default=[1, 10, 50])
    parser.add_argument("--dims", type=int, nargs="*", default=[3, 64])
    parser.add_argument("--sample-rows", type=int, default=10000)
    parser.add_argument("--json", default=None)
    parser.add_argument("--cpu-features", default=None,
                        help="LLVM features over the host's for kred's code, e.g. -avx512f")
    args = parser.parse_args()
    options = {"cpu-features": args.cpu_features} if args.cpu_features else {}

    print(f"k-NN, float32, {os.cpu_count()} cores, host {kred._kred.host()}"
          + (f", kred's code with {args.cpu_features}" if args.cpu_features else ""))
    if pk is None:
        print("pykeops: not importable, its column is skipped (python3 -m venv "
              "--system-site-packages ~/keops-venv && ~/keops-venv/bin/pip install "
              "pykeops==2.3, then run this script with ~/keops-venv/bin/python)")
    if torch is None:
        print("torch: not installed, its column is skipped")
    header = (f"{'N = M':>8} {'D':>3} {'K':>3} {'kred ArgKMin':>13} {'kred ArgMin':>12} "
              f"{'pykeops':>10} {'torch':>10} {'NumPy':>10} {'vs pykeops':>11} "
              f"{'max rel. diff':>13}")
    print(header)
    rng = np.random.default_rng(0)
    rows = []
    for n in args.sizes:
        for d in args.dims:
            x = rng.random((n, d), dtype=np.float32)
            y = rng.random((n, d), dtype=np.float32)
            sample = min(n, args.sample_rows)
            scale = n / sample
            xs = x[:sample]
            for k in args.ks:
                repeat = 5 if n * n * d <= 1e10 else 1
                aliases = [f"X = Vi({d})", f"Y = Vj({d})"]
                g = kn.Genred("SqDist(X, Y)", aliases, reduction_op="ArgKMin", axis=1,
                              opt_arg=k, compile_options=options)
                timed = {"kred": (lambda: g(x, y), repeat)}
                if k == 1:
                    g1 = kn.Genred("SqDist(X, Y)", aliases, reduction_op="ArgMin", axis=1,
                                   compile_options=options)
                    timed["argmin"] = (lambda: g1(x, y), repeat)
                if pk is not None:
                    gp = pk.Genred("SqDist(X, Y)", aliases, reduction_op="ArgKMin", axis=1,
                                   opt_arg=k)
                    timed["pykeops"] = (lambda: gp(xs, y), 1 if n > 10_000 else 3)
                best = alternated(timed)
                t_kred, idx_kred = best["kred"]
                t_argmin = best["argmin"][0] if k == 1 else None
                t_np, _ = best_time(lambda: knn_numpy(xs, y, k), 1 if n > 10_000 else 3)
                t_np *= scale
                t_torch = None
                if torch is not None:
                    t_torch, _ = best_time(lambda: knn_torch(xs, y, k), 1 if n > 10_000 else 3)
                    t_torch *= scale
                t_pk = best["pykeops"][0] * scale if pk is not None else None
                checked = min(sample, 500)
                ref = true_kth_distance(x[:checked], y, k)
                diff = float(np.max(np.abs(kth_distance(x[:checked], y, idx_kred[:checked])
                                           - ref) / np.maximum(ref, 1e-30)))
                approx = "~" if scale > 1 else " "
                fmt = lambda t, a=" ": f"{a}{t * 1e3:8.1f}ms" if t is not None else f"{'-':>10}"
                ratio = f"{t_pk / t_kred:10.1f}x" if t_pk else f"{'-':>11}"
                print(f"{n:8d} {d:3d} {k:3d} {t_kred * 1e3:11.1f}ms "
                      f"{(f'{t_argmin * 1e3:10.1f}ms' if t_argmin else '-'):>12} "
                      f"{fmt(t_pk, approx)} {fmt(t_torch, approx)} {fmt(t_np, approx)} "
                      f"{ratio} {diff:13.1e}", flush=True)
                rows.append(dict(n=n, d=d, k=k, kred_s=t_kred, kred_argmin_s=t_argmin,
                                 pykeops_s=t_pk, torch_s=t_torch, numpy_s=t_np,
                                 extrapolated_from_rows=sample if scale > 1 else None,
                                 max_rel_diff=diff))
    print("~: measured on the first", args.sample_rows, "query points and scaled to N")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
