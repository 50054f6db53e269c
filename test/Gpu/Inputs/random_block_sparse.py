"""Writes, into the folder argv[1], float64 inputs x (300, 3), y (517, 3),
b (517, 1) and the six int64 ranges arrays (r0.npy ... r5.npy) of a random
block pattern whose clusters do not line up with GPU blocks: sizes from 0
(empty clusters) to several blocks, gaps of rows in no cluster, and about
half of the cluster pairs kept."""
import sys

import numpy as np

folder = sys.argv[1]
rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
for name, shape in (("x", (300, 3)), ("y", (517, 3)), ("b", (517, 1))):
    np.save(f"{folder}/{name}.npy", rng.random(shape))


def clusters(rows):
    """Sorted, disjoint [start, end) ranges within [0, rows), with gaps."""
    ranges, start = [], 0
    while start < rows:
        start += int(rng.choice([0, 0, 0, 3, 17]))  # rows of no cluster
        end = min(rows, start + int(rng.choice([0, 1, 5, 31, 33, 70, 150])))
        ranges.append([min(start, rows), end])
        start = end
    return np.array(ranges, dtype=np.int64)


def kept(keep, other):
    """slices and redranges of the kept pairs, KeOps' layout."""
    slices = np.cumsum(keep.sum(1)).astype(np.int64)
    red = np.array([other[l] for k in range(len(keep)) for l in np.flatnonzero(keep[k])],
                   dtype=np.int64).reshape(-1, 2)
    return slices, red


ranges_i, ranges_j = clusters(300), clusters(517)
keep = rng.random((len(ranges_i), len(ranges_j))) < 0.5
arrays = (ranges_i, *kept(keep, ranges_j), ranges_j, *kept(keep.T, ranges_i))
for k, a in enumerate(arrays):
    np.save(f"{folder}/r{k}.npy", a)
