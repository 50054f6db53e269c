//===- FastMath.cpp - exponentials in base 2 with folded scales -----------===//

#include "kred/Dialect/Kred/IR/KredOps.h"
#include "kred/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace kred {
#define GEN_PASS_DEF_KREDFASTMATH
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;
using namespace kred;

namespace {
/// The value of a scalar (dimension 1) constant.
std::optional<double> getScalarConstant(Value v) {
  DenseFPElementsAttr attr;
  if (getFormulaDim(v) != 1 || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  return (*attr.value_begin<APFloat>()).convertToDouble();
}

/// exp(x) -> exp2(x * log2(e)), absorbing a negation or a scalar factor of x
/// into the constant.
struct ExpToExp2 : OpRewritePattern<ExpOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ExpOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getX();
    double scale = M_LOG2E;
    if (auto minus = x.getDefiningOp<MinusOp>()) {
      x = minus.getX();
      scale = -scale;
    } else if (auto mul = x.getDefiningOp<MulOp>()) {
      for (auto [c, y] : {std::pair(mul.getLhs(), mul.getRhs()),
                          std::pair(mul.getRhs(), mul.getLhs())}) {
        std::optional<double> factor = getScalarConstant(c);
        if (factor && y.getType() == x.getType()) {
          x = y;
          scale *= *factor;
          break;
        }
      }
    }
    auto scalarType = getScalarType(x.getType());
    Value c = ConstantOp::create(rewriter, op.getLoc(), scalarType,
                                 getFormulaConstant(scalarType, {scale}));
    Value scaled = MulOp::create(rewriter, op.getLoc(), x, c);
    rewriter.replaceOpWithNewOp<Exp2Op>(op, scaled);
    return success();
  }
};

struct FastMathPass : kred::impl::KredFastMathBase<FastMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpToExp2>(&getContext());
    // Only the rewritten ops: canonicalization runs as its own pass.
    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      signalPassFailure();
  }
};
} // namespace
