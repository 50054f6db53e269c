//===- Codegen.cpp - kred module to a shared object for the host ----------===//
//
// kred-cpu-pipeline to the LLVM dialect, translation to LLVM IR, LLVM's O3
// pipeline for the host CPU, an object file, and `ld -shared` (linking
// libomp) into a shared object, which KernelLibrary dlopens. The object is
// written under a unique temporary name and renamed into place, so readers
// never see a partial file.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include "kred/Pipelines/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/IPO/AlwaysInliner.h"
#include "llvm/Transforms/Scalar/DCE.h"
#include "llvm/TargetParser/Host.h"

#include <dlfcn.h>
#include <mutex>

using namespace mlir;
using namespace kred;
using namespace kred::runtime;

std::string runtime::getEntryPointName(llvm::StringRef symbol) {
  return (symbol + "_entry").str();
}

int64_t runtime::getHostVectorWidth() {
  return CpuTargetOptions().resolvedForHost().vectorWidth;
}

std::string runtime::describeHost() {
  return (llvm::sys::getProcessTriple() + " " + llvm::sys::getHostCPUName() +
          " (" + llvm::Twine(getHostVectorWidth() * 32) + "-bit vectors)")
      .str();
}

/// A target machine for the host CPU with `features` (LLVM's feature
/// string: the host's, see getCpuFeatureString).
static llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createHostTargetMachine(llvm::StringRef features) {
  static std::once_flag initialized;
  std::call_once(initialized, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  llvm::Triple triple(llvm::sys::getProcessTriple());
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError("no LLVM target for the host: " + error);
  llvm::TargetOptions targetOptions;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, llvm::sys::getHostCPUName(), features,
      targetOptions, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return llvm::createStringError("cannot create an LLVM target machine for the host");
  return machine;
}

/// Adds `<symbol>_entry(void **args)`, which calls the C interface wrapper
/// `_mlir_ciface_<symbol>` with one descriptor pointer per argument: the
/// runtime can then call any kernel through one function type.
static llvm::Error addEntryPoint(llvm::Module &module, llvm::StringRef name) {
  llvm::Function *wrapper = module.getFunction(("_mlir_ciface_" + name).str());
  if (!wrapper)
    return llvm::createStringError("the lowered kernel has no C interface for '" + name +
                     "'");
  llvm::LLVMContext &ctx = module.getContext();
  llvm::Type *ptr = llvm::PointerType::getUnqual(ctx);
  auto *entryType =
      llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false);
  auto *entry = llvm::Function::Create(entryType,
                                       llvm::GlobalValue::ExternalLinkage,
                                       getEntryPointName(name), module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  llvm::SmallVector<llvm::Value *> args;
  for (unsigned k = 0, e = wrapper->arg_size(); k < e; ++k) {
    llvm::Value *slot = b.CreateConstGEP1_64(ptr, entry->getArg(0), k);
    args.push_back(b.CreateLoad(ptr, slot));
  }
  b.CreateCall(wrapper, args);
  b.CreateRetVoid();
  return llvm::Error::success();
}

/// Inlines each kernel and its C interface wrapper into its entry point,
/// whose loads of unused descriptors then go: a kernel of 10,000 aliases
/// that reads two of them would otherwise keep a function of 70,000
/// parameters, on which O3's interprocedural passes are superlinear.
static void flattenEntryPoints(llvm::Module &module,
                               llvm::ArrayRef<KernelSymbol> kernels,
                               llvm::ModuleAnalysisManager &mam) {
  for (const KernelSymbol &kernel : kernels)
    for (std::string name : {kernel.symbol, "_mlir_ciface_" + kernel.symbol})
      if (llvm::Function *f = module.getFunction(name))
        f->addFnAttr(llvm::Attribute::AlwaysInline);
  llvm::ModulePassManager flatten;
  flatten.addPass(llvm::AlwaysInlinerPass());
  flatten.addPass(llvm::createModuleToFunctionPassAdaptor(llvm::DCEPass()));
  flatten.run(module, mam);
}

static void optimize(llvm::Module &module,
                     llvm::ArrayRef<KernelSymbol> kernels,
                     llvm::TargetMachine &machine) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  flattenEntryPoints(module, kernels, mam);
  builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3)
      .run(module, mam);
}

std::string runtime::getOpenMPLibraryDir() {
  // $KRED_OPENMP_DIR: where a copied build keeps libomp (scripts/gpu_bundle.sh).
  return llvm::sys::Process::GetEnv("KRED_OPENMP_DIR")
      .value_or(KRED_OPENMP_LIBRARY_DIR);
}

llvm::Error runtime::runProgram(llvm::ArrayRef<llvm::StringRef> argv,
                                llvm::StringRef what) {
  std::string errorMessage;
  llvm::SmallString<128> logPath;
  llvm::sys::fs::createTemporaryFile("kred-tool", "log", logPath);
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(),
                                                logPath.str()};
  int rc = llvm::sys::ExecuteAndWait(argv[0], argv, std::nullopt, redirects, 0,
                                     0, &errorMessage);
  std::string log;
  if (auto buffer = llvm::MemoryBuffer::getFile(logPath))
    log = (*buffer)->getBuffer().str();
  llvm::sys::fs::remove(logPath);
  if (rc != 0)
    return llvm::createStringError(what + " failed: " + errorMessage + log);
  return llvm::Error::success();
}

/// Runs `ld -shared` on `objectPath`; libomp's folder is both searched and
/// recorded as the run path.
static llvm::Error link(llvm::StringRef objectPath, llvm::StringRef soPath) {
  llvm::ErrorOr<std::string> ld = llvm::sys::findProgramByName("ld");
  if (!ld)
    return llvm::createStringError("cannot find the linker 'ld' on PATH (install binutils)");
  std::string libDir = getOpenMPLibraryDir();
  std::string rpath = "-rpath=" + libDir;
  std::string libSearch = "-L" + libDir;
  return runProgram({*ld, "-shared", "-o", soPath, objectPath, libSearch, rpath,
                     "-lomp", "-lm"},
                    "linking the kernel");
}

/// Writes `input` to a fresh file and returns the line giving the kred-opt
/// command that runs `pipeline` on it (or why none was written).
static std::string describeReproducer(ModuleOp input, llvm::StringRef pipeline) {
  llvm::SmallString<256> path;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "kred-reproducer", "mlir", fd, path))
    return "(no reproducer written: " + ec.message() + ")\n";
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    input.print(os);
  }
  return ("reproduce with: kred-opt --pass-pipeline='" + pipeline + "' " +
          path + "\n")
      .str();
}

llvm::Error runtime::runPipeline(ModuleOp module,
                                 llvm::function_ref<void(OpPassManager &)> build,
                                 llvm::StringRef pipelineText) {
  DiagnosticCollector diagnostics(*module.getContext());
  // The input, kept to write a reproducer if the pipeline fails.
  OwningOpRef<ModuleOp> input = module.clone();
  PassManager pm(module.getContext());
  build(pm);
  if (failed(pm.run(module)))
    return llvm::createStringError("compiling the kernel failed:\n" +
                                   diagnostics.text +
                                   describeReproducer(*input, pipelineText));
  return llvm::Error::success();
}

llvm::Error runtime::writeFileAtomically(llvm::StringRef path,
                                         llvm::StringRef contents) {
  llvm::SmallString<256> temporary;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(
          path + ".%%%%%%%%.tmp", fd, temporary))
    return llvm::createStringError("cannot create a temporary file next to " +
                                   path + ": " + ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << contents;
  }
  if (std::error_code ec = llvm::sys::fs::rename(temporary, path)) {
    llvm::sys::fs::remove(temporary);
    return llvm::createStringError("cannot move the kernel into " + path +
                                   ": " + ec.message());
  }
  return llvm::Error::success();
}

/// Gives every function defined in `module` but the entry points internal
/// linkage: the shared object exports nothing else.
static void internalize(llvm::Module &module,
                        llvm::ArrayRef<std::string> entryPoints) {
  for (llvm::Function &f : module)
    if (!f.isDeclaration() && !llvm::is_contained(entryPoints, f.getName()))
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
}

/// kred-cpu-pipeline, translation to LLVM IR and the entry points.
static llvm::Expected<std::unique_ptr<llvm::Module>>
lowerToLLVMIR(ModuleOp module, llvm::ArrayRef<KernelSymbol> kernels,
              const CpuTargetOptions &options, llvm::LLVMContext &llvmContext) {
  MLIRContext *context = module.getContext();
  module.walk([&](func::FuncOp f) {
    if (llvm::any_of(kernels, [&](const KernelSymbol &k) {
          return k.symbol == f.getSymName();
        }))
      f->setAttr("llvm.emit_c_interface", UnitAttr::get(context));
  });

  if (llvm::Error err = runPipeline(
          module, [&](OpPassManager &pm) { buildCpuPipeline(pm, options); },
          getCpuPipelineText(options.resolvedForHost())))
    return std::move(err);
  DiagnosticCollector diagnostics(*context);
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "kred_kernel");
  if (!llvmModule)
    return llvm::createStringError("translation to LLVM IR failed:\n" + diagnostics.text);
  for (const KernelSymbol &kernel : kernels)
    if (llvm::Error err = addEntryPoint(*llvmModule, kernel.symbol))
      return std::move(err);
  return llvmModule;
}

llvm::Error runtime::buildSharedObject(ModuleOp module,
                                       llvm::ArrayRef<KernelSymbol> kernels,
                                       const CpuTargetOptions &options,
                                       llvm::StringRef path) {
  llvm::LLVMContext llvmContext;
  auto llvmModule = lowerToLLVMIR(module, kernels, options, llvmContext);
  if (!llvmModule)
    return llvmModule.takeError();
  return emitSharedObject(**llvmModule, kernels, path,
                          getCpuFeatureString(options));
}

llvm::Expected<llvm::SmallString<0>>
runtime::buildObjectFile(ModuleOp module, llvm::ArrayRef<KernelSymbol> kernels,
                         const CpuTargetOptions &options) {
  llvm::LLVMContext llvmContext;
  auto llvmModule = lowerToLLVMIR(module, kernels, options, llvmContext);
  if (!llvmModule)
    return llvmModule.takeError();
  return emitObjectFile(**llvmModule, kernels, getCpuFeatureString(options));
}

llvm::Expected<std::unique_ptr<KernelLibrary>>
KernelLibrary::open(llvm::StringRef path, llvm::ArrayRef<KernelSymbol> kernels) {
  void *handle = dlopen(path.str().c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return llvm::createStringError("cannot load kernel " + path + ": " +
                                   dlerror());
  std::unique_ptr<KernelLibrary> library(new KernelLibrary(handle));
  for (const KernelSymbol &kernel : kernels) {
    void *entry = library->lookup(getEntryPointName(kernel.symbol));
    if (!entry)
      return llvm::createStringError("kernel " + path +
                                     " has no entry point for '" +
                                     kernel.name + "'");
    library->entryPoints[kernel.name] = entry;
  }
  return library;
}

KernelLibrary::~KernelLibrary() { dlclose(handle); }

void *KernelLibrary::lookup(llvm::StringRef symbol) const {
  return dlsym(handle, symbol.str().c_str());
}

llvm::Expected<llvm::SmallString<0>>
runtime::emitObjectFile(llvm::Module &llvmModule,
                        llvm::ArrayRef<KernelSymbol> kernels,
                        llvm::StringRef features) {
  std::vector<std::string> entryPoints;
  for (const KernelSymbol &kernel : kernels)
    entryPoints.push_back(getEntryPointName(kernel.symbol));
  internalize(llvmModule, entryPoints);
  auto machine = createHostTargetMachine(features);
  if (!machine)
    return machine.takeError();
  llvmModule.setDataLayout((*machine)->createDataLayout());
  llvmModule.setTargetTriple((*machine)->getTargetTriple());
  optimize(llvmModule, kernels, **machine);

  llvm::SmallString<0> object;
  llvm::raw_svector_ostream os(object);
  llvm::legacy::PassManager codegen;
  if ((*machine)->addPassesToEmitFile(codegen, os, nullptr,
                                      llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError("the host target cannot emit object files");
  codegen.run(llvmModule);
  return object;
}

llvm::Error runtime::emitSharedObject(llvm::Module &llvmModule,
                                      llvm::ArrayRef<KernelSymbol> kernels,
                                      llvm::StringRef path,
                                      llvm::StringRef features) {
  auto object = emitObjectFile(llvmModule, kernels, features);
  if (!object)
    return object.takeError();

  // Unique temporary names next to the destination, then one rename.
  llvm::SmallString<256> objectPath, soPath;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(
          path + ".%%%%%%%%.o", fd, objectPath))
    return llvm::createStringError("cannot create a temporary file next to " + path + ": " +
                     ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << *object;
  }
  soPath = objectPath;
  llvm::sys::path::replace_extension(soPath, "so.tmp");
  llvm::Error linked = link(objectPath, soPath);
  llvm::sys::fs::remove(objectPath);
  if (linked) {
    llvm::sys::fs::remove(soPath);
    return linked;
  }
  if (std::error_code ec = llvm::sys::fs::rename(soPath, path)) {
    llvm::sys::fs::remove(soPath);
    return llvm::createStringError("cannot move the kernel into " + path + ": " +
                     ec.message());
  }
  return llvm::Error::success();
}
