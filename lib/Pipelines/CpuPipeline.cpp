//===- CpuPipeline.cpp - kred IR to the LLVM dialect, for the host CPU ----===//

#include "PipelineOptions.h"
#include "kred/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using namespace kred;

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

CpuTargetOptions kred::CpuPipelineOptions::toPlain() const {
  CpuTargetOptions plain;
  KRED_CPU_PIPELINE_OPTIONS(KRED_OPTION_COPY)
  return plain;
}

void kred::setPipelineOptions(CpuPipelineOptions &options,
                              const CpuTargetOptions &plain) {
  KRED_CPU_PIPELINE_OPTIONS(KRED_OPTION_SET)
}

CpuTargetOptions CpuTargetOptions::resolvedForHost() const {
  CpuTargetOptions resolved = *this;
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  bool hostAvx512 = features.lookup("avx512f");
  if (resolved.vectorWidth <= 0)
    resolved.vectorWidth = hostAvx512                                  ? 16
                           : features.lookup("avx2") || features.lookup("avx") ? 8
                                                                       : 4;
  if (resolved.avx512 < 0)
    resolved.avx512 = hostAvx512;
  if (resolved.vectorRegisters <= 0)
    resolved.vectorRegisters = hostAvx512 ? 32 : 16;
  if (resolved.memoryOperands < 0)
    resolved.memoryOperands = llvm::Triple(llvm::sys::getProcessTriple()).isX86();
  return resolved;
}

std::string CpuTargetOptions::str() const {
  return optionsText<CpuPipelineOptions>(*this);
}

llvm::Expected<CpuTargetOptions> CpuTargetOptions::parse(llvm::StringRef text) {
  return parseOptions<CpuPipelineOptions>(text, "kred-cpu-pipeline");
}

bool CpuTargetOptions::operator==(const CpuTargetOptions &other) const {
  return str() == other.str();
}

std::string kred::getCpuPipelineText(const CpuTargetOptions &options) {
  return "builtin.module(kred-cpu-pipeline{" + options.str() + "})";
}

//===----------------------------------------------------------------------===//
// Pipelines
//===----------------------------------------------------------------------===//

void kred::buildCpuPipeline(OpPassManager &pm,
                            const CpuTargetOptions &hostOptions) {
  CpuTargetOptions options = hostOptions.resolvedForHost();
  // 1-2. The shared front stage: normal form, symbolic simplification, fast
  // math at the formula level.
  buildNormalizePipeline(pm, options.fastMath);
  // 3. Tiling over SIMD lanes of j, with the reduction state.
  KredLowerToLoopsOptions loops;
  loops.vectorWidth = options.vectorWidth;
  loops.tileI = options.tileI;
  loops.tileJ = options.tileJ;
  loops.rowsPerChunk = options.rowsPerChunk;
  loops.vectorRegisters = options.vectorRegisters;
  loops.memoryOperands = options.memoryOperands > 0;
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
    approximate.avx512 = options.avx512 > 0;
    pm.addPass(createKredApproximateMath(approximate));
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
