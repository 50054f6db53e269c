//===- FuzzSupport.h - what every kred fuzz target shares -------*- C++ -*-===//
//
// One MLIR context with kred's dialects for the whole fuzzing run, its
// diagnostics swallowed (errors are the expected answer to most inputs; a
// crash, a sanitizer report or a hang is the bug).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_FUZZ_FUZZSUPPORT_H
#define KRED_FUZZ_FUZZSUPPORT_H

#include "kred/Frontend/FormulaImport.h"
#include "kred/InitAll.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/SourceMgr.h"

namespace kred::fuzz {

inline mlir::MLIRContext &getContext() {
  static mlir::MLIRContext *context = [] {
    mlir::DialectRegistry registry;
    registerAllDialects(registry);
    auto *c = new mlir::MLIRContext(registry,
                                    mlir::MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    c->getDiagEngine().registerHandler(
        [](mlir::Diagnostic &) { return mlir::success(); });
    return c;
  }();
  return *context;
}

/// The fuzzer's bytes imported as a float32 formula specification, or null.
inline mlir::OwningOpRef<mlir::ModuleOp> importBytes(const uint8_t *data,
                                                     size_t size) {
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz"),
      llvm::SMLoc());
  return importFormula(sourceMgr, &getContext(), FormulaImportOptions());
}

} // namespace kred::fuzz

#endif // KRED_FUZZ_FUZZSUPPORT_H
