//===- Differentiation.h - derivatives of formulas, from op rules -*- C++ -*-===//
//
// Reverse-mode differentiation of a formula (the ops of one kred.reduce
// region) through each op's DifferentiableOpInterface rule, and the KeOps
// derivative operators built on it: Grad, Diff (the transpose of a reverse
// product), Divergence and Laplacian. Used by the kred-autodiff pass and by
// the rules of composite ops.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_KRED_IR_DIFFERENTIATION_H
#define KRED_DIALECT_KRED_IR_DIFFERENTIATION_H

#include "kred/Dialect/Kred/IR/KredOps.h"

#include "mlir/IR/Builders.h"

namespace kred {

/// Builds the kred ops of derivative formulas at one insertion point.
class DerivativeBuilder {
public:
  DerivativeBuilder(mlir::OpBuilder &builder, mlir::Location loc)
      : b(builder), loc(loc) {}

  /// A constant of dimension `dim` (every component `value`) with the
  /// element type of `like`.
  mlir::Value cst(mlir::Value like, double value, int64_t dim = 1);
  mlir::Value zerosLike(mlir::Value like) {
    return cst(like, 0.0, getFormulaDim(like));
  }
  mlir::Value add(mlir::Value x, mlir::Value y);
  mlir::Value sub(mlir::Value x, mlir::Value y);
  mlir::Value mul(mlir::Value x, mlir::Value y);
  mlir::Value div(mlir::Value x, mlir::Value y);
  mlir::Value neg(mlir::Value x);
  /// 1 where `x predicate y` holds, else 0.
  mlir::Value where(CmpPredicate predicate, mlir::Value x, mlir::Value y);
  template <typename OpTy, typename... Args>
  mlir::Value create(Args &&...args) {
    return OpTy::create(b, loc, std::forward<Args>(args)...).getResult();
  }

  mlir::OpBuilder &b;
  mlir::Location loc;
};

/// `cotangent` times the Jacobian of `f` with respect to `wrt` (both values
/// of one formula region; `cotangent` of f's dimension): the ops are built
/// at the builder's insertion point. Zero (a constant) when f does not
/// depend on wrt; failure, with a diagnostic naming the op, when an op on
/// the way has no derivative rule.
llvm::FailureOr<mlir::Value> buildGradient(DerivativeBuilder &builder,
                                           mlir::Value f, mlir::Value wrt,
                                           mlir::Value cotangent);

/// The Jacobian of `f` with respect to `wrt` applied to `direction`.
llvm::FailureOr<mlir::Value> buildDirectionalDerivative(
    DerivativeBuilder &builder, mlir::Value f, mlir::Value wrt,
    mlir::Value direction);

/// sum_k d f_k / d wrt_k (f of wrt's dimension).
llvm::FailureOr<mlir::Value> buildDivergence(DerivativeBuilder &builder,
                                             mlir::Value f, mlir::Value wrt);

/// sum_k d^2 f / d wrt_k^2 (f scalar).
llvm::FailureOr<mlir::Value> buildLaplacian(DerivativeBuilder &builder,
                                            mlir::Value f, mlir::Value wrt);

/// Replaces a derivative op (kred.grad, kred.diff, kred.divergence,
/// kred.laplacian) by the plain ops of its derivative.
llvm::LogicalResult expandDerivative(mlir::Operation *op);

/// Expands every derivative op under `root`, innermost first, then drops
/// the formula ops nothing uses (variables stay: they define the kernel's
/// arguments).
llvm::LogicalResult expandDerivatives(mlir::Operation *root);

} // namespace kred

#endif // KRED_DIALECT_KRED_IR_DIFFERENTIATION_H
