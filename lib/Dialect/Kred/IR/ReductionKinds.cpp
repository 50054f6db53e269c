//===- ReductionKinds.cpp - the reduction kinds' generated table ----------===//

#include "kred/Dialect/Kred/IR/ReductionKinds.h"
#include "kred/Dialect/Kred/IR/KredOps.h"

#include <algorithm>

using namespace kred;
using llvm::ArrayRef;

namespace kred {
#define GET_KredReductionTable_DECL
#define GET_KredReductionTable_IMPL
#include "kred/Dialect/Kred/IR/KredTables.inc"
} // namespace kred

ArrayRef<ReductionKindInfo> kred::getReductionKinds() {
  return KredReductionTable;
}

const ReductionKindInfo &kred::getReductionKindInfo(ReductionKind kind) {
  const ReductionKindInfo *info =
      lookupReductionKindInfo(static_cast<uint8_t>(kind));
  assert(info && "a ReductionKind without a record");
  return *info;
}

const ReductionKindInfo *kred::lookupKeOpsReduction(llvm::StringRef name) {
  for (const ReductionKindInfo &info : getReductionKinds())
    if (name == info.keopsName || (*info.keopsAlias && name == info.keopsAlias))
      return &info;
  return nullptr;
}

llvm::SmallVector<ReductionOutputSpec, 2>
ReductionKindInfo::getOutputs(int64_t formulaDim, int64_t weightDim,
                              int64_t k) const {
  switch (family) {
  case SumFamily:
  case ExtremumFamily:
    return {{formulaDim, false}};
  case EntriesFamily: {
    llvm::SmallVector<ReductionOutputSpec, 2> outputs;
    int64_t entries = (takesK ? k : 1) * formulaDim;
    if (withValues)
      outputs.push_back({entries, false});
    if (withIndices)
      outputs.push_back({entries, true});
    return outputs;
  }
  case ExponentialFamily: {
    int64_t sums = (plainSum ? 1 : 0) + weightDim;
    if (output == SoftMaxAverage)
      return {{weightDim, false}};
    return {{output == ShiftAndSums ? 1 + sums : sums, false}};
  }
  }
  llvm_unreachable("unknown reduction family");
}
