//===- ApproximateMath.cpp - vectorizable exp2 and friends ----------------===//
//
// 2^x = 2^k * 2^f with k = roundeven(x) and |f| <= 1/2. 2^f = exp(f ln 2) is
// its Taylor polynomial: the truncation error of degree n is below
// (ln2 / 2)^(n+1) / (n+1)!, i.e. 5.2e-9 for n = 7 (f32) and 4.1e-18 for
// n = 13 (f64), under one ulp; with Horner rounding the result is within
// 2 ulp. 2^k is applied as two exponent-field scalings (2^(k>>1) and
// 2^(k - (k>>1))), so that subnormal results and overflow to +inf come out
// of IEEE multiplication. With `avx512`, vectors of 16 f32 / 8 f64 lanes
// scale with one VSCALEF instruction instead (p * 2^k, exact in all ranges).
// exp(x) is exp2(x * log2(e)): the rounding of that product adds a relative
// error of at most |x| * 2^-24 (f32).
//
//===----------------------------------------------------------------------===//

#include "kred/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace kred {
#define GEN_PASS_DEF_KREDAPPROXIMATEMATH
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;

namespace {

/// The float type of a scalar or vector value, if f32 or f64.
FloatType getF32OrF64(Type type) {
  auto element = dyn_cast<FloatType>(getElementTypeOrSelf(type));
  return element && (element.isF32() || element.isF64()) ? element
                                                         : FloatType();
}

/// A constant of `type` (scalar or vector) equal to `value` everywhere.
Value splatLike(OpBuilder &b, Location loc, Type type, Attribute scalar) {
  if (auto vector = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vector, cast<TypedAttr>(scalar)));
  return arith::ConstantOp::create(b, loc, cast<TypedAttr>(scalar));
}

Value floatConst(OpBuilder &b, Location loc, Type type, double v) {
  return splatLike(b, loc, type,
                   b.getFloatAttr(getElementTypeOrSelf(type), v));
}

/// The AVX-512 intrinsic computing a * 2^floor(b) on `type`, if any.
std::optional<StringRef> getScaleIntrinsic(Type type) {
  auto vector = dyn_cast<VectorType>(type);
  if (!vector || vector.getRank() != 1)
    return std::nullopt;
  if (vector.getElementType().isF32() && vector.getNumElements() == 16)
    return StringRef("llvm.x86.avx512.mask.scalef.ps.512");
  if (vector.getElementType().isF64() && vector.getNumElements() == 8)
    return StringRef("llvm.x86.avx512.mask.scalef.pd.512");
  return std::nullopt;
}

/// The Taylor polynomial of 2^f for |f| <= 1/2 (Horner form).
Value buildExp2Polynomial(OpBuilder &b, Location loc, Value f, int degree) {
  Type type = f.getType();
  auto contract = arith::FastMathFlags::contract;
  Value p = floatConst(b, loc, type,
                       std::pow(M_LN2, degree) / std::tgamma(degree + 1.0));
  for (int n = degree - 1; n >= 0; --n) {
    Value c = floatConst(b, loc, type, std::pow(M_LN2, n) / std::tgamma(n + 1.0));
    p = arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, p, f, contract), c, contract);
  }
  return p;
}

/// 2^x with VSCALEF: k = roundeven(x) may be huge or infinite, the scaling
/// saturates to 0 / inf correctly; f is forced to 0 for infinite x (where
/// x - k is NaN), and NaN flows through f.
Value buildExp2WithScale(OpBuilder &b, Location loc, Value x,
                         StringRef intrinsic, int degree) {
  Type type = x.getType();
  Value k = math::RoundEvenOp::create(b, loc, x);
  Value f = arith::SubFOp::create(b, loc, x, k);
  Value integral = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x, k);
  f = arith::SelectOp::create(b, loc, integral, floatConst(b, loc, type, 0.0), f);
  Value p = buildExp2Polynomial(b, loc, f, degree);
  int64_t lanes = cast<VectorType>(type).getNumElements();
  Value allLanes = arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(b.getIntegerType(lanes), -1));
  // Rounding mode 4: the current one (MXCSR).
  Value rounding = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(4));
  return LLVM::CallIntrinsicOp::create(
             b, loc, type, b.getStringAttr(intrinsic),
             ValueRange{p, k, p, allLanes, rounding})
      .getResult(0);
}

/// 2^x, as described at the top of the file.
Value buildExp2(OpBuilder &b, Location loc, Value x, bool avx512) {
  Type type = x.getType();
  FloatType element = getF32OrF64(type);
  bool isF64 = element.isF64();
  int mantissaBits = isF64 ? 52 : 23;
  int64_t bias = isF64 ? 1023 : 127;
  // |k| stays within twice the exponent range, so both halves of the scale
  // are normal numbers; results beyond it are 0 or +inf anyway.
  double limit = isF64 ? 2000.0 : 250.0;
  int degree = isF64 ? 13 : 7;
  if (avx512)
    if (std::optional<StringRef> intrinsic = getScaleIntrinsic(type))
      return buildExp2WithScale(b, loc, x, *intrinsic, degree);

  Type intElement = b.getIntegerType(isF64 ? 64 : 32);
  Type intType = intElement;
  if (auto vector = dyn_cast<VectorType>(type))
    intType = vector.clone(intElement);
  auto intConst = [&](int64_t v) {
    return splatLike(b, loc, intType, b.getIntegerAttr(intElement, v));
  };

  // maxnum/minnum turn NaN into a bound, so the integer conversion below
  // is always defined; NaN is restored at the end.
  Value clamped = arith::MinNumFOp::create(
      b, loc, arith::MaxNumFOp::create(b, loc, x, floatConst(b, loc, type, -limit)),
      floatConst(b, loc, type, limit));
  Value k = math::RoundEvenOp::create(b, loc, clamped);
  Value f = arith::SubFOp::create(b, loc, clamped, k);

  Value p = buildExp2Polynomial(b, loc, f, degree);

  Value ki = arith::FPToSIOp::create(b, loc, intType, k);
  Value half = arith::ShRSIOp::create(b, loc, ki, intConst(1));
  Value rest = arith::SubIOp::create(b, loc, ki, half);
  auto scaleOf = [&](Value e) {
    Value bits = arith::ShLIOp::create(
        b, loc, arith::AddIOp::create(b, loc, e, intConst(bias)),
        intConst(mantissaBits));
    return arith::BitcastOp::create(b, loc, type, bits);
  };
  Value r = arith::MulFOp::create(b, loc, p, scaleOf(half));
  r = arith::MulFOp::create(b, loc, r, scaleOf(rest));
  Value isNaN = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
  return arith::SelectOp::create(b, loc, isNaN, x, r);
}

struct Exp2Approximation : OpRewritePattern<math::Exp2Op> {
  Exp2Approximation(MLIRContext *context, bool avx512)
      : OpRewritePattern(context), avx512(avx512) {}
  bool avx512;
  LogicalResult matchAndRewrite(math::Exp2Op op,
                                PatternRewriter &rewriter) const override {
    if (!getF32OrF64(op.getType()))
      return failure();
    rewriter.replaceOp(op, buildExp2(rewriter, op.getLoc(), op.getOperand(), avx512));
    return success();
  }
};

struct ExpApproximation : OpRewritePattern<math::ExpOp> {
  ExpApproximation(MLIRContext *context, bool avx512)
      : OpRewritePattern(context), avx512(avx512) {}
  bool avx512;
  LogicalResult matchAndRewrite(math::ExpOp op,
                                PatternRewriter &rewriter) const override {
    if (!getF32OrF64(op.getType()))
      return failure();
    Location loc = op.getLoc();
    Value scaled = arith::MulFOp::create(
        rewriter, loc, op.getOperand(),
        floatConst(rewriter, loc, op.getType(), M_LOG2E));
    rewriter.replaceOp(op, buildExp2(rewriter, loc, scaled, avx512));
    return success();
  }
};

struct ApproximateMathPass
    : kred::impl::KredApproximateMathBase<ApproximateMathPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<Exp2Approximation, ExpApproximation>(&getContext(), avx512);
    // MLIR's f32 approximations for the rest (exp is ours).
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) {
          return llvm::is_contained(
              {"math.log", "math.log2", "math.log1p",
               "math.atan", "math.atan2", "math.asin", "math.acos",
               "math.tanh", "math.erf"},
              name);
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
