"""Seed 002's block-sparse Gaussian convolution, measured in one run: a
spiral and a Gaussian blob in the unit square, grid clusters of side eps =
0.05, the cluster pairs whose centroids are within 4 sigma (sigma = 0.05)
kept, then K @ b dense and block-sparse; kred (kred.torch) beside pykeops
2.3 when importable. Per size: the kept fraction, the clustering time
(grid_cluster, ranges and centroids, sort, mask, from_matrix), dense and
sparse times, and the sparse result's relative error against the dense one.

usage: PYTHONPATH=build/python python3 bench/block_sparse.py [--sizes 2000 100000 1000000]
           [--pykeops-max 100000]
"""
import argparse
import math
import time

import torch

import kred
import kred.torch as kt
import kred.torch.cluster as kc

try:
    import pykeops
    import pykeops.torch as pkt
    import pykeops.torch.cluster as pkc
    pykeops.set_verbose(False)
except ImportError:
    pkt = None

EPS, SIGMA = 0.05, 0.05


def clouds(n):
    torch.manual_seed(0)
    t = torch.linspace(0, 2 * math.pi, n + 1)[:-1]
    x = torch.stack((0.4 + 0.4 * (t / 7) * t.cos(), 0.5 + 0.3 * t.sin()), 1)
    x = x + 0.01 * torch.randn(x.shape)
    y = torch.randn(n, 2) / 10 + torch.tensor([0.6, 0.6])
    return x, y, torch.randn(n, 1)


def cluster(cl, x, y, b):
    """The seed's preprocessing with the utilities of `cl`."""
    x_labels, y_labels = cl.grid_cluster(x, EPS), cl.grid_cluster(y, EPS)
    x_ranges, x_centroids, _ = cl.cluster_ranges_centroids(x, x_labels)
    y_ranges, y_centroids, _ = cl.cluster_ranges_centroids(y, y_labels)
    x, x_labels = cl.sort_clusters(x, x_labels)
    (y, b), y_labels = cl.sort_clusters((y, b), y_labels)
    keep = ((x_centroids[:, None, :] - y_centroids[None, :, :]) ** 2).sum(2) < (4 * SIGMA) ** 2
    areas = ((x_ranges[:, 1] - x_ranges[:, 0])[:, None]
             * (y_ranges[:, 1] - y_ranges[:, 0])[None, :])
    kept = areas[keep].sum().item() / areas.sum().item()
    return x, y, b, cl.from_matrix(x_ranges, y_ranges, keep), kept


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def measure(name, lazy, cl, x, y, b):
    seconds_cluster, (xs, ys, bs, ranges, kept) = timed(lambda: cluster(cl, x, y, b))
    x_i, y_j = lazy(xs[:, None, :] / SIGMA), lazy(ys[None, :, :] / SIGMA)
    k = (-((x_i - y_j) ** 2).sum(dim=2) / 2).exp()
    dense_seconds, dense = timed(lambda: k @ bs)
    k.ranges = ranges
    k @ bs  # compiles the block-sparse kernel outside the timing
    sparse_seconds, sparse = timed(lambda: k @ bs)
    error = ((sparse - dense).norm() / dense.norm()).item()
    print(f"{name:14s} kept {100 * kept:5.1f}%  clustering {seconds_cluster * 1e3:8.1f} ms  "
          f"dense {dense_seconds * 1e3:9.1f} ms  sparse {sparse_seconds * 1e3:8.1f} ms  "
          f"(+clustering: {dense_seconds / (sparse_seconds + seconds_cluster):5.1f}x)  "
          f"rel. error {error:.2e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 100000])
    parser.add_argument("--pykeops-max", type=int, default=100000)
    args = parser.parse_args()
    print(f"host: {kred._kred.host()}; pykeops: "
          f"{pykeops.__version__ if pkt else 'not importable, rows skipped'}")
    x, y, b = clouds(200)
    measure("(warm-up)", kt.LazyTensor, kc, x, y, b)
    for n in args.sizes:
        print(f"\nN = M = {n}, eps = {EPS}, sigma = {SIGMA}, float32")
        x, y, b = clouds(n)
        measure("kred", kt.LazyTensor, kc, x, y, b)
        if pkt is not None and n <= args.pykeops_max:
            measure("pykeops 2.3", pkt.LazyTensor, pkc, x, y, b)


if __name__ == "__main__":
    main()
