//===- ReductionGradient.cpp - the gradient kernel of a Sum reduction -----===//
//
// d/dv <e, sum_j F(x_i, y_j)>: the same formula region, one more variable
// (the cotangent e, indexed like the outputs), and kred.grad(F, v, e) as
// the term; kred-autodiff expands it. The reduction axis stays for a
// variable of the output rows or a parameter and flips for a variable of
// the reduced axis.
//
//===----------------------------------------------------------------------===//

#include "kred/Dialect/Kred/IR/KredOps.h"
#include "kred/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"

namespace kred {
#define GEN_PASS_DEF_KREDREDUCTIONGRADIENT
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;
using namespace kred;

/// A memref of rank `batch + 2` with dynamic sizes and last dimension
/// `dim`.
static MemRefType getRowsType(int64_t batch, int64_t dim, Type element) {
  SmallVector<int64_t> shape(batch + 1, ShapedType::kDynamic);
  shape.push_back(dim);
  return MemRefType::get(shape, element);
}

static LogicalResult addGradientKernel(func::FuncOp kernel, ReduceOp reduce,
                                       unsigned input) {
  if (reduce.getKind() != ReductionKind::Sum)
    return reduce.emitOpError("has no gradient kernel yet for ")
           << stringifyReductionKind(reduce.getKind())
           << " reductions (only Sum)";
  unsigned numInputs = reduce.getInputs().size();
  if (input >= numInputs)
    return reduce.emitOpError("has ")
           << numInputs << " inputs; cannot differentiate input #" << input;
  if (reduce.getOutputs().size() != 1 || !reduce.getRanges().empty())
    return reduce.emitOpError("gradient kernels need one output and no "
                              "ranges");
  VarOp wrt;
  reduce.getBody().walk([&](VarOp v) {
    if (v.getPosition() == input)
      wrt = v;
  });
  if (!wrt)
    return reduce.emitOpError("does not use input #")
           << input << ", whose gradient is therefore zero";

  // The gradient kernel: a copy, then the cotangent and the new output.
  OpBuilder b(kernel);
  b.setInsertionPointAfter(kernel);
  IRMapping copied;
  auto gradient = cast<func::FuncOp>(b.clone(*kernel, copied));
  std::string alias = "input" + std::to_string(input);
  if (auto name = kernel.getArgAttrOfType<StringAttr>(input, "kred.alias"))
    alias = name.str();
  gradient.setSymName((kernel.getSymName() + "_grad_" + alias).str());
  ReduceOp copy = *gradient.getOps<ReduceOp>().begin();

  int64_t batch = static_cast<int64_t>(reduce.getBatchDims());
  Type outputType = reduce.getOutputs()[0].getType();
  auto output = cast<MemRefType>(outputType);
  Type element = cast<VectorType>(wrt.getType()).getElementType();
  // Arguments: inputs, the cotangent e, the new output (the old one's
  // attributes), in place of the old output.
  Location loc = reduce.getLoc();
  (void)gradient.insertArgument(
      numInputs, getRowsType(batch, output.getShape().back(), element),
      b.getDictionaryAttr(b.getNamedAttr("kred.alias", b.getStringAttr("e"))),
      loc);
  unsigned newOutputIndex = numInputs + 1;
  (void)gradient.insertArgument(
      newOutputIndex,
      getRowsType(batch, cast<VectorType>(wrt.getType()).getNumElements(),
                  element),
      gradient.getArgAttrDict(newOutputIndex), loc);
  copy.getInputsMutable().append(gradient.getArgument(numInputs));
  copy.getOutputsMutable().assign(gradient.getArgument(newOutputIndex));
  (void)gradient.eraseArgument(newOutputIndex + 1);

  // The term: Grad(F, v, e), e indexed by the output rows.
  bool overJ = reduce.getAxis() == IndexAxis::j;
  VarCategory outputRows = overJ ? VarCategory::i : VarCategory::j;
  auto yield = cast<YieldOp>(copy.getBody().front().getTerminator());
  Value copiedWrt = copied.lookup(wrt.getResult());
  OpBuilder body(yield);
  Value f = yield.getOperand(0);
  Value e = VarOp::create(body, yield.getLoc(),
                          VectorType::get({output.getShape().back()}, element),
                          outputRows, numInputs);
  Value term = GradOp::create(body, yield.getLoc(), f, copiedWrt, e);
  yield->setOperand(0, term);
  // A variable of the reduced axis: the sum runs along the other one.
  VarCategory reduced = overJ ? VarCategory::j : VarCategory::i;
  if (wrt.getCategory() == reduced)
    copy.setAxis(overJ ? IndexAxis::i : IndexAxis::j);
  copy->removeAttr("acc_type");
  return success();
}

namespace {
struct ReductionGradientPass
    : kred::impl::KredReductionGradientBase<ReductionGradientPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<std::pair<func::FuncOp, ReduceOp>> kernels;
    for (auto kernel : getOperation().getOps<func::FuncOp>())
      for (auto reduce : kernel.getOps<ReduceOp>())
        kernels.push_back({kernel, reduce});
    for (auto [kernel, reduce] : kernels)
      if (failed(addGradientKernel(kernel, reduce, input)))
        return signalPassFailure();
  }
};
} // namespace
