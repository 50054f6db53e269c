//===- ReductionLowering.h - the target-neutral lowering library -*- C++ -*-===//
//
// The pieces every code generator of kred.reduce shares, whatever it maps
// rows and columns to (CPU lanes and threads, GPU threads and blocks):
//
// - the formula, emitted for one lane group per component:
//   computeFormula<LaneBuilder> (KredEvaluate.h), each op's code coming
//   from its FormulaOpInterface;
// - the running reduction state (ReductionState.h), built on each kind's
//   single definition (ReductionSemantics.h);
// - the checks a reduction must pass before any IR is built, lane merging
//   through the kind's combine, and float conversions for stores.
//
// The CPU target's own pieces (j transposition buffers, row blocking,
// masked tails, the scf.parallel later mapped to OpenMP) are in
// lib/Transforms/LowerToLoops.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_CONVERSION_REDUCTIONLOWERING_REDUCTIONLOWERING_H
#define KRED_CONVERSION_REDUCTIONLOWERING_REDUCTIONLOWERING_H

#include "kred/Conversion/ReductionLowering/ReductionState.h"
#include "llvm/ADT/MapVector.h"
#include "kred/Dialect/Kred/IR/KredEvaluate.h"

namespace kred {

/// Formula values wider than this many components would unroll into too
/// much code; KeOps formulas are far smaller.
constexpr int64_t kMaxLoweredDim = 1024;

/// Checks that `op` can be lowered by any target: over j, on memrefs,
/// dense, every formula op computable and no value wider than
/// kMaxLoweredDim. Reports the first problem on the op, naming `target`.
llvm::LogicalResult checkLowerable(ReduceOp op, llvm::StringRef target);

/// The element type the formula is computed in: half types compute in f32.
mlir::FloatType getComputeType(ReduceOp op);

/// The used kred.var ops of a reduction by input position (the first of each)
/// and the position of the first j-variable (-1 when there is none).
struct FormulaVariables {
  llvm::MapVector<int64_t, VarOp> byPosition;
  int64_t firstJPosition = -1;
};
FormulaVariables collectVariables(ReduceOp op);

/// The number of terms each row reduces at one batch index: the rows of
/// the first j-variable, or 1 when the formula reads none (KeOps: a
/// formula without j-variables reduces over one term).
mlir::Value getTermCount(mlir::OpBuilder &b, mlir::Location loc, ReduceOp op,
                         int64_t firstJPosition);

/// Loads element `indices` of `memref`, extended to `computeType`.
mlir::Value loadComputeScalar(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value memref, mlir::ValueRange indices,
                              mlir::FloatType computeType);

/// Emits F (and G) for one lane group; `varLanes(var)` gives each
/// variable's lanes.
llvm::SmallVector<Lanes, 2>
emitFormula(ReduceOp op, LaneBuilder &lanes,
            llvm::function_ref<Lanes(VarOp)> varLanes);

/// A combine of two partial states of lane groups (as built by `lanes`).
using LaneCombine = llvm::function_ref<llvm::SmallVector<mlir::Value>(
    LaneBuilder &lanes, llvm::ArrayRef<mlir::Value> x,
    llvm::ArrayRef<mlir::Value> y)>;

/// Merges the `width` lanes of every state value into scalars with
/// `combine`: halves while the width is even, then lane by lane.
llvm::SmallVector<mlir::Value> mergeLanes(mlir::OpBuilder &b,
                                          mlir::Location loc,
                                          mlir::FloatType elementType,
                                          int64_t width,
                                          llvm::ArrayRef<mlir::Value> state,
                                          LaneCombine combine);

/// Where one flat batch index reads: for each input, the indices of its
/// batch dimensions (0 where it has size 1: broadcasting); for the outputs.
struct BatchIndices {
  llvm::SmallVector<llvm::SmallVector<mlir::Value>> inputs;
  llvm::SmallVector<mlir::Value> outputs;
};

/// The sizes of the batch dimensions of `op`'s outputs.
llvm::SmallVector<mlir::Value> getBatchSizes(mlir::OpBuilder &b,
                                             mlir::Location loc, ReduceOp op);

/// The batch indices of flat batch index `flat` (row-major over `sizes`).
BatchIndices getBatchIndices(mlir::OpBuilder &b, mlir::Location loc,
                             ReduceOp op, llvm::ArrayRef<mlir::Value> sizes,
                             mlir::Value flat);

/// The constant lanes 0, 1, ..., n - 1 of the integer vector `type`.
mlir::Value laneNumbers(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::VectorType type);

/// Stores finalized `outputs` (ReductionState::finalize) as row `row` of
/// `op`'s outputs at batch index `outBatch`, converting floats.
void storeOutputs(mlir::OpBuilder &b, mlir::Location loc, ReduceOp op,
                  llvm::ArrayRef<llvm::SmallVector<mlir::Value>> outputs,
                  llvm::ArrayRef<mlir::Value> outBatch, mlir::Value row);

/// KeOps' block-sparse scheme for a reduction over j with ranges (the
/// runtime has checked the arrays): i-cluster k is rows ranges_i[k] =
/// [begin, end) and meets the j-ranges redranges_j[s] = [begin, end) for s
/// in [slices_i[k - 1], slices_i[k]) (slices_i[-1] = 0). Rows of no
/// cluster keep the identity.
class BlockSparseRanges {
public:
  explicit BlockSparseRanges(ReduceOp op);

  mlir::Value getNumClusters(mlir::OpBuilder &b, mlir::Location loc);
  /// ranges_i[k]: the cluster's rows [begin, end).
  std::pair<mlir::Value, mlir::Value> getClusterRows(mlir::OpBuilder &b,
                                                     mlir::Location loc,
                                                     mlir::Value k);
  /// [slices_i[k - 1], slices_i[k]): where cluster k's j-ranges are.
  std::pair<mlir::Value, mlir::Value> getClusterSlices(mlir::OpBuilder &b,
                                                       mlir::Location loc,
                                                       mlir::Value k);
  /// A loop over the j-ranges of `slices` carrying `init`: `body(b, begin,
  /// end, carried)` gives the values after columns [begin, end).
  using ColumnRangeFn = llvm::function_ref<llvm::SmallVector<mlir::Value>(
      mlir::OpBuilder &, mlir::Value, mlir::Value, mlir::ValueRange)>;
  mlir::ValueRange forEachColumnRange(mlir::OpBuilder &b, mlir::Location loc,
                                      std::pair<mlir::Value, mlir::Value> slices,
                                      mlir::ValueRange init, ColumnRangeFn body);
  /// The i64 entry `indices` of a ranges array, as an index.
  static mlir::Value loadIndex(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value memref, mlir::ValueRange indices);
  mlir::Value getRangesI() const { return rangesI; }

private:
  mlir::Value rangesI, slicesI, redrangesJ;
};

/// Converts the float scalar `v` to the float type `to` (rounding to
/// nearest even, also for bf16, without compiler-rt helpers).
mlir::Value convertFloat(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value v, mlir::FloatType to);

} // namespace kred

#endif // KRED_CONVERSION_REDUCTIONLOWERING_REDUCTIONLOWERING_H
