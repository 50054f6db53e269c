//===- PrecomputeInvariants.cpp - a row's own terms computed once per row -===//
//
// A formula term that reads only i-variables (and parameters), or only
// j-variables, is the same for every pair of its row or column: inside the
// pair loop it costs N x M evaluations where N or M suffice. Each such term
// that holds a contraction (an op reading at least kContractionInputs
// components: |y|^2 at D = 64, Norm2, a scalar product of two i-variables)
// and feeds the rest of the formula is computed first, by a reduction of
// one term per row, into a buffer that the formula then reads:
//
//   kred.reduce sum over j ins(%x, %y) outs(%out) {
//     %yj = kred.var j 1 ; %n = kred.sqnorm2 %yj ; ... uses of %n ... }
// becomes
//   %ny = memref.alloc(dim(%y, 0)) : memref<?x1xf32>
//   kred.reduce sum over j ins(%y) outs(%ny) {   // no j-variable: one term
//     %y = kred.var i 0 ; kred.yield (kred.sqnorm2 %y) }
//   kred.reduce sum over j ins(%x, %y, %ny) outs(%out) {
//     %n = kred.var j 2 ; ... uses of %n ... }
//   memref.dealloc %ny
//
// With sqdist-expansion, SqDist(a, b) of an i-term a and a j-term b is first
// written max(|a|^2 + |b|^2 - 2 <a, b>, 0) (opt-in: docs/Rationale.md on its
// error): the squared norms are then such terms, and a pair costs one
// fused multiply-add per coordinate instead of a difference and one.
//
// Reductions over j on memrefs without batch dimensions or ranges, whose
// formula is computed in f32 or f64, are rewritten; others are left as
// they are.
//
//===----------------------------------------------------------------------===//

#include "kred/Dialect/Kred/IR/KredOps.h"
#include "kred/Transforms/Passes.h"

#include "mlir/Analysis/TopologicalSortUtils.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"

namespace kred {
#define GEN_PASS_DEF_KREDPRECOMPUTEINVARIANTS
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;
using namespace kred;

namespace {

/// An op reading this many components is worth computing once per row.
constexpr int64_t kContractionInputs = 16;

enum Reads : unsigned { ReadsI = 1, ReadsJ = 2 };

/// What each formula value reads (ReadsI | ReadsJ), and whether it holds
/// a contraction.
struct FormulaFacts {
  DenseMap<Value, unsigned> reads;
  DenseSet<Value> holdsContraction;
};

FormulaFacts analyze(ReduceOp op) {
  FormulaFacts facts;
  for (Operation &inner : op.getBody().front().without_terminator()) {
    unsigned reads = 0;
    bool contraction = false;
    int64_t inputs = 0;
    if (auto var = dyn_cast<VarOp>(inner)) {
      if (var.getCategory() == VarCategory::i)
        reads = ReadsI;
      if (var.getCategory() == VarCategory::j)
        reads = ReadsJ;
    }
    for (Value operand : inner.getOperands()) {
      reads |= facts.reads.lookup(operand);
      contraction |= facts.holdsContraction.contains(operand);
      inputs += getFormulaDim(operand);
    }
    contraction |= inputs >= kContractionInputs;
    for (Value result : inner.getResults()) {
      facts.reads[result] = reads;
      if (contraction)
        facts.holdsContraction.insert(result);
    }
  }
  return facts;
}

bool isRowTerm(unsigned reads) { return reads == ReadsI || reads == ReadsJ; }

/// The row terms holding a contraction that feed a value reading both i
/// and j: what is worth a buffer.
SetVector<Value> findRowTerms(ReduceOp op, const FormulaFacts &facts) {
  SetVector<Value> terms;
  for (Operation &inner : op.getBody().front().without_terminator()) {
    if (facts.reads.lookup(inner.getResult(0)) != (ReadsI | ReadsJ))
      continue;
    for (Value operand : inner.getOperands())
      if (isRowTerm(facts.reads.lookup(operand)) &&
          facts.holdsContraction.contains(operand))
        terms.insert(operand);
  }
  return terms;
}

/// SqDist(a, b) of an i-term and a j-term as max(|a|^2 + |b|^2 - 2 <a, b>, 0),
/// where the squared norms are contractions (computed once per row).
void expandSqDist(ReduceOp op, const FormulaFacts &facts) {
  SmallVector<SqDistOp> distances;
  op.getBody().walk([&](SqDistOp d) {
    unsigned a = facts.reads.lookup(d.getOperand(0)),
             b = facts.reads.lookup(d.getOperand(1));
    if (isRowTerm(a) && isRowTerm(b) && a != b &&
        getFormulaDim(d.getOperand(0)) >= kContractionInputs)
      distances.push_back(d);
  });
  for (SqDistOp d : distances) {
    OpBuilder b(d);
    Location loc = d.getLoc();
    Type scalar = d.getType();
    Value x = d.getOperand(0), y = d.getOperand(1);
    Value norms = AddOp::create(b, loc, scalar, SqNorm2Op::create(b, loc, scalar, x),
                                SqNorm2Op::create(b, loc, scalar, y));
    auto shaped = cast<ShapedType>(scalar);
    Value two = ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(
            shaped, ArrayRef<Attribute>{b.getFloatAttr(shaped.getElementType(), 2.0)}));
    Value twice = MulOp::create(b, loc, scalar, two,
                                ScalprodOp::create(b, loc, scalar, x, y));
    // Clamped at 0: rounding can make it negative (a Sqrt would give NaN).
    Value difference = SubOp::create(b, loc, scalar, norms, twice);
    d.replaceAllUsesWith(ReluOp::create(b, loc, scalar, difference).getResult());
    d.erase();
  }
}

/// The formula ops `term` is computed from, in order.
SetVector<Operation *> getSlice(Value term) {
  SetVector<Operation *> slice;
  SmallVector<Value> pending = {term};
  while (!pending.empty()) {
    Operation *def = pending.pop_back_val().getDefiningOp();
    if (def && slice.insert(def))
      llvm::append_range(pending, def->getOperands());
  }
  return topologicalSort(slice);
}

/// Computes `term` (reading one category) for every row of that category
/// into a new buffer before `op`, which then reads it as a variable.
void precompute(ReduceOp op, Value term, unsigned reads) {
  Location loc = op.getLoc();
  OpBuilder b(op);
  SetVector<Operation *> slice = getSlice(term);
  // The inputs the term reads, each once, as the new reduction's
  // i-variables; parameters stay parameters.
  SmallVector<Value> inputs;
  DenseMap<int64_t, int64_t> newPosition;
  Value rowsOf;
  for (Operation *inner : slice)
    if (auto var = dyn_cast<VarOp>(inner)) {
      int64_t position = var.getPosition();
      if (newPosition.try_emplace(position, inputs.size()).second)
        inputs.push_back(op.getInputs()[position]);
      if (var.getCategory() != VarCategory::param)
        rowsOf = op.getInputs()[position];
    }
  auto vector = cast<VectorType>(term.getType());
  int64_t dim = getFormulaDim(term);
  auto bufferType =
      MemRefType::get({ShapedType::kDynamic, dim}, vector.getElementType());
  Value rows = memref::DimOp::create(b, loc, rowsOf, 0);
  Value buffer = memref::AllocOp::create(b, loc, bufferType, ValueRange{rows});

  auto rowTerms = ReduceOp::create(
      b, loc, TypeRange{},
      ReductionKindAttr::get(b.getContext(), ReductionKind::Sum),
      IndexAxisAttr::get(b.getContext(), IndexAxis::j), IntegerAttr(),
      TypeAttr(), SumSchemeAttr(), b.getI64IntegerAttr(0), inputs,
      ValueRange{buffer}, ValueRange{});
  OpBuilder body = OpBuilder::atBlockBegin(&rowTerms.getBody().emplaceBlock());
  IRMapping mapping;
  for (Operation *inner : slice) {
    auto var = dyn_cast<VarOp>(inner);
    if (!var) {
      body.clone(*inner, mapping);
      continue;
    }
    VarCategory category = var.getCategory() == VarCategory::param
                               ? VarCategory::param
                               : VarCategory::i;
    mapping.map(var.getResult(),
                VarOp::create(body, loc, var.getType(), category,
                              newPosition[var.getPosition()]));
  }
  YieldOp::create(body, loc, ValueRange{mapping.lookup(term)});

  // The reduction reads the buffer as a variable of the term's category.
  int64_t position = op.getInputs().size();
  op.getInputsMutable().append(buffer);
  OpBuilder inside = OpBuilder::atBlockBegin(&op.getBody().front());
  Value read = VarOp::create(inside, loc, term.getType(),
                             reads == ReadsI ? VarCategory::i : VarCategory::j,
                             position);
  term.replaceAllUsesWith(read);
  // The term's ops that nothing reads now (variables stay: they name the
  // inputs giving the rows).
  for (Operation *inner : llvm::reverse(slice))
    if (!isa<VarOp>(inner) && inner->use_empty())
      inner->erase();
  b.setInsertionPointAfter(op);
  memref::DeallocOp::create(b, loc, buffer);
}

/// Whether the rewrite applies: see the file's comment.
bool isRewritable(ReduceOp op) {
  if (op.getAxis() != IndexAxis::j || op.getBatchDims() != 0 ||
      !op.getRanges().empty() || op.getNumResults() != 0)
    return false;
  for (Operation &inner : op.getBody().front()) {
    if (inner.getNumRegions() != 0 || inner.getNumResults() > 1)
      return false;
    for (Type type : inner.getResultTypes())
      if (auto vector = dyn_cast<VectorType>(type);
          !vector || !(vector.getElementType().isF32() ||
                       vector.getElementType().isF64()))
        return false;
  }
  return true;
}

struct PrecomputeInvariantsPass
    : kred::impl::KredPrecomputeInvariantsBase<PrecomputeInvariantsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<ReduceOp> reductions;
    getOperation().walk([&](ReduceOp op) {
      if (isRewritable(op))
        reductions.push_back(op);
    });
    for (ReduceOp op : reductions) {
      if (sqdistExpansion)
        expandSqDist(op, analyze(op));
      FormulaFacts facts = analyze(op);
      for (Value term : findRowTerms(op, facts))
        precompute(op, term, facts.reads.lookup(term));
    }
  }
};

} // namespace
