//===- ReductionState.cpp - running states of reductions on lane groups ---===//
//
// Two states cover every kind. LaneState keeps the kind's state
// (ReductionSemantics.h) per lane and merges lanes with its combine: sums
// (plain, block or Kahan, accumulated in a wider type when asked, lanes
// merged in float64), Min/Max, exponential sums. BestEntriesState keeps the
// K best (value, index) entries of a row in row memory instead, sorted in the
// kind's order, and inserts only the lanes that beat the K-th entry (where
// the target has a register compress, or the buffer would fill more than
// half the vector registers, MergedEntriesState.cpp merges such lanes in
// batches instead).
//
//===----------------------------------------------------------------------===//

#include "kred/Conversion/ReductionLowering/ReductionState.h"
#include "EntryBuffers.h"
#include "kred/Conversion/ReductionLowering/ReductionLowering.h"
#include "kred/Dialect/Kred/IR/ReductionSemantics.h"


#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/TypeUtilities.h"
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

Value select(OpBuilder &b, Location loc, Value c, Value x, Value y) {
  return arith::SelectOp::create(b, loc, c, x, y);
}

Value extractLane(OpBuilder &b, Location loc, Value v, OpFoldResult lane) {
  return vector::ExtractOp::create(b, loc, v, lane);
}

Value extendTo(OpBuilder &b, Location loc, Value v, FloatType elementType) {
  Type type = v.getType();
  if (mlir::getElementTypeOrSelf(type) == elementType)
    return v;
  if (auto vectorType = dyn_cast<VectorType>(type))
    return arith::ExtFOp::create(b, loc, vectorType.clone(elementType), v);
  return arith::ExtFOp::create(b, loc, elementType, v);
}

//===----------------------------------------------------------------------===//
// Sums, Min/Max, exponential sums: the kind's state in every lane
//===----------------------------------------------------------------------===//

class LaneState : public ReductionState {
public:
  /// `type` is the state's element type (the accumulator type of sums);
  /// sums merge their lanes in f64.
  LaneState(ReductionSpec spec, FloatType type, int64_t width,
            SumScheme scheme)
      : spec(spec), type(type), width(width), scheme(scheme) {}

  SmallVector<Type> getTypes() override {
    Float64Algebra values;
    size_t size = ReductionSemantics<Float64Algebra>(values, spec)
                      .identity()
                      .size();
    if (isKahan())
      size += spec.dim;
    return SmallVector<Type>(size, VectorType::get({width}, type));
  }
  SmallVector<Value> init(OpBuilder &b, Location loc, RowMemory) override {
    LaneBuilder l(b, loc, type, width);
    SmallVector<Value> state(semantics(l).identity());
    if (isKahan())
      state.append(spec.dim, l.cst(0.0));
    return state;
  }
  SmallVector<Value> beginTile(OpBuilder &b, Location loc,
                               ArrayRef<Value> state) override {
    if (scheme != SumScheme::Block || !spec.isSum())
      return SmallVector<Value>(state);
    LaneBuilder l(b, loc, type, width);
    return SmallVector<Value>(semantics(l).identity());
  }
  SmallVector<Value> endTile(OpBuilder &b, Location loc, ArrayRef<Value> state,
                             ValueRange carried) override {
    if (scheme != SumScheme::Block || !spec.isSum())
      return SmallVector<Value>(carried);
    return *combine(b, loc, state, SmallVector<Value>(carried));
  }
  SmallVector<Value> update(OpBuilder &b, Location loc, ValueRange carried,
                            const Lanes &f, const Lanes &g, Value,
                            RowMemory) override {
    LaneBuilder l(b, loc, type, width);
    Lanes terms;
    for (Value v : f)
      terms.push_back(extendTo(b, loc, v, type));
    if (isKahan())
      return kahanUpdate(b, loc, carried, terms);
    SmallVector<Value> state(carried);
    if (spec.hidesShift() && width > 1)
      return updateExponential(b, loc, state, terms, g);
    return SmallVector<Value>(semantics(l).accumulate(state, terms, g, {}));
  }
  FailureOr<SmallVector<Value>> combine(OpBuilder &b, Location loc,
                                        ArrayRef<Value> x,
                                        ArrayRef<Value> y) override {
    if (isKahan())
      return failure();
    auto vectorType = dyn_cast<VectorType>(x[0].getType());
    int64_t w = vectorType ? vectorType.getDimSize(0) : 0;
    LaneBuilder l(b, loc, cast<FloatType>(mlir::getElementTypeOrSelf(x[0])), w);
    return SmallVector<Value>(semantics(l).combine(x, y));
  }
  SmallVector<SmallVector<Value>> finalize(OpBuilder &b, Location loc,
                                           ArrayRef<Value> state,
                                           RowMemory) override {
    SmallVector<Value> lanesState(state.take_front(state.size() -
                                                   (isKahan() ? spec.dim : 0)));
    FloatType mergeType = type;
    if (spec.isSum()) {
      // Lanes are merged in f64; Kahan's compensations are subtracted first.
      mergeType = b.getF64Type();
      for (auto [k, v] : llvm::enumerate(lanesState)) {
        v = extendTo(b, loc, v, mergeType);
        if (isKahan())
          v = arith::SubFOp::create(
              b, loc, v, extendTo(b, loc, state[spec.dim + k], mergeType));
      }
    }
    SmallVector<Value> merged = mergeLanes(
        b, loc, mergeType, width, lanesState,
        [&](LaneBuilder &l, ArrayRef<Value> x, ArrayRef<Value> y) {
          return SmallVector<Value>(
              ReductionSemantics<LaneBuilder>(l, spec).combine(x, y));
        });
    LaneBuilder scalars(b, loc, mergeType, 0);
    SmallVector<SmallVector<Value>> outputs;
    for (auto &output :
         semantics(scalars).finalize(merged))
      outputs.emplace_back(output.begin(), output.end());
    return outputs;
  }

private:
  bool isKahan() { return spec.isSum() && scheme == SumScheme::Kahan; }
  ReductionSemantics<LaneBuilder> semantics(LaneBuilder &l) {
    return ReductionSemantics<LaneBuilder>(l, spec);
  }

  /// Exponential sums on lanes whose outputs do not show m (hidesShift): a
  /// chunk whose terms all lie within
  /// kShiftSlack above the lanes' shifts is added without rescaling (one
  /// exponential, no compares or selects); only a chunk with a term above
  /// (or NaN, or the first terms) takes accumulate's exact combine, which
  /// moves m to the maximum. Random terms take it about ln(M) times per
  /// lane.
  SmallVector<Value> updateExponential(OpBuilder &b, Location loc,
                                       ArrayRef<Value> state,
                                       const Lanes &terms, const Lanes &g) {
    LaneBuilder l(b, loc, type, width);
    Value outside = l.negate(semantics(l).withinShift(state, terms));
    auto ifOutside = scf::IfOp::create(b, loc, ValueRange(state).getTypes(),
                                       anyLane(b, loc, outside),
                                       /*withElseRegion=*/true);
    OpBuilder tb = ifOutside.getThenBodyBuilder();
    LaneBuilder tl(tb, loc, type, width);
    scf::YieldOp::create(
        tb, loc,
        ValueRange(semantics(tl).accumulate(state, terms, g, {})));
    OpBuilder eb = ifOutside.getElseBodyBuilder();
    LaneBuilder el(eb, loc, type, width);
    scf::YieldOp::create(
        eb, loc, ValueRange(semantics(el).accumulateWithinShift(state, terms, g)));
    return SmallVector<Value>(ifOutside.getResults());
  }

  /// Kahan: the compensation holds the low-order bits lost so far. Plain
  /// (non-contracting) ops keep LLVM from fusing them away.
  SmallVector<Value> kahanUpdate(OpBuilder &b, Location loc,
                                 ValueRange carried, const Lanes &terms) {
    SmallVector<Value> out(carried);
    for (int64_t k = 0; k < spec.dim; ++k) {
      Value sum = carried[k], comp = carried[spec.dim + k];
      Value y = arith::SubFOp::create(b, loc, terms[k], comp);
      Value t = arith::AddFOp::create(b, loc, sum, y);
      out[k] = t;
      out[spec.dim + k] = arith::SubFOp::create(
          b, loc, arith::SubFOp::create(b, loc, t, sum), y);
    }
    return out;
  }

  ReductionSpec spec;
  FloatType type;
  int64_t width;
  SumScheme scheme;
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
class BestEntriesState : public EntriesState {
public:
  BestEntriesState(ReductionSpec spec, FloatType type, int64_t width,
                   int64_t vectorRegisters)
      : EntriesState(spec, type, width), vectorRegisters(vectorRegisters) {
    chooseSlots();
  }

  bool updateBranches() override { return true; }

  /// The piece of the buffer an insertion holds in registers: its values
  /// and i32 indices.
  int64_t getUpdateRegisters() override {
    if (!asLanes)
      return 0;
    return llvm::divideCeil(getPieceSize() * getEntryBytes(),
                            width * type.getWidth() / 8);
  }

  // Layout: the values of components 0..D-1, then their indices; `slots`
  // entries each, the first K of which are the result.
  SmallVector<MemRefType> getRowMemoryTypes() override {
    SmallVector<MemRefType> types(dim, MemRefType::get({slots}, type));
    types.append(dim, MemRefType::get({slots}, getIndexType()));
    return types;
  }
  SmallVector<Value> init(OpBuilder &b, Location loc, RowMemory row) override {
    LaneBuilder buffer(b, loc, type, slots);
    Value values = buffer.cst(isMin ? kInf : -kInf);
    Value indices = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(
                    VectorType::get({slots}, getIndexType()),
                    b.getIntegerAttr(getIndexType(), -1)));
    SmallVector<Value> thresholds;
    for (int64_t d = 0; d < dim; ++d) {
      store(b, loc, values, row[d]);
      store(b, loc, indices, row[dim + d]);
      thresholds.push_back(broadcastThreshold(b, loc, row[d], row[dim + d]));
    }
    return thresholds;
  }

protected:
  SmallVector<Value> insert(OpBuilder &b, Location loc, ValueRange carried,
                            RowMemory row, int64_t d, Value f, Value j,
                            Value mask) override {
    return {insertLanes(b, loc, carried[0], row[d], row[dim + d], f, j, mask)};
  }
  std::pair<SmallVector<Value>, SmallVector<Value>>
  readEntries(OpBuilder &b, Location loc, ValueRange, RowMemory row,
              int64_t d) override {
    SmallVector<Value> values, indices;
    for (int64_t slot = 0; slot < k; ++slot) {
      Value at = arith::ConstantIndexOp::create(b, loc, slot);
      values.push_back(loadEntry(b, loc, row[d], at));
      indices.push_back(loadEntry(b, loc, row[dim + d], at));
    }
    return {values, indices};
  }

private:
  /// The buffer's indices: 32-bit where entries are inserted as lanes
  /// (twice as many fit in the registers; the runtime refuses more than
  /// 2^31 - 1 terms for such reductions), else 64-bit.
  IntegerType getIndexType() {
    return IntegerType::get(type.getContext(), asLanes ? 32 : 64);
  }
  /// Slot `slot` of a buffer, its index as i64.
  Value loadEntry(OpBuilder &b, Location loc, Value memory, Value slot) {
    Value v = memref::LoadOp::create(b, loc, memory, slot);
    if (v.getType().isInteger(32))
      v = arith::ExtSIOp::create(b, loc, b.getI64Type(), v);
    return v;
  }

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
    LaneBuilder scalars(b, loc, type, 0);
    Value lastSlot = arith::ConstantIndexOp::create(b, loc, k - 1);
    Value last = memref::LoadOp::create(b, loc, valueMemory, lastSlot);
    Value lastIndex = loadEntry(b, loc, indexMemory, lastSlot);
    Value lastEmpty = scalars.indexLess(lastIndex, scalars.index(0));
    return scalars.select(
        lastEmpty, scalars.cst(std::numeric_limits<double>::quiet_NaN()),
        scalars.select(scalars.isNaN(last), scalars.cst(isMin ? -kInf : kInf),
                       last));
  }

  /// threshold() in every lane.
  Value broadcastThreshold(OpBuilder &b, Location loc, Value valueMemory,
                           Value indexMemory) {
    return LaneBuilder(b, loc, type, width)
        .broadcast(threshold(b, loc, valueMemory, indexMemory));
  }

  /// Inserts the lanes of (f, j) selected by `mask` into the buffer in
  /// memory, in increasing lane order, and returns the new threshold; when
  /// no lane is selected, only the mask test runs.
  Value insertLanes(OpBuilder &b, Location loc, Value oldThreshold,
                    Value valueMemory, Value indexMemory, Value f, Value j,
                    Value mask) {
    Value any = anyLane(b, loc, mask);
    auto ifOp = scf::IfOp::create(
        b, loc, any,
        [&](OpBuilder &nb, Location nl) {
          forEachSetLane(
              nb, nl, mask, ValueRange{},
              [&](OpBuilder &wb, Location wl, Value lane, ValueRange) {
                // j holds j0, j0 + 1, ...: the index is j0 + lane.
                Value index = arith::AddIOp::create(
                    wb, wl, extractLane(wb, wl, j, wb.getIndexAttr(0)),
                    arith::IndexCastOp::create(wb, wl, wb.getI64Type(), lane));
                Value v = extractLane(wb, wl, f, lane);
                if (asLanes)
                  insertEntryAsLanes(wb, wl, valueMemory, indexMemory, v,
                                     index);
                else
                  insertEntry(wb, wl, valueMemory, indexMemory, v, index);
                return SmallVector<Value>{};
              });
          scf::YieldOp::create(nb, nl,
                               broadcastThreshold(nb, nl, valueMemory, indexMemory));
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
      LaneBuilder scalars(nb, nl, type, 0);
      Value beats = ReductionSemantics<LaneBuilder>(scalars, spec)
                        .laterEntryBefore(v, value, entryIndex);
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

  /// Vector units insert into a buffer of 2 <= K <= 64 entries as one
  /// K-lane group, without a loop, when its values and i32 indices fit in
  /// the target's vector registers (f32: K <= 64 on AVX2 and AVX-512);
  /// else (and on a GPU thread, with no registers to spare, and for K = 1,
  /// one comparison) entries shift one by one. Measured on one AVX-512
  /// machine with AVX2 code, N = M = 1e4, D = 3: K = 32 54 ms as lanes, 92
  /// ms shifting (i64 indices); with i32 indices instead of i64 (the lanes
  /// of 64 entries fill AVX2's 16 registers), K = 32 40-47 -> 31-33 ms,
  /// K = 64 150-157 (shifting) -> 133 ms, and D = 64, K = 64 309 -> 304
  /// ms.
  static constexpr int64_t kMaxLaneInsertion = 64;
  /// A value and its i32 index.
  int64_t getEntryBytes() { return type.getWidth() / 8 + 4; }

  bool fitsInRegisters(int64_t entries) {
    int64_t registerBytes = width * type.getWidth() / 8;
    return entries * getEntryBytes() <= registerBytes * vectorRegisters;
  }

  /// The buffer's length: K, or the next power of two where the K-lane
  /// insertion keeps that many entries in registers. Slots past K hold
  /// what falls off the first K (insertion into a sorted buffer keeps its
  /// first K entries those of a K-slot buffer), and lane groups of 2^n
  /// entries are whole registers: their loads, compares and shuffles are
  /// single instructions, where K = 10, 24 or 40 splits each into pieces.
  /// Measured (AVX-512, D = 3, N = M = 1e4, 2 cores): K = 24 51.5 ms with
  /// 24 slots, K = 32 22.2 ms with 32.
  /// Sets `slots` and `asLanes`.
  void chooseSlots() {
    bool lanes = width > 1 && k > 1 && k <= kMaxLaneInsertion;
    int64_t padded = static_cast<int64_t>(llvm::PowerOf2Ceil(k));
    slots = lanes && fitsInRegisters(padded) ? padded : k;
    asLanes = lanes && fitsInRegisters(slots);
  }

  /// insertEntry on all K slots at once. The slots (v, index) goes before
  /// form a suffix of the sorted buffer (NaN entries first, empty ones
  /// last); each takes its predecessor's entry, and the first of them
  /// takes (v, index). No slot changes when it goes before none. For a
  /// number other than the worst value (+inf for min), one comparison finds
  /// the suffix: empty slots hold the worst value and NaN entries lose to
  /// every number; NaN and the worst value take the kind's full rule, in a
  /// branch almost never taken.
  void insertEntryAsLanes(OpBuilder &b, Location loc, Value valueMemory,
                          Value indexMemory, Value v, Value index) {
    CmpFPredicate before = isMin ? CmpFPredicate::OLT : CmpFPredicate::OGT;
    LaneBuilder scalars(b, loc, type, 0);
    Value ordinary = scalars.cmp(before, v, scalars.cst(isMin ? kInf : -kInf));
    auto insertWith = [&](bool fullRule) {
      return [&, fullRule](OpBuilder &nb, Location nl) {
        // Piece by piece, in slot order: each piece's first slot takes the
        // last entry of the piece before when that one moved, else the new
        // entry (the slots that move are a suffix of the buffer).
        int64_t piece = getPieceSize();
        LaneBuilder group(nb, nl, type, piece);
        Value newValue = group.broadcast(v);
        Value index32 = arith::TruncIOp::create(nb, nl, getIndexType(), index);
        // Whether (v, index) goes before each entry of a piece.
        auto goesBefore = [&](OpBuilder &ob, Location ol, Value values,
                              Value indices) -> Value {
          LaneBuilder lanes(ob, ol, type, piece);
          if (!fullRule)
            return lanes.cmp(before, newValue, values);
          return ReductionSemantics<LaneBuilder>(lanes, spec).laterEntryBefore(
              newValue, values,
              arith::ExtSIOp::create(ob, ol, lanes.getType(ob.getI64Type()),
                                     indices));
        };
        Value carriedValue = v, carriedIndex = index32;
        for (int64_t offset = 0; offset < slots; offset += piece) {
          Value at = arith::ConstantIndexOp::create(nb, nl, offset);
          auto load = [&](Value memory, Type element) -> Value {
            return vector::LoadOp::create(
                nb, nl, cast<VectorType>(group.getType(element)), memory,
                ValueRange{at});
          };
          Value values = load(valueMemory, type);
          Value indices = load(indexMemory, getIndexType());
          Value after = goesBefore(nb, nl, values, indices);
          // Each slot's predecessor: slot s - 1; for slot 0 the carried
          // entry, which slot 0 takes whether or not it "moves". Whether the
          // predecessor moves is compared again (cheaper than shuffling the
          // i1 lanes, which x86 packs into bytes and back).
          auto shifted = [&](OpBuilder &sb, Location sl, Value lanes,
                             Value carried) -> std::pair<Value, Value> {
            Value entry =
                vector::BroadcastOp::create(sb, sl, lanes.getType(), carried);
            return {vector::ShuffleOp::create(sb, sl, lanes, entry,
                                              predecessorLanes(piece)),
                    entry};
          };
          auto shiftPiece = [&, values, indices, after, carriedValue,
                             carriedIndex](OpBuilder &sb, Location sl) {
            auto [predValues, valueEntry] =
                shifted(sb, sl, values, carriedValue);
            auto [predIndices, indexEntry] =
                shifted(sb, sl, indices, carriedIndex);
            Value predAfter = goesBefore(sb, sl, predValues, predIndices);
            auto shift = [&](Value lanes, Value pred, Value entry) {
              return select(sb, sl, after,
                            select(sb, sl, predAfter, pred, entry), lanes);
            };
            vector::StoreOp::create(sb, sl, shift(values, predValues, valueEntry),
                                    valueMemory, ValueRange{at});
            vector::StoreOp::create(sb, sl,
                                    shift(indices, predIndices, indexEntry),
                                    indexMemory, ValueRange{at});
          };
          if (offset + piece >= slots) {
            shiftPiece(nb, nl);
            break;
          }
          auto last = [&](Value lanes) {
            return vector::ExtractOp::create(nb, nl, lanes,
                                             ArrayRef<int64_t>{piece - 1});
          };
          // The moving slots are a suffix: a piece whose last slot stays
          // is left as it is.
          Value lastMoves = last(after);
          scf::IfOp::create(nb, nl, lastMoves, [&](OpBuilder &sb, Location sl) {
            shiftPiece(sb, sl);
            scf::YieldOp::create(sb, sl);
          });
          carriedValue = arith::SelectOp::create(nb, nl, lastMoves,
                                                 last(values), v);
          carriedIndex = arith::SelectOp::create(nb, nl, lastMoves,
                                                 last(indices), index32);
        }
        scf::YieldOp::create(nb, nl);
      };
    };
    scf::IfOp::create(b, loc, ordinary, insertWith(false), insertWith(true));
  }

  /// The slots insertEntryAsLanes shifts at once: all of them, or pieces
  /// of a power of two that keep half the vector registers free (AVX2,
  /// f32: pieces of 32 of 64 slots, which as one group spilled). AVX2
  /// code, K = 64, D = 3, N = M = 1e4: 133 ms as one group, 80-83 ms in
  /// halves, 60-66 ms with unmoved pieces skipped (quarters: 66-72 ms).
  int64_t getPieceSize() {
    int64_t piece = slots;
    int64_t half = width * (type.getWidth() / 8) * vectorRegisters / 2;
    while (llvm::isPowerOf2_64(piece) && piece > 2 &&
           piece * getEntryBytes() > half)
      piece /= 2;
    return piece;
  }

  /// The shuffle mask that gives each of `size` slots its predecessor's
  /// lane: slot s - 1, and for slot 0 the first lane of the second operand.
  static SmallVector<int64_t> predecessorLanes(int64_t size) {
    SmallVector<int64_t> lanes{size};
    for (int64_t s = 0; s + 1 < size; ++s)
      lanes.push_back(s);
    return lanes;
  }

  int64_t vectorRegisters;
  int64_t slots;
  bool asLanes; // insertEntryAsLanes, else insertEntry
};

} // namespace

SmallVector<Type> EntriesState::getComponentTypes() {
  return {VectorType::get({width}, type)};
}

ValueRange EntriesState::getComponent(ValueRange carried, int64_t d) {
  size_t size = getComponentTypes().size();
  return carried.slice(d * size, size);
}

SmallVector<Type> EntriesState::getTypes() {
  SmallVector<Type> types;
  for (int64_t d = 0; d < dim; ++d)
    llvm::append_range(types, getComponentTypes());
  return types;
}

SmallVector<Value> EntriesState::update(OpBuilder &b, Location loc,
                                        ValueRange carried, const Lanes &f,
                                        const Lanes &g, Value j,
                                        RowMemory row) {
  return updateInRange(b, loc, carried, f, g, j, Value(), row);
}

SmallVector<Value> EntriesState::updateInRange(OpBuilder &b, Location loc,
                                               ValueRange carried,
                                               const Lanes &f, const Lanes &,
                                               Value j, Value inRange,
                                               RowMemory row) {
  SmallVector<Value> out;
  for (int64_t d = 0; d < dim; ++d) {
    ValueRange component = getComponent(carried, d);
    LaneBuilder l(b, loc, type, width);
    Value passes = l.cmp(isMin ? CmpFPredicate::ULT : CmpFPredicate::UGT,
                         f[d], component[0]);
    if (inRange)
      passes = arith::AndIOp::create(b, loc, passes, inRange);
    llvm::append_range(out,
                       insert(b, loc, component, row, d, f[d], j, passes));
  }
  return out;
}

SmallVector<SmallVector<Value>>
EntriesState::finalize(OpBuilder &b, Location loc, ArrayRef<Value> state,
                       RowMemory row) {
  // The entries, in ReductionSemantics' layout.
  SmallVector<Value, 8> entries;
  for (int64_t d = 0; d < dim; ++d) {
    auto [values, indices] = readEntries(b, loc, getComponent(state, d), row, d);
    entries.append(values);
    entries.append(indices);
  }
  LaneBuilder scalars(b, loc, type, 0);
  SmallVector<SmallVector<Value>> outputs;
  for (auto &output :
       ReductionSemantics<LaneBuilder>(scalars, spec).finalize(entries))
    outputs.emplace_back(output.begin(), output.end());
  return outputs;
}

Value kred::laneBits(OpBuilder &b, Location loc, Value mask) {
  int64_t width = cast<VectorType>(mask.getType()).getDimSize(0);
  Type bitsType = b.getIntegerType(width);
  return vector::ExtractOp::create(
      b, loc,
      vector::BitCastOp::create(b, loc, VectorType::get({1}, bitsType), mask),
      ArrayRef<int64_t>{0});
}

Value kred::anyLane(OpBuilder &b, Location loc, Value mask) {
  Value bits = laneBits(b, loc, mask);
  return arith::CmpIOp::create(
      b, loc, CmpIPredicate::ne, bits,
      arith::ConstantOp::create(b, loc, b.getIntegerAttr(bits.getType(), 0)));
}

SmallVector<Value> kred::forEachSetLane(
    OpBuilder &b, Location loc, Value mask, ValueRange carried,
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)>
        body) {
  Value bits = laneBits(b, loc, mask);
  Type bitsType = bits.getType();
  Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(bitsType, 0));
  Value one = arith::ConstantOp::create(b, loc, b.getIntegerAttr(bitsType, 1));
  SmallVector<Value> initial{bits};
  initial.append(carried.begin(), carried.end());
  auto loop = scf::WhileOp::create(
      b, loc, ValueRange(initial).getTypes(), initial,
      [&](OpBuilder &wb, Location wl, ValueRange args) {
        Value more =
            arith::CmpIOp::create(wb, wl, CmpIPredicate::ne, args[0], zero);
        scf::ConditionOp::create(wb, wl, more, args);
      },
      [&](OpBuilder &wb, Location wl, ValueRange args) {
        Value lane = arith::IndexCastUIOp::create(
            wb, wl, wb.getIndexType(),
            math::CountTrailingZerosOp::create(wb, wl, args[0]));
        SmallVector<Value> next{arith::AndIOp::create(
            wb, wl, args[0], arith::SubIOp::create(wb, wl, args[0], one))};
        llvm::append_range(next, body(wb, wl, lane, args.drop_front()));
        scf::YieldOp::create(wb, wl, next);
      });
  return SmallVector<Value>(loop.getResults().drop_front());
}

SmallVector<Value> ReductionState::updateInRange(
    OpBuilder &b, Location loc, ValueRange carried, const Lanes &f,
    const Lanes &g, Value j, Value inRange, RowMemory row) {
  SmallVector<Value> updated = update(b, loc, carried, f, g, j, row);
  for (auto [u, c] : llvm::zip(updated, carried))
    u = select(b, loc, inRange, u, c);
  return updated;
}

static constexpr std::pair<LaneCompress, llvm::StringLiteral>
    kLaneCompressNames[] = {{LaneCompress::None, "none"},
                            {LaneCompress::Instruction, "instruction"},
                            {LaneCompress::Permutation, "permutation"}};

std::optional<LaneCompress> kred::parseLaneCompress(StringRef name) {
  for (auto [compress, text] : kLaneCompressNames)
    if (name == text)
      return compress;
  return std::nullopt;
}

StringRef kred::getLaneCompressName(LaneCompress compress) {
  for (auto [value, text] : kLaneCompressNames)
    if (value == compress)
      return text;
  llvm_unreachable("unknown LaneCompress");
}

FailureOr<std::unique_ptr<ReductionState>>
ReductionState::create(ReduceOp op, FloatType computeType, int64_t width,
                       int64_t vectorRegisters, LaneCompress compress) {
  ReductionSpec spec = ReductionSpec::get(op);
  if (spec.hasEntries())
    if (auto merged = createMergedEntriesState(
            spec, computeType, width, vectorRegisters, compress,
            op->getParentOfType<ModuleOp>()))
      return merged;
  if (spec.hasEntries())
    return std::unique_ptr<ReductionState>(
        new BestEntriesState(spec, computeType, width, vectorRegisters));
  FloatType type = computeType;
  std::optional<Type> acc = op.getAccType();
  if (spec.isSum() && acc) {
    auto accFloat = dyn_cast<FloatType>(*acc);
    if (!accFloat || accFloat.getWidth() < computeType.getWidth())
      return op.emitOpError("accumulates in ")
             << *acc << ", but the code generator computes in " << computeType
             << "; expected f32 or f64, at least as wide";
    type = accFloat;
  }
  return std::unique_ptr<ReductionState>(new LaneState(
      spec, type, width, op.getSumScheme().value_or(SumScheme::Block)));
}
