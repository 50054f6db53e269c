//===- ReductionGradient.cpp - the gradient kernel of a reduction ---------===//
//
// d/dv <e, R_j F(x_i, y_j)> as a Sum reduction of the same formula region
// with a few more variables (indexed like the outputs unless said): the
// cotangent e, then what the kind's gradient reads of the forward pass
// (its record in KredReductions.td: the result, indices, positions, and
// "partial", another reduction of the same formulas).
//   Sum:                    Grad(F, v, e)
//   LogSumExp r:            w = e exp(F - r);  Grad(F, v, w)
//   LogSumExpWeight (m, s) = Max_SumShiftExpWeight, r = m + log s:
//                           w = exp(F - m) e / s;
//                           Grad(F, v, <w, G>) + Grad(G, v, w)
//     (KeOps' form: finite where a weight sum s < 0 makes r NaN)
//   SumSoftMaxWeight r, l:  w = exp(F - l), l = log sum exp F;
//                           Grad(G, v, w e) + Grad(F, v, w (<e, G> - <e, r>))
//   Min, Max, KMin (+Arg) indices, positions (of the reduced axis):
//                           Grad(F, v, sum_k [position = index_k] e_k)
//   MaxSumShiftExp(Weight) r = (m, s), the index of the maximum, positions:
//     w = exp(F - m), d = [position = index];
//     Grad(F, v, e_m d + w <e_s, G> - d <e_s, s>) + Grad(G, v, w e_s)
// The last is the subgradient through the selected terms, as torch.min
// gives. kred-autodiff expands the Grad ops. The reduction axis stays for a
// variable of the output rows or a parameter and flips for a variable of
// the reduced axis.
//
//===----------------------------------------------------------------------===//

#include "kred/Dialect/Kred/IR/Differentiation.h"
#include "kred/Dialect/Kred/IR/KredOps.h"
#include "kred/Dialect/Kred/IR/ReductionSemantics.h"
#include "kred/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"

#include <numeric>

namespace kred {
#define GEN_PASS_DEF_KREDREDUCTIONGRADIENT
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;
using namespace kred;

namespace {
/// A variable the gradient kernel takes after the forward's inputs.
struct ExtraInput {
  std::string alias;
  bool alongReducedAxis; // else indexed like the outputs
  int64_t dim;
};
} // namespace

/// A memref of rank `batch + 2` with dynamic sizes and last dimension
/// `dim`.
static MemRefType getRowsType(int64_t batch, int64_t dim, Type element) {
  SmallVector<int64_t> shape(batch + 1, ShapedType::kDynamic);
  shape.push_back(dim);
  return MemRefType::get(shape, element);
}

/// The extra variables of kind `spec`'s gradient (its record says what it
/// reads of the forward pass), or failure (with a diagnostic) where the
/// kind has none.
static FailureOr<SmallVector<ExtraInput>> getExtraInputs(ReduceOp reduce,
                                                         ReductionSpec spec) {
  const ReductionKindInfo &info = spec.info();
  if (info.isSelection() && !info.withValues)
    return reduce.emitOpError("outputs indices only: its gradient is zero "
                              "everywhere, there is no gradient kernel");
  int64_t valueDim = spec.getOutputs()[0].dim;
  SmallVector<ExtraInput> extras{{"e", false, valueDim}};
  if (info.gradientReadsResult)
    extras.push_back({"result", false, valueDim});
  if (info.isSelection() || info.gradientReadsArgMax) {
    extras.push_back({"indices", false, info.isSelection() ? valueDim : 1});
    extras.push_back({"positions", true, 1});
  }
  if (*info.gradientPartial) {
    const ReductionKindInfo *partial =
        lookupKeOpsReduction(info.gradientPartial);
    int64_t weightDim = partial->takesWeight ? spec.weightDim : 0;
    extras.push_back(
        {"partial", false, partial->getOutputs(1, weightDim, 1)[0].dim});
  }
  return extras;
}

/// Grad(f, wrt, cotangent), left for kred-autodiff to expand.
static Value grad(DerivativeBuilder &b, Value f, Value wrt, Value cotangent) {
  return b.create<GradOp>(f, wrt, cotangent);
}

/// The softmax weight exp(t), t = F - r <= 0, taken as 0 below
/// kLowestExponentialTerm as the forward reduction takes its terms (the
/// exponential is computed on t clamped there, so that it never underflows).
static Value softmaxWeight(DerivativeBuilder &b, Value t) {
  Value lowest = b.cst(t, kLowestExponentialTerm);
  // IfElse takes its first branch where the condition is >= 0: where
  // -[t < lowest] is -0, i.e. t >= lowest or t is NaN (NaN propagates).
  Value keep = b.neg(b.where(CmpPredicate::lt, t, lowest));
  Value w = b.create<ExpOp>(b.create<IfElseOp>(keep, t, lowest));
  return b.create<IfElseOp>(keep, w, b.zerosLike(w));
}

/// The term of the gradient reduction (see the file comment); `extras` are
/// the variables of getExtraInputs.
static Value buildGradientTerm(DerivativeBuilder &b, ReductionSpec spec,
                               Value f, Value g, Value wrt,
                               ArrayRef<Value> extras) {
  Value e = extras[0];
  if (spec.isSum())
    return grad(b, f, wrt, e);
  if (spec.info().isSelection()) {
    Value selected = b.mul(b.where(CmpPredicate::eq, extras[2], extras[1]), e);
    Value perComponent = b.create<ExtractOp>(selected, 0, spec.dim);
    for (int64_t s = 1; s < spec.k; ++s)
      perComponent = b.add(perComponent,
                           b.create<ExtractOp>(selected, s * spec.dim,
                                               spec.dim));
    return grad(b, f, wrt, perComponent);
  }
  Value result = extras[1];
  if (spec.info().output == ShiftAndSums) {
    // (m, s): dm flows through the maximum's index, s = sum exp(F - m) G.
    int64_t sums = getFormulaDim(result) - 1;
    Value m = b.create<ExtractOp>(result, 0, 1);
    Value s = b.create<ExtractOp>(result, 1, sums);
    Value eM = b.create<ExtractOp>(e, 0, 1);
    Value eS = b.create<ExtractOp>(e, 1, sums);
    Value selected = b.where(CmpPredicate::eq, extras[3], extras[2]);
    Value w = softmaxWeight(b, b.sub(f, m));
    Value eSG = g ? b.create<ScalprodOp>(eS, g) : eS;
    Value viaMax = b.mul(eM, selected);
    Value viaSum = b.mul(w, eSG);
    Value shift = b.mul(selected, b.create<ScalprodOp>(eS, s));
    Value coefficient = b.add(viaMax, b.sub(viaSum, shift));
    Value term = grad(b, f, wrt, coefficient);
    return g ? b.add(term, grad(b, g, wrt, b.mul(w, eS))) : term;
  }
  if (spec.info().output == SoftMaxAverage) {
    Value w = softmaxWeight(b, b.sub(f, extras[2]));
    Value eG = b.create<ScalprodOp>(e, g);
    Value centered = b.sub(eG, b.create<ScalprodOp>(e, result));
    Value viaG = grad(b, g, wrt, b.mul(w, e));
    Value viaF = grad(b, f, wrt, b.mul(w, centered));
    return b.add(viaG, viaF);
  }
  if (!g)
    return grad(b, f, wrt, b.mul(e, softmaxWeight(b, b.sub(f, result))));
  // LogSumExpWeight: the partial (m, s).
  Value m = b.create<ExtractOp>(result, 0, 1);
  Value s = b.create<ExtractOp>(result, 1, spec.weightDim);
  Value w = b.mul(softmaxWeight(b, b.sub(f, m)), b.div(e, s));
  Value viaF = grad(b, f, wrt, b.create<ScalprodOp>(w, g));
  return b.add(viaF, grad(b, g, wrt, w));
}

/// The variables of `inputs` in the formula (null for an input it does not
/// read: a zero gradient), all differentiated along the same axis
/// (variables of the reduced axis transpose the reduction; the others do
/// not), or failure with a diagnostic.
static FailureOr<SmallVector<VarOp>> findDifferentiated(ReduceOp reduce,
                                                        ArrayRef<unsigned> inputs) {
  unsigned numInputs = reduce.getInputs().size();
  VarCategory reduced =
      reduce.getAxis() == IndexAxis::j ? VarCategory::j : VarCategory::i;
  SmallVector<VarOp> wrt;
  for (unsigned input : inputs) {
    if (input >= numInputs)
      return reduce.emitOpError("has ")
             << numInputs << " inputs; cannot differentiate input #" << input;
    VarOp found;
    reduce.getBody().walk([&](VarOp v) {
      if (v.getPosition() == input)
        found = v;
    });
    auto first = llvm::find_if(wrt, [](VarOp v) { return v; });
    if (found && first != wrt.end() &&
        (found.getCategory() == reduced) != (first->getCategory() == reduced))
      return reduce.emitOpError("cannot differentiate inputs #")
             << first->getPosition() << " and #" << input
             << " in one kernel: their gradients reduce along different "
                "axes";
    wrt.push_back(found); // Null for an input the formula does not read.
  }
  if (wrt.empty())
    return reduce.emitOpError("needs at least one input to differentiate");
  return wrt;
}

/// "k_grad_X_Y": the kernel's name and the differentiated aliases.
static std::string getGradientName(func::FuncOp kernel,
                                   ArrayRef<unsigned> inputs) {
  std::string name = (kernel.getSymName() + "_grad").str();
  for (unsigned input : inputs) {
    auto alias = kernel.getArgAttrOfType<StringAttr>(input, "kred.alias");
    name += "_" + (alias ? alias.str() : "input" + std::to_string(input));
  }
  return name;
}

/// A copy of `kernel` named `name` whose reduction takes `extras` after its
/// inputs and writes one output of dimension `dim` (with the old first
/// output's attributes) in place of the old outputs.
static func::FuncOp cloneWithGradientSignature(func::FuncOp kernel,
                                               ReduceOp reduce,
                                               ArrayRef<ExtraInput> extras,
                                               int64_t dim, Type element,
                                               StringRef name,
                                               IRMapping &copied) {
  OpBuilder b(kernel);
  b.setInsertionPointAfter(kernel);
  auto gradient = cast<func::FuncOp>(b.clone(*kernel, copied));
  gradient.setSymName(name);
  ReduceOp copy = *gradient.getOps<ReduceOp>().begin();
  int64_t batch = static_cast<int64_t>(reduce.getBatchDims());
  unsigned numInputs = reduce.getInputs().size();
  unsigned numOutputs = reduce.getOutputs().size();
  Location loc = reduce.getLoc();
  DictionaryAttr outputAttrs = gradient.getArgAttrDict(numInputs);
  SmallVector<Value> extraArgs;
  for (auto [k, extra] : llvm::enumerate(extras)) {
    unsigned index = numInputs + k;
    (void)gradient.insertArgument(
        index, getRowsType(batch, extra.dim, element),
        b.getDictionaryAttr(
            b.getNamedAttr("kred.alias", b.getStringAttr(extra.alias))),
        loc);
    extraArgs.push_back(gradient.getArgument(index));
  }
  unsigned newOutputIndex = numInputs + extras.size();
  (void)gradient.insertArgument(newOutputIndex,
                                getRowsType(batch, dim, element), outputAttrs,
                                loc);
  copy.getInputsMutable().append(extraArgs);
  copy.getOutputsMutable().assign(gradient.getArgument(newOutputIndex));
  for (unsigned k = 0; k < numOutputs; ++k)
    (void)gradient.eraseArgument(newOutputIndex + 1);
  return gradient;
}

static LogicalResult addGradientKernel(func::FuncOp kernel, ReduceOp reduce,
                                       ArrayRef<unsigned> inputs) {
  ReductionSpec spec = ReductionSpec::get(reduce);
  FailureOr<SmallVector<ExtraInput>> extras = getExtraInputs(reduce, spec);
  if (failed(extras))
    return failure();
  FailureOr<SmallVector<VarOp>> wrt = findDifferentiated(reduce, inputs);
  if (failed(wrt))
    return failure();
  SmallVector<int64_t> dims;
  for (unsigned input : inputs)
    dims.push_back(
        cast<ShapedType>(reduce.getInputs()[input].getType()).getShape().back());
  int64_t dim = std::accumulate(dims.begin(), dims.end(), int64_t{0});
  Type element = cast<VectorType>(reduce.getFormula().getType()).getElementType();
  IRMapping copied;
  func::FuncOp gradient =
      cloneWithGradientSignature(kernel, reduce, *extras, dim, element,
                                 getGradientName(kernel, inputs), copied);
  ReduceOp copy = *gradient.getOps<ReduceOp>().begin();

  // The terms, one per input, concatenated; the new variables are indexed
  // by the output rows or the reduced axis.
  bool overJ = reduce.getAxis() == IndexAxis::j;
  VarCategory outputRows = overJ ? VarCategory::i : VarCategory::j;
  VarCategory reduced = overJ ? VarCategory::j : VarCategory::i;
  unsigned numInputs = reduce.getInputs().size();
  auto yield = cast<YieldOp>(copy.getBody().front().getTerminator());
  OpBuilder body(yield);
  SmallVector<Value> extraVars;
  for (auto [k, extra] : llvm::enumerate(*extras))
    extraVars.push_back(VarOp::create(
        body, yield.getLoc(), VectorType::get({extra.dim}, element),
        extra.alongReducedAxis ? reduced : outputRows, numInputs + k));
  DerivativeBuilder derivatives(body, yield.getLoc());
  Value f = yield.getOperand(0);
  Value g = yield.getNumOperands() > 1 ? yield.getOperand(1) : Value();
  Value term;
  for (auto [v, partDim] : llvm::zip(*wrt, dims)) {
    Value part = v ? buildGradientTerm(derivatives, spec, f, g,
                                       copied.lookup(v.getResult()), extraVars)
                   : derivatives.cst(f, 0.0, partDim);
    term = term ? derivatives.create<ConcatOp>(term, part) : part;
  }
  yield->setOperands(term);
  auto read = llvm::find_if(*wrt, [](VarOp v) { return v; });
  if (read != wrt->end() && read->getCategory() == reduced)
    copy.setAxis(overJ ? IndexAxis::i : IndexAxis::j);
  copy.setKind(ReductionKind::Sum);
  copy->removeAttr("k");
  copy->removeAttr("acc_type");
  return success();
}

namespace {
struct ReductionGradientPass
    : kred::impl::KredReductionGradientBase<ReductionGradientPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<std::pair<func::FuncOp, ReduceOp>> kernels;
    for (auto kernel : getOperation().getOps<func::FuncOp>())
      for (auto reduce : kernel.getOps<ReduceOp>())
        kernels.push_back({kernel, reduce});
    for (auto [kernel, reduce] : kernels)
      if (failed(addGradientKernel(kernel, reduce, inputs)))
        return signalPassFailure();
  }
};
} // namespace
