"""pykeops.torch.cluster's utilities for block-sparse reductions on CPU
tensors: the NumPy implementations of kred.common.cluster, with tensors in
and out (labels and ranges as int64 tensors, points in their dtype)."""

import numpy as np
import torch

from ..common import cluster as _np


def _array(t):
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def _tensor(a, like=None):
    """`a` as a tensor on `like`'s device (and in its dtype when floating)."""
    t = torch.from_numpy(np.ascontiguousarray(a))
    if not isinstance(like, torch.Tensor):
        return t
    return t.to(like.device, like.dtype if t.is_floating_point() else t.dtype)


def grid_cluster(x, size):
    """As pykeops.torch: the cells start at the points' smallest coordinates
    (pykeops.numpy's start at 0)."""
    x = _array(x)
    return _tensor(_np.grid_cluster(x - _np.column_min(x), _array(size)))


def sort_clusters(x, lab):
    lab = _array(lab).ravel()
    order = torch.from_numpy(np.argsort(lab, kind="stable"))
    if isinstance(x, (tuple, list)):
        return type(x)(a[order] for a in x), _tensor(lab[order.numpy()])
    return x[order], _tensor(lab[order.numpy()])


def cluster_ranges(lab, Nlab=None):
    return _tensor(_np.cluster_ranges(_array(lab), None if Nlab is None else _array(Nlab)))


def cluster_centroids(x, lab, Nlab=None, weights=None, weights_c=None):
    optional = [None if a is None else _array(a) for a in (Nlab, weights, weights_c)]
    return _tensor(_np.cluster_centroids(_array(x), _array(lab), *optional), x)


def cluster_ranges_centroids(x, lab, weights=None):
    ranges, centroids, weights_c = _np.cluster_ranges_centroids(
        _array(x), _array(lab), None if weights is None else _array(weights))
    return _tensor(ranges), _tensor(centroids, x), _tensor(weights_c, x)


def from_matrix(ranges_i, ranges_j, keep):
    return tuple(_tensor(a) for a in _np.from_matrix(_array(ranges_i), _array(ranges_j),
                                                     _array(keep)))


swap_axes = _np.swap_axes

__all__ = ["cluster_centroids", "cluster_ranges", "cluster_ranges_centroids",
           "from_matrix", "grid_cluster", "sort_clusters", "swap_axes"]
