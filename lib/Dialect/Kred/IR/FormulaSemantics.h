//===- FormulaSemantics.h - helpers for defining what ops compute -*- C++ -*-//
//
// Internal to the dialect's Semantics*.cpp files. An op's meaning is a
// function template `compute(op, algebra, operands)`; KRED_SEMANTICS
// instantiates it as the op's two FormulaOpInterface methods, so the float64
// value and the emitted code cannot drift apart.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_DIALECT_KRED_IR_FORMULASEMANTICS_H
#define KRED_LIB_DIALECT_KRED_IR_FORMULASEMANTICS_H

#include "kred/Dialect/Kred/IR/Differentiation.h"
#include "kred/Dialect/Kred/IR/KredEvaluate.h"
#include "kred/Dialect/Kred/IR/KredOps.h"

namespace kred {
namespace semantics {

template <typename A>
using Scalar = typename A::Scalar;
template <typename A>
using Vec = typename A::Vector;
template <typename A>
using Args = llvm::ArrayRef<Vec<A>>;

/// Component k of operand `v`, broadcasting a dimension-1 operand.
template <typename V>
auto at(const V &v, size_t k) {
  return v.size() == 1 ? v[0] : v[k];
}

/// Applies `fn` componentwise over all operands, with broadcasting.
template <typename A, typename Fn>
Vec<A> map(Args<A> args, Fn fn) {
  size_t dim = 1;
  for (const Vec<A> &a : args)
    dim = std::max<size_t>(dim, a.size());
  Vec<A> out;
  for (size_t k = 0; k < dim; ++k) {
    if constexpr (std::is_invocable_v<Fn, Scalar<A>>)
      out.push_back(fn(at(args[0], k)));
    else if constexpr (std::is_invocable_v<Fn, Scalar<A>, Scalar<A>>)
      out.push_back(fn(at(args[0], k), at(args[1], k)));
    else
      out.push_back(fn(at(args[0], k), at(args[1], k), at(args[2], k)));
  }
  return out;
}

template <typename A>
Scalar<A> boolToFloat(A &a, typename A::Cond condition) {
  return a.select(condition, a.cst(1.0), a.cst(0.0));
}

/// The sum of `n` terms: `first(k)` starts a chain with term k,
/// `next(k, s)` adds term k to the chain's sum s.
template <typename A, typename First, typename Next>
Scalar<A> chainedSum(A &a, size_t n, First first, Next next) {
  size_t chains = n >= 2 * kSumChains ? kSumChains : 1;
  Vec<A> partial;
  for (size_t k = 0; k < n; ++k) {
    if (k < chains)
      partial.push_back(first(k));
    else
      partial[k % chains] = next(k, partial[k % chains]);
  }
  for (size_t half = chains / 2; half > 0; half /= 2)
    for (size_t c = 0; c < half; ++c)
      partial[c] = a.add(partial[c], partial[c + half]);
  return partial[0];
}

template <typename A>
Scalar<A> sumOf(A &a, const Vec<A> &v) {
  return chainedSum(
      a, v.size(), [&](size_t k) { return v[k]; },
      [&](size_t k, Scalar<A> s) { return a.add(s, v[k]); });
}

/// Σ x_k y_k, by fused multiply-adds.
template <typename A>
Scalar<A> dot(A &a, const Vec<A> &x, const Vec<A> &y) {
  return chainedSum(
      a, x.size(), [&](size_t k) { return a.mul(x[k], y[k]); },
      [&](size_t k, Scalar<A> s) { return a.mulAdd(x[k], y[k], s); });
}

template <typename A>
Scalar<A> sqNorm(A &a, const Vec<A> &v) {
  return dot(a, v, v);
}

template <typename A>
Vec<A> scalar(Scalar<A> v) {
  return Vec<A>{v};
}

} // namespace semantics
} // namespace kred

/// Defines OpClass's FormulaOpInterface methods from the template `compute`
/// (called as compute(op, algebra, operands)).
#define KRED_SEMANTICS(OpClass, compute)                                       \
  ::kred::FormulaVector OpClass::evaluate(                                     \
      ::llvm::ArrayRef<::kred::FormulaVector> operands) {                      \
    ::kred::Float64Algebra algebra;                                            \
    return compute(*this, algebra, operands);                                  \
  }                                                                            \
  ::kred::Lanes OpClass::emitLanes(::kred::LaneBuilder &builder,               \
                                   ::llvm::ArrayRef<::kred::Lanes> operands) { \
    return compute(*this, builder, operands);                                  \
  }

/// Defines OpClass's semantics as `result`, an expression of the op `op`,
/// the algebra `a` (of type A) and the operands' values `args`.
#define KRED_EXPR_SEMANTICS(OpClass, result)                                   \
  template <typename A>                                                        \
  static ::kred::semantics::Vec<A> compute##OpClass(                           \
      OpClass op, A &a, ::kred::semantics::Args<A> args) {                     \
    (void)op;                                                                  \
    return result;                                                             \
  }                                                                            \
  KRED_SEMANTICS(OpClass, compute##OpClass)

/// An op computed componentwise by `expr`, of the algebra `a` and the
/// operands' components `x` (and `y`, `z`), broadcasting dimension 1.
#define KRED_UNARY_SEMANTICS(OpClass, expr)                                    \
  KRED_EXPR_SEMANTICS(OpClass, ::kred::semantics::map<A>(                      \
      args, [&](::kred::semantics::Scalar<A> x) { return expr; }))
#define KRED_BINARY_SEMANTICS(OpClass, expr)                                   \
  KRED_EXPR_SEMANTICS(OpClass, ::kred::semantics::map<A>(                      \
      args, [&](::kred::semantics::Scalar<A> x,                                \
                ::kred::semantics::Scalar<A> y) { return expr; }))
#define KRED_TERNARY_SEMANTICS(OpClass, expr)                                  \
  KRED_EXPR_SEMANTICS(OpClass, ::kred::semantics::map<A>(                      \
      args, [&](::kred::semantics::Scalar<A> x, ::kred::semantics::Scalar<A> y, \
                ::kred::semantics::Scalar<A> z) { return expr; }))
/// An op whose result is the scalar `expr`.
#define KRED_SCALAR_SEMANTICS(OpClass, expr)                                   \
  KRED_EXPR_SEMANTICS(OpClass, ::kred::semantics::scalar<A>(expr))

/// Defines OpClass's derivative rule: the operands' cotangents, listed in
/// order (null for a zero derivative), as expressions of the builder `d`,
/// the result's cotangent `g`, the result `r`, the operands `x`, `y`, `z`
/// and the op `op`.
#define KRED_VJP(OpClass, ...)                                                 \
  ::llvm::LogicalResult OpClass::buildVectorJacobianProduct(                   \
      ::kred::DerivativeBuilder &d, ::mlir::Value g,                           \
      ::llvm::SmallVectorImpl<::mlir::Value> &cotangents) {                    \
    [[maybe_unused]] OpClass op = *this;                                       \
    [[maybe_unused]] ::mlir::Value r = getResult();                            \
    auto operand = [&](unsigned k) {                                           \
      return k < getOperation()->getNumOperands()                              \
                 ? getOperation()->getOperand(k)                               \
                 : ::mlir::Value();                                            \
    };                                                                         \
    [[maybe_unused]] ::mlir::Value x = operand(0), y = operand(1),             \
                                   z = operand(2);                             \
    cotangents.assign({__VA_ARGS__});                                          \
    return ::mlir::success();                                                  \
  }
/// An op whose derivative is zero almost everywhere (PyTorch's choice for
/// floor, round, sign, comparisons, indices).
#define KRED_ZERO_VJP(OpClass)                                                 \
  ::llvm::LogicalResult OpClass::buildVectorJacobianProduct(                   \
      ::kred::DerivativeBuilder &, ::mlir::Value,                              \
      ::llvm::SmallVectorImpl<::mlir::Value> &cotangents) {                    \
    cotangents.assign(getOperation()->getNumOperands(), ::mlir::Value());      \
    return ::mlir::success();                                                  \
  }

#endif // KRED_LIB_DIALECT_KRED_IR_FORMULASEMANTICS_H
