//===- CpuTarget.cpp - kernels as shared objects run on the host ----------===//
//
// build: kred-cpu-pipeline, LLVM, an object file, `ld -shared` (Codegen.cpp).
// load: dlopen, one entry point per kernel. launch: one memref descriptor
// per array, and small problems on the calling thread.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include "kred/Runtime/Target.h"

#include "llvm/TargetParser/Host.h"

#include <map>

using namespace kred;
using namespace kred::runtime;

namespace {
using EntryPoint = void (*)(void **);

/// A dlopen'ed shared object and its kernels' entry points.
class SharedObject : public LoadedCode {
public:
  explicit SharedObject(std::unique_ptr<KernelLibrary> library)
      : library(std::move(library)) {
    // libomp, loaded with the kernel: small problems run on the calling
    // thread, where waking other threads would cost more than the work.
    setThreads = reinterpret_cast<void (*)(int)>(
        this->library->lookup("omp_set_num_threads"));
    auto getThreads = reinterpret_cast<int (*)()>(
        this->library->lookup("omp_get_max_threads"));
    defaultThreads = getThreads ? getThreads() : 0;
  }

  llvm::Error launch(const KernelSignature &signature,
                     llvm::ArrayRef<Buffer> args,
                     const LaunchOptions &) const override {
    auto call = prepare(signature, args);
    if (!call)
      return call.takeError();
    call->call({});
    return llvm::Error::success();
  }

  std::unique_ptr<BoundLaunch> bind(const KernelSignature &signature,
                                    llvm::ArrayRef<Buffer> args) const override {
    auto call = prepare(signature, args);
    if (!call) { // No entry point: the general way reports it at each run.
      llvm::consumeError(call.takeError());
      return LoadedCode::bind(signature, args);
    }
    return std::make_unique<EntryCall>(std::move(*call));
  }

private:
  /// A call of a kernel's entry point: one memref descriptor per array,
  /// and whether it runs on the calling thread alone.
  struct EntryCall : BoundLaunch {
    const SharedObject *object;
    EntryPoint entry;
    llvm::SmallVector<int64_t, 48> fields; // the descriptors, one after another
    llvm::SmallVector<unsigned, 8> starts; // where each begins
    bool serial;

    /// Runs at the bound addresses, or at `addresses` when given.
    void call(llvm::ArrayRef<void *> addresses) const {
      llvm::SmallVector<int64_t, 48> descriptors(fields);
      llvm::SmallVector<void *, 8> pointers;
      for (auto [k, start] : llvm::enumerate(starts)) {
        if (!addresses.empty()) // allocated and aligned pointers
          descriptors[start] = descriptors[start + 1] =
              reinterpret_cast<int64_t>(addresses[k]);
        pointers.push_back(&descriptors[start]);
      }
      if (serial)
        object->setThreads(1);
      entry(pointers.data());
      if (serial)
        object->setThreads(object->defaultThreads);
    }

    llvm::Error run(llvm::ArrayRef<void *> addresses,
                    const LaunchOptions &) const override {
      if (addresses.size() != starts.size())
        return llvm::createStringError(
            "a bound kernel takes one address per bound array");
      call(addresses);
      return llvm::Error::success();
    }
  };

  llvm::Expected<EntryCall> prepare(const KernelSignature &signature,
                                    llvm::ArrayRef<Buffer> args) const {
    auto entry = library->getEntryPoints().find(signature.name);
    if (entry == library->getEntryPoints().end())
      return llvm::createStringError("no entry point for kernel '" +
                                     signature.name + "'");
    EntryCall call;
    call.object = this;
    call.entry = reinterpret_cast<EntryPoint>(entry->second);
    for (const Buffer &buffer : args) {
      call.starts.push_back(call.fields.size());
      llvm::append_range(call.fields, getMemrefDescriptor(buffer));
    }
    call.serial = setThreads && defaultThreads > 1 &&
                  countPairs(signature, args) < kSerialPairs;
    return call;
  }

  /// Below this many (i, j) pairs a kernel runs on one thread. A choice by
  /// each kernel's measured time per pair (parallel past 8 us of serial
  /// work) sped isolated calls up (a D = 64 Gaussian at N = M = 200: 100
  /// -> 60-69 us) but slowed GeomLoss' Sinkhorn at N = 200-300 1.5-2x:
  /// libomp's workers, spinning after each parallel call, took the cores
  /// from torch's own threads between the reductions (docs/Rationale.md).
  static constexpr double kSerialPairs = 1 << 17;

  std::unique_ptr<KernelLibrary> library;
  void (*setThreads)(int) = nullptr;
  int defaultThreads = 0;
};

class CpuTarget : public Target {
  /// With the host's defaults resolved.
  const CpuTargetOptions options;

public:
  explicit CpuTarget(const CpuTargetOptions &options)
      : options(options.resolvedForHost()) {}

  Device getDevice() const override { return Device(); }

  std::string getCodeIdentity() const override {
    std::string identity = options.str() + "\n" +
                           llvm::sys::getProcessTriple() + "\n" +
                           llvm::sys::getHostCPUName().str();
    for (auto &feature : llvm::sys::getHostCPUFeatures())
      if (feature.second)
        identity += "," + feature.first().str();
    return identity;
  }

  llvm::StringRef getCodeFileExtension() const override { return "so"; }

  llvm::Error build(mlir::ModuleOp module, llvm::ArrayRef<KernelSymbol> kernels,
                    llvm::StringRef path) const override {
    return buildSharedObject(module, kernels, options, path);
  }

  llvm::Expected<std::shared_ptr<const LoadedCode>>
  load(llvm::StringRef path,
       llvm::ArrayRef<KernelSymbol> kernels) const override {
    auto library = KernelLibrary::open(path, kernels);
    if (!library)
      return library.takeError();
    return std::make_shared<SharedObject>(std::move(*library));
  }
};

} // namespace

std::unique_ptr<Target>
runtime::createCpuTarget(const CpuTargetOptions &options) {
  return std::make_unique<CpuTarget>(options);
}
