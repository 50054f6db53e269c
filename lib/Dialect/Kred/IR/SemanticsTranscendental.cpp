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
KRED_UNARY_SEMANTICS(XLogXOp, a.select(a.cmp(CP::OEQ, x, a.cst(0.0)),
                                       a.cst(0.0), a.mul(x, a.log(x))))
KRED_UNARY_SEMANTICS(SinOp, a.sin(x))
KRED_UNARY_SEMANTICS(CosOp, a.cos(x))
KRED_UNARY_SEMANTICS(AsinOp, a.asin(x))
KRED_UNARY_SEMANTICS(AcosOp, a.acos(x))
KRED_UNARY_SEMANTICS(AtanOp, a.atan(x))
KRED_UNARY_SEMANTICS(SinXDivXOp, a.select(a.cmp(CP::OEQ, x, a.cst(0.0)),
                                          a.cst(1.0), a.div(a.sin(x), x)))
