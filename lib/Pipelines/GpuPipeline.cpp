//===- GpuPipeline.cpp - kred IR to PTX kernels for NVIDIA GPUs -----------===//

#include "PipelineOptions.h"
#include "kred/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

using namespace mlir;
using namespace kred;

GpuTargetOptions kred::GpuPipelineOptions::toPlain() const {
  GpuTargetOptions plain;
  KRED_GPU_PIPELINE_OPTIONS(KRED_OPTION_COPY)
  return plain;
}

void kred::setPipelineOptions(GpuPipelineOptions &options,
                              const GpuTargetOptions &plain) {
  KRED_GPU_PIPELINE_OPTIONS(KRED_OPTION_SET)
}

/// CUDA's libdevice under $CUDA_HOME or /usr/local/cuda, if present.
static std::string findLibdevice() {
  std::string root =
      llvm::sys::Process::GetEnv("CUDA_HOME").value_or("/usr/local/cuda");
  llvm::SmallString<128> path(root);
  llvm::sys::path::append(path, "nvvm", "libdevice", "libdevice.10.bc");
  return llvm::sys::fs::exists(path) ? path.str().str() : std::string();
}

GpuTargetOptions GpuTargetOptions::resolvedForHost() const {
  GpuTargetOptions resolved = *this;
  if (resolved.libdevice.empty())
    resolved.libdevice = findLibdevice();
  if (resolved.chip.empty())
    resolved.chip = "sm_80";
  return resolved;
}

std::string GpuTargetOptions::str() const {
  return optionsText<GpuPipelineOptions>(*this);
}

llvm::Expected<GpuTargetOptions> GpuTargetOptions::parse(llvm::StringRef text) {
  return parseOptions<GpuPipelineOptions>(text, "kred-gpu-pipeline");
}

bool GpuTargetOptions::operator==(const GpuTargetOptions &other) const {
  return str() == other.str();
}

std::string kred::getGpuPipelineText(const GpuTargetOptions &options) {
  return "builtin.module(kred-gpu-pipeline{" + options.str() + "})";
}

void kred::buildGpuPipeline(OpPassManager &pm,
                            const GpuTargetOptions &hostOptions) {
  GpuTargetOptions options = hostOptions.resolvedForHost();
  // 1-2. The shared front stage.
  buildNormalizePipeline(pm, options.fastMath);
  // 3. A kernel per reduction, a thread per row, j-tiles in shared memory.
  KredLowerToGpuOptions kernels;
  kernels.blockSize = options.blockSize;
  kernels.testDropBarrier = options.testDropBarrier;
  pm.addPass(createKredLowerToGpu(kernels));
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
