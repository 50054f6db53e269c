//===- KredTypeInference.cpp - dimension rules of formula ops -------------===//
//
// Every formula op whose result dimension differs from its operand's infers
// it here; these functions are also where dimension mismatches are reported,
// at parse time and when the op is built or verified.
//
//===----------------------------------------------------------------------===//

#include "kred/Dialect/Kred/IR/KredOps.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;
using namespace kred;

VectorType kred::getScalarType(Type valueType) {
  return VectorType::get({1}, cast<VectorType>(valueType).getElementType());
}

int64_t kred::getFormulaDim(Value value) {
  return cast<VectorType>(value.getType()).getDimSize(0);
}

namespace {

/// A diagnostic "'kred.op' op ..." at a location, when one is known (type
/// inference may run without one); converts to failure either way.
class OpDiagnostic {
public:
  OpDiagnostic(std::optional<Location> loc, StringRef opName) {
    if (loc)
      diag.emplace(emitError(*loc) << "'" << opName << "' op ");
  }
  template <typename T>
  OpDiagnostic &operator<<(T &&arg) {
    if (diag)
      *diag << std::forward<T>(arg);
    return *this;
  }
  operator LogicalResult() const { return failure(); }

private:
  std::optional<InFlightDiagnostic> diag;
};

/// Checks an op's operands and reports the first violation of its dimension
/// rules at `loc`, in the form "'kred.op' op <what>".
class DimChecker {
public:
  DimChecker(std::optional<Location> loc, StringRef opName, ValueRange operands)
      : loc(loc), opName(opName), operands(operands) {}

  /// Every operand is a formula value (a 1-D vector of floats): checked
  /// first, since inference runs on parsed types before the verifier.
  LogicalResult formulaOperands() const {
    for (auto [k, v] : llvm::enumerate(operands)) {
      auto type = dyn_cast<VectorType>(v.getType());
      if (!type || type.getRank() != 1 || type.isScalable() ||
          !isa<FloatType>(type.getElementType()))
        return fail() << "operand #" << k << " has type " << v.getType()
                      << ", expected a 1-D vector of floats";
    }
    return success();
  }

  int64_t dim(unsigned index) const { return getFormulaDim(operands[index]); }
  Type elementType() const {
    return cast<VectorType>(operands[0].getType()).getElementType();
  }

  /// All operands share one element type.
  LogicalResult sameElementType() const {
    for (unsigned k = 1; k < operands.size(); ++k) {
      Type t = cast<VectorType>(operands[k].getType()).getElementType();
      if (t != elementType())
        return fail() << "operand #" << k << " has element type " << t
                      << ", expected " << elementType()
                      << " (the element type of operand #0)";
    }
    return success();
  }

  /// Operand `index` has dimension `expected`, explained by `why`.
  LogicalResult expectDim(unsigned index, int64_t expected,
                          const Twine &why) const {
    if (dim(index) == expected)
      return success();
    return fail() << "operand #" << index << " has dimension " << dim(index)
                  << ", expected " << expected << " (" << why << ")";
  }

  /// A non-negative integer attribute within [lo, hi].
  LogicalResult expectInRange(StringRef attr, int64_t value, int64_t lo,
                              int64_t hi) const {
    if (value >= lo && value <= hi)
      return success();
    return fail() << "attribute '" << attr << "' is " << value
                  << ", expected a value in [" << lo << ", " << hi << "]";
  }

  OpDiagnostic fail() const { return {loc, opName}; }

  /// The inferred result `vector<dim x T>`.
  LogicalResult result(int64_t resultDim, SmallVectorImpl<Type> &types) const {
    types.push_back(VectorType::get({resultDim}, elementType()));
    return success();
  }

private:
  std::optional<Location> loc;
  StringRef opName;
  ValueRange operands;
};

} // namespace

LogicalResult kred::inferBroadcastType(std::optional<Location> loc,
                                       StringRef opName, ValueRange operands,
                                       SmallVectorImpl<Type> &types) {
  DimChecker check(loc, opName, operands);
  if (failed(check.formulaOperands()))
    return failure();
  if (failed(check.sameElementType()))
    return failure();
  int64_t resultDim = 1;
  unsigned widest = 0;
  for (unsigned k = 0; k < operands.size(); ++k) {
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
  return check.result(resultDim, types);
}

//===----------------------------------------------------------------------===//
// Vector ops
//===----------------------------------------------------------------------===//

LogicalResult SumTOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  int64_t dim = static_cast<int64_t>(adaptor.getDim());
  if (failed(check.expectDim(0, 1, "kred.sum_t broadcasts a scalar")) ||
      failed(check.expectInRange("dim", dim, 1, kMaxFormulaDim)))
    return failure();
  return check.result(dim, types);
}

/// Ops of two vectors of one dimension, giving a scalar.
static LogicalResult inferPairToScalar(std::optional<Location> loc,
                                       StringRef opName, ValueRange operands,
                                       SmallVectorImpl<Type> &types) {
  DimChecker check(loc, opName, operands);
  if (failed(check.formulaOperands()))
    return failure();
  if (failed(check.sameElementType()) ||
      failed(check.expectDim(1, check.dim(0), "the dimension of operand #0")))
    return failure();
  return check.result(1, types);
}

LogicalResult SqDistOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  return inferPairToScalar(loc, getOperationName(), adaptor.getOperands(),
                           types);
}

LogicalResult ScalprodOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  return inferPairToScalar(loc, getOperationName(), adaptor.getOperands(),
                           types);
}

/// A weight of dimension 1, D or D*D for vectors of dimension D.
static LogicalResult checkWeight(const DimChecker &check, int64_t d) {
  int64_t s = check.dim(0);
  if (s == 1 || s == d || s == d * d)
    return success();
  return check.fail() << "operand #0 (the weight) has dimension " << s
                      << ", expected 1, " << d << " or " << d * d
                      << " for vectors of dimension " << d;
}

LogicalResult WeightedSqNormOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  if (failed(check.sameElementType()) || failed(checkWeight(check, check.dim(1))))
    return failure();
  return check.result(1, types);
}

LogicalResult WeightedSqDistOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  if (failed(check.sameElementType()) ||
      failed(check.expectDim(2, check.dim(1), "the dimension of operand #1")) ||
      failed(checkWeight(check, check.dim(1))))
    return failure();
  return check.result(1, types);
}

//===----------------------------------------------------------------------===//
// Indexing
//===----------------------------------------------------------------------===//

LogicalResult ElemOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  if (failed(check.expectInRange("index", static_cast<int64_t>(adaptor.getIndex()),
                                 0, check.dim(0) - 1)))
    return failure();
  return check.result(1, types);
}

LogicalResult ElemTOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  int64_t dim = static_cast<int64_t>(adaptor.getDim());
  if (failed(check.expectDim(0, 1, "kred.elem_t places a scalar")) ||
      failed(check.expectInRange("dim", dim, 1, kMaxFormulaDim)) ||
      failed(check.expectInRange("index", static_cast<int64_t>(adaptor.getIndex()),
                                 0, dim - 1)))
    return failure();
  return check.result(dim, types);
}

LogicalResult ExtractOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  int64_t start = static_cast<int64_t>(adaptor.getStart());
  int64_t length = static_cast<int64_t>(adaptor.getLength());
  if (failed(check.expectInRange("start", start, 0, check.dim(0) - 1)) ||
      failed(check.expectInRange("length", length, 1, check.dim(0) - start)))
    return failure();
  return check.result(length, types);
}

LogicalResult ExtractTOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  int64_t start = static_cast<int64_t>(adaptor.getStart());
  int64_t dim = static_cast<int64_t>(adaptor.getDim());
  if (failed(check.expectInRange("dim", dim, check.dim(0), kMaxFormulaDim)) ||
      failed(check.expectInRange("start", start, 0, dim - check.dim(0))))
    return failure();
  return check.result(dim, types);
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  if (failed(check.sameElementType()))
    return failure();
  return check.result(check.dim(0) + check.dim(1), types);
}

LogicalResult OneHotOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  int64_t dim = static_cast<int64_t>(adaptor.getDim());
  if (failed(check.expectDim(0, 1, "kred.one_hot encodes a scalar")) ||
      failed(check.expectInRange("dim", dim, 1, kMaxFormulaDim)))
    return failure();
  return check.result(dim, types);
}

//===----------------------------------------------------------------------===//
// Tensor algebra
//===----------------------------------------------------------------------===//

/// A matrix operand of dimension n*p next to a vector of dimension p (or n).
static LogicalResult inferMatrixProduct(const DimChecker &check,
                                        unsigned matrixIndex,
                                        SmallVectorImpl<Type> &types) {
  unsigned vectorIndex = 1 - matrixIndex;
  int64_t m = check.dim(matrixIndex), v = check.dim(vectorIndex);
  if (failed(check.sameElementType()))
    return failure();
  if (m % v != 0)
    return check.fail() << "operand #" << matrixIndex
                        << " (the matrix) has dimension " << m
                        << ", expected a multiple of " << v
                        << " (the dimension of the vector, operand #"
                        << vectorIndex << ")";
  return check.result(m / v, types);
}

LogicalResult MatVecMultOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  return inferMatrixProduct(
      DimChecker(loc, getOperationName(), adaptor.getOperands()), 0, types);
}

LogicalResult VecMatMultOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  return inferMatrixProduct(
      DimChecker(loc, getOperationName(), adaptor.getOperands()), 1, types);
}

LogicalResult TensorProdOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  if (failed(check.sameElementType()))
    return failure();
  return check.result(check.dim(0) * check.dim(1), types);
}

/// A tensor shape attribute: positive sizes whose product is the dimension
/// of operand `index`.
static LogicalResult checkShape(const DimChecker &check, unsigned index,
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

LogicalResult TensorDotOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  ArrayRef<int64_t> shapeA = adaptor.getLhsShape(),
                    shapeB = adaptor.getRhsShape();
  ArrayRef<int64_t> contractA = adaptor.getLhsContract(),
                    contractB = adaptor.getRhsContract();
  if (failed(check.sameElementType()) ||
      failed(checkShape(check, 0, "lhs_shape", shapeA)) ||
      failed(checkShape(check, 1, "rhs_shape", shapeB)))
    return failure();
  if (contractA.size() != contractB.size())
    return check.fail() << "contracts " << contractA.size()
                        << " axes of lhs with " << contractB.size()
                        << " axes of rhs, expected as many on each side";
  llvm::SmallBitVector usedA(shapeA.size()), usedB(shapeB.size());
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
  int64_t dim = 1;
  for (size_t k = 0; k < shapeA.size(); ++k)
    if (!usedA[k])
      dim *= shapeA[k];
  for (size_t k = 0; k < shapeB.size(); ++k)
    if (!usedB[k])
      dim *= shapeB[k];
  if (std::optional<ArrayRef<int64_t>> perm = adaptor.getPermutation()) {
    int64_t kept = static_cast<int64_t>(shapeA.size() + shapeB.size() -
                                        2 * contractA.size());
    if (static_cast<int64_t>(perm->size()) != kept)
      return check.fail() << "permutation has " << perm->size()
                          << " entries, expected one per kept axis (" << kept
                          << ")";
    llvm::SmallBitVector seen(kept);
    for (int64_t p : *perm) {
      if (p < 0 || p >= kept || seen[p])
        return check.fail() << "permutation entry " << p
                            << " is out of range or repeated, expected a "
                               "permutation of 0.."
                            << kept - 1;
      seen.set(p);
    }
  }
  return check.result(dim, types);
}

LogicalResult KronOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  ArrayRef<int64_t> shapeA = adaptor.getLhsShape(),
                    shapeB = adaptor.getRhsShape();
  if (failed(check.sameElementType()) ||
      failed(checkShape(check, 0, "lhs_shape", shapeA)) ||
      failed(checkShape(check, 1, "rhs_shape", shapeB)))
    return failure();
  if (shapeA.size() != shapeB.size())
    return check.fail() << "lhs_shape has rank " << shapeA.size()
                        << " and rhs_shape rank " << shapeB.size()
                        << ", expected equal ranks";
  return check.result(check.dim(0) * check.dim(1), types);
}

//===----------------------------------------------------------------------===//
// Derivatives
//===----------------------------------------------------------------------===//

LogicalResult GradOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  if (failed(check.sameElementType()) ||
      failed(check.expectDim(2, check.dim(0),
                             "the gradient input has the dimension of the "
                             "formula, operand #0")))
    return failure();
  return check.result(check.dim(1), types);
}

LogicalResult DiffOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  if (failed(check.sameElementType()) ||
      failed(check.expectDim(2, check.dim(1),
                             "the direction has the dimension of the "
                             "variable, operand #1")))
    return failure();
  return check.result(check.dim(0), types);
}

LogicalResult LaplacianOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  if (failed(check.sameElementType()) ||
      failed(check.expectDim(0, 1, "the Laplacian is defined for scalar "
                                   "formulas")))
    return failure();
  return check.result(1, types);
}

LogicalResult DivergenceOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  DimChecker check(loc, getOperationName(), adaptor.getOperands());
  if (failed(check.formulaOperands()))
    return failure();
  if (failed(check.sameElementType()) ||
      failed(check.expectDim(0, check.dim(1),
                             "the divergence takes a formula of the "
                             "dimension of the variable, operand #1")))
    return failure();
  return check.result(1, types);
}
