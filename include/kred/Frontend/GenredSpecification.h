//===- GenredSpecification.h - a reduction as pykeops' Genred takes it -*- C++ -*-===//
//
// pykeops' Genred takes a reduction in parts: a formula, alias strings
// ("X = Vi(3)"), the reduction's name, an axis, K and a weight formula.
// This joins them into the importer's specification and points the
// importer's errors back at the part the user wrote, so that the Python
// package hands its arguments over as they are (no parsing of its own).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_FRONTEND_GENREDSPECIFICATION_H
#define KRED_FRONTEND_GENREDSPECIFICATION_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kred {

struct GenredSpecification {
  std::string formula;
  std::vector<std::string> aliases;
  /// The reduction's KeOps name ("Sum", "ArgKMin", ...) and pykeops' axis
  /// (0 reduces over i, 1 over j).
  std::string reduction = "Sum";
  int axis = 0;
  std::optional<int64_t> k;
  std::optional<std::string> formula2;

  /// The importer's specification: the aliases, one per line, then
  /// `<reduction>_Reduction(formula[, K], tagI[, formula2])`.
  std::string getText() const;

  /// The import errors in `message` (diagnostics `loc("formula":ROW:COL):
  /// text`, one per line) as "invalid formula: <part> at position P: text",
  /// the part being an alias, the formula or formula2 (0-based positions).
  /// A message without such locations comes back unchanged.
  std::string describeImportErrors(llvm::StringRef message) const;
};

} // namespace kred

#endif // KRED_FRONTEND_GENREDSPECIFICATION_H
