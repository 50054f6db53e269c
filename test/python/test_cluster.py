"""kred.numpy.cluster / kred.torch.cluster against straightforward NumPy
implementations written here (loops over points and clusters), with pykeops'
documented examples and edge cases."""

import numpy as np
import pytest

import kred.numpy.cluster as kc


def reference_grid_cluster(x, size):
    cells = [tuple(np.floor(p / size).astype(int)) for p in x]
    order = {c: k for k, c in enumerate(sorted(set(cells)))}
    return np.array([order[c] for c in cells])


def reference_from_matrix(ranges_i, ranges_j, keep):
    slices_i, redranges_j, slices_j, redranges_i = [], [], [], []
    for k in range(keep.shape[0]):
        redranges_j += [ranges_j[l] for l in range(keep.shape[1]) if keep[k, l]]
        slices_i.append(len(redranges_j))
    for l in range(keep.shape[1]):
        redranges_i += [ranges_i[k] for k in range(keep.shape[0]) if keep[k, l]]
        slices_j.append(len(redranges_i))
    as2 = lambda r: np.array(r, dtype=np.int64).reshape(-1, 2)  # noqa: E731
    return (ranges_i, np.array(slices_i), as2(redranges_j),
            ranges_j, np.array(slices_j), as2(redranges_i))


def test_documented_examples():
    x = np.array([[0.], [.1], [.9], [.05], [.5]])
    assert kc.grid_cluster(x, .2).tolist() == [0, 0, 2, 0, 1]
    x = np.array([[0.], [5.], [.4], [.3], [2.]])
    lab = np.array([0, 2, 0, 0, 1])
    x_sorted, lab_sorted = kc.sort_clusters(x, lab)
    assert x_sorted.ravel().tolist() == [0., .4, .3, 2., 5.]
    assert lab_sorted.tolist() == [0, 0, 0, 1, 2]
    assert kc.cluster_ranges(lab_sorted).tolist() == [[0, 3], [3, 4], [4, 5]]
    x = np.array([[0.], [1.], [4.], [5.], [6.]])
    lab = np.array([0, 0, 1, 1, 1])
    weights = np.array([.5, .5, 2., 1., 1.])
    assert np.allclose(kc.cluster_centroids(x, lab, weights=weights).ravel(), [.5, 4.75])
    x = np.array([[0.], [.5], [1.], [2.], [3.]])
    ranges, centroids, weights_c = kc.cluster_ranges_centroids(
        x, np.array([0, 0, 1, 1, 1]), weights=np.array([1., .5, 1., 1., 10.]))
    assert ranges.tolist() == [[0, 2], [2, 5]]
    assert np.allclose(centroids.ravel(), [1 / 6, 2.75]) and np.allclose(weights_c, [1.5, 12])


@pytest.mark.parametrize("dim", [1, 2, 3, 5])
def test_grid_cluster_matches_the_reference_including_bin_boundaries(dim):
    rng = np.random.default_rng(dim)
    x = np.round(rng.random((300, dim)) * 10) / 10  # many points exactly on boundaries
    assert np.array_equal(kc.grid_cluster(x, 0.2), reference_grid_cluster(x, 0.2))
    size = np.linspace(0.1, 0.3, dim)
    assert np.array_equal(kc.grid_cluster(x, size), reference_grid_cluster(x, size))


@pytest.mark.parametrize("spread", [1.0, 1e7])
def test_grid_cluster_of_few_or_many_possible_cells(spread):
    """Points in a small box (labels from a count per cell) or spread over
    far more cells than points (labels from a sort), negative coordinates."""
    x = (np.random.default_rng(1).random((500, 3)) - 0.5) * spread
    assert np.array_equal(kc.grid_cluster(x, 0.05), reference_grid_cluster(x, 0.05))
    assert kc.grid_cluster(np.zeros((0, 3)), 0.05).shape == (0,)


def test_one_cluster_and_empty_clusters():
    x = np.random.default_rng(0).random((10, 2))
    assert kc.grid_cluster(x, 5.0).tolist() == [0] * 10
    lab = np.array([0, 0, 2, 2, 2])  # cluster 1 is empty
    assert kc.cluster_ranges(lab).tolist() == [[0, 2], [2, 2], [2, 5]]
    with np.errstate(invalid="ignore"):  # the empty cluster's centroid is 0 / 0
        ranges, centroids, weights_c = kc.cluster_ranges_centroids(np.arange(5.)[:, None], lab)
    assert weights_c.tolist() == [2, 0, 3] and np.isnan(centroids[1, 0])
    assert np.allclose(centroids[[0, 2], 0], [0.5, 3])


def test_centroids_match_the_reference():
    rng = np.random.default_rng(3)
    x, lab, w = rng.random((200, 3)), rng.integers(0, 7, 200), rng.random(200)
    ref = np.array([(x[lab == k] * w[lab == k, None]).sum(0) / w[lab == k].sum()
                    for k in range(7)])
    assert np.allclose(kc.cluster_centroids(x, lab, weights=w), ref)


def kept_pairs(ranges):
    """The (i, j) pairs a block-sparse pattern keeps, sorted, twice: from
    the i clusters' ranges over j, and from the j clusters' over i."""
    def pairs(outer, slices, inner, over_j):
        listed, start = [], 0
        for (a, b), end in zip(outer, slices):
            for c, d in inner[start:end]:
                listed += [(i, j) if over_j else (j, i)
                           for i in range(a, b) for j in range(c, d)]
            start = end
        return listed
    return sorted(pairs(*ranges[0:3], True)), sorted(pairs(*ranges[3:6], False))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_from_matrix_keeps_the_reference_pattern(seed):
    """The same pairs as KeOps' from_matrix, adjacent kept clusters merged
    into one range (fewer, longer ranges)."""
    rng = np.random.default_rng(seed)
    ranges_i = kc.cluster_ranges(np.sort(rng.integers(0, 6, 50)))
    ranges_j = kc.cluster_ranges(np.sort(rng.integers(0, 4, 40)))
    keep = rng.random((len(ranges_i), len(ranges_j))) < 0.4
    keep[0] = False  # an i-cluster that meets no j-cluster
    got = kc.from_matrix(ranges_i, ranges_j, keep)
    ref = reference_from_matrix(ranges_i, ranges_j, keep)
    assert all(a.dtype == np.int64 for a in got)
    assert kept_pairs(got) == kept_pairs(ref)
    assert np.array_equal(got[0], ref[0]) and np.array_equal(got[3], ref[3])
    assert len(got[2]) <= len(ref[2]) and len(got[5]) <= len(ref[5])


def merged_runs(outer, inner, kept):
    """(slices, redranges) of the block-sparse pattern along one axis:
    per outer cluster, its kept inner clusters, a run of kept clusters
    whose ranges follow each other in memory as one range."""
    slices, redranges = [], []
    for k in range(len(outer)):
        previous = None
        for l in range(len(inner)):
            if not kept(k, l):
                previous = None
                continue
            if previous is not None and inner[previous][1] == inner[l][0]:
                redranges[-1][1] = inner[l][1]
            else:
                redranges.append([inner[l][0], inner[l][1]])
            previous = l
        slices.append(len(redranges))
    return slices, redranges


@pytest.mark.parametrize("shape", [(70, 150), (129, 64), (3, 200), (1, 1)])
def test_from_matrix_merges_runs_across_64_clusters(shape):
    """Runs that cross every multiple of 64 clusters (whole rows and
    columns kept, stripes, random cells), gaps between ranges here and
    there: the merged ranges of the loops above, array for array."""
    rng = np.random.default_rng(sum(shape))

    def cluster_ranges(count):
        sizes = rng.integers(0, 4, count)
        gaps = (rng.random(count) < 0.15) * rng.integers(1, 3, count)
        ends = np.cumsum(sizes + gaps)
        return np.stack((ends - sizes, ends), axis=1)
    ranges_i, ranges_j = cluster_ranges(shape[0]), cluster_ranges(shape[1])
    keep = rng.random(shape) < 0.3
    keep[::7] = True
    keep[:, ::5] = True
    keep[:, 60:70] = rng.random((shape[0], 1)) < 0.5
    got = kc.from_matrix(ranges_i, ranges_j, keep)
    slices_i, redranges_j = merged_runs(ranges_i, ranges_j, lambda k, l: keep[k, l])
    slices_j, redranges_i = merged_runs(ranges_j, ranges_i, lambda l, k: keep[k, l])
    assert got[1].tolist() == slices_i and got[2].tolist() == redranges_j
    assert got[4].tolist() == slices_j and got[5].tolist() == redranges_i
    assert kept_pairs(got) == kept_pairs(reference_from_matrix(ranges_i, ranges_j, keep))
    # A bool array viewed from bytes other than 0 and 1: nonzero is kept.
    other_bytes = (keep * rng.integers(1, 256, shape)).astype(np.uint8).view(bool)
    assert all(np.array_equal(a, b)
               for a, b in zip(kc.from_matrix(ranges_i, ranges_j, other_bytes), got))


def test_from_matrix_merges_adjacent_clusters_only():
    ranges = np.array([[0, 2], [2, 5], [6, 8]])  # a gap between 5 and 6
    keep = np.array([[True, True, True], [True, False, True]])
    _, slices_i, redranges_j, _, _, _ = kc.from_matrix(ranges[:2], ranges, keep)
    assert slices_i.tolist() == [2, 4]
    assert redranges_j.tolist() == [[0, 5], [6, 8], [0, 2], [6, 8]]


def test_from_matrix_merges_adjacent_row_clusters_per_column():
    ranges = np.array([[0, 2], [2, 5], [6, 8]])  # a gap between 5 and 6
    keep = np.array([[True, True], [True, False], [True, True]])
    _, _, _, _, slices_j, redranges_i = kc.from_matrix(ranges, ranges[:2], keep)
    assert slices_j.tolist() == [2, 4]
    assert redranges_i.tolist() == [[0, 5], [6, 8], [0, 2], [6, 8]]


def test_from_matrix_names_bad_ranges():
    with pytest.raises(ValueError, match=r"ranges_i must have shape \(2, 2\)"):
        kc.from_matrix(np.zeros((2, 3), np.int64), np.zeros((1, 2), np.int64),
                       np.ones((2, 1), bool))


def test_swap_axes():
    ranges = tuple(np.arange(k) for k in range(6))
    assert [len(r) for r in kc.swap_axes(ranges)] == [3, 4, 5, 0, 1, 2]
    assert kc.swap_axes(None) is None


def test_torch_versions_give_tensors_with_the_same_values():
    torch = pytest.importorskip("torch")
    import kred.torch.cluster as tc
    rng = np.random.default_rng(4)
    x = rng.random((100, 2)).astype(np.float32)
    lab = tc.grid_cluster(torch.from_numpy(x), 0.25)
    assert lab.dtype == torch.int64
    # pykeops.torch's cells start at the smallest coordinates, NumPy's at 0.
    numpy_labels = kc.grid_cluster(x - x.min(0), 0.25)
    assert np.array_equal(lab.numpy(), numpy_labels)
    x_sorted, lab_sorted = tc.sort_clusters(torch.from_numpy(x), lab)
    ranges, centroids, weights_c = tc.cluster_ranges_centroids(x_sorted, lab_sorted)
    assert centroids.dtype == torch.float32 and ranges.dtype == torch.int64
    ref = kc.cluster_ranges_centroids(*kc.sort_clusters(x, numpy_labels))
    assert np.array_equal(ranges.numpy(), ref[0]) and np.allclose(centroids.numpy(), ref[1])
    keep = torch.rand(len(ranges), len(ranges)) < 0.5
    for got, want in zip(tc.from_matrix(ranges, ranges, keep),
                         kc.from_matrix(ref[0], ref[0], keep.numpy())):
        assert np.array_equal(got.numpy(), want)
