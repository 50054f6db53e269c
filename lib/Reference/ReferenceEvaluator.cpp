//===- ReferenceEvaluator.cpp - float64 meaning of a kred.reduce ----------===//
//
// Conventions shared with the code generator (README, "Semantics"): NaN
// sorts first for min-type reductions, ties go to the smaller index, empty
// reductions give 0 / +inf / -inf, index -1, and 0 for a softmax.
//
//===----------------------------------------------------------------------===//

#include "kred/Reference/ReferenceEvaluator.h"

#include "kred/Dialect/Kred/IR/ReductionSemantics.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace kred;

ReferenceEvaluator::ReferenceEvaluator(
    ReduceOp op, llvm::ArrayRef<ReferenceArray> inputs,
    llvm::ArrayRef<std::vector<int64_t>> outputShapes)
    : op(op), inputs(inputs), outputShapes(outputShapes) {
  int64_t batch = static_cast<int64_t>(op.getBatchDims());
  batchShape.assign(outputShapes.front().begin(),
                    outputShapes.front().begin() + batch);
}

int64_t ReferenceEvaluator::rowOffset(int64_t position, int64_t flatBatch,
                                      int64_t row) {
  const ReferenceArray &a = inputs[position];
  int64_t batch = static_cast<int64_t>(batchShape.size());
  bool isParam = static_cast<int64_t>(a.shape.size()) == batch + 1;
  // Row-major strides of the input.
  std::vector<int64_t> strides(a.shape.size(), 1);
  for (int64_t k = static_cast<int64_t>(a.shape.size()) - 2; k >= 0; --k)
    strides[k] = strides[k + 1] * a.shape[k + 1];
  int64_t offset = 0, rest = flatBatch;
  for (int64_t k = batch - 1; k >= 0; --k) {
    int64_t coord = rest % batchShape[k];
    rest /= batchShape[k];
    if (a.shape[k] != 1)
      offset += coord * strides[k];
  }
  if (!isParam)
    offset += row * strides[batch];
  return offset;
}

FormulaVector ReferenceEvaluator::evaluatePair(int64_t batch, int64_t i,
                                              int64_t j, bool weight) {
  Float64Algebra algebra;
  SmallVector<FormulaVector, 2> yielded =
      computeFormula<Float64Algebra>(op, algebra, [&](VarOp var) {
        int64_t position = static_cast<int64_t>(var.getPosition());
        int64_t row = var.getCategory() == VarCategory::i ? i : j;
        int64_t offset = rowOffset(position, batch, row);
        auto first = inputs[position].data.begin() + offset;
        return FormulaVector(first, first + getFormulaDim(var.getResult()));
      });
  return yielded[weight ? 1 : 0];
}

/// Reduces the terms of one output row (F at term t is `terms[t]`, G is
/// `weights[t]`) with the kind's single definition, in float64. The scale
/// of each output component is the same reduction of magnitudes (|F| for
/// sums, |G| for exponential sums), at least 1 for logarithms, and 0 for
/// indices.
static void reduceRow(const ReductionSpec &spec,
                      const std::vector<int64_t> &termIndices,
                      const std::vector<FormulaVector> &terms,
                      const std::vector<FormulaVector> &weights,
                      std::vector<std::vector<double>> &out,
                      std::vector<std::vector<double>> &scale) {
  Float64Algebra algebra;
  ReductionSemantics<Float64Algebra> semantics(algebra, spec);
  auto magnitudes = [](FormulaVector v) {
    for (double &x : v)
      x = std::fabs(x);
    return v;
  };
  auto reduce = [&](bool ofMagnitudes) {
    auto state = semantics.identity();
    for (size_t t = 0; t < terms.size(); ++t) {
      FormulaVector f = terms[t], g = weights.empty() ? f : weights[t];
      if (ofMagnitudes)
        (spec.isSum() ? f : g) = magnitudes(spec.isSum() ? f : g);
      state = semantics.accumulate(state, f, g,
                                   static_cast<double>(termIndices[t]));
    }
    return semantics.finalize(state);
  };
  auto values = reduce(false), scales = reduce(true);
  bool logarithm = spec.info().tolerance == LogScale;
  auto outputSpecs = spec.getOutputs();
  for (size_t k = 0; k < values.size(); ++k)
    for (size_t c = 0; c < values[k].size(); ++c) {
      out[k].push_back(values[k][c]);
      double magnitude = std::fabs(scales[k][c]);
      scale[k].push_back(outputSpecs[k].isIndex ? 0.0
                         : logarithm            ? std::max(1.0, magnitude)
                                                : magnitude);
    }
}

std::vector<std::pair<int64_t, int64_t>>
ReferenceEvaluator::termIntervals(int64_t row, int64_t terms) {
  if (blockSparseRanges.empty())
    return {{0, terms}};
  // The triple of the reduced axis: the output rows' clusters, the end of
  // each cluster's slice of reduced ranges, the reduced ranges.
  size_t first = op.getAxis() == IndexAxis::j ? 0 : 3;
  const auto &clusters = blockSparseRanges[first].data;
  const auto &slices = blockSparseRanges[first + 1].data;
  const auto &reduced = blockSparseRanges[first + 2].data;
  std::vector<std::pair<int64_t, int64_t>> intervals;
  for (size_t k = 0; 2 * k < clusters.size(); ++k) {
    if (row < clusters[2 * k] || row >= clusters[2 * k + 1])
      continue;
    int64_t begin = k ? static_cast<int64_t>(slices[k - 1]) : 0;
    for (int64_t s = begin; s < static_cast<int64_t>(slices[k]); ++s)
      intervals.push_back({static_cast<int64_t>(reduced[2 * s]),
                           static_cast<int64_t>(reduced[2 * s + 1])});
  }
  return intervals;
}

llvm::Expected<std::vector<ReferenceOutput>> ReferenceEvaluator::evaluate() {
  int64_t batch = static_cast<int64_t>(batchShape.size());
  int64_t flatBatches = 1;
  for (int64_t d : batchShape)
    flatBatches *= d;
  bool overJ = op.getAxis() == IndexAxis::j;
  int64_t rows = outputShapes.front()[batch];

  // The number of terms: rows of any variable indexed by the reduced axis,
  // one when there is none (KeOps).
  VarCategory reduced = overJ ? VarCategory::j : VarCategory::i;
  int64_t terms = -1;
  op.getBody().walk([&](VarOp var) {
    if (var.getCategory() == reduced && terms < 0)
      terms = inputs[var.getPosition()].shape[batch];
  });
  if (terms < 0)
    terms = 1;

  if (failed(checkComputable(op)))
    return llvm::createStringError("the formula cannot be evaluated");
  bool weighted = op.getWeightFormula() != nullptr;
  ReductionSpec spec = ReductionSpec::get(op);

  std::vector<ReferenceOutput> outputs(outputShapes.size());
  for (auto [out, shape] : llvm::zip(outputs, outputShapes))
    out.values.shape = shape;
  for (int64_t b = 0; b < flatBatches; ++b) {
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<FormulaVector> f, g;
      std::vector<int64_t> termIndices;
      for (auto [begin, end] : termIntervals(r, terms))
        for (int64_t t = begin; t < end; ++t) {
          int64_t i = overJ ? r : t, j = overJ ? t : r;
          termIndices.push_back(t);
          f.push_back(evaluatePair(b, i, j));
          if (weighted)
            g.push_back(evaluatePair(b, i, j, /*weight=*/true));
        }
      std::vector<std::vector<double>> rowOut(outputs.size()),
          rowScale(outputs.size());
      reduceRow(spec, termIndices, f, g, rowOut, rowScale);
      for (size_t k = 0; k < outputs.size(); ++k) {
        llvm::append_range(outputs[k].values.data, rowOut[k]);
        llvm::append_range(outputs[k].scale, rowScale[k]);
      }
    }
  }
  return outputs;
}
