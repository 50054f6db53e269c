//===- ReductionSemantics.h - what each reduction kind computes -*- C++ -*-===//
//
// Every reduction kind, written once as a monoid over an algebra
// (FormulaAlgebra.h): a state (a list of scalars), its `identity`, `lift`
// (the state of one term), `combine` (two partial states, associative, the
// identity neutral), `accumulate` (combine with a lifted term) and
// `finalize` (the outputs). The reference evaluator runs it in float64 term
// by term; code generators run it on lane groups, combine lanes (CPU) or
// threads (GPU) with the same `combine`.
//
// Conventions:
// - Sums start at 0.
// - Min/Max propagate NaN; the indexed kinds (ArgMin, Min_ArgMin, KMin,
//   ArgKMin, KMin_ArgKMin and the Max versions) keep the K best
//   (value, index) entries per component, ordered with NaN first, ties by
//   the smaller index, empty entries (+inf or -inf, index -1) last.
// - Exponential sums keep (m, s, s_g) with s = sum exp(F - m), m the running
//   maximum; combining rescales the side with the smaller m by
//   exp(-|m1 - m2|), one exponential per combine, taken as 0 below exp(-60)
//   (kLowestExponentialTerm). Where the outputs do not show m, code on
//   lanes may keep m below the maximum by up to kShiftSlack
//   (accumulateWithinShift).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_KRED_IR_REDUCTIONSEMANTICS_H
#define KRED_DIALECT_KRED_IR_REDUCTIONSEMANTICS_H

#include "kred/Dialect/Kred/IR/KredOps.h"

#include <limits>

namespace kred {

/// Exponential sums take exp(t) as 0 below t = -60 (8.7e-27): none of
/// their terms, rescaling factors or gradient weights (nor a weight's
/// product with a cotangent, 1/N in GeomLoss) then underflows to a
/// subnormal float32, which on x86 costs a microcode assist of ~100 cycles
/// per result (Sinkhorn at a small blur underflows nearly every term: 10x
/// slower). A sum of such terms, at least 1, cannot tell: below 2^-86 a
/// term is under half an ulp of it in float32 and in float64, and M terms
/// stay below the float64 ulp for M up to 10^10.
constexpr double kLowestExponentialTerm = -60.0;

/// Exponential sums: how far above the shift m a term may lie and still be
/// added without moving m (accumulateWithinShift). m need not be the
/// maximum, only s = sum exp(F - m) must hold: exp(32) = 7.9e13, and
/// sums of 10^20 such terms stay far inside the float32 range.
constexpr double kShiftSlack = 32.0;

/// What a reduction computes, independent of how.
struct ReductionSpec {
  ReductionKind kind;
  /// Dimensions of F and of the weight G (0 without one), and K (1 unless
  /// the kind takes K).
  int64_t dim, weightDim, k;

  static ReductionSpec get(ReduceOp op);
  const ReductionKindInfo &info() const { return getReductionKindInfo(kind); }
  bool isSum() const { return info().family == SumFamily; }
  bool isExtremum() const { return info().family == ExtremumFamily; }
  /// The kinds that keep (value, index) entries.
  bool hasEntries() const { return info().family == EntriesFamily; }
  bool isExponential() const { return info().family == ExponentialFamily; }
  /// For exponential sums: whether the state holds the plain sum s.
  bool hasPlainSum() const { return info().plainSum; }
  /// For exponential sums: the number of sums after m.
  int64_t numSums() const { return (hasPlainSum() ? 1 : 0) + weightDim; }
  /// Exponential sums whose outputs do not show m (m + log s, softmax
  /// averages): m may lag the maximum (accumulateWithinShift).
  bool hidesShift() const {
    return isExponential() && info().output != ShiftAndSums;
  }
  /// The outputs' dimensions and types.
  llvm::SmallVector<ReductionOutputSpec, 2> getOutputs() const {
    return info().getOutputs(dim, weightDim, k);
  }
};

template <typename Algebra>
class ReductionSemantics {
public:
  using Scalar = typename Algebra::Scalar;
  using Cond = typename Algebra::Cond;
  using Vector = typename Algebra::Vector;
  using State = llvm::SmallVector<Scalar, 8>;
  /// Per output, its components: float values, or indices.
  using Outputs = llvm::SmallVector<llvm::SmallVector<Scalar, 8>, 2>;

  ReductionSemantics(Algebra &a, ReductionSpec spec) : a(a), spec(spec) {}

  State identity() {
    if (spec.isSum())
      return State(spec.dim, a.cst(0.0));
    if (spec.isExtremum())
      return State(spec.dim, a.cst(worst()));
    if (spec.hasEntries()) {
      State s;
      for (int64_t d = 0; d < spec.dim; ++d) {
        s.append(spec.k, a.cst(worst()));
        s.append(spec.k, a.index(-1));
      }
      return s;
    }
    State s{a.cst(-kInf)};
    s.append(spec.numSums(), a.cst(0.0));
    return s;
  }

  /// The state of the single term F = f, G = g at index j (indexed kinds
  /// only read j).
  State lift(const Vector &f, const Vector &g, Scalar j) {
    if (spec.isSum() || spec.isExtremum())
      return State(f.begin(), f.end());
    if (spec.hasEntries()) {
      State s;
      for (int64_t d = 0; d < spec.dim; ++d) {
        s.push_back(f[d]);
        s.append(spec.k - 1, a.cst(worst()));
        s.push_back(j);
        s.append(spec.k - 1, a.index(-1));
      }
      return s;
    }
    State s{f[0]};
    if (spec.hasPlainSum())
      s.push_back(a.cst(1.0));
    for (int64_t d = 0; d < spec.weightDim; ++d)
      s.push_back(g[g.size() == 1 ? 0 : d]);
    return s;
  }

  State accumulate(llvm::ArrayRef<Scalar> state, const Vector &f, const Vector &g,
                   Scalar j) {
    return combine(state, lift(f, g, j));
  }

  /// Exponential sums: whether accumulateWithinShift may take term f,
  /// f - m <= kShiftSlack (false for NaN, and for -inf while m is -inf).
  Cond withinShift(llvm::ArrayRef<Scalar> state, const Vector &f) {
    return a.cmp(CmpFPredicate::OLE, a.sub(f[0], state[0]),
                 a.cst(kShiftSlack));
  }

  /// accumulate for a term withinShift, with m kept: the sums gain the
  /// term's times exp(f - m), one exponential and no rescaling. The result
  /// differs from accumulate's only by where m stands.
  State accumulateWithinShift(llvm::ArrayRef<Scalar> state, const Vector &f,
                              const Vector &g) {
    State y = lift(f, g, Scalar());
    // Bounded as the term is, so that code generators see the bound (one
    // exponent scaling covers exp up to e^32).
    Scalar d = a.sub(f[0], state[0]), slack = a.cst(kShiftSlack);
    Scalar e = expAboveSubnormals(
        a.select(a.cmp(CmpFPredicate::OGT, d, slack), slack, d));
    State out{state[0]};
    for (size_t k = 1; k < state.size(); ++k)
      out.push_back(a.add(state[k], a.mul(y[k], e)));
    return out;
  }

  State combine(llvm::ArrayRef<Scalar> x, llvm::ArrayRef<Scalar> y) {
    State out;
    if (spec.isSum()) {
      for (auto [u, v] : llvm::zip(x, y))
        out.push_back(a.add(u, v));
    } else if (spec.isExtremum()) {
      for (auto [u, v] : llvm::zip(x, y))
        out.push_back(isMin() ? a.minimum(u, v) : a.maximum(u, v));
    } else if (spec.hasEntries()) {
      for (int64_t d = 0; d < spec.dim; ++d)
        out.append(mergeEntries(x, y, d));
    } else {
      combineExponential(x, y, out);
    }
    return out;
  }

  Outputs finalize(llvm::ArrayRef<Scalar> state) {
    if (spec.isSum() || spec.isExtremum())
      return {llvm::SmallVector<Scalar, 8>(state.begin(), state.end())};
    if (spec.hasEntries())
      return finalizeEntries(state);
    return finalizeExponential(state);
  }

  /// Whether entry (v, i) goes before entry (w, j) in the kind's order.
  Cond entryBefore(Scalar v, Scalar i, Scalar w, Scalar j) {
    Cond vNaN = a.isNaN(v), wNaN = a.isNaN(w);
    Cond same = a.either(a.cmp(CmpFPredicate::OEQ, v, w), a.both(vNaN, wNaN));
    Cond earlier = a.both(same, a.indexLess(i, j));
    Cond vEmpty = a.indexLess(i, a.index(0));
    Cond beats = a.either(valueBefore(v, w), earlier);
    return a.either(isEmpty(j), a.both(a.negate(vEmpty), beats));
  }

  /// entryBefore for a non-empty entry (v, i) whose index i is larger than
  /// j (terms arriving in index order): ties stay behind.
  Cond laterEntryBefore(Scalar v, Scalar w, Scalar j) {
    return a.either(isEmpty(j), valueBefore(v, w));
  }

private:
  static constexpr double kInf = std::numeric_limits<double>::infinity();

  bool isMin() { return spec.info().isMin; }
  Cond isEmpty(Scalar index) { return a.indexLess(index, a.index(0)); }
  /// v strictly before w in value: smaller (larger for max), or NaN before
  /// a number.
  Cond valueBefore(Scalar v, Scalar w) {
    Cond strictly = a.cmp(isMin() ? CmpFPredicate::OLT : CmpFPredicate::OGT,
                          v, w);
    return a.either(strictly, a.both(a.isNaN(v), a.negate(a.isNaN(w))));
  }
  /// The value that loses to every other: the identity of Min and Max.
  double worst() { return isMin() ? kInf : -kInf; }

  /// The K best entries of component d of x and y: a bitonic merge of x's
  /// sorted entries with y's reversed, padded with empty entries to a
  /// power of two (no data-dependent control flow: works on lanes).
  State mergeEntries(llvm::ArrayRef<Scalar> x, llvm::ArrayRef<Scalar> y,
                     int64_t d) {
    int64_t k = spec.k, size = 1;
    while (size < 2 * k)
      size *= 2;
    int64_t base = 2 * k * d;
    State values(size, a.cst(worst())), indices(size, a.index(-1));
    for (int64_t s = 0; s < k; ++s) {
      values[s] = x[base + s];
      indices[s] = x[base + k + s];
      values[size - 1 - s] = y[base + s];
      indices[size - 1 - s] = y[base + k + s];
    }
    for (int64_t stride = size / 2; stride > 0; stride /= 2)
      for (int64_t p = 0; p < size; ++p) {
        if (p & stride)
          continue;
        int64_t q = p + stride;
        Cond swap = entryBefore(values[q], indices[q], values[p], indices[p]);
        Scalar v = a.select(swap, values[q], values[p]);
        Scalar i = a.select(swap, indices[q], indices[p]);
        values[q] = a.select(swap, values[p], values[q]);
        indices[q] = a.select(swap, indices[p], indices[q]);
        values[p] = v, indices[p] = i;
      }
    State out(values.begin(), values.begin() + k);
    out.append(indices.begin(), indices.begin() + k);
    return out;
  }

  /// Values (K per component, at slot * D + d), then indices, each if the
  /// kind outputs it.
  Outputs finalizeEntries(llvm::ArrayRef<Scalar> state) {
    const ReductionKindInfo &info = spec.info();
    int64_t k = spec.k, dim = spec.dim;
    llvm::SmallVector<Scalar, 8> values(k * dim), indices(k * dim);
    for (int64_t d = 0; d < dim; ++d)
      for (int64_t s = 0; s < k; ++s) {
        values[s * dim + d] = state[2 * k * d + s];
        indices[s * dim + d] = state[2 * k * d + k + s];
      }
    Outputs outputs;
    if (info.withValues)
      outputs.push_back(values);
    if (info.withIndices)
      outputs.push_back(indices);
    return outputs;
  }

  void combineExponential(llvm::ArrayRef<Scalar> x, llvm::ArrayRef<Scalar> y,
                          State &out) {
    Scalar m1 = x[0], m2 = y[0];
    // exp(-inf - m) is 0 even when m is -inf too.
    Scalar e = expAboveSubnormals(a.neg(a.abs(a.sub(m2, m1))));
    e = a.select(a.cmp(CmpFPredicate::OEQ, m2, a.cst(-kInf)), a.cst(0.0), e);
    Cond up = a.cmp(CmpFPredicate::OGT, m2, m1);
    Scalar scaleX = a.select(up, e, a.cst(1.0));
    Scalar scaleY = a.select(up, a.cst(1.0), e);
    // A NaN term drops out of m, as in KeOps, but not out of the sums.
    out.push_back(a.select(up, m2, m1));
    for (size_t k = 1; k < x.size(); ++k)
      out.push_back(a.mulAdd(x[k], scaleX, a.mul(y[k], scaleY)));
  }

  /// exp(x), 0 below kLowestExponentialTerm.
  Scalar expAboveSubnormals(Scalar x) {
    Scalar lowest = a.cst(kLowestExponentialTerm);
    Cond below = a.cmp(CmpFPredicate::OLT, x, lowest);
    return a.select(below, a.cst(0.0), a.exp(a.select(below, lowest, x)));
  }

  Outputs finalizeExponential(llvm::ArrayRef<Scalar> state) {
    Scalar m = state[0];
    llvm::ArrayRef<Scalar> sums = llvm::ArrayRef(state).drop_front();
    llvm::SmallVector<Scalar, 8> out;
    switch (spec.info().output) {
    case LogOfSums:
      for (Scalar s : sums)
        out.push_back(a.add(m, a.log(s)));
      break;
    case SoftMaxAverage: {
      // An empty (or all -inf) softmax gives 0, the empty sum.
      Cond empty = a.cmp(CmpFPredicate::OEQ, sums[0], a.cst(0.0));
      for (Scalar s : sums.drop_front())
        out.push_back(a.select(empty, a.cst(0.0), a.div(s, sums[0])));
      break;
    }
    default: // ShiftAndSums: m, then the sums.
      out.push_back(m);
      out.append(sums.begin(), sums.end());
    }
    return {out};
  }

  Algebra &a;
  ReductionSpec spec;
};

} // namespace kred

#endif // KRED_DIALECT_KRED_IR_REDUCTIONSEMANTICS_H
