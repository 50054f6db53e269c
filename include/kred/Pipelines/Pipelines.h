//===- Pipelines.h - kred's named compilation pipelines ---------*- C++ -*-===//
//
// The one list of passes per target. The shared front stage
// (`kred-normalize`: reductions over j, symbolic simplification, fast math
// at the formula level) is followed by the target's own stage; the CPU
// target's is `kred-cpu-pipeline` (front stage included). kred-opt, the
// runtime, kred-run and Python all build it through buildCpuPipeline.
//
// Its options are defined once, in KRED_CPU_PIPELINE_OPTIONS: the plain
// struct CpuTargetOptions (what the runtime and tools pass around) and the
// pass-pipeline options kred-opt parses are both generated from that table,
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
  X(int64_t, rowsPerChunk, "rows-per-chunk", 2,                                \
    "Rows updated together from each chunk of j lanes")                        \
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

/// Appends the shared front stage: reductions over j, canonicalization and
/// CSE, then fast math at the formula level when `fastMath`.
void buildNormalizePipeline(mlir::OpPassManager &pm, bool fastMath);

/// Appends the passes lowering a module of kred kernels on memrefs to the
/// LLVM dialect (host defaults resolved first).
void buildCpuPipeline(mlir::OpPassManager &pm,
                      const CpuTargetOptions &options);

/// The textual pipeline kred-opt runs for `options`:
/// `builtin.module(kred-cpu-pipeline{...})`.
std::string getCpuPipelineText(const CpuTargetOptions &options);

/// Registers `kred-normalize` and `kred-cpu-pipeline`.
void registerPipelines();

} // namespace kred

#endif // KRED_PIPELINES_PIPELINES_H
