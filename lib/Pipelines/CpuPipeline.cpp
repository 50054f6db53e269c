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

using namespace mlir;
using namespace kred;

void kred::buildCpuPipeline(OpPassManager &pm,
                            const CpuTargetOptions &hostOptions) {
  CpuTargetOptions options = hostOptions.resolvedForHost();
  // 1-2. The shared front stage: normal form, symbolic simplification, fast
  // math at the formula level.
  buildNormalizePipeline(pm, options.fastMath);
  // 3. A row's own contractions computed once per row, then tiling over
  // SIMD lanes of j, with the reduction state.
  KredPrecomputeInvariantsOptions invariants;
  invariants.sqdistExpansion = options.sqdistExpansion;
  pm.addNestedPass<func::FuncOp>(createKredPrecomputeInvariants(invariants));
  pm.addPass(createKredLowerToLoops(options));
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
    pm.addPass(createKredApproximateMath(options));
  }
  KredHoistVectorConstantsOptions constants;
  constants.loadAtUses = options.memoryOperands > 0;
  constants.maxLoopLoads = options.vectorRegisters / 2;
  pm.addPass(createKredHoistVectorConstants(constants));
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
