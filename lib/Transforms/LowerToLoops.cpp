//===- LowerToLoops.cpp - kred.reduce to tiled loops over SIMD lanes ------===//
//
// The loop nest built for `out[i] = Reduction_j F(x_i, y_j, p)`:
//
//   for each batch index:                        (sequential)
//     copy j-variables into [D][Mpad] buffers    (lanes load contiguously)
//     scf.parallel over tiles of tile-i rows:    (OpenMP threads)
//       state[tile-i] = identity
//       for each tile of tile-j columns:         (kept in cache)
//         for each block of rows-per-chunk rows of the tile:
//           load their states; for each chunk of W columns: update; store
//       masked last chunk (when W does not divide M)
//       for each row: combine lanes, write outputs
//
//===----------------------------------------------------------------------===//

#include "LaneBuilder.h"
#include "ReductionState.h"

#include "kred/Dialect/Kred/IR/KredOps.h"
#include "kred/Transforms/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

namespace kred {
#define GEN_PASS_DEF_KREDLOWERTOLOOPS
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;
using namespace kred;

namespace {

/// Formula values wider than this many components would unroll into too much
/// code; KeOps formulas are far smaller.
constexpr int64_t kMaxLoweredDim = 1024;

/// Lowers one kred.reduce over j on memrefs.
class ReduceLowering {
public:
  ReduceLowering(ReduceOp op, int64_t vectorWidth, int64_t tileI,
                 int64_t tileJ, int64_t rowsPerChunk)
      : op(op), loc(op.getLoc()), tileI(tileI), tileJ(tileJ),
        vectorWidth(vectorWidth), rowsPerChunk(rowsPerChunk) {}

  LogicalResult run();

private:
  LogicalResult check();
  Value constIndex(OpBuilder &b, int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  /// Converts the scalar `v` to the float type `to`.
  Value convertFloat(OpBuilder &b, Value v, FloatType to);
  /// Loads element `indices` of `memref` as a compute-type scalar.
  Value loadScalar(OpBuilder &b, Value memref, ValueRange indices);
  /// Emits the formula for one chunk of lanes; `varLanes` gives the lanes
  /// of each kred.var.
  LogicalResult emitFormula(OpBuilder &b,
                            function_ref<Lanes(OpBuilder &, VarOp)> varLanes,
                            Lanes &f, Lanes &g);
  /// Emits the loops of one batch index; `batchIndex[p]` indexes the batch
  /// dimensions of input p, `outBatch` those of the outputs.
  void emitBatch(OpBuilder &b, ArrayRef<SmallVector<Value>> batchIndex,
                 ArrayRef<Value> outBatch);

  ReduceOp op;
  Location loc;
  int64_t tileI, tileJ, vectorWidth, rowsPerChunk;
  int64_t width = 0;
  FloatType computeType;
  std::unique_ptr<ReductionState> state;
  /// kred.var ops by input position (first one seen).
  llvm::MapVector<int64_t, VarOp> vars;
  int64_t firstJPosition = -1;
  LogicalResult status = success();
};
} // namespace

LogicalResult ReduceLowering::check() {
  if (op.getAxis() != IndexAxis::j)
    return op.emitOpError("reduces over i; run kred-reduce-over-j before "
                          "kred-lower-to-loops");
  for (Value v : op->getOperands())
    if (!isa<MemRefType>(v.getType()))
      return op.emitOpError("operates on tensors; the CPU code generator "
                            "takes reductions on memrefs");
  if (!op.getRanges().empty())
    return op.emitOpError("has block-sparse ranges, which the CPU code "
                          "generator does not support yet");
  WalkResult tooWide = op.getBody().walk([&](Operation *inner) {
    for (Value r : inner->getResults())
      if (getFormulaDim(r) > kMaxLoweredDim) {
        inner->emitOpError("yields a vector of dimension ")
            << getFormulaDim(r) << "; the CPU code generator takes at most "
            << kMaxLoweredDim;
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  if (tooWide.wasInterrupted())
    return failure();
  if (op.getK() && static_cast<int64_t>(*op.getK()) *
                           getFormulaDim(op.getFormula()) >
                       kMaxLoweredDim)
    return op.emitOpError("keeps K * D = ")
           << static_cast<int64_t>(*op.getK()) * getFormulaDim(op.getFormula())
           << " sorted entries per lane; the CPU code generator takes at most "
           << kMaxLoweredDim;

  op.getBody().walk([&](VarOp var) {
    int64_t position = static_cast<int64_t>(var.getPosition());
    vars.try_emplace(position, var);
    if (var.getCategory() == VarCategory::j && firstJPosition < 0)
      firstJPosition = position;
  });
  if (firstJPosition < 0)
    return op.emitOpError("has no j-variable, so the number of terms to "
                          "reduce is unknown; expected at least one kred.var "
                          "j");

  auto elementType = cast<FloatType>(
      cast<VectorType>(op.getFormula().getType()).getElementType());
  // Half-precision inputs are computed in f32.
  computeType = elementType.getWidth() < 32 ? Float32Type::get(op.getContext())
                                            : elementType;
  width = std::max<int64_t>(1, computeType.isF64() ? vectorWidth / 2
                                                   : vectorWidth);
  if (rowsPerChunk < 1)
    return op.emitOpError("rows-per-chunk must be positive, but is ")
           << rowsPerChunk;
  if (tileI < 1 || tileJ < width || tileJ % width != 0)
    return op.emitOpError("tile sizes must be positive with tile-j a "
                          "multiple of the vector width ")
           << width << ", but tile-i = " << tileI << " and tile-j = " << tileJ;
  FailureOr<std::unique_ptr<ReductionState>> created =
      ReductionState::create(op, computeType, width);
  if (failed(created))
    return failure();
  state = std::move(*created);
  return success();
}

Value ReduceLowering::convertFloat(OpBuilder &b, Value v, FloatType to) {
  auto from = cast<FloatType>(v.getType());
  if (from.getWidth() < to.getWidth())
    return arith::ExtFOp::create(b, loc, to, v);
  // f64 goes to half types through f32: a direct truncation would need
  // compiler-rt helpers that the kernel is not linked with.
  if (from.isF64() && to.getWidth() < 32)
    v = arith::TruncFOp::create(b, loc, b.getF32Type(), v);
  if (!to.isBF16())
    return arith::TruncFOp::create(b, loc, to, v);
  // f32 -> bf16, rounding to nearest even on the bits (NaN stays NaN).
  Type i32 = b.getI32Type();
  auto c = [&](int64_t x) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(x));
  };
  Value bits = arith::BitcastOp::create(b, loc, i32, v);
  Value odd = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, bits, c(16)), c(1));
  Value rounded = arith::AddIOp::create(
      b, loc, bits, arith::AddIOp::create(b, loc, odd, c(0x7fff)));
  Value isNaN = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, v, v);
  Value high = arith::SelectOp::create(b, loc, isNaN, c(0x7fc00000),
                                       rounded);
  Value half = arith::TruncIOp::create(
      b, loc, b.getI16Type(), arith::ShRUIOp::create(b, loc, high, c(16)));
  return arith::BitcastOp::create(b, loc, to, half);
}

Value ReduceLowering::loadScalar(OpBuilder &b, Value memref,
                                 ValueRange indices) {
  Value v = memref::LoadOp::create(b, loc, memref, indices);
  if (v.getType() != computeType)
    v = arith::ExtFOp::create(b, loc, computeType, v);
  return v;
}

LogicalResult ReduceLowering::emitFormula(
    OpBuilder &b, function_ref<Lanes(OpBuilder &, VarOp)> varLanes, Lanes &f,
    Lanes &g) {
  LaneBuilder lanes(b, loc, computeType, width);
  DenseMap<Value, Lanes> values;
  for (Operation &inner : op.getBody().front()) {
    if (auto var = dyn_cast<VarOp>(inner)) {
      values[var.getResult()] = varLanes(b, var);
      continue;
    }
    if (auto yield = dyn_cast<YieldOp>(inner)) {
      f = values.lookup(yield.getValues()[0]);
      if (yield.getValues().size() > 1)
        g = values.lookup(yield.getValues()[1]);
      return success();
    }
    SmallVector<Lanes> operands;
    for (Value v : inner.getOperands())
      operands.push_back(values.lookup(v));
    FailureOr<Lanes> result = lowerFormulaOp(&inner, operands, lanes);
    if (failed(result))
      return failure();
    values[inner.getResult(0)] = *result;
  }
  return success();
}

void ReduceLowering::emitBatch(OpBuilder &b,
                               ArrayRef<SmallVector<Value>> batchIndex,
                               ArrayRef<Value> outBatch) {
  int64_t batch = static_cast<int64_t>(op.getBatchDims());
  auto inputs = op.getInputs();
  Value c0 = constIndex(b, 0), c1 = constIndex(b, 1);
  Value cw = constIndex(b, width);
  Value numRows = memref::DimOp::create(b, loc, op.getOutputs()[0], batch);
  Value numCols =
      memref::DimOp::create(b, loc, inputs[firstJPosition], batch);
  // Mpad = ceil(M / W) * W; Mfull = floor(M / W) * W.
  Value numChunks = arith::CeilDivSIOp::create(b, loc, numCols, cw);
  Value paddedCols = arith::MulIOp::create(b, loc, numChunks, cw);
  Value fullCols = arith::MulIOp::create(
      b, loc, arith::DivSIOp::create(b, loc, numCols, cw), cw);

  auto indices = [&](int64_t position, ValueRange rest) {
    SmallVector<Value> all(batchIndex[position]);
    all.append(rest.begin(), rest.end());
    return all;
  };

  // j-variables, transposed to [D][Mpad] and zero-padded.
  DenseMap<int64_t, Value> jBuffers;
  for (auto [position, var] : vars) {
    if (var.getCategory() != VarCategory::j)
      continue;
    int64_t dim = getFormulaDim(var.getResult());
    auto type = MemRefType::get({dim, ShapedType::kDynamic}, computeType);
    Value buffer = memref::AllocOp::create(b, loc, type, ValueRange{paddedCols},
                                           b.getI64IntegerAttr(64));
    Value input = inputs[position];
    scf::ForOp::create(
        b, loc, c0, numCols, c1, {},
        [&](OpBuilder &nb, Location, Value j, ValueRange) {
          for (int64_t d = 0; d < dim; ++d) {
            Value cd = constIndex(nb, d);
            Value v = loadScalar(nb, input, indices(position, {j, cd}));
            memref::StoreOp::create(nb, loc, v, buffer, ValueRange{cd, j});
          }
          scf::YieldOp::create(nb, loc);
        });
    scf::ForOp::create(
        b, loc, numCols, paddedCols, c1, {},
        [&](OpBuilder &nb, Location, Value j, ValueRange) {
          Value zero = arith::ConstantOp::create(
              nb, loc, nb.getFloatAttr(computeType, 0.0));
          for (int64_t d = 0; d < dim; ++d)
            memref::StoreOp::create(nb, loc, zero, buffer,
                                    ValueRange{constIndex(nb, d), j});
          scf::YieldOp::create(nb, loc);
        });
    jBuffers[position] = buffer;
  }

  // Parameters are the same for every pair: loaded once.
  DenseMap<int64_t, Lanes> paramLanes;
  for (auto [position, var] : vars) {
    if (var.getCategory() != VarCategory::param)
      continue;
    LaneBuilder lanes(b, loc, computeType, width);
    Lanes l;
    for (int64_t d = 0, e = getFormulaDim(var.getResult()); d < e; ++d)
      l.push_back(lanes.broadcast(loadScalar(
          b, inputs[position], indices(position, {constIndex(b, d)}))));
    paramLanes[position] = l;
  }

  SmallVector<Type> stateTypes = state->getTypes();
  Value ti = constIndex(b, tileI);
  Value numTiles = arith::CeilDivSIOp::create(b, loc, numRows, ti);

  auto body = [&](OpBuilder &b, Location, ValueRange ivs) {
    Value rowBegin = arith::MulIOp::create(b, loc, ivs[0], ti);
    Value rowEnd = arith::MinSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, rowBegin, ti), numRows);
    Value rows = arith::SubIOp::create(b, loc, rowEnd, rowBegin);

    // The state of every row of the tile between j tiles, and the row
    // memory of states that keep part of themselves there (the K-best
    // buffers; on the heap, as they grow with K).
    SmallVector<Value> slots, rowMemorySlots;
    for (Type t : stateTypes)
      slots.push_back(memref::AllocOp::create(
          b, loc, MemRefType::get({tileI}, t), b.getI64IntegerAttr(64)));
    for (MemRefType t : state->getRowMemoryTypes())
      rowMemorySlots.push_back(memref::AllocOp::create(
          b, loc,
          MemRefType::get({tileI, t.getDimSize(0)}, t.getElementType()),
          b.getI64IntegerAttr(64)));
    // Row r's memory: row r of each slot.
    auto rowMemory = [&](OpBuilder &nb, Value r) {
      SmallVector<Value> memory;
      for (Value slot : rowMemorySlots) {
        auto type = cast<MemRefType>(slot.getType());
        SmallVector<OpFoldResult> offsets{r, nb.getIndexAttr(0)},
            sizes{nb.getIndexAttr(1), nb.getIndexAttr(type.getDimSize(1))},
            strides{nb.getIndexAttr(1), nb.getIndexAttr(1)};
        auto rowType = memref::SubViewOp::inferRankReducedResultType(
            {type.getDimSize(1)}, type, offsets, sizes, strides);
        memory.push_back(memref::SubViewOp::create(nb, loc, rowType, slot,
                                                   offsets, sizes, strides));
      }
      return memory;
    };
    auto forEachRow = [&](OpBuilder &b,
                          function_ref<void(OpBuilder &, Value, Value)> fn) {
      scf::ForOp::create(b, loc, c0, rows, c1, {},
                         [&](OpBuilder &nb, Location, Value r, ValueRange) {
                           Value i = arith::AddIOp::create(nb, loc, rowBegin, r);
                           fn(nb, r, i);
                           scf::YieldOp::create(nb, loc);
                         });
    };
    auto loadState = [&](OpBuilder &nb, Value r) {
      SmallVector<Value> s;
      for (Value slot : slots)
        s.push_back(memref::LoadOp::create(nb, loc, slot, r));
      return s;
    };
    auto storeState = [&](OpBuilder &nb, Value r, ValueRange s) {
      for (auto [v, slot] : llvm::zip(s, slots))
        memref::StoreOp::create(nb, loc, v, slot, r);
    };
    forEachRow(b, [&](OpBuilder &nb, Value r, Value) {
      storeState(nb, r, state->init(nb, loc, rowMemory(nb, r)));
    });

    // The formula and state update for the chunk of W columns at `j0`.
    auto chunk = [&](OpBuilder &nb, Value i, Value j0, ValueRange carried,
                     Value mask, RowMemory row) -> SmallVector<Value> {
      auto varLanes = [&](OpBuilder &vb, VarOp var) -> Lanes {
        int64_t position = static_cast<int64_t>(var.getPosition());
        int64_t dim = getFormulaDim(var.getResult());
        LaneBuilder lanes(vb, loc, computeType, width);
        Lanes l;
        switch (var.getCategory()) {
        case VarCategory::i:
          for (int64_t d = 0; d < dim; ++d)
            l.push_back(lanes.broadcast(loadScalar(
                vb, inputs[position], indices(position, {i, constIndex(vb, d)}))));
          return l;
        case VarCategory::j:
          for (int64_t d = 0; d < dim; ++d)
            l.push_back(vector::LoadOp::create(
                vb, loc, lanes.getType(), jBuffers[position],
                ValueRange{constIndex(vb, d), j0}));
          return l;
        case VarCategory::param:
          return paramLanes[position];
        }
        llvm_unreachable("unknown variable category");
      };
      Lanes f, g;
      if (failed(emitFormula(nb, varLanes, f, g))) {
        status = failure();
        return SmallVector<Value>(carried);
      }
      Value jLanes;
      if (state->needsIndices() || mask) {
        auto laneIndexType = VectorType::get({width}, nb.getI64Type());
        SmallVector<int64_t> iota(width);
        for (int64_t k = 0; k < width; ++k)
          iota[k] = k;
        Value j0i64 = arith::IndexCastOp::create(nb, loc, nb.getI64Type(), j0);
        jLanes = arith::AddIOp::create(
            nb, loc, vector::BroadcastOp::create(nb, loc, laneIndexType, j0i64),
            arith::ConstantOp::create(
                nb, loc, DenseElementsAttr::get(laneIndexType,
                                                ArrayRef<int64_t>(iota))));
      }
      if (!mask)
        return state->update(nb, loc, carried, f, g, jLanes, row);
      // Lanes past M do not count.
      Value m = arith::IndexCastOp::create(nb, loc, nb.getI64Type(), numCols);
      Value inRange = arith::CmpIOp::create(
          nb, loc, arith::CmpIPredicate::slt, jLanes,
          vector::BroadcastOp::create(nb, loc, jLanes.getType(), m));
      return state->updateInRange(nb, loc, carried, f, g, jLanes, inRange,
                                  row);
    };

    Value tj = constIndex(b, tileJ);
    scf::ForOp::create(
        b, loc, c0, fullCols, tj, {},
        [&](OpBuilder &b, Location, Value jt, ValueRange) {
          Value jtEnd = arith::MinSIOp::create(
              b, loc, arith::AddIOp::create(b, loc, jt, tj), fullCols);
          // `count` consecutive rows from r0 share each chunk of j: the
          // j lanes are loaded once, and the rows' updates are independent
          // chains the core overlaps.
          auto rowBlock = [&](OpBuilder &b, Value r0, int64_t count) {
            SmallVector<SmallVector<Value>> saved, memory;
            SmallVector<Value> rows, carried;
            for (int64_t k = 0; k < count; ++k) {
              Value r = arith::AddIOp::create(b, loc, r0, constIndex(b, k));
              rows.push_back(r);
              memory.push_back(rowMemory(b, r));
              saved.push_back(loadState(b, r));
              llvm::append_range(carried,
                                 state->beginTile(b, loc, saved.back()));
            }
            size_t width = carried.size() / count;
            auto loop = scf::ForOp::create(
                b, loc, jt, jtEnd, cw, carried,
                [&](OpBuilder &nb, Location, Value j0, ValueRange c) {
                  SmallVector<Value> next;
                  for (int64_t k = 0; k < count; ++k) {
                    Value i = arith::AddIOp::create(nb, loc, rowBegin, rows[k]);
                    llvm::append_range(
                        next, chunk(nb, i, j0, c.slice(k * width, width),
                                    Value(), memory[k]));
                  }
                  scf::YieldOp::create(nb, loc, next);
                });
            for (int64_t k = 0; k < count; ++k)
              storeState(b, rows[k],
                         state->endTile(b, loc, saved[k],
                                        loop.getResults().slice(k * width,
                                                                width)));
          };
          // Large states (K-min buffers) would only spill registers.
          int64_t blockRows =
              state->getCarriedTypes().size() > 8 ? 1 : rowsPerChunk;
          Value block = constIndex(b, blockRows);
          Value blockedRows = arith::MulIOp::create(
              b, loc, arith::DivSIOp::create(b, loc, rows, block), block);
          scf::ForOp::create(b, loc, c0, blockedRows, block, {},
                             [&](OpBuilder &nb, Location, Value r0, ValueRange) {
                               rowBlock(nb, r0, blockRows);
                               scf::YieldOp::create(nb, loc);
                             });
          scf::ForOp::create(b, loc, blockedRows, rows, c1, {},
                             [&](OpBuilder &nb, Location, Value r0, ValueRange) {
                               rowBlock(nb, r0, 1);
                               scf::YieldOp::create(nb, loc);
                             });
          scf::YieldOp::create(b, loc);
        });

    Value hasTail = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                          fullCols, numCols);
    scf::IfOp::create(b, loc, hasTail, [&](OpBuilder &b, Location) {
      forEachRow(b, [&](OpBuilder &b, Value r, Value i) {
        SmallVector<Value> s = loadState(b, r);
        SmallVector<Value> carried = state->beginTile(b, loc, s);
        SmallVector<Value> updated = chunk(b, i, fullCols, carried,
                                           /*mask=*/hasTail, rowMemory(b, r));
        storeState(b, r, state->endTile(b, loc, s, updated));
      });
      scf::YieldOp::create(b, loc);
    });

    forEachRow(b, [&](OpBuilder &b, Value r, Value i) {
      auto outputs =
          state->finalize(b, loc, loadState(b, r), rowMemory(b, r));
      for (auto [values, out] : llvm::zip(outputs, op.getOutputs())) {
        Type elementType = cast<MemRefType>(out.getType()).getElementType();
        for (auto [c, v] : llvm::enumerate(values)) {
          if (v.getType() != elementType)
            v = convertFloat(b, v, cast<FloatType>(elementType));
          SmallVector<Value> at(outBatch);
          at.push_back(i);
          at.push_back(constIndex(b, c));
          memref::StoreOp::create(b, loc, v, out, at);
        }
      }
    });
    for (Value slot : llvm::concat<Value>(slots, rowMemorySlots))
      memref::DeallocOp::create(b, loc, slot);
  };
  scf::ParallelOp::create(b, loc, ValueRange{c0}, ValueRange{numTiles},
                          ValueRange{c1}, body);

  for (auto &entry : jBuffers)
    memref::DeallocOp::create(b, loc, entry.second);
}

LogicalResult ReduceLowering::run() {
  if (failed(check()))
    return failure();
  OpBuilder b(op);
  int64_t batch = static_cast<int64_t>(op.getBatchDims());
  Value out0 = op.getOutputs()[0];
  Value c0 = constIndex(b, 0), c1 = constIndex(b, 1);

  // One sequential loop over the flattened batch; each input indexes its
  // size-1 batch dimensions at 0 (broadcasting).
  Value batchSize = c1;
  SmallVector<Value> batchDims;
  for (int64_t k = 0; k < batch; ++k) {
    batchDims.push_back(memref::DimOp::create(b, loc, out0, k));
    batchSize = arith::MulIOp::create(b, loc, batchSize, batchDims.back());
  }
  scf::ForOp::create(
      b, loc, c0, batchSize, c1, {},
      [&](OpBuilder &b, Location, Value flat, ValueRange) {
        SmallVector<Value> coords(batch);
        Value rest = flat;
        for (int64_t k = batch - 1; k >= 0; --k) {
          coords[k] = arith::RemSIOp::create(b, loc, rest, batchDims[k]);
          rest = arith::DivSIOp::create(b, loc, rest, batchDims[k]);
        }
        SmallVector<SmallVector<Value>> batchIndex;
        for (Value input : op.getInputs()) {
          SmallVector<Value> index;
          for (int64_t k = 0; k < batch; ++k) {
            Value size = memref::DimOp::create(b, loc, input, k);
            Value isOne = arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::eq, size, c1);
            index.push_back(
                arith::SelectOp::create(b, loc, isOne, c0, coords[k]));
          }
          batchIndex.push_back(index);
        }
        emitBatch(b, batchIndex, coords);
        scf::YieldOp::create(b, loc);
      });
  if (failed(status))
    return failure();
  op.erase();
  return success();
}

namespace {
struct LowerToLoopsPass
    : kred::impl::KredLowerToLoopsBase<LowerToLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<ReduceOp> reductions;
    getOperation().walk([&](ReduceOp op) { reductions.push_back(op); });
    for (ReduceOp op : reductions)
      if (failed(ReduceLowering(op, vectorWidth, tileI, tileJ, rowsPerChunk)
                         .run()))
        return signalPassFailure();
  }
};
} // namespace
