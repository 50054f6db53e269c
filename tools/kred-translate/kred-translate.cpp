//===- kred-translate.cpp - imports into the kred dialect -----------------===//
//
// mlir-translate with kred's translations, e.g. `--import-formula`, which
// turns a KeOps formula string into a module holding one kred.reduce.
//
//===----------------------------------------------------------------------===//

#include "kred/InitAll.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  kred::registerAllTranslations();
  return mlir::failed(
             mlir::mlirTranslateMain(argc, argv, "kred translation driver\n"))
             ? 1
             : 0;
}
