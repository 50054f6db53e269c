//===- TargetOptions.h - each target's options, defined once ----*- C++ -*-===//
//
// The CPU and GPU targets' options are each one table
// (KRED_CPU_PIPELINE_OPTIONS, KRED_GPU_PIPELINE_OPTIONS). Generated from it:
// the plain struct the runtime, tools and Python pass around (with `str()`,
// the one option string printed by reproducers and hashed into the kernel
// cache key, and `parse`, which names the valid options on an error); the
// pipeline options kred-opt parses for `kred-cpu-pipeline{...}`; and the
// options of the passes that read them (kred-lower-to-loops,
// kred-approximate-math, kred-lower-to-gpu declare the table's options and
// are created from the plain struct as a whole).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_TRANSFORMS_TARGETOPTIONS_H
#define KRED_TRANSFORMS_TARGETOPTIONS_H

#include "mlir/Pass/PassOptions.h"
#include "llvm/Support/Error.h"

#include <string>

/// Expansions of a table row X(type, member, flag, default, description):
/// a plain member; an Option<> member of a pass or of pipeline options; a
/// copy from an option holder into `plain`, and back.
#define KRED_OPTION_MEMBER(type, member, flag, initial, help)                 \
  type member = initial;
#define KRED_OPTION_DECL(type, member, flag, initial, help)                   \
  Option<type> member{*this, flag, llvm::cl::desc(help),                      \
                      llvm::cl::init(initial)};
#define KRED_OPTION_READ(type, member, flag, initial, help)                   \
  plain.member = holder.member;
#define KRED_OPTION_WRITE(type, member, flag, initial, help)                  \
  holder.member = plain.member;

/// A target's options from its table: the plain, copyable struct `Plain`
/// (resolvedForHost(): host-dependent defaults resolved; str(): every
/// option as `flag=value`, in table order; parse(): an option string as
/// kred-opt parses it, unnamed options keeping their defaults) and
/// `Pipeline`, the same options as kred-opt's pipeline parses them.
#define KRED_DECLARE_TARGET_OPTIONS(Plain, Pipeline, TABLE)                   \
  struct Plain {                                                              \
    TABLE(KRED_OPTION_MEMBER)                                                 \
    Plain resolvedForHost() const;                                            \
    std::string str() const;                                                  \
    static llvm::Expected<Plain> parse(llvm::StringRef text);                 \
    bool operator==(const Plain &other) const;                                \
    /* The options held by `holder` (pipeline options, or a pass that */      \
    /* declares the table's options), and back. */                            \
    template <typename Holder>                                                \
    static Plain readFrom(const Holder &holder) {                             \
      Plain plain;                                                            \
      TABLE(KRED_OPTION_READ)                                                 \
      return plain;                                                           \
    }                                                                         \
    template <typename Holder>                                                \
    void writeTo(Holder &holder) const {                                      \
      const Plain &plain = *this;                                             \
      TABLE(KRED_OPTION_WRITE)                                                \
    }                                                                         \
  };                                                                          \
  struct Pipeline : public mlir::PassPipelineOptions<Pipeline> {              \
    TABLE(KRED_OPTION_DECL)                                                   \
    Plain toPlain() const;                                                    \
  };

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
  X(int64_t, tileJ, "tile-j", 2048,                                            \
    "Reduced columns per tile (CPU: at most 256 KB of j-variables)")           \
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
  X(bool, sqdistExpansion, "sqdist-expansion", false,                          \
    "SqDist(x_i, y_j) as |x|^2 + |y|^2 - 2 <x, y>: one FMA per coordinate, "   \
    "an error that grows with |x|^2 + |y|^2 (docs/Rationale.md)")              \
  X(int, avx512, "avx512", -1,                                                 \
    "The target has AVX-512 (exp2 scales with VSCALEF, or reads 2^(k/16) "     \
    "from a table in a register): 1 or 0; -1: the host's")                     \
  X(int, avx2, "avx2", -1,                                                     \
    "The target has AVX2 (exp2 reads 2^(k/8) from a table in a register; "    \
    "K-best reductions pack lanes by a permutation): 1 or 0; -1: the host's") \
  X(std::string, laneCompress, "lane-compress", "",                          \
    "How K-best reductions pack a chunk's entering lanes: instruction "        \
    "(AVX-512's VPCOMPRESS), permutation (AVX2: a VPERMPS whose index a "     \
    "table of lane numbers gives), none (a loop over the set lanes); empty: " \
    "the host's")                                                             \
  X(std::string, cpuFeatures, "cpu-features", "",                             \
    "LLVM target features over the host's, comma-separated (-avx512f: the "   \
    "code of an AVX2 machine); the defaults above follow them")

/// Its host-dependent defaults (0 / -1): the machine this runs on's, with
/// cpu-features applied.
KRED_DECLARE_TARGET_OPTIONS(CpuTargetOptions, CpuPipelineOptions,
                            KRED_CPU_PIPELINE_OPTIONS)

/// The LLVM feature string code is generated with: the host's features,
/// then `options.cpuFeatures` (which win).
std::string getCpuFeatureString(const CpuTargetOptions &options);

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

/// libdevice resolved for the host: the option, else the toolkit's when it
/// exists; an empty chip is sm_80.
KRED_DECLARE_TARGET_OPTIONS(GpuTargetOptions, GpuPipelineOptions,
                            KRED_GPU_PIPELINE_OPTIONS)

/// In pass class `Name` (derived from its generated `Base`): table `TABLE`'s
/// options, the constructors that create the pass from the plain struct
/// `Plain` as a whole, and getTargetOptions(), the options with the host's
/// defaults resolved.
#define KRED_PASS_TARGET_OPTIONS(Name, TABLE, Plain)                          \
  TABLE(KRED_OPTION_DECL)                                                     \
  Name() = default;                                                           \
  Name(const Name &other) : Base(other) {}                                    \
  explicit Name(const ::kred::Plain &options) { options.writeTo(*this); }     \
  ::kred::Plain getTargetOptions() const {                                    \
    return ::kred::Plain::readFrom(*this).resolvedForHost();                  \
  }

} // namespace kred

#endif // KRED_TRANSFORMS_TARGETOPTIONS_H
