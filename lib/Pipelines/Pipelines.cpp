//===- Pipelines.cpp - the stage every target shares, and registration ----===//
//
// kred-normalize (what every target runs first) and the registration of
// the named pipelines; each target's own stages are in CpuPipeline.cpp and
// GpuPipeline.cpp, which call this file and not each other.
//
//===----------------------------------------------------------------------===//

#include "kred/Pipelines/Pipelines.h"
#include "kred/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace kred;

void kred::buildNormalizePipeline(OpPassManager &pm, bool fastMath) {
  pm.addPass(createKredAutodiff());
  pm.addPass(createKredReduceOverJ());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (fastMath) {
    pm.addPass(createKredFastMath());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
}

namespace {
struct NormalizeOptions : public PassPipelineOptions<NormalizeOptions> {
  Option<bool> fastMath{*this, "fast-math",
                        llvm::cl::desc("Rewrite exponentials in base 2"),
                        llvm::cl::init(true)};
};
} // namespace

std::string kred::getCpuPipelineText(const CpuTargetOptions &options) {
  return "builtin.module(kred-cpu-pipeline{" + options.str() + "})";
}

std::string kred::getGpuPipelineText(const GpuTargetOptions &options) {
  return "builtin.module(kred-gpu-pipeline{" + options.str() + "})";
}

void kred::registerPipelines() {
  PassPipelineRegistration<NormalizeOptions>(
      "kred-normalize",
      "the stage every target shares: reductions over j, symbolic "
      "simplification, fast math at the formula level",
      [](OpPassManager &pm, const NormalizeOptions &options) {
        buildNormalizePipeline(pm, options.fastMath);
      });
  PassPipelineRegistration<CpuPipelineOptions>(
      "kred-cpu-pipeline",
      "lower kred kernels on memrefs to the LLVM dialect for the host CPU",
      [](OpPassManager &pm, const CpuPipelineOptions &options) {
        buildCpuPipeline(pm, options.toPlain());
      });
  PassPipelineRegistration<GpuPipelineOptions>(
      "kred-gpu-pipeline",
      "lower kred kernels on memrefs to NVIDIA GPU kernels in PTX, launched "
      "by their host functions",
      [](OpPassManager &pm, const GpuPipelineOptions &options) {
        buildGpuPipeline(pm, options.toPlain());
      });
}
