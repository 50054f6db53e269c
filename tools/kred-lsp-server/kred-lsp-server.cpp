//===- kred-lsp-server.cpp - MLIR's language server with kred registered --===//
//
// What an editor's MLIR extension runs (setting mlir.server_path) to show
// diagnostics, hovers and definitions in kred .mlir files.
//
//===----------------------------------------------------------------------===//

#include "kred/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-lsp-server/MlirLspServerMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  kred::registerAllDialects(registry);
  kred::registerAllPasses();
  return mlir::failed(mlir::MlirLspServerMain(argc, argv, registry));
}
