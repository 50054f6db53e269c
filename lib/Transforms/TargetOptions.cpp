//===- TargetOptions.cpp - the targets' options: host defaults, text -----===//

#include "kred/Transforms/TargetOptions.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace kred;

static void writeOptions(CpuPipelineOptions &holder,
                         const CpuTargetOptions &plain) {
  writeCpuOptions(holder, plain);
}
static void writeOptions(GpuPipelineOptions &holder,
                         const GpuTargetOptions &plain) {
  writeGpuOptions(holder, plain);
}

/// `flag=value ...` for every option, in table order.
template <typename PipelineOptions, typename Plain>
static std::string optionsText(const Plain &plain) {
  PipelineOptions options;
  writeOptions(options, plain);
  std::string text;
  llvm::raw_string_ostream os(text);
  options.print(os);
  // print() wraps the options in braces.
  return llvm::StringRef(text).trim().drop_front().drop_back().trim().str();
}

/// Parses `text` as kred-opt does; unnamed options keep their defaults.
template <typename PipelineOptions>
static auto parseOptions(llvm::StringRef text, llvm::StringRef pipeline)
    -> llvm::Expected<decltype(PipelineOptions().toPlain())> {
  std::string errors;
  llvm::raw_string_ostream os(errors);
  PipelineOptions options;
  if (failed(options.parseFromString(text, os))) {
    // The valid names, from the defaults printed as `flag=value ...`.
    std::string printed, names;
    llvm::raw_string_ostream defaults(printed);
    PipelineOptions().print(defaults);
    llvm::SmallVector<llvm::StringRef> fields;
    llvm::StringRef(printed).trim().drop_front().drop_back().split(fields, ' ', -1,
                                                                    false);
    for (llvm::StringRef field : fields)
      if (field.contains('='))
        names += (names.empty() ? "" : ", ") + field.split('=').first.str();
    return llvm::createStringError(
        "invalid " + pipeline.str() + " options '" + text.str() +
        "': " + llvm::StringRef(errors).trim().str() + " (the options are " +
        names + ")");
  }
  return options.toPlain();
}

//===----------------------------------------------------------------------===//
// CPU
//===----------------------------------------------------------------------===//

CpuTargetOptions CpuPipelineOptions::toPlain() const {
  return readCpuOptions(*this);
}

CpuTargetOptions CpuTargetOptions::resolvedForHost() const {
  CpuTargetOptions resolved = *this;
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  bool hostAvx512 = features.lookup("avx512f");
  if (resolved.vectorWidth <= 0)
    resolved.vectorWidth = hostAvx512                                  ? 16
                           : features.lookup("avx2") || features.lookup("avx") ? 8
                                                                       : 4;
  if (resolved.avx512 < 0)
    resolved.avx512 = hostAvx512;
  if (resolved.vectorRegisters <= 0)
    resolved.vectorRegisters = hostAvx512 ? 32 : 16;
  if (resolved.memoryOperands < 0)
    resolved.memoryOperands = llvm::Triple(llvm::sys::getProcessTriple()).isX86();
  return resolved;
}

std::string CpuTargetOptions::str() const {
  return optionsText<CpuPipelineOptions>(*this);
}

llvm::Expected<CpuTargetOptions> CpuTargetOptions::parse(llvm::StringRef text) {
  return parseOptions<CpuPipelineOptions>(text, "kred-cpu-pipeline");
}

bool CpuTargetOptions::operator==(const CpuTargetOptions &other) const {
  return str() == other.str();
}

//===----------------------------------------------------------------------===//
// GPU
//===----------------------------------------------------------------------===//

GpuTargetOptions GpuPipelineOptions::toPlain() const {
  return readGpuOptions(*this);
}

/// CUDA's libdevice under $CUDA_HOME or /usr/local/cuda, if present.
static std::string findLibdevice() {
  std::string root =
      llvm::sys::Process::GetEnv("CUDA_HOME").value_or("/usr/local/cuda");
  llvm::SmallString<128> path(root);
  llvm::sys::path::append(path, "nvvm", "libdevice", "libdevice.10.bc");
  return llvm::sys::fs::exists(path) ? path.str().str() : std::string();
}

GpuTargetOptions GpuTargetOptions::resolvedForHost() const {
  GpuTargetOptions resolved = *this;
  if (resolved.libdevice.empty())
    resolved.libdevice = findLibdevice();
  if (resolved.chip.empty())
    resolved.chip = "sm_80";
  return resolved;
}

std::string GpuTargetOptions::str() const {
  return optionsText<GpuPipelineOptions>(*this);
}

llvm::Expected<GpuTargetOptions> GpuTargetOptions::parse(llvm::StringRef text) {
  return parseOptions<GpuPipelineOptions>(text, "kred-gpu-pipeline");
}

bool GpuTargetOptions::operator==(const GpuTargetOptions &other) const {
  return str() == other.str();
}
