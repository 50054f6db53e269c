//===- SemanticsArithmetic.cpp - what arithmetic formula ops compute ------===//
//
// Conventions (IEEE unless stated): comparisons are false on NaN except !=
// (as in C); rsqrt(0) = 0, sign(NaN) = 0 and step(NaN) = 1 (KeOps: they
// are comparisons); if_else takes the first branch when c >= 0; integer
// powers use square-and-multiply (log2 n multiplies, so folding
// Pow(x, 2^62) stays instant).
//
//===----------------------------------------------------------------------===//

#include "FormulaSemantics.h"

using namespace mlir;
using namespace kred;
using namespace kred::semantics;
using CP = CmpFPredicate;

//===----------------------------------------------------------------------===//
// The constant
//===----------------------------------------------------------------------===//

template <typename A>
static Vec<A> computeConstantOp(ConstantOp op, A &a, Args<A>) {
  Vec<A> out;
  for (APFloat v :
       cast<DenseFPElementsAttr>(op.getValue()).getValues<APFloat>()) {
    bool losesInfo;
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
    out.push_back(a.cst(v.convertToDouble()));
  }
  return out;
}
KRED_SEMANTICS(ConstantOp, computeConstantOp)

//===----------------------------------------------------------------------===//
// Binary and ternary ops
//===----------------------------------------------------------------------===//

KRED_BINARY_SEMANTICS(AddOp, a.add(x, y))
KRED_BINARY_SEMANTICS(SubOp, a.sub(x, y))
KRED_BINARY_SEMANTICS(MulOp, a.mul(x, y))
KRED_BINARY_SEMANTICS(DivOp, a.div(x, y))
KRED_BINARY_SEMANTICS(Atan2Op, a.atan2(x, y))
KRED_BINARY_SEMANTICS(PowfOp, a.powf(x, y))

static CP getFloatPredicate(CmpPredicate predicate) {
  switch (predicate) {
  case CmpPredicate::eq: return CP::OEQ;
  case CmpPredicate::ne: return CP::UNE;
  case CmpPredicate::lt: return CP::OLT;
  case CmpPredicate::le: return CP::OLE;
  case CmpPredicate::gt: return CP::OGT;
  case CmpPredicate::ge: return CP::OGE;
  }
  llvm_unreachable("unknown predicate");
}
KRED_BINARY_SEMANTICS(
    CmpOp, boolToFloat(a, a.cmp(getFloatPredicate(op.getPredicate()), x, y)))

template <typename A>
static Scalar<A> clamp(A &a, Scalar<A> x, Scalar<A> lo, Scalar<A> hi) {
  Scalar<A> upper = a.select(a.cmp(CP::OGT, x, hi), hi, x);
  return a.select(a.cmp(CP::OLT, x, lo), lo, upper);
}
KRED_TERNARY_SEMANTICS(ClampOp, clamp(a, x, y, z))
KRED_TERNARY_SEMANTICS(IfElseOp, a.select(a.cmp(CP::OGE, x, a.cst(0.0)), y, z))
// x - n * floor((x - d) / n), with x, n, d the three operands.
KRED_TERNARY_SEMANTICS(ModOp,
                       a.sub(x, a.mul(y, a.floor(a.div(a.sub(x, z), y)))))

//===----------------------------------------------------------------------===//
// Unary ops
//===----------------------------------------------------------------------===//

KRED_UNARY_SEMANTICS(MinusOp, a.neg(x))
KRED_UNARY_SEMANTICS(InvOp, a.div(a.cst(1.0), x))
KRED_UNARY_SEMANTICS(SquareOp, a.mul(x, x))
KRED_UNARY_SEMANTICS(SqrtOp, a.sqrt(x))
KRED_UNARY_SEMANTICS(RsqrtOp,
                     a.select(a.cmp(CP::OEQ, x, a.cst(0.0)), a.cst(0.0),
                              a.div(a.cst(1.0), a.sqrt(x))))
KRED_UNARY_SEMANTICS(AbsOp, a.abs(x))
KRED_UNARY_SEMANTICS(
    SignOp, a.select(a.cmp(CP::OGT, x, a.cst(0.0)), a.cst(1.0),
                     a.select(a.cmp(CP::OLT, x, a.cst(0.0)), a.cst(-1.0),
                              a.cst(0.0))))
KRED_UNARY_SEMANTICS(StepOp, a.select(a.cmp(CP::OLT, x, a.cst(0.0)),
                                      a.cst(0.0), a.cst(1.0)))
KRED_UNARY_SEMANTICS(ReluOp,
                     a.select(a.cmp(CP::OLT, x, a.cst(0.0)), a.cst(0.0), x))
KRED_UNARY_SEMANTICS(FloorOp, a.floor(x))

/// x^n by square-and-multiply.
template <typename A>
static Scalar<A> intPow(A &a, Scalar<A> x, int64_t n) {
  if (n < 0) {
    // -n overflows for the most negative n: x^n = x^(n+1) / x.
    if (n == std::numeric_limits<int64_t>::min())
      return a.div(intPow(a, x, n + 1), x);
    return a.div(a.cst(1.0), intPow(a, x, -n));
  }
  std::optional<Scalar<A>> result;
  Scalar<A> power = x;
  for (int64_t e = n; e > 0; e >>= 1) {
    if (e & 1)
      result = result ? a.mul(*result, power) : power;
    if (e > 1)
      power = a.mul(power, power);
  }
  return result ? *result : a.cst(1.0);
}
KRED_UNARY_SEMANTICS(PowOp,
                     intPow(a, x, static_cast<int64_t>(op.getExponent())))

template <typename A>
static Scalar<A> roundTo(A &a, Scalar<A> x, int64_t decimals) {
  if (decimals == 0)
    return a.round(x);
  Scalar<A> scale = a.cst(std::pow(10.0, static_cast<double>(decimals)));
  return a.div(a.round(a.mul(x, scale)), scale);
}
KRED_UNARY_SEMANTICS(RoundOp,
                     roundTo(a, x, static_cast<int64_t>(op.getDecimals())))
KRED_UNARY_SEMANTICS(
    ClampIntOp,
    clamp(a, x, a.cst(static_cast<double>(static_cast<int64_t>(op.getMin()))),
          a.cst(static_cast<double>(static_cast<int64_t>(op.getMax())))))

//===----------------------------------------------------------------------===//
// Derivative rules, written as KeOps 2.3 writes them so that singular and
// non-smooth points give KeOps' numbers (test_keops_reference.py): sqrt'
// is rsqrt / 2 (0 at 0, where rsqrt(0) = 0), relu' is step (1 at 0), |x|'
// is sign (0 at 0), clamp passes the gradient unless x < lo or x > hi (so
// at both kinks and for NaN), if_else routes it to the taken branch, mod's
// jumps are ignored.
//===----------------------------------------------------------------------===//

/// 1 unless x < lo or x > hi: KeOps' DiffClampInt.
static Value insideClamp(DerivativeBuilder &d, Value x, Value lo, Value hi) {
  Value one = d.cst(x, 1.0);
  return d.mul(d.sub(one, d.where(CmpPredicate::lt, x, lo)),
               d.sub(one, d.where(CmpPredicate::gt, x, hi)));
}

KRED_VJP(AddOp, g, g)
KRED_VJP(SubOp, g, d.neg(g))
KRED_VJP(MulOp, d.mul(g, y), d.mul(g, x))
KRED_VJP(DivOp, d.div(g, y),
         d.neg(d.div(d.mul(x, g), d.create<SquareOp>(y))))

// A vector divided by a broadcast scalar: KeOps divides the whole gradient
// by the scalar's square, (grad(x, y g) - grad(y, <g, x>)) / y^2.
FailureOr<Value> DivOp::buildWholeGradient(
    DerivativeBuilder &d, Value g,
    function_ref<FailureOr<Value>(Value, Value)> gradientOf) {
  Value x = getLhs(), y = getRhs();
  if (getFormulaDim(y) != 1 || getFormulaDim(x) == 1)
    return Value();
  FailureOr<Value> viaX = gradientOf(x, d.mul(y, g));
  if (failed(viaX))
    return failure();
  FailureOr<Value> viaY = gradientOf(y, d.create<ScalprodOp>(g, x));
  if (failed(viaY))
    return failure();
  return d.div(d.sub(*viaX, *viaY), d.create<SquareOp>(y));
}
// atan2(x, y): d/dx = y / (x^2 + y^2), d/dy = -x / (x^2 + y^2).
KRED_VJP(Atan2Op,
         d.mul(g, d.div(y, d.add(d.mul(x, x), d.mul(y, y)))),
         d.neg(d.mul(g, d.div(x, d.add(d.mul(x, x), d.mul(y, y))))))
KRED_VJP(PowfOp,
         d.mul(g, d.mul(y, d.create<PowfOp>(x, d.sub(y, d.cst(y, 1.0))))),
         d.mul(g, d.mul(r, d.create<LogOp>(x))))
KRED_ZERO_VJP(CmpOp)
KRED_VJP(ClampOp, d.mul(g, insideClamp(d, x, y, z)),
         d.mul(g, d.where(CmpPredicate::lt, x, y)),
         d.mul(g, d.where(CmpPredicate::gt, x, z)))

// KeOps differentiates clamp(x, a, b) as its rescaled form
// clamp_int((x - a) / (b - a), 0, 1) * (b - a) + a: the same where
// a < b, NaN where b - a is 0 or infinite (kred matches it there too).
FailureOr<Value> ClampOp::buildWholeGradient(
    DerivativeBuilder &d, Value g,
    function_ref<FailureOr<Value>(Value, Value)> gradientOf) {
  Value width = d.sub(getZ(), getY());
  Value unit = d.create<ClampIntOp>(d.div(d.sub(getX(), getY()), width),
                                    int64_t(0), int64_t(1));
  return gradientOf(d.add(d.mul(unit, width), getY()), g);
}
KRED_VJP(IfElseOp, Value(), d.create<IfElseOp>(x, g, d.zerosLike(g)),
         d.create<IfElseOp>(x, d.zerosLike(g), g))

// KeOps selects between the branches' whole gradients: an untaken branch
// whose derivative is infinite adds nothing (the cotangent rule above would
// multiply it by 0). Where the condition's dimension is neither 1 nor the
// variable's, the selection cannot be made per component: the rule above.
FailureOr<Value> IfElseOp::buildWholeGradient(
    DerivativeBuilder &d, Value g,
    function_ref<FailureOr<Value>(Value, Value)> gradientOf) {
  FailureOr<Value> taken = gradientOf(getY(), g);
  if (failed(taken))
    return failure();
  FailureOr<Value> other = gradientOf(getZ(), g);
  if (failed(other))
    return failure();
  int64_t conditionDim = getFormulaDim(getX());
  if (conditionDim != 1 && conditionDim != getFormulaDim(*taken))
    return Value();
  return d.create<IfElseOp>(getX(), *taken, *other);
}
KRED_VJP(ModOp, g,
         d.neg(d.mul(g, d.create<FloorOp>(d.div(d.sub(x, z), y)))), Value())

KRED_VJP(MinusOp, d.neg(g))
KRED_VJP(InvOp, d.neg(d.mul(g, d.mul(r, r))))
KRED_VJP(SquareOp, d.mul(g, d.mul(d.cst(x, 2.0), x)))
KRED_VJP(SqrtOp, d.mul(g, d.mul(d.cst(x, 0.5), d.create<RsqrtOp>(x))))
// rsqrt(x) = x^(-1/2): derivative -r^3 / 2 (0 at x = 0, where r = 0).
KRED_VJP(RsqrtOp, d.mul(g, d.mul(d.cst(r, -0.5), d.mul(r, d.mul(r, r)))))
KRED_VJP(AbsOp, d.mul(g, d.create<SignOp>(x)))
KRED_ZERO_VJP(SignOp)
KRED_ZERO_VJP(StepOp)
KRED_VJP(ReluOp, d.mul(g, d.create<StepOp>(x)))
KRED_ZERO_VJP(FloorOp)
KRED_VJP(PowOp,
         op.getExponent() == 0
             ? Value()
             : d.mul(g, d.mul(d.cst(x, static_cast<double>(
                                           static_cast<int64_t>(
                                               op.getExponent()))),
                              d.create<PowOp>(
                                  x, static_cast<int64_t>(op.getExponent()) -
                                         1))))
KRED_ZERO_VJP(RoundOp)
KRED_VJP(ClampIntOp,
         d.mul(g, insideClamp(
                      d, x,
                      d.cst(x, static_cast<double>(
                                   static_cast<int64_t>(op.getMin()))),
                      d.cst(x, static_cast<double>(
                                   static_cast<int64_t>(op.getMax()))))))
