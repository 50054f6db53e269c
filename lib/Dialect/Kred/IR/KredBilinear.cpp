//===- KredBilinear.cpp - index plans of the bilinear formula ops ---------===//
//
// matvecmult, vecmatmult, tensorprod, tensordot and kron all compute each
// output component as a sum of products lhs[a] * rhs[b]. The list of (a, b)
// pairs per component is their whole meaning; the evaluator and the code
// generators share it.
//
//===----------------------------------------------------------------------===//

#include "kred/Dialect/Kred/IR/KredOps.h"

#include "llvm/ADT/Sequence.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kred;

static SmallVector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t k = static_cast<int64_t>(shape.size()) - 2; k >= 0; --k)
    strides[k] = strides[k + 1] * shape[k + 1];
  return strides;
}

/// Advances a row-major multi-index over `shape`; false once it wraps.
static bool nextIndex(SmallVectorImpl<int64_t> &index,
                      ArrayRef<int64_t> shape) {
  for (int64_t k = static_cast<int64_t>(shape.size()) - 1; k >= 0; --k) {
    if (++index[k] < shape[k])
      return true;
    index[k] = 0;
  }
  return false;
}

static BilinearTerms tensorDotTerms(TensorDotOp op) {
  ArrayRef<int64_t> shapeA = op.getLhsShape(), shapeB = op.getRhsShape();
  ArrayRef<int64_t> contractA = op.getLhsContract(),
                    contractB = op.getRhsContract();
  SmallVector<int64_t> freeA, freeB, outShape, sumShape;
  for (int64_t k = 0, e = shapeA.size(); k < e; ++k)
    if (!llvm::is_contained(contractA, k))
      freeA.push_back(k), outShape.push_back(shapeA[k]);
  for (int64_t k = 0, e = shapeB.size(); k < e; ++k)
    if (!llvm::is_contained(contractB, k))
      freeB.push_back(k), outShape.push_back(shapeB[k]);
  for (int64_t k : contractA)
    sumShape.push_back(shapeA[k]);
  SmallVector<int64_t> stridesA = rowMajorStrides(shapeA),
                       stridesB = rowMajorStrides(shapeB);
  // Kept axis k is result axis perm[k]: the result walks the permuted shape
  // in row-major order, and `keptIndex` recovers the kept axes' indices.
  SmallVector<int64_t> perm = llvm::to_vector(
      op.getPermutation().value_or(ArrayRef<int64_t>{}));
  if (perm.empty())
    perm = llvm::to_vector(llvm::seq<int64_t>(0, outShape.size()));
  SmallVector<int64_t> resultShape(outShape.size());
  for (size_t k = 0; k < outShape.size(); ++k)
    resultShape[perm[k]] = outShape[k];

  BilinearTerms terms;
  SmallVector<int64_t> resultIndex(outShape.size(), 0),
      outIndex(outShape.size(), 0);
  do {
    for (size_t k = 0; k < outShape.size(); ++k)
      outIndex[k] = resultIndex[perm[k]];
    int64_t baseA = 0, baseB = 0;
    for (size_t k = 0; k < freeA.size(); ++k)
      baseA += outIndex[k] * stridesA[freeA[k]];
    for (size_t k = 0; k < freeB.size(); ++k)
      baseB += outIndex[freeA.size() + k] * stridesB[freeB[k]];
    auto &component = terms.emplace_back();
    SmallVector<int64_t> sumIndex(sumShape.size(), 0);
    do {
      int64_t offA = baseA, offB = baseB;
      for (size_t k = 0; k < sumShape.size(); ++k) {
        offA += sumIndex[k] * stridesA[contractA[k]];
        offB += sumIndex[k] * stridesB[contractB[k]];
      }
      component.push_back({offA, offB});
    } while (nextIndex(sumIndex, sumShape));
  } while (nextIndex(resultIndex, resultShape));
  return terms;
}

static BilinearTerms kronTerms(KronOp op) {
  ArrayRef<int64_t> shapeA = op.getLhsShape(), shapeB = op.getRhsShape();
  SmallVector<int64_t> outShape;
  for (size_t k = 0; k < shapeA.size(); ++k)
    outShape.push_back(shapeA[k] * shapeB[k]);
  SmallVector<int64_t> stridesA = rowMajorStrides(shapeA),
                       stridesB = rowMajorStrides(shapeB);
  BilinearTerms terms;
  SmallVector<int64_t> index(outShape.size(), 0);
  do {
    int64_t offA = 0, offB = 0;
    for (size_t k = 0; k < outShape.size(); ++k) {
      offA += (index[k] / shapeB[k]) * stridesA[k];
      offB += (index[k] % shapeB[k]) * stridesB[k];
    }
    terms.push_back({{offA, offB}});
  } while (nextIndex(index, outShape));
  return terms;
}

std::optional<BilinearTerms> kred::getBilinearTerms(Operation *op) {
  if (op->getNumOperands() != 2)
    return std::nullopt;
  int64_t dimA = getFormulaDim(op->getOperand(0));
  int64_t dimB = getFormulaDim(op->getOperand(1));
  return llvm::TypeSwitch<Operation *, std::optional<BilinearTerms>>(op)
      // Matrices are row-major, as in KeOps 2 (entry (r, c) of an n x p
      // matrix is component r * p + c).
      .Case([&](MatVecMultOp) {
        int64_t p = dimB, n = dimA / p;
        BilinearTerms terms(n);
        for (int64_t r = 0; r < n; ++r)
          for (int64_t c = 0; c < p; ++c)
            terms[r].push_back({r * p + c, c});
        return terms;
      })
      .Case([&](VecMatMultOp) {
        int64_t n = dimA, p = dimB / n;
        BilinearTerms terms(p);
        for (int64_t c = 0; c < p; ++c)
          for (int64_t r = 0; r < n; ++r)
            terms[c].push_back({r, r * p + c});
        return terms;
      })
      .Case([&](TensorProdOp) {
        BilinearTerms terms;
        for (int64_t a = 0; a < dimA; ++a)
          for (int64_t b = 0; b < dimB; ++b)
            terms.push_back({{a, b}});
        return terms;
      })
      .Case([&](TensorDotOp t) { return tensorDotTerms(t); })
      .Case([&](KronOp k) { return kronTerms(k); })
      .Default([](Operation *) { return std::nullopt; });
}
