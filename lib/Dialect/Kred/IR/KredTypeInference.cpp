//===- KredTypeInference.cpp - dimension rules of formula ops -------------===//
//
// The one type-inference hook of the ops with a dimension rule (DimRules.h;
// the rules are declared with the ops in KredFormulaOps.td), the checks it
// chains, and the rules too long for a line of ODS. Dimension mismatches are
// reported here, at parse time and when an op is built or verified.
//
//===----------------------------------------------------------------------===//

#include "kred/Dialect/Kred/IR/DimRules.h"
#include "kred/Dialect/Kred/IR/KredOps.h"

#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;
using namespace kred;

VectorType kred::getScalarType(Type valueType) {
  return VectorType::get({1}, cast<VectorType>(valueType).getElementType());
}

int64_t kred::getFormulaDim(Value value) {
  return cast<VectorType>(value.getType()).getDimSize(0);
}

OpDiagnostic::OpDiagnostic(std::optional<Location> loc, StringRef opName) {
  if (loc)
    diag.emplace(emitError(*loc) << "'" << opName << "' op ");
}

int64_t DimChecker::dim(unsigned index) const {
  return getFormulaDim(operands[index]);
}

Type DimChecker::elementType() const {
  return cast<VectorType>(operands[0].getType()).getElementType();
}

OpDiagnostic DimChecker::fail() {
  // Only the first violation is reported.
  OpDiagnostic diag(hasFailed ? std::optional<Location>() : loc, opName);
  hasFailed = true;
  return diag;
}

DimChecker &DimChecker::formulaOperands() {
  for (auto [k, v] : llvm::enumerate(operands)) {
    auto type = dyn_cast<VectorType>(v.getType());
    if (!type || type.getRank() != 1 || type.isScalable() ||
        !isa<FloatType>(type.getElementType())) {
      fail() << "operand #" << k << " has type " << v.getType()
             << ", expected a 1-D vector of floats";
      break;
    }
  }
  return *this;
}

DimChecker &DimChecker::sameElementType() {
  for (unsigned k = 1; k < operands.size() && !hasFailed; ++k) {
    Type t = cast<VectorType>(operands[k].getType()).getElementType();
    if (t != elementType())
      fail() << "operand #" << k << " has element type " << t << ", expected "
             << elementType() << " (the element type of operand #0)";
  }
  return *this;
}

DimChecker &DimChecker::dimIs(unsigned index, int64_t expected,
                              const Twine &why) {
  if (!hasFailed && dim(index) != expected)
    fail() << "operand #" << index << " has dimension " << dim(index)
           << ", expected " << expected << " (" << why << ")";
  return *this;
}

DimChecker &DimChecker::inRange(StringRef attr, int64_t value, int64_t lo,
                                int64_t hi) {
  if (!hasFailed && (value < lo || value > hi))
    fail() << "attribute '" << attr << "' is " << value
           << ", expected a value in [" << lo << ", " << hi << "]";
  return *this;
}

LogicalResult kred::inferFormulaType(
    std::optional<Location> loc, StringRef opName, ValueRange operands,
    SmallVectorImpl<Type> &types,
    function_ref<FailureOr<int64_t>(DimChecker &)> rule) {
  DimChecker check(loc, opName, operands);
  // Operand types first: inference runs on parsed types before the verifier.
  if (check.formulaOperands().sameElementType().failed())
    return failure();
  FailureOr<int64_t> dim = rule(check);
  if (failed(dim))
    return failure();
  types.push_back(VectorType::get({*dim}, check.elementType()));
  return success();
}

/// Operands of dimension D or 1: the result has dimension D.
FailureOr<int64_t> kred::inferBroadcastDim(DimChecker &check,
                                           unsigned numOperands) {
  int64_t resultDim = 1;
  unsigned widest = 0;
  for (unsigned k = 0; k < numOperands; ++k) {
    int64_t d = check.dim(k);
    if (d == 1 || d == resultDim)
      continue;
    if (resultDim != 1)
      return check.fail() << "operand #" << k << " has dimension " << d
                          << ", expected 1 or " << resultDim
                          << " (the dimension of operand #" << widest << ")";
    resultDim = d;
    widest = k;
  }
  return resultDim;
}

/// A weight (operand #0) of dimension 1, D or D*D for vectors of
/// dimension D; a scalar result.
FailureOr<int64_t> kred::checkWeight(DimChecker &check, int64_t d) {
  int64_t s = check.dim(0);
  if (check.failed() || s == 1 || s == d || s == d * d)
    return check.result(1);
  return check.fail() << "operand #0 (the weight) has dimension " << s
                      << ", expected 1, " << d << " or " << d * d
                      << " for vectors of dimension " << d;
}

/// A matrix operand of dimension n*p next to a vector of dimension p (or n).
FailureOr<int64_t> kred::inferMatrixProduct(DimChecker &check,
                                            unsigned matrixIndex) {
  unsigned vectorIndex = 1 - matrixIndex;
  int64_t m = check.dim(matrixIndex), v = check.dim(vectorIndex);
  if (m % v != 0)
    return check.fail() << "operand #" << matrixIndex
                        << " (the matrix) has dimension " << m
                        << ", expected a multiple of " << v
                        << " (the dimension of the vector, operand #"
                        << vectorIndex << ")";
  return m / v;
}

/// A tensor shape attribute: positive sizes whose product is the dimension
/// of operand `index`.
static LogicalResult checkShape(DimChecker &check, unsigned index,
                                StringRef attr, ArrayRef<int64_t> shape) {
  int64_t product = 1;
  for (int64_t s : shape) {
    if (s < 1)
      return check.fail() << "attribute '" << attr
                          << "' has a size " << s << ", expected sizes >= 1";
    product *= s;
  }
  if (shape.empty() || product != check.dim(index))
    return check.fail() << "attribute '" << attr << "' describes "
                        << product << " elements, but operand #" << index
                        << " has dimension " << check.dim(index);
  return success();
}

/// Contracted axes in range, unrepeated and of equal sizes; marks them used.
static LogicalResult checkContraction(DimChecker &check,
                                      ArrayRef<int64_t> shapeA,
                                      ArrayRef<int64_t> shapeB,
                                      ArrayRef<int64_t> contractA,
                                      ArrayRef<int64_t> contractB,
                                      llvm::SmallBitVector &usedA,
                                      llvm::SmallBitVector &usedB) {
  if (contractA.size() != contractB.size())
    return check.fail() << "contracts " << contractA.size()
                        << " axes of lhs with " << contractB.size()
                        << " axes of rhs, expected as many on each side";
  for (auto [a, b] : llvm::zip(contractA, contractB)) {
    if (a < 0 || a >= static_cast<int64_t>(shapeA.size()) || usedA[a])
      return check.fail() << "lhs contraction axis " << a
                          << " is out of range or repeated (lhs has rank "
                          << shapeA.size() << ")";
    if (b < 0 || b >= static_cast<int64_t>(shapeB.size()) || usedB[b])
      return check.fail() << "rhs contraction axis " << b
                          << " is out of range or repeated (rhs has rank "
                          << shapeB.size() << ")";
    if (shapeA[a] != shapeB[b])
      return check.fail() << "contracts lhs axis " << a << " of size "
                          << shapeA[a] << " with rhs axis " << b
                          << " of size " << shapeB[b];
    usedA.set(a);
    usedB.set(b);
  }
  return success();
}

/// A permutation of the `kept` axes.
static LogicalResult checkPermutation(DimChecker &check,
                                      ArrayRef<int64_t> perm, int64_t kept) {
  if (static_cast<int64_t>(perm.size()) != kept)
    return check.fail() << "permutation has " << perm.size()
                        << " entries, expected one per kept axis (" << kept
                        << ")";
  llvm::SmallBitVector seen(kept);
  for (int64_t p : perm) {
    if (p < 0 || p >= kept || seen[p])
      return check.fail() << "permutation entry " << p
                          << " is out of range or repeated, expected a "
                             "permutation of 0.."
                          << kept - 1;
    seen.set(p);
  }
  return success();
}

FailureOr<int64_t>
kred::inferTensorDot(DimChecker &check, ArrayRef<int64_t> shapeA,
                     ArrayRef<int64_t> shapeB, ArrayRef<int64_t> contractA,
                     ArrayRef<int64_t> contractB,
                     std::optional<ArrayRef<int64_t>> permutation) {
  llvm::SmallBitVector usedA(shapeA.size()), usedB(shapeB.size());
  if (failed(checkShape(check, 0, "lhs_shape", shapeA)) ||
      failed(checkShape(check, 1, "rhs_shape", shapeB)) ||
      failed(checkContraction(check, shapeA, shapeB, contractA, contractB,
                              usedA, usedB)))
    return failure();
  int64_t dim = 1;
  for (size_t k = 0; k < shapeA.size(); ++k)
    if (!usedA[k])
      dim *= shapeA[k];
  for (size_t k = 0; k < shapeB.size(); ++k)
    if (!usedB[k])
      dim *= shapeB[k];
  int64_t kept = static_cast<int64_t>(shapeA.size() + shapeB.size() -
                                      2 * contractA.size());
  if (permutation && failed(checkPermutation(check, *permutation, kept)))
    return failure();
  return dim;
}

FailureOr<int64_t> kred::inferKron(DimChecker &check, ArrayRef<int64_t> shapeA,
                                   ArrayRef<int64_t> shapeB) {
  if (failed(checkShape(check, 0, "lhs_shape", shapeA)) ||
      failed(checkShape(check, 1, "rhs_shape", shapeB)))
    return failure();
  if (shapeA.size() != shapeB.size())
    return check.fail() << "lhs_shape has rank " << shapeA.size()
                        << " and rhs_shape rank " << shapeB.size()
                        << ", expected equal ranks";
  return check.dim(0) * check.dim(1);
}
