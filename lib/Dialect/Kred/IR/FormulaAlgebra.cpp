//===- FormulaAlgebra.cpp - float64 values and lane-group code ------------===//

#include "kred/Dialect/Kred/IR/FormulaAlgebra.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace kred;

//===----------------------------------------------------------------------===//
// Float64Algebra
//===----------------------------------------------------------------------===//

bool Float64Algebra::cmp(CmpFPredicate predicate, double a, double c) {
  bool unordered = std::isnan(a) || std::isnan(c);
  switch (predicate) {
  case CmpFPredicate::AlwaysFalse: return false;
  case CmpFPredicate::AlwaysTrue: return true;
  case CmpFPredicate::OEQ: return a == c;
  case CmpFPredicate::OGT: return a > c;
  case CmpFPredicate::OGE: return a >= c;
  case CmpFPredicate::OLT: return a < c;
  case CmpFPredicate::OLE: return a <= c;
  case CmpFPredicate::ONE: return !unordered && a != c;
  case CmpFPredicate::ORD: return !unordered;
  case CmpFPredicate::UEQ: return unordered || a == c;
  case CmpFPredicate::UGT: return unordered || a > c;
  case CmpFPredicate::UGE: return unordered || a >= c;
  case CmpFPredicate::ULT: return unordered || a < c;
  case CmpFPredicate::ULE: return unordered || a <= c;
  case CmpFPredicate::UNE: return a != c;
  case CmpFPredicate::UNO: return unordered;
  }
  llvm_unreachable("unknown predicate");
}

double Float64Algebra::minimum(double a, double c) {
  return std::isnan(a) || std::isnan(c) ? std::nan("") : std::fmin(a, c);
}

double Float64Algebra::maximum(double a, double c) {
  return std::isnan(a) || std::isnan(c) ? std::nan("") : std::fmax(a, c);
}

//===----------------------------------------------------------------------===//
// LaneBuilder
//===----------------------------------------------------------------------===//

/// Lets LLVM fuse multiplies and adds, and nothing else: NaN and infinities
/// keep their IEEE meaning.
static arith::FastMathFlagsAttr contractFlags(OpBuilder &b) {
  return arith::FastMathFlagsAttr::get(b.getContext(),
                                       arith::FastMathFlags::contract);
}

Type LaneBuilder::getType(Type element) {
  if (isScalar())
    return element;
  return VectorType::get({width}, element);
}

Value LaneBuilder::cst(double value) {
  TypedAttr scalar = b.getFloatAttr(elementType, value);
  if (isScalar())
    return arith::ConstantOp::create(b, loc, scalar);
  return arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(cast<ShapedType>(getType()),
                             cast<FloatAttr>(scalar).getValue()));
}

Value LaneBuilder::broadcast(Value scalar) {
  if (isScalar() || isa<VectorType>(scalar.getType()))
    return scalar;
  return vector::BroadcastOp::create(b, loc, getType(scalar.getType()),
                                     scalar);
}

Value LaneBuilder::add(Value a, Value c) {
  return arith::AddFOp::create(b, loc, a, c, contractFlags(b));
}
Value LaneBuilder::sub(Value a, Value c) {
  return arith::SubFOp::create(b, loc, a, c, contractFlags(b));
}
Value LaneBuilder::mul(Value a, Value c) {
  return arith::MulFOp::create(b, loc, a, c, contractFlags(b));
}
Value LaneBuilder::div(Value a, Value c) {
  return arith::DivFOp::create(b, loc, a, c);
}
Value LaneBuilder::neg(Value a) { return arith::NegFOp::create(b, loc, a); }
Value LaneBuilder::mulAdd(Value a, Value c, Value d) {
  return add(mul(a, c), d);
}
Value LaneBuilder::cmp(CmpFPredicate predicate, Value a, Value c) {
  return arith::CmpFOp::create(b, loc, predicate, a, c);
}
Value LaneBuilder::select(Value condition, Value a, Value c) {
  return arith::SelectOp::create(b, loc, condition, a, c);
}
Value LaneBuilder::isNaN(Value a) { return cmp(CmpFPredicate::UNO, a, a); }

/// On vector lanes, as x86's MINPS/MAXPS compute (the second operand
/// where either is NaN), then x where x is NaN: three instructions where
/// LLVM lowers arith.minimumf to seven (a NaN test of each operand and a
/// signed-zero fix-up; the sign of a zero result is not specified here).
/// Single lanes (the GPU's threads) keep arith.minimumf, one PTX
/// instruction.
static Value extremum(LaneBuilder &l, bool isMin, Value x, Value y) {
  Value firstWins = l.cmp(isMin ? CmpFPredicate::OLT : CmpFPredicate::OGT, x, y);
  return l.select(l.isNaN(x), x, l.select(firstWins, x, y));
}

Value LaneBuilder::minimum(Value x, Value y) {
  if (width <= 1)
    return arith::MinimumFOp::create(b, loc, x, y);
  return extremum(*this, true, x, y);
}

Value LaneBuilder::maximum(Value x, Value y) {
  if (width <= 1)
    return arith::MaximumFOp::create(b, loc, x, y);
  return extremum(*this, false, x, y);
}

Value LaneBuilder::negate(Value a) {
  Type i1 = b.getI1Type();
  Value ones = arith::ConstantOp::create(
      b, loc,
      isScalar() ? TypedAttr(b.getBoolAttr(true))
                 : DenseElementsAttr::get(cast<ShapedType>(getType(i1)), true));
  return arith::XOrIOp::create(b, loc, a, ones);
}

Value LaneBuilder::index(int64_t value) {
  Type i64 = b.getI64Type();
  if (isScalar())
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(value));
  return arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(cast<ShapedType>(getType(i64)),
                             b.getI64IntegerAttr(value).getValue()));
}
