//===- PipelineOptions.h - one option string per target ---------*- C++ -*-===//
//
// The plain option structs and the pass-pipeline options are generated from
// the same table (Pipelines.h); these helpers go from one to the other, so
// that printing and parsing are written once for every target.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_PIPELINES_PIPELINEOPTIONS_H
#define KRED_LIB_PIPELINES_PIPELINEOPTIONS_H

#include "kred/Pipelines/Pipelines.h"

#include "llvm/Support/raw_ostream.h"

#define KRED_OPTION_COPY(type, member, flag, initial, help) plain.member = member;
#define KRED_OPTION_SET(type, member, flag, initial, help) options.member = plain.member;

namespace kred {

void setPipelineOptions(CpuPipelineOptions &options,
                        const CpuTargetOptions &plain);
void setPipelineOptions(GpuPipelineOptions &options,
                        const GpuTargetOptions &plain);

/// `flag=value ...` for every option, in table order.
template <typename PipelineOptions, typename Plain>
std::string optionsText(const Plain &plain) {
  PipelineOptions options;
  setPipelineOptions(options, plain);
  std::string text;
  llvm::raw_string_ostream os(text);
  options.print(os);
  // print() wraps the options in braces.
  return llvm::StringRef(text).trim().drop_front().drop_back().trim().str();
}

/// Parses `text` as kred-opt does; unnamed options keep their defaults.
template <typename PipelineOptions>
auto parseOptions(llvm::StringRef text, llvm::StringRef pipeline)
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

} // namespace kred

#endif // KRED_LIB_PIPELINES_PIPELINEOPTIONS_H
