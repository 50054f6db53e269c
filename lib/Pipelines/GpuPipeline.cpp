//===- GpuPipeline.cpp - kred IR to PTX kernels for NVIDIA GPUs -----------===//

#include "kred/Pipelines/Pipelines.h"
#include "kred/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace kred;

void kred::buildGpuPipeline(OpPassManager &pm,
                            const GpuTargetOptions &hostOptions) {
  GpuTargetOptions options = hostOptions.resolvedForHost();
  // 1-2. The shared front stage.
  buildNormalizePipeline(pm, options.fastMath);
  // 3. A kernel per reduction, a thread per row, j-tiles in shared memory.
  pm.addPass(createKredLowerToGpu(options));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // 4. The kernels to the NVVM dialect.
  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  if (options.fastMath)
    device.addPass(createKredGpuApproximateMath());
  device.addPass(createConvertVectorToSCFPass());
  device.addPass(createSCFToControlFlowPass());
  device.addPass(memref::createExpandStridedMetadataPass());
  device.addPass(createLowerAffinePass());
  device.addPass(createConvertGpuOpsToNVVMOps());
  device.addPass(createCanonicalizerPass());
  device.addPass(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // 5. PTX for the chip.
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.optLevel = options.optLevel;
  target.fastFlag = options.fastMath;
  target.ftzFlag = options.fastMath;
  if (!options.libdevice.empty())
    target.linkLibs.push_back(options.libdevice);
  pm.addPass(createGpuNVVMAttachTarget(target));
  if (options.serialize) {
    GpuModuleToBinaryPassOptions binary;
    binary.compilationTarget = "isa";
    pm.addPass(createGpuModuleToBinaryPass(binary));
  }
}
