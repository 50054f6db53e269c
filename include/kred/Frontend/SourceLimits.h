//===- SourceLimits.h - input text checked before a parser sees it -*- C++ -*-===//
//
// MLIR's parser trusts the numbers in a result reference: `%x#2147483647`
// or `%x:2147483647` makes it allocate that many values and abort with
// "LLVM ERROR: out of memory" (upstream mlir-opt does the same). kred's
// tools and Python entry points check MLIR text first and report such a
// number as a located error instead.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_FRONTEND_SOURCELIMITS_H
#define KRED_FRONTEND_SOURCELIMITS_H

#include "llvm/Support/Error.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdint>
#include <optional>

namespace kred {

/// The largest result number or result count an MLIR reference may carry
/// (`%x#N`, `%x:N`): far beyond any kred module, far below what the parser
/// cannot allocate.
constexpr uint64_t kMaxResultNumber = 1 << 20;

/// The first result reference in buffer `bufferId` of `sourceMgr` whose
/// number exceeds kMaxResultNumber, as a located error; none when all fit.
std::optional<llvm::SMDiagnostic>
findOversizedResultNumber(const llvm::SourceMgr &sourceMgr, unsigned bufferId);

/// The same check on MLIR text named `bufferName`: an error reading
/// "<name>:<line>:<column>: error: ..." (as kred-run and Python report
/// diagnostics), or success.
llvm::Error checkResultNumbers(llvm::StringRef text, llvm::StringRef bufferName);

} // namespace kred

#endif // KRED_FRONTEND_SOURCELIMITS_H
