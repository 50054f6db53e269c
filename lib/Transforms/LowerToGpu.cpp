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
  /// Thread t's copy of column jt + t of every j-variable (when < M).
  void emitTileCopy(OpBuilder &b, Value column, Value numCols, Value tid);
  /// The tile's `count` columns from jt added to `carried`.
  SmallVector<Value> emitTileColumns(OpBuilder &b, Value jt, Value count,
                                     ValueRange carried, RowMemory row);

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
                                     Value numCols, Value tid) {
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                        column, numCols);
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

LogicalResult GpuReduceLowering::run(gpu::GPUFuncOp kernel) {
  if (failed(checkLowerable(op, "GPU")))
    return failure();
  if (!op.getRanges().empty())
    return op.emitOpError("has block-sparse ranges; the GPU code generator "
                          "does not take them yet");
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
  Value tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value cb = constIndex(b, blockSize);
  Value i = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc,
                            gpu::BlockIdOp::create(b, loc, gpu::Dimension::x),
                            cb),
      tid);
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

  auto tiles = scf::ForOp::create(
      b, loc, constIndex(b, 0), numCols, cb, state->init(b, loc, row),
      [&](OpBuilder &b, Location, Value jt, ValueRange s) {
        emitTileCopy(b, arith::AddIOp::create(b, loc, jt, tid), numCols, tid);
        if (dropBarrier != 1)
          gpu::BarrierOp::create(b, loc);
        Value count = arith::MinSIOp::create(
            b, loc, cb, arith::SubIOp::create(b, loc, numCols, jt));
        SmallVector<Value> saved(s);
        SmallVector<Value> carried = emitTileColumns(
            b, jt, count, state->beginTile(b, loc, saved), row);
        SmallVector<Value> next = state->endTile(b, loc, saved, carried);
        if (dropBarrier != 2)
          gpu::BarrierOp::create(b, loc);
        scf::YieldOp::create(b, loc, next);
      });
  Value isRow =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, numRows);
  scf::IfOp::create(b, loc, isRow, [&](OpBuilder &b, Location) {
    SmallVector<Value> final(tiles.getResults());
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
