//===- InitAll.h - the one registration point of kred -----------*- C++ -*-===//
//
// Every tool (kred-opt, kred-translate, later kred-run and Python) registers
// dialects, passes and translations through these functions, so all of them
// accept the same IR and run the same pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_INITALL_H
#define KRED_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace kred {

/// The kred dialect and the upstream dialects kred programs use.
void registerAllDialects(mlir::DialectRegistry &registry);

/// kred's passes and pipelines plus the upstream ones (for kred-opt).
void registerAllPasses();

/// kred's translations (for kred-translate).
void registerAllTranslations();

} // namespace kred

#endif // KRED_INITALL_H
