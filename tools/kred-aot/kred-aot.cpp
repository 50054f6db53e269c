//===- kred-aot.cpp - ahead-of-time kernel libraries ----------------------===//
//
//   kred-aot gaussian.kf -o build/libgauss.so    (writes build/gauss.h too)
//   kred-aot --formula "..." --reduction ArgKMin --k 8 --axis 1 -o libknn.so
//   kred-aot kernels.mlir -o libkernels.so --pipeline-options='cpu-features=-avx512f'
//   kred-aot gaussian.kf --gpu-chip=sm_90 -o libgauss.so  (+ NAME_KERNEL_gpu)
//
// Compiles every kernel of the input for this CPU (kred-cpu-pipeline, as
// the runtime does) into one object, writes the C part (argument checks, a
// function per kernel: kred_aot_runtime.c and CWriter.cpp) and links both
// with the C compiler (`cc`, or $CC) into a shared library that needs only
// the C library and libomp. With --gpu-chip, the kernels' PTX
// (kred-gpu-pipeline) is embedded too, run through the CUDA driver, which
// the library opens at its first GPU call.
//
//===----------------------------------------------------------------------===//

#include "CWriter.h"
#include "KernelSource.h"

#include "kred/Runtime/Runtime.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace kred;
namespace cl = llvm::cl;

static cl::OptionCategory category("kred-aot options");
static cl::opt<std::string> outputPath(
    "o", cl::desc("The library to write, lib<NAME>.so (<NAME>.h is written "
                  "beside it)"),
    cl::value_desc("libNAME.so"), cl::Required, cl::cat(category));
static cl::opt<std::string> pipelineOptions(
    "pipeline-options",
    cl::desc("kred-cpu-pipeline options, as kred-opt takes them "
             "('cpu-features=-avx512f', 'fast-math=false')"),
    cl::cat(category));
static cl::opt<std::string> gpuChip(
    "gpu-chip",
    cl::desc("Also embed the kernels' GPU code (PTX) for this chip (sm_80, "
             "sm_90, ...): one NAME_KERNEL_gpu function per kernel"),
    cl::value_desc("sm_XY"), cl::cat(category));
static cl::opt<bool> keepSource("keep-c",
                                cl::desc("Keep the generated C file beside "
                                         "the library (<NAME>.c)"),
                                cl::cat(category));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "kred-aot: error: " << message << "\n";
  return 2;
}

/// NAME of lib<NAME>.so.
static llvm::Expected<std::string> getLibraryName(llvm::StringRef path) {
  llvm::StringRef file = llvm::sys::path::filename(path);
  if (!file.consume_front("lib") || !file.consume_back(".so") || file.empty())
    return llvm::createStringError("-o is '" + path +
                                   "'; expected a path ending in lib<NAME>.so");
  return file.str();
}

static llvm::Error writeFile(llvm::StringRef path, llvm::StringRef text) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError("cannot write '" + path + "': " + ec.message());
  os << text;
  return llvm::Error::success();
}

/// Compiles `source` and links it with `object` into `library`, exporting
/// only the symbols that start with `<name>_`.
static llvm::Error link(const aot::Library &library, llvm::StringRef source,
                        llvm::StringRef object, llvm::StringRef folder) {
  std::string compilerName =
      llvm::sys::Process::GetEnv("CC").value_or("cc");
  auto compiler = llvm::sys::findProgramByName(compilerName);
  if (!compiler)
    return llvm::createStringError(
        "cannot find the C compiler '" + compilerName +
        "' on PATH (kred-aot links the library with it; set $CC)");
  llvm::SmallString<256> script(folder);
  llvm::sys::path::append(script, "exports.map");
  if (llvm::Error err = writeFile(
          script, "{ global: " + library.name + "_*; local: *; };\n"))
    return err;
  std::string libDir = runtime::getOpenMPLibraryDir();
  std::string include = ("-I" + llvm::sys::path::parent_path(outputPath)).str();
  if (include == "-I")
    include = "-I.";
  std::string versionScript = ("-Wl,--version-script=" + script).str();
  std::string search = "-L" + libDir, rpath = "-Wl,-rpath," + libDir;
  return runtime::runProgram({*compiler, "-std=c11", "-O2", "-fPIC", "-fvisibility=hidden",
              "-shared", include, "-o", outputPath, source, object,
              versionScript, search, rpath, "-lomp", "-lm"},
             "compiling and linking the library with '" + *compiler + "'");
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions({&category, &tools::getKernelSourceCategory()});
  cl::ParseCommandLineOptions(
      argc, argv,
      "kred-aot: compile kred kernels into a shared library with a C API\n");
  auto name = getLibraryName(outputPath);
  if (!name)
    return fail(llvm::toString(name.takeError()));
  tools::LoadedModule loaded;
  if (llvm::Error err = tools::loadKernelSource(loaded))
    return fail(llvm::toString(std::move(err)));
  runtime::CompileOptions options;
  if (llvm::Error err =
          runtime::setPipelineOptions(options, pipelineOptions, /*gpu=*/false))
    return fail(llvm::toString(std::move(err)));

  auto compiled = runtime::compileKernelObject(loaded.text, options.target,
                                               "kred_aot_" + *name);
  if (!compiled)
    return fail(llvm::toString(compiled.takeError()));
  aot::Library library{*name, compiled->signatures, compiled->entryPoints,
                       tools::describeKernelSource(), std::nullopt};
  if (!gpuChip.empty()) {
    if (!llvm::StringRef(gpuChip).starts_with("sm_"))
      return fail("--gpu-chip is '" + gpuChip +
                  "'; expected a CUDA architecture such as sm_80 or sm_90");
    library.gpu.emplace(); // checked as a library with GPU code, made below
  }
  if (llvm::Error err = aot::checkLibrary(library))
    return fail(llvm::toString(std::move(err)));
  if (library.gpu) {
    GpuTargetOptions gpuOptions;
    gpuOptions.chip = gpuChip;
    auto gpu = runtime::compileGpuKernelImage(loaded.text, gpuOptions,
                                              "kred_aot_" + *name);
    if (!gpu)
      return fail(llvm::toString(gpu.takeError()));
    library.gpu = std::move(*gpu);
  }

  llvm::SmallString<256> header(llvm::sys::path::parent_path(outputPath));
  llvm::sys::path::append(header, *name + ".h");
  llvm::SmallString<128> folder;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("kred-aot", folder))
    return fail("cannot create a temporary folder: " + ec.message());
  llvm::SmallString<256> object(folder), source(folder);
  llvm::sys::path::append(object, "kernels.o");
  llvm::sys::path::append(source, *name + ".c");
  llvm::Error err = writeFile(header, aot::writeHeader(library));
  if (!err)
    err = writeFile(object, compiled->object);
  if (!err)
    err = writeFile(source, aot::writeSource(library));
  if (!err)
    err = link(library, source, object, folder);
  if (!err && keepSource) {
    llvm::SmallString<256> kept(llvm::sys::path::parent_path(outputPath));
    llvm::sys::path::append(kept, *name + ".c");
    err = writeFile(kept, aot::writeSource(library));
  }
  llvm::sys::fs::remove_directories(folder);
  if (err)
    return fail(llvm::toString(std::move(err)));
  return 0;
}
