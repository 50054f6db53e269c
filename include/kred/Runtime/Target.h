//===- Target.h - what the runtime asks of a device's code generator -*- C++ -*-===//
//
// A target turns a module of kernels into code for one kind of device and
// runs it there. The runtime (caches, signatures, argument checks) is the
// same for every target; the CPU target (CpuTarget.cpp: kred-cpu-pipeline,
// object code, a shared object, dlopen) and the GPU target (GpuTarget.cpp:
// kred-gpu-pipeline, PTX or cubin, the CUDA driver API) plug in behind
// createTarget.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_RUNTIME_TARGET_H
#define KRED_RUNTIME_TARGET_H

#include "kred/Runtime/Runtime.h"

#include "mlir/IR/BuiltinOps.h"

namespace kred {
namespace runtime {

/// The code of one module, loaded on its device.
/// A kernel function as its code knows it: `name` is the user's (what
/// signatures and launches use), `symbol` the kred-owned name it is compiled
/// under, derived from the module's cache key: no user name (exp, malloc,
/// main) can then collide with the C library the code calls or with
/// anything else in the process.
struct KernelSymbol {
  std::string name, symbol;
};

class LoadedCode {
public:
  virtual ~LoadedCode() = default;
  /// Runs the kernel of `signature` on arguments already checked against
  /// it.
  virtual llvm::Error launch(const KernelSignature &signature,
                             llvm::ArrayRef<Buffer> args,
                             const LaunchOptions &options) const = 0;
  /// launch, bound to the layouts of `args` (already checked): by default
  /// the buffers are kept and only their addresses change.
  virtual std::unique_ptr<BoundLaunch>
  bind(const KernelSignature &signature, llvm::ArrayRef<Buffer> args) const;
};

/// Code generation and loading for one kind of device.
class Target {
public:
  virtual ~Target() = default;
  virtual Device getDevice() const = 0;
  /// What decides the generated code besides the IR: the options with
  /// defaults resolved and the machine (CPU and features, or GPU chip). Part
  /// of the cache key.
  virtual std::string getCodeIdentity() const = 0;
  /// The extension of the code files it writes ("so", "cubin").
  virtual llvm::StringRef getCodeFileExtension() const = 0;
  /// Lowers `module` (which it modifies; its kernel functions already
  /// renamed to their symbols) and writes its code, with one entry point per
  /// kernel and no other exported symbol, to `path`, atomically.
  virtual llvm::Error build(mlir::ModuleOp module,
                            llvm::ArrayRef<KernelSymbol> kernels,
                            llvm::StringRef path) const = 0;
  /// Loads code that `build` wrote; launches find kernels by name.
  virtual llvm::Expected<std::shared_ptr<const LoadedCode>>
  load(llvm::StringRef path, llvm::ArrayRef<KernelSymbol> kernels) const = 0;
};

/// The target of the host CPU.
std::unique_ptr<Target> createCpuTarget(const CpuTargetOptions &options);

/// The target of CUDA device `device` (kred-gpu-pipeline; the chip is the
/// device's unless `options.chip` names one), or why there is none (no
/// driver, no such device).
llvm::Expected<std::unique_ptr<Target>>
createGpuTarget(const GpuTargetOptions &options, int device);

/// The GPU target's kernels run on the host by the SIMT simulator
/// (GpuSimTarget.cpp): kred-gpu-pipeline up to the device module's LLVM IR,
/// which is then compiled for the host; no GPU needed.
std::unique_ptr<Target> createGpuSimTarget(const GpuTargetOptions &options);

/// The PTX of the kernels of `module` (which it lowers).
llvm::Expected<std::string> emitPtx(mlir::ModuleOp module,
                                    const GpuTargetOptions &options);

/// The target for `options.device`, or an error naming the device when this
/// build of kred has none for it.
llvm::Expected<std::unique_ptr<Target>>
createTarget(const CompileOptions &options);

} // namespace runtime
} // namespace kred

#endif // KRED_RUNTIME_TARGET_H
