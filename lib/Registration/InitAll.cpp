//===- InitAll.cpp - the one registration point of kred -------------------===//

#include "kred/InitAll.h"

#include "kred/Dialect/Kred/IR/KredDialect.h"
#include "kred/Frontend/FormulaImport.h"
#include "kred/Pipelines/Pipelines.h"
#include "kred/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void kred::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<kred::KredDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR on the way to PTX.
  mlir::registerAllToLLVMIRTranslations(registry);
}

void kred::registerAllPasses() {
  mlir::registerAllPasses();
  registerKredPasses();
  registerPipelines();
}

void kred::registerAllTranslations() { registerFormulaImportTranslation(); }
