//===- Pipelines.h - kred's named compilation pipelines ---------*- C++ -*-===//
//
// The one list of passes per target. The shared front stage
// (`kred-normalize`: reductions over j, symbolic simplification, fast math
// at the formula level) is followed by the target's own stage; the CPU
// target's is `kred-cpu-pipeline` (front stage included), the GPU target's
// `kred-gpu-pipeline`. kred-opt, the runtime, kred-run and Python all build
// them through buildCpuPipeline / buildGpuPipeline.
//
// Each target's options are defined once, in KRED_CPU_PIPELINE_OPTIONS and
// KRED_GPU_PIPELINE_OPTIONS: the plain structs (what the runtime and tools
// pass around) and the pass-pipeline options kred-opt parses are both
// generated from that table,
// and `str()` is the one option string (printed by reproducers, hashed into
// the kernel cache key).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_PIPELINES_PIPELINES_H
#define KRED_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace kred {

// X(type, member, flag, default, description)
#define KRED_CPU_PIPELINE_OPTIONS(X)                                           \
  X(bool, fastMath, "fast-math", true,                                         \
    "Rewrite exponentials in base 2 and use polynomial approximations of "     \
    "exp, log, sin, ... (documented bounds; see kred-approximate-math)")       \
  X(int64_t, vectorWidth, "vector-width", 0,                                   \
    "SIMD lanes of 32-bit floats (16 for AVX-512, 8 for AVX2); 0: the "        \
    "host's")                                                                  \
  X(int64_t, tileI, "tile-i", 32, "Output rows per parallel tile")             \
  X(int64_t, tileJ, "tile-j", 2048, "Reduced columns per tile")                \
  X(int64_t, rowsPerChunk, "rows-per-chunk", 0,                                \
    "Rows updated together from each chunk of j lanes; 0: as many as the "     \
    "vector registers hold")                                                   \
  X(int64_t, vectorRegisters, "vector-registers", 0,                           \
    "Vector registers (32 with AVX-512, 16 with AVX2); 0: the host's")         \
  X(int, memoryOperands, "memory-operands", -1,                               \
    "Arithmetic takes an operand from memory (x86): innermost loops read "     \
    "vector constants at their uses, exp-bound formulas take one row per "    \
    "chunk; 1 or 0; -1: 1 on x86")                                             \
  X(bool, openmp, "openmp", true, "Run tiles of rows on OpenMP threads")       \
  X(int, avx512, "avx512", -1,                                                 \
    "The target has AVX-512 (exp2 scales with VSCALEF): 1 or 0; -1: the "      \
    "host's")

/// The CPU target's options, as a plain copyable struct.
struct CpuTargetOptions {
#define KRED_OPTION_MEMBER(type, member, flag, initial, help) type member = initial;
  KRED_CPU_PIPELINE_OPTIONS(KRED_OPTION_MEMBER)
#undef KRED_OPTION_MEMBER

  /// The options with host-dependent defaults (0 / -1) resolved for the
  /// machine this runs on.
  CpuTargetOptions resolvedForHost() const;
  /// The pipeline option string, `fast-math=true vector-width=8 ...`
  /// (every option, in table order).
  std::string str() const;
  /// Parses an option string as kred-opt does (`vector-width=8 tile-i=16`);
  /// unnamed options keep their defaults.
  static llvm::Expected<CpuTargetOptions> parse(llvm::StringRef text);
  bool operator==(const CpuTargetOptions &other) const;
};

/// The same options as kred-opt's `--kred-cpu-pipeline{...}` parses them.
struct CpuPipelineOptions
    : public mlir::PassPipelineOptions<CpuPipelineOptions> {
#define KRED_OPTION_DECL(type, member, flag, initial, help)                       \
  Option<type> member{*this, flag, llvm::cl::desc(help), llvm::cl::init(initial)};
  KRED_CPU_PIPELINE_OPTIONS(KRED_OPTION_DECL)
#undef KRED_OPTION_DECL

  CpuTargetOptions toPlain() const;
};

// X(type, member, flag, default, description)
#define KRED_GPU_PIPELINE_OPTIONS(X)                                           \
  X(bool, fastMath, "fast-math", true,                                         \
    "Rewrite exponentials in base 2 and compute f32 exp2, log2, rsqrt, "       \
    "sqrt, division, sin and cos with PTX's .approx.ftz instructions")         \
  X(std::string, chip, "chip", "sm_80",                                        \
    "The NVIDIA architecture to compile for (sm_80, sm_90, ...)")              \
  X(int64_t, blockSize, "block-size", 192,                                     \
    "Threads (output rows) per block, at most (lowered when the j-tile "       \
    "would not fit in shared memory)")                                         \
  X(int64_t, optLevel, "opt-level", 3, "LLVM optimization level of the PTX")   \
  X(std::string, libdevice, "libdevice", "",                                   \
    "CUDA's libdevice.10.bc, linked for math the fast path does not cover; "   \
    "empty: $CUDA_HOME or /usr/local/cuda's, when present")                    \
  X(bool, serialize, "serialize", true,                                        \
    "Translate the kernels to PTX (a gpu.binary holding the assembly); "       \
    "false stops at the NVVM dialect")                                         \
  X(int64_t, testDropBarrier, "test-drop-barrier", 0,                          \
    "For testing gpu-sim's race checker only: 1 leaves out the barrier "       \
    "after a tile's copy, 2 the one after its columns")

/// The GPU target's options, as a plain copyable struct.
struct GpuTargetOptions {
#define KRED_OPTION_MEMBER(type, member, flag, initial, help) type member = initial;
  KRED_GPU_PIPELINE_OPTIONS(KRED_OPTION_MEMBER)
#undef KRED_OPTION_MEMBER

  /// libdevice resolved (the option, else the toolkit's when it exists)
  /// and an empty chip made sm_80.
  GpuTargetOptions resolvedForHost() const;
  std::string str() const;
  static llvm::Expected<GpuTargetOptions> parse(llvm::StringRef text);
  bool operator==(const GpuTargetOptions &other) const;
};

/// The same options as kred-opt's `--kred-gpu-pipeline{...}` parses them.
struct GpuPipelineOptions
    : public mlir::PassPipelineOptions<GpuPipelineOptions> {
#define KRED_OPTION_DECL(type, member, flag, initial, help)                       \
  Option<type> member{*this, flag, llvm::cl::desc(help), llvm::cl::init(initial)};
  KRED_GPU_PIPELINE_OPTIONS(KRED_OPTION_DECL)
#undef KRED_OPTION_DECL

  GpuTargetOptions toPlain() const;
};

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
