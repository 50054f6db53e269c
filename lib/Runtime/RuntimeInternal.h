//===- RuntimeInternal.h - pieces of the runtime ------------*- C++ -*-===//

#ifndef KRED_LIB_RUNTIME_RUNTIMEINTERNAL_H
#define KRED_LIB_RUNTIME_RUNTIMEINTERNAL_H

#include "kred/Runtime/Runtime.h"
#include "kred/Runtime/Target.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <map>

namespace llvm {
class Module;
} // namespace llvm

namespace kred {
namespace runtime {

/// Collects the diagnostics reported in `context` while it lives into
/// `text`, to return them in an llvm::Error.
struct DiagnosticCollector {
  explicit DiagnosticCollector(mlir::MLIRContext &context)
      : os(text), handler(&context, [this](mlir::Diagnostic &diag) {
          os << diag.getLocation() << ": " << diag << "\n";
          for (mlir::Diagnostic &note : diag.getNotes())
            os << note.getLocation() << ": note: " << note << "\n";
          return mlir::success();
        }) {}
  std::string text;
  llvm::raw_string_ostream os;
  mlir::ScopedDiagnosticHandler handler;
};

/// The functions of `module`, each a kernel: one kred.reduce on its memref
/// arguments, then a return; an error naming the first that is not.
llvm::Expected<llvm::SmallVector<mlir::func::FuncOp>>
findKernelFunctions(mlir::ModuleOp module);

/// The arguments of a kernel function.
llvm::Expected<KernelSignature> getSignature(mlir::func::FuncOp func);

/// Checks the six block-sparse arrays of a call (shapes already checked)
/// against its rows along i (rows[0]) and j (rows[1]); an error names the
/// first bad entry.
llvm::Error checkBlockSparseRanges(llvm::ArrayRef<Buffer> ranges,
                                   const int64_t rows[2]);

/// Copies the bytes of `buffer`, which lives on a GPU (or gpu-sim), to
/// `host`.
llvm::Error copyToHost(const Buffer &buffer, void *host);

/// The memref descriptor of a C-contiguous buffer, as kernels take it:
/// {allocated, aligned, offset, sizes[rank], strides[rank]}, 64-bit each.
llvm::SmallVector<int64_t> getMemrefDescriptor(const Buffer &buffer);

/// The number of (i, j) pairs a call computes, batches included.
double countPairs(const KernelSignature &signature,
                  llvm::ArrayRef<Buffer> args);

/// Lowers `module` through kred-cpu-pipeline to native code for the host
/// and links it, with an entry point per kernel and every other symbol
/// internal, into the shared object `path` (written atomically). The
/// module is modified.
llvm::Error buildSharedObject(mlir::ModuleOp module,
                              llvm::ArrayRef<KernelSymbol> kernels,
                              const CpuTargetOptions &options,
                              llvm::StringRef path);

/// buildSharedObject's steps up to the relocatable object file, returned.
llvm::Expected<llvm::SmallString<0>>
buildObjectFile(mlir::ModuleOp module, llvm::ArrayRef<KernelSymbol> kernels,
                const CpuTargetOptions &options);

/// Gives every function of `llvmModule` but the kernels' entry points
/// (getEntryPointName) internal linkage, optimizes it (O3, each kernel
/// inlined into its entry point) for the host CPU with `features` (LLVM's
/// feature string; getCpuFeatureString), compiles and links it into the
/// shared object `path` (written atomically).
llvm::Error emitSharedObject(llvm::Module &llvmModule,
                             llvm::ArrayRef<KernelSymbol> kernels,
                             llvm::StringRef path, llvm::StringRef features);

/// emitSharedObject's steps up to the relocatable object file, returned.
llvm::Expected<llvm::SmallString<0>>
emitObjectFile(llvm::Module &llvmModule, llvm::ArrayRef<KernelSymbol> kernels,
               llvm::StringRef features);

/// A shared object that emitSharedObject wrote, dlopen'ed (closed with this
/// object), with each kernel's entry point by the kernel's name.
class KernelLibrary {
public:
  static llvm::Expected<std::unique_ptr<KernelLibrary>>
  open(llvm::StringRef path, llvm::ArrayRef<KernelSymbol> kernels);
  ~KernelLibrary();
  /// Any symbol the library exports, or null.
  void *lookup(llvm::StringRef symbol) const;
  const std::map<std::string, void *> &getEntryPoints() const {
    return entryPoints;
  }

private:
  KernelLibrary(void *handle) : handle(handle) {}
  void *handle;
  std::map<std::string, void *> entryPoints;
};

/// Runs the pipeline `build` adds on `module`; on failure, an error with
/// the diagnostics and the kred-opt command (`pipelineText`) that
/// reproduces it on a copy of the input.
llvm::Error runPipeline(mlir::ModuleOp module,
                        llvm::function_ref<void(mlir::OpPassManager &)> build,
                        llvm::StringRef pipelineText);

/// Writes `contents` to `path` under a unique temporary name, then renames
/// it: readers never see a partial file.
llvm::Error writeFileAtomically(llvm::StringRef path,
                                llvm::StringRef contents);

/// The cache folder `options` name (or $KRED_CACHE_DIR, ...), not created.
std::string getConfiguredCacheDirectory(const CacheOptions &options);

/// Whether KRED_VERBOSE asks for messages about compiles and the cache.
bool isVerbose();

/// One verified entry of the on-disk kernel cache (DiskCache.cpp).
class DiskCacheEntry {
public:
  /// The entry of `key` in `directory` (created if missing); none (after
  /// one warning) when the folder or the entry's name cannot be used.
  static std::optional<DiskCacheEntry> open(llvm::StringRef directory,
                                            llvm::StringRef key,
                                            llvm::StringRef extension);
  /// Whether a whole, unaltered entry of this key exists; a damaged one is
  /// deleted.
  bool verify() const;
  void remove() const;
  /// Runs `build` on a temporary path, records the code's hash, then moves
  /// the code into place.
  llvm::Error store(llvm::function_ref<llvm::Error(llvm::StringRef)> build) const;
  const std::string &path() const { return codePath; }

private:
  std::string key, codePath;
};

/// The entry point built for the kernel compiled as `symbol`: it takes an
/// array of pointers to the memref descriptors of the arguments.
std::string getEntryPointName(llvm::StringRef symbol);

/// The host's vector width in 32-bit lanes.
int64_t getHostVectorWidth();

} // namespace runtime
} // namespace kred

#endif // KRED_LIB_RUNTIME_RUNTIMEINTERNAL_H
