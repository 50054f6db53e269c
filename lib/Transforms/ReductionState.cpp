//===- ReductionState.cpp - running state of each reduction kind ----------===//
//
// Conventions (also stated in the README):
// - Sums start at 0. Block summation sums each j tile separately and adds
//   the partial sums; Kahan summation carries a compensation per lane; lanes
//   are combined in float64.
// - Min/max-type reductions order NaN before every number (as NumPy's
//   argmin/argmax do: the result is the first NaN), break ties by the
//   smaller index, and give +inf/-inf and index -1 when nothing was reduced.
//   KMin-type outputs list K entries per component, ascending, at
//   k * D + d; missing entries are +inf / -1.
// - Exponential sums keep (m, s) with s = sum exp(F - m), m the running
//   maximum; one exponential per term: exp(-|F - m|) either scales the old
//   sum (F > m) or the new term.
//
//===----------------------------------------------------------------------===//

#include "ReductionState.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace kred;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

VectorType indexLanesType(MLIRContext *ctx, int64_t width) {
  return VectorType::get({width}, IntegerType::get(ctx, 64));
}

Value splatIndex(OpBuilder &b, Location loc, int64_t width, int64_t value) {
  return arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(indexLanesType(b.getContext(), width),
                             b.getI64IntegerAttr(value).getValue()));
}

Value scalarFloat(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

Value scalarI64(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(value));
}

Value extendTo(OpBuilder &b, Location loc, Value v, Type elementType) {
  auto type = cast<VectorType>(v.getType());
  if (type.getElementType() == elementType)
    return v;
  return arith::ExtFOp::create(b, loc, type.clone(elementType), v);
}

Value reduceLanes(OpBuilder &b, Location loc, vector::CombiningKind kind,
                  Value v) {
  return vector::ReductionOp::create(b, loc, kind, v);
}

Value extractLane(OpBuilder &b, Location loc, Value v, OpFoldResult lane) {
  return vector::ExtractOp::create(b, loc, v, lane);
}

/// `a` comes before `c` in a min (`isMin`) or max ordering that puts NaN
/// first; works on lanes and on scalars.
Value before(OpBuilder &b, Location loc, bool isMin, Value a, Value c) {
  Value strictly = arith::CmpFOp::create(
      b, loc, isMin ? CmpFPredicate::OLT : CmpFPredicate::OGT, a, c);
  Value aNaN = arith::CmpFOp::create(b, loc, CmpFPredicate::UNO, a, a);
  Value cNumber = arith::CmpFOp::create(b, loc, CmpFPredicate::ORD, c, c);
  Value nanFirst = arith::AndIOp::create(b, loc, aNaN, cNumber);
  return arith::OrIOp::create(b, loc, strictly, nanFirst);
}

/// Whether the scalar candidate (a, ia) beats the best (c, ic) so far: a
/// real candidate (ia >= 0) beats an empty best, an earlier value in the
/// ordering, or an equal value at a smaller index.
Value candidateBeats(OpBuilder &b, Location loc, bool isMin, Value a, Value ia,
                     Value c, Value ic) {
  Value zero = scalarI64(b, loc, 0);
  Value real = arith::CmpIOp::create(b, loc, CmpIPredicate::sge, ia, zero);
  Value bestEmpty = arith::CmpIOp::create(b, loc, CmpIPredicate::slt, ic, zero);
  Value earlier = before(b, loc, isMin, a, c);
  Value equal = arith::OrIOp::create(
      b, loc, arith::CmpFOp::create(b, loc, CmpFPredicate::OEQ, a, c),
      arith::AndIOp::create(
          b, loc, arith::CmpFOp::create(b, loc, CmpFPredicate::UNO, a, a),
          arith::CmpFOp::create(b, loc, CmpFPredicate::UNO, c, c)));
  Value smallerIndex =
      arith::CmpIOp::create(b, loc, CmpIPredicate::slt, ia, ic);
  Value tieWin = arith::AndIOp::create(b, loc, equal, smallerIndex);
  Value wins = arith::OrIOp::create(
      b, loc, bestEmpty, arith::OrIOp::create(b, loc, earlier, tieWin));
  return arith::AndIOp::create(b, loc, real, wins);
}

Value select(OpBuilder &b, Location loc, Value c, Value x, Value y) {
  return arith::SelectOp::create(b, loc, c, x, y);
}

/// The outputs of a min/max-type reduction: values, then indices, each if
/// the kind outputs it.
SmallVector<SmallVector<Value>> packOutputs(ArrayRef<Value> values,
                                            ArrayRef<Value> indices,
                                            bool withValues, bool withIndices) {
  SmallVector<SmallVector<Value>> outputs;
  if (withValues)
    outputs.emplace_back(values);
  if (withIndices)
    outputs.emplace_back(indices);
  return outputs;
}

//===----------------------------------------------------------------------===//
// Sums
//===----------------------------------------------------------------------===//

class SumState : public ReductionState {
public:
  SumState(int64_t dim, FloatType accType, int64_t width, SumScheme scheme)
      : dim(dim), accType(accType), width(width), scheme(scheme) {}

  VectorType laneType() { return VectorType::get({width}, accType); }
  Value zero(OpBuilder &b, Location loc) {
    return LaneBuilder(b, loc, accType, width).splat(0.0);
  }

  SmallVector<Type> getTypes() override {
    return SmallVector<Type>(scheme == SumScheme::Kahan ? 2 * dim : dim,
                             laneType());
  }
  SmallVector<Value> init(OpBuilder &b, Location loc) override {
    return SmallVector<Value>(getTypes().size(), zero(b, loc));
  }
  SmallVector<Value> beginTile(OpBuilder &b, Location loc,
                               ArrayRef<Value> state) override {
    if (scheme == SumScheme::Block)
      return SmallVector<Value>(dim, zero(b, loc));
    return SmallVector<Value>(state);
  }
  SmallVector<Value> endTile(OpBuilder &b, Location loc, ArrayRef<Value> state,
                             ValueRange carried) override {
    if (scheme != SumScheme::Block)
      return SmallVector<Value>(carried);
    LaneBuilder l(b, loc, accType, width);
    SmallVector<Value> out;
    for (int64_t k = 0; k < dim; ++k)
      out.push_back(l.add(state[k], carried[k]));
    return out;
  }
  SmallVector<Value> update(OpBuilder &b, Location loc,
                            ValueRange carried, const Lanes &f,
                            const Lanes &, Value) override {
    LaneBuilder l(b, loc, accType, width);
    SmallVector<Value> out(carried);
    for (int64_t k = 0; k < dim; ++k) {
      Value term = extendTo(b, loc, f[k], accType);
      if (scheme != SumScheme::Kahan) {
        out[k] = l.add(carried[k], term);
        continue;
      }
      // Kahan: the compensation holds the low-order bits lost so far. Plain
      // (non-contracting) ops keep LLVM from fusing them away.
      Value sum = carried[k], comp = carried[dim + k];
      Value y = arith::SubFOp::create(b, loc, term, comp);
      Value t = arith::AddFOp::create(b, loc, sum, y);
      Value lost = arith::SubFOp::create(
          b, loc, arith::SubFOp::create(b, loc, t, sum), y);
      out[k] = t;
      out[dim + k] = lost;
    }
    return out;
  }
  SmallVector<SmallVector<Value>> finalize(OpBuilder &b, Location loc,
                                           ArrayRef<Value> state) override {
    Type f64 = b.getF64Type();
    SmallVector<Value> values;
    for (int64_t k = 0; k < dim; ++k) {
      Value sum = reduceLanes(b, loc, vector::CombiningKind::ADD,
                              extendTo(b, loc, state[k], f64));
      if (scheme == SumScheme::Kahan)
        sum = arith::SubFOp::create(
            b, loc, sum,
            reduceLanes(b, loc, vector::CombiningKind::ADD,
                        extendTo(b, loc, state[dim + k], f64)));
      values.push_back(sum);
    }
    return {values};
  }

private:
  int64_t dim;
  FloatType accType;
  int64_t width;
  SumScheme scheme;
};

//===----------------------------------------------------------------------===//
// Min, Max, and their arg versions
//===----------------------------------------------------------------------===//

class ExtremumState : public ReductionState {
public:
  ExtremumState(int64_t dim, FloatType type, int64_t width, bool isMin,
                bool withValues, bool withIndices)
      : dim(dim), type(type), width(width), isMin(isMin),
        withValues(withValues), withIndices(withIndices) {}

  SmallVector<Type> getTypes() override {
    SmallVector<Type> types(dim, VectorType::get({width}, type));
    if (withIndices)
      types.append(dim, indexLanesType(type.getContext(), width));
    return types;
  }
  bool needsIndices() override { return withIndices; }
  SmallVector<Value> init(OpBuilder &b, Location loc) override {
    SmallVector<Value> state(dim, LaneBuilder(b, loc, type, width)
                                      .splat(isMin ? kInf : -kInf));
    if (withIndices)
      state.append(dim, splatIndex(b, loc, width, -1));
    return state;
  }
  SmallVector<Value> update(OpBuilder &b, Location loc,
                            ValueRange carried, const Lanes &f,
                            const Lanes &, Value j) override {
    SmallVector<Value> out(carried);
    for (int64_t k = 0; k < dim; ++k) {
      if (!withIndices) {
        // NaN-propagating min/max.
        out[k] = isMin ? arith::MinimumFOp::create(b, loc, carried[k], f[k])
                             .getResult()
                       : arith::MaximumFOp::create(b, loc, carried[k], f[k])
                             .getResult();
        continue;
      }
      // Lanes see increasing j, so a tie keeps the earlier index; an empty
      // lane (index -1) takes any term, even +inf for a min.
      Value empty = arith::CmpIOp::create(b, loc, CmpIPredicate::slt,
                                          carried[dim + k],
                                          splatIndex(b, loc, width, 0));
      Value take = arith::OrIOp::create(
          b, loc, before(b, loc, isMin, f[k], carried[k]), empty);
      out[k] = select(b, loc, take, f[k], carried[k]);
      out[dim + k] = select(b, loc, take, j, carried[dim + k]);
    }
    return out;
  }
  SmallVector<SmallVector<Value>> finalize(OpBuilder &b, Location loc,
                                           ArrayRef<Value> state) override {
    SmallVector<Value> values, indices;
    for (int64_t k = 0; k < dim; ++k) {
      if (!withIndices) {
        values.push_back(reduceLanes(b, loc,
                                     isMin ? vector::CombiningKind::MINIMUMF
                                           : vector::CombiningKind::MAXIMUMF,
                                     state[k]));
        continue;
      }
      Value best = scalarFloat(b, loc, type, isMin ? kInf : -kInf);
      Value bestIndex = scalarI64(b, loc, -1);
      for (int64_t lane = 0; lane < width; ++lane) {
        Value v = extractLane(b, loc, state[k], b.getIndexAttr(lane));
        Value index = extractLane(b, loc, state[dim + k], b.getIndexAttr(lane));
        Value beats = candidateBeats(b, loc, isMin, v, index, best, bestIndex);
        best = select(b, loc, beats, v, best);
        bestIndex = select(b, loc, beats, index, bestIndex);
      }
      values.push_back(best);
      indices.push_back(bestIndex);
    }
    return packOutputs(values, indices, withValues, withIndices);
  }

private:
  int64_t dim;
  FloatType type;
  int64_t width;
  bool isMin, withValues, withIndices;
};

//===----------------------------------------------------------------------===//
// KMin, ArgKMin, KMin_ArgKMin: a sorted buffer of K entries per lane
//===----------------------------------------------------------------------===//

class KMinState : public ReductionState {
public:
  KMinState(int64_t dim, int64_t k, FloatType type, int64_t width,
            bool withValues, bool withIndices)
      : dim(dim), k(k), type(type), width(width), withValues(withValues),
        withIndices(withIndices) {}

  // Layout: values[d][slot] at d * k + slot, then indices likewise.
  SmallVector<Type> getTypes() override {
    SmallVector<Type> types(dim * k, VectorType::get({width}, type));
    types.append(dim * k, indexLanesType(type.getContext(), width));
    return types;
  }
  bool needsIndices() override { return true; }
  SmallVector<Value> init(OpBuilder &b, Location loc) override {
    SmallVector<Value> state(dim * k,
                             LaneBuilder(b, loc, type, width).splat(kInf));
    state.append(dim * k, splatIndex(b, loc, width, -1));
    return state;
  }
  SmallVector<Value> update(OpBuilder &b, Location loc,
                            ValueRange carried, const Lanes &f,
                            const Lanes &, Value j) override {
    SmallVector<Value> out(carried);
    Value zero = splatIndex(b, loc, width, 0);
    for (int64_t d = 0; d < dim; ++d) {
      // Insertion by bubbling: the entry in hand swaps with each slot it
      // beats, so the buffer stays sorted and ties keep arrival order.
      Value v = f[d], index = j;
      for (int64_t slot = 0; slot < k; ++slot) {
        int64_t at = d * k + slot;
        Value slotEmpty = arith::CmpIOp::create(b, loc, CmpIPredicate::slt,
                                                out[dim * k + at], zero);
        Value swap = arith::OrIOp::create(
            b, loc, before(b, loc, true, v, out[at]), slotEmpty);
        Value newSlot = select(b, loc, swap, v, out[at]);
        Value newSlotIndex = select(b, loc, swap, index, out[dim * k + at]);
        v = select(b, loc, swap, out[at], v);
        index = select(b, loc, swap, out[dim * k + at], index);
        out[at] = newSlot;
        out[dim * k + at] = newSlotIndex;
      }
    }
    return out;
  }
  SmallVector<SmallVector<Value>> finalize(OpBuilder &b, Location loc,
                                           ArrayRef<Value> state) override {
    SmallVector<Value> values(dim * k), indices(dim * k);
    for (int64_t d = 0; d < dim; ++d) {
      // Merge the lanes' sorted lists into one with a loop over lanes that
      // carries the K best (value, index) pairs.
      SmallVector<Value> init;
      for (int64_t slot = 0; slot < k; ++slot)
        init.push_back(scalarFloat(b, loc, type, kInf));
      for (int64_t slot = 0; slot < k; ++slot)
        init.push_back(scalarI64(b, loc, -1));
      Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
      Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
      Value cw = arith::ConstantIndexOp::create(b, loc, width);
      auto loop = scf::ForOp::create(
          b, loc, c0, cw, c1, init,
          [&](OpBuilder &nb, Location nl, Value lane, ValueRange best) {
            SmallVector<Value> buffer(best);
            for (int64_t src = 0; src < k; ++src) {
              Value v = extractLane(nb, nl, state[d * k + src], lane);
              Value index =
                  extractLane(nb, nl, state[dim * k + d * k + src], lane);
              for (int64_t slot = 0; slot < k; ++slot) {
                Value swap = candidateBeats(nb, nl, true, v, index,
                                            buffer[slot], buffer[k + slot]);
                Value newSlot = select(nb, nl, swap, v, buffer[slot]);
                Value newIndex = select(nb, nl, swap, index, buffer[k + slot]);
                v = select(nb, nl, swap, buffer[slot], v);
                index = select(nb, nl, swap, buffer[k + slot], index);
                buffer[slot] = newSlot;
                buffer[k + slot] = newIndex;
              }
            }
            scf::YieldOp::create(nb, nl, buffer);
          });
      for (int64_t slot = 0; slot < k; ++slot) {
        values[slot * dim + d] = loop.getResult(slot);
        indices[slot * dim + d] = loop.getResult(k + slot);
      }
    }
    return packOutputs(values, indices, withValues, withIndices);
  }

private:
  int64_t dim, k;
  FloatType type;
  int64_t width;
  bool withValues, withIndices;
};

//===----------------------------------------------------------------------===//
// Max-shifted exponential sums: LogSumExp, SumSoftMaxWeight, ...
//===----------------------------------------------------------------------===//

class ShiftedExpState : public ReductionState {
public:
  ShiftedExpState(ReductionKind kind, int64_t weightDim, FloatType type,
                  int64_t width)
      : kind(kind), weightDim(weightDim), type(type), width(width) {
    withPlainSum = kind == ReductionKind::LogSumExp ||
                   kind == ReductionKind::SumSoftMaxWeight ||
                   kind == ReductionKind::MaxSumShiftExp;
  }

  // Layout: m, then s (if withPlainSum), then the weighted sums.
  int64_t numSums() { return (withPlainSum ? 1 : 0) + weightDim; }
  SmallVector<Type> getTypes() override {
    return SmallVector<Type>(1 + numSums(), VectorType::get({width}, type));
  }
  SmallVector<Value> init(OpBuilder &b, Location loc) override {
    LaneBuilder l(b, loc, type, width);
    SmallVector<Value> state{l.splat(-kInf)};
    state.append(numSums(), l.splat(0.0));
    return state;
  }
  SmallVector<Value> update(OpBuilder &b, Location loc,
                            ValueRange carried, const Lanes &f,
                            const Lanes &g, Value) override {
    LaneBuilder l(b, loc, type, width);
    Value m = carried[0], x = f[0];
    Value e = l.apply<math::ExpOp>(
        l.neg(l.apply<math::AbsFOp>(l.sub(x, m))));
    // exp(-inf - m) is 0 even when m is -inf too.
    e = l.select(l.cmp(CmpFPredicate::OEQ, x, l.splat(-kInf)), l.splat(0.0),
                 e);
    Value up = l.cmp(CmpFPredicate::OGT, x, m);
    Value scale = l.select(up, e, l.splat(1.0));
    Value term = l.select(up, l.splat(1.0), e);
    SmallVector<Value> out{arith::MaximumFOp::create(b, loc, m, x)};
    int64_t at = 1;
    if (withPlainSum)
      out.push_back(l.mulAdd(carried[at++], scale, term));
    for (int64_t k = 0; k < weightDim; ++k)
      out.push_back(
          l.mulAdd(carried[at++], scale, l.mul(term, g[g.size() == 1 ? 0 : k])));
    return out;
  }
  SmallVector<SmallVector<Value>> finalize(OpBuilder &b, Location loc,
                                           ArrayRef<Value> state) override {
    LaneBuilder l(b, loc, type, width);
    Value m = state[0];
    Value maxAll =
        reduceLanes(b, loc, vector::CombiningKind::MAXIMUMF, m);
    Value shift = l.apply<math::ExpOp>(l.sub(m, l.broadcast(maxAll)));
    shift = l.select(l.cmp(CmpFPredicate::OEQ, m, l.splat(-kInf)),
                     l.splat(0.0), shift);
    SmallVector<Value> sums;
    for (int64_t k = 1, e = 1 + numSums(); k < e; ++k)
      sums.push_back(reduceLanes(b, loc, vector::CombiningKind::ADD,
                                 l.mul(state[k], shift)));
    auto log = [&](Value v) { return math::LogOp::create(b, loc, v); };
    auto add = [&](Value a, Value c) { return arith::AddFOp::create(b, loc, a, c); };
    SmallVector<Value> out;
    switch (kind) {
    case ReductionKind::LogSumExp:
      out.push_back(add(maxAll, log(sums[0])));
      break;
    case ReductionKind::LogSumExpWeight:
      for (Value s : sums)
        out.push_back(add(maxAll, log(s)));
      break;
    case ReductionKind::SumSoftMaxWeight: {
      // An empty (or all -inf) softmax gives 0, the empty sum.
      Value zero = scalarFloat(b, loc, type, 0.0);
      Value empty =
          arith::CmpFOp::create(b, loc, CmpFPredicate::OEQ, sums[0], zero);
      for (Value s : ArrayRef(sums).drop_front())
        out.push_back(select(b, loc, empty, zero,
                             arith::DivFOp::create(b, loc, s, sums[0])));
      break;
    }
    case ReductionKind::MaxSumShiftExp:
    case ReductionKind::MaxSumShiftExpWeight:
      out.push_back(maxAll);
      out.append(sums);
      break;
    default:
      llvm_unreachable("not an exponential sum");
    }
    return {out};
  }

private:
  ReductionKind kind;
  int64_t weightDim;
  FloatType type;
  int64_t width;
  bool withPlainSum;
};
} // namespace

FailureOr<std::unique_ptr<ReductionState>>
ReductionState::create(ReduceOp op, FloatType computeType, int64_t width) {
  ReductionKind kind = op.getKind();
  int64_t dim = getFormulaDim(op.getFormula());
  Value weight = op.getWeightFormula();
  int64_t weightDim = weight ? getFormulaDim(weight) : 0;
  switch (kind) {
  case ReductionKind::Sum: {
    FloatType accType = computeType;
    if (std::optional<Type> acc = op.getAccType()) {
      auto accFloat = dyn_cast<FloatType>(*acc);
      if (!accFloat || accFloat.getWidth() < computeType.getWidth())
        return op.emitOpError("accumulates in ")
               << *acc << ", but the CPU code generator computes in "
               << computeType << "; expected f32 or f64, at least as wide";
      accType = accFloat;
    }
    SumScheme scheme = op.getSumScheme().value_or(SumScheme::Block);
    return std::unique_ptr<ReductionState>(
        new SumState(dim, accType, width, scheme));
  }
  case ReductionKind::Min:
  case ReductionKind::Max:
  case ReductionKind::ArgMin:
  case ReductionKind::ArgMax:
  case ReductionKind::MinArgMin:
  case ReductionKind::MaxArgMax: {
    ExtremumTraits traits = *getExtremumTraits(kind);
    return std::unique_ptr<ReductionState>(
        new ExtremumState(dim, computeType, width, traits.isMin,
                          traits.withValues, traits.withIndices));
  }
  case ReductionKind::KMin:
  case ReductionKind::ArgKMin:
  case ReductionKind::KMinArgKMin: {
    ExtremumTraits traits = *getExtremumTraits(kind);
    return std::unique_ptr<ReductionState>(new KMinState(
        dim, static_cast<int64_t>(*op.getK()), computeType, width,
        traits.withValues, traits.withIndices));
  }
  case ReductionKind::LogSumExp:
  case ReductionKind::LogSumExpWeight:
  case ReductionKind::SumSoftMaxWeight:
  case ReductionKind::MaxSumShiftExp:
  case ReductionKind::MaxSumShiftExpWeight:
    return std::unique_ptr<ReductionState>(
        new ShiftedExpState(kind, weightDim, computeType, width));
  }
  llvm_unreachable("unknown reduction kind");
}
