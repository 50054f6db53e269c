//===- ReferenceEvaluator.cpp - float64 meaning of a kred.reduce ----------===//
//
// Conventions shared with the code generator (README, "Semantics"): NaN
// sorts first for min-type reductions, ties go to the smaller index, empty
// reductions give 0 / +inf / -inf, index -1, and 0 for a softmax.
//
//===----------------------------------------------------------------------===//

#include "kred/Reference/ReferenceEvaluator.h"

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

llvm::Expected<FormulaVector>
ReferenceEvaluator::evaluatePair(int64_t batch, int64_t i, int64_t j,
                                 bool weight) {
  DenseMap<Value, FormulaVector> values;
  for (Operation &inner : op.getBody().front()) {
    if (auto var = dyn_cast<VarOp>(inner)) {
      int64_t position = static_cast<int64_t>(var.getPosition());
      int64_t row = var.getCategory() == VarCategory::i ? i : j;
      int64_t dim = getFormulaDim(var.getResult());
      int64_t offset = rowOffset(position, batch, row);
      const std::vector<double> &data = inputs[position].data;
      values[var.getResult()] =
          FormulaVector(data.begin() + offset, data.begin() + offset + dim);
      continue;
    }
    if (auto yield = dyn_cast<YieldOp>(inner))
      return values[yield.getValues()[weight ? 1 : 0]];
    if (auto constant = dyn_cast<ConstantOp>(inner)) {
      FormulaVector value;
      for (APFloat f :
           cast<DenseFPElementsAttr>(constant.getValue()).getValues<APFloat>()) {
        bool losesInfo;
        f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
        value.push_back(f.convertToDouble());
      }
      values[constant.getResult()] = value;
      continue;
    }
    SmallVector<FormulaVector> operands;
    for (Value v : inner.getOperands())
      operands.push_back(values[v]);
    FailureOr<FormulaVector> result = evaluateFormulaOp(&inner, operands);
    if (failed(result))
      return llvm::createStringError("the reference evaluator cannot evaluate '" +
                       inner.getName().getStringRef() + "'");
    values[inner.getResult(0)] = *result;
  }
  return llvm::createStringError("the reduction has no kred.yield");
}

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

/// a before b in a min ordering where NaN comes first.
bool minBefore(double a, double b) {
  return a < b || (std::isnan(a) && !std::isnan(b));
}

/// Plain float64 reductions of the terms of one output row.
struct RowReducer {
  ReductionKind kind;
  int64_t k;

  /// Writes the components of each output; `terms[t]` is F at term t,
  /// `weights[t]` is G.
  void reduce(const std::vector<FormulaVector> &terms,
              const std::vector<FormulaVector> &weights, int64_t dim,
              int64_t weightDim, std::vector<std::vector<double>> &out,
              std::vector<std::vector<double>> &scale) {
    size_t n = terms.size();
    switch (kind) {
    case ReductionKind::Sum:
      for (int64_t d = 0; d < dim; ++d) {
        double s = 0, a = 0;
        for (size_t t = 0; t < n; ++t)
          s += terms[t][d], a += std::fabs(terms[t][d]);
        out[0].push_back(s);
        scale[0].push_back(a);
      }
      return;
    case ReductionKind::Min:
    case ReductionKind::Max:
    case ReductionKind::ArgMin:
    case ReductionKind::ArgMax:
    case ReductionKind::MinArgMin:
    case ReductionKind::MaxArgMax: {
      ExtremumTraits traits = *getExtremumTraits(kind);
      bool isMin = traits.isMin, values = traits.withValues,
           indices = traits.withIndices;
      for (int64_t d = 0; d < dim; ++d) {
        double best = isMin ? kInf : -kInf;
        int64_t bestIndex = -1;
        for (size_t t = 0; t < n; ++t) {
          double v = terms[t][d];
          bool better = isMin ? minBefore(v, best)
                              : (v > best || (std::isnan(v) && !std::isnan(best)));
          if (bestIndex < 0 || better)
            best = v, bestIndex = static_cast<int64_t>(t);
        }
        if (values) {
          out[0].push_back(best);
          scale[0].push_back(std::fabs(best));
        }
        if (indices) {
          out[values ? 1 : 0].push_back(static_cast<double>(bestIndex));
          scale[values ? 1 : 0].push_back(0);
        }
      }
      return;
    }
    case ReductionKind::KMin:
    case ReductionKind::ArgKMin:
    case ReductionKind::KMinArgKMin: {
      ExtremumTraits traits = *getExtremumTraits(kind);
      bool values = traits.withValues, indices = traits.withIndices;
      size_t valuesAt = 0, indicesAt = values ? 1 : 0;
      std::vector<double> v(k * dim, kInf), idx(k * dim, -1);
      for (int64_t d = 0; d < dim; ++d) {
        std::vector<size_t> order(n);
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
          return minBefore(terms[a][d], terms[b][d]);
        });
        for (int64_t s = 0; s < k && s < static_cast<int64_t>(n); ++s) {
          v[s * dim + d] = terms[order[s]][d];
          idx[s * dim + d] = static_cast<double>(order[s]);
        }
      }
      if (values) {
        out[valuesAt] = v;
        for (double x : v)
          scale[valuesAt].push_back(std::fabs(x));
      }
      if (indices) {
        out[indicesAt] = idx;
        scale[indicesAt].assign(idx.size(), 0);
      }
      return;
    }
    default:
      break;
    }

    // Exponential sums of the scalar F, shifted by its maximum m.
    double m = -kInf;
    bool anyNaN = false;
    for (size_t t = 0; t < n; ++t) {
      anyNaN |= std::isnan(terms[t][0]);
      m = std::max(m, terms[t][0]);
    }
    if (anyNaN)
      m = std::nan("");
    auto weightOf = [&](size_t t) {
      return m == -kInf ? 0.0 : std::exp(terms[t][0] - m);
    };
    double s = 0;
    std::vector<double> sg(weightDim, 0), sa(weightDim, 0);
    for (size_t t = 0; t < n; ++t) {
      double w = weightOf(t);
      s += w;
      for (int64_t d = 0; d < weightDim; ++d) {
        double g = weights[t][weights[t].size() == 1 ? 0 : d];
        sg[d] += w * g;
        sa[d] += w * std::fabs(g);
      }
    }
    auto push = [&](double v, double sc) {
      out[0].push_back(v);
      scale[0].push_back(sc);
    };
    switch (kind) {
    case ReductionKind::LogSumExp:
      push(m + std::log(s), std::max(1.0, std::fabs(m + std::log(s))));
      return;
    case ReductionKind::LogSumExpWeight:
      for (int64_t d = 0; d < weightDim; ++d)
        push(m + std::log(sg[d]), std::max(1.0, std::fabs(m + std::log(sa[d]))));
      return;
    case ReductionKind::SumSoftMaxWeight:
      for (int64_t d = 0; d < weightDim; ++d)
        push(s == 0 ? 0.0 : sg[d] / s, s == 0 ? 0.0 : sa[d] / s);
      return;
    case ReductionKind::MaxSumShiftExp:
      push(m, std::fabs(m));
      push(s, s);
      return;
    case ReductionKind::MaxSumShiftExpWeight:
      push(m, std::fabs(m));
      for (int64_t d = 0; d < weightDim; ++d)
        push(sg[d], sa[d]);
      return;
    default:
      llvm_unreachable("handled above");
    }
  }
};
} // namespace

llvm::Expected<std::vector<ReferenceOutput>> ReferenceEvaluator::evaluate() {
  int64_t batch = static_cast<int64_t>(batchShape.size());
  int64_t flatBatches = 1;
  for (int64_t d : batchShape)
    flatBatches *= d;
  bool overJ = op.getAxis() == IndexAxis::j;
  int64_t rows = outputShapes.front()[batch];

  // The number of terms: rows of any variable indexed by the reduced axis.
  VarCategory reduced = overJ ? VarCategory::j : VarCategory::i;
  int64_t terms = -1;
  op.getBody().walk([&](VarOp var) {
    if (var.getCategory() == reduced && terms < 0)
      terms = inputs[var.getPosition()].shape[batch];
  });
  if (terms < 0)
    return llvm::createStringError("the reduction has no variable along the reduced axis");

  Value weight = op.getWeightFormula();
  int64_t dim = getFormulaDim(op.getFormula());
  int64_t weightDim = weight ? getFormulaDim(weight) : 0;
  RowReducer reducer{op.getKind(),
                     op.getK() ? static_cast<int64_t>(*op.getK()) : 1};

  std::vector<ReferenceOutput> outputs(outputShapes.size());
  for (auto [out, shape] : llvm::zip(outputs, outputShapes))
    out.values.shape = shape;
  for (int64_t b = 0; b < flatBatches; ++b) {
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<FormulaVector> f, g;
      for (int64_t t = 0; t < terms; ++t) {
        int64_t i = overJ ? r : t, j = overJ ? t : r;
        auto value = evaluatePair(b, i, j);
        if (!value)
          return value.takeError();
        f.push_back(*value);
        if (weight) {
          auto w = evaluatePair(b, i, j, /*weight=*/true);
          if (!w)
            return w.takeError();
          g.push_back(*w);
        }
      }
      std::vector<std::vector<double>> rowOut(outputs.size()),
          rowScale(outputs.size());
      reducer.reduce(f, g, dim, weightDim, rowOut, rowScale);
      for (size_t k = 0; k < outputs.size(); ++k) {
        llvm::append_range(outputs[k].values.data, rowOut[k]);
        llvm::append_range(outputs[k].scale, rowScale[k]);
      }
    }
  }
  return outputs;
}
