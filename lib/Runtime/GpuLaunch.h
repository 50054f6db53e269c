//===- GpuLaunch.h - what every GPU target knows of a launch -----*- C++ -*-===//
//
// The CUDA target and the simulator launch the same kernels the same way:
// each kernel's block size and the arguments it takes (recorded from the
// gpu.launch_func that kred-lower-to-gpu writes), the grid of a call, and
// the kernel parameters (each launched array's memref descriptor fields).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_RUNTIME_GPULAUNCH_H
#define KRED_LIB_RUNTIME_GPULAUNCH_H

#include "kred/Runtime/Runtime.h"

#include "mlir/IR/BuiltinOps.h"

#include <map>

namespace kred {
namespace runtime {

/// How one kernel is launched: the block size it was compiled for and the
/// positions of the arguments it takes (kred-lower-to-gpu passes only the
/// arrays the formula reads).
struct LaunchInfo {
  int64_t blockSize = 0;
  std::vector<int64_t> arguments;
};
using LaunchTable = std::map<std::string, LaunchInfo>;

/// The launches of a module lowered by kred-lower-to-gpu, by kernel symbol.
LaunchTable collectLaunches(mlir::ModuleOp module);

/// `module` through kred-gpu-pipeline: the PTX of its kernels and their
/// launches.
llvm::Expected<std::pair<std::string, LaunchTable>>
buildPtx(mlir::ModuleOp module, const GpuTargetOptions &options);

/// One "kernel SYMBOL BLOCK ARG..." line per kernel, and back (false on a
/// malformed line).
std::string serializeLaunches(const LaunchTable &launches);
bool parseLaunchLine(llvm::StringRef line, LaunchTable &launches);

/// The grid of a call: ceil(rows / block) blocks along x, the flattened
/// batch along y; none when there is nothing to compute; an error when the
/// grid exceeds what CUDA launches.
struct Grid {
  int64_t blocksX, blocksY, threads;
};
llvm::Expected<std::optional<Grid>> computeGrid(const KernelSignature &signature,
                                                llvm::ArrayRef<Buffer> args,
                                                const LaunchInfo &launch);

/// The kernel parameters of a launch: each launched array's memref
/// descriptor fields, 64-bit each.
llvm::Expected<llvm::SmallVector<int64_t>>
getLaunchParameters(const KernelSignature &signature,
                    llvm::ArrayRef<Buffer> args, const LaunchInfo &launch);

/// "X (100, 3), Y (200, 3), ...": the arrays of a call, for errors.
std::string describeShapes(const KernelSignature &signature,
                           llvm::ArrayRef<Buffer> args);

/// The bytes of a C-contiguous buffer.
size_t getByteSize(const Buffer &buffer);

} // namespace runtime
} // namespace kred

#endif // KRED_LIB_RUNTIME_GPULAUNCH_H
