//===- kred-opt.cpp - kred's optimizer driver -----------------------------===//
//
// mlir-opt with the kred dialect and passes: parses, verifies, runs passes
// and prints kred IR.
//
//===----------------------------------------------------------------------===//

#include "kred/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  kred::registerAllDialects(registry);
  kred::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "kred optimizer driver\n", registry));
}
