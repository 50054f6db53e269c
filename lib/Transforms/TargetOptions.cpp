//===- TargetOptions.cpp - the targets' options: host defaults, text -----===//

#include "kred/Transforms/TargetOptions.h"
#include "kred/Conversion/ReductionLowering/ReductionState.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace kred;

/// `flag=value ...` for every option of `options`, in table order.
template <typename PipelineOptions>
static std::string optionsText(const PipelineOptions &options) {
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

/// What KRED_DECLARE_TARGET_OPTIONS declares, but resolvedForHost.
#define KRED_DEFINE_TARGET_OPTIONS(Plain, Pipeline, name)                     \
  Plain Pipeline::toPlain() const { return Plain::readFrom(*this); }          \
  std::string Plain::str() const {                                            \
    Pipeline options;                                                         \
    writeTo(options);                                                         \
    return optionsText(options);                                              \
  }                                                                           \
  llvm::Expected<Plain> Plain::parse(llvm::StringRef text) {                  \
    return parseOptions<Pipeline>(text, name);                                \
  }                                                                           \
  bool Plain::operator==(const Plain &other) const {                          \
    return str() == other.str();                                              \
  }

KRED_DEFINE_TARGET_OPTIONS(CpuTargetOptions, CpuPipelineOptions,
                           "kred-cpu-pipeline")
KRED_DEFINE_TARGET_OPTIONS(GpuTargetOptions, GpuPipelineOptions,
                           "kred-gpu-pipeline")

//===----------------------------------------------------------------------===//
// CPU
//===----------------------------------------------------------------------===//

/// The host's features with `overrides` ("+name,-name") applied.
static llvm::StringMap<bool> getTargetFeatures(llvm::StringRef overrides) {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  llvm::SmallVector<llvm::StringRef> items;
  overrides.split(items, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef item : items) {
    item = item.trim();
    bool enable = !item.consume_front("-");
    item.consume_front("+");
    features[item] = enable;
    // AVX-512's extensions go with its foundation.
    if (!enable && item == "avx512f")
      for (auto &feature : features)
        if (feature.first().starts_with("avx512"))
          feature.second = false;
  }
  return features;
}

std::string kred::getCpuFeatureString(const CpuTargetOptions &options) {
  std::string text;
  for (auto &feature : llvm::sys::getHostCPUFeatures())
    text += (text.empty() ? "" : ",") +
            std::string(feature.second ? "+" : "-") + feature.first().str();
  llvm::StringRef overrides = llvm::StringRef(options.cpuFeatures).trim();
  if (!overrides.empty())
    text += "," + overrides.str();
  return text;
}

CpuTargetOptions CpuTargetOptions::resolvedForHost() const {
  CpuTargetOptions resolved = *this;
  llvm::StringMap<bool> features = getTargetFeatures(cpuFeatures);
  bool hostAvx512 = features.lookup("avx512f");
  if (resolved.vectorWidth <= 0)
    resolved.vectorWidth = hostAvx512                                  ? 16
                           : features.lookup("avx2") || features.lookup("avx") ? 8
                                                                       : 4;
  if (resolved.avx512 < 0)
    resolved.avx512 = hostAvx512;
  if (resolved.avx2 < 0)
    resolved.avx2 = features.lookup("avx2");
  if (resolved.laneCompress.empty())
    resolved.laneCompress = getLaneCompressName(
        resolved.avx512 > 0 ? LaneCompress::Instruction
        : resolved.avx2 > 0 ? LaneCompress::Permutation
                            : LaneCompress::None);
  if (resolved.vectorRegisters <= 0)
    resolved.vectorRegisters = hostAvx512 ? 32 : 16;
  if (resolved.memoryOperands < 0)
    resolved.memoryOperands = llvm::Triple(llvm::sys::getProcessTriple()).isX86();
  return resolved;
}

//===----------------------------------------------------------------------===//
// GPU
//===----------------------------------------------------------------------===//

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

