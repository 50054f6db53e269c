//===- GpuSimulator.h - GPU kernels run on the host, SIMT -------*- C++ -*-===//
//
// Runs kernels of the GPU target compiled for the host (GpuSimTarget.cpp)
// with CUDA's execution model: a grid of blocks, each block's threads as
// fibers on one OS thread, __syncthreads as a real barrier, shared memory
// per block. A checker (on by default) reports data races on shared and
// output memory within a barrier interval, barriers that not every thread
// of a block reaches, accesses outside every array, and writes to inputs.
//
// The compiled code calls the simulator through a table of functions
// (`__kred_sim_functions`) that the simulator fills when it loads the code:
// the GPU intrinsics and PTX approximations (getSimulatedFunctions), and
// the checker's two hooks.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_RUNTIME_GPUSIMULATOR_H
#define KRED_LIB_RUNTIME_GPUSIMULATOR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace kred {
namespace runtime {
namespace sim {

/// A function of the table: the name the compiled code calls (an NVVM
/// intrinsic, a libdevice function, or a checker hook) and the host
/// function the simulator puts in its slot.
struct SimulatedFunction {
  llvm::StringLiteral name;
  void *address;
};

/// The table, in slot order. The first two slots are the checker's hooks:
/// kAccessHook(void *address, i64 bytes, i32 isWrite, i32 site) before every
/// load and store, kSharedHook(void *base, i64 bytes, i32 site) for each
/// shared array when a thread starts.
llvm::ArrayRef<SimulatedFunction> getSimulatedFunctions();
constexpr int kAccessHook = 0, kSharedHook = 1;

/// The symbols compiled code defines for the simulator.
constexpr llvm::StringLiteral kFunctionTableSymbol = "__kred_sim_functions";
constexpr llvm::StringLiteral kSitesSymbol = "__kred_sim_sites";
constexpr llvm::StringLiteral kSiteCountSymbol = "__kred_sim_site_count";
constexpr llvm::StringLiteral kLaunchesSymbol = "__kred_sim_launches";

/// CUDA's limit on a block's static shared memory, which the GPU lowering
/// sizes its tiles for.
constexpr int64_t kSharedMemoryLimit = 48 * 1024;

/// An array of a launch, for the checker.
struct SimArray {
  std::string name;
  const char *begin;
  size_t bytes, elementBytes;
  bool output;
};

/// The order in which a block's threads run between barriers.
enum class ThreadOrder { Forward, Reverse, Random };

struct SimOptions {
  bool check = true;
  ThreadOrder order = ThreadOrder::Forward;
  uint64_t seed = 0;
  /// From $KRED_GPU_SIM_CHECK (0 turns the checker off) and
  /// $KRED_GPU_SIM_ORDER (forward, reverse, random or random:SEED).
  static llvm::Expected<SimOptions> fromEnvironment();
};

/// One launch: `entry(parameters)` for every thread of a grid of
/// (blocksX, blocksY) blocks of `threads` threads. `sites` names the
/// instrumented accesses of the code.
struct SimLaunch {
  std::string kernel;
  void (*entry)(int64_t *);
  int64_t *parameters;
  int64_t blocksX, blocksY, threads;
  llvm::ArrayRef<SimArray> arrays;
  llvm::ArrayRef<const char *> sites;
};

/// Runs `launch`; an error reports the first problem the checker found.
llvm::Error simulate(const SimLaunch &launch, const SimOptions &options);

} // namespace sim
} // namespace runtime
} // namespace kred

#endif // KRED_LIB_RUNTIME_GPUSIMULATOR_H
