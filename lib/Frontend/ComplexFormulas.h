//===- ComplexFormulas.h - KeOps' complex operations as real ops -*- C++ -*-===//
//
// Internal to the formula importer. KeOps stores a complex vector of
// dimension D as 2D reals, interleaved (re_0, im_0, re_1, im_1, ...). Its
// complex operations (ComplexMult, ComplexExp, Conj, ...) are imported as
// the real formula ops that compute them on those pairs, so every later
// stage (folding, code generation, differentiation) sees ordinary ops.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_FRONTEND_COMPLEXFORMULAS_H
#define KRED_LIB_FRONTEND_COMPLEXFORMULAS_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/ValueRange.h"

namespace kred {

/// What the expansion needs from the parser: ops built at the call's
/// location (result types inferred, dimension errors reported), constants,
/// and an error at the call.
class FormulaOpBuilder {
public:
  virtual ~FormulaOpBuilder() = default;
  virtual llvm::FailureOr<mlir::Value>
  op(llvm::StringRef name, mlir::ValueRange operands,
     llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) = 0;
  virtual mlir::Value constant(llvm::ArrayRef<double> values) = 0;
  virtual mlir::InFlightDiagnostic error() = 0;
  virtual mlir::NamedAttribute intAttr(llvm::StringRef name,
                                       int64_t value) = 0;
};

/// Builds the real ops computing KeOps' complex operation `name` (one of
/// the formula importer's table) on `operands` and its integer arguments
/// `ints`.
llvm::FailureOr<mlir::Value>
expandComplexFunction(llvm::StringRef name, llvm::ArrayRef<mlir::Value> operands,
                      llvm::ArrayRef<int64_t> ints, FormulaOpBuilder &build);

} // namespace kred

#endif // KRED_LIB_FRONTEND_COMPLEXFORMULAS_H
