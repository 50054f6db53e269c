//===- Autodiff.cpp - symbolic derivatives become plain formula ops -------===//

#include "kred/Dialect/Kred/IR/Differentiation.h"
#include "kred/Transforms/Passes.h"

namespace kred {
#define GEN_PASS_DEF_KREDAUTODIFF
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;
using namespace kred;

namespace {
struct AutodiffPass : kred::impl::KredAutodiffBase<AutodiffPass> {
  void runOnOperation() override {
    if (failed(expandDerivatives(getOperation())))
      signalPassFailure();
  }
};
} // namespace
