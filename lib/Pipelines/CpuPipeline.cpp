//===- CpuPipeline.cpp - kred IR to the LLVM dialect, for the host CPU ----===//

#include "kred/Pipelines/Pipelines.h"
#include "kred/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

std::string kred::CpuPipelineOptions::str() const {
  std::string text;
  llvm::raw_string_ostream os(text);
  print(os);
  return text;
}

void kred::buildCpuPipeline(OpPassManager &pm,
                            const CpuPipelineOptions &options) {
  // 1. Normal form and symbolic simplification.
  pm.addPass(createKredReduceOverJ());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // 2. Fast math at the formula level.
  if (options.fastMath) {
    pm.addPass(createKredFastMath());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
  // 3. Tiling over SIMD lanes of j, with the reduction state.
  KredLowerToLoopsOptions loops;
  loops.vectorWidth = options.vectorWidth;
  loops.tileI = options.tileI;
  loops.tileJ = options.tileJ;
  pm.addNestedPass<func::FuncOp>(createKredLowerToLoops(loops));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // 4. CPU mapping: tiles of rows on OpenMP threads, vectorized math.
  if (options.openmp) {
    pm.addPass(createConvertSCFToOpenMPPass());
    pm.addPass(createKredDynamicSchedule());
    // Inlines the alloca scopes it wraps loop bodies in (they hold no
    // allocas), which control-flow lowering could not handle.
    pm.addPass(createCanonicalizerPass());
  }
  if (options.fastMath) {
    KredApproximateMathOptions approximate;
    approximate.avx512 = options.avx512;
    pm.addPass(createKredApproximateMath(approximate));
  }
  {
    math::MathExpandOpsPassOptions expand;
    expand.opMnemonics = {"round"};
    pm.addPass(math::createMathExpandOpsPass(expand));
  }
  // 5. Everything to the LLVM dialect.
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void kred::registerCpuPipeline() {
  PassPipelineRegistration<CpuPipelineOptions>(
      "kred-cpu-pipeline",
      "lower kred kernels on memrefs to the LLVM dialect for the host CPU",
      buildCpuPipeline);
}
