"""Writes, into the folder argv[1], float64 inputs x (9, 3), y (7, 3), b (7, 1)
and the six int64 ranges arrays (r0.npy ... r5.npy) of a hand-written
block pattern: i-clusters [0,3) [3,5) [5,9), j-clusters [0,2) [2,4) [4,7);
i-cluster 0 meets j-clusters 0 and 2, i-cluster 1 nothing, i-cluster 2
j-cluster 1; mask.npy is the (9, 7) pair mask they keep."""
import sys

import numpy as np

folder = sys.argv[1]
rng = np.random.default_rng(3)
for name, shape in (("x", (9, 3)), ("y", (7, 3)), ("b", (7, 1))):
    np.save(f"{folder}/{name}.npy", rng.random(shape))
ranges_i = [[0, 3], [3, 5], [5, 9]]
ranges_j = [[0, 2], [2, 4], [4, 7]]
arrays = (ranges_i, [2, 2, 3], [[0, 2], [4, 7], [2, 4]],
          ranges_j, [1, 2, 3], [[0, 3], [5, 9], [0, 3]])
for k, a in enumerate(arrays):
    np.save(f"{folder}/r{k}.npy", np.array(a, dtype=np.int64))
mask = np.zeros((9, 7), dtype=bool)
mask[0:3, 0:2] = mask[0:3, 4:7] = mask[5:9, 2:4] = True
np.save(f"{folder}/mask.npy", mask)
