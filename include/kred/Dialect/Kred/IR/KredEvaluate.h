//===- KredEvaluate.h - float64 semantics of formula ops --------*- C++ -*-===//
//
// The numeric meaning of every formula op, written plainly in float64. It is
// the single definition of what an op computes: constant folding uses it, and
// the reference evaluator that checks generated code is built on it.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_KRED_IR_KREDEVALUATE_H
#define KRED_DIALECT_KRED_IR_KREDEVALUATE_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"

namespace kred {

using FormulaVector = llvm::SmallVector<double, 8>;

/// Evaluates one formula op on the values of its operands. Fails for ops
/// without a pointwise numeric meaning (kred.var, the derivative ops) and
/// for operand values whose sizes disagree with the op's types.
llvm::FailureOr<FormulaVector>
evaluateFormulaOp(mlir::Operation *op,
                  llvm::ArrayRef<FormulaVector> operandValues);

} // namespace kred

#endif // KRED_DIALECT_KRED_IR_KREDEVALUATE_H
