//===- LowerToGpu.cpp - kred.reduce to a GPU kernel, a thread per row -----===//
//
// The GPU target's mapping of `out[i] = Reduction_j F(x_i, y_j, p)`, built on
// the same target-neutral library as the CPU's (kred/Conversion/ReductionLowering):
// the formula from each op's emitter and the running state from each
// reduction kind's single definition, with lane groups of one lane.
//
//   grid (ceil(N / B), flattened batch), B threads a block; thread t of
//   block b owns row i = b B + t:
//     i-variables and parameters into registers      (row clamped to N - 1)
//     state = identity
//     for each tile of B columns jt:
//       thread t copies row jt + t of the j-variables to shared memory
//       barrier
//       for each of the tile's columns: state = update(F(x_i, y_j, p))
//       barrier
//     rows < N: finalize, store
//
//   With block-sparse ranges, the loop over tiles runs per cluster meeting
//   the block's rows (found by bisecting ranges_i, the same for all the
//   block's threads), over each of the cluster's j-ranges: every thread
//   copies and waits at the barriers, only the cluster's rows add terms.
//
// Each kernel becomes a gpu.func of the same arguments in the gpu.module
// @kred_kernels; the host function keeps its signature and launches it.
//
//===----------------------------------------------------------------------===//

#include "kred/Conversion/ReductionLowering/ReductionLowering.h"
#include "kred/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace kred {
#define GEN_PASS_DEF_KREDLOWERTOGPU
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;
using namespace kred;

/// The gpu.module every kernel of a module goes into.
static constexpr llvm::StringLiteral kKernelModule = "kred_kernels";

/// Shared memory a block may use without opting in (all NVIDIA GPUs).
static constexpr int64_t kSharedBytes = 48 * 1024;

namespace {

/// Lowers one kred.reduce over j (moved into its kernel) for the GPU.
class GpuReduceLowering {
public:
  GpuReduceLowering(ReduceOp op, int64_t blockSize, int64_t dropBarrier)
      : op(op), loc(op.getLoc()), blockSize(blockSize),
        dropBarrier(dropBarrier) {}

  /// Checks everything, then builds the kernel body in place of the op.
  LogicalResult run(gpu::GPUFuncOp kernel);

  /// The block size for `op`: the requested one, lowered so that the
  /// shared j-tile fits in kSharedBytes; a multiple of the warp size.
  static int64_t chooseBlockSize(ReduceOp op, int64_t requested);

private:
  Value constIndex(OpBuilder &b, int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  Value loadScalar(OpBuilder &b, Value memref, ValueRange indices);
  SmallVector<Value> inputIndices(int64_t position, ValueRange rest);
  void allocateSharedTiles(gpu::GPUFuncOp kernel);
  /// Thread t's copy of column jt + t of every j-variable (when < end).
  void emitTileCopy(OpBuilder &b, Value column, Value end);
  /// The tile's `count` columns from jt added to `carried`.
  SmallVector<Value> emitTileColumns(OpBuilder &b, Value jt, Value count,
                                     ValueRange carried, RowMemory row);
  /// Columns [begin, end) added to `initial`, B at a time through shared
  /// memory by the whole block; only threads for which `active` (all where
  /// it is null) add them. Every thread must call it with the same range.
  SmallVector<Value> emitColumnTiles(OpBuilder &b, Value begin, Value end,
                                     ValueRange initial, Value active,
                                     RowMemory row);
  /// The block-sparse reduction of the block's rows [blockBegin, min(
  /// blockBegin + B, N)): the clusters that meet them, one after the other.
  SmallVector<Value> emitBlockSparse(OpBuilder &b, Value blockBegin,
                                     Value numRows, Value i,
                                     ValueRange initial, RowMemory row);

  ReduceOp op;
  Location loc;
  int64_t blockSize;
  /// test-drop-barrier: which barrier to leave out (0: none).
  int64_t dropBarrier;
  FloatType computeType;
  std::unique_ptr<ReductionState> state;
  llvm::MapVector<int64_t, VarOp> vars;
  int64_t firstJPosition = -1;
  BatchIndices batch;
  /// Registers: i-variables and parameters; shared tiles of j-variables.
  DenseMap<int64_t, Lanes> rowLanes;
  DenseMap<int64_t, Value> sharedTiles;
  /// The thread's index in its block.
  Value tid;
};
} // namespace

static int64_t sharedBytesPerColumn(ReduceOp op) {
  int64_t bytes = 0;
  llvm::SmallDenseSet<int64_t> seen;
  int64_t elementBytes = getComputeType(op).getWidth() / 8;
  op.getBody().walk([&](VarOp var) {
    if (var.getCategory() == VarCategory::j &&
        seen.insert(static_cast<int64_t>(var.getPosition())).second)
      bytes += getFormulaDim(var.getResult()) * elementBytes;
  });
  return bytes;
}

int64_t GpuReduceLowering::chooseBlockSize(ReduceOp op, int64_t requested) {
  int64_t perColumn = std::max<int64_t>(1, sharedBytesPerColumn(op));
  int64_t fits = kSharedBytes / perColumn;
  int64_t size = std::min(requested, fits) / 32 * 32;
  return std::max<int64_t>(size, std::min<int64_t>(fits, 32));
}

Value GpuReduceLowering::loadScalar(OpBuilder &b, Value memref,
                                    ValueRange indices) {
  return loadComputeScalar(b, loc, memref, indices, computeType);
}

SmallVector<Value> GpuReduceLowering::inputIndices(int64_t position,
                                                   ValueRange rest) {
  SmallVector<Value> all(batch.inputs[position]);
  all.append(rest.begin(), rest.end());
  return all;
}

void GpuReduceLowering::allocateSharedTiles(gpu::GPUFuncOp kernel) {
  auto workgroup = gpu::AddressSpaceAttr::get(op.getContext(),
                                              gpu::AddressSpace::Workgroup);
  for (auto [position, var] : vars)
    if (var.getCategory() == VarCategory::j)
      sharedTiles[position] = kernel.addWorkgroupAttribution(
          MemRefType::get({getFormulaDim(var.getResult()), blockSize},
                          computeType, MemRefLayoutAttrInterface(), workgroup),
          loc);
}

void GpuReduceLowering::emitTileCopy(OpBuilder &b, Value column,
                                     Value end) {
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                        column, end);
  scf::IfOp::create(b, loc, inRange, [&](OpBuilder &b, Location) {
    for (auto [position, tile] : sharedTiles) {
      for (int64_t d = 0, e = cast<MemRefType>(tile.getType()).getDimSize(0);
           d < e; ++d) {
        Value cd = constIndex(b, d);
        Value v = loadScalar(b, op.getInputs()[position],
                             inputIndices(position, {column, cd}));
        memref::StoreOp::create(b, loc, v, tile, ValueRange{cd, tid});
      }
    }
    scf::YieldOp::create(b, loc);
  });
}

SmallVector<Value> GpuReduceLowering::emitTileColumns(OpBuilder &b, Value jt,
                                                      Value count,
                                                      ValueRange carried,
                                                      RowMemory row) {
  auto loop = scf::ForOp::create(
      b, loc, constIndex(b, 0), count, constIndex(b, 1), carried,
      [&](OpBuilder &b, Location, Value t, ValueRange c) {
        LaneBuilder lanes(b, loc, computeType, 1);
        SmallVector<Lanes, 2> yielded = emitFormula(op, lanes, [&](VarOp var) {
          int64_t position = static_cast<int64_t>(var.getPosition());
          if (var.getCategory() != VarCategory::j)
            return rowLanes[position];
          Lanes l;
          Value tile = sharedTiles[position];
          for (int64_t d = 0, e = getFormulaDim(var.getResult()); d < e; ++d)
            l.push_back(lanes.broadcast(memref::LoadOp::create(
                b, loc, tile, ValueRange{constIndex(b, d), t})));
          return l;
        });
        Value j;
        if (state->needsIndices()) {
          Value index = arith::IndexCastOp::create(
              b, loc, b.getI64Type(), arith::AddIOp::create(b, loc, jt, t));
          j = vector::BroadcastOp::create(
              b, loc, VectorType::get({1}, b.getI64Type()), index);
        }
        scf::YieldOp::create(
            b, loc,
            state->update(b, loc, c, yielded[0],
                          yielded.size() > 1 ? yielded[1] : Lanes(), j, row));
      });
  return SmallVector<Value>(loop.getResults());
}

SmallVector<Value> GpuReduceLowering::emitColumnTiles(OpBuilder &b,
                                                      Value begin, Value end,
                                                      ValueRange initial,
                                                      Value active,
                                                      RowMemory row) {
  Value cb = constIndex(b, blockSize);
  auto tiles = scf::ForOp::create(
      b, loc, begin, end, cb, initial,
      [&](OpBuilder &b, Location, Value jt, ValueRange s) {
        emitTileCopy(b, arith::AddIOp::create(b, loc, jt, tid), end);
        if (dropBarrier != 1)
          gpu::BarrierOp::create(b, loc);
        Value count = arith::MinSIOp::create(
            b, loc, cb, arith::SubIOp::create(b, loc, end, jt));
        auto addTile = [&](OpBuilder &b) {
          SmallVector<Value> saved(s);
          SmallVector<Value> carried = emitTileColumns(
              b, jt, count, state->beginTile(b, loc, saved), row);
          return state->endTile(b, loc, saved, carried);
        };
        SmallVector<Value> next;
        if (!active) {
          next = addTile(b);
        } else {
          auto ifActive = scf::IfOp::create(
              b, loc, active,
              [&](OpBuilder &b, Location) {
                scf::YieldOp::create(b, loc, addTile(b));
              },
              [&](OpBuilder &b, Location) { scf::YieldOp::create(b, loc, s); });
          next.assign(ifActive.getResults().begin(),
                      ifActive.getResults().end());
        }
        if (dropBarrier != 2)
          gpu::BarrierOp::create(b, loc);
        scf::YieldOp::create(b, loc, next);
      });
  return SmallVector<Value>(tiles.getResults());
}

/// The first k in [0, rows of `pairs`) with pairs[k][column] > value, by
/// bisection; `pairs[.][column]` does not decrease (the runtime's check).
static Value findFirstAbove(OpBuilder &b, Location loc, Value pairs,
                            int64_t column, Value value) {
  Type index = b.getIndexType();
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value col = arith::ConstantIndexOp::create(b, loc, column);
  Value count = memref::DimOp::create(b, loc, pairs, 0);
  auto search = scf::WhileOp::create(
      b, loc, TypeRange{index, index}, ValueRange{c0, count},
      [&](OpBuilder &b, Location, ValueRange bounds) {
        Value open = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                           bounds[0], bounds[1]);
        scf::ConditionOp::create(b, loc, open, bounds);
      },
      [&](OpBuilder &b, Location, ValueRange bounds) {
        Value mid = arith::ShRUIOp::create(
            b, loc, arith::AddIOp::create(b, loc, bounds[0], bounds[1]), c1);
        Value above = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::sgt,
            BlockSparseRanges::loadIndex(b, loc, pairs, {mid, col}), value);
        scf::YieldOp::create(
            b, loc,
            ValueRange{arith::SelectOp::create(
                           b, loc, above, bounds[0],
                           arith::AddIOp::create(b, loc, mid, c1)),
                       arith::SelectOp::create(b, loc, above, mid, bounds[1])});
      });
  return search.getResult(0);
}

SmallVector<Value> GpuReduceLowering::emitBlockSparse(OpBuilder &b,
                                                      Value blockBegin,
                                                      Value numRows, Value i,
                                                      ValueRange initial,
                                                      RowMemory row) {
  BlockSparseRanges ranges(op);
  Value blockLast = arith::SubIOp::create(
      b, loc,
      arith::MinSIOp::create(
          b, loc,
          arith::AddIOp::create(b, loc, blockBegin, constIndex(b, blockSize)),
          numRows),
      constIndex(b, 1));
  // Clusters are sorted and disjoint: those ending after the block's first
  // row and starting at or before its last. The same for every thread.
  Value first = findFirstAbove(b, loc, ranges.getRangesI(), 1, blockBegin);
  Value last = findFirstAbove(b, loc, ranges.getRangesI(), 0, blockLast);
  auto clusters = scf::ForOp::create(
      b, loc, first, last, constIndex(b, 1), initial,
      [&](OpBuilder &b, Location, Value k, ValueRange s) {
        auto [rowsBegin, rowsEnd] = ranges.getClusterRows(b, loc, k);
        Value active = arith::AndIOp::create(
            b, loc,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, i,
                                  rowsBegin),
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i,
                                  rowsEnd));
        scf::YieldOp::create(
            b, loc,
            ranges.forEachColumnRange(
                b, loc, ranges.getClusterSlices(b, loc, k), s,
                [&](OpBuilder &b, Value begin, Value end, ValueRange carried) {
                  return emitColumnTiles(b, begin, end, carried, active, row);
                }));
      });
  return SmallVector<Value>(clusters.getResults());
}

LogicalResult GpuReduceLowering::run(gpu::GPUFuncOp kernel) {
  if (failed(checkLowerable(op, "GPU")))
    return failure();
  FormulaVariables variables = collectVariables(op);
  vars = std::move(variables.byPosition);
  firstJPosition = variables.firstJPosition;
  computeType = getComputeType(op);
  FailureOr<std::unique_ptr<ReductionState>> created =
      ReductionState::create(op, computeType, 1);
  if (failed(created))
    return failure();
  state = std::move(*created);
  allocateSharedTiles(kernel);

  OpBuilder b(op);
  int64_t batchDims = static_cast<int64_t>(op.getBatchDims());
  batch = getBatchIndices(b, loc, op, getBatchSizes(b, loc, op),
                          gpu::BlockIdOp::create(b, loc, gpu::Dimension::y));
  tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value cb = constIndex(b, blockSize);
  Value blockBegin = arith::MulIOp::create(
      b, loc, gpu::BlockIdOp::create(b, loc, gpu::Dimension::x), cb);
  Value i = arith::AddIOp::create(b, loc, blockBegin, tid);
  Value numRows = memref::DimOp::create(b, loc, op.getOutputs()[0], batchDims);
  Value numCols = getTermCount(b, loc, op, firstJPosition);
  // Rows past N run the loop too (their barriers are needed) from row N - 1.
  Value loadRow = arith::MinSIOp::create(
      b, loc, i, arith::SubIOp::create(b, loc, numRows, constIndex(b, 1)));
  LaneBuilder lanes(b, loc, computeType, 1);
  for (auto [position, var] : vars) {
    if (var.getCategory() == VarCategory::j)
      continue;
    SmallVector<Value> rest;
    if (var.getCategory() == VarCategory::i)
      rest.push_back(loadRow);
    Lanes l;
    for (int64_t d = 0, e = getFormulaDim(var.getResult()); d < e; ++d) {
      rest.push_back(constIndex(b, d));
      l.push_back(lanes.broadcast(
          loadScalar(b, op.getInputs()[position], inputIndices(position, rest))));
      rest.pop_back();
    }
    rowLanes[position] = l;
  }
  SmallVector<Value> row;
  for (MemRefType type : state->getRowMemoryTypes())
    row.push_back(memref::AllocaOp::create(b, loc, type));

  SmallVector<Value> initial = state->init(b, loc, row);
  SmallVector<Value> final =
      op.getRanges().empty()
          ? emitColumnTiles(b, constIndex(b, 0), numCols, initial, Value(), row)
          : emitBlockSparse(b, blockBegin, numRows, i, initial, row);
  Value isRow =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, numRows);
  scf::IfOp::create(b, loc, isRow, [&](OpBuilder &b, Location) {
    storeOutputs(b, loc, op, state->finalize(b, loc, final, row),
                 batch.outputs, i);
    scf::YieldOp::create(b, loc);
  });
  op.erase();
  return success();
}

/// The kernel of `func` (arguments as the function's) with `reduce` moved
/// into it, and the function's body replaced by its launch.
static LogicalResult lowerFunction(func::FuncOp func, ReduceOp reduce,
                                   gpu::GPUModuleOp kernels,
                                   int64_t requestedBlockSize,
                                   int64_t dropBarrier) {
  Location loc = reduce.getLoc();
  int64_t blockSize =
      GpuReduceLowering::chooseBlockSize(reduce, requestedBlockSize);
  OpBuilder b = OpBuilder::atBlockEnd(kernels.getBody());
  auto kernel = gpu::GPUFuncOp::create(b, loc, func.getSymName(),
                                       func.getFunctionType());
  kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  kernel.setKnownBlockSizeAttr(
      b.getDenseI32ArrayAttr({static_cast<int32_t>(blockSize), 1, 1}));
  IRMapping mapping;
  mapping.map(func.getArguments(), kernel.getArguments());
  b.setInsertionPointToStart(&kernel.getBody().front());
  auto moved = cast<ReduceOp>(b.clone(*reduce, mapping));
  gpu::ReturnOp::create(b, loc);
  if (failed(GpuReduceLowering(moved, blockSize, dropBarrier).run(kernel))) {
    kernel.erase();
    return failure();
  }
  // Only the arrays the formula reads travel: a kernel's parameters have a
  // size limit, and every unused one would cost compile time.
  // (The body's block arguments also hold the shared memory attributions.)
  llvm::BitVector unused(kernel.getNumArguments());
  SmallVector<Value> launched;
  for (unsigned k = 0, e = kernel.getNumArguments(); k < e; ++k) {
    if (kernel.getArgument(k).use_empty())
      unused.set(k);
    else
      launched.push_back(func.getArgument(k));
  }
  if (failed(kernel.eraseArguments(unused)))
    return failure();

  // The host side: grid (ceil(N / B), flattened batch) of B threads.
  b.setInsertionPoint(reduce);
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value batchSize = index(1);
  for (Value size : getBatchSizes(b, loc, reduce))
    batchSize = arith::MulIOp::create(b, loc, batchSize, size);
  Value rows = memref::DimOp::create(b, loc, reduce.getOutputs()[0],
                                     reduce.getBatchDims());
  Value blocks = arith::CeilDivSIOp::create(b, loc, rows, index(blockSize));
  gpu::LaunchFuncOp::create(
      b, loc, kernel, gpu::KernelDim3{blocks, batchSize, index(1)},
      gpu::KernelDim3{index(blockSize), index(1), index(1)},
      /*dynamicSharedMemorySize=*/Value(), launched);
  reduce.erase();
  return success();
}

namespace {
struct LowerToGpuPass : kred::impl::KredLowerToGpuBase<LowerToGpuPass> {
  KRED_PASS_TARGET_OPTIONS(LowerToGpuPass, KRED_GPU_PIPELINE_OPTIONS,
                           GpuTargetOptions)

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t blockSize = this->blockSize;
    SmallVector<std::pair<func::FuncOp, ReduceOp>> kernels;
    module.walk([&](ReduceOp op) {
      kernels.push_back({op->getParentOfType<func::FuncOp>(), op});
    });
    if (kernels.empty())
      return;
    if (blockSize < 1)
      return (void)(module.emitError("block-size must be positive, but is ")
                        << blockSize),
             signalPassFailure();
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    UnitAttr::get(module.getContext()));
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto kernelModule =
        gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModule);
    for (auto [func, reduce] : kernels) {
      if (!func || reduce->getParentOp() != func)
        return (void)reduce.emitOpError(
                   "must be directly in a func.func to become a GPU kernel"),
               signalPassFailure();
      if (failed(lowerFunction(func, reduce, kernelModule, blockSize,
                                testDropBarrier)))
        return signalPassFailure();
    }
  }
};
} // namespace

std::unique_ptr<Pass> kred::createKredLowerToGpu(const GpuTargetOptions &options) {
  return std::make_unique<LowerToGpuPass>(options);
}
