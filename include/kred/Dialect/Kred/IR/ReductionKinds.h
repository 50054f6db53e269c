//===- ReductionKinds.h - the facts of each reduction kind ------*- C++ -*-===//
//
// One ReductionKindInfo per ReductionKind, generated (KredTables.td) from its
// record in dialect/KredReductions.td: names, family, what it takes and outputs,
// what its gradient reads of the forward pass, its reference tolerance.
// Every consumer (verifier, importer, semantics, lowering, gradient,
// reference evaluator, the Python package through the native module) reads
// these instead of switching on the kind.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_KRED_IR_REDUCTIONKINDS_H
#define KRED_DIALECT_KRED_IR_REDUCTIONKINDS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace kred {

enum class ReductionKind : uint32_t;

#define GET_KredReductionFamily_DECL
#define GET_KredExponentialOutput_DECL
#define GET_KredReferenceScale_DECL
#include "kred/Dialect/Kred/IR/KredTables.inc"

/// One output of a reduction: its last dimension, and whether it holds i64
/// indices rather than values.
struct ReductionOutputSpec {
  int64_t dim;
  bool isIndex;
};

/// The fields of a KredReduction record, in the table's order.
struct ReductionKindInfo {
  uint8_t value;
  const char *name, *mnemonic, *keopsName, *keopsAlias;
  KredReductionFamily family;
  bool takesK, takesWeight, scalarFormula;
  bool isMin, withValues, withIndices;
  bool plainSum;
  KredExponentialOutput output;
  const char *weightedKind;
  bool gradientReadsResult;
  const char *indexedKind, *gradientPartial;
  bool gradientReadsArgMax;
  KredReferenceScale tolerance;

  ReductionKind kind() const { return static_cast<ReductionKind>(value); }
  /// Kinds that sum terms (and so take an accumulator type and scheme).
  bool isSummation() const {
    return family == SumFamily || family == ExponentialFamily;
  }
  /// Kinds that select terms (min, max, their arg and K versions).
  bool isSelection() const {
    return family == ExtremumFamily || family == EntriesFamily;
  }
  /// The outputs for a formula of dimension `formulaDim`, a weight of
  /// dimension `weightDim` and K = `k`.
  llvm::SmallVector<ReductionOutputSpec, 2>
  getOutputs(int64_t formulaDim, int64_t weightDim, int64_t k) const;
};

/// Every kind, ordered by enum value.
llvm::ArrayRef<ReductionKindInfo> getReductionKinds();
const ReductionKindInfo &getReductionKindInfo(ReductionKind kind);
/// The kind with KeOps name (or older name) `name`, or null.
const ReductionKindInfo *lookupKeOpsReduction(llvm::StringRef name);

} // namespace kred

#endif // KRED_DIALECT_KRED_IR_REDUCTIONKINDS_H
