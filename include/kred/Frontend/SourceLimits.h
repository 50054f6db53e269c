//===- SourceLimits.h - input text that a parser cannot take as it is -*- C++ -*-===//
//
// MLIR's parser trusts the numbers in a result reference: `%x#2147483647`
// or `%x:2147483647` makes it allocate that many values and abort with
// "LLVM ERROR: out of memory" (upstream mlir-opt does the same). kred's
// tools and Python entry points check MLIR text first and report such a
// number as a located error instead.
//
// A diagnostic normally quotes its whole source line; a formula of 100,000
// terms is one 400 KB line. kred's tools quote a long line by the part
// around the position instead, as kred-run and Python quote long formulas.
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

/// Source lines longer than this are quoted by an excerpt around the
/// diagnostic's column.
constexpr size_t kMaxQuotedLine = 160;

/// Prints `diag` as llvm::SMDiagnostic::print does ("file:line:col:
/// error: message", the source line and a caret), quoting a source line
/// longer than kMaxQuotedLine by the kMaxQuotedLine characters around the
/// column, with "..." where it is cut.
void printWithExcerpt(const llvm::SMDiagnostic &diag, llvm::raw_ostream &os);

/// Makes `sourceMgr` print its diagnostics with printWithExcerpt (to
/// stderr): a tool's handler that prints through the SourceMgr (MLIR's
/// SourceMgrDiagnosticHandler) then quotes long lines by an excerpt.
void quoteLongLinesByExcerpt(llvm::SourceMgr &sourceMgr);

/// Whether buffer `bufferId` of `sourceMgr` holds a line longer than
/// kMaxQuotedLine.
bool hasLongLines(const llvm::SourceMgr &sourceMgr, unsigned bufferId);

} // namespace kred

#endif // KRED_FRONTEND_SOURCELIMITS_H
