//===- FormulaImport.h - KeOps formula strings to kred IR -------*- C++ -*-===//
//
// Imports a KeOps formula specification into a module holding one function
// whose body is a single kred.reduce. A specification is a list of
// statements, separated by newlines or ';':
//
//   X = Vi(3)                               # aliases, positions in order
//   Y = Vj(3)
//   B = Vj(1)
//   Sum_Reduction(Exp(-SqDist(X, Y)) * B, 0)
//
// The last statement is the reduction, written as in KeOps' C++ API
// (`<Kind>_Reduction(F, [K,] tagI [, G])`, tagI = 0 reduces over j and
// tagI = 1 over i), or a bare formula when the options name the reduction.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_FRONTEND_FORMULAIMPORT_H
#define KRED_FRONTEND_FORMULAIMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <optional>
#include "kred/Dialect/Kred/IR/KredOps.h"

#include <string>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace kred {

struct FormulaImportOptions {
  /// Name of the generated function.
  std::string kernelName = "kernel";
  /// Element type of the inputs: float16, bfloat16, float32 or float64.
  std::string dtype = "float32";
  /// For a bare formula: the reduction, by its KeOps name ("Sum",
  /// "LogSumExp", "ArgKMin", ...), and the axis in pykeops' convention
  /// (0 reduces over i, 1 over j).
  std::optional<std::string> reduction;
  std::optional<int> axis;
  /// K, for a bare formula reduced by KMin, ArgKMin or KMin_ArgKMin.
  std::optional<int64_t> k;
  /// Leading batch dimensions of every input and output.
  int64_t batchDims = 0;
  /// For summations: the accumulation type ("float32" or "float64") and the
  /// scheme ("direct", "block" or "kahan"); empty leaves the default.
  std::string accType;
  std::string sumScheme;
  /// Whether the kernel takes KeOps' six block-sparse ranges arrays (i64,
  /// after the outputs, named by a `kred.ranges` attribute).
  bool ranges = false;
};

/// Limits of the formula importer, far above real formulas (KeOps' longest
/// nest a few dozen levels and hold a few hundred operations), enforced
/// with an error naming them: the parser is recursive, and every later
/// pass walks the formula.
constexpr int64_t kMaxFormulaNesting = 256;
constexpr int64_t kMaxFormulaOps = 10000;
constexpr int64_t kMaxAliases = 10000;

/// A function of KeOps' formula language, generated from the `keopsNames`
/// of the op it builds (dialect/KredTables.td): its name, the op ("" for a
/// function the importer expands), its formula arguments, then its integer
/// and tuple arguments (comma-separated names), and whether it is a
/// componentwise function of one vector.
struct KeOpsFunctionInfo {
  const char *name, *opName;
  uint8_t arity;
  const char *intArgs, *tupleArgs, *optionalTupleArgs;
  bool componentwise;
};
/// Every KeOps function, by name.
llvm::ArrayRef<KeOpsFunctionInfo> getKeOpsFunctions();

/// Parses the specification in the main buffer of `sourceMgr` and returns the
/// module, or null after reporting errors (with line and column) through the
/// context's diagnostic handler.
mlir::OwningOpRef<mlir::ModuleOp>
importFormula(llvm::SourceMgr &sourceMgr, mlir::MLIRContext *context,
              const FormulaImportOptions &options);

/// Registers `--import-formula` with mlir-translate's registry.
void registerFormulaImportTranslation();

} // namespace kred

#endif // KRED_FRONTEND_FORMULAIMPORT_H
