//===- SemanticsTranscendental.cpp - exp, log and trigonometric ops -------===//
//
// IEEE semantics of the C library, plus KeOps' limits at 0: x log x = 0 and
// sin(x) / x = 1.
//
//===----------------------------------------------------------------------===//

#include "FormulaSemantics.h"

using namespace mlir;
using namespace kred;
using namespace kred::semantics;
using CP = CmpFPredicate;

KRED_UNARY_SEMANTICS(ExpOp, a.exp(x))
KRED_UNARY_SEMANTICS(Exp2Op, a.exp2(x))
KRED_UNARY_SEMANTICS(LogOp, a.log(x))
unsigned ExpOp::getLaneConstantCount() { return kExpLaneConstants; }
unsigned Exp2Op::getLaneConstantCount() { return kExpLaneConstants; }
KRED_UNARY_SEMANTICS(XLogXOp, a.select(a.cmp(CP::OEQ, x, a.cst(0.0)),
                                       a.cst(0.0), a.mul(x, a.log(x))))
KRED_UNARY_SEMANTICS(SinOp, a.sin(x))
KRED_UNARY_SEMANTICS(CosOp, a.cos(x))
KRED_UNARY_SEMANTICS(AsinOp, a.asin(x))
KRED_UNARY_SEMANTICS(AcosOp, a.acos(x))
KRED_UNARY_SEMANTICS(AtanOp, a.atan(x))
KRED_UNARY_SEMANTICS(SinXDivXOp, a.select(a.cmp(CP::OEQ, x, a.cst(0.0)),
                                          a.cst(1.0), a.div(a.sin(x), x)))

//===----------------------------------------------------------------------===//
// Derivative rules
//===----------------------------------------------------------------------===//

KRED_VJP(ExpOp, d.mul(g, r))
KRED_VJP(Exp2Op, d.mul(g, d.mul(r, d.cst(r, std::log(2.0)))))
KRED_VJP(LogOp, d.div(g, x))
KRED_VJP(XLogXOp, d.mul(g, d.add(d.create<LogOp>(x), d.cst(x, 1.0))))
KRED_VJP(SinOp, d.mul(g, d.create<CosOp>(x)))
KRED_VJP(CosOp, d.neg(d.mul(g, d.create<SinOp>(x))))
KRED_VJP(AsinOp,
         d.mul(g, d.create<RsqrtOp>(d.sub(d.cst(x, 1.0), d.mul(x, x)))))
KRED_VJP(AcosOp, d.neg(d.mul(
                     g, d.create<RsqrtOp>(d.sub(d.cst(x, 1.0), d.mul(x, x))))))
KRED_VJP(AtanOp, d.div(g, d.add(d.cst(x, 1.0), d.mul(x, x))))
// (cos x - sin x / x) / x, and its limit 0 at x = 0 (if_else picks the
// first branch where -|x| >= 0).
KRED_VJP(SinXDivXOp,
         d.mul(g, d.create<IfElseOp>(
                      d.neg(d.create<AbsOp>(x)), d.zerosLike(x),
                      d.div(d.sub(d.create<CosOp>(x), r), x))))
