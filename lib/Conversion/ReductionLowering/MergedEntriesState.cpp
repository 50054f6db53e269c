//===- MergedEntriesState.cpp - K-best buffers merged in bulk -------------===//
//
// ArgKMin, KMin and KMin_ArgKMin on f32 lane groups.
// An entry (value, index) is one i64 key that orders as the kind orders
// entries - NaN first, then by value, ties by index - so a sorting
// network exchanges whole entries with one integer comparison. The terms
// that beat the threshold are appended to a pending list; every 16 pending
// keys are sorted (a bitonic network) and merged into the sorted buffer of
// the K best at once, and only then does the threshold move. Used where
// the buffer's values and indices fill more than half the vector
// registers (AVX2: K > 32), where inserting entries one by one as lanes
// shifts the buffer in pieces through memory. Measured on a Zen 4, AVX2
// code, N = M = 1e4, K = 64: D = 3 80-90 -> 45-48 ms, D = 64 293-299 ->
// 258-261 ms; at K = 32, and in AVX-512 code up to K = 64, the one-by-one
// insertion stayed faster (K = 32, AVX2: 26-27 ms against 32 ms merged).
//
//===----------------------------------------------------------------------===//

#include "EntryBuffers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace kred;
using arith::CmpIPredicate;

namespace {
constexpr int64_t kEmptyKey = std::numeric_limits<int64_t>::max();
constexpr int32_t kNaNKey = std::numeric_limits<int32_t>::min();
constexpr double kInf = std::numeric_limits<double>::infinity();

/// How many pending keys are merged at once (the sorting network's size,
/// at most the buffer's): larger batches share a merge among more keys,
/// but let more terms past a stale threshold.
constexpr int64_t kMergeBatch = 16;

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
/// the result), the pending keys (a batch and one chunk), and their count.
class MergedEntriesState : public EntriesState {
public:
  MergedEntriesState(const ReductionSpec &spec, FloatType type, int64_t width)
      : EntriesState(spec, type, width) {
    slots = std::max<int64_t>(2, llvm::PowerOf2Ceil(k));
    batch = std::min(slots, kMergeBatch);
  }

  SmallVector<MemRefType> getRowMemoryTypes() override {
    auto keys = [&](int64_t size) {
      return MemRefType::get({size}, IntegerType::get(type.getContext(), 64));
    };
    SmallVector<MemRefType> types(dim, keys(slots));
    types.append(dim, keys(batch + width));
    types.append(dim, MemRefType::get({1}, IndexType::get(type.getContext())));
    return types;
  }
  SmallVector<Value> init(OpBuilder &b, Location loc, RowMemory row) override {
    Value empty = intConstant(b, loc, VectorType::get({slots}, b.getI64Type()),
                              kEmptyKey);
    LaneBuilder lanes(b, loc, type, width);
    SmallVector<Value> thresholds;
    for (int64_t d = 0; d < dim; ++d) {
      vector::StoreOp::create(b, loc, empty, buffer(row, d),
                              ValueRange{index(b, loc, 0)});
      memref::StoreOp::create(b, loc, index(b, loc, 0), count(row, d),
                              ValueRange{index(b, loc, 0)});
      thresholds.push_back(
          lanes.cst(std::numeric_limits<double>::quiet_NaN()));
    }
    return thresholds;
  }

protected:
  std::pair<SmallVector<Value>, SmallVector<Value>>
  readEntries(OpBuilder &b, Location loc, RowMemory row, int64_t d) override {
    Value merged = mergeRest(b, loc, row, d);
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

private:
  Value buffer(RowMemory row, int64_t d) { return row[d]; }
  Value pending(RowMemory row, int64_t d) { return row[dim + d]; }
  Value count(RowMemory row, int64_t d) { return row[2 * dim + d]; }

  VectorType keysType(OpBuilder &b, int64_t size) {
    return VectorType::get({size}, b.getI64Type());
  }

  /// Appends the keys of the selected lanes to the pending list, merges
  /// the full batches, and returns the threshold.
  Value insert(OpBuilder &b, Location loc, Value oldThreshold, RowMemory row,
               int64_t d, Value f, Value j, Value mask) override {
    Value c0 = index(b, loc, 0);
    Value pendingKeys = pending(row, d), counter = count(row, d);
    auto ifAny = scf::IfOp::create(
        b, loc, TypeRange{oldThreshold.getType()}, anyLane(b, loc, mask),
        /*withElseRegion=*/true);
    OpBuilder nb = ifAny.getThenBodyBuilder();
    EntryKeys encoder(nb, loc);
    Value keys = encoder.encode(f);
    // The lanes' indices from j0 (the loop's counter): LLVM would compute
    // the vector `j` in the hot loop and keep it in memory for this branch.
    Value first = vector::ExtractOp::create(nb, loc, j, ArrayRef<int64_t>{0});
    // The selected lanes' keys, read at their lanes through memory.
    Value before = memref::LoadOp::create(nb, loc, counter, ValueRange{c0});
    Value after =
        forEachSetLane(
            nb, loc, mask, ValueRange{before},
            [&](OpBuilder &lb, Location ll, Value lane, ValueRange at) {
              Value key = encoder.withIndex(
                  vector::ExtractOp::create(lb, ll, keys, lane),
                  arith::AddIOp::create(
                      lb, ll, first,
                      arith::IndexCastOp::create(lb, ll, lb.getI64Type(),
                                                 lane)));
              memref::StoreOp::create(lb, ll, key, pendingKeys, at);
              return SmallVector<Value>{
                  arith::AddIOp::create(lb, ll, at[0], index(lb, ll, 1))};
            })
            .front();
    memref::StoreOp::create(nb, loc, after, counter, ValueRange{c0});
    Value full = arith::CmpIOp::create(nb, loc, CmpIPredicate::sge, after,
                                       index(nb, loc, batch));
    auto ifFull = scf::IfOp::create(
        nb, loc, full,
        [&](OpBuilder &fb, Location fl) {
          mergeFullBatches(fb, fl, row, d, after);
          Value last = memref::LoadOp::create(fb, fl, buffer(row, d),
                                              ValueRange{index(fb, fl, k - 1)});
          scf::YieldOp::create(
              fb, fl,
              LaneBuilder(fb, fl, type, width)
                  .broadcast(EntryKeys(fb, fl).threshold(last)));
        },
        [&](OpBuilder &fb, Location fl) {
          scf::YieldOp::create(fb, fl, oldThreshold);
        });
    scf::YieldOp::create(nb, loc, ifFull.getResult(0));
    OpBuilder eb = ifAny.getElseBodyBuilder();
    scf::YieldOp::create(eb, loc, oldThreshold);
    return ifAny.getResult(0);
  }

  /// While a batch is pending: merges the first `batch` keys into the
  /// buffer, and moves the rest (fewer than a chunk) to the front.
  void mergeFullBatches(OpBuilder &b, Location loc, RowMemory row, int64_t d,
                        Value pendingCount) {
    Value batchSize = index(b, loc, batch);
    Value c0 = index(b, loc, 0);
    auto loop = scf::WhileOp::create(
        b, loc, TypeRange{b.getIndexType()}, ValueRange{pendingCount},
        [&](OpBuilder &wb, Location wl, ValueRange args) {
          Value more = arith::CmpIOp::create(wb, wl, CmpIPredicate::sge,
                                             args[0], batchSize);
          scf::ConditionOp::create(wb, wl, more, args);
        },
        [&](OpBuilder &wb, Location wl, ValueRange args) {
          Value keys = vector::LoadOp::create(wb, wl, keysType(wb, batch),
                                              pending(row, d), ValueRange{c0});
          mergeIntoBuffer(wb, wl, row, d, keys);
          Value rest = vector::LoadOp::create(wb, wl, keysType(wb, width),
                                              pending(row, d),
                                              ValueRange{batchSize});
          vector::StoreOp::create(wb, wl, rest, pending(row, d),
                                  ValueRange{c0});
          scf::YieldOp::create(
              wb, wl,
              ValueRange{arith::SubIOp::create(wb, wl, args[0], batchSize)});
        });
    memref::StoreOp::create(b, loc, loop.getResult(0), count(row, d),
                            ValueRange{c0});
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

  /// Merges the last pending keys (fewer than a batch; the slots past the
  /// count are read as empty) and returns the buffer's keys.
  Value mergeRest(OpBuilder &b, Location loc, RowMemory row, int64_t d) {
    Value c0 = index(b, loc, 0);
    Value keys = vector::LoadOp::create(b, loc, keysType(b, batch),
                                        pending(row, d), ValueRange{c0});
    Value pendingCount =
        memref::LoadOp::create(b, loc, count(row, d), ValueRange{c0});
    SmallVector<int64_t> lanes;
    for (int64_t lane = 0; lane < batch; ++lane)
      lanes.push_back(lane);
    Value valid = arith::CmpIOp::create(
        b, loc, CmpIPredicate::slt,
        arith::ConstantOp::create(
            b, loc,
            DenseElementsAttr::get(keysType(b, batch), ArrayRef<int64_t>(lanes))),
        vector::BroadcastOp::create(
            b, loc, keysType(b, batch),
            arith::IndexCastOp::create(b, loc, b.getI64Type(), pendingCount)));
    keys = arith::SelectOp::create(
        b, loc, valid, keys,
        intConstant(b, loc, keysType(b, batch), kEmptyKey));
    return mergeIntoBuffer(b, loc, row, d, keys);
  }

  int64_t slots, batch;
};

} // namespace

std::unique_ptr<ReductionState>
kred::createMergedEntriesState(const ReductionSpec &spec, FloatType type,
                               int64_t width, int64_t vectorRegisters) {
  if (!type.isF32() || width < 2 || spec.k < 2 || spec.k > 64 ||
      !spec.info().isMin)
    return nullptr;
  // Where the buffer's values and indices fit in half the registers,
  // inserting entries one by one as lanes is faster.
  int64_t slots = llvm::PowerOf2Ceil(spec.k);
  if (slots * 8 <= width * 4 * vectorRegisters / 2)
    return nullptr;
  return std::make_unique<MergedEntriesState>(spec, type, width);
}
