//===- FuzzFormulaImport.cpp - the KeOps formula importer -----------------===//
//
// Input: a formula specification (aliases, then a reduction). Each input is
// imported as float32 and, when accepted, verified.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "mlir/IR/Verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (mlir::OwningOpRef<mlir::ModuleOp> module =
          kred::fuzz::importBytes(data, size))
    (void)mlir::verify(*module);
  return 0;
}
