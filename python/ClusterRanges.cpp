//===- ClusterRanges.cpp - `_kred.kept_ranges` ----------------------------===//
//
// The block-sparse ranges of a kept-cluster matrix (kred.common.cluster's
// from_matrix), in one pass per axis over the matrix in memory order. In
// NumPy, np.nonzero over the matrix and its transpose took most of the
// time: GeomLoss' multiscale Sinkhorn at N = M = 2e4 (2,200 clusters a side,
// 20% kept) spent a quarter of its 0.69 s there.
//
//===----------------------------------------------------------------------===//

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

namespace py = pybind11;

namespace {

using Ranges = py::array_t<int64_t, py::array::c_style | py::array::forcecast>;
using Keep = py::array_t<bool, py::array::c_style | py::array::forcecast>;

/// A (C, 2) array of [start, end) ranges, and whether each range starts
/// where the previous one ends (adjacent clusters merge into one range).
struct ClusterRanges {
  const int64_t *bounds;
  std::vector<char> followsPrevious;

  ClusterRanges(const Ranges &ranges, int64_t clusters, const char *name) {
    if (ranges.ndim() != 2 || ranges.shape(1) != 2 ||
        ranges.shape(0) != clusters)
      throw py::value_error(std::string(name) + " must have shape (" +
                            std::to_string(clusters) + ", 2)");
    bounds = ranges.data();
    followsPrevious.assign(clusters, 0);
    for (int64_t c = 1; c < clusters; ++c)
      followsPrevious[c] = bounds[2 * c] == bounds[2 * c - 1];
  }
  int64_t start(int64_t c) const { return bounds[2 * c]; }
  int64_t end(int64_t c) const { return bounds[2 * c + 1]; }
};

py::array_t<int64_t> toArray(const std::vector<int64_t> &values,
                             bool pairs = false) {
  int64_t n = static_cast<int64_t>(values.size());
  std::vector<py::ssize_t> shape = pairs ? std::vector<py::ssize_t>{n / 2, 2}
                                         : std::vector<py::ssize_t>{n};
  py::array_t<int64_t> array(shape);
  std::copy(values.begin(), values.end(), array.mutable_data());
  return array;
}

/// Calls visit(r, c, leftKept, aboveKept) on each kept cell of the
/// row-major `rows` x `cols` matrix, in memory order.
template <typename Visit>
void forEachKept(const bool *kept, int64_t rows, int64_t cols, Visit visit) {
  for (int64_t r = 0; r < rows; ++r) {
    const bool *row = kept + r * cols;
    const bool *above = r > 0 ? row - cols : nullptr;
    for (int64_t c = 0; c < cols; ++c)
      if (row[c])
        visit(r, c, c > 0 && row[c - 1], above && above[c]);
  }
}

/// Running sums of `counts`.
std::vector<int64_t> prefixSums(std::vector<int64_t> counts) {
  for (size_t k = 1; k < counts.size(); ++k)
    counts[k] += counts[k - 1];
  return counts;
}

/// (slices_i, redranges_j, slices_j, redranges_i) for keep[k, l]: per row
/// of clusters its kept column clusters, per column its kept row clusters,
/// a run of adjacent kept clusters merged into one range.
py::tuple keptRanges(const Keep &keep, const Ranges &rangesI,
                     const Ranges &rangesJ) {
  if (keep.ndim() != 2)
    throw py::value_error("keep must be a 2-D (i clusters, j clusters) array");
  int64_t rows = keep.shape(0), cols = keep.shape(1);
  ClusterRanges i(rangesI, rows, "ranges_i"), j(rangesJ, cols, "ranges_j");
  // Along rows, and the number of runs each column will hold.
  std::vector<int64_t> redrangesJ, runsPerRow(rows, 0), runsPerColumn(cols, 0);
  forEachKept(keep.data(), rows, cols,
              [&](int64_t r, int64_t c, bool left, bool above) {
                if (left && j.followsPrevious[c]) {
                  redrangesJ.back() = j.end(c);
                } else {
                  redrangesJ.insert(redrangesJ.end(), {j.start(c), j.end(c)});
                  ++runsPerRow[r];
                }
                if (!(above && i.followsPrevious[r]))
                  ++runsPerColumn[c];
              });
  // Along columns: each column's runs at its offset, in increasing rows.
  std::vector<int64_t> slicesJ = prefixSums(runsPerColumn);
  std::vector<int64_t> redrangesI(2 * (cols ? slicesJ.back() : 0)), next(cols);
  for (int64_t c = 0; c < cols; ++c)
    next[c] = slicesJ[c] - runsPerColumn[c];
  forEachKept(keep.data(), rows, cols,
              [&](int64_t r, int64_t c, bool, bool above) {
                if (above && i.followsPrevious[r]) {
                  redrangesI[2 * next[c] - 1] = i.end(r);
                  return;
                }
                redrangesI[2 * next[c]] = i.start(r);
                redrangesI[2 * next[c] + 1] = i.end(r);
                ++next[c];
              });
  return py::make_tuple(toArray(prefixSums(runsPerRow)),
                        toArray(redrangesJ, true), toArray(slicesJ),
                        toArray(redrangesI, true));
}

} // namespace

void bindClusterRanges(py::module_ &m) {
  m.def("kept_ranges", &keptRanges, py::arg("keep"), py::arg("ranges_i"),
        py::arg("ranges_j"),
        "(slices_i, redranges_j, slices_j, redranges_i) of the block-sparse "
        "reduction keeping the cluster pairs (k, l) with keep[k, l], runs of "
        "adjacent kept clusters merged into one range");
}
