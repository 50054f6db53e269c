//===- FormulaAlgebra.h - the two ways a formula is computed ----*- C++ -*-===//
//
// Each formula op's meaning is one template over an algebra (see
// KredInterfaces.td). Two algebras share one vocabulary:
//
// - Float64Algebra computes values: a scalar is a double, a condition a
//   bool. Constant folding and the reference evaluator use it.
// - LaneBuilder emits code: a scalar is an SSA value holding one "lane
//   group" (a scalar of the element type when the width is 0, a vector of
//   W lanes otherwise), a condition an i1 lane group. Code generators use
//   it: a CPU chunk computes W pairs (8 or 16 lanes), a GPU thread one pair
//   as a group of one lane (vector<1xT>, which NVPTX scalarizes).
//
// A formula value of dimension D is D scalars (`FormulaVector`, `Lanes`):
// componentwise ops then map onto lane-wise ops whatever D is.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_KRED_IR_FORMULAALGEBRA_H
#define KRED_DIALECT_KRED_IR_FORMULAALGEBRA_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallVector.h"

#include <cmath>

namespace kred {

using FormulaVector = llvm::SmallVector<double, 8>;
/// One lane group per component of a formula value.
using Lanes = llvm::SmallVector<mlir::Value, 4>;
using mlir::arith::CmpFPredicate;

/// The unary math functions both algebras have: X(name, math op, C function).
/// round rounds half-way cases away from zero in both.
#define KRED_UNARY_MATH(X)                                                     \
  X(exp, ExpOp, std::exp)                                                      \
  X(exp2, Exp2Op, std::exp2)                                                   \
  X(log, LogOp, std::log)                                                      \
  X(sin, SinOp, std::sin)                                                      \
  X(cos, CosOp, std::cos)                                                      \
  X(asin, AsinOp, std::asin)                                                   \
  X(acos, AcosOp, std::acos)                                                   \
  X(atan, AtanOp, std::atan)                                                   \
  X(sqrt, SqrtOp, std::sqrt)                                                   \
  X(abs, AbsFOp, std::fabs)                                                    \
  X(floor, FloorOp, std::floor)                                                \
  X(round, RoundOp, std::round)

/// Plain float64 arithmetic, IEEE semantics.
class Float64Algebra {
public:
  using Scalar = double;
  using Cond = bool;
  using Vector = FormulaVector;

  double cst(double value) { return value; }
  double add(double a, double c) { return a + c; }
  double sub(double a, double c) { return a - c; }
  double mul(double a, double c) { return a * c; }
  double div(double a, double c) { return a / c; }
  double neg(double a) { return -a; }
  double mulAdd(double a, double c, double d) { return a * c + d; }
  bool cmp(CmpFPredicate predicate, double a, double c);
  double select(bool condition, double a, double c) {
    return condition ? a : c;
  }
  bool isNaN(double a) { return std::isnan(a); }
#define KRED_FLOAT64_MATH(name, op, function)                                  \
  double name(double x) { return function(x); }
  KRED_UNARY_MATH(KRED_FLOAT64_MATH)
#undef KRED_FLOAT64_MATH
  double atan2(double y, double x) { return std::atan2(y, x); }
  double powf(double x, double y) { return std::pow(x, y); }
  /// NaN-propagating minimum and maximum (arith.minimumf, maximumf).
  double minimum(double a, double c);
  double maximum(double a, double c);
  // Conditions and indices (reductions with indices): an index is a double.
  bool both(bool a, bool c) { return a && c; }
  bool either(bool a, bool c) { return a || c; }
  bool negate(bool a) { return !a; }
  double index(int64_t value) { return static_cast<double>(value); }
  bool indexLess(double a, double c) { return a < c; }
};

/// Emits arithmetic on lane groups of `width` lanes (0: scalars) of
/// `elementType`.
class LaneBuilder {
public:
  using Scalar = mlir::Value;
  using Cond = mlir::Value;
  using Vector = Lanes;

  LaneBuilder(mlir::OpBuilder &builder, mlir::Location loc,
              mlir::FloatType elementType, int64_t width)
      : b(builder), loc(loc), elementType(elementType), width(width) {}

  mlir::OpBuilder &builder() { return b; }
  mlir::Location getLoc() { return loc; }
  mlir::FloatType getElementType() { return elementType; }
  int64_t getWidth() { return width; }
  bool isScalar() { return width == 0; }
  /// The type of one lane group: `elementType` or `vector<width x T>`.
  mlir::Type getType() { return getType(elementType); }
  /// The lane-group type with another element type (i1, i64, f64, ...).
  mlir::Type getType(mlir::Type element);

  /// All lanes equal to `value` / to the scalar SSA value `scalar`.
  mlir::Value cst(double value);
  mlir::Value splat(double value) { return cst(value); }
  mlir::Value broadcast(mlir::Value scalar);

  mlir::Value add(mlir::Value a, mlir::Value c);
  mlir::Value sub(mlir::Value a, mlir::Value c);
  mlir::Value mul(mlir::Value a, mlir::Value c);
  mlir::Value div(mlir::Value a, mlir::Value c);
  mlir::Value neg(mlir::Value a);
  /// a * c + d, which LLVM contracts into a fused multiply-add.
  mlir::Value mulAdd(mlir::Value a, mlir::Value c, mlir::Value d);
  mlir::Value cmp(CmpFPredicate predicate, mlir::Value a, mlir::Value c);
  mlir::Value select(mlir::Value condition, mlir::Value a, mlir::Value c);
  /// Lanes where `a` is NaN.
  mlir::Value isNaN(mlir::Value a);
#define KRED_LANE_MATH(name, op, function)                                     \
  mlir::Value name(mlir::Value x) { return apply<mlir::math::op>(x); }
  KRED_UNARY_MATH(KRED_LANE_MATH)
#undef KRED_LANE_MATH
  // Binary ops of one MLIR op each; `both` and `either` combine conditions
  // (reductions with indices: an index is an i64 lane group).
#define KRED_LANE_BINARY(name, op)                                             \
  mlir::Value name(mlir::Value x, mlir::Value y) {                             \
    return op::create(b, loc, x, y);                                           \
  }
  KRED_LANE_BINARY(atan2, mlir::math::Atan2Op)
  KRED_LANE_BINARY(powf, mlir::math::PowFOp)
  KRED_LANE_BINARY(both, mlir::arith::AndIOp)
  KRED_LANE_BINARY(either, mlir::arith::OrIOp)
#undef KRED_LANE_BINARY
  /// NaN-propagating minimum and maximum (arith.minimumf, maximumf).
  mlir::Value minimum(mlir::Value x, mlir::Value y);
  mlir::Value maximum(mlir::Value x, mlir::Value y);
  mlir::Value negate(mlir::Value a);
  mlir::Value index(int64_t value);
  mlir::Value indexLess(mlir::Value a, mlir::Value c) {
    return mlir::arith::CmpIOp::create(b, loc, mlir::arith::CmpIPredicate::slt,
                                       a, c);
  }
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

} // namespace kred

#endif // KRED_DIALECT_KRED_IR_FORMULAALGEBRA_H
