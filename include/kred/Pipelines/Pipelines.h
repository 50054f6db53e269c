//===- Pipelines.h - kred's named compilation pipelines ---------*- C++ -*-===//
//
// The one list of passes per target. The shared front stage
// (`kred-normalize`: reductions over j, symbolic simplification, fast math
// at the formula level) is followed by the target's own stage; the CPU
// target's is `kred-cpu-pipeline` (front stage included), the GPU target's
// `kred-gpu-pipeline`. kred-opt, the runtime, kred-run and Python all build
// them through buildCpuPipeline / buildGpuPipeline.
//
// Each target's options are defined once (kred/Transforms/TargetOptions.h)
// and passed as a whole to the pipeline and to the passes that read them.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_PIPELINES_PIPELINES_H
#define KRED_PIPELINES_PIPELINES_H

#include "kred/Transforms/TargetOptions.h"

#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace kred {

/// Appends the shared front stage: reductions over j, canonicalization and
/// CSE, then fast math at the formula level when `fastMath`.
void buildNormalizePipeline(mlir::OpPassManager &pm, bool fastMath);

/// Appends the passes lowering a module of kred kernels on memrefs to the
/// LLVM dialect (host defaults resolved first).
void buildCpuPipeline(mlir::OpPassManager &pm,
                      const CpuTargetOptions &options);

/// Appends the passes lowering a module of kred kernels on memrefs to GPU
/// kernels in PTX (a gpu.binary; the host functions launch them), or to the
/// NVVM dialect without `serialize`.
void buildGpuPipeline(mlir::OpPassManager &pm,
                      const GpuTargetOptions &options);

/// The textual pipeline kred-opt runs for `options`:
/// `builtin.module(kred-cpu-pipeline{...})`.
std::string getCpuPipelineText(const CpuTargetOptions &options);
/// `builtin.module(kred-gpu-pipeline{...})`.
std::string getGpuPipelineText(const GpuTargetOptions &options);

/// Registers `kred-normalize`, `kred-cpu-pipeline` and `kred-gpu-pipeline`.
void registerPipelines();

} // namespace kred

#endif // KRED_PIPELINES_PIPELINES_H
