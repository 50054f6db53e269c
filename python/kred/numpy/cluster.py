"""pykeops.numpy.cluster's utilities for block-sparse reductions: grid_cluster,
sort_clusters, cluster_ranges, cluster_centroids, cluster_ranges_centroids,
from_matrix, swap_axes (see kred.common.cluster)."""

from ..common.cluster import (cluster_centroids, cluster_ranges,  # noqa: F401
                              cluster_ranges_centroids, from_matrix, grid_cluster,
                              sort_clusters, swap_axes)

__all__ = ["cluster_centroids", "cluster_ranges", "cluster_ranges_centroids",
           "from_matrix", "grid_cluster", "sort_clusters", "swap_axes"]
