//===- Runtime.cpp - kernel handles, memory and disk caches ---------------===//
//
// A kernel is keyed by a SHA-256 of its canonical IR (the module as MLIR
// prints it after parsing), the pipeline options, the host CPU and its
// features, and the kred and LLVM versions. Lookups go memory, then disk
// (<cache>/<key>.so), then compile.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include "kred/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/TargetParser/Host.h"

#include <chrono>
#include <dlfcn.h>
#include <map>
#include <mutex>

using namespace mlir;
using namespace kred;
using namespace kred::runtime;

namespace {
using EntryPoint = void (*)(void **);

/// A kernel living in a dlopen'ed shared object.
class LoadedKernel : public Kernel {
public:
  LoadedKernel(KernelSignature signature, std::string source, void *handle,
               EntryPoint entry)
      : signature(std::move(signature)), source(std::move(source)),
        handle(handle), entry(entry) {
    // libomp, loaded with the kernel: small problems run on the calling
    // thread, where waking other threads would cost more than the work.
    setThreads = reinterpret_cast<void (*)(int)>(
        dlsym(handle, "omp_set_num_threads"));
    auto getThreads =
        reinterpret_cast<int (*)()>(dlsym(handle, "omp_get_max_threads"));
    defaultThreads = getThreads ? getThreads() : 0;
  }
  ~LoadedKernel() override { dlclose(handle); }

  const KernelSignature &getSignature() const override { return signature; }
  const std::string &getSource() const override { return source; }

  llvm::Error run(llvm::ArrayRef<Buffer> args) const override {
    if (llvm::Error err = checkArguments(signature, args))
      return err;
    // One memref descriptor per array: {allocated, aligned, offset,
    // sizes[rank], strides[rank]}, all 64-bit.
    llvm::SmallVector<llvm::SmallVector<int64_t, 12>, 8> descriptors;
    llvm::SmallVector<void *, 8> pointers;
    for (const Buffer &buffer : args) {
      auto &d = descriptors.emplace_back();
      auto address = reinterpret_cast<int64_t>(buffer.data);
      d.append({address, address, 0});
      d.append(buffer.shape.begin(), buffer.shape.end());
      llvm::SmallVector<int64_t> strides(buffer.shape.size(), 1);
      for (int64_t k = static_cast<int64_t>(strides.size()) - 2; k >= 0; --k)
        strides[k] = strides[k + 1] * buffer.shape[k + 1];
      d.append(strides.begin(), strides.end());
    }
    for (auto &d : descriptors)
      pointers.push_back(d.data());
    bool serial = setThreads && defaultThreads > 1 &&
                  countPairs(args) < kSerialPairs;
    if (serial)
      setThreads(1);
    entry(pointers.data());
    if (serial)
      setThreads(defaultThreads);
    return llvm::Error::success();
  }

  /// Below this many (i, j) pairs a kernel runs on one thread.
  static constexpr double kSerialPairs = 1 << 17;

  /// The number of (i, j) pairs, batches included.
  double countPairs(llvm::ArrayRef<Buffer> args) const {
    double pairs = 1;
    bool seen[2] = {false, false};
    for (auto [spec, buffer] : llvm::zip(signature.args, args)) {
      int axis = spec.role == ArgRole::IVariable   ? 0
                 : spec.role == ArgRole::JVariable ? 1
                 : spec.role == ArgRole::Output
                     ? (signature.outputsIndexedByI ? 0 : 1)
                     : -1;
      if (axis < 0 || seen[axis])
        continue;
      seen[axis] = true;
      pairs *= static_cast<double>(buffer.shape[signature.batchDims]);
      if (spec.role == ArgRole::Output)
        for (int64_t k = 0; k < signature.batchDims; ++k)
          pairs *= static_cast<double>(buffer.shape[k]);
    }
    return pairs;
  }

private:
  KernelSignature signature;
  std::string source;
  void *handle;
  EntryPoint entry;
  void (*setThreads)(int) = nullptr;
  int defaultThreads = 0;
};

/// The process-wide compiler state: one MLIR context and the memory cache.
struct RuntimeState {
  RuntimeState() {
    DialectRegistry registry;
    registerAllDialects(registry);
    registerBuiltinDialectTranslation(registry);
    registerLLVMDialectTranslation(registry);
    registerOpenMPDialectTranslation(registry);
    context.appendDialectRegistry(registry);
    context.disableMultithreading();
    // Errors reach users of the library and of Python: located messages,
    // not the IR of the failing op.
    context.printOpOnDiagnostic(false);
  }
  std::mutex mutex;
  MLIRContext context{MLIRContext::Threading::DISABLED};
  std::map<std::string, std::shared_ptr<const Kernel>> kernels;
};

RuntimeState &getState() {
  static RuntimeState *state = new RuntimeState(); // Never destroyed: kernels
                                                   // may outlive statics.
  return *state;
}

bool isVerbose() {
  std::optional<std::string> v = llvm::sys::Process::GetEnv("KRED_VERBOSE");
  return v && !v->empty() && *v != "0";
}

/// Identifies the compiler itself: the size and modification time of the
/// binary or library holding this code, so that a rebuilt kred never reuses
/// kernels from an older one.
std::string getCompilerIdentity() {
  Dl_info info;
  if (!dladdr(reinterpret_cast<void *>(&getCompilerIdentity), &info) ||
      !info.dli_fname)
    return "unknown";
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(info.dli_fname, status))
    return "unknown";
  return llvm::formatv("{0}:{1}", status.getSize(),
                       status.getLastModificationTime().time_since_epoch().count())
      .str();
}

} // namespace

std::string runtime::getKernelCacheKey(llvm::StringRef source,
                                       const CpuTargetOptions &options) {
  llvm::SHA256 hash;
  auto add = [&](llvm::StringRef s) {
    hash.update(s);
    hash.update(llvm::StringRef("\0", 1));
  };
  add(source);
  add(options.resolvedForHost().str());
  add(llvm::sys::getProcessTriple());
  add(llvm::sys::getHostCPUName());
  for (auto &feature : llvm::sys::getHostCPUFeatures())
    if (feature.second)
      add(feature.first());
  add(KRED_VERSION);
  static const std::string compiler = getCompilerIdentity();
  add(compiler);
  add(LLVM_VERSION_STRING);
  return llvm::toHex(hash.final(), /*LowerCase=*/true);
}

namespace {

llvm::Expected<std::shared_ptr<const Kernel>>
loadKernel(llvm::StringRef path, KernelSignature signature,
           std::string source) {
  void *handle = dlopen(path.str().c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return llvm::createStringError("cannot load kernel " + path + ": " + dlerror());
  auto entry = reinterpret_cast<EntryPoint>(
      dlsym(handle, getEntryPointName(signature.name).c_str()));
  if (!entry) {
    dlclose(handle);
    return llvm::createStringError("kernel " + path + " has no entry point for '" +
                     signature.name + "'");
  }
  return std::make_shared<LoadedKernel>(std::move(signature),
                                        std::move(source), handle, entry);
}

/// Compiles or finds the kernel of a parsed module. Called with the state
/// locked.
llvm::Expected<CompiledKernel> compileParsed(RuntimeState &state,
                                             ModuleOp module,
                                             const CompileOptions &options,
                                             std::chrono::steady_clock::time_point start) {
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  auto func = findKernelFunction(module);
  if (!func)
    return func.takeError();
  auto signature = getSignature(*func);
  if (!signature)
    return signature.takeError();

  std::string source;
  {
    llvm::raw_string_ostream os(source);
    module.print(os);
  }
  std::string key = getKernelCacheKey(source, options.target);

  auto it = state.kernels.find(key);
  if (it != state.kernels.end())
    return CompiledKernel{it->second, KernelOrigin::MemoryCache, elapsed()};

  std::string directory =
      options.cache.diskCache ? getCacheDirectory(options.cache) : "";
  llvm::SmallString<256> path;
  if (!directory.empty()) {
    path = directory;
    llvm::sys::path::append(path, key + ".so");
    if (llvm::sys::fs::exists(path)) {
      auto kernel = loadKernel(path, *signature, source);
      if (kernel) {
        state.kernels[key] = *kernel;
        return CompiledKernel{*kernel, KernelOrigin::DiskCache, elapsed()};
      }
      // A corrupt entry is rebuilt below.
      llvm::consumeError(kernel.takeError());
    }
  } else {
    llvm::SmallString<128> dir;
    llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/true, dir);
    path = dir;
    llvm::sys::path::append(path, "kred-" + key + "-" +
                                      std::to_string(llvm::sys::Process::getProcessId()) +
                                      ".so");
  }

  if (llvm::Error err =
          buildSharedObject(module, signature->name, options, path))
    return std::move(err);
  auto kernel = loadKernel(path, *signature, source);
  if (directory.empty())
    llvm::sys::fs::remove(path);
  if (!kernel)
    return kernel.takeError();
  state.kernels[key] = *kernel;
  double seconds = elapsed();
  if (isVerbose())
    llvm::errs() << llvm::formatv("kred: compiled kernel '{0}' in {1:f3} s{2}\n",
                                  signature->name, seconds,
                                  directory.empty() ? "" : " into " + path);
  return CompiledKernel{*kernel, KernelOrigin::Compiled, seconds};
}

} // namespace

std::string runtime::getCacheDirectory(const CacheOptions &options) {
  llvm::SmallString<256> dir;
  if (!options.cacheDir.empty()) {
    dir = options.cacheDir;
  } else if (auto env = llvm::sys::Process::GetEnv("KRED_CACHE_DIR");
             env && !env->empty()) {
    dir = *env;
  } else if (auto xdg = llvm::sys::Process::GetEnv("XDG_CACHE_HOME");
             xdg && !xdg->empty()) {
    dir = *xdg;
    llvm::sys::path::append(dir, "kred");
  } else if (llvm::sys::path::cache_directory(dir)) {
    llvm::sys::path::append(dir, "kred");
  } else {
    return "";
  }
  if (llvm::sys::fs::create_directories(dir))
    return "";
  return dir.str().str();
}

/// Parses MLIR text into the runtime's context; called with the state
/// locked.
static llvm::Expected<OwningOpRef<ModuleOp>>
parseLocked(RuntimeState &state, llvm::StringRef source) {
  DiagnosticCollector diagnostics(state.context);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(source, &state.context, "kernel.mlir");
  if (!module)
    return llvm::createStringError("cannot parse the kernel:\n" +
                                   diagnostics.text);
  return module;
}

llvm::Expected<CompiledKernel>
runtime::compileModule(llvm::StringRef source, const CompileOptions &options) {
  auto start = std::chrono::steady_clock::now();
  RuntimeState &state = getState();
  std::lock_guard<std::mutex> lock(state.mutex);
  auto module = parseLocked(state, source);
  if (!module)
    return module.takeError();
  return compileParsed(state, **module, options, start);
}

/// Imports a formula into the runtime's context; called with the state
/// locked.
static llvm::Expected<OwningOpRef<ModuleOp>>
importLocked(RuntimeState &state, llvm::StringRef specification,
             const FormulaImportOptions &importOptions) {
  DiagnosticCollector diagnostics(state.context);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(specification, "formula"),
      llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      importFormula(sourceMgr, &state.context, importOptions);
  if (!module)
    return llvm::createStringError("invalid formula:\n" + diagnostics.text);
  return module;
}

llvm::Expected<std::string>
runtime::importFormulaToText(llvm::StringRef specification,
                             const FormulaImportOptions &importOptions) {
  RuntimeState &state = getState();
  std::lock_guard<std::mutex> lock(state.mutex);
  auto module = importLocked(state, specification, importOptions);
  if (!module)
    return module.takeError();
  std::string text;
  llvm::raw_string_ostream os(text);
  (*module)->print(os);
  return text;
}

llvm::Expected<CompiledKernel>
runtime::compileFormula(llvm::StringRef specification,
                        const FormulaImportOptions &importOptions,
                        const CompileOptions &options) {
  auto start = std::chrono::steady_clock::now();
  RuntimeState &state = getState();
  std::lock_guard<std::mutex> lock(state.mutex);
  auto module = importLocked(state, specification, importOptions);
  if (!module)
    return module.takeError();
  return compileParsed(state, **module, options, start);
}

llvm::Expected<KernelSignature>
runtime::getKernelSignature(llvm::StringRef source) {
  RuntimeState &state = getState();
  std::lock_guard<std::mutex> lock(state.mutex);
  auto module = parseLocked(state, source);
  if (!module)
    return module.takeError();
  auto func = findKernelFunction(**module);
  if (!func)
    return func.takeError();
  return getSignature(*func);
}
