//===- ReductionState.h - running state of a reduction over lanes -*- C++ -*-//
//
// Internal to kred-lower-to-loops. Each reduction kind keeps a running state
// per output row as a few vectors of W lanes (lane l has seen the j = l mod W
// terms); the state is updated once per chunk of W consecutive j and
// combined across lanes once per row.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_TRANSFORMS_REDUCTIONSTATE_H
#define KRED_LIB_TRANSFORMS_REDUCTIONSTATE_H

#include "LaneBuilder.h"

#include "kred/Dialect/Kred/IR/KredOps.h"

#include <memory>

namespace kred {

class ReductionState {
public:
  virtual ~ReductionState() = default;

  /// Builds the state of `op`'s reduction for formula lanes of `lanes`'
  /// type; fails (after reporting on `op`) for unsupported configurations.
  static llvm::FailureOr<std::unique_ptr<ReductionState>>
  create(ReduceOp op, mlir::FloatType computeType, int64_t width);

  /// Types of the state vectors kept per row between j tiles.
  virtual llvm::SmallVector<mlir::Type> getTypes() = 0;
  /// The state before any term (the reduction's identity).
  virtual llvm::SmallVector<mlir::Value> init(mlir::OpBuilder &b,
                                              mlir::Location loc) = 0;
  /// The values carried through the loop over one j tile, made from the
  /// state; and the state after the tile, from the carried values. By
  /// default the state itself is carried (block sums carry a fresh partial
  /// sum instead).
  virtual llvm::SmallVector<mlir::Value>
  beginTile(mlir::OpBuilder &, mlir::Location,
            llvm::ArrayRef<mlir::Value> state) {
    return llvm::SmallVector<mlir::Value>(state);
  }
  virtual llvm::SmallVector<mlir::Value>
  endTile(mlir::OpBuilder &, mlir::Location, llvm::ArrayRef<mlir::Value>,
          mlir::ValueRange carried) {
    return llvm::SmallVector<mlir::Value>(carried);
  }
  /// Types of the carried values.
  virtual llvm::SmallVector<mlir::Type> getCarriedTypes() { return getTypes(); }
  /// Adds one chunk of terms: the formula's lanes `f`, the weight's `g`
  /// (weighted kinds), and `j`, the i64 indices of the lanes.
  virtual llvm::SmallVector<mlir::Value>
  update(mlir::OpBuilder &b, mlir::Location loc,
         mlir::ValueRange carried, const Lanes &f, const Lanes &g,
         mlir::Value j) = 0;
  /// Whether update needs the lane indices `j`.
  virtual bool needsIndices() { return false; }
  /// Combines the lanes of the final state into the components of each
  /// output: float scalars (any float type) or i64 indices.
  virtual llvm::SmallVector<llvm::SmallVector<mlir::Value>>
  finalize(mlir::OpBuilder &b, mlir::Location loc,
           llvm::ArrayRef<mlir::Value> state) = 0;
};

} // namespace kred

#endif // KRED_LIB_TRANSFORMS_REDUCTIONSTATE_H
