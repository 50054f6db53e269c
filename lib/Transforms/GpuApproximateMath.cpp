//===- GpuApproximateMath.cpp - f32 math on the GPU's approximate units ---===//
//
// What KeOps' GPU kernels get from `--use_fast_math`: single-precision
// exp2, log2, rsqrt, sqrt, division, sin and cos as the PTX `.approx.ftz`
// instructions (the special-function unit: ex2 has 2 ulp of error, lg2
// 2^-22 absolute, rsqrt 2 ulp, div 2 ulp in the normal range; subnormals
// flush to zero). exp and log go through exp2 and log2 with the log2(e)
// scale (kred-fast-math has already folded it into the formula's
// constants). Lane groups of one lane (vector<1xf32>) are unwrapped around
// the call. Other types and functions are left to libdevice.
//
//===----------------------------------------------------------------------===//

#include "kred/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"



namespace kred {
#define GEN_PASS_DEF_KREDGPUAPPROXIMATEMATH
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;

namespace {

/// Whether `type` is f32 or a one-lane group of f32.
bool isF32Lane(Type type) {
  if (auto vector = dyn_cast<VectorType>(type))
    return vector.getShape() == ArrayRef<int64_t>{1} &&
           vector.getElementType().isF32();
  return type.isF32();
}

Value scaled(PatternRewriter &rewriter, Location loc, Value v, double c) {
  if (c == 1.0)
    return v;
  return arith::MulFOp::create(
      rewriter, loc, v,
      arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(c)));
}

/// Op -> intrinsic on its f32 scalars (one-lane vectors unwrapped), with a
/// scale of the first operand (exp) or of the result (log).
template <typename OpTy>
struct ToApproximate : OpRewritePattern<OpTy> {
  ToApproximate(MLIRContext *context, StringRef intrinsic,
                double inputScale = 1.0, double outputScale = 1.0)
      : OpRewritePattern<OpTy>(context), intrinsic(intrinsic),
        inputScale(inputScale), outputScale(outputScale) {}

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Type type = op->getResult(0).getType();
    if (!isF32Lane(type))
      return failure();
    Location loc = op.getLoc();
    SmallVector<Value> scalars;
    for (Value v : op->getOperands())
      scalars.push_back(isa<VectorType>(v.getType())
                            ? vector::ExtractOp::create(rewriter, loc, v,
                                                        ArrayRef<int64_t>{0})
                            : v);
    scalars[0] = scaled(rewriter, loc, scalars[0], inputScale);
    Value result = LLVM::CallIntrinsicOp::create(
                       rewriter, loc, rewriter.getF32Type(),
                       rewriter.getStringAttr(intrinsic), scalars)
                       .getResult(0);
    result = scaled(rewriter, loc, result, outputScale);
    if (isa<VectorType>(type))
      result = vector::BroadcastOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }

  std::string intrinsic;
  double inputScale, outputScale;
};

struct GpuApproximateMathPass
    : kred::impl::KredGpuApproximateMathBase<GpuApproximateMathPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns.add<ToApproximate<math::Exp2Op>>(context,
                                              "llvm.nvvm.ex2.approx.ftz.f32");
    patterns.add<ToApproximate<math::ExpOp>>(
        context, "llvm.nvvm.ex2.approx.ftz.f32", 1.4426950408889634 /* log2(e) */);
    patterns.add<ToApproximate<math::Log2Op>>(context,
                                              "llvm.nvvm.lg2.approx.ftz.f");
    patterns.add<ToApproximate<math::LogOp>>(
        context, "llvm.nvvm.lg2.approx.ftz.f", 1.0, 0.6931471805599453 /* ln(2) */);
    patterns.add<ToApproximate<math::RsqrtOp>>(context,
                                               "llvm.nvvm.rsqrt.approx.ftz.f");
    patterns.add<ToApproximate<math::SqrtOp>>(context,
                                              "llvm.nvvm.sqrt.approx.ftz.f");
    patterns.add<ToApproximate<arith::DivFOp>>(context,
                                               "llvm.nvvm.div.approx.ftz.f");
    patterns.add<ToApproximate<math::SinOp>>(context,
                                             "llvm.nvvm.sin.approx.ftz.f");
    patterns.add<ToApproximate<math::CosOp>>(context,
                                             "llvm.nvvm.cos.approx.ftz.f");
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
