//===- LowerToLoops.cpp - kred.reduce to tiled loops over SIMD lanes ------===//
//
// The CPU target's mapping of `out[i] = Reduction_j F(x_i, y_j, p)`, built on
// the target-neutral lowering library (kred/Conversion/ReductionLowering):
//
//   for each batch index:                        (sequential)
//     copy j-variables into [D][M + W] buffers   emitTransposedJVariables
//     broadcast parameters to lanes              emitParameterLanes
//     scf.parallel over tiles of tile-i rows:    emitRowTile (OpenMP later)
//       state[tile-i] = identity                 allocateTileState, initRows
//       for each tile of tile-j columns:         emitFullColumns
//         for each block of rows-per-chunk rows:
//           load states; per chunk of W columns: emitChunk; store
//       masked last chunk (when W does not divide M)   emitMaskedTail
//       for each row: merge lanes, write outputs       emitOutputs
//
// With block-sparse ranges (emitBlockSparse), every row first gets the
// identity; then scf.parallel runs over the i-clusters, each one's rows by
// tiles, and the columns loops above run over each kept j-range [js, je)
// instead of [0, M): the same row blocks, chunks and masked tail.
//
//===----------------------------------------------------------------------===//

#include "kred/Conversion/ReductionLowering/ReductionLowering.h"
#include "kred/Transforms/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

namespace kred {
#define GEN_PASS_DEF_KREDLOWERTOLOOPS
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;
using namespace kred;

namespace {

/// What one batch index's loops share.
struct BatchContext {
  /// For input p, the indices of its batch dimensions; for the outputs.
  ArrayRef<SmallVector<Value>> batchIndex;
  ArrayRef<Value> outBatch;
  Value numRows, numCols;
  /// M + W: the columns of the j buffers, so that a chunk starting
  /// anywhere before M stays inside.
  Value bufferCols;
  /// Transposed j-variables and parameter lanes, by input position.
  DenseMap<int64_t, Value> jBuffers;
  DenseMap<int64_t, Lanes> paramLanes;
};

/// Where a chunk finds a row's i-lanes: the buffer fillRowLanes broadcast
/// them into and the row's first lane in it; or the lanes themselves, by
/// input position, loaded before the chunk loop; neither: the chunk loads
/// them.
struct RowLaneSource {
  RowLaneSource() = default;
  RowLaneSource(Value buffer, int64_t start) : buffer(buffer), start(start) {}
  Value buffer;
  int64_t start = 0;
  DenseMap<int64_t, Lanes> loaded;
};

/// What one tile of rows' loops share.
struct TileContext {
  Value rowBegin, rows;
  /// The state of each row of the tile between j tiles, and the row
  /// memory of states that keep part of themselves there.
  SmallVector<Value> slots, rowMemorySlots;
  /// buffersRowLanes: each row of a block's i-lanes, broadcast
  /// ([rows-per-chunk][rowLanes] lane vectors).
  Value rowLaneBuffer;
};

/// Lowers one kred.reduce over j on memrefs for the CPU.
class ReduceLowering {
public:
  ReduceLowering(ReduceOp op, const CpuTargetOptions &options)
      : op(op), loc(op.getLoc()), tileI(options.tileI), tileJ(options.tileJ),
        vectorWidth(options.vectorWidth), rowsPerChunk(options.rowsPerChunk),
        vectorRegisters(options.vectorRegisters),
        memoryOperands(options.memoryOperands > 0),
        embeddedBroadcast(options.avx512 > 0),
        laneCompress(options.laneCompress) {}

  /// Checks everything, then builds the loops (no IR on failure).
  LogicalResult run();

private:
  LogicalResult check();
  /// Rows per chunk of lanes: the option, or (0) as many as the register
  /// budget holds.
  int64_t chooseRowsPerChunk();
  /// The vector registers a row's carried values hold (a pending count,
  /// say, is in a general register).
  int64_t countCarriedLanes();
  /// The lanes the rows of a chunk share in registers: the j-variables',
  /// the formula's constants (an approximated function's once) and
  /// kChunkTemporaries; `approximated`: whether it has such a function.
  int64_t countSharedLanes(bool &approximated);
  /// Whether `count` rows' lanes and states fit in the registers beside
  /// what they share and what the state's update holds.
  bool rowsFitInRegisters(int64_t count);
  /// Registers a chunk's arithmetic needs beside rows and shared lanes.
  static constexpr int64_t kChunkTemporaries = 3;
  /// A formula whose arithmetic dwarfs the loads and the loop's own
  /// instructions is emitted once per loop, not once per row and chunk of
  /// a step: the code (and its compile time) stays linear in the formula.
  bool isLargeFormula() const { return largeFormula; }
  Value constIndex(OpBuilder &b, int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  /// begin + floor((end - begin) / step) * step: where whole steps end.
  Value getWholeStepsEnd(OpBuilder &b, Value begin, Value end, int64_t step) {
    Value s = constIndex(b, step);
    Value span = arith::SubIOp::create(b, loc, end, begin);
    return arith::AddIOp::create(
        b, loc, begin,
        arith::MulIOp::create(b, loc, arith::DivSIOp::create(b, loc, span, s),
                              s));
  }
  /// Loads element `indices` of `memref` as a compute-type scalar.
  Value loadScalar(OpBuilder &b, Value memref, ValueRange indices);
  SmallVector<Value> inputIndices(BatchContext &batch, int64_t position,
                                  ValueRange rest);

  void emitBatch(OpBuilder &b, BatchContext &batch);
  void emitTransposedJVariables(OpBuilder &b, BatchContext &batch);
  void emitParameterLanes(OpBuilder &b, BatchContext &batch);
  using ColumnsFn = function_ref<void(OpBuilder &, TileContext &)>;
  /// Tiles of tile-i rows over [0, N) in parallel, each reducing `columns`.
  void emitDenseRows(OpBuilder &b, BatchContext &batch, ColumnsFn columns);
  void emitBlockSparse(OpBuilder &b, BatchContext &batch);
  void emitRowTile(OpBuilder &b, BatchContext &batch, Value rowBegin,
                   Value rowEnd, ColumnsFn columns);
  void allocateTileState(OpBuilder &b, TileContext &tile);
  void forEachRow(OpBuilder &b, TileContext &tile,
                  function_ref<void(OpBuilder &, Value, Value)> fn);
  SmallVector<Value> rowMemory(OpBuilder &b, TileContext &tile, Value r);
  SmallVector<Value> opaqueRowMemory(OpBuilder &b, TileContext &tile, Value r,
                                     Value j0);
  SmallVector<Value> loadState(OpBuilder &b, TileContext &tile, Value r);
  void storeState(OpBuilder &b, TileContext &tile, Value r, ValueRange s);
  /// Columns [begin, end) (W divides end - begin), unmasked; `hinted`:
  /// the first tile's rows are seeded with threshold hints (states that
  /// take them).
  void emitFullColumns(OpBuilder &b, BatchContext &batch, TileContext &tile,
                       Value begin, Value end, bool hinted);
  /// One j-tile [jt, jtEnd) of every row block of the tile. With `first`
  /// (an i1: whether it is the first tile; null: no hints), a hint threads
  /// through the blocks.
  void emitColumnTile(OpBuilder &b, BatchContext &batch, TileContext &tile,
                      Value jt, Value jtEnd, Value first);
  /// Rows r0 .. r0 + count - 1 over [jt, jtEnd). With a `hintSlot` (a
  /// memref<1xf>), their states are seeded with its hint in the `first`
  /// tile, and it takes the hint for the next block.
  void emitRowBlock(OpBuilder &b, BatchContext &batch, TileContext &tile,
                    Value jt, Value jtEnd, Value r0, int64_t count,
                    Value first, Value hintSlot);
  /// After a row's hinted tile: drops its placeholders, and where any were
  /// left runs [jt, jtEnd) again for the terms at or above the hint.
  SmallVector<Value> resolveHint(OpBuilder &b, BatchContext &batch,
                                 Value i, Value jt, Value jtEnd,
                                 ValueRange carried, RowMemory row,
                                 const RowLaneSource &rowSource, Value hint);
  /// Columns [start, end), fewer than W, as one masked chunk.
  void emitMaskedTail(OpBuilder &b, BatchContext &batch, TileContext &tile,
                      Value start, Value end);
  /// Columns [begin, end): full chunks, then the masked tail (`hinted`:
  /// as emitFullColumns).
  void emitColumns(OpBuilder &b, BatchContext &batch, TileContext &tile,
                   Value begin, Value end, bool hinted = false);
  void emitOutputs(OpBuilder &b, BatchContext &batch, TileContext &tile);
  /// The formula and state update for the chunk of W columns at `j0` of
  /// row `i`; lanes at or past `maskEnd` do not count when it is given.
  /// `rowSource`: where the row's lanes already are, if anywhere.
  SmallVector<Value> emitChunk(OpBuilder &b, BatchContext &batch, Value i,
                               Value j0, ValueRange carried, Value maskEnd,
                               RowMemory row,
                               const RowLaneSource &rowSource = RowLaneSource());
  /// emitChunk's two steps: the formula's values (and weights, for kinds
  /// with two formulas) on the chunk; the state update they make.
  SmallVector<Lanes, 2> emitChunkTerms(OpBuilder &b, BatchContext &batch,
                                       Value i, Value j0,
                                       const RowLaneSource &rowSource);
  /// `floor`: only terms at or above it (ordered) count, when given.
  SmallVector<Value> updateChunk(OpBuilder &b, ArrayRef<Lanes> terms, Value j0,
                                 ValueRange carried, Value maskEnd,
                                 RowMemory row, Value floor = Value());
  /// The rows' formula ops (the same ops, row after row, at the end of
  /// their block), reordered op by op across the rows: each j lane is
  /// loaded once for all rows (CSE merges the loads), not again after the
  /// previous row's update (AVX-512 k-NN, D = 3, K = 10: 10.2-11.2 ->
  /// 9.7-10.0 ms).
  /// Only where the rows' lanes stay in registers: a formula that reads
  /// rows at each chunk makes all D differences before their squares, and
  /// D = 64 rows in lock step (or only their terms before the updates,
  /// sharing the j loads) spilled: AVX-512 k-NN 99 -> 160-171 ms.
  void interleaveRows(ArrayRef<SmallVector<Operation *>> rows);
  Lanes varLanes(OpBuilder &b, BatchContext &batch, VarOp var, Value i,
                 Value j0, const RowLaneSource &rowSource);
  /// Caps tile-j where the j buffers of a tile would exceed kColumnTileBytes:
  /// every block of rows streams the whole tile, which must stay in the L2
  /// cache (D = 256: 2,048 columns are 2 MB, 256 are 256 KB).
  void capColumnTile();
  /// The most columns whose j buffers fit in kColumnTileBytes.
  int64_t getMaxColumnTile();
  /// The i-variables' components: each is one lane vector per row.
  int64_t countRowLanes();
  /// Whether i-variables are read from memory at each chunk: where their
  /// lanes outnumber the registers and arithmetic takes memory operands
  /// (x86). Hoisted out of the chunk loop, as the compiler would hoist
  /// them, D = 256 rows spill 64 B per coordinate and push the j lanes out
  /// of the L1 cache; read at each chunk, they fold into the arithmetic as
  /// broadcast memory operands, from the rows' own 4 B per coordinate.
  bool readsRowsPerChunk() {
    return memoryOperands && embeddedBroadcast &&
           rowLanes > vectorRegisters / 2;
  }
  /// Without a broadcast that folds into the arithmetic (AVX2), such rows'
  /// lanes are broadcast once per block of rows and j tile into a buffer,
  /// and the chunks read whole lane vectors from it, operands that fold:
  /// the broadcasts read at each chunk were kept live and spilled (AVX2
  /// k-NN, D = 64, K = 1, N = M = 1e4 on a Zen 4: 215-219 -> 130-134 ms).
  bool buffersRowLanes() {
    return memoryOperands && !embeddedBroadcast &&
           rowLanes > vectorRegisters / 2;
  }
  /// Where input `position`'s lanes begin among a row's i-lanes: after the
  /// i-variables before it in `vars`.
  int64_t rowLaneOffset(int64_t position);
  /// Broadcasts rows [r0, r0 + count) of the tile into tile.rowLaneBuffer,
  /// row after row, each row's i-variables at their rowLaneOffset.
  void fillRowLanes(OpBuilder &b, BatchContext &batch, TileContext &tile,
                    Value r0, int64_t count);
  /// The lanes of input `position` (an i-variable of dimension `dim`) at
  /// row i, broadcast.
  Lanes loadRowLanes(OpBuilder &b, BatchContext &batch, int64_t position,
                     int64_t dim, Value i);
  /// `i`, as a value the compiler cannot prove equal to it nor invariant
  /// in the chunk loop (an empty asm statement that also reads `j0`), so
  /// that loads indexed by it stay in that loop.
  Value getOpaqueRow(OpBuilder &b, Value i, Value j0);
  /// Without block-sparse ranges every chunk starts at a multiple of W, and
  /// the j buffers are laid out chunk by chunk ([Mpad / W][D][W], flat): a chunk's
  /// D coordinates are one contiguous block, read at unit stride. Ranges
  /// start chunks anywhere: their buffers are [D][Mpad].
  bool chunkMajor() { return op.getRanges().empty(); }
  /// The indices of column j's coordinate d in a j buffer of dimension
  /// dim; `chunkStart`: j is a multiple of W.
  SmallVector<Value> jBufferIndices(OpBuilder &b, int64_t dim, int64_t d,
                                    Value j, bool chunkStart);

  ReduceOp op;
  Location loc;
  int64_t tileI, tileJ, vectorWidth, rowsPerChunk, vectorRegisters;
  bool memoryOperands;
  bool embeddedBroadcast;
  /// How the target packs selected lanes (instruction, permutation, none).
  std::string laneCompress;
  int64_t width = 0;
  FloatType computeType;
  std::unique_ptr<ReductionState> state;
  /// kred.var ops by input position (first one seen).
  llvm::MapVector<int64_t, VarOp> vars;
  int64_t firstJPosition = -1;
  int64_t rowLanes = 0; // countRowLanes()
  bool largeFormula = false;
};
} // namespace

LogicalResult ReduceLowering::check() {
  if (failed(checkLowerable(op, "CPU")))
    return failure();
  FormulaVariables variables = collectVariables(op);
  vars = std::move(variables.byPosition);
  firstJPosition = variables.firstJPosition;
  rowLanes = countRowLanes();
  constexpr size_t kLargeFormulaOps = 512;
  largeFormula = op.getBody().front().getOperations().size() > kLargeFormulaOps;
  computeType = getComputeType(op);
  width = std::max<int64_t>(1, computeType.isF64() ? vectorWidth / 2
                                                   : vectorWidth);
  if (rowsPerChunk < 0)
    return op.emitOpError("rows-per-chunk must be 0 (from the register "
                          "budget) or positive, but is ")
           << rowsPerChunk;
  if (tileI < 1 || tileJ < width || tileJ % width != 0)
    return op.emitOpError("tile sizes must be positive with tile-j a "
                          "multiple of the vector width ")
           << width << ", but tile-i = " << tileI << " and tile-j = " << tileJ;
  capColumnTile();
  std::optional<LaneCompress> compress = parseLaneCompress(laneCompress);
  if (!compress)
    return op.emitOpError("lane-compress must be instruction, permutation or "
                          "none, but is '")
           << laneCompress << "'";
  // A permutation costs seven instructions per chunk and row; where the
  // rows' lanes outnumber half the registers, a chunk's formula dwarfs the
  // rare branch it saves (AVX2, N = M = 1e4, D = 64, K = 32/64: 147/160 ->
  // 150/155 ms with it).
  if (*compress == LaneCompress::Permutation && rowLanes > vectorRegisters / 2)
    compress = LaneCompress::None;
  FailureOr<std::unique_ptr<ReductionState>> created = ReductionState::create(
      op, computeType, width, vectorRegisters, *compress);
  if (failed(created))
    return failure();
  state = std::move(*created);
  return success();
}

Value ReduceLowering::loadScalar(OpBuilder &b, Value memref,
                                 ValueRange indices) {
  return loadComputeScalar(b, loc, memref, indices, computeType);
}

SmallVector<Value> ReduceLowering::inputIndices(BatchContext &batch,
                                                int64_t position,
                                                ValueRange rest) {
  SmallVector<Value> all(batch.batchIndex[position]);
  all.append(rest.begin(), rest.end());
  return all;
}

//===----------------------------------------------------------------------===//
// Per batch index
//===----------------------------------------------------------------------===//

void ReduceLowering::emitBatch(OpBuilder &b, BatchContext &batch) {
  int64_t batchDims = static_cast<int64_t>(op.getBatchDims());
  Value cw = constIndex(b, width);
  batch.numRows = memref::DimOp::create(b, loc, op.getOutputs()[0], batchDims);
  batch.numCols = getTermCount(b, loc, op, firstJPosition);
  batch.bufferCols = arith::AddIOp::create(b, loc, batch.numCols, cw);
  emitTransposedJVariables(b, batch);
  emitParameterLanes(b, batch);
  if (op.getRanges().empty()) {
    emitDenseRows(b, batch, [&](OpBuilder &b, TileContext &tile) {
      emitColumns(b, batch, tile, constIndex(b, 0), batch.numCols,
                  /*hinted=*/true);
    });
  } else {
    emitBlockSparse(b, batch);
  }
  for (auto &entry : batch.jBuffers)
    memref::DeallocOp::create(b, loc, entry.second);
}

void ReduceLowering::emitDenseRows(OpBuilder &b, BatchContext &batch,
                                   ColumnsFn columns) {
  Value ti = constIndex(b, tileI);
  Value numTiles = arith::CeilDivSIOp::create(b, loc, batch.numRows, ti);
  scf::ParallelOp::create(
      b, loc, ValueRange{constIndex(b, 0)}, ValueRange{numTiles},
      ValueRange{constIndex(b, 1)},
      [&](OpBuilder &nb, Location, ValueRange ivs) {
        Value rowBegin = arith::MulIOp::create(nb, loc, ivs[0], ti);
        Value rowEnd = arith::MinSIOp::create(
            nb, loc, arith::AddIOp::create(nb, loc, rowBegin, ti),
            batch.numRows);
        emitRowTile(nb, batch, rowBegin, rowEnd, columns);
      });
}

/// KeOps' block-sparse scheme (BlockSparseRanges): every row gets the
/// identity, then the i-clusters run in parallel, each one's rows by tiles
/// over the cluster's j-ranges.
void ReduceLowering::emitBlockSparse(OpBuilder &b, BatchContext &batch) {
  emitDenseRows(b, batch, [](OpBuilder &, TileContext &) {});
  BlockSparseRanges ranges(op);
  Value c0 = constIndex(b, 0), c1 = constIndex(b, 1);
  Value ti = constIndex(b, tileI);
  scf::ParallelOp::create(
      b, loc, ValueRange{c0}, ValueRange{ranges.getNumClusters(b, loc)},
      ValueRange{c1}, [&](OpBuilder &b, Location, ValueRange ivs) {
        Value k = ivs[0];
        auto [rowsBegin, rowsEnd] = ranges.getClusterRows(b, loc, k);
        auto slices = ranges.getClusterSlices(b, loc, k);
        scf::ForOp::create(
            b, loc, rowsBegin, rowsEnd, ti, {},
            [&](OpBuilder &b, Location, Value rowBegin, ValueRange) {
              Value rowEnd = arith::MinSIOp::create(
                  b, loc, arith::AddIOp::create(b, loc, rowBegin, ti),
                  rowsEnd);
              emitRowTile(
                  b, batch, rowBegin, rowEnd, [&](OpBuilder &b, TileContext &t) {
                    ranges.forEachColumnRange(
                        b, loc, slices, {},
                        [&](OpBuilder &b, Value begin, Value end, ValueRange) {
                          emitColumns(b, batch, t, begin, end);
                          return SmallVector<Value>();
                        });
                  });
              scf::YieldOp::create(b, loc);
            });
      });
}

SmallVector<Value> ReduceLowering::jBufferIndices(OpBuilder &b, int64_t dim,
                                                  int64_t d, Value j,
                                                  bool chunkStart) {
  if (!chunkMajor())
    return {constIndex(b, d), j};
  // Column j's chunk begins at element (j - j mod W) * D: linear in j for a
  // chunk's start, so that loops step one pointer.
  Value lane = chunkStart ? constIndex(b, 0)
                          : arith::RemUIOp::create(b, loc, j, constIndex(b, width));
  Value chunk = chunkStart ? j : arith::SubIOp::create(b, loc, j, lane);
  Value start = arith::MulIOp::create(b, loc, chunk, constIndex(b, dim));
  return {arith::AddIOp::create(
      b, loc, start,
      arith::AddIOp::create(b, loc, constIndex(b, d * width), lane))};
}

/// j-variables, transposed so that lanes load contiguously (chunkMajor) and
/// zero-padded.
void ReduceLowering::emitTransposedJVariables(OpBuilder &b,
                                              BatchContext &batch) {
  Value c0 = constIndex(b, 0), c1 = constIndex(b, 1);
  for (auto [position, var] : vars) {
    if (var.getCategory() != VarCategory::j)
      continue;
    int64_t dim = getFormulaDim(var.getResult());
    MemRefType type;
    Value size;
    if (chunkMajor()) {
      type = MemRefType::get({ShapedType::kDynamic}, computeType);
      Value chunks = arith::CeilDivUIOp::create(b, loc, batch.bufferCols,
                                                constIndex(b, width));
      size = arith::MulIOp::create(b, loc, chunks, constIndex(b, dim * width));
    } else {
      type = MemRefType::get({dim, ShapedType::kDynamic}, computeType);
      size = batch.bufferCols;
    }
    Value buffer = memref::AllocOp::create(b, loc, type, ValueRange{size},
                                           b.getI64IntegerAttr(64));
    Value input = op.getInputs()[position];
    scf::ForOp::create(
        b, loc, c0, batch.numCols, c1, {},
        [&](OpBuilder &nb, Location, Value j, ValueRange) {
          for (int64_t d = 0; d < dim; ++d) {
            Value cd = constIndex(nb, d);
            Value v = loadScalar(nb, input,
                                 inputIndices(batch, position, {j, cd}));
            memref::StoreOp::create(nb, loc, v, buffer,
                                    jBufferIndices(nb, dim, d, j, false));
          }
          scf::YieldOp::create(nb, loc);
        });
    scf::ForOp::create(
        b, loc, batch.numCols, batch.bufferCols, c1, {},
        [&](OpBuilder &nb, Location, Value j, ValueRange) {
          Value zero = arith::ConstantOp::create(
              nb, loc, nb.getFloatAttr(computeType, 0.0));
          for (int64_t d = 0; d < dim; ++d)
            memref::StoreOp::create(nb, loc, zero, buffer,
                                    jBufferIndices(nb, dim, d, j, false));
          scf::YieldOp::create(nb, loc);
        });
    batch.jBuffers[position] = buffer;
  }
}

/// Parameters are the same for every pair: loaded once.
void ReduceLowering::emitParameterLanes(OpBuilder &b, BatchContext &batch) {
  LaneBuilder lanes(b, loc, computeType, width);
  for (auto [position, var] : vars) {
    if (var.getCategory() != VarCategory::param)
      continue;
    Lanes l;
    for (int64_t d = 0, e = getFormulaDim(var.getResult()); d < e; ++d)
      l.push_back(lanes.broadcast(
          loadScalar(b, op.getInputs()[position],
                     inputIndices(batch, position, {constIndex(b, d)}))));
    batch.paramLanes[position] = l;
  }
}

//===----------------------------------------------------------------------===//
// Per tile of rows
//===----------------------------------------------------------------------===//

void ReduceLowering::emitRowTile(OpBuilder &b, BatchContext &batch,
                                 Value rowBegin, Value rowEnd,
                                 ColumnsFn columns) {
  TileContext tile;
  tile.rowBegin = rowBegin;
  tile.rows = arith::SubIOp::create(b, loc, rowEnd, rowBegin);
  allocateTileState(b, tile);
  forEachRow(b, tile, [&](OpBuilder &nb, Value r, Value) {
    storeState(nb, tile, r, state->init(nb, loc, rowMemory(nb, tile, r)));
  });
  columns(b, tile);
  emitOutputs(b, batch, tile);
  for (Value slot : llvm::concat<Value>(tile.slots, tile.rowMemorySlots))
    memref::DeallocOp::create(b, loc, slot);
  if (tile.rowLaneBuffer)
    memref::DeallocOp::create(b, loc, tile.rowLaneBuffer);
}

/// Row memory is on the heap, as K-best buffers grow with K.
void ReduceLowering::allocateTileState(OpBuilder &b, TileContext &tile) {
  for (Type t : state->getTypes())
    tile.slots.push_back(memref::AllocOp::create(
        b, loc, MemRefType::get({tileI}, t), b.getI64IntegerAttr(64)));
  for (MemRefType t : state->getRowMemoryTypes())
    tile.rowMemorySlots.push_back(memref::AllocOp::create(
        b, loc, MemRefType::get({tileI, t.getDimSize(0)}, t.getElementType()),
        b.getI64IntegerAttr(64)));
  if (buffersRowLanes())
    tile.rowLaneBuffer = memref::AllocOp::create(
        b, loc,
        MemRefType::get({chooseRowsPerChunk() * rowLanes},
                        VectorType::get({width}, computeType)),
        b.getI64IntegerAttr(64));
}

void ReduceLowering::forEachRow(
    OpBuilder &b, TileContext &tile,
    function_ref<void(OpBuilder &, Value, Value)> fn) {
  scf::ForOp::create(
      b, loc, constIndex(b, 0), tile.rows, constIndex(b, 1), {},
      [&](OpBuilder &nb, Location, Value r, ValueRange) {
        fn(nb, r, arith::AddIOp::create(nb, loc, tile.rowBegin, r));
        scf::YieldOp::create(nb, loc);
      });
}

/// rowMemory at a row index LLVM cannot see through, for the accesses a
/// hint adds before and after the chunk loop: at the row's own index, LLVM
/// compiled the loop worse and the hint's gain was lost (AVX2, N = M = 1e4,
/// K = 32/64: 20.8/25.9 ms hinted so against 16.8/20.9; unhinted
/// 20.4/27.4).
SmallVector<Value> ReduceLowering::opaqueRowMemory(OpBuilder &b,
                                                   TileContext &tile, Value r,
                                                   Value j0) {
  return rowMemory(b, tile, getOpaqueRow(b, r, j0));
}

/// Row r's memory: row r of each row-memory slot.
SmallVector<Value> ReduceLowering::rowMemory(OpBuilder &b, TileContext &tile,
                                             Value r) {
  SmallVector<Value> memory;
  for (Value slot : tile.rowMemorySlots) {
    auto type = cast<MemRefType>(slot.getType());
    SmallVector<OpFoldResult> offsets{r, b.getIndexAttr(0)},
        sizes{b.getIndexAttr(1), b.getIndexAttr(type.getDimSize(1))},
        strides{b.getIndexAttr(1), b.getIndexAttr(1)};
    auto rowType = memref::SubViewOp::inferRankReducedResultType(
        {type.getDimSize(1)}, type, offsets, sizes, strides);
    memory.push_back(memref::SubViewOp::create(b, loc, rowType, slot, offsets,
                                               sizes, strides));
  }
  return memory;
}

SmallVector<Value> ReduceLowering::loadState(OpBuilder &b, TileContext &tile,
                                             Value r) {
  SmallVector<Value> s;
  for (Value slot : tile.slots)
    s.push_back(memref::LoadOp::create(b, loc, slot, r));
  return s;
}

void ReduceLowering::storeState(OpBuilder &b, TileContext &tile, Value r,
                                ValueRange s) {
  for (auto [v, slot] : llvm::zip(s, tile.slots))
    memref::StoreOp::create(b, loc, v, slot, r);
}

/// The full chunks of W columns, by tiles of tile-j columns (kept in cache
/// across the rows of the tile), rows-per-chunk rows at a time.
void ReduceLowering::emitColumns(OpBuilder &b, BatchContext &batch,
                                 TileContext &tile, Value begin, Value end,
                                 bool hinted) {
  Value full = getWholeStepsEnd(b, begin, end, width);
  emitFullColumns(b, batch, tile, begin, full, hinted);
  emitMaskedTail(b, batch, tile, full, end);
}

/// Hinted K-best rows (takesHints): the first j-tile, as wide as the cache
/// allows, seeds each row block's states with the worst K-th entry of the
/// blocks before (their thresholds after it), so that the block's first
/// chunks no longer all enter. Random rows enter ~K (1 + ln(M / K)) terms
/// (K = 32, M = 1e4: 214 in 133 chunks of 8 lanes); seeded, 65 in 58,
/// with a tile's columns run again for ~1 row in 11 (simulated).
void ReduceLowering::emitFullColumns(OpBuilder &b, BatchContext &batch,
                                     TileContext &tile, Value begin,
                                     Value end, bool hinted) {
  hinted = hinted && state->takesHints();
  int64_t step = hinted ? getMaxColumnTile() : tileJ;
  scf::ForOp::create(
      b, loc, begin, end, constIndex(b, step), {},
      [&](OpBuilder &b, Location, Value jt, ValueRange) {
        Value jtEnd = arith::MinSIOp::create(
            b, loc, arith::AddIOp::create(b, loc, jt, constIndex(b, step)),
            end);
        Value first;
        if (hinted)
          first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, jt,
                                        begin);
        emitColumnTile(b, batch, tile, jt, jtEnd, first);
        scf::YieldOp::create(b, loc);
      });
}

void ReduceLowering::emitColumnTile(OpBuilder &b, BatchContext &batch,
                                    TileContext &tile, Value jt, Value jtEnd,
                                    Value first) {
  int64_t blockRows = chooseRowsPerChunk();
  Value block = constIndex(b, blockRows);
  Value blockedRows = arith::MulIOp::create(
      b, loc, arith::DivSIOp::create(b, loc, tile.rows, block), block);
  // The hint lives in memory, not in a value carried through the blocks:
  // live across their chunk loops, it would take a register there.
  Value hintSlot;
  if (first) {
    hintSlot = memref::AllocaOp::create(
        b, loc, MemRefType::get({1}, computeType));
    memref::StoreOp::create(b, loc,
                            LaneBuilder(b, loc, computeType, 0)
                                .cst(std::numeric_limits<double>::quiet_NaN()),
                            hintSlot, constIndex(b, 0));
  }
  auto blocks = [&](Value from, Value to, int64_t count) {
    scf::ForOp::create(
        b, loc, from, to, constIndex(b, count), {},
        [&](OpBuilder &nb, Location, Value r0, ValueRange) {
          emitRowBlock(nb, batch, tile, jt, jtEnd, r0, count, first, hintSlot);
          scf::YieldOp::create(nb, loc);
        });
  };
  blocks(constIndex(b, 0), blockedRows, blockRows);
  if (blockRows > 1)
    blocks(blockedRows, tile.rows, 1);
}

int64_t ReduceLowering::countSharedLanes(bool &approximated) {
  int64_t shared = kChunkTemporaries;
  for (auto [position, var] : vars)
    if (var.getCategory() != VarCategory::i)
      shared += getFormulaDim(var.getResult());
  llvm::SmallDenseSet<OperationName> approximations;
  op.getBody().walk([&](Operation *inner) {
    if (matchPattern(inner, m_Constant()))
      ++shared;
    else if (auto formula = dyn_cast<FormulaOpInterface>(inner))
      if (unsigned constants = formula.getLaneConstantCount();
          constants && approximations.insert(inner->getName()).second)
        shared += constants;
  });
  approximated = !approximations.empty();
  return shared;
}

int64_t ReduceLowering::countCarriedLanes() {
  return llvm::count_if(state->getCarriedTypes(),
                        [](Type t) { return isa<VectorType>(t); });
}

bool ReduceLowering::rowsFitInRegisters(int64_t count) {
  bool approximated;
  int64_t carried = state->getCarriedTypes().size();
  return count * (carried + rowLanes) + countSharedLanes(approximated) +
             state->getUpdateRegisters() <=
         vectorRegisters;
}

int64_t ReduceLowering::chooseRowsPerChunk() {
  int64_t carried = state->getCarriedTypes().size();
  if (isLargeFormula())
    return 1;
  if (rowsPerChunk > 0)
    return carried > 8 ? 1 : rowsPerChunk; // K-min buffers would only spill
  // Each row keeps its i-variables' lanes and its state in registers; the
  // rows share the j-variables' lanes, the formula's constants and a few
  // temporaries. An overcommitted budget reloads constants and spills rows
  // on every chunk: more instructions than the shared loads save.
  bool approximated;
  int64_t perRow = carried + rowLanes, shared = countSharedLanes(approximated);
  // Rows that cannot keep their lanes in registers anyway (D = 64) reload
  // them from the stack or read them at each chunk: then sharing each j
  // load between rows divides the traffic from the cache, which bounds
  // such kernels. Read at each chunk, a row holds only its state and sum
  // chains: four rows where they fit (AVX-512).
  if (perRow > vectorRegisters / 2) {
    int64_t fourRows =
        4 * (carried + static_cast<int64_t>(kSumChains)) + kChunkTemporaries;
    return (readsRowsPerChunk() || buffersRowLanes()) &&
                   fourRows <= vectorRegisters
               ? 4
               : 2;
  }
  // Exponential sums rescale their state with an exp.
  bool exponential =
      getReductionKindInfo(op.getKind()).family == ExponentialFamily;
  if (exponential)
    shared += kExpLaneConstants;
  // Where arithmetic reads an operand from memory (x86), a j-lane that one
  // row uses folds into its instruction, and kred-hoist-vector-constants
  // folds the constants too; rows sharing a lane load it into a register.
  // A formula with an approximated function is bound by its arithmetic:
  // one row, which emitRowBlock gives two chunks per iteration. Cheap
  // formulas keep the rows that amortize loads and the loop's overhead.
  if (memoryOperands && (exponential || approximated))
    return 1;
  int64_t rows = 1;
  while (rows < 4 && 2 * rows * perRow + shared <= vectorRegisters)
    rows *= 2;
  return rows;
}

/// The ops made after `mark` (nullptr: from the start) in `block`.
static SmallVector<Operation *> opsAfter(Block *block, Operation *mark) {
  SmallVector<Operation *> ops;
  for (Operation *o = mark ? mark->getNextNode() : &block->front(); o;
       o = o->getNextNode())
    ops.push_back(o);
  return ops;
}

/// `count` consecutive rows from r0 share each chunk of j: the j lanes are
/// loaded once, and the rows' updates are independent chains the core
/// overlaps.
void ReduceLowering::emitRowBlock(OpBuilder &b, BatchContext &batch,
                                  TileContext &tile, Value jt, Value jtEnd,
                                  Value r0, int64_t count, Value first,
                                  Value hintSlot) {
  // The hint in the first tile, else NaN (none).
  LaneBuilder scalars(b, loc, computeType, 0);
  auto loadSeed = [&]() {
    return scalars.select(
        first, memref::LoadOp::create(b, loc, hintSlot, constIndex(b, 0)),
        scalars.cst(std::numeric_limits<double>::quiet_NaN()));
  };
  SmallVector<SmallVector<Value>> saved, memory;
  SmallVector<Value> rows, carried;
  for (int64_t k = 0; k < count; ++k) {
    Value r = arith::AddIOp::create(b, loc, r0, constIndex(b, k));
    rows.push_back(r);
    memory.push_back(rowMemory(b, tile, r));
    saved.push_back(loadState(b, tile, r));
    SmallVector<Value> begun = state->beginTile(b, loc, saved.back());
    if (hintSlot)
      begun = state->seedHint(b, loc, begun, opaqueRowMemory(b, tile, r, jt),
                              loadSeed());
    llvm::append_range(carried, begun);
  }
  size_t perRow = carried.size() / count;
  if (tile.rowLaneBuffer)
    fillRowLanes(b, batch, tile, r0, count);
  // Rows whose lanes fit in registers load them here, once: where the
  // update stores (K-best entries), LLVM would not hoist them out of the
  // chunk loop, and every chunk paid their loads and addresses (AVX2
  // ArgMin, D = 3: 6.9 -> 5.4 ms; where they do not fit beside an
  // insertion's buffer, the spills cost more: AVX2 K = 10 12.2 -> 14.2 ms).
  bool loadRows = !tile.rowLaneBuffer && !readsRowsPerChunk() &&
                  rowsFitInRegisters(count);
  SmallVector<RowLaneSource> rowSources;
  for (int64_t k = 0; k < count; ++k) {
    RowLaneSource source(tile.rowLaneBuffer, k * rowLanes);
    if (loadRows) {
      Value i = arith::AddIOp::create(b, loc, tile.rowBegin, rows[k]);
      for (auto [position, var] : vars)
        if (var.getCategory() == VarCategory::i)
          source.loaded[position] = loadRowLanes(
              b, batch, position, getFormulaDim(var.getResult()), i);
    }
    rowSources.push_back(std::move(source));
  }
  // Rows whose lanes stay in registers make their terms in lock step,
  // before the updates (interleaveRows); so do wider rows whose state is
  // one vector updated without a branch: made one after the other, the j
  // lanes CSE shares between them stayed live over whole rows and spilled
  // (D = 64: 1.5x slower). States of two vectors (LogSumExp) and
  // insertions behind a branch (ArgMin) lost with lock step (README,
  // "Contractions against the core's arithmetic peak").
  bool wideRows = readsRowsPerChunk() || buffersRowLanes();
  bool lockStep =
      !wideRows || (countCarriedLanes() == 1 && !state->updateBranches());
  auto updateRows = [&](OpBuilder &nb, Value j0,
                        ValueRange c) -> SmallVector<Value> {
    Block *body = nb.getInsertionBlock();
    SmallVector<SmallVector<Lanes, 2>> terms;
    SmallVector<SmallVector<Operation *>> rowOps;
    SmallVector<Value> next;
    auto update = [&](int64_t k) {
      llvm::append_range(next, updateChunk(nb, terms[k], j0,
                                           c.slice(k * perRow, perRow),
                                           /*maskEnd=*/Value(), memory[k]));
    };
    for (int64_t k = 0; k < count; ++k) {
      Operation *mark = body->empty() ? nullptr : &body->back();
      Value i = arith::AddIOp::create(nb, loc, tile.rowBegin, rows[k]);
      terms.push_back(emitChunkTerms(nb, batch, i, j0, rowSources[k]));
      if (lockStep)
        rowOps.push_back(opsAfter(body, mark));
      else
        update(k);
    }
    if (lockStep) {
      interleaveRows(rowOps);
      for (int64_t k = 0; k < count; ++k)
        update(k);
    }
    return state->settleRows(nb, loc, next, memory);
  };
  // A row alone takes two chunks per iteration, so that the loop's own
  // instructions (add, compare, branch) are paid once per two chunks; the
  // odd chunk left goes through the one-chunk loop.
  int64_t chunksPerStep = count == 1 && perRow <= 8 && !isLargeFormula() ? 2 : 1;
  Value twoChunkEnd = jt;
  if (chunksPerStep > 1) {
    twoChunkEnd = getWholeStepsEnd(b, jt, jtEnd, chunksPerStep * width);
    auto loop = scf::ForOp::create(
        b, loc, jt, twoChunkEnd, constIndex(b, chunksPerStep * width), carried,
        [&](OpBuilder &nb, Location, Value j0, ValueRange c) {
          SmallVector<Value> next(c);
          for (int64_t u = 0; u < chunksPerStep; ++u)
            next = updateRows(
                nb,
                arith::AddIOp::create(nb, loc, j0, constIndex(nb, u * width)),
                next);
          scf::YieldOp::create(nb, loc, next);
        });
    carried.assign(loop.getResults().begin(), loop.getResults().end());
  }
  auto loop = scf::ForOp::create(
      b, loc, twoChunkEnd, jtEnd, constIndex(b, width), carried,
      [&](OpBuilder &nb, Location, Value j0, ValueRange c) {
        scf::YieldOp::create(nb, loc, updateRows(nb, j0, c));
      });
  // The next block's hint: the worst of this block's thresholds and the
  // hint (NaN, none, where a row holds fewer than K entries).
  Value seed, nextHint;
  if (hintSlot) {
    seed = loadSeed();
    Value hint = memref::LoadOp::create(b, loc, hintSlot, constIndex(b, 0));
    nextHint = scalars.select(
        scalars.isNaN(hint),
        scalars.cst(-std::numeric_limits<double>::infinity()), hint);
  }
  for (int64_t k = 0; k < count; ++k) {
    SmallVector<Value> rowCarried(loop.getResults().slice(k * perRow, perRow));
    if (hintSlot) {
      Value i = arith::AddIOp::create(b, loc, tile.rowBegin, rows[k]);
      // The rerun reads the row's lanes itself, as opaqueRowMemory says.
      rowCarried = resolveHint(b, batch, getOpaqueRow(b, i, jt), jt, jtEnd,
                               rowCarried,
                               opaqueRowMemory(b, tile, rows[k], jt),
                               RowLaneSource(rowSources[k].buffer,
                                             rowSources[k].start),
                               seed);
      nextHint = arith::MaximumFOp::create(
          b, loc, nextHint, state->getThreshold(b, loc, rowCarried));
    }
    storeState(b, tile, rows[k],
               state->endTile(b, loc, saved[k], rowCarried));
  }
  if (hintSlot)
    memref::StoreOp::create(b, loc, nextHint, hintSlot, constIndex(b, 0));
}

SmallVector<Value> ReduceLowering::resolveHint(
    OpBuilder &b, BatchContext &batch, Value i, Value jt, Value jtEnd,
    ValueRange carried, RowMemory row, const RowLaneSource &rowSource,
    Value hint) {
  auto [left, dropped] = state->dropPlaceholders(b, loc, carried, row);
  auto again = scf::IfOp::create(
      b, loc, left,
      [&](OpBuilder &nb, Location) {
        auto loop = scf::ForOp::create(
            nb, loc, jt, jtEnd, constIndex(nb, width), dropped,
            [&](OpBuilder &lb, Location, Value j0, ValueRange c) {
              SmallVector<Value> next = updateChunk(
                  lb, emitChunkTerms(lb, batch, i, j0, rowSource), j0, c,
                  /*maskEnd=*/Value(), row, /*floor=*/hint);
              SmallVector<Value> rowMemory(row);
              scf::YieldOp::create(
                  lb, loc, state->settleRows(lb, loc, next, {rowMemory}));
            });
        scf::YieldOp::create(nb, loc, loop.getResults());
      },
      [&](OpBuilder &nb, Location) { scf::YieldOp::create(nb, loc, dropped); });
  return SmallVector<Value>(again.getResults());
}

int64_t ReduceLowering::rowLaneOffset(int64_t position) {
  int64_t offset = 0;
  for (auto [p, var] : vars) {
    if (p == position)
      break;
    if (var.getCategory() == VarCategory::i)
      offset += getFormulaDim(var.getResult());
  }
  return offset;
}

void ReduceLowering::fillRowLanes(OpBuilder &b, BatchContext &batch,
                                  TileContext &tile, Value r0,
                                  int64_t count) {
  for (int64_t k = 0; k < count; ++k) {
    Value i = arith::AddIOp::create(
        b, loc, tile.rowBegin,
        arith::AddIOp::create(b, loc, r0, constIndex(b, k)));
    for (auto [position, var] : vars) {
      if (var.getCategory() != VarCategory::i)
        continue;
      int64_t start = k * rowLanes + rowLaneOffset(position);
      for (auto [d, lane] : llvm::enumerate(loadRowLanes(
               b, batch, position, getFormulaDim(var.getResult()), i)))
        memref::StoreOp::create(b, loc, lane, tile.rowLaneBuffer,
                                constIndex(b, start + d));
    }
  }
}

void ReduceLowering::emitMaskedTail(OpBuilder &b, BatchContext &batch,
                                    TileContext &tile, Value start,
                                    Value end) {
  Value hasTail =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, start, end);
  scf::IfOp::create(b, loc, hasTail, [&](OpBuilder &b, Location) {
    forEachRow(b, tile, [&](OpBuilder &b, Value r, Value i) {
      SmallVector<Value> s = loadState(b, tile, r);
      SmallVector<Value> carried = state->beginTile(b, loc, s);
      SmallVector<Value> memory = rowMemory(b, tile, r);
      SmallVector<Value> updated = state->settleRows(
          b, loc, emitChunk(b, batch, i, start, carried, end, memory),
          {memory});
      storeState(b, tile, r, state->endTile(b, loc, s, updated));
    });
    scf::YieldOp::create(b, loc);
  });
}

void ReduceLowering::emitOutputs(OpBuilder &b, BatchContext &batch,
                                 TileContext &tile) {
  forEachRow(b, tile, [&](OpBuilder &b, Value r, Value i) {
    storeOutputs(b, loc, op,
                 state->finalize(b, loc, loadState(b, tile, r),
                                 rowMemory(b, tile, r)),
                 batch.outBatch, i);
  });
}

//===----------------------------------------------------------------------===//
// Per chunk of W columns
//===----------------------------------------------------------------------===//

void ReduceLowering::capColumnTile() {
  tileJ = std::min(tileJ, getMaxColumnTile());
}

int64_t ReduceLowering::getMaxColumnTile() {
  constexpr int64_t kColumnTileBytes = 256 * 1024;
  int64_t columnBytes = 0;
  for (auto [position, var] : vars)
    if (var.getCategory() == VarCategory::j)
      columnBytes += getFormulaDim(var.getResult()) * computeType.getWidth() / 8;
  if (columnBytes == 0)
    return std::max(tileJ, width);
  return std::max(width, kColumnTileBytes / columnBytes / width * width);
}

int64_t ReduceLowering::countRowLanes() {
  int64_t count = 0;
  for (auto [position, var] : vars)
    if (var.getCategory() == VarCategory::i)
      count += getFormulaDim(var.getResult());
  return count;
}

Value ReduceLowering::getOpaqueRow(OpBuilder &b, Value i, Value j0) {
  Type i64 = b.getI64Type();
  auto opaque = LLVM::InlineAsmOp::create(
      b, loc, i64,
      ValueRange{arith::IndexCastOp::create(b, loc, i64, i),
                 arith::IndexCastOp::create(b, loc, i64, j0)},
      /*asm_string=*/"", /*constraints=*/"=r,0,r", /*has_side_effects=*/false,
      /*is_align_stack=*/false, LLVM::tailcallkind::TailCallKind::None,
      LLVM::AsmDialectAttr(), ArrayAttr());
  return arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                    opaque.getResult(0));
}

Lanes ReduceLowering::loadRowLanes(OpBuilder &b, BatchContext &batch,
                                   int64_t position, int64_t dim, Value i) {
  LaneBuilder lanes(b, loc, computeType, width);
  Lanes l;
  for (int64_t d = 0; d < dim; ++d)
    l.push_back(lanes.broadcast(
        loadScalar(b, op.getInputs()[position],
                   inputIndices(batch, position, {i, constIndex(b, d)}))));
  return l;
}

Lanes ReduceLowering::varLanes(OpBuilder &b, BatchContext &batch, VarOp var,
                               Value i, Value j0,
                               const RowLaneSource &rowSource) {
  int64_t position = static_cast<int64_t>(var.getPosition());
  int64_t dim = getFormulaDim(var.getResult());
  LaneBuilder lanes(b, loc, computeType, width);
  Lanes l;
  switch (var.getCategory()) {
  case VarCategory::i:
    if (auto it = rowSource.loaded.find(position); it != rowSource.loaded.end())
      return it->second;
    if (rowSource.buffer) {
      int64_t start = rowSource.start + rowLaneOffset(position);
      for (int64_t d = 0; d < dim; ++d)
        l.push_back(memref::LoadOp::create(b, loc, rowSource.buffer,
                                           constIndex(b, start + d)));
      return l;
    }
    if (readsRowsPerChunk())
      i = getOpaqueRow(b, i, j0);
    return loadRowLanes(b, batch, position, dim, i);
  case VarCategory::j:
    for (int64_t d = 0; d < dim; ++d)
      l.push_back(vector::LoadOp::create(
          b, loc, cast<VectorType>(lanes.getType()), batch.jBuffers[position],
          jBufferIndices(b, dim, d, j0, true)));
    return l;
  case VarCategory::param:
    return batch.paramLanes[position];
  }
  llvm_unreachable("unknown variable category");
}

SmallVector<Value> ReduceLowering::emitChunk(OpBuilder &b, BatchContext &batch,
                                             Value i, Value j0,
                                             ValueRange carried, Value maskEnd,
                                             RowMemory row,
                                             const RowLaneSource &rowSource) {
  return updateChunk(b, emitChunkTerms(b, batch, i, j0, rowSource), j0,
                     carried, maskEnd, row);
}

SmallVector<Lanes, 2> ReduceLowering::emitChunkTerms(OpBuilder &b,
                                                     BatchContext &batch,
                                                     Value i, Value j0,
                                                     const RowLaneSource &rowSource) {
  LaneBuilder lanes(b, loc, computeType, width);
  return emitFormula(op, lanes, [&](VarOp var) {
    return varLanes(b, batch, var, i, j0, rowSource);
  });
}

SmallVector<Value> ReduceLowering::updateChunk(OpBuilder &b,
                                               ArrayRef<Lanes> terms, Value j0,
                                               ValueRange carried,
                                               Value maskEnd, RowMemory row,
                                               Value floor) {
  Lanes f = terms[0], g = terms.size() > 1 ? terms[1] : Lanes();
  Value jLanes;
  if (state->needsIndices() || maskEnd) {
    auto laneIndexType = VectorType::get({width}, b.getI64Type());
    Value j0i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), j0);
    jLanes = arith::AddIOp::create(
        b, loc, vector::BroadcastOp::create(b, loc, laneIndexType, j0i64),
        laneNumbers(b, loc, laneIndexType));
  }
  Value inRange;
  if (maskEnd) {
    Value m = arith::IndexCastOp::create(b, loc, b.getI64Type(), maskEnd);
    inRange = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::slt, jLanes,
        vector::BroadcastOp::create(b, loc, jLanes.getType(), m));
  }
  if (floor) {
    LaneBuilder lanes(b, loc, computeType, width);
    Value above = lanes.cmp(arith::CmpFPredicate::OGE, f[0],
                            lanes.broadcast(floor));
    inRange = inRange ? arith::AndIOp::create(b, loc, inRange, above) : above;
  }
  if (!inRange)
    return state->update(b, loc, carried, f, g, jLanes, row);
  return state->updateInRange(b, loc, carried, f, g, jLanes, inRange, row);
}

void ReduceLowering::interleaveRows(ArrayRef<SmallVector<Operation *>> rows) {
  if (rows.size() < 2 || rows[0].empty())
    return;
  for (const SmallVector<Operation *> &row : rows.drop_front())
    if (row.size() != rows[0].size() ||
        !llvm::all_of(llvm::zip(row, rows[0]), [](auto pair) {
          return std::get<0>(pair)->getName() == std::get<1>(pair)->getName();
        }))
      return;
  Block *block = rows[0][0]->getBlock();
  for (size_t n = 0; n < rows[0].size(); ++n)
    for (const SmallVector<Operation *> &row : rows)
      row[n]->moveBefore(block, block->end());
}

//===----------------------------------------------------------------------===//
// The batch loop and the pass
//===----------------------------------------------------------------------===//

LogicalResult ReduceLowering::run() {
  if (failed(check()))
    return failure();
  OpBuilder b(op);
  Value c0 = constIndex(b, 0), c1 = constIndex(b, 1);

  // One sequential loop over the flattened batch; each input indexes its
  // size-1 batch dimensions at 0 (broadcasting).
  SmallVector<Value> batchSizes = getBatchSizes(b, loc, op);
  Value batchSize = c1;
  for (Value size : batchSizes)
    batchSize = arith::MulIOp::create(b, loc, batchSize, size);
  scf::ForOp::create(
      b, loc, c0, batchSize, c1, {},
      [&](OpBuilder &b, Location, Value flat, ValueRange) {
        BatchIndices indices = getBatchIndices(b, loc, op, batchSizes, flat);
        BatchContext batch;
        batch.batchIndex = indices.inputs;
        batch.outBatch = indices.outputs;
        emitBatch(b, batch);
        scf::YieldOp::create(b, loc);
      });
  op.erase();
  return success();
}

namespace {
struct LowerToLoopsPass
    : kred::impl::KredLowerToLoopsBase<LowerToLoopsPass> {
  KRED_PASS_TARGET_OPTIONS(LowerToLoopsPass, KRED_CPU_PIPELINE_OPTIONS,
                           CpuTargetOptions)

  void runOnOperation() override {
    SmallVector<ReduceOp> reductions;
    getOperation().walk([&](ReduceOp op) { reductions.push_back(op); });
    CpuTargetOptions options = getTargetOptions();
    for (ReduceOp op : reductions)
      if (failed(ReduceLowering(op, options).run()))
        return signalPassFailure();
  }
};
} // namespace

std::unique_ptr<Pass>
kred::createKredLowerToLoops(const CpuTargetOptions &options) {
  return std::make_unique<LowerToLoopsPass>(options);
}
