//===- ReductionState.h - a reduction's running state in code ---*- C++ -*-===//
//
// Part of the target-neutral lowering library. A ReductionState keeps the
// running state of one output row as lane groups (LaneBuilder): lane l has
// seen the terms j = l mod W. It applies the kind's single definition
// (ReductionSemantics.h): `update` accumulates a chunk of W terms,
// `combine` merges two partial states of the same shape, `finalize` merges
// the lanes (combine over halves) and produces the outputs. A target picks
// the width (W lanes on the CPU; 0, a scalar, for one GPU thread) and where
// the state lives between tiles.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_CONVERSION_REDUCTIONLOWERING_REDUCTIONSTATE_H
#define KRED_CONVERSION_REDUCTIONLOWERING_REDUCTIONSTATE_H

#include "kred/Dialect/Kred/IR/KredOps.h"

#include <memory>
#include <optional>

namespace kred {

/// The memory of one output row (see getRowMemoryTypes), as 1-D memrefs.
using RowMemory = llvm::ArrayRef<mlir::Value>;

/// How a target packs a vector's selected lanes into its first lanes.
enum class LaneCompress {
  None,
  /// One instruction (AVX-512's VPCOMPRESS), from LLVM's generic intrinsic.
  Instruction,
  /// A permutation of 8 x 32-bit lanes whose index a table of lane numbers
  /// gives for the mask (x86 AVX2).
  Permutation,
};

/// LaneCompress by its name in the lane-compress option (instruction,
/// permutation, none); nullopt for another name.
std::optional<LaneCompress> parseLaneCompress(llvm::StringRef name);
/// The name parseLaneCompress reads.
llvm::StringRef getLaneCompressName(LaneCompress compress);

class ReductionState {
public:
  virtual ~ReductionState() = default;

  /// Builds the state of `op`'s reduction for formula lane groups of
  /// `width` lanes (0: scalars) of `computeType`, on a target with
  /// `vectorRegisters` registers of that width (0: none to spare, as on a
  /// GPU thread), packing selected lanes as `compress` says; fails (after
  /// reporting on `op`) for unsupported configurations, before any IR is
  /// built.
  static llvm::FailureOr<std::unique_ptr<ReductionState>>
  create(ReduceOp op, mlir::FloatType computeType, int64_t width,
         int64_t vectorRegisters = 0,
         LaneCompress compress = LaneCompress::None);

  /// Types of the state values kept per row between j tiles.
  virtual llvm::SmallVector<mlir::Type> getTypes() = 0;
  /// 1-D memory kept per row besides those values, for large parts of a
  /// state that are seldom touched (they would only occupy registers); the
  /// lowering allocates it and passes each row's as `row`.
  virtual llvm::SmallVector<mlir::MemRefType> getRowMemoryTypes() {
    return {};
  }
  /// The state before any term (the reduction's identity).
  virtual llvm::SmallVector<mlir::Value> init(mlir::OpBuilder &b,
                                              mlir::Location loc,
                                              RowMemory row) = 0;
  /// The values carried through the loop over one j tile, made from the
  /// state; and the state after the tile, from the carried values. By
  /// default the state itself is carried (block sums carry a fresh partial
  /// sum and combine it with the state at the end).
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
  update(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange carried,
         const Lanes &f, const Lanes &g, mlir::Value j, RowMemory row) = 0;
  /// As update, for a chunk whose lanes past the end (false in the i1 lanes
  /// `inRange`) must not count. By default those lanes keep their state.
  virtual llvm::SmallVector<mlir::Value>
  updateInRange(mlir::OpBuilder &b, mlir::Location loc,
                mlir::ValueRange carried, const Lanes &f, const Lanes &g,
                mlir::Value j, mlir::Value inRange, RowMemory row);
  /// After one chunk's updates of consecutive rows: `carried` holds their
  /// carried values one row after another, `rows` their memory. Work the
  /// rows share goes here (K-best merges, done for all rows at once so that
  /// their chains overlap); by default nothing.
  virtual llvm::SmallVector<mlir::Value>
  settleRows(mlir::OpBuilder &, mlir::Location, mlir::ValueRange carried,
             llvm::ArrayRef<llvm::SmallVector<mlir::Value>> rows) {
    return llvm::SmallVector<mlir::Value>(carried);
  }
  /// Threshold hints (K-best states of one component): the lowering may
  /// seed a row's empty state with a hint - a value it guesses its K-th
  /// best beats, from the rows before - so that its first chunks do not
  /// all enter; the seed is K placeholder entries of that value, which the
  /// row's own entries push out. A row whose placeholders are not all
  /// pushed out had fewer than K terms below the hint: after dropping them,
  /// the lowering runs the same columns again for the terms at or above it.
  virtual bool takesHints() { return false; }
  /// The state's threshold (carried values of one row), a scalar: NaN
  /// while it holds fewer than K entries.
  virtual mlir::Value getThreshold(mlir::OpBuilder &b, mlir::Location loc,
                                   mlir::ValueRange carried) {
    return {};
  }
  /// The carried values of an empty state (fresh from init) seeded with
  /// `hint` (unseeded where it is NaN).
  virtual llvm::SmallVector<mlir::Value>
  seedHint(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange carried,
           RowMemory row, mlir::Value hint) {
    return llvm::SmallVector<mlir::Value>(carried);
  }
  /// Whether placeholders are left (an i1), and the carried values with
  /// them dropped.
  virtual std::pair<mlir::Value, llvm::SmallVector<mlir::Value>>
  dropPlaceholders(mlir::OpBuilder &b, mlir::Location loc,
                   mlir::ValueRange carried, RowMemory row) {
    return {mlir::Value(), llvm::SmallVector<mlir::Value>(carried)};
  }
  /// Whether update needs the lane indices `j`.
  virtual bool needsIndices() { return false; }
  /// Vector registers update holds besides the carried values (a K-best
  /// buffer shifted in registers), for the lowering's register budget.
  virtual int64_t getUpdateRegisters() { return 0; }
  /// Whether update branches on its lanes (an insertion where a lane
  /// passes), for the lowering's order of rows.
  virtual bool updateBranches() { return false; }
  /// Merges two partial states held in values (not row memory), lane by
  /// lane; fails for states kept in row memory.
  virtual llvm::FailureOr<llvm::SmallVector<mlir::Value>>
  combine(mlir::OpBuilder &b, mlir::Location loc,
          llvm::ArrayRef<mlir::Value> x, llvm::ArrayRef<mlir::Value> y) {
    return mlir::failure();
  }
  /// Combines the lanes of the final state into the components of each
  /// output: float scalars (any float type) or i64 indices.
  virtual llvm::SmallVector<llvm::SmallVector<mlir::Value>>
  finalize(mlir::OpBuilder &b, mlir::Location loc,
           llvm::ArrayRef<mlir::Value> state, RowMemory row) = 0;
};

} // namespace kred

#endif // KRED_CONVERSION_REDUCTIONLOWERING_REDUCTIONSTATE_H
