//===- SemanticsVector.cpp - ops over the components of vectors -----------===//
//
// Reductions over components take the first extremum (ties and NaN: the
// first component wins, as in NumPy); norms of zero vectors normalize to 0;
// bilinear ops (matvecmult, vecmatmult, tensorprod, tensordot, kron) sum the
// products their index plan lists (KredBilinear.cpp).
//
//===----------------------------------------------------------------------===//

#include "FormulaSemantics.h"

using namespace mlir;
using namespace kred;
using namespace kred::semantics;
using CP = CmpFPredicate;

//===----------------------------------------------------------------------===//
// Vector to scalar
//===----------------------------------------------------------------------===//

/// The first extremum of the components of `v` and its index: `v[k]`
/// replaces the best when `predicate(v[k], best)` holds.
template <typename A>
static std::pair<Scalar<A>, Scalar<A>> extremum(A &a, const Vec<A> &v,
                                                CP predicate) {
  Scalar<A> best = v[0], index = a.cst(0.0);
  for (size_t k = 1; k < v.size(); ++k) {
    auto better = a.cmp(predicate, v[k], best);
    best = a.select(better, v[k], best);
    index = a.select(better, a.cst(static_cast<double>(k)), index);
  }
  return {best, index};
}

KRED_SCALAR_SEMANTICS(SqNorm2Op, sqNorm(a, args[0]))

KRED_SCALAR_SEMANTICS(Norm2Op, a.sqrt(sqNorm(a, args[0])))

KRED_SCALAR_SEMANTICS(SumOp, sumOf(a, args[0]))

KRED_SCALAR_SEMANTICS(MaxOp, extremum(a, args[0], CP::OGT).first)

KRED_SCALAR_SEMANTICS(MinOp, extremum(a, args[0], CP::OLT).first)

KRED_SCALAR_SEMANTICS(ArgMaxOp, extremum(a, args[0], CP::OGT).second)

KRED_SCALAR_SEMANTICS(ArgMinOp, extremum(a, args[0], CP::OLT).second)

//===----------------------------------------------------------------------===//
// Norms, distances and products
//===----------------------------------------------------------------------===//

template <typename A>
static Vec<A> computeNormalize(NormalizeOp, A &a, Args<A> args) {
  Scalar<A> n = sqNorm(a, args[0]);
  Scalar<A> r = a.select(a.cmp(CP::OEQ, n, a.cst(0.0)), a.cst(0.0),
                         a.div(a.cst(1.0), a.sqrt(n)));
  return map<A>(args, [&](Scalar<A> x) { return a.mul(x, r); });
}
KRED_SEMANTICS(NormalizeOp, computeNormalize)

template <typename A>
static Vec<A> difference(A &a, const Vec<A> &x, const Vec<A> &y) {
  Vec<A> diff;
  for (size_t k = 0; k < x.size(); ++k)
    diff.push_back(a.sub(x[k], y[k]));
  return diff;
}

KRED_SCALAR_SEMANTICS(SqDistOp, sqNorm(a, difference(a, args[1], args[0])))

KRED_SCALAR_SEMANTICS(ScalprodOp, dot(a, args[0], args[1]))

/// x^T S x with S of dimension 1 (isotropic), D (diagonal) or D*D (full,
/// row-major).
template <typename A>
static Scalar<A> weightedSqNorm(A &a, const Vec<A> &s, const Vec<A> &x) {
  size_t d = x.size();
  if (s.size() == 1)
    return a.mul(s[0], sqNorm(a, x));
  bool diagonal = s.size() == d;
  auto term = [&](size_t k) {
    if (diagonal)
      return a.mul(a.mul(s[k], x[k]), x[k]);
    return a.mul(a.mul(x[k / d], s[k]), x[k % d]);
  };
  return chainedSum(
      a, s.size(), term,
      [&](size_t k, Scalar<A> sum) { return a.add(sum, term(k)); });
}

KRED_SCALAR_SEMANTICS(WeightedSqNormOp, weightedSqNorm(a, args[0], args[1]))

KRED_SCALAR_SEMANTICS(WeightedSqDistOp,
                      weightedSqNorm(a, args[0],
                                     difference(a, args[1], args[2])))

template <typename A>
static Vec<A> computeBilinear(Operation *op, A &a, Args<A> args) {
  Vec<A> out;
  BilinearTerms terms = *getBilinearTerms(op);
  for (const auto &component : terms) {
    if (component.empty()) {
      out.push_back(a.cst(0.0));
      continue;
    }
    auto term = [&](size_t k) {
      auto [i, j] = component[k];
      return std::pair{args[0][i], args[1][j]};
    };
    out.push_back(chainedSum(
        a, component.size(),
        [&](size_t k) { auto [x, y] = term(k); return a.mul(x, y); },
        [&](size_t k, Scalar<A> s) {
          auto [x, y] = term(k);
          return a.mulAdd(x, y, s);
        }));
  }
  return out;
}
KRED_SEMANTICS(MatVecMultOp, computeBilinear)
KRED_SEMANTICS(VecMatMultOp, computeBilinear)
KRED_SEMANTICS(TensorProdOp, computeBilinear)
KRED_SEMANTICS(TensorDotOp, computeBilinear)
KRED_SEMANTICS(KronOp, computeBilinear)

//===----------------------------------------------------------------------===//
// Derivative rules. Max and Min pass the gradient to the selected component
// (the first of equal ones, as their Arg forms pick), as torch.max does.
//===----------------------------------------------------------------------===//

KRED_VJP(SqNorm2Op, d.mul(g, d.mul(d.cst(x, 2.0), x)))
// x / |x|, written with rsqrt so that the subgradient at 0 is 0.
KRED_VJP(Norm2Op, d.mul(g, d.mul(x, d.create<RsqrtOp>(d.create<SqNorm2Op>(x)))))
KRED_VJP(SumOp, d.create<SumTOp>(g, getFormulaDim(x)))
KRED_VJP(MaxOp, d.mul(g, d.create<OneHotOp>(d.create<ArgMaxOp>(x),
                                            getFormulaDim(x))))
KRED_VJP(MinOp, d.mul(g, d.create<OneHotOp>(d.create<ArgMinOp>(x),
                                            getFormulaDim(x))))
KRED_ZERO_VJP(ArgMaxOp)
KRED_ZERO_VJP(ArgMinOp)
// r = x / |x|: (g - r <r, g>) / |x|.
KRED_VJP(NormalizeOp,
         d.mul(d.sub(g, d.mul(r, d.create<ScalprodOp>(r, g))),
               d.create<RsqrtOp>(d.create<SqNorm2Op>(x))))
KRED_VJP(SqDistOp, d.mul(g, d.mul(d.cst(x, 2.0), d.sub(x, y))),
         d.mul(g, d.mul(d.cst(x, 2.0), d.sub(y, x))))
KRED_VJP(ScalprodOp, d.mul(g, y), d.mul(g, x))

/// The cotangents of (s, t) in the scalar t^T S t, S isotropic, diagonal
/// or full (row-major).
static std::pair<Value, Value> weightedSqNormVjp(DerivativeBuilder &d,
                                                 Value g, Value s, Value t) {
  int64_t dim = getFormulaDim(t), weights = getFormulaDim(s);
  Value twice = d.mul(d.cst(t, 2.0), g);
  if (weights == 1)
    return {d.mul(g, d.create<SqNorm2Op>(t)), d.mul(twice, d.mul(s, t))};
  if (weights == dim)
    return {d.mul(g, d.mul(t, t)), d.mul(twice, d.mul(s, t))};
  Value symmetric = d.add(d.create<MatVecMultOp>(s, t),
                          d.create<VecMatMultOp>(t, s));
  return {d.mul(g, d.create<TensorProdOp>(t, t)), d.mul(g, symmetric)};
}

::llvm::LogicalResult WeightedSqNormOp::buildVectorJacobianProduct(
    DerivativeBuilder &d, Value g, SmallVectorImpl<Value> &cotangents) {
  auto [gs, gx] = weightedSqNormVjp(d, g, getWeight(), getX());
  cotangents.assign({gs, gx});
  return success();
}

::llvm::LogicalResult WeightedSqDistOp::buildVectorJacobianProduct(
    DerivativeBuilder &d, Value g, SmallVectorImpl<Value> &cotangents) {
  Value t = d.sub(getOperand(1), getOperand(2));
  auto [gs, gt] = weightedSqNormVjp(d, g, getOperand(0), t);
  cotangents.assign({gs, gt, d.neg(gt)});
  return success();
}

/// For a bilinear op out_k = sum a_p b_q over its terms (p, q): the
/// cotangent of a is sum g_k b_q at p, that of b sum g_k a_p at q, built
/// component by component.
static LogicalResult bilinearVjp(Operation *op, DerivativeBuilder &d, Value g,
                                 SmallVectorImpl<Value> &cotangents) {
  Value a = op->getOperand(0), b = op->getOperand(1);
  SmallVector<SmallVector<Value>> parts(2);
  parts[0].resize(getFormulaDim(a));
  parts[1].resize(getFormulaDim(b));
  auto component = [&](Value v, int64_t k) -> Value {
    return getFormulaDim(v) == 1 ? v : d.create<ElemOp>(v, k);
  };
  auto accumulate = [&](Value &slot, Value term) {
    slot = slot ? d.add(slot, term) : term;
  };
  for (auto [k, terms] : llvm::enumerate(*getBilinearTerms(op))) {
    Value gk = component(g, k);
    for (auto [p, q] : terms) {
      accumulate(parts[0][p], d.mul(gk, component(b, q)));
      accumulate(parts[1][q], d.mul(gk, component(a, p)));
    }
  }
  for (auto &components : parts) {
    Value vector;
    for (Value c : components) {
      if (!c)
        c = d.cst(g, 0.0);
      vector = vector ? d.create<ConcatOp>(vector, c) : c;
    }
    cotangents.push_back(vector);
  }
  return success();
}

#define KRED_BILINEAR_VJP(OpClass)                                             \
  ::llvm::LogicalResult OpClass::buildVectorJacobianProduct(                   \
      DerivativeBuilder &d, Value g, SmallVectorImpl<Value> &cotangents) {     \
    return bilinearVjp(getOperation(), d, g, cotangents);                      \
  }
KRED_BILINEAR_VJP(MatVecMultOp)
KRED_BILINEAR_VJP(VecMatMultOp)
KRED_BILINEAR_VJP(TensorProdOp)
KRED_BILINEAR_VJP(TensorDotOp)
KRED_BILINEAR_VJP(KronOp)
