//===- CWriter.h - the C header and wrapper of an AOT library ---*- C++ -*-===//
//
// From the kernels' signatures: NAME.h (kred_aot.h, then one function per
// kernel, documented) and the library's C file (the argument checks of
// kred_aot_runtime.c, a table of the kernels, the functions).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_TOOLS_KRED_AOT_CWRITER_H
#define KRED_TOOLS_KRED_AOT_CWRITER_H

#include "kred/Runtime/Runtime.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace kred::aot {

struct Library {
  /// A C identifier: the prefix of every exported symbol.
  std::string name;
  std::vector<runtime::KernelSignature> kernels;
  /// Each kernel's entry point in the kernel object.
  std::vector<std::string> entryPoints;
  /// What the kernels were made from, for the header's comment.
  std::string origin;
  /// The kernels' GPU code (kred-aot --gpu-chip), in the same order.
  std::optional<runtime::GpuKernelImage> gpu;
};

/// Checks that the kernels can be given a C ABI: identifiers, ranks; no
/// block-sparse ranges on the GPU.
llvm::Error checkLibrary(const Library &library);
std::string writeHeader(const Library &library);
std::string writeSource(const Library &library);

} // namespace kred::aot

#endif
