//===- LaneBuilder.h - vector code over lanes of j --------------*- C++ -*-===//
//
// Internal to kred-lower-to-loops. A formula value of dimension D is lowered
// to D vectors (`Lanes`) of W lanes: lane l of component d holds component d
// of the value for the pair (i, j0 + l). Componentwise formula ops become
// vector ops, and the vector unit is full whatever D is.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_TRANSFORMS_LANEBUILDER_H
#define KRED_LIB_TRANSFORMS_LANEBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

namespace kred {

/// One vector per component of a formula value.
using Lanes = llvm::SmallVector<mlir::Value, 4>;

/// Emits arithmetic on vectors of `width` lanes of `elementType`.
class LaneBuilder {
public:
  LaneBuilder(mlir::OpBuilder &builder, mlir::Location loc,
              mlir::FloatType elementType, int64_t width)
      : b(builder), loc(loc), elementType(elementType), width(width) {}

  mlir::OpBuilder &builder() { return b; }
  mlir::Location getLoc() { return loc; }
  mlir::FloatType getElementType() { return elementType; }
  int64_t getWidth() { return width; }
  mlir::VectorType getType() {
    return mlir::VectorType::get({width}, elementType);
  }

  /// All lanes equal to `value` / to the scalar SSA value `scalar`.
  mlir::Value splat(double value);
  mlir::Value broadcast(mlir::Value scalar);

  mlir::Value add(mlir::Value a, mlir::Value c);
  mlir::Value sub(mlir::Value a, mlir::Value c);
  mlir::Value mul(mlir::Value a, mlir::Value c);
  mlir::Value div(mlir::Value a, mlir::Value c);
  mlir::Value neg(mlir::Value a);
  /// a * c + d, which LLVM contracts into a fused multiply-add.
  mlir::Value mulAdd(mlir::Value a, mlir::Value c, mlir::Value d);
  mlir::Value cmp(mlir::arith::CmpFPredicate predicate, mlir::Value a,
                  mlir::Value c);
  mlir::Value select(mlir::Value condition, mlir::Value a, mlir::Value c);
  /// Lanes where `a` is NaN.
  mlir::Value isNaN(mlir::Value a);
  /// Applies a unary op `OpTy` (a math or arith op) to every lane.
  template <typename OpTy>
  mlir::Value apply(mlir::Value a) {
    return OpTy::create(b, loc, a);
  }

private:
  mlir::OpBuilder &b;
  mlir::Location loc;
  mlir::FloatType elementType;
  int64_t width;
};

/// Lowers one formula op to lanes, given the lanes of its operands (in the
/// op's operand order); reports unsupported ops on the op and fails.
llvm::FailureOr<Lanes> lowerFormulaOp(mlir::Operation *op,
                                      llvm::ArrayRef<Lanes> operands,
                                      LaneBuilder &lanes);

} // namespace kred

#endif // KRED_LIB_TRANSFORMS_LANEBUILDER_H
