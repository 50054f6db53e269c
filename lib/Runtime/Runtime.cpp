//===- Runtime.cpp - kernel handles, memory and disk caches ---------------===//
//
// A module of kernels is keyed by a SHA-256 of its canonical IR (the module
// as MLIR prints it after parsing), its target's device and code identity
// (options, host CPU and features), and the kred and LLVM versions. Lookups
// go memory, then disk (<cache>/<key>.<the target's extension>), then the
// target compiles it.
//
//===----------------------------------------------------------------------===//

#include "GpuLaunch.h"
#include "RuntimeInternal.h"

#include "kred/Frontend/SourceLimits.h"
#include "kred/InitAll.h"
#include "kred/Runtime/Target.h"

#include "kred/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/SourceMgr.h"

#include <chrono>
#include <dlfcn.h> // dladdr: the compiler's identity
#include <map>
#include <mutex>

using namespace mlir;
using namespace kred;
using namespace kred::runtime;

namespace {

/// One kernel of a compiled module: its signature and the module's code.
class ModuleKernel : public Kernel {
public:
  ModuleKernel(KernelSignature signature, std::string source, Device device,
               std::shared_ptr<const LoadedCode> code)
      : signature(std::move(signature)), source(std::move(source)),
        device(device), code(std::move(code)) {}

  const KernelSignature &getSignature() const override { return signature; }
  const std::string &getSource() const override { return source; }
  const Device &getDevice() const override { return device; }

  llvm::Error run(llvm::ArrayRef<Buffer> args,
                  const LaunchOptions &launch) const override {
    if (llvm::Error err = checkArguments(signature, args, device))
      return err;
    return code->launch(signature, args, launch);
  }

  llvm::Expected<std::unique_ptr<BoundLaunch>>
  bind(llvm::ArrayRef<Buffer> args) const override {
    if (llvm::Error err = checkArguments(signature, args, device))
      return std::move(err);
    return code->bind(signature, args);
  }

private:
  KernelSignature signature;
  std::string source;
  Device device;
  std::shared_ptr<const LoadedCode> code;
};

/// A bound launch that keeps the buffers and sets their addresses at each
/// run (what any target can do; the CPU target does less per run).
class BufferedLaunch : public BoundLaunch {
public:
  BufferedLaunch(const LoadedCode &code, const KernelSignature &signature,
                 llvm::ArrayRef<Buffer> args)
      : code(code), signature(signature), buffers(args) {}

  llvm::Error run(llvm::ArrayRef<void *> addresses,
                  const LaunchOptions &launch) const override {
    if (addresses.size() != buffers.size())
      return llvm::createStringError(llvm::formatv(
          "kernel '{0}' was bound to {1} arrays, got {2} addresses",
          signature.name, buffers.size(), addresses.size()));
    std::vector<Buffer> args = buffers;
    for (auto [buffer, address] : llvm::zip(args, addresses))
      buffer.data = address;
    return code.launch(signature, args, launch);
  }

private:
  const LoadedCode &code;
  const KernelSignature &signature;
  std::vector<Buffer> buffers;
};

/// The process-wide compiler state: one MLIR context and the memory cache.
struct RuntimeState {
  RuntimeState() {
    DialectRegistry registry;
    registerAllDialects(registry);
    context.appendDialectRegistry(registry);
    context.disableMultithreading();
    // Errors reach users of the library and of Python: located messages,
    // not the IR of the failing op.
    context.printOpOnDiagnostic(false);
  }
  std::mutex mutex;
  MLIRContext context{MLIRContext::Threading::DISABLED};
  /// Compiled modules by cache key.
  std::map<std::string, std::vector<std::shared_ptr<const Kernel>>> modules;
  /// What formula requests gave (see getRequestKey): a request made again
  /// (a Genred built per call) is not imported, differentiated, printed and
  /// hashed again - 0.3 ms of a 0.6 ms call at N = M = 100.
  std::map<std::string, std::shared_ptr<const Kernel>> formulaKernels;
  std::map<std::string, KernelSignature> formulaSignatures;
};

RuntimeState &getState() {
  static RuntimeState *state = new RuntimeState(); // Never destroyed: kernels
                                                   // may outlive statics.
  return *state;
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

std::unique_ptr<BoundLaunch>
LoadedCode::bind(const KernelSignature &signature,
                 llvm::ArrayRef<Buffer> args) const {
  return std::make_unique<BufferedLaunch>(*this, signature, args);
}

llvm::Expected<std::unique_ptr<Target>>
runtime::createTarget(const CompileOptions &options) {
  if (options.device.kind == DeviceKind::Cpu)
    return createCpuTarget(options.target);
  if (options.device.kind == DeviceKind::GpuSim)
    return createGpuSimTarget(options.gpuTarget);
  return createGpuTarget(options.gpuTarget, options.device.index);
}

llvm::Error runtime::setPipelineOptions(CompileOptions &options,
                                       llvm::StringRef text, bool gpu) {
  if (!gpu) {
    auto target = CpuTargetOptions::parse(text);
    if (!target)
      return target.takeError();
    options.target = *target;
    return llvm::Error::success();
  }
  auto target = GpuTargetOptions::parse(text);
  if (!target)
    return target.takeError();
  if (!text.contains("chip="))
    target->chip = "";
  options.gpuTarget = *target;
  return llvm::Error::success();
}

/// The cache key of `source` compiled by `target`.
static std::string getCacheKey(llvm::StringRef source, const Target &target) {
  llvm::SHA256 hash;
  auto add = [&](llvm::StringRef s) {
    hash.update(s);
    hash.update(llvm::StringRef("\0", 1));
  };
  add(source);
  add(target.getDevice().str());
  add(target.getCodeIdentity());
  add(KRED_VERSION);
  static const std::string compiler = getCompilerIdentity();
  add(compiler);
  add(LLVM_VERSION_STRING);
  return llvm::toHex(hash.final(), /*LowerCase=*/true);
}

std::string runtime::getKernelCacheKey(llvm::StringRef source,
                                       const CpuTargetOptions &options) {
  return getCacheKey(source, *createCpuTarget(options));
}

llvm::Expected<std::shared_ptr<const Kernel>>
CompiledModule::getKernel(llvm::StringRef name) const {
  std::string names;
  for (const auto &kernel : kernels) {
    if (kernel->getSignature().name == name)
      return kernel;
    names += (names.empty() ? "'" : ", '") + kernel->getSignature().name + "'";
  }
  return llvm::createStringError("the module has no kernel '" + name +
                                 "'; its kernels are " + names);
}

namespace {

/// The kernels of `module` with `code`, one per signature.
std::vector<std::shared_ptr<const Kernel>>
makeKernels(llvm::ArrayRef<KernelSignature> signatures,
            const std::string &source, Device device,
            std::shared_ptr<const LoadedCode> code) {
  std::vector<std::shared_ptr<const Kernel>> kernels;
  for (const KernelSignature &signature : signatures)
    kernels.push_back(
        std::make_shared<ModuleKernel>(signature, source, device, code));
  return kernels;
}

/// The symbol each kernel is compiled under: kred-owned and unique to the
/// module's cache key (see KernelSymbol).
std::vector<KernelSymbol> getKernelSymbols(llvm::ArrayRef<std::string> names,
                                           llvm::StringRef key) {
  std::vector<KernelSymbol> kernels;
  for (auto [k, name] : llvm::enumerate(names))
    kernels.push_back({name, llvm::formatv("kred_{0}_{1}", key.take_front(16), k)});
  return kernels;
}

/// Renames the kernel functions of `module` to their symbols and drops the
/// function declarations nothing calls, so that no user name reaches the
/// code.
void renameKernels(ModuleOp module, llvm::ArrayRef<KernelSymbol> kernels) {
  SymbolTable symbols(module);
  for (const KernelSymbol &kernel : kernels) {
    Operation *func = symbols.lookup(kernel.name);
    (void)SymbolTable::replaceAllSymbolUses(
        func, StringAttr::get(module.getContext(), kernel.symbol), module);
    symbols.setSymbolName(func, kernel.symbol);
  }
  for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
    if (func.isExternal() && func.symbolKnownUseEmpty(module))
      func.erase();
}

/// The signatures of the kernel functions of `module`, in order.
llvm::Expected<std::vector<KernelSignature>> getKernelSignatures(ModuleOp module) {
  auto functions = findKernelFunctions(module);
  if (!functions)
    return functions.takeError();
  std::vector<KernelSignature> signatures;
  for (func::FuncOp func : *functions) {
    auto signature = getSignature(func);
    if (!signature)
      return signature.takeError();
    signatures.push_back(std::move(*signature));
  }
  return signatures;
}

/// Compiles or finds the kernels of a parsed module. Called with the state
/// locked.
llvm::Expected<CompiledModule>
compileParsed(RuntimeState &state, ModuleOp module,
              const CompileOptions &options,
              std::chrono::steady_clock::time_point start) {
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  auto found = getKernelSignatures(module);
  if (!found)
    return found.takeError();
  std::vector<KernelSignature> &signatures = *found;
  std::vector<std::string> names;
  for (const KernelSignature &signature : signatures)
    names.push_back(signature.name);
  auto target = createTarget(options);
  if (!target)
    return target.takeError();
  Device device = (*target)->getDevice();

  std::string source;
  {
    llvm::raw_string_ostream os(source);
    module.print(os);
  }
  std::string key = getCacheKey(source, **target);
  std::vector<KernelSymbol> kernelSymbols = getKernelSymbols(names, key);

  auto it = state.modules.find(key);
  if (it != state.modules.end())
    return CompiledModule{it->second, KernelOrigin::MemoryCache, elapsed()};

  std::optional<DiskCacheEntry> entry;
  if (options.cache.diskCache)
    entry = DiskCacheEntry::open(getConfiguredCacheDirectory(options.cache), key,
                                 (*target)->getCodeFileExtension());
  if (entry && entry->verify()) {
    auto code = (*target)->load(entry->path(), kernelSymbols);
    if (code) {
      auto kernels = makeKernels(signatures, source, device, *code);
      state.modules[key] = kernels;
      return CompiledModule{kernels, KernelOrigin::DiskCache, elapsed()};
    }
    // Verified but not loadable (another kred build's code): rebuilt.
    llvm::consumeError(code.takeError());
    entry->remove();
  }

  std::string path;
  renameKernels(module, kernelSymbols);
  auto build = [&](llvm::StringRef to) {
    return (*target)->build(module, kernelSymbols, to);
  };
  if (entry) {
    if (llvm::Error err = entry->store(build))
      return std::move(err);
    path = entry->path();
  } else {
    llvm::SmallString<128> temporary;
    llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/true, temporary);
    llvm::sys::path::append(
        temporary, "kred-" + std::to_string(llvm::sys::Process::getProcessId()) +
                       "-" + key + "." +
                       (*target)->getCodeFileExtension().str());
    path = temporary.str().str();
    if (llvm::Error err = build(path))
      return std::move(err);
  }
  auto code = (*target)->load(path, kernelSymbols);
  if (!entry)
    llvm::sys::fs::remove(path);
  if (!code)
    return code.takeError();
  auto kernels = makeKernels(signatures, source, device, *code);
  state.modules[key] = kernels;
  double seconds = elapsed();
  if (isVerbose())
    llvm::errs() << llvm::formatv(
        "kred: compiled kernel{0} '{1}' in {2:f3} s{3}\n",
        names.size() > 1 ? "s" : "", llvm::join(names, "', '"), seconds,
        entry ? " into " + path : "");
  return CompiledModule{kernels, KernelOrigin::Compiled, seconds};
}

/// The only kernel of `compiled`, or an error when it holds several.
llvm::Expected<CompiledKernel> getOnlyKernel(CompiledModule compiled) {
  if (compiled.kernels.size() != 1)
    return llvm::createStringError(llvm::formatv(
        "expected a module with exactly one kernel, found {0} (compile "
        "modules of several kernels with compileKernels)",
        compiled.kernels.size()));
  return CompiledKernel{compiled.kernels.front(), compiled.origin,
                        compiled.seconds};
}

} // namespace

std::string runtime::getCacheDirectory(const CacheOptions &options) {
  std::string dir = getConfiguredCacheDirectory(options);
  if (dir.empty() || llvm::sys::fs::create_directories(dir))
    return "";
  return dir;
}

std::string runtime::getConfiguredCacheDirectory(const CacheOptions &options) {
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
  return dir.str().str();
}

/// Parses MLIR text into the runtime's context; called with the state
/// locked.
static llvm::Expected<OwningOpRef<ModuleOp>>
parseLocked(RuntimeState &state, llvm::StringRef source) {
  if (llvm::Error err = checkResultNumbers(source, "kernel.mlir"))
    return llvm::createStringError("cannot parse the kernel:\n" +
                                   llvm::toString(std::move(err)));
  DiagnosticCollector diagnostics(state.context);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(source, &state.context, "kernel.mlir");
  if (!module)
    return llvm::createStringError("cannot parse the kernel:\n" +
                                   diagnostics.text);
  return module;
}

/// Replaces the one kernel of `module` by its gradient with respect to
/// `inputs` (the kred-reduction-gradient pass); called with the state
/// locked.
static llvm::Error replaceByGradient(RuntimeState &state, ModuleOp module,
                                     llvm::ArrayRef<unsigned> inputs) {
  SmallVector<func::FuncOp> forward(module.getOps<func::FuncOp>());
  if (forward.size() != 1)
    return llvm::createStringError("expected one kernel, found " +
                                   std::to_string(forward.size()));
  DiagnosticCollector diagnostics(state.context);
  PassManager pm(&state.context);
  KredReductionGradientOptions options;
  options.inputs.assign(inputs.begin(), inputs.end());
  pm.addPass(createKredReductionGradient(options));
  if (failed(pm.run(module)))
    return llvm::createStringError(diagnostics.text);
  forward.front().erase();
  return llvm::Error::success();
}

static std::string printModule(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return text;
}

llvm::Expected<std::string>
runtime::buildGradientKernelText(llvm::StringRef source,
                                 llvm::ArrayRef<unsigned> inputs) {
  RuntimeState &state = getState();
  std::lock_guard<std::mutex> lock(state.mutex);
  auto module = parseLocked(state, source);
  if (!module)
    return module.takeError();
  if (llvm::Error err = replaceByGradient(state, **module, inputs))
    return std::move(err);
  return printModule(**module);
}

llvm::Expected<CompiledModule>
runtime::compileKernels(llvm::StringRef source, const CompileOptions &options) {
  auto start = std::chrono::steady_clock::now();
  RuntimeState &state = getState();
  std::lock_guard<std::mutex> lock(state.mutex);
  auto module = parseLocked(state, source);
  if (!module)
    return module.takeError();
  return compileParsed(state, **module, options, start);
}

namespace {
/// A module parsed for ahead-of-time compilation, its kernels renamed
/// `<prefix>_<k>` in function order.
struct RenamedKernels {
  OwningOpRef<ModuleOp> module;
  std::vector<KernelSignature> signatures;
  std::vector<KernelSymbol> symbols;
};

/// `build(kernels)` on the kernels of `source` renamed, under the state's
/// mutex.
template <typename Result, typename Build>
llvm::Expected<Result> buildRenamed(llvm::StringRef source,
                                    llvm::StringRef prefix, Build build) {
  RuntimeState &state = getState();
  std::lock_guard<std::mutex> lock(state.mutex);
  auto module = parseLocked(state, source);
  if (!module)
    return module.takeError();
  auto signatures = getKernelSignatures(**module);
  if (!signatures)
    return signatures.takeError();
  RenamedKernels kernels{std::move(*module), std::move(*signatures), {}};
  for (const KernelSignature &signature : kernels.signatures)
    kernels.symbols.push_back(
        {signature.name, llvm::formatv("{0}_{1}", prefix, kernels.symbols.size())});
  renameKernels(*kernels.module, kernels.symbols);
  return build(kernels);
}

/// The GPU image of renamed kernels: their PTX and each one's launch.
llvm::Expected<GpuKernelImage>
buildPtxImage(RenamedKernels &kernels, const GpuTargetOptions &options) {
  auto image = buildPtx(*kernels.module, options);
  if (!image)
    return image.takeError();
  GpuKernelImage result;
  result.ptx = std::move(image->first);
  result.signatures = std::move(kernels.signatures);
  for (const KernelSymbol &symbol : kernels.symbols) {
    auto launch = image->second.find(symbol.symbol);
    if (launch == image->second.end())
      return llvm::createStringError("kred-gpu-pipeline made no GPU kernel for '" +
                                     symbol.name + "'");
    result.symbols.push_back(symbol.symbol);
    result.blockSizes.push_back(launch->second.blockSize);
    result.launchedArguments.push_back(launch->second.arguments);
  }
  return result;
}
} // namespace

llvm::Expected<KernelObject>
runtime::compileKernelObject(llvm::StringRef source,
                             const CpuTargetOptions &options,
                             llvm::StringRef prefix) {
  return buildRenamed<KernelObject>(
      source, prefix,
      [&](RenamedKernels &kernels) -> llvm::Expected<KernelObject> {
        auto object = buildObjectFile(*kernels.module, kernels.symbols, options);
        if (!object)
          return object.takeError();
        KernelObject result{object->str().str(), std::move(kernels.signatures), {}};
        for (const KernelSymbol &symbol : kernels.symbols)
          result.entryPoints.push_back(getEntryPointName(symbol.symbol));
        return result;
      });
}

llvm::Expected<GpuKernelImage>
runtime::compileGpuKernelImage(llvm::StringRef source,
                               const GpuTargetOptions &options,
                               llvm::StringRef prefix) {
  return buildRenamed<GpuKernelImage>(source, prefix, [&](RenamedKernels &kernels) {
    return buildPtxImage(kernels, options);
  });
}

llvm::Expected<std::string> runtime::emitPtx(llvm::StringRef source,
                                             const GpuTargetOptions &options) {
  RuntimeState &state = getState();
  std::lock_guard<std::mutex> lock(state.mutex);
  auto module = parseLocked(state, source);
  if (!module)
    return module.takeError();
  if (auto functions = findKernelFunctions(**module); !functions)
    return functions.takeError();
  return emitPtx(**module, options);
}

llvm::Expected<CompiledKernel>
runtime::compileModule(llvm::StringRef source, const CompileOptions &options) {
  auto compiled = compileKernels(source, options);
  if (!compiled)
    return compiled.takeError();
  return getOnlyKernel(std::move(*compiled));
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

/// fn(state, module) on the module `formula` imports to, after its
/// gradients, under the runtime's lock.
template <typename T>
static llvm::Expected<T> withImportedFormula(
    const FormulaRequest &formula,
    llvm::function_ref<llvm::Expected<T>(RuntimeState &, ModuleOp)> fn) {
  RuntimeState &state = getState();
  std::lock_guard<std::mutex> lock(state.mutex);
  auto module = importLocked(state, formula.specification, formula.import);
  if (!module)
    return module.takeError();
  for (const std::vector<unsigned> &inputs : formula.gradients)
    if (llvm::Error err = replaceByGradient(state, **module, inputs))
      return std::move(err);
  return fn(state, **module);
}

llvm::Expected<std::string>
runtime::importFormulaToText(const FormulaRequest &formula) {
  return withImportedFormula<std::string>(
      formula, [](RuntimeState &, ModuleOp module) -> llvm::Expected<std::string> {
        return printModule(module);
      });
}

/// Every field of a formula request, so that two requests with the same
/// key import to the same module.
static std::string getRequestKey(const FormulaRequest &formula) {
  const FormulaImportOptions &o = formula.import;
  std::string key;
  llvm::raw_string_ostream os(key);
  os << formula.specification << '\0' << o.kernelName << '\0' << o.dtype
     << '\0' << o.reduction.value_or("-") << '\0'
     << (o.axis ? std::to_string(*o.axis) : "-") << '\0'
     << (o.k ? std::to_string(*o.k) : "-") << '\0' << o.batchDims << '\0'
     << o.accType << '\0' << o.sumScheme << '\0' << o.ranges;
  for (const std::vector<unsigned> &inputs : formula.gradients) {
    os << "\0d";
    for (unsigned input : inputs)
      os << ',' << input;
  }
  return key;
}

/// The value `make` gives for `key` in `cache`, made once (with the
/// runtime's lock taken by `make`, not here): errors are not kept.
template <typename T>
static llvm::Expected<T> findOrMake(std::map<std::string, T> &cache,
                                    const std::string &key,
                                    llvm::function_ref<llvm::Expected<T>()> make) {
  RuntimeState &state = getState();
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    auto it = cache.find(key);
    if (it != cache.end())
      return it->second;
  }
  llvm::Expected<T> made = make();
  if (made) {
    std::lock_guard<std::mutex> lock(state.mutex);
    cache.emplace(key, *made);
  }
  return made;
}

llvm::Expected<CompiledKernel>
runtime::compileFormula(const FormulaRequest &formula,
                        const CompileOptions &options) {
  auto start = std::chrono::steady_clock::now();
  std::string key = getRequestKey(formula) + '\0' + options.device.str() +
                    '\0' + options.target.str() + '\0' +
                    options.gpuTarget.str();
  KernelOrigin origin = KernelOrigin::MemoryCache;
  auto kernel = findOrMake<std::shared_ptr<const Kernel>>(
      getState().formulaKernels, key,
      [&]() -> llvm::Expected<std::shared_ptr<const Kernel>> {
        auto compiled = withImportedFormula<CompiledKernel>(
            formula,
            [&](RuntimeState &state,
                ModuleOp module) -> llvm::Expected<CompiledKernel> {
              auto compiled = compileParsed(state, module, options, start);
              if (!compiled)
                return compiled.takeError();
              return getOnlyKernel(std::move(*compiled));
            });
        if (!compiled)
          return compiled.takeError();
        origin = compiled->origin;
        return compiled->kernel;
      });
  if (!kernel)
    return kernel.takeError();
  return CompiledKernel{
      *kernel, origin,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count()};
}

/// The signature of the one kernel of `module`.
static llvm::Expected<KernelSignature> getOnlySignature(ModuleOp module) {
  auto functions = findKernelFunctions(module);
  if (!functions)
    return functions.takeError();
  if (functions->size() != 1)
    return llvm::createStringError(llvm::formatv(
        "expected a module with exactly one kernel, found {0}",
        functions->size()));
  return getSignature(functions->front());
}

llvm::Expected<KernelSignature>
runtime::getKernelSignature(llvm::StringRef source) {
  RuntimeState &state = getState();
  std::lock_guard<std::mutex> lock(state.mutex);
  auto module = parseLocked(state, source);
  if (!module)
    return module.takeError();
  return getOnlySignature(**module);
}

llvm::Expected<KernelSignature>
runtime::getFormulaSignature(const FormulaRequest &formula) {
  return findOrMake<KernelSignature>(
      getState().formulaSignatures, getRequestKey(formula), [&] {
        return withImportedFormula<KernelSignature>(
            formula, [](RuntimeState &, ModuleOp module) {
              return getOnlySignature(module);
            });
      });
}
