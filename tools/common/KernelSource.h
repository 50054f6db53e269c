//===- KernelSource.h - the kernel a tool reads: a file or --formula -*- C++ -*-//
//
// kred-run and kred-aot take a kernel the same way: a .mlir file, a KeOps
// formula specification file (.kf), or --formula "...", with the import
// options of a bare formula (--reduction, --axis, --k, --dtype,
// --batch-dims). The options are registered by linking this file.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_TOOLS_KERNELSOURCE_H
#define KRED_TOOLS_KERNELSOURCE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <string>

namespace kred::tools {

/// The options below, for cl::HideUnrelatedOptions.
llvm::cl::OptionCategory &getKernelSourceCategory();

/// The kernel parsed or imported into its own context, and printed (the
/// runtime's input).
struct LoadedModule {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::string text;
};

/// Checks the options (one source, a valid --dtype) and loads the kernel.
llvm::Error loadKernelSource(LoadedModule &loaded);

/// The kernel file's name, or "--formula".
std::string describeKernelSource();

/// --dtype: the inputs' element type of a formula.
llvm::StringRef getFormulaDtype();

} // namespace kred::tools

#endif // KRED_TOOLS_KERNELSOURCE_H
