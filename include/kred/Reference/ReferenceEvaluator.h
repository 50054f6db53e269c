//===- ReferenceEvaluator.h - float64 meaning of a kred.reduce --*- C++ -*-===//
//
// A plain interpreter: for every output row it evaluates the formula on
// every pair, in float64, and reduces term by term, both through the
// single definitions the code generators use (FormulaOpInterface,
// ReductionSemantics.h) instantiated in float64. Slow and direct; tests
// compare compiled kernels against it.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_REFERENCE_REFERENCEEVALUATOR_H
#define KRED_REFERENCE_REFERENCEEVALUATOR_H

#include "kred/Dialect/Kred/IR/KredEvaluate.h"
#include "kred/Dialect/Kred/IR/KredOps.h"

#include "llvm/Support/Error.h"

#include <vector>

namespace kred {

/// A row-major float64 array.
struct ReferenceArray {
  std::vector<double> data;
  std::vector<int64_t> shape;
};

/// One output of the reference, with the magnitude its error is measured
/// against: for sums the sum of |terms|, for exponential sums the
/// weight-averaged |G|, otherwise |value|.
struct ReferenceOutput {
  ReferenceArray values;
  std::vector<double> scale;
};

class ReferenceEvaluator {
public:
  /// `inputs` are the reduction's inputs in position order; `outputShapes`
  /// the shapes of its outputs.
  ReferenceEvaluator(ReduceOp op, llvm::ArrayRef<ReferenceArray> inputs,
                     llvm::ArrayRef<std::vector<int64_t>> outputShapes);

  /// F (or G) for the pair (i, j) at flat batch index `batch`; the formula
  /// must pass checkComputable (evaluate checks it).
  FormulaVector evaluatePair(int64_t batch, int64_t i, int64_t j,
                             bool weight = false);

  /// Restricts the reduction to the kept blocks of KeOps' six block-sparse
  /// ranges arrays (validated by the caller); without it, every term.
  void setBlockSparseRanges(llvm::ArrayRef<ReferenceArray> ranges) {
    blockSparseRanges = ranges;
  }

  /// All outputs.
  llvm::Expected<std::vector<ReferenceOutput>> evaluate();

private:
  /// The [begin, end) intervals of terms that output row `row` reduces.
  std::vector<std::pair<int64_t, int64_t>> termIntervals(int64_t row,
                                                        int64_t terms);

  /// Offset of the row `row` (ignored for parameters) of input `position`
  /// at flat batch index `batch`.
  int64_t rowOffset(int64_t position, int64_t batch, int64_t row);

  ReduceOp op;
  llvm::ArrayRef<ReferenceArray> inputs;
  std::vector<std::vector<int64_t>> outputShapes;
  std::vector<int64_t> batchShape;
  llvm::ArrayRef<ReferenceArray> blockSparseRanges;
};

} // namespace kred

#endif // KRED_REFERENCE_REFERENCEEVALUATOR_H
