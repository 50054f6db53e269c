//===- KredEvaluate.cpp - checked evaluation of formula ops ---------------===//

#include "kred/Dialect/Kred/IR/KredEvaluate.h"
#include "kred/Dialect/Kred/IR/ReductionSemantics.h"

using namespace mlir;
using namespace kred;

FailureOr<FormulaVector>
kred::evaluateFormulaOp(Operation *op, ArrayRef<FormulaVector> args) {
  auto formulaOp = dyn_cast<FormulaOpInterface>(op);
  if (!formulaOp || args.size() != op->getNumOperands())
    return failure();
  for (auto [value, operand] : llvm::zip(args, op->getOperands()))
    if (static_cast<int64_t>(value.size()) != getFormulaDim(operand))
      return failure();
  return formulaOp.evaluate(args);
}

LogicalResult kred::checkComputable(ReduceOp op) {
  for (Operation &inner : op.getBody().front()) {
    if (isa<VarOp, YieldOp, FormulaOpInterface>(inner))
      continue;
    return inner.emitOpError("has no numeric meaning; derivative ops must be "
                             "expanded (by differentiation) before the formula "
                             "is computed");
  }
  return success();
}

ReductionSpec ReductionSpec::get(ReduceOp op) {
  Value weight = op.getWeightFormula();
  return ReductionSpec{op.getKind(), getFormulaDim(op.getFormula()),
                       weight ? getFormulaDim(weight) : 0,
                       op.getK() ? static_cast<int64_t>(*op.getK()) : 1};
}
