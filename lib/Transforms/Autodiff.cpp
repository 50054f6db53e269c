//===- Autodiff.cpp - symbolic derivatives become plain formula ops -------===//

#include "kred/Dialect/Kred/IR/Differentiation.h"
#include "kred/Transforms/Passes.h"

#include "mlir/Transforms/RegionUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kred {
#define GEN_PASS_DEF_KREDAUTODIFF
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;
using namespace kred;

namespace {
struct AutodiffPass : kred::impl::KredAutodiffBase<AutodiffPass> {
  void runOnOperation() override {
    // In program order: an inner derivative (an operand of an outer one) is
    // expanded before the outer one walks through it.
    SmallVector<Operation *> derivatives;
    getOperation()->walk([&](Operation *op) {
      if (isa<GradOp, DiffOp, LaplacianOp, DivergenceOp>(op))
        derivatives.push_back(op);
    });
    for (Operation *op : derivatives)
      if (failed(expandDerivative(op)))
        return signalPassFailure();
    // The rules build every operand's cotangent; drop those nothing uses
    // (variables stay: they define the kernel's arguments).
    if (!derivatives.empty())
      getOperation()->walk([](ReduceOp reduce) {
        for (Operation &op : llvm::make_early_inc_range(
                 llvm::reverse(reduce.getBody().front())))
          if (!isa<VarOp>(op) && isOpTriviallyDead(&op))
            op.erase();
      });
  }
};
} // namespace
