//===- KredEvaluate.cpp - float64 semantics of formula ops ----------------===//

#include "kred/Dialect/Kred/IR/KredEvaluate.h"
#include "kred/Dialect/Kred/IR/KredOps.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace kred;

namespace {

/// Component k of a broadcastable operand (dimension 1 or D).
double at(const FormulaVector &v, size_t k) { return v.size() == 1 ? v[0] : v[k]; }

/// Applies `fn` componentwise, broadcasting operands of dimension 1.
template <typename Fn>
FormulaVector map(ArrayRef<FormulaVector> args, Fn fn) {
  size_t dim = 1;
  for (const FormulaVector &a : args)
    dim = std::max(dim, a.size());
  FormulaVector out(dim);
  for (size_t k = 0; k < dim; ++k) {
    if constexpr (std::is_invocable_v<Fn, double>)
      out[k] = fn(at(args[0], k));
    else if constexpr (std::is_invocable_v<Fn, double, double>)
      out[k] = fn(at(args[0], k), at(args[1], k));
    else
      out[k] = fn(at(args[0], k), at(args[1], k), at(args[2], k));
  }
  return out;
}

FormulaVector scalar(double v) { return FormulaVector{v}; }

double sumOf(const FormulaVector &v) {
  double s = 0;
  for (double x : v)
    s += x;
  return s;
}

double sqNorm(const FormulaVector &v) {
  double s = 0;
  for (double x : v)
    s += x * x;
  return s;
}

/// x^T S x with S of dimension 1 (isotropic), D (diagonal) or D*D (full,
/// row-major).
double weightedSqNorm(const FormulaVector &s, const FormulaVector &x) {
  size_t d = x.size();
  if (s.size() == 1)
    return s[0] * sqNorm(x);
  double r = 0;
  if (s.size() == d) {
    for (size_t k = 0; k < d; ++k)
      r += s[k] * x[k] * x[k];
    return r;
  }
  for (size_t a = 0; a < d; ++a)
    for (size_t b = 0; b < d; ++b)
      r += x[a] * s[a * d + b] * x[b];
  return r;
}

/// Index of the first extremum; `better(a, b)` says a beats b.
template <typename Better>
double argExtremum(const FormulaVector &v, Better better) {
  size_t best = 0;
  for (size_t k = 1; k < v.size(); ++k)
    if (better(v[k], v[best]))
      best = k;
  return static_cast<double>(best);
}

double signOf(double x) {
  if (std::isnan(x))
    return x;
  return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
}

double intPow(double x, int64_t n) {
  if (n < 0)
    return 1.0 / intPow(x, -n);
  double r = 1;
  for (int64_t k = 0; k < n; ++k)
    r *= x;
  return r;
}

} // namespace

FailureOr<FormulaVector>
kred::evaluateFormulaOp(Operation *op, ArrayRef<FormulaVector> args) {
  if (args.size() != op->getNumOperands())
    return failure();
  for (auto [value, operand] : llvm::zip(args, op->getOperands()))
    if (static_cast<int64_t>(value.size()) != getFormulaDim(operand))
      return failure();

  if (std::optional<BilinearTerms> terms = getBilinearTerms(op)) {
    FormulaVector out;
    for (const auto &component : *terms) {
      double acc = 0;
      for (auto [a, b] : component)
        acc += args[0][a] * args[1][b];
      out.push_back(acc);
    }
    return out;
  }

  auto unary = [&](auto fn) { return map(args, fn); };
  std::optional<FormulaVector> result =
      llvm::TypeSwitch<Operation *, std::optional<FormulaVector>>(op)
          // Arithmetic.
          .Case([&](AddOp) { return map(args, [](double a, double b) { return a + b; }); })
          .Case([&](SubOp) { return map(args, [](double a, double b) { return a - b; }); })
          .Case([&](MulOp) { return map(args, [](double a, double b) { return a * b; }); })
          .Case([&](DivOp) { return map(args, [](double a, double b) { return a / b; }); })
          .Case([&](Atan2Op) { return map(args, [](double a, double b) { return std::atan2(a, b); }); })
          .Case([&](PowfOp) { return map(args, [](double a, double b) { return std::pow(a, b); }); })
          .Case([&](CmpOp cmp) {
            CmpPredicate pred = cmp.getPredicate();
            return map(args, [pred](double a, double b) {
              bool r = false;
              switch (pred) {
              case CmpPredicate::eq: r = a == b; break;
              case CmpPredicate::ne: r = a != b; break;
              case CmpPredicate::lt: r = a < b; break;
              case CmpPredicate::le: r = a <= b; break;
              case CmpPredicate::gt: r = a > b; break;
              case CmpPredicate::ge: r = a >= b; break;
              }
              return r ? 1.0 : 0.0;
            });
          })
          .Case([&](MinusOp) { return unary([](double x) { return -x; }); })
          .Case([&](InvOp) { return unary([](double x) { return 1.0 / x; }); })
          .Case([&](SquareOp) { return unary([](double x) { return x * x; }); })
          .Case([&](SqrtOp) { return unary([](double x) { return std::sqrt(x); }); })
          .Case([&](RsqrtOp) {
            return unary([](double x) { return x == 0 ? 0.0 : 1.0 / std::sqrt(x); });
          })
          .Case([&](AbsOp) { return unary([](double x) { return std::fabs(x); }); })
          .Case([&](SignOp) { return unary(signOf); })
          .Case([&](StepOp) {
            return unary([](double x) { return std::isnan(x) ? x : (x < 0 ? 0.0 : 1.0); });
          })
          .Case([&](ReluOp) { return unary([](double x) { return x < 0 ? 0.0 : x; }); })
          .Case([&](FloorOp) { return unary([](double x) { return std::floor(x); }); })
          .Case([&](PowOp p) {
            int64_t n = static_cast<int64_t>(p.getExponent());
            return unary([n](double x) { return intPow(x, n); });
          })
          .Case([&](RoundOp r) {
            double scale = std::pow(10.0, static_cast<double>(static_cast<int64_t>(r.getDecimals())));
            return unary([scale](double x) { return std::round(x * scale) / scale; });
          })
          .Case([&](ClampIntOp c) {
            double lo = static_cast<int64_t>(c.getMin());
            double hi = static_cast<int64_t>(c.getMax());
            return unary([lo, hi](double x) { return x < lo ? lo : (x > hi ? hi : x); });
          })
          .Case([&](ClampOp) {
            return map(args, [](double x, double lo, double hi) {
              return x < lo ? lo : (x > hi ? hi : x);
            });
          })
          .Case([&](IfElseOp) {
            return map(args, [](double c, double a, double b) { return c >= 0 ? a : b; });
          })
          .Case([&](ModOp) {
            return map(args, [](double x, double n, double d) {
              return x - n * std::floor((x - d) / n);
            });
          })
          // Transcendental functions.
          .Case([&](ExpOp) { return unary([](double x) { return std::exp(x); }); })
          .Case([&](Exp2Op) { return unary([](double x) { return std::exp2(x); }); })
          .Case([&](LogOp) { return unary([](double x) { return std::log(x); }); })
          .Case([&](XLogXOp) {
            return unary([](double x) { return x == 0 ? 0.0 : x * std::log(x); });
          })
          .Case([&](SinOp) { return unary([](double x) { return std::sin(x); }); })
          .Case([&](CosOp) { return unary([](double x) { return std::cos(x); }); })
          .Case([&](AsinOp) { return unary([](double x) { return std::asin(x); }); })
          .Case([&](AcosOp) { return unary([](double x) { return std::acos(x); }); })
          .Case([&](AtanOp) { return unary([](double x) { return std::atan(x); }); })
          .Case([&](SinXDivXOp) {
            return unary([](double x) { return x == 0 ? 1.0 : std::sin(x) / x; });
          })
          // Vector ops.
          .Case([&](SqNorm2Op) { return scalar(sqNorm(args[0])); })
          .Case([&](Norm2Op) { return scalar(std::sqrt(sqNorm(args[0]))); })
          .Case([&](SumOp) { return scalar(sumOf(args[0])); })
          .Case([&](MaxOp) {
            return scalar(args[0][argExtremum(args[0], std::greater<double>())]);
          })
          .Case([&](MinOp) {
            return scalar(args[0][argExtremum(args[0], std::less<double>())]);
          })
          .Case([&](ArgMaxOp) { return scalar(argExtremum(args[0], std::greater<double>())); })
          .Case([&](ArgMinOp) { return scalar(argExtremum(args[0], std::less<double>())); })
          .Case([&](NormalizeOp) {
            double n = sqNorm(args[0]);
            double r = n == 0 ? 0.0 : 1.0 / std::sqrt(n);
            return unary([r](double x) { return x * r; });
          })
          .Case([&](SumTOp s) { return FormulaVector(s.getDim(), args[0][0]); })
          .Case([&](SqDistOp) {
            double r = 0;
            for (size_t k = 0; k < args[0].size(); ++k)
              r += (args[0][k] - args[1][k]) * (args[0][k] - args[1][k]);
            return scalar(r);
          })
          .Case([&](ScalprodOp) {
            double r = 0;
            for (size_t k = 0; k < args[0].size(); ++k)
              r += args[0][k] * args[1][k];
            return scalar(r);
          })
          .Case([&](WeightedSqNormOp) { return scalar(weightedSqNorm(args[0], args[1])); })
          .Case([&](WeightedSqDistOp) {
            FormulaVector diff(args[1].size());
            for (size_t k = 0; k < diff.size(); ++k)
              diff[k] = args[1][k] - args[2][k];
            return scalar(weightedSqNorm(args[0], diff));
          })
          // Indexing.
          .Case([&](ElemOp e) { return scalar(args[0][e.getIndex()]); })
          .Case([&](ElemTOp e) {
            FormulaVector out(e.getDim(), 0.0);
            out[e.getIndex()] = args[0][0];
            return out;
          })
          .Case([&](ExtractOp e) {
            auto first = args[0].begin() + e.getStart();
            return FormulaVector(first, first + e.getLength());
          })
          .Case([&](ExtractTOp e) {
            FormulaVector out(e.getDim(), 0.0);
            llvm::copy(args[0], out.begin() + e.getStart());
            return out;
          })
          .Case([&](ConcatOp) {
            FormulaVector out(args[0]);
            out.append(args[1].begin(), args[1].end());
            return out;
          })
          .Case([&](OneHotOp o) {
            FormulaVector out(o.getDim(), 0.0);
            double r = std::round(args[0][0]);
            if (r >= 0 && r < static_cast<double>(o.getDim()))
              out[static_cast<size_t>(r)] = 1.0;
            return out;
          })
          .Default([](Operation *) { return std::nullopt; });
  if (!result)
    return failure();
  return *result;
}
