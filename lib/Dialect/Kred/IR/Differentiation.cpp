//===- Differentiation.cpp - reverse mode over formula op rules -----------===//
//
// A formula is a straight-line block, so reverse mode is one backward walk
// over the ops between the variable and the result, accumulating
// cotangents. Everything else is built on it: Diff(f, x, u) = J u is the
// gradient, with respect to a placeholder cotangent e, of <J^T e, u> (the
// reverse product is linear in e, so the placeholder drops out);
// Divergence sums one reverse product per component; the Laplacian is the
// divergence of the gradient. Simplification (canonicalize, CSE) afterwards
// shares the subexpressions the walks repeat.
//
//===----------------------------------------------------------------------===//

#include "kred/Dialect/Kred/IR/Differentiation.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kred;

Value DerivativeBuilder::cst(Value like, double value, int64_t dim) {
  auto type = VectorType::get(
      {dim}, cast<VectorType>(like.getType()).getElementType());
  return ConstantOp::create(
      b, loc, type,
      getFormulaConstant(type, SmallVector<double>(dim, value)));
}
Value DerivativeBuilder::add(Value x, Value y) { return create<AddOp>(x, y); }
Value DerivativeBuilder::sub(Value x, Value y) { return create<SubOp>(x, y); }
Value DerivativeBuilder::mul(Value x, Value y) { return create<MulOp>(x, y); }
Value DerivativeBuilder::div(Value x, Value y) { return create<DivOp>(x, y); }
Value DerivativeBuilder::neg(Value x) { return create<MinusOp>(x); }
Value DerivativeBuilder::where(CmpPredicate predicate, Value x, Value y) {
  return create<CmpOp>(predicate, x, y);
}

/// `cotangent` as the cotangent of `operand`: summed where the op
/// broadcast a dimension-1 operand, broadcast where a rule gave a scalar.
static Value fitTo(DerivativeBuilder &d, Value cotangent, Value operand) {
  int64_t have = getFormulaDim(cotangent), want = getFormulaDim(operand);
  if (have == want)
    return cotangent;
  if (want == 1)
    return d.create<SumOp>(cotangent);
  return d.create<SumTOp>(cotangent, want);
}

FailureOr<Value> kred::buildGradient(DerivativeBuilder &d, Value f, Value wrt,
                                     Value cotangent) {
  if (f == wrt)
    return cotangent;
  Operation *last = f.getDefiningOp();
  if (!last)
    return d.zerosLike(wrt);
  // The variable may be read by several kred.var ops (an alias and an
  // inline Var(...) of the same position): all of them are wrt.
  SmallVector<Value> wrtValues{wrt};
  if (auto var = wrt.getDefiningOp<VarOp>())
    for (auto other : last->getBlock()->getOps<VarOp>())
      if (other != var && other.getPosition() == var.getPosition() &&
          other.getCategory() == var.getCategory())
        wrtValues.push_back(other);
  // The ops between wrt and f, in order: those that depend on wrt.
  DenseSet<Value> depends(wrtValues.begin(), wrtValues.end());
  SmallVector<Operation *> path;
  for (Operation &op : *last->getBlock()) {
    if (llvm::any_of(op.getOperands(),
                     [&](Value v) { return depends.contains(v); })) {
      path.push_back(&op);
      depends.insert(op.result_begin(), op.result_end());
    }
    if (&op == last)
      break;
  }
  if (!depends.contains(f))
    return d.zerosLike(wrt);

  DenseMap<Value, Value> cotangents{{f, cotangent}};
  auto accumulate = [&](Value target, Value c) {
    auto [it, inserted] = cotangents.try_emplace(target, c);
    if (!inserted)
      it->second = d.add(it->second, c);
  };
  // Gradients that ops selecting among their operands give directly.
  Value selected;
  auto gradientOf = [&](Value operand, Value c) -> FailureOr<Value> {
    return buildGradient(d, operand, wrt, fitTo(d, c, operand));
  };
  for (Operation *op : llvm::reverse(path)) {
    auto found = cotangents.find(op->getResult(0));
    if (found == cotangents.end())
      continue;
    auto rule = dyn_cast<DifferentiableOpInterface>(op);
    if (!rule)
      return op->emitOpError("has no derivative rule; expand it first or "
                             "differentiate with respect to another variable");
    FailureOr<Value> whole =
        rule.buildWholeGradient(d, found->second, gradientOf);
    if (failed(whole))
      return failure();
    if (*whole) {
      selected = selected ? d.add(selected, *whole) : *whole;
      continue;
    }
    SmallVector<Value, 3> operandCotangents;
    if (failed(rule.buildVectorJacobianProduct(d, found->second,
                                               operandCotangents)))
      return failure();
    for (auto [operand, c] :
         llvm::zip(op->getOperands(), operandCotangents))
      if (c && depends.contains(operand))
        accumulate(operand, fitTo(d, c, operand));
  }
  Value result = selected;
  for (Value v : wrtValues)
    if (Value c = cotangents.lookup(v))
      result = result ? d.add(result, c) : c;
  return result ? result : d.zerosLike(wrt);
}

FailureOr<Value> kred::buildDirectionalDerivative(DerivativeBuilder &d,
                                                  Value f, Value wrt,
                                                  Value direction) {
  // J u = d/de <J^T e, u>, e a placeholder of f's dimension.
  Value placeholder = d.zerosLike(f);
  FailureOr<Value> transposed = buildGradient(d, f, wrt, placeholder);
  if (failed(transposed))
    return failure();
  Value pairing = d.create<ScalprodOp>(*transposed, direction);
  FailureOr<Value> result =
      buildGradient(d, pairing, placeholder, d.cst(f, 1.0));
  if (placeholder.use_empty())
    placeholder.getDefiningOp()->erase();
  return result;
}

FailureOr<Value> kred::buildDivergence(DerivativeBuilder &d, Value f,
                                       Value wrt) {
  int64_t dim = getFormulaDim(wrt);
  if (getFormulaDim(f) != dim)
    return emitError(d.loc) << "the divergence needs a formula of the "
                               "variable's dimension "
                            << dim << ", got " << getFormulaDim(f);
  Value sum;
  for (int64_t k = 0; k < dim; ++k) {
    Value basis = d.create<ElemTOp>(d.cst(f, 1.0), dim, k);
    FailureOr<Value> row = buildGradient(d, f, wrt, basis);
    if (failed(row))
      return failure();
    Value term = d.create<ElemOp>(*row, k);
    sum = sum ? d.add(sum, term) : term;
  }
  return sum;
}

FailureOr<Value> kred::buildLaplacian(DerivativeBuilder &d, Value f,
                                      Value wrt) {
  FailureOr<Value> gradient = buildGradient(d, f, wrt, d.cst(f, 1.0));
  if (failed(gradient))
    return failure();
  return buildDivergence(d, *gradient, wrt);
}

LogicalResult kred::expandDerivative(Operation *op) {
  OpBuilder b(op);
  DerivativeBuilder d(b, op->getLoc());
  FailureOr<Value> result =
      llvm::TypeSwitch<Operation *, FailureOr<Value>>(op)
          .Case([&](GradOp g) {
            return buildGradient(d, g.getF(), g.getWrt(), g.getGradIn());
          })
          .Case([&](DiffOp g) {
            return buildDirectionalDerivative(d, g.getF(), g.getWrt(),
                                              g.getDirection());
          })
          .Case([&](DivergenceOp g) {
            return buildDivergence(d, g.getF(), g.getWrt());
          })
          .Case([&](LaplacianOp g) {
            return buildLaplacian(d, g.getF(), g.getWrt());
          })
          .Default([](Operation *) { return failure(); });
  if (failed(result))
    return failure();
  op->getResult(0).replaceAllUsesWith(*result);
  op->erase();
  return success();
}

LogicalResult kred::expandDerivatives(Operation *root) {
  // In program order: an inner derivative (an operand of an outer one) is
  // expanded before the outer one walks through it.
  SmallVector<Operation *> derivatives;
  root->walk([&](Operation *op) {
    if (isa<GradOp, DiffOp, LaplacianOp, DivergenceOp>(op))
      derivatives.push_back(op);
  });
  for (Operation *op : derivatives)
    if (failed(expandDerivative(op)))
      return failure();
  // The rules build every operand's cotangent; drop those nothing uses.
  if (!derivatives.empty())
    root->walk([](ReduceOp reduce) {
      for (Operation &op : llvm::make_early_inc_range(
               llvm::reverse(reduce.getBody().front())))
        if (!isa<VarOp>(op) && isOpTriviallyDead(&op))
          op.erase();
    });
  return success();
}
