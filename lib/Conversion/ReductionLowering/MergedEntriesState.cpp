//===- MergedEntriesState.cpp - K-best buffers merged in bulk -------------===//
//
// ArgKMin, KMin and KMin_ArgKMin on f32 lane groups.
// An entry (value, index) is one i64 key that orders as the kind orders
// entries - NaN first, then by value, ties by index - so a sorting
// network exchanges whole entries with one integer comparison. The terms
// that beat the threshold are appended to a pending list (values and
// indices; the keys are made per batch); every 16 pending entries (32 for
// K > 32) are sorted (a bitonic network) and merged into the sorted buffer
// of the K best at once, and only then does the threshold move. The rows
// that share a chunk merge together (settleRows).
// Two ways to append, chosen by the target:
// - with a register compress (AVX-512's VPCOMPRESS), every chunk's passing
//   lanes are packed and stored, with no branch: no mispredicted branch
//   per chunk with an entering term, at a few cycles per chunk. From
//   K = 9 (AVX-512 code, N = M = 1e4, measured on a Zen 4 against
//   one-by-one insertion: D = 3, K = 16/32/64 13.5/21-22/37 -> 11-12/
//   14-16/18-19 ms; D = 64 K = 10/64 113/139 -> 98/107 ms);
// - AVX2 packs them by a permutation (VPERMPS) whose index is the mask's
//   row of a table of lane numbers (the indices: the first lane's plus
//   those numbers), seven instructions per chunk and row: from K = 12, for
//   formulas whose rows fit in half the registers (AVX2 code, D = 3,
//   K = 32/64: 25-26/41 -> 20-21/25.5 ms with PDEP/PEXT making the index,
//   then 17.6/24.0 -> 15.8/22.6 ms with the table);
// - otherwise a loop over the mask's set lanes behind a branch on any lane,
//   where the buffer's values and indices would fill more than half the
//   vector registers (AVX2: K > 32; one-by-one insertion shifts such a
//   buffer in pieces through memory): AVX2 code, K = 64: D = 3 80-90 ->
//   45-48 ms, D = 64 293-299 -> 258-261 ms; at K = 32 the one-by-one
//   insertion stayed faster (26-27 ms against 32 ms merged).
//
//===----------------------------------------------------------------------===//

#include "EntryBuffers.h"
#include "kred/Conversion/ReductionLowering/ReductionLowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <limits>

using namespace mlir;
using namespace kred;
using arith::CmpIPredicate;

namespace {
constexpr int64_t kEmptyKey = std::numeric_limits<int64_t>::max();
constexpr int32_t kNaNKey = std::numeric_limits<int32_t>::min();
/// A hint's placeholder entries take the largest index (seedHint).
constexpr int64_t kPlaceholderIndex = std::numeric_limits<int32_t>::max();
constexpr double kInf = std::numeric_limits<double>::infinity();

/// How many pending keys are merged at once (the sorting network's size,
/// at most the buffer's): larger batches share a merge among more keys,
/// but let more terms past a stale threshold and take a longer sort. 16,
/// or half a buffer of 64 (whose half-cleaners then run half as often):
/// N = M = 1e4, D = 3, K = 64 on a Zen 4: AVX-512 code 17.3-18.4 ->
/// 15.5-17.3 ms, AVX2 code 22.8-23.4 -> 19.7-21.9 ms; at K = 32 a batch of
/// 32 was slower (12.4-13.9 -> 13.2-14.7 ms).
constexpr int64_t kMergeBatch = 16;
int64_t getMergeBatch(int64_t slots) {
  return std::min(slots, std::max(kMergeBatch, slots / 2));
}

/// From which K a target packs every chunk's passing lanes: below, a cheap
/// formula's chunks pay more for the packing than insertion costs them
/// (N = M = 1e4, D = 3: AVX-512's compress instruction, K = 2: 5.5 -> 9.9
/// ms, K = 10 even; AVX2's permutation, K = 10/16: 12/15 -> 17/18 ms,
/// K = 32 25 -> 20 ms; since the rows merge together, AVX2 K = 8/9 9.8-10.3/
/// 11.7-14.1 -> 11.0-13.4/12.2-15.5 ms, K = 10 even, K = 12/16
/// 13.3-15.2/15.1-15.7 -> 12.6-14.3/12.3-15.1 ms).
int64_t getMinKToPack(LaneCompress compress) {
  return compress == LaneCompress::Permutation ? 12 : 9;
}

Value intConstant(OpBuilder &b, Location loc, Type type, int64_t value) {
  if (auto vectorType = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(
                    vectorType, b.getIntegerAttr(vectorType.getElementType(),
                                                 value)));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

Value index(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// An entry's key: above, the value's bits as an i32 that orders like the
/// value (sign-magnitude to two's complement, so -0 and +0 tie), NaN below
/// all; below, the index (0 <= j < 2^31). Empty slots hold the largest
/// key, whose index reads -1. A -0 value comes back as +0, and NaN as the
/// default NaN.
class EntryKeys {
public:
  EntryKeys(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  /// The keys of f32 lanes `values`, without their indices (the low half,
  /// or'ed in by `withIndex`).
  Value encode(Value values) {
    Type bitsType = cast<VectorType>(values.getType()).clone(b.getI32Type());
    Value bits = arith::BitcastOp::create(b, loc, bitsType, values);
    Value magnitude = arith::AndIOp::create(
        b, loc, bits, intConstant(b, loc, bitsType, 0x7fffffff));
    Value negated = arith::SubIOp::create(
        b, loc, intConstant(b, loc, bitsType, 0), magnitude);
    Value negative = arith::CmpIOp::create(
        b, loc, CmpIPredicate::slt, bits, intConstant(b, loc, bitsType, 0));
    Value key = arith::SelectOp::create(b, loc, negative, negated, magnitude);
    Value isNaN = arith::CmpIOp::create(
        b, loc, CmpIPredicate::sgt, magnitude,
        intConstant(b, loc, bitsType, 0x7f800000));
    key = arith::SelectOp::create(b, loc, isNaN,
                                  intConstant(b, loc, bitsType, kNaNKey), key);
    Type keyType = cast<VectorType>(values.getType()).clone(b.getI64Type());
    return arith::ShLIOp::create(
        b, loc, arith::ExtSIOp::create(b, loc, keyType, key),
        intConstant(b, loc, keyType, 32));
  }

  /// A key from encode with its i64 index.
  Value withIndex(Value key, Value index) {
    return arith::OrIOp::create(b, loc, key, index);
  }

  /// The f32 value and i64 index of a scalar key (the worst value and -1
  /// for an empty slot).
  std::pair<Value, Value> decode(Value key) {
    Type i32 = b.getI32Type();
    Value index = arith::ExtSIOp::create(
        b, loc, b.getI64Type(), arith::TruncIOp::create(b, loc, i32, key));
    Value high = arith::TruncIOp::create(
        b, loc, i32,
        arith::ShRSIOp::create(b, loc, key,
                               intConstant(b, loc, b.getI64Type(), 32)));
    Value zero = intConstant(b, loc, i32, 0);
    Value negative =
        arith::CmpIOp::create(b, loc, CmpIPredicate::slt, high, zero);
    Value magnitude = arith::SelectOp::create(
        b, loc, negative, arith::SubIOp::create(b, loc, zero, high), high);
    Value bits = arith::SelectOp::create(
        b, loc, negative,
        arith::OrIOp::create(b, loc, magnitude,
                             intConstant(b, loc, i32, 0x80000000)),
        magnitude);
    LaneBuilder scalars(b, loc, b.getF32Type(), 0);
    Value value = arith::BitcastOp::create(b, loc, b.getF32Type(), bits);
    value = scalars.select(
        arith::CmpIOp::create(b, loc, CmpIPredicate::eq, high,
                              intConstant(b, loc, i32, kNaNKey)),
        scalars.cst(std::numeric_limits<double>::quiet_NaN()), value);
    value = scalars.select(scalars.indexLess(index, scalars.index(0)),
                           scalars.cst(kInf), value);
    return {value, index};
  }

  /// What a term must come before to pass, for one unordered less-than
  /// with the value: NaN while the last slot is empty (every term passes),
  /// -inf when it holds NaN (only NaN terms pass, and fall off at the
  /// merge), its value otherwise.
  Value threshold(Value lastKey) {
    auto [value, index] = decode(lastKey);
    LaneBuilder scalars(b, loc, b.getF32Type(), 0);
    return scalars.select(
        scalars.indexLess(index, scalars.index(0)),
        scalars.cst(std::numeric_limits<double>::quiet_NaN()),
        scalars.select(scalars.isNaN(value), scalars.cst(-kInf), value));
  }

private:
  OpBuilder &b;
  Location loc;
};

/// Bitonic networks on one i64 lane group of 2^n keys.
class SortingNetwork {
public:
  SortingNetwork(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  /// The keys in increasing order.
  Value sort(Value keys) {
    int64_t size = getSize(keys);
    for (int64_t run = 2; run <= size; run *= 2)
      for (int64_t distance = run / 2; distance >= 1; distance /= 2)
        keys = exchange(keys, distance,
                        [run](int64_t lane) { return (lane & run) != 0; });
    return keys;
  }

  /// The smallest |buffer| keys of the increasing `buffer` and the
  /// increasing `batch` (no longer), in increasing order: the elementwise
  /// minimum of the buffer and the reversed batch holds them (a bitonic
  /// sequence), which half-cleaners sort.
  Value mergeSmallest(Value buffer, Value batch) {
    int64_t size = getSize(buffer), batchSize = getSize(batch);
    SmallVector<int64_t> reversed, last;
    for (int64_t lane = 0; lane < batchSize; ++lane) {
      reversed.push_back(batchSize - 1 - lane);
      last.push_back(size - batchSize + lane);
    }
    Value tail = vector::ShuffleOp::create(b, loc, buffer, buffer, last);
    Value smaller = arith::MinSIOp::create(
        b, loc, tail, vector::ShuffleOp::create(b, loc, batch, batch, reversed));
    SmallVector<int64_t> lanes;
    for (int64_t lane = 0; lane < size; ++lane)
      lanes.push_back(lane < size - batchSize ? lane : lane + batchSize);
    Value keys = vector::ShuffleOp::create(b, loc, buffer, smaller, lanes);
    for (int64_t distance = size / 2; distance >= 1; distance /= 2)
      keys = exchange(keys, distance, [](int64_t) { return false; });
    return keys;
  }

private:
  static int64_t getSize(Value keys) {
    return cast<VectorType>(keys.getType()).getDimSize(0);
  }

  /// Lanes l and l ^ distance exchange keys so that the lower holds the
  /// smaller, or the larger where `descending(l)`: each lane takes the
  /// minimum or the maximum of the pair (a blend with constant lanes; an
  /// i1 lane mask, x86 would pack into bytes and back).
  Value exchange(Value keys, int64_t distance,
                 function_ref<bool(int64_t)> descending) {
    int64_t size = getSize(keys);
    SmallVector<int64_t> partners, lanes;
    for (int64_t lane = 0; lane < size; ++lane) {
      partners.push_back(lane ^ distance);
      bool takesLarger = ((lane & distance) != 0) != descending(lane);
      lanes.push_back(takesLarger ? size + lane : lane);
    }
    Value partner = vector::ShuffleOp::create(b, loc, keys, keys, partners);
    Value smaller = arith::MinSIOp::create(b, loc, keys, partner);
    Value larger = arith::MaxSIOp::create(b, loc, keys, partner);
    return vector::ShuffleOp::create(b, loc, smaller, larger, lanes);
  }

  OpBuilder &b;
  Location loc;
};

/// Row memory per component: the buffer of `slots` keys (the first K are
/// the result) and the pending values and indices (a batch and one chunk);
/// carried per component: the threshold and the pending count.
class MergedEntriesState : public EntriesState {
public:
  /// With a `compress`, every chunk's passing lanes are packed and stored,
  /// with no branch; without, a loop over the mask's set lanes behind a
  /// branch on any lane appends them. A permutation's table goes into
  /// `module`.
  MergedEntriesState(const ReductionSpec &spec, FloatType type, int64_t width,
                     LaneCompress compress, ModuleOp module)
      : EntriesState(spec, type, width), compress(compress), module(module) {
    slots = std::max<int64_t>(2, llvm::PowerOf2Ceil(k));
    batch = getMergeBatch(slots);
    assert(batch >= width && "one merge must leave less than a batch");
  }

  bool updateBranches() override { return compress == LaneCompress::None; }

  SmallVector<MemRefType> getRowMemoryTypes() override {
    MLIRContext *context = type.getContext();
    SmallVector<MemRefType> types(
        dim, MemRefType::get({slots}, IntegerType::get(context, 64)));
    types.append(dim, MemRefType::get({batch + width}, type));
    types.append(dim,
                 MemRefType::get({batch + width}, IntegerType::get(context, 32)));
    return types;
  }
  SmallVector<Value> init(OpBuilder &b, Location loc, RowMemory row) override {
    Value empty = intConstant(b, loc, keysType(b, slots), kEmptyKey);
    LaneBuilder lanes(b, loc, type, width);
    SmallVector<Value> carried;
    for (int64_t d = 0; d < dim; ++d) {
      vector::StoreOp::create(b, loc, empty, buffer(row, d),
                              ValueRange{index(b, loc, 0)});
      carried.push_back(lanes.cst(std::numeric_limits<double>::quiet_NaN()));
      carried.push_back(index(b, loc, 0));
    }
    return carried;
  }

  /// Hints where entries are merged in bulk: there a term that enters
  /// costs its share of a sort, far more than the chunk's test. AVX2 code,
  /// N = M = 1e4, D = 3, random points (Zen 3): K = 16/32/64
  /// 19.3/20.4/27.4 -> 17.1/16.8/20.9 ms; points that make every row's
  /// neighbours the same columns (rows run again): K = 32 15.9 -> 16.3 ms.
  /// One-by-one insertions (AVX2, K = 10) lost: 15.4 -> 16.1 ms, the
  /// chunk loop's rows spilled.
  bool takesHints() override { return dim == 1; }
  Value getThreshold(OpBuilder &b, Location loc, ValueRange carried) override {
    return vector::ExtractOp::create(b, loc, carried[0],
                                     ArrayRef<int64_t>{0});
  }
  /// Placeholders: the hint's key with the largest i32 index, after any
  /// entry of the same value; in the first K slots, where the hint is a
  /// number.
  SmallVector<Value> seedHint(OpBuilder &b, Location loc, ValueRange carried,
                              RowMemory row, Value hint) override {
    EntryKeys keys(b, loc);
    Value placeholders = keys.withIndex(
        keys.encode(LaneBuilder(b, loc, type, slots).broadcast(hint)),
        intConstant(b, loc, keysType(b, slots), kPlaceholderIndex));
    auto maskType = VectorType::get({slots}, b.getI1Type());
    SmallVector<bool> firstK(slots, false);
    std::fill_n(firstK.begin(), k, true);
    Value isNumber =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ORD, hint, hint);
    Value seededSlots = arith::AndIOp::create(
        b, loc,
        arith::ConstantOp::create(b, loc,
                                  DenseElementsAttr::get(maskType, firstK)),
        vector::BroadcastOp::create(b, loc, maskType, isNumber));
    Value seeded = arith::SelectOp::create(b, loc, seededSlots, placeholders,
                                           loadBuffer(b, loc, row));
    vector::StoreOp::create(b, loc, seeded, buffer(row, 0),
                            ValueRange{index(b, loc, 0)});
    return {thresholdOf(b, loc, seeded), carried[1]};
  }
  /// Merges the pending entries first.
  std::pair<Value, SmallVector<Value>>
  dropPlaceholders(OpBuilder &b, Location loc, ValueRange carried,
                   RowMemory row) override {
    Value count = mergePending(b, loc, row, 0, carried[1])[1];
    Value keys = loadBuffer(b, loc, row);
    Value lowBits = arith::AndIOp::create(
        b, loc, keys, intConstant(b, loc, keys.getType(), 0xffffffff));
    Value placeholder = arith::CmpIOp::create(
        b, loc, CmpIPredicate::eq, lowBits,
        intConstant(b, loc, keys.getType(), kPlaceholderIndex));
    Value left =
        vector::ExtractOp::create(b, loc, placeholder, ArrayRef<int64_t>{k - 1});
    keys = arith::SelectOp::create(
        b, loc, placeholder, intConstant(b, loc, keys.getType(), kEmptyKey),
        keys);
    vector::StoreOp::create(b, loc, keys, buffer(row, 0),
                            ValueRange{index(b, loc, 0)});
    return {left, {thresholdOf(b, loc, keys), count}};
  }

protected:
  SmallVector<Type> getComponentTypes() override {
    return {VectorType::get({width}, type), IndexType::get(type.getContext())};
  }

  std::pair<SmallVector<Value>, SmallVector<Value>>
  readEntries(OpBuilder &b, Location loc, ValueRange carried, RowMemory row,
              int64_t d) override {
    Value merged = mergeIntoBuffer(b, loc, row, d,
                                   pendingKeys(b, loc, row, d, carried[1]));
    EntryKeys keys(b, loc);
    SmallVector<Value> values, indices;
    for (int64_t slot = 0; slot < k; ++slot) {
      auto [value, entryIndex] = keys.decode(
          vector::ExtractOp::create(b, loc, merged, ArrayRef<int64_t>{slot}));
      values.push_back(value);
      indices.push_back(entryIndex);
    }
    return {values, indices};
  }

  /// Appends the selected lanes to the pending list and returns the
  /// threshold and the count; settleRows merges.
  SmallVector<Value> insert(OpBuilder &b, Location loc, ValueRange carried,
                            RowMemory row, int64_t d, Value f, Value j,
                            Value mask) override {
    // The lanes' indices from j0 (the loop's counter): LLVM would compute
    // the vector `j` in the hot loop and keep it in memory for the branch.
    Value first = arith::TruncIOp::create(
        b, loc, b.getI32Type(),
        vector::ExtractOp::create(b, loc, j, ArrayRef<int64_t>{0}));
    if (compress != LaneCompress::None)
      return {carried[0], appendCompressed(b, loc, row, d, carried[1], f,
                                           first, mask)};
    auto ifAny = scf::IfOp::create(b, loc, b.getIndexType(),
                                   anyLane(b, loc, mask),
                                   /*withElseRegion=*/true);
    OpBuilder nb = ifAny.getThenBodyBuilder();
    scf::YieldOp::create(
        nb, loc, appendSetLanes(nb, loc, row, d, carried[1], f, first, mask));
    OpBuilder eb = ifAny.getElseBodyBuilder();
    scf::YieldOp::create(eb, loc, carried[1]);
    return {carried[0], ifAny.getResult(0)};
  }

  /// Where any row's pending list holds a batch, merges every row's
  /// pending entries (up to a batch; fewer where a row has fewer): one
  /// branch for the rows, and their merges - long chains of dependent
  /// lane operations - overlap.
  SmallVector<Value> settleRows(OpBuilder &b, Location loc, ValueRange carried,
                                ArrayRef<SmallVector<Value>> rows) override {
    size_t perRow = carried.size() / rows.size();
    auto count = [&](size_t r, int64_t d) {
      return getComponent(carried.slice(r * perRow, perRow), d)[1];
    };
    Value batchSize = index(b, loc, batch);
    Value anyFull;
    for (size_t r = 0; r < rows.size(); ++r)
      for (int64_t d = 0; d < dim; ++d) {
        Value full = arith::CmpIOp::create(b, loc, CmpIPredicate::sge,
                                           count(r, d), batchSize);
        anyFull = anyFull ? arith::OrIOp::create(b, loc, anyFull, full) : full;
      }
    auto ifFull = scf::IfOp::create(
        b, loc, anyFull,
        [&](OpBuilder &fb, Location fl) {
          SmallVector<Value> merged;
          for (auto [r, row] : llvm::enumerate(rows))
            for (int64_t d = 0; d < dim; ++d)
              llvm::append_range(merged,
                                 mergePending(fb, fl, row, d, count(r, d)));
          scf::YieldOp::create(fb, fl, merged);
        },
        [&](OpBuilder &fb, Location fl) {
          scf::YieldOp::create(fb, fl, carried);
        });
    return SmallVector<Value>(ifFull.getResults());
  }

private:
  Value buffer(RowMemory row, int64_t d) { return row[d]; }
  Value pendingValues(RowMemory row, int64_t d) { return row[dim + d]; }
  Value pendingIndices(RowMemory row, int64_t d) { return row[2 * dim + d]; }

  VectorType keysType(OpBuilder &b, int64_t size) {
    return VectorType::get({size}, b.getI64Type());
  }

  /// Component 0's buffer of keys.
  Value loadBuffer(OpBuilder &b, Location loc, RowMemory row) {
    return vector::LoadOp::create(b, loc, keysType(b, slots), buffer(row, 0),
                                  ValueRange{index(b, loc, 0)});
  }

  /// The broadcast threshold of a buffer of keys.
  Value thresholdOf(OpBuilder &b, Location loc, Value keys) {
    Value last =
        vector::ExtractOp::create(b, loc, keys, ArrayRef<int64_t>{k - 1});
    return LaneBuilder(b, loc, type, width)
        .broadcast(EntryKeys(b, loc).threshold(last));
  }

  /// Stores the selected lanes of f and their indices (from `first`) at
  /// `count`, each through memory; returns the new count.
  Value appendSetLanes(OpBuilder &b, Location loc, RowMemory row, int64_t d,
                       Value count, Value f, Value first, Value mask) {
    return forEachSetLane(
               b, loc, mask, ValueRange{count},
               [&](OpBuilder &lb, Location ll, Value lane, ValueRange at) {
                 memref::StoreOp::create(
                     lb, ll, vector::ExtractOp::create(lb, ll, f, lane),
                     pendingValues(row, d), at);
                 Value entryIndex = arith::AddIOp::create(
                     lb, ll, first,
                     arith::IndexCastOp::create(lb, ll, lb.getI32Type(),
                                                lane));
                 memref::StoreOp::create(lb, ll, entryIndex,
                                         pendingIndices(row, d), at);
                 return SmallVector<Value>{
                     arith::AddIOp::create(lb, ll, at[0], index(lb, ll, 1))};
               })
        .front();
  }

  /// Packs the selected lanes of f and their indices (from `first`) into
  /// the first lanes and stores all lanes at `count`; returns the count
  /// plus the selected lanes'.
  Value appendCompressed(OpBuilder &b, Location loc, RowMemory row, int64_t d,
                         Value count, Value f, Value first, Value mask) {
    auto indicesType = VectorType::get({width}, b.getI32Type());
    Value firsts = vector::BroadcastOp::create(b, loc, indicesType, first);
    Value bits = laneBits(b, loc, mask);
    if (compress == LaneCompress::Permutation) {
      // The permutation holds the selected lanes' numbers: their indices
      // are first + the permutation, with no second VPERMD.
      Value permutation = compressingPermutation(b, loc, bits);
      vector::StoreOp::create(b, loc, permute(b, loc, f, permutation),
                              pendingValues(row, d), count);
      vector::StoreOp::create(b, loc,
                              arith::AddIOp::create(b, loc, firsts, permutation),
                              pendingIndices(row, d), count);
    } else {
      Value indices = arith::AddIOp::create(b, loc, firsts,
                                            laneNumbers(b, loc, indicesType));
      vector::StoreOp::create(b, loc, compressLanes(b, loc, f, mask),
                              pendingValues(row, d), count);
      vector::StoreOp::create(b, loc, compressLanes(b, loc, indices, mask),
                              pendingIndices(row, d), count);
    }
    Value selected = arith::IndexCastUIOp::create(
        b, loc, b.getIndexType(), math::CtPopOp::create(b, loc, bits));
    return arith::AddIOp::create(b, loc, count, selected);
  }

  /// The lanes of `v` selected by `mask`, in order, in the first lanes
  /// (the rest zero): LLVM's generic intrinsic, one VPCOMPRESS on AVX-512.
  static Value compressLanes(OpBuilder &b, Location loc, Value v, Value mask) {
    auto vectorType = cast<VectorType>(v.getType());
    Value zero = arith::ConstantOp::create(
        b, loc, vectorType, b.getZeroAttr(vectorType));
    return LLVM::CallIntrinsicOp::create(
               b, loc, vectorType,
               b.getStringAttr("llvm.experimental.vector.compress"),
               ValueRange{v, mask, zero})
        .getResult(0);
  }

  /// For the 8 mask bits `bits`, the lane permutation that brings the set
  /// lanes first, in order (the rest lane 0): row `bits` of a module
  /// constant of 256 x 8 lane numbers, widened to 8 x i32 - one VPMOVZXBD
  /// from memory, where PDEP/PEXT took six instructions.
  Value compressingPermutation(OpBuilder &b, Location loc, Value bits) {
    memref::GlobalOp table = getCompressingPermutations(b, loc);
    Value rows = memref::GetGlobalOp::create(b, loc, table.getType(),
                                             table.getSymName());
    Value row = arith::IndexCastUIOp::create(b, loc, b.getIndexType(), bits);
    Value laneNumbers = vector::LoadOp::create(
        b, loc, VectorType::get({8}, b.getI8Type()), rows,
        ValueRange{row, index(b, loc, 0)});
    return arith::ExtUIOp::create(b, loc, VectorType::get({8}, b.getI32Type()),
                                  laneNumbers);
  }

  /// The module's table of compressingPermutation: made at its first use,
  /// shared with the module's other reductions.
  memref::GlobalOp getCompressingPermutations(OpBuilder &b, Location loc) {
    if (table)
      return table;
    SmallVector<int8_t> lanes;
    for (int bits = 0; bits < 256; ++bits) {
      size_t rowStart = lanes.size();
      for (int8_t lane = 0; lane < 8; ++lane)
        if (bits & (1 << lane))
          lanes.push_back(lane);
      lanes.resize(rowStart + 8, 0);
    }
    auto type = MemRefType::get({256, 8}, b.getI8Type());
    auto values = DenseElementsAttr::get(
        RankedTensorType::get(type.getShape(), b.getI8Type()),
        ArrayRef<int8_t>(lanes));
    constexpr StringLiteral name = "kred_compressing_permutations_8";
    auto existing = module.lookupSymbol<memref::GlobalOp>(name);
    if (existing && existing.getType() == type && existing.getConstant() &&
        existing.getInitialValueAttr() == values)
      return table = existing;
    OpBuilder detached(b.getContext());
    table = memref::GlobalOp::create(detached, loc, name,
                                     b.getStringAttr("private"), type, values,
                                     /*constant=*/true, b.getI64IntegerAttr(64));
    // Renamed where the name is taken.
    SymbolTable(module).insert(table, module.getBody()->begin());
    return table;
  }

  /// VPERMPS / VPERMD: lane l of the result is lane permutation[l] of v.
  static Value permute(OpBuilder &b, Location loc, Value v, Value permutation) {
    StringRef name = getElementTypeOrSelf(v.getType()).isF32()
                         ? "llvm.x86.avx2.permps"
                         : "llvm.x86.avx2.permd";
    return LLVM::CallIntrinsicOp::create(b, loc, v.getType(),
                                         b.getStringAttr(name),
                                         ValueRange{v, permutation})
        .getResult(0);
  }

  /// Merges the first `count` pending entries, at most a batch, into the
  /// buffer and moves the rest (less than a chunk) to the front. Returns
  /// the threshold, from the merged keys, and the count left.
  SmallVector<Value> mergePending(OpBuilder &b, Location loc, RowMemory row,
                                  int64_t d, Value count) {
    Value batchSize = index(b, loc, batch);
    Value merged =
        mergeIntoBuffer(b, loc, row, d, pendingKeys(b, loc, row, d, count));
    for (Value pending : {pendingValues(row, d), pendingIndices(row, d)}) {
      auto memrefType = cast<MemRefType>(pending.getType());
      auto restType = VectorType::get({width}, memrefType.getElementType());
      Value rest = vector::LoadOp::create(b, loc, restType, pending,
                                          ValueRange{batchSize});
      vector::StoreOp::create(b, loc, rest, pending,
                              ValueRange{index(b, loc, 0)});
    }
    Value left = arith::MaxSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, count, batchSize),
        index(b, loc, 0));
    return {thresholdOf(b, loc, merged), left};
  }

  /// The keys of the first batch of pending entries, the slots from
  /// `count` on read as empty.
  Value pendingKeys(OpBuilder &b, Location loc, RowMemory row, int64_t d,
                    Value count) {
    Value c0 = index(b, loc, 0);
    Value values =
        vector::LoadOp::create(b, loc, VectorType::get({batch}, type),
                               pendingValues(row, d), ValueRange{c0});
    Value indices = vector::LoadOp::create(
        b, loc, VectorType::get({batch}, b.getI32Type()),
        pendingIndices(row, d), ValueRange{c0});
    EntryKeys encoder(b, loc);
    Value keys = encoder.withIndex(
        encoder.encode(values),
        arith::ExtUIOp::create(b, loc, keysType(b, batch), indices));
    Value valid = arith::CmpIOp::create(
        b, loc, CmpIPredicate::slt, laneNumbers(b, loc, keysType(b, batch)),
        vector::BroadcastOp::create(
            b, loc, keysType(b, batch),
            arith::IndexCastOp::create(b, loc, b.getI64Type(), count)));
    return arith::SelectOp::create(
        b, loc, valid, keys,
        intConstant(b, loc, keysType(b, batch), kEmptyKey));
  }

  /// Sorts `keys` (a batch) and merges them into the buffer; returns the
  /// buffer's new keys.
  Value mergeIntoBuffer(OpBuilder &b, Location loc, RowMemory row, int64_t d,
                        Value keys) {
    SortingNetwork network(b, loc);
    Value c0 = index(b, loc, 0);
    Value old = vector::LoadOp::create(b, loc, keysType(b, slots),
                                       buffer(row, d), ValueRange{c0});
    Value merged = network.mergeSmallest(old, network.sort(keys));
    vector::StoreOp::create(b, loc, merged, buffer(row, d), ValueRange{c0});
    return merged;
  }

  LaneCompress compress;
  ModuleOp module;
  memref::GlobalOp table; // getCompressingPermutations
  int64_t slots, batch;
};

} // namespace

std::unique_ptr<ReductionState>
kred::createMergedEntriesState(const ReductionSpec &spec, FloatType type,
                               int64_t width, int64_t vectorRegisters,
                               LaneCompress compress, ModuleOp module) {
  if (!type.isF32() || width < 2 || spec.k < 2 || spec.k > 64 ||
      !spec.info().isMin)
    return nullptr;
  int64_t slots = llvm::PowerOf2Ceil(spec.k);
  // The permutation covers 8 lanes of 32 bits; its table is a module's.
  if (compress == LaneCompress::Permutation && (width != 8 || !module))
    compress = LaneCompress::None;
  if (compress != LaneCompress::None && spec.k >= getMinKToPack(compress) &&
      getMergeBatch(slots) >= width)
    return std::make_unique<MergedEntriesState>(spec, type, width, compress,
                                                module);
  // Where the buffer's values and indices fit in half the registers,
  // inserting entries one by one as lanes is faster.
  if (slots * 8 <= width * 4 * vectorRegisters / 2)
    return nullptr;
  return std::make_unique<MergedEntriesState>(spec, type, width,
                                              LaneCompress::None, module);
}
