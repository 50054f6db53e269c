//===- FormulaToLanes.cpp - formula ops as vector code over lanes ---------===//
//
// Every formula op, lowered componentwise onto lanes. The float64 meaning of
// each op is KredEvaluate.cpp; the choices made there (rsqrt(0) = 0,
// sinxdivx(0) = 1, NaN-propagating sign and step, first index of ties, ...)
// are mirrored here op by op.
//
//===----------------------------------------------------------------------===//

#include "LaneBuilder.h"

#include "kred/Dialect/Kred/IR/KredOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace kred;
using arith::CmpFPredicate;

//===----------------------------------------------------------------------===//
// LaneBuilder
//===----------------------------------------------------------------------===//

/// Lets LLVM fuse multiplies and adds, and nothing else: NaN and infinities
/// keep their IEEE meaning.
static arith::FastMathFlagsAttr contractFlags(OpBuilder &b) {
  return arith::FastMathFlagsAttr::get(b.getContext(),
                                       arith::FastMathFlags::contract);
}

Value LaneBuilder::splat(double value) {
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(getType(), b.getFloatAttr(elementType,
                                                               value)
                                                    .getValue()));
}

Value LaneBuilder::broadcast(Value scalar) {
  return vector::BroadcastOp::create(b, loc, getType(), scalar);
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

//===----------------------------------------------------------------------===//
// Formula ops
//===----------------------------------------------------------------------===//

namespace {
/// Emits the ops of one formula op.
class FormulaLowering {
public:
  FormulaLowering(LaneBuilder &lanes, ArrayRef<Lanes> args)
      : l(lanes), args(args) {}

  FailureOr<Lanes> lower(Operation *op);

private:
  /// Component k of operand `n`, broadcasting dimension-1 operands.
  Value at(unsigned n, size_t k) {
    return args[n].size() == 1 ? args[n][0] : args[n][k];
  }
  size_t resultDim() {
    size_t dim = 1;
    for (const Lanes &a : args)
      dim = std::max(dim, a.size());
    return dim;
  }
  /// Applies `fn` componentwise over all operands, with broadcasting.
  template <typename Fn>
  Lanes map(Fn fn) {
    Lanes out;
    for (size_t k = 0, e = resultDim(); k < e; ++k) {
      if constexpr (std::is_invocable_v<Fn, Value>)
        out.push_back(fn(at(0, k)));
      else if constexpr (std::is_invocable_v<Fn, Value, Value>)
        out.push_back(fn(at(0, k), at(1, k)));
      else
        out.push_back(fn(at(0, k), at(1, k), at(2, k)));
    }
    return out;
  }
  template <typename OpTy>
  Lanes mapOp() {
    return map([&](Value x) { return l.apply<OpTy>(x); });
  }
  template <typename OpTy>
  Lanes mapBinaryOp() {
    return map([&](Value a, Value c) {
      return OpTy::create(l.builder(), l.getLoc(), a, c).getResult();
    });
  }
  Value boolToFloat(Value condition) {
    return l.select(condition, l.splat(1.0), l.splat(0.0));
  }
  Value sumOf(const Lanes &v) {
    Value s = v[0];
    for (size_t k = 1; k < v.size(); ++k)
      s = l.add(s, v[k]);
    return s;
  }
  Value sqNorm(const Lanes &v) {
    Value s = l.mul(v[0], v[0]);
    for (size_t k = 1; k < v.size(); ++k)
      s = l.mulAdd(v[k], v[k], s);
    return s;
  }
  Value weightedSqNorm(const Lanes &s, const Lanes &x);
  /// First extremum (and its index) of the components of `v`:
  /// `v[k]` replaces the best when `predicate(v[k], best)` holds.
  std::pair<Value, Value> extremum(const Lanes &v, CmpFPredicate predicate);
  Value intPow(Value x, int64_t n);

  LaneBuilder &l;
  ArrayRef<Lanes> args;
};
} // namespace

Value FormulaLowering::weightedSqNorm(const Lanes &s, const Lanes &x) {
  size_t d = x.size();
  if (s.size() == 1)
    return l.mul(s[0], sqNorm(x));
  Value r;
  auto accumulate = [&](Value term) { r = r ? l.add(r, term) : term; };
  if (s.size() == d) {
    for (size_t k = 0; k < d; ++k)
      accumulate(l.mul(l.mul(s[k], x[k]), x[k]));
    return r;
  }
  for (size_t a = 0; a < d; ++a)
    for (size_t c = 0; c < d; ++c)
      accumulate(l.mul(l.mul(x[a], s[a * d + c]), x[c]));
  return r;
}

std::pair<Value, Value> FormulaLowering::extremum(const Lanes &v,
                                                  CmpFPredicate predicate) {
  Value best = v[0], index = l.splat(0.0);
  for (size_t k = 1; k < v.size(); ++k) {
    Value better = l.cmp(predicate, v[k], best);
    best = l.select(better, v[k], best);
    index = l.select(better, l.splat(static_cast<double>(k)), index);
  }
  return {best, index};
}

Value FormulaLowering::intPow(Value x, int64_t n) {
  if (n < 0)
    return l.div(l.splat(1.0), intPow(x, -n));
  // Square-and-multiply: log2(n) multiplies.
  Value result, power = x;
  for (int64_t e = n; e > 0; e >>= 1) {
    if (e & 1)
      result = result ? l.mul(result, power) : power;
    if (e > 1)
      power = l.mul(power, power);
  }
  return result ? result : l.splat(1.0);
}

FailureOr<Lanes> FormulaLowering::lower(Operation *op) {
  if (std::optional<BilinearTerms> terms = getBilinearTerms(op)) {
    Lanes out;
    for (const auto &component : *terms) {
      Value acc;
      for (auto [a, c] : component)
        acc = acc ? l.mulAdd(args[0][a], args[1][c], acc)
                  : l.mul(args[0][a], args[1][c]);
      out.push_back(acc ? acc : l.splat(0.0));
    }
    return out;
  }

  using CP = CmpFPredicate;
  auto scalar = [](Value v) { return Lanes{v}; };
  std::optional<Lanes> result =
      llvm::TypeSwitch<Operation *, std::optional<Lanes>>(op)
          .Case([&](ConstantOp c) {
            Lanes out;
            for (APFloat v : cast<DenseFPElementsAttr>(c.getValue())
                                 .getValues<APFloat>()) {
              bool losesInfo;
              v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                        &losesInfo);
              out.push_back(l.splat(v.convertToDouble()));
            }
            return out;
          })
          // Arithmetic.
          .Case([&](AddOp) { return map([&](Value a, Value c) { return l.add(a, c); }); })
          .Case([&](SubOp) { return map([&](Value a, Value c) { return l.sub(a, c); }); })
          .Case([&](MulOp) { return map([&](Value a, Value c) { return l.mul(a, c); }); })
          .Case([&](DivOp) { return map([&](Value a, Value c) { return l.div(a, c); }); })
          .Case([&](Atan2Op) { return mapBinaryOp<math::Atan2Op>(); })
          .Case([&](PowfOp) { return mapBinaryOp<math::PowFOp>(); })
          .Case([&](CmpOp cmp) {
            // NaN compares unequal to everything, as in C.
            CP predicate = CP::OEQ;
            switch (cmp.getPredicate()) {
            case CmpPredicate::eq: predicate = CP::OEQ; break;
            case CmpPredicate::ne: predicate = CP::UNE; break;
            case CmpPredicate::lt: predicate = CP::OLT; break;
            case CmpPredicate::le: predicate = CP::OLE; break;
            case CmpPredicate::gt: predicate = CP::OGT; break;
            case CmpPredicate::ge: predicate = CP::OGE; break;
            }
            return map([&](Value a, Value c) {
              return boolToFloat(l.cmp(predicate, a, c));
            });
          })
          .Case([&](MinusOp) { return map([&](Value x) { return l.neg(x); }); })
          .Case([&](InvOp) {
            return map([&](Value x) { return l.div(l.splat(1.0), x); });
          })
          .Case([&](SquareOp) { return map([&](Value x) { return l.mul(x, x); }); })
          .Case([&](SqrtOp) { return mapOp<math::SqrtOp>(); })
          .Case([&](RsqrtOp) {
            return map([&](Value x) {
              Value r = l.div(l.splat(1.0), l.apply<math::SqrtOp>(x));
              return l.select(l.cmp(CP::OEQ, x, l.splat(0.0)), l.splat(0.0), r);
            });
          })
          .Case([&](AbsOp) { return mapOp<math::AbsFOp>(); })
          .Case([&](SignOp) {
            // x * 0 is 0 for finite x and NaN for NaN.
            return map([&](Value x) {
              Value zeroOrNaN = l.mul(x, l.splat(0.0));
              Value negative = l.select(l.cmp(CP::OLT, x, l.splat(0.0)),
                                        l.splat(-1.0), zeroOrNaN);
              return l.select(l.cmp(CP::OGT, x, l.splat(0.0)), l.splat(1.0),
                              negative);
            });
          })
          .Case([&](StepOp) {
            return map([&](Value x) {
              Value oneOrNaN = l.select(l.isNaN(x), x, l.splat(1.0));
              return l.select(l.cmp(CP::OLT, x, l.splat(0.0)), l.splat(0.0),
                              oneOrNaN);
            });
          })
          .Case([&](ReluOp) {
            return map([&](Value x) {
              return l.select(l.cmp(CP::OLT, x, l.splat(0.0)), l.splat(0.0), x);
            });
          })
          .Case([&](FloorOp) { return mapOp<math::FloorOp>(); })
          .Case([&](PowOp p) {
            int64_t n = static_cast<int64_t>(p.getExponent());
            return map([&](Value x) { return intPow(x, n); });
          })
          .Case([&](RoundOp r) {
            int64_t decimals = static_cast<int64_t>(r.getDecimals());
            double scale = std::pow(10.0, static_cast<double>(decimals));
            return map([&](Value x) {
              if (decimals == 0)
                return l.apply<math::RoundOp>(x);
              Value scaled = l.apply<math::RoundOp>(l.mul(x, l.splat(scale)));
              return l.div(scaled, l.splat(scale));
            });
          })
          .Case([&](ClampIntOp c) {
            Value lo = l.splat(static_cast<double>(static_cast<int64_t>(c.getMin())));
            Value hi = l.splat(static_cast<double>(static_cast<int64_t>(c.getMax())));
            return map([&](Value x) {
              Value upper = l.select(l.cmp(CP::OGT, x, hi), hi, x);
              return l.select(l.cmp(CP::OLT, x, lo), lo, upper);
            });
          })
          .Case([&](ClampOp) {
            return map([&](Value x, Value lo, Value hi) {
              Value upper = l.select(l.cmp(CP::OGT, x, hi), hi, x);
              return l.select(l.cmp(CP::OLT, x, lo), lo, upper);
            });
          })
          .Case([&](IfElseOp) {
            return map([&](Value c, Value a, Value e) {
              return l.select(l.cmp(CP::OGE, c, l.splat(0.0)), a, e);
            });
          })
          .Case([&](ModOp) {
            return map([&](Value x, Value n, Value d) {
              Value q = l.apply<math::FloorOp>(l.div(l.sub(x, d), n));
              return l.sub(x, l.mul(n, q));
            });
          })
          // Transcendental functions.
          .Case([&](ExpOp) { return mapOp<math::ExpOp>(); })
          .Case([&](Exp2Op) { return mapOp<math::Exp2Op>(); })
          .Case([&](LogOp) { return mapOp<math::LogOp>(); })
          .Case([&](XLogXOp) {
            return map([&](Value x) {
              Value r = l.mul(x, l.apply<math::LogOp>(x));
              return l.select(l.cmp(CP::OEQ, x, l.splat(0.0)), l.splat(0.0), r);
            });
          })
          .Case([&](SinOp) { return mapOp<math::SinOp>(); })
          .Case([&](CosOp) { return mapOp<math::CosOp>(); })
          .Case([&](AsinOp) { return mapOp<math::AsinOp>(); })
          .Case([&](AcosOp) { return mapOp<math::AcosOp>(); })
          .Case([&](AtanOp) { return mapOp<math::AtanOp>(); })
          .Case([&](SinXDivXOp) {
            return map([&](Value x) {
              Value r = l.div(l.apply<math::SinOp>(x), x);
              return l.select(l.cmp(CP::OEQ, x, l.splat(0.0)), l.splat(1.0), r);
            });
          })
          // Vector ops.
          .Case([&](SqNorm2Op) { return scalar(sqNorm(args[0])); })
          .Case([&](Norm2Op) { return scalar(l.apply<math::SqrtOp>(sqNorm(args[0]))); })
          .Case([&](SumOp) { return scalar(sumOf(args[0])); })
          .Case([&](MaxOp) { return scalar(extremum(args[0], CP::OGT).first); })
          .Case([&](MinOp) { return scalar(extremum(args[0], CP::OLT).first); })
          .Case([&](ArgMaxOp) { return scalar(extremum(args[0], CP::OGT).second); })
          .Case([&](ArgMinOp) { return scalar(extremum(args[0], CP::OLT).second); })
          .Case([&](NormalizeOp) {
            Value n = sqNorm(args[0]);
            Value r = l.select(l.cmp(CP::OEQ, n, l.splat(0.0)), l.splat(0.0),
                               l.div(l.splat(1.0), l.apply<math::SqrtOp>(n)));
            return map([&](Value x) { return l.mul(x, r); });
          })
          .Case([&](SumTOp s) { return Lanes(s.getDim(), args[0][0]); })
          .Case([&](SqDistOp) {
            Lanes diff;
            for (size_t k = 0; k < args[0].size(); ++k)
              diff.push_back(l.sub(args[0][k], args[1][k]));
            return scalar(sqNorm(diff));
          })
          .Case([&](ScalprodOp) {
            Value r = l.mul(args[0][0], args[1][0]);
            for (size_t k = 1; k < args[0].size(); ++k)
              r = l.mulAdd(args[0][k], args[1][k], r);
            return scalar(r);
          })
          .Case([&](WeightedSqNormOp) { return scalar(weightedSqNorm(args[0], args[1])); })
          .Case([&](WeightedSqDistOp) {
            Lanes diff;
            for (size_t k = 0; k < args[1].size(); ++k)
              diff.push_back(l.sub(args[1][k], args[2][k]));
            return scalar(weightedSqNorm(args[0], diff));
          })
          // Indexing.
          .Case([&](ElemOp e) { return scalar(args[0][e.getIndex()]); })
          .Case([&](ElemTOp e) {
            Lanes out(e.getDim(), l.splat(0.0));
            out[e.getIndex()] = args[0][0];
            return out;
          })
          .Case([&](ExtractOp e) {
            auto first = args[0].begin() + e.getStart();
            return Lanes(first, first + e.getLength());
          })
          .Case([&](ExtractTOp e) {
            Lanes out(e.getDim(), l.splat(0.0));
            llvm::copy(args[0], out.begin() + e.getStart());
            return out;
          })
          .Case([&](ConcatOp) {
            Lanes out(args[0]);
            out.append(args[1].begin(), args[1].end());
            return out;
          })
          .Case([&](OneHotOp o) {
            Value r = l.apply<math::RoundOp>(args[0][0]);
            Lanes out;
            for (int64_t k = 0, e = o.getDim(); k < e; ++k)
              out.push_back(boolToFloat(
                  l.cmp(CP::OEQ, r, l.splat(static_cast<double>(k)))));
            return out;
          })
          .Default([](Operation *) { return std::nullopt; });
  if (!result)
    return op->emitOpError("has no CPU lowering");
  return *result;
}

FailureOr<Lanes> kred::lowerFormulaOp(Operation *op, ArrayRef<Lanes> operands,
                                      LaneBuilder &lanes) {
  return FormulaLowering(lanes, operands).lower(op);
}
