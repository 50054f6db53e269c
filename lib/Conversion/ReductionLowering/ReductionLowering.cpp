//===- ReductionLowering.cpp - checks, formula emission, lane merging -----===//

#include "kred/Conversion/ReductionLowering/ReductionLowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace kred;

LogicalResult kred::checkLowerable(ReduceOp op, StringRef target) {
  if (op.getAxis() != IndexAxis::j)
    return op.emitOpError("reduces over i; run kred-reduce-over-j before "
                          "lowering");
  for (Value v : op->getOperands())
    if (!isa<MemRefType>(v.getType()))
      return op.emitOpError("operates on tensors; the ")
             << target << " code generator takes reductions on memrefs";
  for (Value ranges : op.getRanges())
    if (!cast<MemRefType>(ranges.getType()).getElementType().isInteger(64))
      return op.emitOpError("takes ranges of type ")
             << ranges.getType() << "; the " << target
             << " code generator reads i64 ranges";
  if (failed(checkComputable(op)))
    return failure();
  WalkResult tooWide = op.getBody().walk([&](Operation *inner) {
    for (Value r : inner->getResults())
      if (getFormulaDim(r) > kMaxLoweredDim) {
        inner->emitOpError("yields a vector of dimension ")
            << getFormulaDim(r) << "; the " << target
            << " code generator takes at most " << kMaxLoweredDim;
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  if (tooWide.wasInterrupted())
    return failure();
  int64_t k = op.getK() ? static_cast<int64_t>(*op.getK()) : 1;
  if (k * getFormulaDim(op.getFormula()) > kMaxLoweredDim)
    return op.emitOpError("keeps K * D = ")
           << k * getFormulaDim(op.getFormula()) << " sorted entries; the "
           << target << " code generator takes at most " << kMaxLoweredDim;
  return success();
}

FloatType kred::getComputeType(ReduceOp op) {
  auto elementType = cast<FloatType>(
      cast<VectorType>(op.getFormula().getType()).getElementType());
  return elementType.getWidth() < 32 ? Float32Type::get(op.getContext())
                                     : elementType;
}

FormulaVariables kred::collectVariables(ReduceOp op) {
  FormulaVariables variables;
  op.getBody().walk([&](VarOp var) {
    int64_t position = static_cast<int64_t>(var.getPosition());
    // An unused j-variable still gives the number of terms.
    if (var.getCategory() == VarCategory::j && variables.firstJPosition < 0)
      variables.firstJPosition = position;
    if (!var.use_empty())
      variables.byPosition.try_emplace(position, var);
  });
  return variables;
}

Value kred::getTermCount(OpBuilder &b, Location loc, ReduceOp op,
                         int64_t firstJPosition) {
  if (firstJPosition < 0)
    return arith::ConstantIndexOp::create(b, loc, 1);
  return memref::DimOp::create(b, loc, op.getInputs()[firstJPosition],
                               op.getBatchDims());
}

Value kred::loadComputeScalar(OpBuilder &b, Location loc, Value memref,
                              ValueRange indices, FloatType computeType) {
  Value v = memref::LoadOp::create(b, loc, memref, indices);
  if (v.getType() != computeType)
    v = arith::ExtFOp::create(b, loc, computeType, v);
  return v;
}

SmallVector<Lanes, 2> kred::emitFormula(ReduceOp op, LaneBuilder &lanes,
                                        function_ref<Lanes(VarOp)> varLanes) {
  return computeFormula<LaneBuilder>(op, lanes, varLanes);
}

SmallVector<Value> kred::mergeLanes(OpBuilder &b, Location loc,
                                    FloatType elementType, int64_t width,
                                    ArrayRef<Value> state,
                                    LaneCombine combine) {
  SmallVector<Value> merged(state);
  while (width > 1 && width % 2 == 0) {
    int64_t half = width / 2;
    SmallVector<int64_t> lowLanes, highLanes;
    for (int64_t k = 0; k < half; ++k) {
      lowLanes.push_back(k);
      highLanes.push_back(half + k);
    }
    SmallVector<Value> low, high;
    for (Value v : merged) {
      low.push_back(vector::ShuffleOp::create(b, loc, v, v, lowLanes));
      high.push_back(vector::ShuffleOp::create(b, loc, v, v, highLanes));
    }
    LaneBuilder lanes(b, loc, elementType, half);
    merged = combine(lanes, low, high);
    width = half;
  }
  auto lane = [&](int64_t k) {
    SmallVector<Value> values;
    for (Value v : merged)
      values.push_back(
          vector::ExtractOp::create(b, loc, v, ArrayRef<int64_t>{k}));
    return values;
  };
  LaneBuilder scalars(b, loc, elementType, 0);
  SmallVector<Value> result = lane(0);
  for (int64_t k = 1; k < width; ++k)
    result = combine(scalars, result, lane(k));
  return result;
}

Value kred::convertFloat(OpBuilder &b, Location loc, Value v, FloatType to) {
  auto from = cast<FloatType>(v.getType());
  if (from == to)
    return v;
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

SmallVector<Value> kred::getBatchSizes(OpBuilder &b, Location loc, ReduceOp op) {
  SmallVector<Value> sizes;
  for (int64_t k = 0, e = static_cast<int64_t>(op.getBatchDims()); k < e; ++k)
    sizes.push_back(memref::DimOp::create(b, loc, op.getOutputs()[0], k));
  return sizes;
}

BatchIndices kred::getBatchIndices(OpBuilder &b, Location loc, ReduceOp op,
                                   ArrayRef<Value> sizes, Value flat) {
  int64_t batchDims = static_cast<int64_t>(sizes.size());
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  BatchIndices indices;
  indices.outputs.resize(batchDims);
  Value rest = flat;
  for (int64_t k = batchDims - 1; k >= 0; --k) {
    indices.outputs[k] = arith::RemSIOp::create(b, loc, rest, sizes[k]);
    rest = arith::DivSIOp::create(b, loc, rest, sizes[k]);
  }
  for (Value input : op.getInputs()) {
    SmallVector<Value> index;
    for (int64_t k = 0; k < batchDims; ++k) {
      Value size = memref::DimOp::create(b, loc, input, k);
      Value isOne =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, size, c1);
      index.push_back(
          arith::SelectOp::create(b, loc, isOne, c0, indices.outputs[k]));
    }
    indices.inputs.push_back(index);
  }
  return indices;
}

void kred::storeOutputs(OpBuilder &b, Location loc, ReduceOp op,
                        ArrayRef<SmallVector<Value>> outputs,
                        ArrayRef<Value> outBatch, Value row) {
  for (auto [values, out] : llvm::zip(outputs, op.getOutputs())) {
    Type elementType = cast<MemRefType>(out.getType()).getElementType();
    for (auto [c, value] : llvm::enumerate(values)) {
      Value v = value;
      if (v.getType() != elementType)
        v = convertFloat(b, loc, v, cast<FloatType>(elementType));
      SmallVector<Value> at(outBatch);
      at.push_back(row);
      at.push_back(arith::ConstantIndexOp::create(b, loc, c));
      memref::StoreOp::create(b, loc, v, out, at);
    }
  }
}

BlockSparseRanges::BlockSparseRanges(ReduceOp op)
    : rangesI(op.getRanges()[0]), slicesI(op.getRanges()[1]),
      redrangesJ(op.getRanges()[2]) {}

Value BlockSparseRanges::loadIndex(OpBuilder &b, Location loc, Value memref,
                                   ValueRange indices) {
  Value v = memref::LoadOp::create(b, loc, memref, indices);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

Value BlockSparseRanges::getNumClusters(OpBuilder &b, Location loc) {
  return memref::DimOp::create(b, loc, rangesI, 0);
}

std::pair<Value, Value> BlockSparseRanges::getClusterRows(OpBuilder &b,
                                                          Location loc,
                                                          Value k) {
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  return {loadIndex(b, loc, rangesI, {k, c0}),
          loadIndex(b, loc, rangesI, {k, c1})};
}

std::pair<Value, Value> BlockSparseRanges::getClusterSlices(OpBuilder &b,
                                                            Location loc,
                                                            Value k) {
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value isFirst =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, k, c0);
  Value previous = arith::SelectOp::create(
      b, loc, isFirst, c0, arith::SubIOp::create(b, loc, k, c1));
  Value sliceBegin = arith::SelectOp::create(
      b, loc, isFirst, c0, loadIndex(b, loc, slicesI, {previous}));
  return {sliceBegin, loadIndex(b, loc, slicesI, {k})};
}

ValueRange BlockSparseRanges::forEachColumnRange(
    OpBuilder &b, Location loc, std::pair<Value, Value> slices,
    ValueRange init, ColumnRangeFn body) {
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, slices.first, slices.second, c1, init,
      [&](OpBuilder &b, Location, Value s, ValueRange carried) {
        Value begin = loadIndex(b, loc, redrangesJ, {s, c0});
        Value end = loadIndex(b, loc, redrangesJ, {s, c1});
        scf::YieldOp::create(b, loc, body(b, begin, end, carried));
      });
  return loop.getResults();
}

Value kred::laneNumbers(OpBuilder &b, Location loc, VectorType type) {
  unsigned bits = type.getElementType().getIntOrFloatBitWidth();
  SmallVector<APInt> lanes;
  for (int64_t lane = 0; lane < type.getNumElements(); ++lane)
    lanes.emplace_back(bits, lane);
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, lanes));
}
