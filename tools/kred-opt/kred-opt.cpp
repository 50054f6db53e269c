//===- kred-opt.cpp - kred's optimizer driver -----------------------------===//
//
// mlir-opt with the kred dialect and passes: parses, verifies, runs passes
// and prints kred IR. The input is checked before MLIR's parser sees it
// (SourceLimits.h): a huge result number is a located error, not an abort,
// and errors in a long line quote an excerpt of it.
//
//===----------------------------------------------------------------------===//

#include "kred/Frontend/SourceLimits.h"
#include "kred/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

#include "llvm/Support/ToolOutputFile.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  kred::registerAllDialects(registry);
  kred::registerAllPasses();
  auto [inputName, outputName] = mlir::registerAndParseCLIOptions(
      argc, argv, "kred optimizer driver\n", registry);
  mlir::MlirOptMainConfig config = mlir::MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects()) {
    for (llvm::StringRef name : registry.getDialectNames())
      llvm::outs() << name << "\n";
    return 0;
  }
  if (config.shouldListPasses()) {
    mlir::printRegisteredPasses();
    return 0;
  }
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input =
      mlir::openInputFile(inputName, &error);
  if (!input) {
    llvm::errs() << error << "\n";
    return 1;
  }
  llvm::SourceMgr check;
  check.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBuffer(input->getMemBufferRef()),
                           llvm::SMLoc());
  if (auto diag = kred::findOversizedResultNumber(check, check.getMainFileID())) {
    diag->print("kred-opt", llvm::errs());
    return 1;
  }
  // MlirOptMain quotes a failing line whole; parse long lines here first,
  // where errors quote an excerpt (not in the modes that handle their own
  // diagnostics).
  if (!config.shouldVerifyDiagnostics() && config.inputSplitMarker().empty() &&
      kred::hasLongLines(check, check.getMainFileID())) {
    mlir::MLIRContext context(registry);
    kred::quoteLongLinesByExcerpt(check);
    mlir::SourceMgrDiagnosticHandler handler(check, &context);
    if (!mlir::parseSourceFile<mlir::ModuleOp>(check, &context))
      return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      mlir::openOutputFile(outputName, &error);
  if (!output) {
    llvm::errs() << error << "\n";
    return 1;
  }
  if (mlir::failed(mlir::MlirOptMain(output->os(), std::move(input), registry,
                                     config)))
    return 1;
  output->keep();
  return 0;
}
