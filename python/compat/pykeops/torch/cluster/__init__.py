"""pykeops.torch.cluster: kred's block-sparse utilities for torch tensors."""

from kred.torch.cluster import (cluster_centroids, cluster_ranges, cluster_ranges_centroids,
                                from_matrix, grid_cluster, sort_clusters, swap_axes)
