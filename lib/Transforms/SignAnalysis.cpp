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

/// Calls `visit` on each lane of a float constant; false for another
/// attribute.
bool forEachFloat(Attribute attr,
                  llvm::function_ref<void(const APFloat &)> visit) {
  if (auto scalar = dyn_cast<FloatAttr>(attr))
    visit(scalar.getValue());
  else if (auto dense = dyn_cast<DenseFPElementsAttr>(attr))
    for (const APFloat &v : dense.getValues<APFloat>())
      visit(v);
  else
    return false;
  return true;
}

Sign ofConstant(Attribute attr) {
  bool nonNegative = true, nonPositive = true;
  if (!forEachFloat(attr, [&](const APFloat &v) {
        nonNegative &= !v.isNegative() || v.isZero();
        nonPositive &= v.isNegative() || v.isZero();
      }))
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

std::optional<std::pair<Value, double>> kred::matchScaled(Value product) {
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return std::nullopt;
  for (auto [x, c] : {std::pair(mul.getLhs(), mul.getRhs()),
                      std::pair(mul.getRhs(), mul.getLhs())}) {
    SplatElementsAttr splat;
    FloatAttr scalar;
    if (matchPattern(c, m_Constant(&splat)))
      return std::pair(x, splat.getSplatValue<APFloat>().convertToDouble());
    if (matchPattern(c, m_Constant(&scalar)))
      return std::pair(x, scalar.getValueAsDouble());
  }
  return std::nullopt;
}

namespace {

/// The largest lane of a float constant (none with a NaN lane).
std::optional<double> getLargest(Attribute attr) {
  std::optional<double> largest;
  bool nan = false;
  forEachFloat(attr, [&](const APFloat &v) {
    nan |= v.isNaN();
    largest = std::max(largest.value_or(-INFINITY), v.convertToDouble());
  });
  return nan ? std::nullopt : largest;
}

/// The smaller and the larger of two bounds; the smaller where either is
/// known, the larger where both are.
std::optional<double> lower(std::optional<double> a, std::optional<double> b) {
  if (a && b)
    return std::min(*a, *b);
  return a ? a : b;
}
std::optional<double> higher(std::optional<double> a, std::optional<double> b) {
  if (a && b)
    return std::max(*a, *b);
  return std::nullopt;
}

/// Each value's bound once, and one sign cache for the whole walk.
struct BoundWalk {
  llvm::DenseMap<Value, std::optional<double>> bounds;
  SignCache signs;

  std::optional<double> bound(Value value, int depth) {
    Attribute constant;
    if (matchPattern(value, m_Constant(&constant)))
      return getLargest(constant);
    Operation *op = value.getDefiningOp();
    if (!op || depth <= 0)
      return std::nullopt;
    if (auto known = bounds.find(value); known != bounds.end())
      return known->second;
    std::optional<double> result = boundOf(op, depth - 1);
    if (!result && getSign(value, 256, signs) == Sign::NonPositive)
      result = 0.0;
    return bounds[value] = result;
  }

  std::optional<double> boundOf(Operation *op, int depth) {
    auto operand = [&](unsigned i) { return bound(op->getOperand(i), depth); };
    if (isa<arith::MinNumFOp, arith::MinimumFOp>(op))
      return lower(operand(0), operand(1));
    if (isa<arith::MaxNumFOp, arith::MaximumFOp>(op))
      return higher(operand(0), operand(1));
    // x * c, c >= 0 (exp(x) as exp2(x log2 e)).
    if (auto scaled = matchScaled(op->getResult(0));
        scaled && scaled->second >= 0)
      if (std::optional<double> b = bound(scaled->first, depth))
        return *b * scaled->second;
    if (auto select = dyn_cast<arith::SelectOp>(op)) {
      // select(x > c, c, x): min(x, c).
      auto above = select.getCondition().getDefiningOp<arith::CmpFOp>();
      if (above && select.getFalseValue() == above.getLhs() &&
          select.getTrueValue() == above.getRhs() &&
          (above.getPredicate() == arith::CmpFPredicate::OGT ||
           above.getPredicate() == arith::CmpFPredicate::OGE))
        return lower(bound(above.getRhs(), depth),
                     bound(above.getLhs(), depth));
      return higher(bound(select.getTrueValue(), depth),
                    bound(select.getFalseValue(), depth));
    }
    return std::nullopt;
  }
};

} // namespace

std::optional<double> kred::getUpperBound(Value value, int depth) {
  return BoundWalk().bound(value, depth);
}
