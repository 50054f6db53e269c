//===- SourceLimits.cpp - result numbers and long lines in diagnostics ---===//

#include "kred/Frontend/SourceLimits.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace kred;

/// A character of an SSA name after '%' (MLIR's suffix-id characters).
static bool isNameChar(char c) {
  return llvm::isAlnum(c) || c == '_' || c == '$' || c == '.' || c == '-';
}

/// The end of the string literal starting at `at` (a '"'), or of the text.
static size_t skipString(llvm::StringRef text, size_t at) {
  for (size_t k = at + 1; k < text.size(); ++k) {
    if (text[k] == '\\')
      ++k;
    else if (text[k] == '"')
      return k + 1;
  }
  return text.size();
}

std::optional<llvm::SMDiagnostic>
kred::findOversizedResultNumber(const llvm::SourceMgr &sourceMgr,
                                unsigned bufferId) {
  llvm::StringRef text = sourceMgr.getMemoryBuffer(bufferId)->getBuffer();
  size_t at = 0;
  while (at < text.size()) {
    char c = text[at];
    if (c == '"') {
      at = skipString(text, at);
      continue;
    }
    if (text.substr(at).starts_with("//")) {
      at = text.find('\n', at);
      continue;
    }
    if (c != '%') {
      ++at;
      continue;
    }
    size_t end = at + 1;
    while (end < text.size() && isNameChar(text[end]))
      ++end;
    at = end;
    if (end + 1 >= text.size() || (text[end] != '#' && text[end] != ':') ||
        !llvm::isDigit(text[end + 1]))
      continue;
    size_t digits = end + 1;
    while (digits < text.size() && llvm::isDigit(text[digits]))
      ++digits;
    llvm::StringRef number = text.slice(end + 1, digits);
    uint64_t value;
    if (!number.getAsInteger(10, value) && value <= kMaxResultNumber)
      continue;
    std::string shown = number.size() > 20 ? number.take_front(20).str() + "..."
                                           : number.str();
    return sourceMgr.GetMessage(
        llvm::SMLoc::getFromPointer(number.data()), llvm::SourceMgr::DK_Error,
        llvm::formatv("result {0} {1} is out of range: kred reads at most {2} "
                      "results per operation",
                      text[end] == '#' ? "number" : "count", shown,
                      kMaxResultNumber));
  }
  return std::nullopt;
}

llvm::Error kred::checkResultNumbers(llvm::StringRef text,
                                     llvm::StringRef bufferName) {
  llvm::SourceMgr sourceMgr;
  unsigned id = sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBuffer(text, bufferName,
                                       /*RequiresNullTerminator=*/false),
      llvm::SMLoc());
  std::optional<llvm::SMDiagnostic> diag = findOversizedResultNumber(sourceMgr, id);
  if (!diag)
    return llvm::Error::success();
  return llvm::createStringError(llvm::formatv(
      "{0}:{1}:{2}: error: {3}", bufferName, diag->getLineNo(),
      diag->getColumnNo() + 1, diag->getMessage()));
}

void kred::printWithExcerpt(const llvm::SMDiagnostic &diag,
                            llvm::raw_ostream &os) {
  llvm::StringRef line = diag.getLineContents();
  if (line.size() <= kMaxQuotedLine) {
    diag.print(nullptr, os, /*ShowColors=*/false);
    return;
  }
  // The window of kMaxQuotedLine characters that holds the column, a third
  // of it before the column.
  size_t column = std::max(diag.getColumnNo(), 0);
  size_t start = column > kMaxQuotedLine / 3 ? column - kMaxQuotedLine / 3 : 0;
  start = std::min(start, line.size() - kMaxQuotedLine);
  llvm::StringRef excerpt = line.substr(start, kMaxQuotedLine);
  llvm::StringRef kind = diag.getKind() == llvm::SourceMgr::DK_Error     ? "error"
                         : diag.getKind() == llvm::SourceMgr::DK_Warning ? "warning"
                         : diag.getKind() == llvm::SourceMgr::DK_Remark  ? "remark"
                                                                         : "note";
  std::string before = start > 0 ? "..." : "";
  os << diag.getFilename() << ":" << diag.getLineNo() << ":"
     << diag.getColumnNo() + 1 << ": " << kind << ": " << diag.getMessage()
     << "\n"
     << before << excerpt << (start + excerpt.size() < line.size() ? "..." : "")
     << "\n"
     << std::string(before.size() + column - start, ' ') << "^\n";
}

void kred::quoteLongLinesByExcerpt(llvm::SourceMgr &sourceMgr) {
  sourceMgr.setDiagHandler([](const llvm::SMDiagnostic &diag, void *) {
    printWithExcerpt(diag, llvm::errs());
  });
}

bool kred::hasLongLines(const llvm::SourceMgr &sourceMgr, unsigned bufferId) {
  llvm::StringRef text = sourceMgr.getMemoryBuffer(bufferId)->getBuffer();
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == llvm::StringRef::npos)
      end = text.size();
    if (end - start > kMaxQuotedLine)
      return true;
    start = end + 1;
  }
  return false;
}
