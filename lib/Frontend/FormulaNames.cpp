//===- FormulaNames.cpp - KeOps' functions and reductions, by name --------===//
//
// Lookups over the tables generated from the dialect (KredTables.td).
//

#include "FormulaParser.h"

using namespace mlir;
using namespace kred;
using namespace kred::formula;

namespace kred {
#define GET_KeOpsFunctionTable_IMPL
#include "kred/Dialect/Kred/IR/KredTables.inc"
} // namespace kred

llvm::ArrayRef<KeOpsFunctionInfo> kred::getKeOpsFunctions() {
  return KeOpsFunctionTable;
}

/// "a,b" -> {"a", "b"}.
template <unsigned N>
static SmallVector<StringRef, N> splitNames(StringRef names) {
  SmallVector<StringRef, N> out;
  if (!names.empty())
    names.split(out, ',');
  return out;
}

const llvm::StringMap<FunctionInfo> &formula::getFunctionTable() {
  static const llvm::StringMap<FunctionInfo> table = [] {
    llvm::StringMap<FunctionInfo> functions;
    for (const KeOpsFunctionInfo &f : getKeOpsFunctions())
      functions[f.name] = {f.opName, f.arity, splitNames<2>(f.intArgs),
                           splitNames<4>(f.tupleArgs),
                           splitNames<1>(f.optionalTupleArgs)};
    return functions;
  }();
  return table;
}

/// KeOps' reduction names.
std::optional<ReductionKind> formula::lookupReduction(StringRef name) {
  if (const ReductionKindInfo *info = lookupKeOpsReduction(name))
    return info->kind();
  return std::nullopt;
}

/// "Sum, Min, ...", for messages.
std::string formula::listReductionNames() {
  std::string names;
  for (const ReductionKindInfo &info : getReductionKinds())
    names += (names.empty() ? "" : ", ") + std::string(info.keopsName);
  return names;
}
