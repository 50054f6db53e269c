//===- Pipelines.h - kred's named compilation pipelines ---------*- C++ -*-===//
//
// The one list of passes that turns kred IR into LLVM IR. kred-opt exposes
// it as `--kred-cpu-pipeline`; the runtime, kred-run and the Python module
// build it through buildCpuPipeline. No other pass list exists.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_PIPELINES_PIPELINES_H
#define KRED_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace kred {

struct CpuPipelineOptions
    : public mlir::PassPipelineOptions<CpuPipelineOptions> {
  Option<bool> fastMath{
      *this, "fast-math",
      llvm::cl::desc("Rewrite exponentials in base 2 and use polynomial "
                     "approximations of exp, log, sin, ... (documented "
                     "bounds; see kred-approximate-math)"),
      llvm::cl::init(true)};
  Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("SIMD lanes of 32-bit floats (16 for AVX-512, 8 for "
                     "AVX2)"),
      llvm::cl::init(16)};
  Option<int64_t> tileI{*this, "tile-i",
                        llvm::cl::desc("Output rows per parallel tile"),
                        llvm::cl::init(32)};
  Option<int64_t> tileJ{*this, "tile-j",
                        llvm::cl::desc("Reduced columns per tile"),
                        llvm::cl::init(2048)};
  Option<bool> avx512{
      *this, "avx512",
      llvm::cl::desc("The target has AVX-512 (exp2 scales with VSCALEF)"),
      llvm::cl::init(false)};
  Option<bool> openmp{
      *this, "openmp",
      llvm::cl::desc("Run tiles of rows on OpenMP threads"),
      llvm::cl::init(true)};

  /// The options as a pipeline option string (part of the cache key).
  std::string str() const;
};

/// Appends the passes lowering a module of kred kernels on memrefs to the
/// LLVM dialect.
void buildCpuPipeline(mlir::OpPassManager &pm,
                      const CpuPipelineOptions &options);

/// Registers `kred-cpu-pipeline`.
void registerCpuPipeline();

} // namespace kred

#endif // KRED_PIPELINES_PIPELINES_H
