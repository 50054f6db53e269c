//===- GenredSpecification.cpp - a reduction as pykeops' Genred takes it -===//

#include "kred/Frontend/GenredSpecification.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

using namespace kred;

namespace {

/// Where one part the user wrote lies in the specification text.
struct Part {
  std::string name; // "alias 'X = Vi(3)'", "formula 'F'", "formula2 'G'"
  size_t begin, end;
};

/// A part as errors quote it: whole, or its start when long.
std::string quote(llvm::StringRef text) {
  constexpr size_t kLimit = 120;
  std::string shown = "'" + text.take_front(kLimit).str() + "'";
  return text.size() > kLimit ? shown + "..." : shown;
}

/// The specification text and where each part lies in it.
struct Layout {
  std::string text;
  llvm::SmallVector<Part> parts;

  void append(llvm::StringRef piece) { text += piece; }
  void appendPart(std::string name, llvm::StringRef piece) {
    parts.push_back({std::move(name), text.size(), text.size() + piece.size()});
    text += piece;
  }
};

Layout layOut(const GenredSpecification &spec) {
  Layout layout;
  for (const std::string &alias : spec.aliases) {
    layout.appendPart("alias " + quote(alias), alias);
    layout.append("\n");
  }
  layout.append(spec.reduction + "_Reduction(");
  layout.appendPart("formula " + quote(spec.formula), spec.formula);
  if (spec.k)
    layout.append(", " + std::to_string(*spec.k));
  // KeOps' tagI: 0 reduces over j (pykeops' axis 1).
  layout.append(spec.axis == 1 ? ", 0" : ", 1");
  if (spec.formula2) {
    layout.append(", ");
    layout.appendPart("formula2 " + quote(*spec.formula2), *spec.formula2);
  }
  layout.append(")");
  return layout;
}

/// The offset in `text` of 1-based (row, column), if it lies inside.
std::optional<size_t> getOffset(llvm::StringRef text, unsigned row,
                                unsigned column) {
  size_t lineStart = 0;
  for (unsigned r = 1; r < row; ++r) {
    lineStart = text.find('\n', lineStart);
    if (lineStart == llvm::StringRef::npos)
      return std::nullopt;
    ++lineStart;
  }
  size_t offset = lineStart + column - 1;
  return column >= 1 && offset <= text.size() ? std::optional(offset)
                                              : std::nullopt;
}

/// One diagnostic line `loc("formula":ROW:COL): text`, pointed at its part.
std::optional<std::string> describeLine(const Layout &layout,
                                        const GenredSpecification &spec,
                                        llvm::StringRef line) {
  line = line.trim();
  if (!line.consume_front("loc(\"formula\":"))
    return std::nullopt;
  auto [place, text] = line.split("): ");
  auto [rowText, columnText] = place.split(':');
  unsigned row, column;
  if (rowText.getAsInteger(10, row) || columnText.getAsInteger(10, column))
    return std::nullopt;
  std::optional<size_t> offset = getOffset(layout.text, row, column);
  for (const Part &part : layout.parts)
    if (offset && *offset >= part.begin && *offset <= part.end)
      return part.name + " at position " +
             std::to_string(*offset - part.begin) + ": " + text.str();
  return "reduction " + spec.reduction + ": " + text.str();
}

} // namespace

std::string GenredSpecification::getText() const { return layOut(*this).text; }

std::string
GenredSpecification::describeImportErrors(llvm::StringRef message) const {
  Layout layout = layOut(*this);
  llvm::SmallVector<llvm::StringRef> lines;
  message.split(lines, '\n');
  std::vector<std::string> described;
  for (llvm::StringRef line : lines)
    if (std::optional<std::string> text = describeLine(layout, *this, line))
      described.push_back(*text);
  if (described.empty())
    return message.str();
  return "invalid formula: " + llvm::join(described, "; ");
}
