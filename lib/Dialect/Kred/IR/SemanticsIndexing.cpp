//===- SemanticsIndexing.cpp - ops that move components around ------------===//
//
// Pure data movement: no arithmetic except one_hot, which compares
// round(x) with each index (NaN and out-of-range indices give zeros).
//
//===----------------------------------------------------------------------===//

#include "FormulaSemantics.h"

using namespace mlir;
using namespace kred;
using namespace kred::semantics;

template <typename A>
static Vec<A> computeSumT(SumTOp op, A &, Args<A> args) {
  return Vec<A>(op.getDim(), args[0][0]);
}
KRED_SEMANTICS(SumTOp, computeSumT)

template <typename A>
static Vec<A> computeElem(ElemOp op, A &, Args<A> args) {
  return scalar<A>(args[0][op.getIndex()]);
}
KRED_SEMANTICS(ElemOp, computeElem)

template <typename A>
static Vec<A> computeElemT(ElemTOp op, A &a, Args<A> args) {
  Vec<A> out(op.getDim(), a.cst(0.0));
  out[op.getIndex()] = args[0][0];
  return out;
}
KRED_SEMANTICS(ElemTOp, computeElemT)

template <typename A>
static Vec<A> computeExtract(ExtractOp op, A &, Args<A> args) {
  auto first = args[0].begin() + op.getStart();
  return Vec<A>(first, first + op.getLength());
}
KRED_SEMANTICS(ExtractOp, computeExtract)

template <typename A>
static Vec<A> computeExtractT(ExtractTOp op, A &a, Args<A> args) {
  Vec<A> out(op.getDim(), a.cst(0.0));
  llvm::copy(args[0], out.begin() + op.getStart());
  return out;
}
KRED_SEMANTICS(ExtractTOp, computeExtractT)

template <typename A>
static Vec<A> computeConcat(ConcatOp, A &, Args<A> args) {
  Vec<A> out(args[0]);
  out.append(args[1].begin(), args[1].end());
  return out;
}
KRED_SEMANTICS(ConcatOp, computeConcat)

template <typename A>
static Vec<A> computeOneHot(OneHotOp op, A &a, Args<A> args) {
  Scalar<A> r = a.round(args[0][0]);
  Vec<A> out;
  for (int64_t k = 0, e = op.getDim(); k < e; ++k)
    out.push_back(boolToFloat(
        a, a.cmp(CmpFPredicate::OEQ, r, a.cst(static_cast<double>(k)))));
  return out;
}
KRED_SEMANTICS(OneHotOp, computeOneHot)

//===----------------------------------------------------------------------===//
// Derivative rules: each op's cotangent is its adjoint op.
//===----------------------------------------------------------------------===//

KRED_VJP(SumTOp, d.create<SumOp>(g))
KRED_VJP(ElemOp, d.create<ElemTOp>(g, getFormulaDim(x), op.getIndex()))
KRED_VJP(ElemTOp, d.create<ElemOp>(g, op.getIndex()))
KRED_VJP(ExtractOp, d.create<ExtractTOp>(g, op.getStart(), getFormulaDim(x)))
KRED_VJP(ExtractTOp, d.create<ExtractOp>(g, op.getStart(), getFormulaDim(x)))
KRED_VJP(ConcatOp, d.create<ExtractOp>(g, 0, getFormulaDim(x)),
         d.create<ExtractOp>(g, getFormulaDim(x), getFormulaDim(y)))
KRED_ZERO_VJP(OneHotOp)
