//===- GpuSimTarget.cpp - the GPU target's kernels, run on the host -------===//
//
// build: kred-gpu-pipeline, as the CUDA target runs it, up to the NVVM
// dialect (serialize=false); the device module translated to LLVM IR; then,
// for the host: shared arrays become thread_local globals (one block runs
// on one OS thread), NVVM intrinsics and libdevice calls become calls
// through the simulator's function table, every load and store that is not
// to a thread's own stack is preceded by the checker's hook, and each
// kernel gets an entry point taking its parameters as 64-bit fields. The
// shared object also records the kernels' launches and the access sites.
// load: dlopen, the function table filled. launch: the CUDA target's grid
// and parameters, run by the simulator (GpuSimulator.cpp).
//
//===----------------------------------------------------------------------===//

#include "GpuLaunch.h"
#include "GpuSimulator.h"
#include "RuntimeInternal.h"

#include "kred/Pipelines/Pipelines.h"
#include "kred/Runtime/Target.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/TargetParser/Host.h"

#include <map>

using namespace mlir;
using namespace kred;
using namespace kred::runtime;

namespace {

/// Rewrites the device module's LLVM IR to run on the host under the
/// simulator.
class HostRewriter {
public:
  explicit HostRewriter(llvm::Module &module)
      : module(module), ctx(module.getContext()), ptr(llvm::PointerType::getUnqual(ctx)) {
    auto functions = sim::getSimulatedFunctions();
    for (auto [k, function] : llvm::enumerate(functions))
      slots[function.name] = static_cast<int>(k);
    auto *tableType = llvm::ArrayType::get(ptr, functions.size());
    table = new llvm::GlobalVariable(module, tableType, false,
                                     llvm::GlobalValue::ExternalLinkage,
                                     llvm::Constant::getNullValue(tableType),
                                     sim::kFunctionTableSymbol);
  }

  llvm::Error run(llvm::ArrayRef<KernelSymbol> kernels,
                  const LaunchTable &launches);

private:
  void makeSharedArraysThreadLocal();
  llvm::Error replaceDeviceCalls();
  void instrumentAccesses(llvm::Function &function);
  void registerSharedArrays(llvm::Function &kernel);
  llvm::Error addEntryPoint(llvm::StringRef symbol);
  void recordTables(const LaunchTable &launches);
  /// A call of the table's function `slot`.
  llvm::CallInst *callSlot(llvm::IRBuilder<> &b, int slot,
                           llvm::FunctionType *type,
                           llvm::ArrayRef<llvm::Value *> args);
  /// The user's name of the kernel compiled as `symbol` (in messages).
  std::string describe(llvm::StringRef symbol) const {
    for (const KernelSymbol &kernel : kernels)
      if (kernel.symbol == symbol)
        return "kernel '" + kernel.name + "'";
    return "function '" + symbol.str() + "'";
  }
  int32_t addSite(std::string text) {
    sites.push_back(std::move(text));
    return static_cast<int32_t>(sites.size() - 1);
  }

  llvm::Module &module;
  llvm::LLVMContext &ctx;
  llvm::PointerType *ptr;
  llvm::GlobalVariable *table;
  llvm::StringMap<int> slots;
  llvm::ArrayRef<KernelSymbol> kernels;
  std::vector<std::string> sites;
  struct Shared {
    llvm::GlobalVariable *global;
    int64_t bytes;
    int32_t site;
  };
  std::vector<Shared> shared;
};

llvm::CallInst *HostRewriter::callSlot(llvm::IRBuilder<> &b, int slot,
                                       llvm::FunctionType *type,
                                       llvm::ArrayRef<llvm::Value *> args) {
  llvm::Value *address = b.CreateConstInBoundsGEP2_64(
      table->getValueType(), table, 0, static_cast<uint64_t>(slot));
  llvm::Value *callee = b.CreateLoad(ptr, address);
  return b.CreateCall(type, callee, args);
}

void HostRewriter::makeSharedArraysThreadLocal() {
  const llvm::DataLayout &layout = module.getDataLayout();
  for (llvm::GlobalVariable &global :
       llvm::make_early_inc_range(module.globals())) {
    if (global.getAddressSpace() != 3)
      continue;
    auto *host = new llvm::GlobalVariable(
        module, global.getValueType(), false,
        llvm::GlobalValue::InternalLinkage,
        llvm::Constant::getNullValue(global.getValueType()),
        global.getName() + ".sim", nullptr,
        llvm::GlobalValue::GeneralDynamicTLSModel);
    host->setAlignment(global.getAlign());
    // kred-lower-to-gpu's shared tiles are __wg_<kernel>_<k>.
    auto [owner, number] = global.getName().drop_front(5).rsplit('_');
    int32_t site = addSite(
        global.getName().starts_with("__wg_")
            ? "shared array " + number.str() + " of " + describe(owner)
            : "shared array " + global.getName().str());
    global.replaceAllUsesWith(
        llvm::ConstantExpr::getAddrSpaceCast(host, global.getType()));
    shared.push_back(
        {host, static_cast<int64_t>(layout.getTypeAllocSize(global.getValueType())),
         site});
    global.eraseFromParent();
  }
}

llvm::Error HostRewriter::replaceDeviceCalls() {
  for (llvm::Function &callee : llvm::make_early_inc_range(module)) {
    if (!callee.isDeclaration())
      continue;
    llvm::StringRef name = callee.getName();
    auto slot = slots.find(name);
    if (slot == slots.end()) {
      if (name.starts_with("llvm.nvvm.") || name.starts_with("__nv_"))
        if (!callee.use_empty())
          return llvm::createStringError(
              "gpu-sim cannot run '" + name +
              "': the simulator has no host function for it");
      continue;
    }
    for (llvm::User *user : llvm::make_early_inc_range(callee.users())) {
      auto *call = llvm::dyn_cast<llvm::CallInst>(user);
      if (!call)
        return llvm::createStringError("'" + name + "' is used but not called");
      llvm::IRBuilder<> b(call);
      llvm::SmallVector<llvm::Value *> args(call->args());
      llvm::CallInst *replacement =
          callSlot(b, slot->second, callee.getFunctionType(), args);
      call->replaceAllUsesWith(replacement);
      call->eraseFromParent();
    }
    callee.eraseFromParent();
  }
  return llvm::Error::success();
}

void HostRewriter::instrumentAccesses(llvm::Function &function) {
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  auto *i64 = llvm::Type::getInt64Ty(ctx);
  auto *hookType = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx),
                                           {ptr, i64, i32, i32}, false);
  const llvm::DataLayout &layout = module.getDataLayout();
  llvm::SmallVector<llvm::Instruction *> accesses;
  for (llvm::Instruction &inst : llvm::instructions(function))
    if (llvm::isa<llvm::LoadInst, llvm::StoreInst, llvm::AtomicRMWInst,
                  llvm::AtomicCmpXchgInst>(inst))
      accesses.push_back(&inst);
  for (llvm::Instruction *inst : accesses) {
    llvm::Value *address = llvm::getLoadStorePointerOperand(inst);
    if (!address)
      address = inst->getOperand(0);
    const llvm::Value *object = llvm::getUnderlyingObject(address);
    if (llvm::isa<llvm::AllocaInst>(object) || object == table)
      continue; // the thread's own memory, or the simulator's table
    bool write = !llvm::isa<llvm::LoadInst>(inst);
    llvm::Type *type = llvm::isa<llvm::StoreInst>(inst)
                           ? inst->getOperand(0)->getType()
                           : inst->getType();
    if (auto *exchange = llvm::dyn_cast<llvm::AtomicCmpXchgInst>(inst))
      type = exchange->getCompareOperand()->getType();
    std::string text;
    llvm::raw_string_ostream os(text);
    os << (write ? "a store of " : "a load of ") << *type << " in "
       << describe(function.getName());
    if (const llvm::DebugLoc &loc = inst->getDebugLoc())
      os << " (" << loc->getFilename() << ":" << loc.getLine() << ":"
         << loc.getCol() << ")";
    os << " [access " << sites.size() << "]";
    llvm::IRBuilder<> b(inst);
    llvm::Value *generic = address->getType() == ptr
                               ? address
                               : b.CreateAddrSpaceCast(address, ptr);
    callSlot(b, sim::kAccessHook, hookType,
             {generic, b.getInt64(layout.getTypeStoreSize(type)),
              b.getInt32(write), b.getInt32(addSite(text))});
  }
}

void HostRewriter::registerSharedArrays(llvm::Function &kernel) {
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  auto *i64 = llvm::Type::getInt64Ty(ctx);
  auto *hookType = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx),
                                           {ptr, i64, i32}, false);
  llvm::IRBuilder<> b(&*kernel.getEntryBlock().getFirstInsertionPt());
  for (const Shared &array : shared)
    callSlot(b, sim::kSharedHook, hookType,
             {array.global, b.getInt64(array.bytes), b.getInt32(array.site)});
}

/// `<symbol>_entry(i64 *fields)` calls the kernel with fields[k] as its k-th
/// parameter.
llvm::Error HostRewriter::addEntryPoint(llvm::StringRef symbol) {
  llvm::Function *kernel = module.getFunction(symbol);
  if (!kernel)
    return llvm::createStringError("the device module has no kernel '" +
                                   symbol + "'");
  auto *type = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false);
  auto *entry = llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage,
                                       getEntryPointName(symbol), module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  llvm::SmallVector<llvm::Value *> args;
  for (llvm::Argument &parameter : kernel->args()) {
    llvm::Value *slot = b.CreateConstGEP1_64(b.getInt64Ty(), entry->getArg(0),
                                             parameter.getArgNo());
    llvm::Value *field = b.CreateLoad(b.getInt64Ty(), slot);
    llvm::Type *want = parameter.getType();
    if (want->isPointerTy())
      field = b.CreateIntToPtr(field, want);
    else if (want->isIntegerTy() && want != field->getType())
      field = b.CreateTrunc(field, want);
    else if (want != field->getType())
      return llvm::createStringError(
          llvm::formatv("kernel '{0}' has a parameter of a type the "
                        "simulator does not pass",
                        symbol));
    args.push_back(field);
  }
  b.CreateCall(kernel, args);
  b.CreateRetVoid();
  return llvm::Error::success();
}

/// Constants the simulator reads with dlsym: the access sites, their
/// number, and the launches.
void HostRewriter::recordTables(const LaunchTable &launches) {
  auto exported = [&](llvm::Constant *value, llvm::StringRef name) {
    new llvm::GlobalVariable(module, value->getType(), true,
                             llvm::GlobalValue::ExternalLinkage, value, name);
  };
  llvm::IRBuilder<> b(ctx);
  llvm::SmallVector<llvm::Constant *> texts;
  for (const std::string &site : sites)
    texts.push_back(b.CreateGlobalString(site, "", 0, &module));
  exported(llvm::ConstantArray::get(llvm::ArrayType::get(ptr, texts.size()),
                                    texts),
           sim::kSitesSymbol);
  exported(b.getInt32(static_cast<int32_t>(sites.size())), sim::kSiteCountSymbol);
  exported(llvm::ConstantDataArray::getString(ctx, serializeLaunches(launches)),
           sim::kLaunchesSymbol);
}

llvm::Error HostRewriter::run(llvm::ArrayRef<KernelSymbol> kernels,
                              const LaunchTable &launches) {
  this->kernels = kernels;
  module.setDataLayout("");
  module.setTargetTriple(llvm::Triple(llvm::sys::getProcessTriple()));
  if (llvm::NamedMDNode *annotations = module.getNamedMetadata("nvvm.annotations"))
    module.eraseNamedMetadata(annotations);
  for (llvm::Function &function : module) {
    function.removeFnAttr("target-cpu");
    function.removeFnAttr("target-features");
    if (function.getCallingConv() == llvm::CallingConv::PTX_Kernel)
      function.setCallingConv(llvm::CallingConv::C);
  }
  makeSharedArraysThreadLocal();
  if (llvm::Error err = replaceDeviceCalls())
    return err;
  for (llvm::Function &function : module)
    if (!function.isDeclaration())
      instrumentAccesses(function);
  for (const KernelSymbol &kernel : kernels) {
    if (llvm::Function *function = module.getFunction(kernel.symbol))
      registerSharedArrays(*function);
    if (llvm::Error err = addEntryPoint(kernel.symbol))
      return err;
  }
  recordTables(launches);
  return llvm::Error::success();
}

using EntryPoint = void (*)(int64_t *);

/// A dlopen'ed simulator module.
class SimModule : public LoadedCode {
public:
  struct Entry {
    EntryPoint function;
    LaunchInfo launch;
  };
  SimModule(std::unique_ptr<KernelLibrary> library,
            std::map<std::string, Entry> entries, std::vector<const char *> sites)
      : library(std::move(library)), entries(std::move(entries)),
        sites(std::move(sites)) {}

  llvm::Error launch(const KernelSignature &signature,
                     llvm::ArrayRef<Buffer> args,
                     const LaunchOptions &) const override {
    auto entry = entries.find(signature.name);
    if (entry == entries.end())
      return llvm::createStringError("no GPU kernel '" + signature.name + "'");
    auto options = sim::SimOptions::fromEnvironment();
    if (!options)
      return options.takeError();
    auto grid = computeGrid(signature, args, entry->second.launch);
    if (!grid || !*grid)
      return grid.takeError();
    auto fields = getLaunchParameters(signature, args, entry->second.launch);
    if (!fields)
      return fields.takeError();
    std::vector<sim::SimArray> arrays;
    for (auto [spec, buffer] : llvm::zip(signature.args, args))
      arrays.push_back({spec.name, static_cast<const char *>(buffer.data),
                        getByteSize(buffer), getElementSize(buffer.elementType),
                        spec.role == ArgRole::Output});
    sim::SimLaunch launch{signature.name,     entry->second.function,
                          fields->data(),     (*grid)->blocksX,
                          (*grid)->blocksY,   (*grid)->threads,
                          arrays,             sites};
    return sim::simulate(launch, *options);
  }

private:
  std::unique_ptr<KernelLibrary> library;
  std::map<std::string, Entry> entries;
  std::vector<const char *> sites;
};

class GpuSimTarget : public Target {
public:
  explicit GpuSimTarget(const GpuTargetOptions &given) : options(given) {
    options.serialize = false;
    options = options.resolvedForHost();
  }

  Device getDevice() const override { return {DeviceKind::GpuSim, 0}; }

  std::string getCodeIdentity() const override {
    return "gpu-sim\n" + options.str() + "\n" + llvm::sys::getProcessTriple();
  }

  llvm::StringRef getCodeFileExtension() const override { return "so"; }

  llvm::Error build(ModuleOp module, llvm::ArrayRef<KernelSymbol> kernels,
                    llvm::StringRef path) const override {
    if (llvm::Error err = runPipeline(
            module, [&](OpPassManager &pm) { buildGpuPipeline(pm, options); },
            getGpuPipelineText(options)))
      return err;
    LaunchTable launches = collectLaunches(module);
    gpu::GPUModuleOp device;
    module.walk([&](gpu::GPUModuleOp op) { device = op; });
    if (!device)
      return llvm::createStringError("kred-gpu-pipeline made no device module");
    DiagnosticCollector diagnostics(*module.getContext());
    llvm::LLVMContext context;
    std::unique_ptr<llvm::Module> llvmModule =
        translateModuleToLLVMIR(device, context, "kred_gpu_sim");
    if (!llvmModule)
      return llvm::createStringError("translation of the GPU kernels to LLVM "
                                     "IR failed:\n" + diagnostics.text);
    if (llvm::Error err = HostRewriter(*llvmModule).run(kernels, launches))
      return err;
    return emitSharedObject(*llvmModule, kernels, path,
                            getCpuFeatureString(CpuTargetOptions()));
  }

  llvm::Expected<std::shared_ptr<const LoadedCode>>
  load(llvm::StringRef path,
       llvm::ArrayRef<KernelSymbol> kernels) const override {
    auto library = KernelLibrary::open(path, kernels);
    if (!library)
      return library.takeError();
    const KernelLibrary &code = **library;
    auto bad = [&](const std::string &why) {
      return llvm::createStringError("kernel " + path + " " + why);
    };
    auto *table = static_cast<void **>(code.lookup(sim::kFunctionTableSymbol));
    auto *siteTexts = static_cast<const char **>(code.lookup(sim::kSitesSymbol));
    auto *siteCount = static_cast<const int32_t *>(code.lookup(sim::kSiteCountSymbol));
    auto *launchText = static_cast<const char *>(code.lookup(sim::kLaunchesSymbol));
    if (!table || !siteTexts || !siteCount || !launchText)
      return bad("is not kred gpu-sim code");
    for (auto [k, function] : llvm::enumerate(sim::getSimulatedFunctions()))
      table[k] = function.address;
    LaunchTable launches;
    llvm::SmallVector<llvm::StringRef> lines;
    llvm::StringRef(launchText).split(lines, '\n', -1, /*KeepEmpty=*/false);
    for (llvm::StringRef line : lines)
      if (!parseLaunchLine(line, launches))
        return bad("has a malformed launch table");
    std::map<std::string, SimModule::Entry> entries;
    for (const KernelSymbol &kernel : kernels) {
      auto launch = launches.find(kernel.symbol);
      if (launch == launches.end())
        return bad("has no launch for '" + kernel.name + "'");
      entries[kernel.name] = {
          reinterpret_cast<EntryPoint>(code.getEntryPoints().at(kernel.name)),
          launch->second};
    }
    return std::make_shared<SimModule>(
        std::move(*library), std::move(entries),
        std::vector<const char *>(siteTexts, siteTexts + *siteCount));
  }

private:
  GpuTargetOptions options;
};

} // namespace

std::unique_ptr<Target>
runtime::createGpuSimTarget(const GpuTargetOptions &options) {
  return std::make_unique<GpuSimTarget>(options);
}
