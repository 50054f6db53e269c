//===- FuzzIRParse.cpp - the MLIR parser and kred's verifiers -------------===//
//
// Input: MLIR text. It is checked as kred's entry points check it
// (SourceLimits.h: MLIR's parser aborts on a huge result number), parsed
// (which verifies every op: kred's verifiers and type inference run on
// whatever the fuzzer writes), then printed.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "kred/Frontend/SourceLimits.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext &context = kred::fuzz::getContext();
  mlir::ParserConfig config(&context);
  // MLIR's lexer reads sources up to a terminating NUL, as kred's callers
  // (std::string, files) provide.
  std::string source(reinterpret_cast<const char *>(data), size);
  if (llvm::Error err = kred::checkResultNumbers(source, "fuzz.mlir")) {
    llvm::consumeError(std::move(err));
    return 0;
  }
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, config);
  if (module) {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
  }
  return 0;
}
