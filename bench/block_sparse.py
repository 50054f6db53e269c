"""Seed 002's block-sparse Gaussian convolution, measured in one run: a
spiral and a Gaussian blob in the unit square, grid clusters of side eps =
0.05, the cluster pairs whose centroids are within 4 sigma (sigma = 0.05)
kept, then K @ b dense and block-sparse; kred (kred.torch) beside pykeops
2.3 when importable. Per size: the kept fraction, the clustering time
(grid_cluster, ranges and centroids, sort, mask, from_matrix), dense and
sparse times, and the sparse result's relative error against the dense one.

usage: PYTHONPATH=build/python python3 bench/block_sparse.py [--sizes 2000 100000 1000000]
           [--pykeops-max 100000] [--png DIR]

--png DIR draws, as the seed does, the cluster mask and the clouds with one
cluster and its kept neighbours at the first size (needs matplotlib).
"""
import argparse
import math
import time

import torch

import kred
import kred.torch as kt
import kred.torch.cluster as kc

from all_cores import use_all_cores

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
    return x, y, b, cl.from_matrix(x_ranges, y_ranges, keep), kept, (
        x_labels, y_labels, x_centroids, keep)


def draw(directory, x, y, ranges, clusters):
    """The seed's two pictures: the kept cluster pairs with one i-cluster's
    row highlighted, and the clouds with that cluster and its neighbours."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x_labels, y_labels, x_centroids, keep = (t.numpy() for t in clusters)
    ranges_i, slices_i, redranges_j = (t.numpy() for t in ranges[0:3])
    shown = len(ranges_i) // 2
    mask = keep.astype(float)
    mask[shown] += 2
    plt.matshow(mask)
    plt.title(f"kept cluster pairs (i-cluster {shown} highlighted)")
    plt.savefig(f"{directory}/block_sparse_mask.png", dpi=100)
    plt.figure(figsize=(8, 8))
    plt.scatter(x[:, 0], x[:, 1], c=x_labels, cmap=plt.cm.Wistia, s=25 * 500 / len(x),
                label="i points (targets)")
    plt.scatter(y[:, 0], y[:, 1], c=y_labels, cmap=plt.cm.winter, s=25 * 500 / len(y),
                label="j points (sources)")
    first = slices_i[shown - 1] if shown > 0 else 0
    for start, end in redranges_j[first:slices_i[shown]]:
        plt.scatter(y[start:end, 0], y[start:end, 1], c="magenta", s=50 * 500 / len(y))
    start, end = ranges_i[shown]
    plt.scatter(x[start:end, 0], x[start:end, 1], c="cyan", s=10, label=f"cluster {shown}")
    plt.scatter(x_centroids[:, 0], x_centroids[:, 1], c="black", s=10, alpha=0.5,
                label="cluster centroids")
    plt.legend(loc="lower right")
    plt.axis("equal")
    plt.axis([0, 1, 0, 1])
    plt.tight_layout()
    plt.savefig(f"{directory}/block_sparse_clusters.png", dpi=100)
    print(f"pictures: {directory}/block_sparse_mask.png, {directory}/block_sparse_clusters.png")


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def measure(name, lazy, cl, x, y, b, png=None):
    seconds_cluster, (xs, ys, bs, ranges, kept, clusters) = timed(lambda: cluster(cl, x, y, b))
    if png:
        draw(png, xs, ys, ranges, clusters)
    x_i, y_j = lazy(xs[:, None, :] / SIGMA), lazy(ys[None, :, :] / SIGMA)
    k = (-((x_i - y_j) ** 2).sum(dim=2) / 2).exp()
    dense_seconds, dense = timed(lambda: k @ bs)
    k.ranges = ranges
    k @ bs  # compiles the block-sparse kernel outside the timing
    sparse_seconds, sparse = timed(lambda: k @ bs)
    error = ((sparse - dense).norm() / dense.norm()).item()
    print(f"{name:17s} kept {100 * kept:5.1f}%  clustering {seconds_cluster * 1e3:8.1f} ms  "
          f"dense {dense_seconds * 1e3:9.1f} ms  sparse {sparse_seconds * 1e3:8.1f} ms  "
          f"(+clustering: {dense_seconds / (sparse_seconds + seconds_cluster):5.1f}x)  "
          f"rel. error {error:.2e}")


def main():
    use_all_cores()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 100000])
    parser.add_argument("--pykeops-max", type=int, default=100000)
    parser.add_argument("--png", metavar="DIR", help="draw the seed's pictures there")
    args = parser.parse_args()
    print(f"host: {kred._kred.host()}; pykeops: "
          f"{pykeops.__version__ if pkt else 'not importable, rows skipped'}")
    x, y, b = clouds(200)  # compiles both kernels of each library
    measure("(kred warm-up)", kt.LazyTensor, kc, x, y, b)
    if pkt is not None:
        measure("(pykeops warm-up)", pkt.LazyTensor, pkc, x, y, b)
    for n in args.sizes:
        print(f"\nN = M = {n}, eps = {EPS}, sigma = {SIGMA}, float32")
        x, y, b = clouds(n)
        measure("kred", kt.LazyTensor, kc, x, y, b, args.png if n == args.sizes[0] else None)
        if pkt is not None and n <= args.pykeops_max:
            measure("pykeops 2.3", pkt.LazyTensor, pkc, x, y, b)


if __name__ == "__main__":
    main()
