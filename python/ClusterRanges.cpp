//===- ClusterRanges.cpp - `_kred.kept_ranges` ----------------------------===//
//
// The block-sparse ranges of a kept-cluster matrix (kred.common.cluster's
// from_matrix), from the matrix as bits: the cells that start and end runs
// of kept clusters come from whole words, the runs are counted, then
// written once into the arrays returned. In NumPy, np.nonzero over the
// matrix and its transpose took most of the time: GeomLoss' multiscale
// Sinkhorn at N = M = 2e4 (2,200 clusters a side, 20% kept) spent a quarter
// of its 0.69 s there. A branch per cell, as the matrix was read before,
// mispredicted on such patterns, and the ranges grew in vectors copied at
// the end: at N = M = 5e3 (1,943 x 1,927 clusters) 14-20 ms a call, 5-7 ms
// now (Zen 4; three calls per loss and gradient, 0.23 -> 0.16-0.19 s).
//
//===----------------------------------------------------------------------===//

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <cstring>
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

py::array_t<int64_t> toArray(const std::vector<int64_t> &values) {
  py::array_t<int64_t> array(static_cast<py::ssize_t>(values.size()));
  std::copy(values.begin(), values.end(), array.mutable_data());
  return array;
}

/// The kept matrix as rows of 64-bit words, cell c of a row in bit c % 64
/// of word c / 64.
class KeptBits {
public:
  KeptBits(const bool *kept, int64_t rows, int64_t cols)
      : rows(rows), words((cols + 63) / 64), bits(rows * words, 0) {
    for (int64_t r = 0; r < rows; ++r)
      packRow(kept + r * cols, cols, bits.data() + r * words);
  }
  const uint64_t *row(int64_t r) const { return bits.data() + r * words; }

  const int64_t rows, words;

private:
  /// Eight cells at a time: each byte's bits or'ed into its lowest (a
  /// bool array viewed from other bytes may hold any nonzero byte), then a
  /// multiplication gathers byte k's lowest bit at bit 56 + k.
  static void packRow(const bool *kept, int64_t cols, uint64_t *out) {
    const auto *cells = reinterpret_cast<const uint8_t *>(kept);
    int64_t c = 0;
    for (; c + 8 <= cols; c += 8) {
      uint64_t bytes;
      std::memcpy(&bytes, cells + c, 8);
      bytes |= bytes >> 4;
      bytes |= bytes >> 2;
      bytes |= bytes >> 1;
      bytes &= 0x0101010101010101ULL;
      out[c / 64] |= ((bytes * 0x0102040810204080ULL) >> 56) << (c % 64);
    }
    for (; c < cols; ++c)
      out[c / 64] |= uint64_t(cells[c] != 0) << (c % 64);
  }

  std::vector<uint64_t> bits;
};

/// Per column c, whether a run of kept cells may continue from column c - 1
/// into c (`follows`) and from c into c + 1 (`followed`), as words.
struct ColumnLinks {
  std::vector<uint64_t> follows, followed;

  ColumnLinks(const ClusterRanges &j, int64_t cols, int64_t words)
      : follows(words, 0), followed(words, 0) {
    for (int64_t c = 1; c < cols; ++c)
      if (j.followsPrevious[c]) {
        follows[c / 64] |= uint64_t(1) << (c % 64);
        followed[(c - 1) / 64] |= uint64_t(1) << ((c - 1) % 64);
      }
  }
};

/// Calls visit(c) on each set bit of the words, in increasing c.
template <typename Visit>
void forEachBit(const uint64_t *words, int64_t count, Visit visit) {
  for (int64_t w = 0; w < count; ++w)
    for (uint64_t word = words[w]; word; word &= word - 1)
      visit(w * 64 + __builtin_ctzll(word));
}

/// Row r's runs along j: the cells that start one and the cells that end
/// one.
void rowRunBounds(const KeptBits &kept, const ColumnLinks &links, int64_t r,
                  uint64_t *starts, uint64_t *ends) {
  const uint64_t *row = kept.row(r);
  for (int64_t w = 0; w < kept.words; ++w) {
    uint64_t before = (row[w] << 1) | (w > 0 ? row[w - 1] >> 63 : 0);
    uint64_t after =
        (row[w] >> 1) | (w + 1 < kept.words ? row[w + 1] << 63 : 0);
    starts[w] = row[w] & ~(before & links.follows[w]);
    ends[w] = row[w] & ~(after & links.followed[w]);
  }
}

int64_t countBits(const uint64_t *words, int64_t count) {
  int64_t bits = 0;
  for (int64_t w = 0; w < count; ++w)
    bits += __builtin_popcountll(words[w]);
  return bits;
}

/// Running sums of `counts`.
std::vector<int64_t> prefixSums(std::vector<int64_t> counts) {
  for (size_t k = 1; k < counts.size(); ++k)
    counts[k] += counts[k - 1];
  return counts;
}

/// Cells of row r that start (end) a run along i: kept, and not kept in
/// the row before (after) where that row's cluster is adjacent in memory.
void columnRunBounds(const KeptBits &kept, const ClusterRanges &i, int64_t r,
                     uint64_t *starts, uint64_t *ends) {
  const uint64_t *row = kept.row(r);
  bool fromAbove = r > 0 && i.followsPrevious[r];
  bool intoBelow = r + 1 < kept.rows && i.followsPrevious[r + 1];
  for (int64_t w = 0; w < kept.words; ++w) {
    starts[w] = row[w] & ~(fromAbove ? kept.row(r - 1)[w] : 0);
    ends[w] = row[w] & ~(intoBelow ? kept.row(r + 1)[w] : 0);
  }
}

/// (slices_i, redranges_j, slices_j, redranges_i) for keep[k, l]: per row
/// of clusters its kept column clusters, per column its kept row clusters,
/// a run of adjacent kept clusters merged into one range. The k-th cell
/// that starts a run of a row (column) and the k-th that ends one bound
/// the same run.
py::tuple keptRanges(const Keep &keep, const Ranges &rangesI,
                     const Ranges &rangesJ) {
  if (keep.ndim() != 2)
    throw py::value_error("keep must be a 2-D (i clusters, j clusters) array");
  int64_t rows = keep.shape(0), cols = keep.shape(1);
  ClusterRanges i(rangesI, rows, "ranges_i"), j(rangesJ, cols, "ranges_j");
  KeptBits kept(keep.data(), rows, cols);
  ColumnLinks links(j, cols, kept.words);
  std::vector<uint64_t> starts(kept.words), ends(kept.words);
  // The runs of each row and of each column, so that the ranges are
  // written once, in place.
  std::vector<int64_t> runsPerRow(rows), runsPerColumn(cols, 0);
  for (int64_t r = 0; r < rows; ++r) {
    rowRunBounds(kept, links, r, starts.data(), ends.data());
    runsPerRow[r] = countBits(starts.data(), kept.words);
    columnRunBounds(kept, i, r, starts.data(), ends.data());
    forEachBit(starts.data(), kept.words,
               [&](int64_t c) { ++runsPerColumn[c]; });
  }
  std::vector<int64_t> slicesI = prefixSums(runsPerRow);
  std::vector<int64_t> slicesJ = prefixSums(runsPerColumn);
  py::array_t<int64_t> redrangesJ({rows ? slicesI.back() : 0, int64_t(2)});
  py::array_t<int64_t> redrangesI({cols ? slicesJ.back() : 0, int64_t(2)});
  // Row runs in memory order; column c's runs from its offset on, in
  // increasing rows.
  int64_t *rowRunStart = redrangesJ.mutable_data();
  int64_t *rowRunEnd = rowRunStart + 1;
  int64_t *columnRuns = redrangesI.mutable_data();
  std::vector<int64_t> nextStart(cols), nextEnd(cols);
  for (int64_t c = 0; c < cols; ++c)
    nextStart[c] = nextEnd[c] = slicesJ[c] - runsPerColumn[c];
  for (int64_t r = 0; r < rows; ++r) {
    rowRunBounds(kept, links, r, starts.data(), ends.data());
    forEachBit(starts.data(), kept.words, [&](int64_t c) {
      *rowRunStart = j.start(c);
      rowRunStart += 2;
    });
    forEachBit(ends.data(), kept.words, [&](int64_t c) {
      *rowRunEnd = j.end(c);
      rowRunEnd += 2;
    });
    columnRunBounds(kept, i, r, starts.data(), ends.data());
    forEachBit(starts.data(), kept.words, [&](int64_t c) {
      columnRuns[2 * nextStart[c]++] = i.start(r);
    });
    forEachBit(ends.data(), kept.words, [&](int64_t c) {
      columnRuns[2 * nextEnd[c]++ + 1] = i.end(r);
    });
  }
  return py::make_tuple(toArray(slicesI), redrangesJ, toArray(slicesJ),
                        redrangesI);
}

} // namespace

void bindClusterRanges(py::module_ &m) {
  m.def("kept_ranges", &keptRanges, py::arg("keep"), py::arg("ranges_i"),
        py::arg("ranges_j"),
        "(slices_i, redranges_j, slices_j, redranges_i) of the block-sparse "
        "reduction keeping the cluster pairs (k, l) with keep[k, l], runs of "
        "adjacent kept clusters merged into one range");
}
