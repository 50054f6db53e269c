//===- BlockSparse.cpp - checks of KeOps' block-sparse ranges arrays ------===//
//
// The six arrays (ranges_i, slices_i, redranges_j, ranges_j, slices_j,
// redranges_i) drive loops that read and write without bounds checks, and
// the i-clusters are reduced in parallel: every entry is checked before any
// work, and the first bad one is named.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include "llvm/Support/FormatVariadic.h"

using namespace kred;
using namespace kred::runtime;

namespace {
/// One [start, end) pair array or one slice-ends array, read in place.
struct RangesArray {
  const char *name;
  const int64_t *data;
  int64_t length;
};

RangesArray view(const Buffer &buffer, const char *name) {
  return {name, static_cast<const int64_t *>(buffer.data),
          buffer.shape.empty() ? 0 : buffer.shape[0]};
}

llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError("invalid block-sparse ranges: " +
                                 message.str());
}

/// Pairs within [0, rows], start <= end; with `disjoint`, also sorted
/// without overlap (clusters reduced in parallel write their own rows).
llvm::Error checkPairs(const RangesArray &a, int64_t rows, bool disjoint) {
  int64_t previousEnd = 0;
  for (int64_t k = 0; k < a.length; ++k) {
    int64_t start = a.data[2 * k], end = a.data[2 * k + 1];
    if (start < 0 || start > end || end > rows)
      return fail(llvm::formatv("{0}[{1}] = [{2}, {3}) is not a range of rows "
                                "within [0, {4})",
                                a.name, k, start, end, rows));
    if (disjoint && start < previousEnd)
      return fail(llvm::formatv("{0}[{1}] = [{2}, {3}) overlaps or precedes "
                                "the previous cluster, which ends at {4}; "
                                "clusters must be sorted and disjoint",
                                a.name, k, start, end, previousEnd));
    previousEnd = end;
  }
  return llvm::Error::success();
}

/// One slice end per cluster, non-decreasing, within the reduced ranges.
llvm::Error checkSlices(const RangesArray &slices, const RangesArray &clusters,
                        const RangesArray &reduced) {
  if (slices.length != clusters.length)
    return fail(llvm::formatv("{0} has {1} entries, but {2} has {3} clusters",
                              slices.name, slices.length, clusters.name,
                              clusters.length));
  int64_t previous = 0;
  for (int64_t k = 0; k < slices.length; ++k) {
    int64_t end = slices.data[k];
    if (end < previous || end > reduced.length)
      return fail(llvm::formatv(
          "{0}[{1}] = {2} is not a slice end within [{3}, {4}] (slice ends "
          "are non-decreasing indices into {5})",
          slices.name, k, end, previous, reduced.length, reduced.name));
    previous = end;
  }
  return llvm::Error::success();
}
} // namespace

llvm::Error runtime::checkBlockSparseRanges(llvm::ArrayRef<Buffer> ranges,
                                            const int64_t rows[2]) {
  static const char *names[] = {"ranges_i", "slices_i", "redranges_j",
                                "ranges_j", "slices_j", "redranges_i"};
  for (int side = 0; side < 2; ++side) {
    RangesArray clusters = view(ranges[3 * side], names[3 * side]);
    RangesArray slices = view(ranges[3 * side + 1], names[3 * side + 1]);
    RangesArray reduced = view(ranges[3 * side + 2], names[3 * side + 2]);
    if (llvm::Error err = checkPairs(clusters, rows[side], true))
      return err;
    if (llvm::Error err = checkSlices(slices, clusters, reduced))
      return err;
    if (llvm::Error err = checkPairs(reduced, rows[1 - side], false))
      return err;
  }
  return llvm::Error::success();
}
