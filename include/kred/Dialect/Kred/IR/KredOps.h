//===- KredOps.h - ops of the kred dialect ----------------------*- C++ -*-===//

#ifndef KRED_DIALECT_KRED_IR_KREDOPS_H
#define KRED_DIALECT_KRED_IR_KREDOPS_H

#include "kred/Dialect/Kred/IR/DimRules.h"
#include "kred/Dialect/Kred/IR/FormulaAlgebra.h"
#include "kred/Dialect/Kred/IR/KredDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "kred/Dialect/Kred/IR/KredEnums.h.inc"
#include "kred/Dialect/Kred/IR/ReductionKinds.h"

namespace kred {
class DerivativeBuilder;
} // namespace kred

#include "kred/Dialect/Kred/IR/KredInterfaces.h.inc"

namespace kred {

/// The largest dimension a formula op's attribute may create (KeOps formulas
/// work on small vectors; this keeps folding and code size bounded).
constexpr int64_t kMaxFormulaDim = 1 << 16;

/// Vector constants the CPU's exp keeps live in each lane group (clamp bound,
/// scale, rounding constant and a degree-6 polynomial; see
/// kred-approximate-math): what the tiling budgets for an exp.
constexpr unsigned kExpLaneConstants = 10;

/// The scalar formula type `vector<1 x T>` with the element type of
/// `valueType`, a formula value type.
mlir::VectorType getScalarType(mlir::Type valueType);

/// The dimension D of a formula value of type `vector<D x T>`.
int64_t getFormulaDim(mlir::Value value);

/// The constant attribute of formula type `type` holding `values`, each
/// rounded to the element type.
mlir::DenseFPElementsAttr getFormulaConstant(mlir::VectorType type,
                                             llvm::ArrayRef<double> values);

/// For each output component of a bilinear op (matvecmult, vecmatmult,
/// tensorprod, tensordot, kron), the (lhs, rhs) component pairs whose
/// products sum to it.
using BilinearTerms =
    llvm::SmallVector<llvm::SmallVector<std::pair<int64_t, int64_t>, 4>>;
std::optional<BilinearTerms> getBilinearTerms(mlir::Operation *op);

/// Folds `op` to a constant when all its operands are constants, by
/// evaluating it (FormulaOpInterface); returns null otherwise.
mlir::OpFoldResult foldByEvaluation(mlir::Operation *op,
                                    llvm::ArrayRef<mlir::Attribute> operands);

/// Identity folds (ODS `identityFold`). `x op c` (and `c op x` when
/// `commutative`) is x when c is the splat `neutral` and no broadcast changes
/// x's type; `constants` are the operands' constant attributes (or null).
mlir::Value foldNeutral(mlir::Operation *op,
                        llvm::ArrayRef<mlir::Attribute> constants,
                        double neutral, bool commutative);
template <typename Adaptor>
mlir::Value foldNeutral(mlir::Operation *op, Adaptor adaptor, double neutral,
                        bool commutative) {
  return foldNeutral(op, adaptor.getOperands(), neutral, commutative);
}
/// f(g(y)) is y when g is the inverse of f (InnerOp).
template <typename InnerOp>
mlir::Value foldInverse(mlir::Value x) {
  auto inner = x.getDefiningOp<InnerOp>();
  return inner ? inner->getOperand(0) : mlir::Value();
}

} // namespace kred

#define GET_OP_CLASSES
#include "kred/Dialect/Kred/IR/KredOps.h.inc"

#endif // KRED_DIALECT_KRED_IR_KREDOPS_H
