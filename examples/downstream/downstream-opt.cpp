//===- downstream-opt.cpp - a downstream project's optimizer driver -------===//
//
// mlir-opt with kred's dialects and passes (kred::registerAllDialects,
// kred::registerAllPasses from the installed kred/InitAll.h) and a pass of
// this project that reads kred IR through kred's C++ API.
//
//===----------------------------------------------------------------------===//

#include "kred/Dialect/Kred/IR/KredOps.h"
#include "kred/Dialect/Kred/IR/ReductionKinds.h"
#include "kred/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

namespace {

/// Tags each kred.reduce with its KeOps reduction name
/// (downstream.keops = "Sum", "ArgKMin", ...) and each function with its
/// number of reductions.
struct TagReductionsPass
    : mlir::PassWrapper<TagReductionsPass,
                        mlir::OperationPass<mlir::func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TagReductionsPass)

  llvm::StringRef getArgument() const final {
    return "downstream-tag-reductions";
  }
  llvm::StringRef getDescription() const final {
    return "Tags kred reductions with their KeOps names";
  }

  void runOnOperation() override {
    mlir::func::FuncOp function = getOperation();
    mlir::Builder builder(&getContext());
    int64_t count = 0;
    function.walk([&](kred::ReduceOp reduce) {
      const kred::ReductionKindInfo &info =
          kred::getReductionKindInfo(reduce.getKind());
      reduce->setAttr("downstream.keops",
                      builder.getStringAttr(info.keopsName));
      ++count;
    });
    function->setAttr("downstream.reductions",
                      builder.getI64IntegerAttr(count));
  }
};

} // namespace

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  kred::registerAllDialects(registry);
  kred::registerAllPasses();
  mlir::PassRegistration<TagReductionsPass>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "downstream optimizer driver\n", registry));
}
