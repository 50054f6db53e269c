//===- KredEvaluate.h - computing a formula with an algebra -----*- C++ -*-===//
//
// The one walk over a kred.reduce formula: every op's value comes from its
// FormulaOpInterface, in float64 (Float64Algebra: folding, the reference
// evaluator) or as code for lane groups (LaneBuilder: code generators).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_KRED_IR_KREDEVALUATE_H
#define KRED_DIALECT_KRED_IR_KREDEVALUATE_H

#include "kred/Dialect/Kred/IR/KredOps.h"

#include "llvm/ADT/DenseMap.h"

namespace kred {

/// A sum of at least 2 * kSumChains terms is kept as kSumChains partial
/// sums (term k in chain k mod kSumChains), added pairwise at the end: one
/// chain of dependent adds or fused multiply-adds waits for each result (4
/// cycles), while a core starts two per cycle. Four chains of two rows of
/// a chunk keep both units busy and fit AVX2's 16 registers.
constexpr size_t kSumChains = 4;

/// Evaluates one formula op on the values of its operands. Fails for ops
/// without a numeric meaning (kred.var, the derivative ops) and for operand
/// values whose sizes disagree with the op's types.
llvm::FailureOr<FormulaVector>
evaluateFormulaOp(mlir::Operation *op,
                  llvm::ArrayRef<FormulaVector> operandValues);

/// Whether every op of `op`'s formula can be computed (has a
/// FormulaOpInterface); reports the first that cannot, on it.
llvm::LogicalResult checkComputable(ReduceOp op);

inline FormulaVector computeOp(FormulaOpInterface op, Float64Algebra &,
                               llvm::ArrayRef<FormulaVector> operands) {
  return op.evaluate(operands);
}
inline Lanes computeOp(FormulaOpInterface op, LaneBuilder &builder,
                       llvm::ArrayRef<Lanes> operands) {
  return op.emitLanes(builder, operands);
}

/// Computes the formula of `op` (which passed checkComputable) with
/// `algebra`; `varValue(var)` gives each kred.var's value. Returns the
/// yielded values: F, then G for weighted reductions.
template <typename Algebra>
llvm::SmallVector<typename Algebra::Vector, 2> computeFormula(
    ReduceOp op, Algebra &algebra,
    llvm::function_ref<typename Algebra::Vector(VarOp)> varValue) {
  using Vector = typename Algebra::Vector;
  llvm::DenseMap<mlir::Value, Vector> values;
  for (mlir::Operation &inner : op.getBody().front()) {
    // Unused values (an alias the formula never reads) cost nothing.
    if (inner.getNumResults() == 1 && inner.use_empty())
      continue;
    if (auto var = llvm::dyn_cast<VarOp>(inner)) {
      values[var.getResult()] = varValue(var);
      continue;
    }
    if (auto yield = llvm::dyn_cast<YieldOp>(inner)) {
      llvm::SmallVector<Vector, 2> yielded;
      for (mlir::Value v : yield.getValues())
        yielded.push_back(values.lookup(v));
      return yielded;
    }
    llvm::SmallVector<Vector, 3> operands;
    for (mlir::Value v : inner.getOperands())
      operands.push_back(values.lookup(v));
    values[inner.getResult(0)] =
        computeOp(llvm::cast<FormulaOpInterface>(inner), algebra, operands);
  }
  return {};
}

} // namespace kred

#endif // KRED_DIALECT_KRED_IR_KREDEVALUATE_H
