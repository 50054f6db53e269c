//===- PartialStates.cpp - a reduction computed in pieces -----------------===//

#include "kred/Runtime/PartialStates.h"

#include "kred/Dialect/Kred/IR/FormulaAlgebra.h"
#include "kred/Dialect/Kred/IR/ReductionSemantics.h"

#include "llvm/Support/FormatVariadic.h"

using namespace kred;
using namespace kred::runtime;

namespace {

/// The formula's and weight's dimensions of `info` from its outputs'.
std::pair<int64_t, int64_t> getFormulaDims(const ReductionKindInfo &info,
                                           llvm::ArrayRef<int64_t> outputDims,
                                           int64_t k) {
  switch (info.family) {
  case SumFamily:
  case ExtremumFamily:
    return {outputDims[0], 0};
  case EntriesFamily:
    return {outputDims[0] / k, 0};
  default: // ExponentialFamily: F is scalar.
    if (!info.takesWeight)
      return {1, 0};
    // ShiftAndSums outputs (m, the sums) in one row.
    if (info.output == ShiftAndSums)
      return {1, outputDims[0] - 1 - (info.plainSum ? 1 : 0)};
    return {1, outputDims[0]};
  }
}

ReductionSemantics<Float64Algebra> semanticsOf(Float64Algebra &algebra,
                                               ReductionKind kind, int64_t dim,
                                               int64_t weightDim, int64_t k) {
  return ReductionSemantics<Float64Algebra>(
      algebra, ReductionSpec{kind, dim, weightDim, k});
}

} // namespace

llvm::Expected<PartialStates>
PartialStates::get(llvm::StringRef keopsName,
                   llvm::ArrayRef<int64_t> outputDims, int64_t k) {
  const ReductionKindInfo *info = lookupKeOpsReduction(keopsName);
  if (!info)
    return llvm::createStringError("unknown reduction '" + keopsName + "'");
  k = info->takesK ? k : 1;
  if (outputDims.empty() || k < 1)
    return llvm::createStringError("a reduction has outputs and K >= 1");
  auto [dim, weightDim] = getFormulaDims(*info, outputDims, k);
  PartialStates states(info->kind(), dim, weightDim, k);
  llvm::SmallVector<int64_t, 2> expected;
  for (const ReductionOutputSpec &output : states.getOutputs())
    expected.push_back(output.dim);
  if (llvm::ArrayRef<int64_t>(expected) != outputDims)
    return llvm::createStringError(llvm::formatv(
        "{0}: outputs of dimensions {1:$[, ]} do not fit the kind with K = {2}",
        keopsName, llvm::make_range(outputDims.begin(), outputDims.end()), k));
  return states;
}

llvm::StringRef PartialStates::getStateKindName() const {
  switch (info().family) {
  case SumFamily:
  case ExtremumFamily:
    return info().keopsName;
  case EntriesFamily:
    if (info().takesK)
      return "KMin_ArgKMin";
    return info().isMin ? "Min_ArgMin" : "Max_ArgMax";
  default:
    return info().takesWeight ? "Max_SumShiftExpWeight" : "Max_SumShiftExp";
  }
}

bool PartialStates::stateWeightLeadsWithOne() const {
  return info().family == ExponentialFamily && info().takesWeight &&
         info().plainSum;
}

llvm::SmallVector<int64_t, 2> PartialStates::getStateOutputDims() const {
  const ReductionKindInfo *state = lookupKeOpsReduction(getStateKindName());
  int64_t stateWeightDim = weightDim + (stateWeightLeadsWithOne() ? 1 : 0);
  llvm::SmallVector<int64_t, 2> dims;
  for (const ReductionOutputSpec &output :
       state->getOutputs(dim, stateWeightDim, k))
    dims.push_back(output.dim);
  return dims;
}

llvm::SmallVector<ReductionOutputSpec, 2> PartialStates::getOutputs() const {
  return info().getOutputs(dim, weightDim, k);
}

int64_t PartialStates::getStateSize() const {
  Float64Algebra algebra;
  return semanticsOf(algebra, kind, dim, weightDim, k).identity().size();
}

void PartialStates::fillIdentity(double *states, int64_t rows) const {
  Float64Algebra algebra;
  auto identity = semanticsOf(algebra, kind, dim, weightDim, k).identity();
  for (int64_t r = 0; r < rows; ++r)
    std::copy(identity.begin(), identity.end(), states + r * identity.size());
}

void PartialStates::pack(llvm::ArrayRef<const double *> stateOutputs,
                         int64_t rows, int64_t indexOffset,
                         double *states) const {
  llvm::SmallVector<int64_t, 2> widths = getStateOutputDims();
  int64_t size = getStateSize();
  for (int64_t r = 0; r < rows; ++r) {
    double *state = states + r * size;
    if (info().family != EntriesFamily) {
      // Sums and extrema: the outputs; exponential sums: m, then the sums.
      int64_t at = 0;
      for (auto [output, width] : llvm::zip(stateOutputs, widths))
        for (int64_t c = 0; c < width; ++c)
          state[at++] = output[r * width + c];
      continue;
    }
    // K entries per component d: values at slot * dim + d, then indices.
    const double *values = stateOutputs[0] + r * k * dim;
    const double *indices = stateOutputs[1] + r * k * dim;
    for (int64_t d = 0; d < dim; ++d)
      for (int64_t s = 0; s < k; ++s) {
        double index = indices[s * dim + d];
        state[2 * k * d + s] = values[s * dim + d];
        state[2 * k * d + k + s] = index < 0 ? index : index + indexOffset;
      }
  }
}

void PartialStates::combine(double *into, const double *other,
                            int64_t rows) const {
  Float64Algebra algebra;
  auto semantics = semanticsOf(algebra, kind, dim, weightDim, k);
  int64_t size = getStateSize();
  for (int64_t r = 0; r < rows; ++r) {
    llvm::ArrayRef<double> x(into + r * size, size), y(other + r * size, size);
    auto merged = semantics.combine(x, y);
    std::copy(merged.begin(), merged.end(), into + r * size);
  }
}

void PartialStates::finalize(const double *states, int64_t rows,
                             llvm::ArrayRef<double *> outputs) const {
  Float64Algebra algebra;
  auto semantics = semanticsOf(algebra, kind, dim, weightDim, k);
  int64_t size = getStateSize();
  for (int64_t r = 0; r < rows; ++r) {
    auto finals = semantics.finalize(llvm::ArrayRef(states + r * size, size));
    for (auto [output, values] : llvm::zip(outputs, finals))
      std::copy(values.begin(), values.end(), output + r * values.size());
  }
}
