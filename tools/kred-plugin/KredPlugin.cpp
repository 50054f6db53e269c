//===- KredPlugin.cpp - kred's dialect and passes for upstream MLIR tools -===//
//
// A shared library that mlir-opt (and any tool built on MlirOptMain) loads
// with --load-dialect-plugin and --load-pass-plugin. It links libMLIR.so, as
// Debian's mlir-opt-22 does, so the dialects kred's IR uses are the tool's.
// Only kred's own dialect, passes and pipelines are registered: the tool
// has registered MLIR's.
//
//===----------------------------------------------------------------------===//

#include "kred/Dialect/Kred/IR/KredDialect.h"
#include "kred/Pipelines/Pipelines.h"
#include "kred/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"

#include "llvm/Config/llvm-config.h"

extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "kred", LLVM_VERSION_STRING,
          [](mlir::DialectRegistry *registry) {
            registry->insert<kred::KredDialect>();
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "kred", LLVM_VERSION_STRING, []() {
            kred::registerKredPasses();
            kred::registerPipelines();
          }};
}
