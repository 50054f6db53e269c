//===- SignAnalysis.cpp - the sign of a float value, when the IR proves it ===//

#include "kred/Transforms/SignAnalysis.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace kred;

namespace {

Sign negate(Sign s) {
  return s == Sign::NonNegative   ? Sign::NonPositive
         : s == Sign::NonPositive ? Sign::NonNegative
                                  : Sign::Unknown;
}

Sign ofSum(Sign a, Sign b) { return a == b ? a : Sign::Unknown; }

Sign ofProduct(Sign a, Sign b) {
  if (a == Sign::Unknown || b == Sign::Unknown)
    return Sign::Unknown;
  return a == b ? Sign::NonNegative : Sign::NonPositive;
}

Sign ofConstant(Attribute attr) {
  bool nonNegative = true, nonPositive = true;
  auto visit = [&](const APFloat &v) {
    nonNegative &= !v.isNegative() || v.isZero();
    nonPositive &= v.isNegative() || v.isZero();
  };
  if (auto scalar = dyn_cast<FloatAttr>(attr))
    visit(scalar.getValue());
  else if (auto dense = dyn_cast<DenseFPElementsAttr>(attr))
    for (const APFloat &v : dense.getValues<APFloat>())
      visit(v);
  else
    return Sign::Unknown;
  return nonNegative ? Sign::NonNegative
         : nonPositive ? Sign::NonPositive
                       : Sign::Unknown;
}

/// `max` is max(a, b) (NaN-dropping or NaN-propagating) with `a` an operand.
bool isMaximumOf(Value max, Value a) {
  Operation *op = max.getDefiningOp();
  if (!isa_and_nonnull<arith::MaxNumFOp, arith::MaximumFOp>(op))
    return false;
  return op->getOperand(0) == a || op->getOperand(1) == a;
}

using SignCache = llvm::DenseMap<Value, Sign>;

Sign getSign(Value value, int depth, SignCache &cache);

/// The sign of `op`'s result from its operands' (`sign`).
Sign getResultSign(Operation *op, llvm::function_ref<Sign(Value)> sign) {
  return llvm::TypeSwitch<Operation *, Sign>(op)
      .Case<math::ExpOp, math::Exp2Op, math::SqrtOp, math::AbsFOp>(
          [](auto) { return Sign::NonNegative; })
      .Case([&](arith::MulFOp mul) {
        if (mul.getLhs() == mul.getRhs())
          return Sign::NonNegative;
        return ofProduct(sign(mul.getLhs()), sign(mul.getRhs()));
      })
      .Case([&](arith::DivFOp div) {
        return ofProduct(sign(div.getLhs()), sign(div.getRhs()));
      })
      .Case([&](math::FmaOp fma) {
        Sign product = fma.getA() == fma.getB()
                           ? Sign::NonNegative
                           : ofProduct(sign(fma.getA()), sign(fma.getB()));
        return ofSum(product, sign(fma.getC()));
      })
      .Case([&](arith::AddFOp add) {
        return ofSum(sign(add.getLhs()), sign(add.getRhs()));
      })
      .Case([&](arith::SubFOp sub) {
        if (isMaximumOf(sub.getRhs(), sub.getLhs()))
          return Sign::NonPositive; // a - max(a, b)
        return ofSum(sign(sub.getLhs()), negate(sign(sub.getRhs())));
      })
      .Case([&](arith::NegFOp neg) { return negate(sign(neg.getOperand())); })
      .Case<arith::MaxNumFOp, arith::MaximumFOp>([&](auto max) {
        Sign a = sign(max.getLhs()), b = sign(max.getRhs());
        if (a == Sign::NonNegative || b == Sign::NonNegative)
          return Sign::NonNegative;
        return ofSum(a, b);
      })
      .Case<arith::MinNumFOp, arith::MinimumFOp>([&](auto min) {
        Sign a = sign(min.getLhs()), b = sign(min.getRhs());
        if (a == Sign::NonPositive || b == Sign::NonPositive)
          return Sign::NonPositive;
        return ofSum(a, b);
      })
      .Case([&](arith::SelectOp select) {
        return ofSum(sign(select.getTrueValue()), sign(select.getFalseValue()));
      })
      .Case<vector::BroadcastOp, vector::ExtractOp, arith::ExtFOp,
            arith::TruncFOp>(
          [&](Operation *op) { return sign(op->getOperand(0)); })
      .Case([&](vector::ReductionOp reduction) {
        if (reduction.getKind() != vector::CombiningKind::ADD)
          return Sign::Unknown;
        Sign s = sign(reduction.getVector());
        return reduction.getAcc() ? ofSum(s, sign(reduction.getAcc())) : s;
      })
      .Default([](Operation *) { return Sign::Unknown; });
}

Sign getSign(Value value, int depth, SignCache &cache) {
  Attribute constant;
  if (matchPattern(value, m_Constant(&constant)))
    return ofConstant(constant);
  Operation *op = value.getDefiningOp();
  if (!op || depth <= 0)
    return Sign::Unknown;
  if (auto known = cache.find(value); known != cache.end())
    return known->second;
  Sign result = getResultSign(
      op, [&](Value v) { return getSign(v, depth - 1, cache); });
  cache[value] = result;
  return result;
}

} // namespace

Sign kred::getKnownSign(Value value, int depth) {
  SignCache cache;
  return getSign(value, depth, cache);
}

/// The largest lane of a float constant (none with a NaN lane).
static std::optional<double> getLargest(Attribute attr) {
  std::optional<double> largest;
  bool nan = false;
  auto visit = [&](const APFloat &v) {
    nan |= v.isNaN();
    largest = std::max(largest.value_or(-INFINITY), v.convertToDouble());
  };
  if (auto scalar = dyn_cast<FloatAttr>(attr))
    visit(scalar.getValue());
  else if (auto dense = dyn_cast<DenseFPElementsAttr>(attr))
    for (const APFloat &v : dense.getValues<APFloat>())
      visit(v);
  return nan ? std::nullopt : largest;
}

/// The value of every lane of a float constant, if one.
static std::optional<double> getSplatValue(Value value) {
  FloatAttr scalar;
  if (matchPattern(value, m_Constant(&scalar)))
    return scalar.getValueAsDouble();
  SplatElementsAttr splat;
  if (matchPattern(value, m_Constant(&splat)) &&
      isa<FloatType>(splat.getElementType()))
    return splat.getSplatValue<APFloat>().convertToDouble();
  return std::nullopt;
}

/// The smaller of two bounds, either of which may be absent.
static std::optional<double> lower(std::optional<double> a,
                                   std::optional<double> b) {
  if (a && b)
    return std::min(*a, *b);
  return a ? a : b;
}

std::optional<double> kred::getUpperBound(Value value, int depth) {
  Attribute constant;
  if (matchPattern(value, m_Constant(&constant)))
    return getLargest(constant);
  Operation *op = value.getDefiningOp();
  if (!op || depth <= 0)
    return std::nullopt;
  auto bound = [&](Value v) { return getUpperBound(v, depth - 1); };
  if (isa<arith::MinNumFOp, arith::MinimumFOp>(op))
    return lower(bound(op->getOperand(0)), bound(op->getOperand(1)));
  if (auto mul = dyn_cast<arith::MulFOp>(op)) {
    // x * c, c one value >= 0 (exp(x) as exp2(x log2 e)).
    for (auto [x, c] : {std::pair(mul.getLhs(), mul.getRhs()),
                        std::pair(mul.getRhs(), mul.getLhs())}) {
      std::optional<double> factor = getSplatValue(c);
      if (factor && *factor >= 0)
        if (std::optional<double> b = bound(x))
          return *b * *factor;
    }
  }
  if (isa<arith::MaxNumFOp, arith::MaximumFOp>(op)) {
    std::optional<double> a = bound(op->getOperand(0)),
                          b = bound(op->getOperand(1));
    if (a && b)
      return std::max(*a, *b);
  }
  if (auto select = dyn_cast<arith::SelectOp>(op)) {
    // select(x > c, c, x): min(x, c).
    auto above = select.getCondition().getDefiningOp<arith::CmpFOp>();
    if (above && select.getFalseValue() == above.getLhs() &&
        select.getTrueValue() == above.getRhs() &&
        (above.getPredicate() == arith::CmpFPredicate::OGT ||
         above.getPredicate() == arith::CmpFPredicate::OGE))
      return lower(bound(above.getRhs()), bound(above.getLhs()));
    std::optional<double> t = bound(select.getTrueValue()),
                          f = bound(select.getFalseValue());
    if (t && f)
      return std::max(*t, *f);
  }
  if (getKnownSign(value) == Sign::NonPositive)
    return 0.0;
  return std::nullopt;
}
