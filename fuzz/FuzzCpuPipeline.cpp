//===- FuzzCpuPipeline.cpp - import, canonicalize, the CPU pipeline -------===//
//
// Input: a formula specification. Accepted formulas are canonicalized and
// lowered through kred-cpu-pipeline to the LLVM dialect (no machine code:
// LLVM's own code generation is not what is fuzzed here).
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "kred/Pipelines/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::OwningOpRef<mlir::ModuleOp> module = kred::fuzz::importBytes(data, size);
  if (!module)
    return 0;
  mlir::PassManager pm(&kred::fuzz::getContext());
  pm.addPass(mlir::createCanonicalizerPass());
  kred::CpuTargetOptions target;
  target.vectorWidth = 8;
  target.avx512 = 0;
  kred::buildCpuPipeline(pm, target);
  (void)pm.run(*module);
  return 0;
}
