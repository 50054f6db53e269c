//===- DimRules.h - declared dimension rules of formula ops -----*- C++ -*-===//
//
// A formula op whose result dimension differs from its operands' declares
// its rule in ODS (`dimRule` in KredFormulaOps.td): a short body over a
// DimChecker, run by the one inferReturnTypes hook inferFormulaType after
// the checks every op makes (operands are 1-D float vectors of one element
// type). A failed check reports "'kred.op' op <what>" at the op's location
// when one is known (type inference may run without one).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_KRED_IR_DIMRULES_H
#define KRED_DIALECT_KRED_IR_DIMRULES_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Value.h"
#include "mlir/IR/ValueRange.h"
#include "mlir/Support/LLVM.h"

#include <optional>

namespace kred {

/// A diagnostic "'kred.op' op ..." that converts to failure.
class OpDiagnostic {
public:
  OpDiagnostic(std::optional<mlir::Location> loc, llvm::StringRef opName);
  template <typename T>
  OpDiagnostic &operator<<(T &&arg) {
    if (diag)
      *diag << std::forward<T>(arg);
    return *this;
  }
  operator llvm::LogicalResult() const { return mlir::failure(); }
  operator mlir::FailureOr<int64_t>() const { return mlir::failure(); }

private:
  std::optional<mlir::InFlightDiagnostic> diag;
};

/// Checks an op's operands against its rule; the first failed check reports
/// and the later ones are skipped, so that a rule reads as one chain:
///   return check.dimIs(0, 1, "why").inRange("dim", d, 1, max).result(d);
class DimChecker {
public:
  DimChecker(std::optional<mlir::Location> loc, llvm::StringRef opName,
             mlir::ValueRange operands)
      : loc(loc), opName(opName), operands(operands) {}

  int64_t dim(unsigned index) const;
  mlir::Type elementType() const;

  /// Every operand is a formula value (a 1-D vector of floats).
  DimChecker &formulaOperands();
  /// All operands share one element type.
  DimChecker &sameElementType();
  /// Operand `index` has dimension `expected`, explained by `why`.
  DimChecker &dimIs(unsigned index, int64_t expected, const llvm::Twine &why);
  /// Integer attribute `attr` is within [lo, hi].
  DimChecker &inRange(llvm::StringRef attr, int64_t value, int64_t lo,
                      int64_t hi);

  /// Reports a violation of the op's own (stream the message into it).
  OpDiagnostic fail();
  bool failed() const { return hasFailed; }
  /// `resultDim`, unless a check failed.
  mlir::FailureOr<int64_t> result(int64_t resultDim) const {
    if (hasFailed)
      return mlir::failure();
    return resultDim;
  }

private:
  std::optional<mlir::Location> loc;
  llvm::StringRef opName;
  mlir::ValueRange operands;
  bool hasFailed = false;
};

/// The one inferReturnTypes of the ops with a dimension rule: the common
/// checks, then `rule`, then the result `vector<dim x T>`.
llvm::LogicalResult inferFormulaType(
    std::optional<mlir::Location> loc, llvm::StringRef opName,
    mlir::ValueRange operands, llvm::SmallVectorImpl<mlir::Type> &types,
    llvm::function_ref<mlir::FailureOr<int64_t>(DimChecker &)> rule);

/// The rules too long for a line of ODS.
mlir::FailureOr<int64_t> inferBroadcastDim(DimChecker &check,
                                           unsigned numOperands);
mlir::FailureOr<int64_t> checkWeight(DimChecker &check, int64_t vectorDim);
mlir::FailureOr<int64_t> inferMatrixProduct(DimChecker &check,
                                            unsigned matrixIndex);
mlir::FailureOr<int64_t>
inferTensorDot(DimChecker &check, llvm::ArrayRef<int64_t> shapeA,
               llvm::ArrayRef<int64_t> shapeB,
               llvm::ArrayRef<int64_t> contractA,
               llvm::ArrayRef<int64_t> contractB,
               std::optional<llvm::ArrayRef<int64_t>> permutation);
mlir::FailureOr<int64_t> inferKron(DimChecker &check,
                                   llvm::ArrayRef<int64_t> shapeA,
                                   llvm::ArrayRef<int64_t> shapeB);

} // namespace kred

#endif // KRED_DIALECT_KRED_IR_DIMRULES_H
