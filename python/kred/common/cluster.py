"""pykeops' clustering utilities for block-sparse reductions, on NumPy
arrays (vectorized: no Python loop over points or clusters). kred.numpy.cluster
exposes them as they are; kred.torch.cluster converts tensors around them.

The block-sparse `ranges` argument of a reduction is KeOps' six integer
arrays (ranges_i, slices_i, redranges_j, ranges_j, slices_j, redranges_i):
cluster k of the i-points is rows ranges_i[k, 0]:ranges_i[k, 1]; it meets
the j-ranges redranges_j[slices_i[k - 1]:slices_i[k]] (slices_i[-1] = 0);
the last three are the same for a reduction over i."""

import numpy as np

from .. import _kred


def column_min(x):
    """x.min(0) of an (M, D) array, column by column: NumPy's strided
    reduction over the long axis is 20x slower for small D."""
    return np.array([x[:, dim].min() for dim in range(x.shape[1])], dtype=x.dtype)


def grid_cluster(x, size):
    """Labels (M,) in [0, C) of the cubic cells of side `size` (a number or
    a (D,) array) that hold the points x (M, D); cells numbered in
    lexicographic order of their integer coordinates."""
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"grid_cluster takes points of shape (M, D), got {x.shape}")
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    cells = np.floor(x / np.asarray(size, dtype=x.dtype)).astype(np.int64)
    cells -= column_min(cells)
    extents = np.array([cells[:, dim].max() for dim in range(x.shape[1])]) + 1
    if np.prod(extents.astype(np.float64)) > 4 * len(x) + (1 << 20):
        _, labels = np.unique(cells, axis=0, return_inverse=True)
        return labels.reshape(-1).astype(np.int64)
    # Few cells: a mixed-radix key per point (lexicographic order) and a
    # count per key, O(M + cells) instead of a sort of the rows.
    key = np.zeros(len(x), dtype=np.int64)
    for dim in range(x.shape[1]):
        key = key * extents[dim] + cells[:, dim]
    occupied = np.bincount(key, minlength=int(np.prod(extents))) > 0
    return (np.cumsum(occupied) - 1)[key]


def sort_clusters(x, lab):
    """x (an array, or a tuple/list of arrays with M rows) and lab sorted by
    label (stable), so that clusters are contiguous."""
    lab = np.asarray(lab).ravel()
    order = np.argsort(lab, kind="stable")
    if isinstance(x, (tuple, list)):
        return type(x)(np.asarray(a)[order] for a in x), lab[order]
    return np.asarray(x)[order], lab[order]


def cluster_ranges(lab, Nlab=None):
    """(C, 2) [start, end) rows of each cluster of sorted labels (or of
    clusters of sizes Nlab)."""
    if Nlab is None:
        Nlab = np.bincount(np.asarray(lab).ravel())
    ends = np.cumsum(np.asarray(Nlab).astype(np.int64))
    return np.stack((ends - np.asarray(Nlab).astype(np.int64), ends), axis=1)


def cluster_centroids(x, lab, Nlab=None, weights=None, weights_c=None):
    """(C, D) (weighted) barycenters of the clusters."""
    x, lab = np.asarray(x), np.asarray(lab).ravel()
    clusters = int(lab.max()) + 1 if Nlab is None else len(Nlab)
    w = np.ones(len(lab), dtype=x.dtype) if weights is None else np.asarray(weights).ravel()
    if weights_c is None:
        weights_c = np.bincount(lab, weights=w, minlength=clusters)
    sums = np.stack([np.bincount(lab, weights=x[:, dim] * w, minlength=clusters)
                     for dim in range(x.shape[1])], axis=1)
    return (sums / np.asarray(weights_c).reshape(-1, 1)).astype(x.dtype)


def cluster_ranges_centroids(x, lab, weights=None):
    """(ranges (C, 2), centroids (C, D), total weights (C,)) of labelled
    points, the ranges as sort_clusters orders them."""
    lab = np.asarray(lab).ravel()
    counts = np.bincount(lab)
    w = np.ones(len(lab)) if weights is None else np.asarray(weights).ravel()
    weights_c = np.bincount(lab, weights=w, minlength=len(counts))
    return (cluster_ranges(lab, counts),
            cluster_centroids(x, lab, counts, weights=weights, weights_c=weights_c),
            weights_c)


def from_matrix(ranges_i, ranges_j, keep):
    """The six ranges arrays of the block-sparse reduction that keeps the
    pairs of clusters (k, l) with keep[k, l] (a (Ci, Cj) boolean array)."""
    keep = np.asarray(keep, dtype=bool)
    ranges_i = np.asarray(ranges_i).astype(np.int64)
    ranges_j = np.asarray(ranges_j).astype(np.int64)
    if keep.shape != (len(ranges_i), len(ranges_j)):
        raise ValueError(f"keep must have shape ({len(ranges_i)}, {len(ranges_j)}) (i "
                         f"clusters, j clusters), got {keep.shape}")
    # Adjacent kept clusters that follow each other in memory merge into
    # one range: the same terms in the same order, in fewer and longer
    # ranges (a block-sparse kernel pays per range, and GeomLoss' sorted
    # clusters come in long runs).
    slices_i, redranges_j, slices_j, redranges_i = _kred.kept_ranges(
        keep, ranges_i, ranges_j)
    return ranges_i, slices_i, redranges_j, ranges_j, slices_j, redranges_i


def swap_axes(ranges):
    """The ranges of the same block-sparse pattern for the other axis."""
    return None if ranges is None else (*ranges[3:6], *ranges[0:3])
