//===- PartialStates.h - a reduction computed in pieces ---------*- C++ -*-===//
//
// A reduction over a reduced axis split into pieces (shards on several
// processes, kred.torch.distributed) is exact when each piece's partial
// state is kept and the states are merged with the kind's `combine`, then
// finalized once. The states, combine and finalize are the kind's own
// (ReductionSemantics.h, run in float64); a piece's state is computed by a
// kernel of the kind's *state kind*, whose outputs are the state itself:
//   Sum, Min, Max                      themselves
//   ArgMin, Min_ArgMin (Max likewise)  Min_ArgMin (K = 1 entry lists)
//   KMin, ArgKMin, KMin_ArgKMin        KMin_ArgKMin
//   LogSumExp                          Max_SumShiftExp: (m, s)
//   LogSumExpWeight                    Max_SumShiftExpWeight: (m, s_G)
//   SumSoftMaxWeight                   Max_SumShiftExpWeight with the
//                                      weight Concat(1, G): (m, s, s_G)
//
//===----------------------------------------------------------------------===//

#ifndef KRED_RUNTIME_PARTIALSTATES_H
#define KRED_RUNTIME_PARTIALSTATES_H

#include "kred/Dialect/Kred/IR/ReductionKinds.h"

#include "llvm/Support/Error.h"

namespace kred::runtime {

class PartialStates {
public:
  /// For the kind named `keopsName` whose outputs have dimensions
  /// `outputDims` (as its kernel's signature says), with K = `k`.
  static llvm::Expected<PartialStates> get(llvm::StringRef keopsName,
                                           llvm::ArrayRef<int64_t> outputDims,
                                           int64_t k);

  /// The KeOps name of the kind whose kernel computes a piece's state.
  llvm::StringRef getStateKindName() const;
  /// Whether that kernel's weight formula is Concat(IntCst(1), G) (the
  /// state needs the plain sum s beside s_G).
  bool stateWeightLeadsWithOne() const;
  /// The state kind's outputs' dimensions, in order.
  llvm::SmallVector<int64_t, 2> getStateOutputDims() const;
  /// The kind's own outputs' dimensions, and which are indices.
  llvm::SmallVector<ReductionOutputSpec, 2> getOutputs() const;
  /// Scalars per row of a state.
  int64_t getStateSize() const;

  /// The identity state (no term yet) in each of `rows` rows.
  void fillIdentity(double *states, int64_t rows) const;
  /// `rows` states (row-major, getStateSize() each) from the state
  /// kernel's outputs (row-major, getStateOutputDims() wide); the indices
  /// shifted by `indexOffset` (where the piece starts on the reduced axis),
  /// empty entries (-1) kept.
  void pack(llvm::ArrayRef<const double *> stateOutputs, int64_t rows,
            int64_t indexOffset, double *states) const;
  /// into[r] = combine(into[r], other[r]) for each of `rows` rows.
  void combine(double *into, const double *other, int64_t rows) const;
  /// The kind's outputs (row-major, getOutputs() wide) of `rows` states.
  void finalize(const double *states, int64_t rows,
                llvm::ArrayRef<double *> outputs) const;

private:
  PartialStates(ReductionKind kind, int64_t dim, int64_t weightDim, int64_t k)
      : kind(kind), dim(dim), weightDim(weightDim), k(k) {}
  const ReductionKindInfo &info() const { return getReductionKindInfo(kind); }

  ReductionKind kind;
  int64_t dim, weightDim, k;
};

} // namespace kred::runtime

#endif // KRED_RUNTIME_PARTIALSTATES_H
