//===- KredFolds.cpp - folds and canonicalization of formula ops ----------===//
//
// Constant folding evaluates ops on constant operands (FormulaOpInterface).
// The algebraic identities below are KeOps' symbolic simplifications: they
// hold over the reals, and like KeOps they may differ from step-by-step IEEE
// evaluation at NaN, infinities and signed zeros (e.g. exp(log(x)) -> x).
//
//===----------------------------------------------------------------------===//

#include "kred/Dialect/Kred/IR/KredEvaluate.h"
#include "kred/Dialect/Kred/IR/KredOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace kred;

//===----------------------------------------------------------------------===//
// Constant folding
//===----------------------------------------------------------------------===//

static double toDouble(APFloat value) {
  bool losesInfo = false;
  value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                &losesInfo);
  return value.convertToDouble();
}

DenseFPElementsAttr kred::getFormulaConstant(VectorType type,
                                             ArrayRef<double> values) {
  const llvm::fltSemantics &semantics =
      cast<FloatType>(type.getElementType()).getFloatSemantics();
  SmallVector<APFloat> elements;
  for (double v : values) {
    APFloat f(v);
    bool losesInfo = false;
    f.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
    elements.push_back(f);
  }
  return cast<DenseFPElementsAttr>(DenseElementsAttr::get(type, elements));
}

OpFoldResult kred::foldByEvaluation(Operation *op,
                                    ArrayRef<Attribute> operands) {
  // Large constants would bloat the IR for no gain.
  constexpr int64_t kMaxFoldedDim = 1024;
  if (getFormulaDim(op->getResult(0)) > kMaxFoldedDim)
    return {};
  SmallVector<FormulaVector> values;
  for (Attribute attr : operands) {
    auto dense = dyn_cast_or_null<DenseFPElementsAttr>(attr);
    if (!dense)
      return {};
    FormulaVector value;
    for (APFloat f : dense.getValues<APFloat>())
      value.push_back(toDouble(f));
    values.push_back(std::move(value));
  }
  FailureOr<FormulaVector> result = evaluateFormulaOp(op, values);
  if (failed(result))
    return {};
  auto folded = cast<DenseFPElementsAttr>(getFormulaConstant(
      cast<VectorType>(op->getResult(0).getType()), *result));
  // A result that overflows (or is 0/0) from finite operands is left to run
  // time, which gives the same IEEE value: folding it would hide where it
  // comes from.
  auto finite = [](DenseFPElementsAttr a) {
    return llvm::all_of(a.getValues<APFloat>(),
                        [](const APFloat &f) { return f.isFinite(); });
  };
  bool finiteOperands = llvm::all_of(operands, [&](Attribute attr) {
    return finite(cast<DenseFPElementsAttr>(attr));
  });
  if (finiteOperands && !finite(folded))
    return {};
  return folded;
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Algebraic identities that return an existing value
//===----------------------------------------------------------------------===//

/// Whether `attr` is a constant whose components all equal `value`.
static bool isSplatOf(Attribute attr, double value) {
  auto dense = dyn_cast_or_null<DenseFPElementsAttr>(attr);
  return dense && dense.isSplat() &&
         toDouble(dense.getSplatValue<APFloat>()) == value;
}

/// `x op c` folds to `x` when c is the neutral splat and no broadcast changes
/// the type of x.
static Value foldNeutralOperand(Value x, Attribute c, double neutral,
                                Type result) {
  return isSplatOf(c, neutral) && x.getType() == result ? x : Value();
}

Value kred::foldNeutral(Operation *op, ArrayRef<Attribute> constants,
                        double neutral, bool commutative) {
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  Type result = op->getResult(0).getType();
  if (Value x = foldNeutralOperand(lhs, constants[1], neutral, result))
    return x;
  return commutative ? foldNeutralOperand(rhs, constants[0], neutral, result)
                     : Value();
}

//===----------------------------------------------------------------------===//
// Canonicalization patterns
//===----------------------------------------------------------------------===//

/// `op(x, x) -> NewOp(x)`.
template <typename Op, typename NewOp>
static void addSameOperandsRewrite(RewritePatternSet &results) {
  results.add(+[](Op op, PatternRewriter &rewriter) -> LogicalResult {
    if (op.getLhs() != op.getRhs())
      return failure();
    rewriter.replaceOpWithNewOp<NewOp>(op, op.getLhs());
    return success();
  });
}

/// A constant of the type of `like` whose components all equal `value`.
static Value createSplat(PatternRewriter &rewriter, Location loc, Type like,
                         double value) {
  auto type = cast<VectorType>(like);
  SmallVector<double> values(type.getDimSize(0), value);
  return ConstantOp::create(rewriter, loc, type,
                            getFormulaConstant(type, values));
}

void AddOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *) {
  // x + (-y) -> x - y
  results.add(+[](AddOp op, PatternRewriter &rewriter) -> LogicalResult {
    for (auto [x, y] : {std::pair(op.getLhs(), op.getRhs()),
                        std::pair(op.getRhs(), op.getLhs())}) {
      if (auto minus = y.getDefiningOp<MinusOp>()) {
        rewriter.replaceOpWithNewOp<SubOp>(op, x, minus.getX());
        return success();
      }
    }
    return failure();
  });
}

void SubOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *) {
  // x - (-y) -> x + y
  results.add(+[](SubOp op, PatternRewriter &rewriter) -> LogicalResult {
    auto minus = op.getRhs().getDefiningOp<MinusOp>();
    if (!minus)
      return failure();
    rewriter.replaceOpWithNewOp<AddOp>(op, op.getLhs(), minus.getX());
    return success();
  });
}

void MulOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *) {
  // x * x -> square(x)
  addSameOperandsRewrite<MulOp, SquareOp>(results);
  // (-1) * x -> -x
  results.add(+[](MulOp op, PatternRewriter &rewriter) -> LogicalResult {
    for (auto [c, x] : {std::pair(op.getLhs(), op.getRhs()),
                        std::pair(op.getRhs(), op.getLhs())}) {
      Attribute attr;
      if (matchPattern(c, m_Constant(&attr)) && isSplatOf(attr, -1.0) &&
          x.getType() == op.getType()) {
        rewriter.replaceOpWithNewOp<MinusOp>(op, x);
        return success();
      }
    }
    return failure();
  });
}

void DivOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *) {
  // x / c -> x * (1 / c) where every 1 / c is exact (c a power of two):
  // the same results, and a multiplication costs a fraction of a division
  // (GeomLoss' SqDist(X, Y) / IntCst(2)).
  results.add(+[](DivOp op, PatternRewriter &rewriter) -> LogicalResult {
    DenseFPElementsAttr divisors;
    if (!matchPattern(op.getRhs(), m_Constant(&divisors)))
      return failure();
    SmallVector<APFloat> reciprocals;
    for (APFloat divisor : divisors.getValues<APFloat>()) {
      APFloat reciprocal(divisor.getSemantics(), 1);
      if (divisor.isZero() ||
          reciprocal.divide(divisor, APFloat::rmNearestTiesToEven) !=
              APFloat::opOK)
        return failure();
      reciprocals.push_back(reciprocal);
    }
    Value factor = ConstantOp::create(
        rewriter, op.getLoc(), op.getRhs().getType(),
        DenseFPElementsAttr::get(divisors.getType(), reciprocals));
    rewriter.replaceOpWithNewOp<MulOp>(op, op.getLhs(), factor);
    return success();
  });
}

void PowOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *) {
  // pow(x, 2) -> square(x), pow(x, -1) -> inv(x), pow(x, 0) -> 1
  results.add(+[](PowOp op, PatternRewriter &rewriter) -> LogicalResult {
    switch (static_cast<int64_t>(op.getExponent())) {
    case 2:
      rewriter.replaceOpWithNewOp<SquareOp>(op, op.getX());
      return success();
    case -1:
      rewriter.replaceOpWithNewOp<InvOp>(op, op.getX());
      return success();
    case 0:
      rewriter.replaceOp(
          op, createSplat(rewriter, op.getLoc(), op.getType(), 1.0));
      return success();
    default:
      return failure();
    }
  });
}

void PowfOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *) {
  // powf(x, c) with c a scalar integer constant -> pow(x, c); powf(x, 0.5)
  // -> sqrt(x)
  results.add(+[](PowfOp op, PatternRewriter &rewriter) -> LogicalResult {
    Attribute attr;
    if (!matchPattern(op.getRhs(), m_Constant(&attr)) ||
        op.getLhs().getType() != op.getType())
      return failure();
    auto dense = dyn_cast<DenseFPElementsAttr>(attr);
    if (!dense || !dense.isSplat())
      return failure();
    double c = toDouble(dense.getSplatValue<APFloat>());
    if (c == 0.5) {
      rewriter.replaceOpWithNewOp<SqrtOp>(op, op.getLhs());
      return success();
    }
    if (c != std::trunc(c) || std::fabs(c) > 64)
      return failure();
    rewriter.replaceOpWithNewOp<PowOp>(op, op.getLhs(),
                                       static_cast<int64_t>(c));
    return success();
  });
}

void SqrtOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *) {
  // sqrt(sqnorm2(x)) -> norm2(x)
  results.add(+[](SqrtOp op, PatternRewriter &rewriter) -> LogicalResult {
    auto sq = op.getX().getDefiningOp<SqNorm2Op>();
    if (!sq)
      return failure();
    rewriter.replaceOpWithNewOp<Norm2Op>(op, sq.getX());
    return success();
  });
  // sqrt(square(x)) -> abs(x)
  results.add(+[](SqrtOp op, PatternRewriter &rewriter) -> LogicalResult {
    auto sq = op.getX().getDefiningOp<SquareOp>();
    if (!sq)
      return failure();
    rewriter.replaceOpWithNewOp<AbsOp>(op, sq.getX());
    return success();
  });
}

void SqNorm2Op::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *) {
  // sqnorm2(x - y) -> sqdist(x, y), when x and y have one dimension
  results.add(+[](SqNorm2Op op, PatternRewriter &rewriter) -> LogicalResult {
    auto sub = op.getX().getDefiningOp<SubOp>();
    if (!sub || sub.getLhs().getType() != sub.getRhs().getType())
      return failure();
    rewriter.replaceOpWithNewOp<SqDistOp>(op, sub.getLhs(), sub.getRhs());
    return success();
  });
}

void ScalprodOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                             MLIRContext *) {
  // (x | x) -> sqnorm2(x)
  addSameOperandsRewrite<ScalprodOp, SqNorm2Op>(results);
}
