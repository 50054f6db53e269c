//===- OutlineFormula.cpp - a reduction's formula as a lane-group function ===//

#include "kred/Conversion/ReductionLowering/ReductionLowering.h"
#include "kred/Transforms/Passes.h"

#include <map>

namespace kred {
#define GEN_PASS_DEF_KREDOUTLINEFORMULA
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;
using namespace kred;

namespace {
struct OutlineFormulaPass
    : kred::impl::KredOutlineFormulaBase<OutlineFormulaPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (width < 0) {
      module.emitError("width must be 0 (scalars) or positive, but is ")
          << width;
      return signalPassFailure();
    }
    SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
    for (func::FuncOp func : funcs) {
      int64_t index = 0;
      WalkResult result = func.walk([&](ReduceOp op) {
        if (failed(checkComputable(op)) ||
            failed(outline(op, func.getName(), index++)))
          return WalkResult::interrupt();
        return WalkResult::advance();
      });
      if (result.wasInterrupted())
        return signalPassFailure();
    }
  }

  LogicalResult outline(ReduceOp op, StringRef funcName, int64_t index) {
    FloatType computeType = getComputeType(op);
    // The first kred.var of each position, in position order.
    std::map<int64_t, VarOp> ordered;
    op.getBody().walk([&](VarOp var) {
      ordered.try_emplace(static_cast<int64_t>(var.getPosition()), var);
    });

    OpBuilder b = OpBuilder::atBlockEnd(getOperation().getBody());
    Location loc = op.getLoc();
    Type laneType = LaneBuilder(b, loc, computeType, width).getType();
    SmallVector<Type> argumentTypes;
    for (auto &[position, var] : ordered)
      argumentTypes.append(getFormulaDim(var.getResult()), laneType);
    // The result types are known once the formula is emitted.
    auto outlined = func::FuncOp::create(
        b, loc, (funcName + "_formula_" + Twine(index)).str(),
        b.getFunctionType(argumentTypes, {}));
    Block *block = outlined.addEntryBlock();
    DenseMap<int64_t, Lanes> arguments;
    unsigned next = 0;
    for (auto &[position, var] : ordered)
      for (int64_t d = 0, e = getFormulaDim(var.getResult()); d < e; ++d)
        arguments[position].push_back(block->getArgument(next++));
    OpBuilder bodyBuilder = OpBuilder::atBlockEnd(block);
    LaneBuilder lanes(bodyBuilder, loc, computeType, width);
    SmallVector<Lanes, 2> yielded = emitFormula(op, lanes, [&](VarOp var) {
      return arguments[static_cast<int64_t>(var.getPosition())];
    });
    SmallVector<Value> results;
    for (const Lanes &value : yielded)
      results.append(value.begin(), value.end());
    func::ReturnOp::create(bodyBuilder, loc, results);
    outlined.setFunctionType(b.getFunctionType(
        argumentTypes, ValueRange(results).getTypes()));
    return success();
  }
};
} // namespace
