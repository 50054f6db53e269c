//===- KredOps.h - ops of the kred dialect ----------------------*- C++ -*-===//

#ifndef KRED_DIALECT_KRED_IR_KREDOPS_H
#define KRED_DIALECT_KRED_IR_KREDOPS_H

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

/// Reductions that sum terms (and so take an accumulator type and scheme).
bool isSummation(ReductionKind kind);
/// Reductions parameterized by K (k_min, arg_k_min, k_min_arg_k_min).
bool needsK(ReductionKind kind);
/// Reductions that yield a weight formula G after the formula F.
bool isWeighted(ReductionKind kind);
/// Reductions that are defined for scalar formulas only.
bool needsScalarFormula(ReductionKind kind);

/// What a min/max-type reduction (min, max, their arg and K versions)
/// computes: whether it orders by minimum, and whether it outputs values,
/// indices or both (values first).
struct ExtremumTraits {
  bool isMin;
  bool withValues;
  bool withIndices;
};
std::optional<ExtremumTraits> getExtremumTraits(ReductionKind kind);

/// One output of a reduction: its last dimension, and whether it holds i64
/// indices rather than values.
struct ReductionOutputSpec {
  int64_t dim;
  bool isIndex;
};

/// The outputs of reduction `kind` for a formula of dimension `formulaDim`,
/// a weight of dimension `weightDim` and parameter `k`.
llvm::SmallVector<ReductionOutputSpec, 2>
getReductionOutputSpecs(ReductionKind kind, int64_t formulaDim,
                        int64_t weightDim, int64_t k);

/// The scalar formula type `vector<1 x T>` with the element type of
/// `valueType`, a formula value type.
mlir::VectorType getScalarType(mlir::Type valueType);

/// The dimension D of a formula value of type `vector<D x T>`.
int64_t getFormulaDim(mlir::Value value);

/// Infers the type of a componentwise op whose operands have dimension D or
/// 1; reports a mismatch at `loc`, naming `opName` and the operand.
llvm::LogicalResult
inferBroadcastType(std::optional<mlir::Location> loc, llvm::StringRef opName,
                   mlir::ValueRange operands,
                   llvm::SmallVectorImpl<mlir::Type> &inferredTypes);

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

} // namespace kred

#define GET_OP_CLASSES
#include "kred/Dialect/Kred/IR/KredOps.h.inc"

#endif // KRED_DIALECT_KRED_IR_KREDOPS_H
