//===- ReduceOverJ.cpp - reductions over i become reductions over j -------===//

#include "kred/Dialect/Kred/IR/KredOps.h"
#include "kred/Transforms/Passes.h"

namespace kred {
#define GEN_PASS_DEF_KREDREDUCEOVERJ
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;
using namespace kred;

namespace {
struct ReduceOverJPass : kred::impl::KredReduceOverJBase<ReduceOverJPass> {
  void runOnOperation() override {
    WalkResult result = getOperation()->walk([](ReduceOp reduce) {
      // Derivatives have no pointwise meaning until they are expanded.
      WalkResult derivatives = reduce.getBody().walk([](Operation *op) {
        if (isa<GradOp, DiffOp, LaplacianOp, DivergenceOp>(op)) {
          op->emitOpError("must be expanded by kred-autodiff before code "
                          "generation");
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      });
      if (derivatives.wasInterrupted())
        return WalkResult::interrupt();
      if (reduce.getAxis() == IndexAxis::j)
        return WalkResult::advance();
      reduce.setAxis(IndexAxis::j);
      // KeOps' block-sparse arrays come as three i-side and three j-side
      // ones; swapping the clouds swaps the halves.
      if (!reduce.getRanges().empty()) {
        SmallVector<Value> ranges(reduce.getRanges());
        std::rotate(ranges.begin(), ranges.begin() + 3, ranges.end());
        reduce.getRangesMutable().assign(ranges);
      }
      reduce.getBody().walk([](VarOp var) {
        if (var.getCategory() == VarCategory::i)
          var.setCategory(VarCategory::j);
        else if (var.getCategory() == VarCategory::j)
          var.setCategory(VarCategory::i);
      });
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
