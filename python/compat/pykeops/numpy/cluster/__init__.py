"""pykeops.numpy.cluster: kred's block-sparse utilities for NumPy arrays."""

from kred.numpy.cluster import (cluster_centroids, cluster_ranges, cluster_ranges_centroids,
                                from_matrix, grid_cluster, sort_clusters, swap_axes)
