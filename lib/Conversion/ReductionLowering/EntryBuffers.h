//===- EntryBuffers.h - K-best buffers, shared by their two schemes -------===//
//
// Internal to the lowering library. Reductions with K best entries keep
// them in row memory, sorted in the kind's order (ReductionState.cpp);
// on f32 vector lanes the entries are instead keys merged in bulk
// (MergedEntriesState.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_CONVERSION_REDUCTIONLOWERING_ENTRYBUFFERS_H
#define KRED_LIB_CONVERSION_REDUCTIONLOWERING_ENTRYBUFFERS_H

#include "kred/Conversion/ReductionLowering/ReductionState.h"
#include "kred/Dialect/Kred/IR/ReductionSemantics.h"

#include "mlir/IR/BuiltinOps.h"

namespace kred {

/// The i1 lane group `mask` as an integer, lane l in bit l.
mlir::Value laneBits(mlir::OpBuilder &b, mlir::Location loc, mlir::Value mask);
/// Whether any lane of `mask` is set.
mlir::Value anyLane(mlir::OpBuilder &b, mlir::Location loc, mlir::Value mask);

/// Runs `body` on each set lane of the i1 lane group `mask` (passed as an
/// index), lowest lane first - a loop over the mask's set bits - threading
/// `carried` through; returns the last carried values.
llvm::SmallVector<mlir::Value> forEachSetLane(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Value mask,
    mlir::ValueRange carried,
    llvm::function_ref<llvm::SmallVector<mlir::Value>(
        mlir::OpBuilder &, mlir::Location, mlir::Value lane, mlir::ValueRange)>
        body);

/// What both K-best states share: per component, carried values whose
/// first is the threshold, broadcast (each chunk compares with it as it
/// is); the lanes of a chunk that pass it - an unordered less-than
/// (greater-than for Max kinds) - go to `insert`, which returns the
/// component's next carried values; `readEntries` gives the result back
/// in the kind's order.
class EntriesState : public ReductionState {
public:
  EntriesState(const ReductionSpec &spec, mlir::FloatType type, int64_t width)
      : spec(spec), dim(spec.dim), k(spec.k), type(type), width(width),
        isMin(spec.info().isMin) {}

  llvm::SmallVector<mlir::Type> getTypes() override;
  bool needsIndices() override { return true; }
  llvm::SmallVector<mlir::Value> update(mlir::OpBuilder &b, mlir::Location loc,
                                        mlir::ValueRange carried,
                                        const Lanes &f, const Lanes &g,
                                        mlir::Value j, RowMemory row) override;
  llvm::SmallVector<mlir::Value>
  updateInRange(mlir::OpBuilder &b, mlir::Location loc,
                mlir::ValueRange carried, const Lanes &f, const Lanes &g,
                mlir::Value j, mlir::Value inRange, RowMemory row) override;
  llvm::SmallVector<llvm::SmallVector<mlir::Value>>
  finalize(mlir::OpBuilder &b, mlir::Location loc,
           llvm::ArrayRef<mlir::Value> state, RowMemory row) override;

protected:
  /// The carried values of one component, the threshold first.
  virtual llvm::SmallVector<mlir::Type> getComponentTypes();
  /// Component `d`'s slice of all components' carried values.
  mlir::ValueRange getComponent(mlir::ValueRange carried, int64_t d);
  /// Enters the lanes of (f, j) selected by `mask` (component `d`, whose
  /// carried values are `carried`) and returns its next carried values.
  virtual llvm::SmallVector<mlir::Value>
  insert(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange carried,
         RowMemory row, int64_t d, mlir::Value f, mlir::Value j,
         mlir::Value mask) = 0;
  /// The first K values and i64 indices of component `d`.
  virtual std::pair<llvm::SmallVector<mlir::Value>,
                    llvm::SmallVector<mlir::Value>>
  readEntries(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange carried,
              RowMemory row, int64_t d) = 0;

  ReductionSpec spec;
  int64_t dim, k;
  mlir::FloatType type;
  int64_t width;
  bool isMin;
};

/// The K-best state that sorts keys in bulk, for f32 lane groups of
/// `width` >= 2 lanes and 2 <= K <= 64 where it is the faster scheme
/// (`compress`: how the target packs selected lanes; a permutation's table
/// is made in `module`); null elsewhere.
std::unique_ptr<ReductionState>
createMergedEntriesState(const ReductionSpec &spec, mlir::FloatType type,
                         int64_t width, int64_t vectorRegisters,
                         LaneCompress compress, mlir::ModuleOp module);

} // namespace kred

#endif // KRED_LIB_CONVERSION_REDUCTIONLOWERING_ENTRYBUFFERS_H
