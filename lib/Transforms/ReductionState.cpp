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
//   k * D + d; missing entries are +inf / -1. Their state is one sorted
//   buffer per row rather than per lane.
// - Exponential sums keep (m, s) with s = sum exp(F - m), m the running
//   maximum; one exponential per term: exp(-|F - m|) either scales the old
//   sum (F > m) or the new term.
//
//===----------------------------------------------------------------------===//

#include "ReductionState.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
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
  SmallVector<Value> init(OpBuilder &b, Location loc, RowMemory) override {
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
                            const Lanes &, Value, RowMemory) override {
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
                                           ArrayRef<Value> state,
                                           RowMemory) override {
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
// Min, Max
//===----------------------------------------------------------------------===//

/// A running NaN-propagating min or max per lane.
class ExtremumState : public ReductionState {
public:
  ExtremumState(int64_t dim, FloatType type, int64_t width, bool isMin)
      : dim(dim), type(type), width(width), isMin(isMin) {}

  SmallVector<Type> getTypes() override {
    return SmallVector<Type>(dim, VectorType::get({width}, type));
  }
  SmallVector<Value> init(OpBuilder &b, Location loc, RowMemory) override {
    return SmallVector<Value>(
        dim, LaneBuilder(b, loc, type, width).splat(isMin ? kInf : -kInf));
  }
  SmallVector<Value> update(OpBuilder &b, Location loc,
                            ValueRange carried, const Lanes &f,
                            const Lanes &, Value, RowMemory) override {
    SmallVector<Value> out;
    for (int64_t d = 0; d < dim; ++d)
      out.push_back(isMin ? arith::MinimumFOp::create(b, loc, carried[d], f[d])
                                .getResult()
                          : arith::MaximumFOp::create(b, loc, carried[d], f[d])
                                .getResult());
    return out;
  }
  SmallVector<SmallVector<Value>> finalize(OpBuilder &b, Location loc,
                                           ArrayRef<Value> state,
                                           RowMemory) override {
    SmallVector<Value> values;
    for (int64_t d = 0; d < dim; ++d)
      values.push_back(reduceLanes(b, loc,
                                   isMin ? vector::CombiningKind::MINIMUMF
                                         : vector::CombiningKind::MAXIMUMF,
                                   state[d]));
    return {values};
  }

private:
  int64_t dim;
  FloatType type;
  int64_t width;
  bool isMin;
};

//===----------------------------------------------------------------------===//
// Reductions with indices (ArgMin, Min_ArgMin, KMin, ArgKMin, ... and the
// Max versions): one sorted buffer of the K best entries per row
//===----------------------------------------------------------------------===//

/// Keeps, per component, the K best (value, index) pairs of the row so far
/// in the row's memory, sorted in the min (or max) ordering with NaN first,
/// empty slots (+inf or -inf, index -1) last; the only carried value is the
/// threshold a term must beat to enter. A chunk of W terms is compared with
/// it once; only the lanes that beat it are inserted, in increasing j.
/// After the first few chunks almost no lane does, so the cost per term
/// approaches a plain Min's, whatever K.
class BestEntriesState : public ReductionState {
public:
  BestEntriesState(int64_t dim, int64_t k, FloatType type, int64_t width,
                   bool isMin, bool withValues, bool withIndices)
      : dim(dim), k(k), type(type), width(width), isMin(isMin),
        withValues(withValues), withIndices(withIndices) {}

  SmallVector<Type> getTypes() override { return SmallVector<Type>(dim, type); }
  // Layout: the values of components 0..D-1, then their indices.
  SmallVector<MemRefType> getRowMemoryTypes() override {
    SmallVector<MemRefType> types(dim, MemRefType::get({k}, type));
    types.append(dim, MemRefType::get({k}, IntegerType::get(type.getContext(),
                                                            64)));
    return types;
  }
  bool needsIndices() override { return true; }
  SmallVector<Value> init(OpBuilder &b, Location loc, RowMemory row) override {
    Value values = LaneBuilder(b, loc, type, k).splat(isMin ? kInf : -kInf);
    Value indices = splatIndex(b, loc, k, -1);
    SmallVector<Value> thresholds;
    for (int64_t d = 0; d < dim; ++d) {
      store(b, loc, values, row[d]);
      store(b, loc, indices, row[dim + d]);
      thresholds.push_back(threshold(b, loc, row[d], row[dim + d]));
    }
    return thresholds;
  }
  SmallVector<Value> update(OpBuilder &b, Location loc, ValueRange carried,
                            const Lanes &f, const Lanes &g, Value j,
                            RowMemory row) override {
    return updateInRange(b, loc, carried, f, g, j, Value(), row);
  }
  SmallVector<Value> updateInRange(OpBuilder &b, Location loc,
                                   ValueRange carried, const Lanes &f,
                                   const Lanes &, Value j, Value inRange,
                                   RowMemory row) override {
    SmallVector<Value> out;
    for (int64_t d = 0; d < dim; ++d) {
      LaneBuilder l(b, loc, type, width);
      Value candidates =
          l.cmp(isMin ? CmpFPredicate::ULT : CmpFPredicate::UGT, f[d],
                l.broadcast(carried[d]));
      if (inRange)
        candidates = arith::AndIOp::create(b, loc, candidates, inRange);
      out.push_back(insertLanes(b, loc, carried[d], row[d], row[dim + d],
                                f[d], j, candidates));
    }
    return out;
  }
  SmallVector<SmallVector<Value>> finalize(OpBuilder &b, Location loc,
                                           ArrayRef<Value>,
                                           RowMemory row) override {
    SmallVector<Value> values(dim * k), indices(dim * k);
    for (int64_t d = 0; d < dim; ++d)
      for (int64_t slot = 0; slot < k; ++slot) {
        Value at = arith::ConstantIndexOp::create(b, loc, slot);
        values[slot * dim + d] = memref::LoadOp::create(b, loc, row[d], at);
        indices[slot * dim + d] =
            memref::LoadOp::create(b, loc, row[dim + d], at);
      }
    return packOutputs(values, indices, withValues, withIndices);
  }

private:
  void store(OpBuilder &b, Location loc, Value v, Value memory) {
    vector::StoreOp::create(b, loc, v, memory,
                            ValueRange{arith::ConstantIndexOp::create(b, loc, 0)});
  }

  /// What a term must come before to enter the buffer, as a threshold for
  /// one unordered less-than (greater-than for max): NaN while the last
  /// slot is empty (every term enters), -inf (+inf) when it holds NaN (only
  /// NaN terms pass, and leave the buffer unchanged), its value otherwise.
  Value threshold(OpBuilder &b, Location loc, Value valueMemory,
                  Value indexMemory) {
    Value lastSlot = arith::ConstantIndexOp::create(b, loc, k - 1);
    Value last = memref::LoadOp::create(b, loc, valueMemory, lastSlot);
    Value lastIndex = memref::LoadOp::create(b, loc, indexMemory, lastSlot);
    Value lastEmpty = arith::CmpIOp::create(b, loc, CmpIPredicate::slt,
                                            lastIndex, scalarI64(b, loc, 0));
    Value lastNaN =
        arith::CmpFOp::create(b, loc, CmpFPredicate::UNO, last, last);
    return select(
        b, loc, lastEmpty,
        scalarFloat(b, loc, type, std::numeric_limits<double>::quiet_NaN()),
        select(b, loc, lastNaN, scalarFloat(b, loc, type, isMin ? -kInf : kInf),
               last));
  }

  /// Inserts the lanes of (f, j) selected by `mask` into the buffer in
  /// memory, in increasing lane order (a loop over the set bits of the
  /// mask), and returns the new threshold; when no lane is selected, only
  /// the mask test runs.
  Value insertLanes(OpBuilder &b, Location loc, Value oldThreshold,
                    Value valueMemory, Value indexMemory, Value f, Value j,
                    Value mask) {
    Type bitsType = b.getIntegerType(width);
    Value bits = vector::ExtractOp::create(
        b, loc,
        vector::BitCastOp::create(b, loc, VectorType::get({1}, bitsType),
                                  mask),
        ArrayRef<int64_t>{0});
    Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(bitsType, 0));
    Value one = arith::ConstantOp::create(b, loc, b.getIntegerAttr(bitsType, 1));
    Value any = arith::CmpIOp::create(b, loc, CmpIPredicate::ne, bits, zero);
    auto ifOp = scf::IfOp::create(
        b, loc, any,
        [&](OpBuilder &nb, Location nl) {
          scf::WhileOp::create(
              nb, nl, TypeRange{bitsType}, ValueRange{bits},
              [&](OpBuilder &wb, Location wl, ValueRange args) {
                Value more = arith::CmpIOp::create(wb, wl, CmpIPredicate::ne,
                                                   args[0], zero);
                scf::ConditionOp::create(wb, wl, more, args);
              },
              [&](OpBuilder &wb, Location wl, ValueRange args) {
                Value lane = arith::IndexCastUIOp::create(
                    wb, wl, wb.getIndexType(),
                    math::CountTrailingZerosOp::create(wb, wl, args[0]));
                // j holds j0, j0 + 1, ...: the index is j0 + lane.
                Value index = arith::AddIOp::create(
                    wb, wl, extractLane(wb, wl, j, wb.getIndexAttr(0)),
                    arith::IndexCastOp::create(wb, wl, wb.getI64Type(), lane));
                insertEntry(wb, wl, valueMemory, indexMemory,
                            extractLane(wb, wl, f, lane), index);
                Value rest = arith::AndIOp::create(
                    wb, wl, args[0],
                    arith::SubIOp::create(wb, wl, args[0], one));
                scf::YieldOp::create(wb, wl, rest);
              });
          scf::YieldOp::create(nb, nl,
                               threshold(nb, nl, valueMemory, indexMemory));
        },
        [&](OpBuilder &nb, Location nl) {
          scf::YieldOp::create(nb, nl, oldThreshold);
        });
    return ifOp.getResult(0);
  }

  /// Inserts (v, index) at its place in the sorted buffer, as insertion
  /// sort does: from the last slot, entries it comes before (or empty
  /// slots) move one slot down, and the last entry falls off. Ties stay
  /// ahead, since they arrived earlier. A candidate that does not beat the
  /// last entry (the mask was computed before earlier lanes entered)
  /// changes nothing.
  void insertEntry(OpBuilder &b, Location loc, Value valueMemory,
                   Value indexMemory, Value v, Value index) {
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value lastSlot = arith::ConstantIndexOp::create(b, loc, k - 1);
    // Whether (v, index) goes before the entry at `slot`.
    auto goesBefore = [&](OpBuilder &nb, Location nl, Value slot)
        -> std::tuple<Value, Value, Value> {
      Value value = memref::LoadOp::create(nb, nl, valueMemory, slot);
      Value entryIndex = memref::LoadOp::create(nb, nl, indexMemory, slot);
      Value empty = arith::CmpIOp::create(nb, nl, CmpIPredicate::slt,
                                          entryIndex, scalarI64(nb, nl, 0));
      Value beats = arith::OrIOp::create(
          nb, nl, empty, before(nb, nl, isMin, v, value));
      return {beats, value, entryIndex};
    };
    Value enters = std::get<0>(goesBefore(b, loc, lastSlot));
    scf::IfOp::create(b, loc, enters, [&](OpBuilder &nb, Location nl) {
      auto shift = scf::WhileOp::create(
          nb, nl, TypeRange{nb.getIndexType(), type, nb.getI64Type()},
          ValueRange{lastSlot},
          [&](OpBuilder &wb, Location wl, ValueRange args) {
            // Slot p - 1, read at max(p - 1, 0) to stay in bounds.
            Value p = args[0];
            Value above = arith::MaxSIOp::create(
                wb, wl, arith::SubIOp::create(wb, wl, p, c1), c0);
            auto [beats, value, entryIndex] = goesBefore(wb, wl, above);
            Value inside =
                arith::CmpIOp::create(wb, wl, CmpIPredicate::sgt, p, c0);
            Value move = arith::AndIOp::create(wb, wl, inside, beats);
            scf::ConditionOp::create(wb, wl, move,
                                     ValueRange{p, value, entryIndex});
          },
          [&](OpBuilder &wb, Location wl, ValueRange args) {
            Value p = args[0];
            memref::StoreOp::create(wb, wl, args[1], valueMemory, p);
            memref::StoreOp::create(wb, wl, args[2], indexMemory, p);
            scf::YieldOp::create(wb, wl,
                                 arith::SubIOp::create(wb, wl, p, c1).getResult());
          });
      Value p = shift.getResult(0);
      memref::StoreOp::create(nb, nl, v, valueMemory, p);
      memref::StoreOp::create(nb, nl, index, indexMemory, p);
      scf::YieldOp::create(nb, nl);
    });
  }

  int64_t dim, k;
  FloatType type;
  int64_t width;
  bool isMin, withValues, withIndices;
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
  SmallVector<Value> init(OpBuilder &b, Location loc, RowMemory) override {
    LaneBuilder l(b, loc, type, width);
    SmallVector<Value> state{l.splat(-kInf)};
    state.append(numSums(), l.splat(0.0));
    return state;
  }
  SmallVector<Value> update(OpBuilder &b, Location loc,
                            ValueRange carried, const Lanes &f,
                            const Lanes &g, Value, RowMemory) override {
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
                                           ArrayRef<Value> state,
                                           RowMemory) override {
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

SmallVector<Value> ReductionState::updateInRange(
    OpBuilder &b, Location loc, ValueRange carried, const Lanes &f,
    const Lanes &g, Value j, Value inRange, RowMemory row) {
  SmallVector<Value> updated = update(b, loc, carried, f, g, j, row);
  for (auto [u, c] : llvm::zip(updated, carried))
    u = select(b, loc, inRange, u, c);
  return updated;
}

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
    return std::unique_ptr<ReductionState>(new ExtremumState(
        dim, computeType, width, kind == ReductionKind::Min));
  case ReductionKind::ArgMin:
  case ReductionKind::ArgMax:
  case ReductionKind::MinArgMin:
  case ReductionKind::MaxArgMax:
  case ReductionKind::KMin:
  case ReductionKind::ArgKMin:
  case ReductionKind::KMinArgKMin: {
    ExtremumTraits traits = *getExtremumTraits(kind);
    int64_t k = op.getK() ? static_cast<int64_t>(*op.getK()) : 1;
    return std::unique_ptr<ReductionState>(
        new BestEntriesState(dim, k, computeType, width, traits.isMin,
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
