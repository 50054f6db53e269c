//===- Runtime.h - compile kred kernels and run them -----------*- C++ -*-===//
//
// The C++ API of kred's runtime:
//
//   kred::runtime::CompileOptions options;
//   auto kernel = kred::runtime::compileFormula(
//       {"X = Vi(3); Y = Vj(3); B = Vj(1)\n"
//        "Sum_Reduction(Exp(-SqDist(X, Y)) * B, 0)"}, options);
//   if (!kernel) ... llvm::toString(kernel.takeError()) ...
//   llvm::Error err = (*kernel)->run({x, y, b, out});
//
// Arrays are caller-owned and must be C-contiguous (row-major, no padding):
// an i-variable of dimension D is [batch..., N, D], a j-variable
// [batch..., M, D], a parameter [batch..., D] and each output
// [batch..., rows, E]. Kernels are compiled by the target of the device
// they run on (Target.h; the CPU's: kred-cpu-pipeline into a shared
// object), cached in memory and on disk. A module may hold several kernels
// (a reduction and its gradients): compileKernels returns them all.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_RUNTIME_RUNTIME_H
#define KRED_RUNTIME_RUNTIME_H

#include "kred/Frontend/FormulaImport.h"
#include "kred/Pipelines/Pipelines.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kred {
namespace runtime {

enum class ElementType { F16, BF16, F32, F64, I64 };

/// "float32", "int64", ... (NumPy's names), and back.
const char *getElementTypeName(ElementType type);
std::optional<ElementType> parseElementTypeName(llvm::StringRef name);
size_t getElementSize(ElementType type);

/// What a kernel argument holds.
/// Ranges: one of KeOps' six block-sparse arrays (i64), after the outputs.
enum class ArgRole { IVariable, JVariable, Parameter, Unused, Output, Ranges };

struct ArgSpec {
  /// The alias of the formula ("X"), or "output #k" / "input #k".
  std::string name;
  ArgRole role;
  ElementType elementType;
  /// batch + 2 for variables and outputs, batch + 1 for parameters.
  int64_t rank;
  /// The last dimension.
  int64_t dim;
};

struct KernelSignature {
  std::string name;
  /// Inputs in position order, then outputs.
  std::vector<ArgSpec> args;
  int64_t batchDims = 0;
  /// Whether outputs are indexed by i (the reduction is over j).
  bool outputsIndexedByI = true;
  /// The most terms one output row may reduce: the K-best reductions
  /// (KMin, ArgKMin, ... with K >= 2) keep their indices in 32 bits, on
  /// every target.
  int64_t maxTerms = std::numeric_limits<int64_t>::max();
};

/// Where arrays live and kernels run.
/// GpuSim: the GPU target's kernels run on the host by the SIMT simulator
/// (a correctness tool, slow), with device memory in host memory.
enum class DeviceKind { Cpu, Cuda, GpuSim };

struct Device {
  DeviceKind kind = DeviceKind::Cpu;
  int index = 0;
  /// "cpu", "cuda:0" (torch's spelling), "gpu-sim".
  std::string str() const;
  bool operator==(const Device &other) const {
    return kind == other.kind && (kind != DeviceKind::Cuda || index == other.index);
  }
};

/// "cpu", "cuda" (device 0), "cuda:N" or "gpu-sim".
std::optional<Device> parseDevice(llvm::StringRef name);

/// A caller-owned array.
struct Buffer {
  void *data = nullptr;
  ElementType elementType = ElementType::F32;
  std::vector<int64_t> shape;
  /// Strides in elements; empty means C-contiguous. Kernels read
  /// C-contiguous arrays: any other layout is rejected, naming the array.
  std::vector<int64_t> strides;
  Device device;
};

/// Where compiled kernels are kept.
struct CacheOptions {
  /// Use (and fill) the on-disk kernel cache.
  bool diskCache = true;
  /// Overrides $KRED_CACHE_DIR and the default (~/.cache/kred).
  std::string cacheDir;
};

struct CompileOptions {
  /// The device the kernels run on; its target compiles them.
  Device device;
  /// The CPU target's options (kred-cpu-pipeline's; defined once in
  /// Pipelines.h). `fastMath` off uses the C library's math functions.
  CpuTargetOptions target;
  /// The GPU target's options (kred-gpu-pipeline's), for CUDA devices; an
  /// empty `chip` is the device's.
  GpuTargetOptions gpuTarget = [] {
    GpuTargetOptions options;
    options.chip = "";
    return options;
  }();
  CacheOptions cache;
};

/// Sets the target options of `options` from `text`, a pipeline's option
/// string as kred-opt takes it: kred-gpu-pipeline's when `gpu`, whose chip,
/// unless named, stays the device's; else kred-cpu-pipeline's. An unknown
/// name is an error listing the valid ones.
llvm::Error setPipelineOptions(CompileOptions &options, llvm::StringRef text,
                               bool gpu);

/// Checks caller arrays (inputs then outputs) against a signature and the
/// kernel's device, as Kernel::run does before running.
llvm::Error checkArguments(const KernelSignature &signature,
                           llvm::ArrayRef<Buffer> args,
                           const Device &device = Device());

/// The shapes of a kernel's outputs for inputs of `inputShapes`, after the
/// same checks as checkArguments (rank, last dimension, batch broadcasting,
/// rows along i and j).
llvm::Expected<std::vector<std::vector<int64_t>>>
getOutputShapes(const KernelSignature &signature,
                llvm::ArrayRef<std::vector<int64_t>> inputShapes);

/// How a kernel runs, besides its arguments.
struct LaunchOptions {
  /// The CUDA stream (a CUstream) GPU kernels are launched on, without
  /// waiting for them; null: the default stream.
  void *cudaStream = nullptr;
  /// Wait for GPU kernels to finish (to time them).
  bool synchronize = false;
};

/// Where a kernel came from, for tools and benchmarks.
enum class KernelOrigin { Compiled, MemoryCache, DiskCache };

/// A kernel's launch on arrays of fixed element types, shapes and device,
/// checked once (Kernel::bind): a run gives only the arrays' addresses, for
/// callers that make many calls alike (Python's call plans).
class BoundLaunch {
public:
  virtual ~BoundLaunch() = default;
  /// Runs on arrays laid out as the bound ones, at `addresses` (inputs
  /// then outputs, as many as were bound).
  virtual llvm::Error run(llvm::ArrayRef<void *> addresses,
                          const LaunchOptions &launch = {}) const = 0;
};

class Kernel {
public:
  virtual ~Kernel() = default;
  virtual const KernelSignature &getSignature() const = 0;
  /// Checks `args` (inputs then outputs) against the signature (count,
  /// element type, rank, last dimension, row counts, batch dimensions) and
  /// runs the kernel; reports the first mismatch without running.
  virtual llvm::Error run(llvm::ArrayRef<Buffer> args,
                          const LaunchOptions &launch = {}) const = 0;
  /// Checks `args` as run does and binds the launch to their layouts; the
  /// result must not outlive the kernel.
  virtual llvm::Expected<std::unique_ptr<BoundLaunch>>
  bind(llvm::ArrayRef<Buffer> args) const = 0;
  /// The canonical kred IR the kernel was compiled from (its whole module).
  virtual const std::string &getSource() const = 0;
  /// The device it runs on: its arrays must live there.
  virtual const Device &getDevice() const = 0;
};

struct CompiledKernel {
  std::shared_ptr<const Kernel> kernel;
  KernelOrigin origin;
  /// Time spent in compileModule/compileFormula, in seconds.
  double seconds;
};

/// The kernels of one module, compiled together.
struct CompiledModule {
  /// In the order of their functions in the module.
  std::vector<std::shared_ptr<const Kernel>> kernels;
  KernelOrigin origin;
  double seconds;
  /// The kernel whose function is `name`, or an error listing the names.
  llvm::Expected<std::shared_ptr<const Kernel>>
  getKernel(llvm::StringRef name) const;
};

/// Compiles a module whose functions are kernels: each one's body is a
/// kred.reduce on its memref arguments (as kred-translate produces), then a
/// return. Finds them in the caches when it can.
llvm::Expected<CompiledModule> compileKernels(llvm::StringRef source,
                                              const CompileOptions &options);

/// Ahead-of-time compilation (kred-aot): the kernels of a module (as
/// compileKernels takes it) compiled for the host CPU into one relocatable
/// object file, in function order, kernel k's code under the entry point
/// `<prefix>_<k>_entry(void **descriptors)` (one memref descriptor pointer
/// per argument, as the runtime calls its CPU kernels), every other symbol
/// internal. No cache is read or written.
struct KernelObject {
  std::string object;
  std::vector<KernelSignature> signatures;
  std::vector<std::string> entryPoints;
};
llvm::Expected<KernelObject> compileKernelObject(llvm::StringRef source,
                                                 const CpuTargetOptions &options,
                                                 llvm::StringRef prefix);

/// kred-aot's GPU code: the kernels of a module (as compileKernels takes
/// it) through kred-gpu-pipeline for `options.chip`, in one PTX image,
/// kernel k under the symbol `<prefix>_<k>` (in function order), with the
/// block size it was compiled for and the positions of the arguments it is
/// launched with (the arrays its formula reads). Needs no GPU.
struct GpuKernelImage {
  std::string ptx;
  std::vector<KernelSignature> signatures;
  std::vector<std::string> symbols;
  std::vector<int64_t> blockSizes;
  std::vector<std::vector<int64_t>> launchedArguments;
};
llvm::Expected<GpuKernelImage>
compileGpuKernelImage(llvm::StringRef source, const GpuTargetOptions &options,
                      llvm::StringRef prefix);

/// For tools that link kernels (kred-aot), as the runtime does: the folder
/// of the libomp kernels link and record as their run path
/// ($KRED_OPENMP_DIR, else the one kred was built with), and a program run
/// whose output becomes the error when it fails ("<what> failed: ...").
std::string getOpenMPLibraryDir();
llvm::Error runProgram(llvm::ArrayRef<llvm::StringRef> argv,
                       llvm::StringRef what);

/// compileKernels for a module holding exactly one kernel.
llvm::Expected<CompiledKernel> compileModule(llvm::StringRef source,
                                             const CompileOptions &options);

/// A kernel given by a KeOps formula specification: how to import it, and
/// the gradients taken of it in turn (each with respect to the listed
/// inputs of the kernel before it; see buildGradientKernelText).
struct FormulaRequest {
  std::string specification;
  FormulaImportOptions import;
  std::vector<std::vector<unsigned>> gradients;
};

/// Imports a formula (and takes its gradients) and compiles the kernel.
llvm::Expected<CompiledKernel> compileFormula(const FormulaRequest &formula,
                                              const CompileOptions &options);

/// Imports a formula (and takes its gradients) and returns the module as
/// MLIR text (what compileModule takes), or the import errors with
/// positions.
llvm::Expected<std::string> importFormulaToText(const FormulaRequest &formula);

/// The gradient kernel of the one kernel in `source` with respect to
/// `inputs`, concatenated (the kred-reduction-gradient pass), alone in a
/// module, as MLIR text; or why the reduction has none.
llvm::Expected<std::string>
buildGradientKernelText(llvm::StringRef source,
                        llvm::ArrayRef<unsigned> inputs);

/// The arguments of the kernel in `source` (MLIR text holding one kernel
/// function, as compileModule takes), without compiling it: what to pass.
llvm::Expected<KernelSignature> getKernelSignature(llvm::StringRef source);

/// The arguments of the kernel a formula imports to (after its
/// gradients), without compiling it (or the import errors with positions).
llvm::Expected<KernelSignature>
getFormulaSignature(const FormulaRequest &formula);

/// The key kernels compiled for the CPU from the canonical IR `source` with
/// `options` are cached under: a hash of the IR, the target's code identity
/// (options with host defaults resolved, the host CPU and its features),
/// and the kred and LLVM versions.
std::string getKernelCacheKey(llvm::StringRef source,
                              const CpuTargetOptions &options);

/// The folder of the on-disk cache for `options` (created on first use).
std::string getCacheDirectory(const CacheOptions &options);

/// The host CPU and its vector width, as used by the cache key.
std::string describeHost();

/// The PTX kred-gpu-pipeline makes of the kernels in `source` (MLIR text,
/// as compileKernels takes) for `options.chip` (sm_80 when empty); needs
/// no GPU.
llvm::Expected<std::string> emitPtx(llvm::StringRef source,
                                    const GpuTargetOptions &options);

/// The CUDA devices: how many (an error when there is no CUDA driver), and
/// one's name and architecture ("NVIDIA H100 80GB HBM3 (sm_90)").
llvm::Expected<int> getCudaDeviceCount();
llvm::Expected<std::string> describeCudaDevice(int index);

/// Memory on a CUDA device (host memory for gpu-sim), freed with the object: for callers whose
/// arrays are on the host (kred-run, kred.numpy with backend="GPU").
class DeviceMemory {
public:
  static llvm::Expected<std::unique_ptr<DeviceMemory>>
  allocate(const Device &device, size_t bytes);
  ~DeviceMemory();
  void *data() const { return reinterpret_cast<void *>(pointer); }
  llvm::Error copyFromHost(const void *host, size_t bytes);
  llvm::Error copyToHost(void *host, size_t bytes) const;

private:
  DeviceMemory(const Device &device, unsigned long long pointer)
      : device(device), pointer(pointer) {}
  Device device;
  unsigned long long pointer;
};

/// Device copies of a call's host arrays, for a kernel on a GPU: `buffers`
/// point to the copies (inputs copied in); `copyOutputsBack` writes the
/// outputs into the host arrays.
class DeviceCopies {
public:
  static llvm::Expected<DeviceCopies> create(const KernelSignature &signature,
                                             llvm::ArrayRef<Buffer> hostArgs,
                                             const Device &device);
  llvm::ArrayRef<Buffer> buffers() const { return deviceArgs; }
  llvm::Error copyOutputsBack() const;

private:
  std::vector<ArgRole> roles;
  std::vector<Buffer> hostArgs, deviceArgs;
  std::vector<std::shared_ptr<DeviceMemory>> memory;
};

} // namespace runtime
} // namespace kred

#endif // KRED_RUNTIME_RUNTIME_H
