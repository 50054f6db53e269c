//===- ApproximateMath.cpp - vectorizable exp2 and friends ----------------===//
//
// 2^(x*c), for exp2 (c = 1), exp (c = log2 e) and exp2 of a product by a
// constant (what kred-fast-math makes of exp(-d / s)):
//   clamp x so that x*c stays in [-160, 130] (beyond, the result is 0 or
//     +inf anyway); NaN passes the clamp unchanged
//   t = x*c + M, with M = 1.5 * 2^m + B (m mantissa bits): the addition
//     rounds x*c to the nearest integer n, which lands in t's low bits
//   f = x*c - (t - M), in [-1/2, 1/2] (a fused multiply-add: exact)
//   2^f by a polynomial, 2^n from t's bits shifted into the exponent field
// The polynomial's degree is the smallest that keeps results within 2 ulp:
// f32 uses a degree-6 minimax polynomial (relative error 2.0e-9 = 0.03 ulp;
// degree 5 has 1.5 ulp, 2.02 ulp after rounding), f64 the Taylor polynomial
// of degree 13 (truncation 4.1e-18); scripts/fit_exp2_polynomial.py.
// When the IR proves x*c <= 0 (exp(-|x - y|^2), exp(x - max(x, m)), ...),
// or at most offset - 2 (a minimum with a constant: the terms of an
// exponential sum up to kShiftSlack above its shift), one scaling does:
// B = bias + 64 (f32) or + 512 (f64) keeps 2^(n + offset) normal from
// n = -160 up, and the polynomial's coefficients carry the 2^-offset, so
// that one multiplication rounds subnormal results once.
// There, on AVX-512's 16 x f32, a table of 2^(k/16) in one register takes
// 3 of the polynomial's 6 fused multiply-adds (the kernels of Gaussian type
// are bound by those): n counts sixteenths, k = n mod 16 picks the table's
// lane (VPERMD on t's bits), whose bits plus n's upper bits shifted into the
// exponent field are 2^(n/16 + offset), and 2^f/16 on [-1/32, 1/32] takes a
// degree-3 polynomial (1.64 ulp with the table's and the product's
// roundings). AVX2's 8 x f32 count eighths: degree 4, 2 fewer, 1.57 ulp.
// Otherwise 2^n is applied as two normal halves (2^(n>>1), 2^(n - (n>>1))),
// or, with `avx512`, by one VSCALEF on 16 x f32 / 8 x f64 vectors. NaN flows
// through the arithmetic: no per-element check. The constant c is rounded
// to the float type, which adds a relative |x*c| * 2^-24 (f32) at most.
//
//===----------------------------------------------------------------------===//

#include "kred/Transforms/Passes.h"
#include "kred/Transforms/SignAnalysis.h"

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

/// How 2^(x*c) is computed in one float type (see the top of the file).
struct Exp2Format {
  int mantissaBits;
  int64_t bias;
  /// Exponents kept by the clamp: 2^lowest rounds to 0, 2^highest to inf.
  double lowest, highest;
  /// 2^offset keeps 2^(n + offset) normal for n in [lowest, 0].
  int offset;
  SmallVector<double> coefficients; // of 2^f on [-1/2, 1/2], c0 first
};

/// 2^(x*c) under one scaling with a table of 2^(k/L) in one register of L
/// 32-bit lanes (see the top of the file).
struct Exp2Table {
  int64_t size, sizeBits;
  /// Of 2^(f/L) on [-1/2, 1/2], c0 first: minimax, rounded to f32
  /// (scripts/fit_exp2_polynomial.py --table L DEGREE).
  ArrayRef<double> coefficients;
  /// VPERMD: lane l of the result is lane index[l] mod L of the table.
  StringLiteral permute;
};

constexpr double kSixteenthsCoefficients[] = {
    1.0, 0.043321698904037476, 0.0009384151780977845, 1.3550326002587099e-05};
constexpr double kEighthsCoefficients[] = {
    1.0, 0.08664339780807495, 0.0037535391747951508, 0.0001084191317204386,
    2.348059979340178e-06};

/// The table that 2^(x*c) on `type` takes: under one scaling, on 16 x f32
/// lanes with AVX-512 or 8 x f32 lanes with AVX2.
std::optional<Exp2Table> getExp2Table(Type type, bool oneScaling,
                                      bool avx512, bool avx2) {
  auto vector = dyn_cast<VectorType>(type);
  if (!oneScaling || !vector || vector.getRank() != 1 ||
      !vector.getElementType().isF32())
    return std::nullopt;
  if (avx512 && vector.getNumElements() == 16)
    return Exp2Table{16, 4, kSixteenthsCoefficients,
                     "llvm.x86.avx512.permvar.si.512"};
  if (avx2 && vector.getNumElements() == 8)
    return Exp2Table{8, 3, kEighthsCoefficients, "llvm.x86.avx2.permd"};
  return std::nullopt;
}

Exp2Format getExp2Format(FloatType type) {
  if (type.isF32())
    // Minimax on [-1/2, 1/2] with c0 = 1, rounded to f32
    // (scripts/fit_exp2_polynomial.py).
    return {23, 127, -160.0, 130.0, 64,
            {1.0, 0.6931471824645996, 0.24022647738456726,
             0.055503323674201965, 0.00961843691766262,
             0.0013398875016719103, 0.0001535336341476068}};
  Exp2Format f64{52, 1023, -1080.0, 1030.0, 512, {}};
  for (int n = 0; n <= 13; ++n)
    f64.coefficients.push_back(std::pow(M_LN2, n) / std::tgamma(n + 1.0));
  return f64;
}

/// select(x < lo, lo, x): NaN stays NaN (and x86 makes it one MAXPS).
Value clampBelow(OpBuilder &b, Location loc, Value x, Value lo) {
  Value below = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, lo);
  return arith::SelectOp::create(b, loc, below, lo, x);
}

/// select(x > hi, hi, x): NaN stays NaN (one MINPS on x86).
Value clampAbove(OpBuilder &b, Location loc, Value x, Value hi) {
  Value above = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, hi);
  return arith::SelectOp::create(b, loc, above, hi, x);
}

/// The polynomial in Horner form, every coefficient times `scale`.
Value buildPolynomial(OpBuilder &b, Location loc, Value f,
                      ArrayRef<double> coefficients, double scale) {
  Type type = f.getType();
  auto contract = arith::FastMathFlags::contract;
  Value p = floatConst(b, loc, type, coefficients.back() * scale);
  for (double c : llvm::reverse(coefficients.drop_back()))
    p = arith::AddFOp::create(b, loc,
                              arith::MulFOp::create(b, loc, p, f, contract),
                              floatConst(b, loc, type, c * scale), contract);
  return p;
}

/// Clamps x so that x * factor stays within the format's exponent range;
/// the upper bound only where the product may be positive.
Value clampExponent(OpBuilder &b, Location loc, Value x, double factor,
                    const Exp2Format &format, bool oneScaling) {
  Type type = x.getType();
  double lo = format.lowest / factor, hi = format.highest / factor;
  if (factor < 0)
    std::swap(lo, hi);
  if (!oneScaling || factor > 0)
    x = clampBelow(b, loc, x, floatConst(b, loc, type, lo));
  if (!oneScaling || factor < 0)
    x = clampAbove(b, loc, x, floatConst(b, loc, type, hi));
  return x;
}

/// p * 2^n, where t = n + m holds n (plus bias + offset when `oneScaling`)
/// in its low bits.
Value scaleByPowerOfTwo(OpBuilder &b, Location loc, Value p, Value t, Value n,
                        Value m, const Exp2Format &format, bool oneScaling,
                        bool avx512) {
  Type type = p.getType();
  if (!oneScaling && avx512)
    if (std::optional<StringRef> intrinsic = getScaleIntrinsic(type)) {
      int64_t lanes = cast<VectorType>(type).getNumElements();
      Value allLanes = arith::ConstantOp::create(
          b, loc, b.getIntegerAttr(b.getIntegerType(lanes), -1));
      // Rounding mode 4: the current one (MXCSR).
      Value rounding =
          arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(4));
      return LLVM::CallIntrinsicOp::create(
                 b, loc, type, b.getStringAttr(*intrinsic),
                 ValueRange{p, n, p, allLanes, rounding})
          .getResult(0);
    }
  Type intElement = b.getIntegerType(format.mantissaBits == 23 ? 32 : 64);
  Type intType = intElement;
  if (auto vector = dyn_cast<VectorType>(type))
    intType = vector.clone(intElement);
  auto intConst = [&](int64_t v) {
    return splatLike(b, loc, intType, b.getIntegerAttr(intElement, v));
  };
  auto shiftIntoExponent = [&](Value bits) {
    return arith::BitcastOp::create(
        b, loc, type,
        arith::ShLIOp::create(b, loc, bits, intConst(format.mantissaBits)));
  };
  Value tBits = arith::BitcastOp::create(b, loc, intType, t);
  if (oneScaling)
    return arith::MulFOp::create(b, loc, p, shiftIntoExponent(tBits));
  // Two halves of n, each a normal power of two.
  Value mBits = arith::BitcastOp::create(b, loc, intType, m);
  Value ni = arith::SubIOp::create(b, loc, tBits, mBits);
  Value half = arith::ShRSIOp::create(b, loc, ni, intConst(1));
  Value rest = arith::SubIOp::create(b, loc, ni, half);
  auto scaleOf = [&](Value e) {
    return shiftIntoExponent(
        arith::AddIOp::create(b, loc, e, intConst(format.bias)));
  };
  Value r = arith::MulFOp::create(b, loc, p, scaleOf(half));
  return arith::MulFOp::create(b, loc, r, scaleOf(rest));
}

/// p * 2^(n/L), where t = n/L + m holds n + L * offset in its low bits:
/// the table's lane n mod L holds the bits of 2^(k/L) less k shifted like
/// n, so that adding t's bits shifted up makes the exponent field's
/// bias + offset + floor(n/L).
Value scaleByTable(OpBuilder &b, Location loc, Value p, Value t,
                   const Exp2Table &table) {
  auto intType = cast<VectorType>(p.getType()).clone(b.getI32Type());
  int64_t shift = 23 - table.sizeBits;
  SmallVector<int32_t> entries;
  for (int64_t k = 0; k < table.size; ++k) {
    auto power =
        static_cast<float>(std::exp2(static_cast<double>(k) / table.size));
    entries.push_back(
        static_cast<int32_t>(llvm::bit_cast<uint32_t>(power) - (k << shift)));
  }
  Value entriesConst = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(intType, ArrayRef<int32_t>(entries)));
  Value tBits = arith::BitcastOp::create(b, loc, intType, t);
  // VPERMD reads the index's low bits: k.
  Value picked = LLVM::CallIntrinsicOp::create(
                     b, loc, intType, b.getStringAttr(table.permute),
                     ValueRange{entriesConst, tBits})
                     .getResult(0);
  Value exponent = arith::ShLIOp::create(
      b, loc, tBits, splatLike(b, loc, intType, b.getI32IntegerAttr(shift)));
  Value scale = arith::BitcastOp::create(
      b, loc, p.getType(), arith::AddIOp::create(b, loc, picked, exponent));
  return arith::MulFOp::create(b, loc, p, scale);
}

/// 2^(x * c) (`c` absent: 2^x) as described at the top of the file.
Value buildExp2(OpBuilder &b, Location loc, Value x, std::optional<double> c,
                bool oneScaling, bool avx512, bool avx2) {
  Type type = x.getType();
  Exp2Format format = getExp2Format(getF32OrF64(type));
  x = clampExponent(b, loc, x, c.value_or(1.0), format, oneScaling);
  // With a table, n counts L-ths and the entries hold the bias.
  std::optional<Exp2Table> table =
      getExp2Table(type, oneScaling, avx512, avx2);
  int64_t steps = table ? table->size : 1;
  if (table)
    c = c.value_or(1.0) * steps;
  // x*c + a, fused (c absent: x + a): f = x*c - n is exact.
  auto timesPlus = [&](Value a) -> Value {
    if (!c)
      return arith::AddFOp::create(b, loc, x, a);
    return math::FmaOp::create(b, loc, x, floatConst(b, loc, type, *c), a);
  };
  int64_t offset = oneScaling ? format.offset : 0;
  int64_t bias = oneScaling && !table ? format.bias : 0;
  double magic =
      1.5 * std::ldexp(1.0, format.mantissaBits) + steps * (bias + offset);
  Value m = floatConst(b, loc, type, magic);
  Value t = timesPlus(m);
  Value n = arith::SubFOp::create(b, loc, t, m);
  Value f = c ? timesPlus(arith::NegFOp::create(b, loc, n))
              : arith::SubFOp::create(b, loc, x, n).getResult();
  ArrayRef<double> coefficients = format.coefficients;
  if (table)
    coefficients = table->coefficients;
  Value p = buildPolynomial(b, loc, f, coefficients, std::ldexp(1.0, -offset));
  if (table)
    return scaleByTable(b, loc, p, t, *table);
  return scaleByPowerOfTwo(b, loc, p, t, n, m, format, oneScaling, avx512);
}

/// Whether one exponent scaling covers exp2(x) (exp(x) where `natural`):
/// x in base 2 at most the offset less 2, so that 2^(n + offset) stays
/// normal - x <= 0 (the IR proves the sign) or bounded by a minimum
/// (exponential sums' terms up to kShiftSlack above their shift).
bool hasOneScalingRange(Value x, bool natural) {
  std::optional<double> bound = kred::getUpperBound(x);
  if (!bound)
    return false;
  Exp2Format format = getExp2Format(getF32OrF64(x.getType()));
  return *bound * (natural ? M_LOG2E : 1.0) <= format.offset - 2;
}

/// exp2(x), exp2(c y) and exp(x) = exp2(x log2(e)) as buildExp2 builds them.
template <typename ExpOpTy>
struct ExpApproximation : OpRewritePattern<ExpOpTy> {
  ExpApproximation(MLIRContext *context, bool avx512, bool avx2)
      : OpRewritePattern<ExpOpTy>(context), avx512(avx512), avx2(avx2) {}
  bool avx512, avx2;
  LogicalResult matchAndRewrite(ExpOpTy op,
                                PatternRewriter &rewriter) const override {
    if (!getF32OrF64(op.getType()))
      return failure();
    Value x = op.getOperand();
    bool oneScaling =
        hasOneScalingRange(x, std::is_same_v<ExpOpTy, math::ExpOp>);
    std::optional<double> c;
    if constexpr (std::is_same_v<ExpOpTy, math::ExpOp>)
      c = M_LOG2E;
    else if (auto scaled = kred::matchScaled(x))
      std::tie(x, c) = *scaled;
    rewriter.replaceOp(op, buildExp2(rewriter, op.getLoc(), x, c, oneScaling,
                                     avx512, avx2));
    return success();
  }
};

struct ApproximateMathPass
    : kred::impl::KredApproximateMathBase<ApproximateMathPass> {
  KRED_PASS_TARGET_OPTIONS(ApproximateMathPass, KRED_CPU_PIPELINE_OPTIONS,
                           CpuTargetOptions)

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    const kred::CpuTargetOptions &target = getTargetOptions();
    patterns.add<ExpApproximation<math::Exp2Op>, ExpApproximation<math::ExpOp>>(
        &getContext(), target.avx512 > 0, target.avx2 > 0);
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

std::unique_ptr<Pass>
kred::createKredApproximateMath(const CpuTargetOptions &options) {
  return std::make_unique<ApproximateMathPass>(options);
}
