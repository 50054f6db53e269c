//===- KredOps.cpp - kred dialect, reduction op and verifiers -------------===//

#include "kred/Dialect/Kred/IR/KredOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;
using namespace kred;

#include "kred/Dialect/Kred/IR/KredDialect.cpp.inc"
#include "kred/Dialect/Kred/IR/KredEnums.cpp.inc"
#include "kred/Dialect/Kred/IR/KredInterfaces.cpp.inc"

void KredDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "kred/Dialect/Kred/IR/KredOps.cpp.inc"
      >();
}

Operation *KredDialect::materializeConstant(OpBuilder &builder,
                                            Attribute value, Type type,
                                            Location loc) {
  auto dense = dyn_cast<DenseFPElementsAttr>(value);
  if (!dense || dense.getType() != type || !isa<VectorType>(type))
    return nullptr;
  return ConstantOp::create(builder, loc, type, dense);
}

//===----------------------------------------------------------------------===//
// ReduceOp
//===----------------------------------------------------------------------===//

YieldOp ReduceOp::getYield() {
  return cast<YieldOp>(getBody().front().getTerminator());
}

Value ReduceOp::getFormula() { return getYield().getValues().front(); }

Value ReduceOp::getWeightFormula() {
  auto values = getYield().getValues();
  return values.size() > 1 ? values[1] : Value();
}

void ReduceOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &operand : getOperation()->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

/// Describes operand group members as "input #2", "output #0", ...
static std::string describe(StringRef group, unsigned index) {
  return (group + " #" + Twine(index)).str();
}

/// "k_min, arg_k_min and k_min_arg_k_min": the kinds that take K.
static std::string describeKindsTakingK() {
  SmallVector<StringRef> names;
  for (const ReductionKindInfo &info : getReductionKinds())
    if (info.takesK)
      names.push_back(info.mnemonic);
  std::string text;
  for (auto [n, name] : llvm::enumerate(names))
    text += (n == 0 ? "" : n + 1 == names.size() ? " and " : ", ") + name.str();
  return text;
}

LogicalResult ReduceOp::verify() {
  ReductionKind kind = getKind();
  StringRef kindName = stringifyReductionKind(kind);
  const ReductionKindInfo &info = getReductionKindInfo(kind);

  if (info.takesK && !getK())
    return emitOpError("reduction '")
           << kindName << "' requires K, written `" << kindName << "(K)`";
  if (!info.takesK && getK())
    return emitOpError("K is given but reduction '")
           << kindName << "' takes none; only " << describeKindsTakingK()
           << " do";
  if (getK() && static_cast<int64_t>(*getK()) < 1)
    return emitOpError("K is ")
           << static_cast<int64_t>(*getK()) << ", expected K >= 1";

  if (std::optional<Type> acc = getAccType()) {
    if (!info.isSummation()) {
      std::string typeName;
      llvm::raw_string_ostream(typeName) << *acc;
      return emitOpError("acc(")
             << typeName << ") applies to summations, not to reduction '"
             << kindName << "'";
    }
    if (!acc->isF32() && !acc->isF64())
      return emitOpError("accumulator type is ")
             << *acc << ", expected f32 or f64";
  }
  if (getSumScheme() && !info.isSummation())
    return emitOpError("scheme(")
           << stringifySumScheme(*getSumScheme())
           << ") applies to summations, not to reduction '" << kindName << "'";

  if (static_cast<int64_t>(getBatchDims()) < 0)
    return emitOpError("batch(")
           << static_cast<int64_t>(getBatchDims()) << ") is negative";

  size_t expectedOutputs = info.getOutputs(1, 1, 1).size();
  if (getOutputs().size() != expectedOutputs)
    return emitOpError("reduction '")
           << kindName << "' has " << expectedOutputs << " output(s), but "
           << getOutputs().size() << " are given";

  // Tensors and memrefs do not mix.
  bool anyTensor = false, anyMemRef = false;
  for (Value v : getOperands()) {
    anyTensor |= isa<RankedTensorType>(v.getType());
    anyMemRef |= isa<MemRefType>(v.getType());
  }
  if (anyTensor && anyMemRef)
    return emitOpError("operands mix tensors and memrefs; expected all "
                       "tensors (value semantics) or all memrefs");

  // KeOps' six block-sparse arrays: ranges_i, slices_i, redranges_j,
  // ranges_j, slices_j, redranges_i.
  if (!getRanges().empty()) {
    if (getRanges().size() != 6)
      return emitOpError("ranges takes 6 arrays (ranges_i, slices_i, "
                         "redranges_j, ranges_j, slices_j, redranges_i), but ")
             << getRanges().size() << " are given";
    for (auto [index, v] : llvm::enumerate(getRanges())) {
      auto type = cast<ShapedType>(v.getType());
      bool isSlices = index == 1 || index == 4;
      bool ok = isSlices ? type.getRank() == 1
                         : type.getRank() == 2 && type.getDimSize(1) == 2;
      if (!ok)
        return emitOpError("ranges array #")
               << index << " has type " << type << ", expected "
               << (isSlices ? "a 1-D array of slice ends"
                            : "an ?x2 array of [start, end) pairs");
    }
  }
  return success();
}

namespace {
/// The variables, inputs and outputs of a reduction, checked against each
/// other: the sizes of the i and j axes, the batch shape and the dimensions.
class ReduceShapeChecker {
public:
  explicit ReduceShapeChecker(ReduceOp op)
      : op(op), batch(static_cast<int64_t>(op.getBatchDims())) {}

  LogicalResult checkVariable(VarOp var);
  LogicalResult checkOutputs();

private:
  /// Records the static size of an axis seen at `what`; mismatches fail.
  LogicalResult recordAxisSize(IndexAxis axis, int64_t size,
                               const std::string &what);
  LogicalResult checkBatchDims(ShapedType type, const std::string &what);

  ReduceOp op;
  int64_t batch;
  DenseMap<int64_t, VarOp> varAtPosition;
  std::optional<std::pair<int64_t, std::string>> axisSize[2];
};
} // namespace

LogicalResult ReduceShapeChecker::recordAxisSize(IndexAxis axis, int64_t size,
                                                 const std::string &what) {
  if (ShapedType::isDynamic(size))
    return success();
  auto &seen = axisSize[static_cast<int>(axis)];
  if (!seen) {
    seen = {size, what};
    return success();
  }
  if (seen->first == size)
    return success();
  return op.emitOpError()
         << what << " has " << size << " rows along " << stringifyIndexAxis(axis)
         << ", but " << seen->second << " has " << seen->first;
}

LogicalResult ReduceShapeChecker::checkBatchDims(ShapedType type,
                                                 const std::string &what) {
  auto outType = cast<ShapedType>(op.getOutputs().front().getType());
  if (outType.getRank() < batch)
    return success(); // Reported by checkOutputs.
  for (int64_t k = 0; k < batch; ++k) {
    int64_t d = type.getDimSize(k), o = outType.getDimSize(k);
    if (ShapedType::isDynamic(d) || ShapedType::isDynamic(o) || d == 1 ||
        d == o)
      continue;
    return op.emitOpError()
           << what << " has batch dimension " << k << " of size " << d
           << ", expected 1 or " << o << " (the output's)";
  }
  return success();
}

LogicalResult ReduceShapeChecker::checkVariable(VarOp var) {
  int64_t position = static_cast<int64_t>(var.getPosition());
  auto inputs = op.getInputs();
  if (position >= static_cast<int64_t>(inputs.size()))
    return var.emitOpError("reads input #")
           << position << ", but the reduction has " << inputs.size()
           << " input(s)";

  auto [it, inserted] = varAtPosition.try_emplace(position, var);
  if (!inserted) {
    VarOp other = it->second;
    if (other.getCategory() != var.getCategory() ||
        other.getType() != var.getType())
      return var.emitOpError("reads input #")
             << position << " as " << stringifyVarCategory(var.getCategory())
             << "-variable " << var.getType() << ", but another kred.var reads "
             << "it as " << stringifyVarCategory(other.getCategory())
             << "-variable " << other.getType();
    return success();
  }

  std::string what = describe("input", position);
  auto type = cast<ShapedType>(inputs[position].getType());
  bool isParam = var.getCategory() == VarCategory::param;
  int64_t expectedRank = batch + (isParam ? 1 : 2);
  if (type.getRank() != expectedRank)
    return var.emitOpError("reads ")
           << what << " of type " << type << " as "
           << stringifyVarCategory(var.getCategory()) << "-variable"
           << ", which expects rank " << expectedRank << " ("
           << (isParam ? "[batch..., D]" : "[batch..., rows, D]")
           << " with " << batch << " batch dimension(s))";
  int64_t dim = getFormulaDim(var.getResult());
  int64_t inputDim = type.getDimSize(type.getRank() - 1);
  if (!ShapedType::isDynamic(inputDim) && inputDim != dim)
    return var.emitOpError("has dimension ")
           << dim << ", but " << what << " has last dimension " << inputDim;
  Type elementType = cast<VectorType>(var.getType()).getElementType();
  if (type.getElementType() != elementType)
    return var.emitOpError("has element type ")
           << elementType << ", but " << what << " has element type "
           << type.getElementType();
  if (failed(checkBatchDims(type, what)))
    return failure();
  if (!isParam) {
    IndexAxis axis = var.getCategory() == VarCategory::i ? IndexAxis::i
                                                         : IndexAxis::j;
    return recordAxisSize(axis, type.getDimSize(batch), what);
  }
  return success();
}

LogicalResult ReduceShapeChecker::checkOutputs() {
  ReductionKind kind = op.getKind();
  Value formula = op.getFormula();
  Value weight = op.getWeightFormula();
  int64_t k = op.getK() ? static_cast<int64_t>(*op.getK()) : 1;
  auto specs = getReductionKindInfo(kind).getOutputs(
      getFormulaDim(formula), weight ? getFormulaDim(weight) : 0, k);
  Type valueType = cast<VectorType>(formula.getType()).getElementType();

  for (auto [index, out] : llvm::enumerate(op.getOutputs())) {
    std::string what = describe("output", index);
    auto type = cast<ShapedType>(out.getType());
    const ReductionOutputSpec &spec = specs[index];
    if (type.getRank() != batch + 2)
      return op.emitOpError()
             << what << " has type " << type << ", expected rank " << batch + 2
             << " ([batch..., rows, " << spec.dim << "] with " << batch
             << " batch dimension(s))";
    int64_t lastDim = type.getDimSize(batch + 1);
    if (!ShapedType::isDynamic(lastDim) && lastDim != spec.dim)
      return op.emitOpError()
             << what << " has last dimension " << lastDim << ", expected "
             << spec.dim << " for reduction '"
             << stringifyReductionKind(kind) << "' of a formula of dimension "
             << getFormulaDim(formula);
    Type expectedElement =
        spec.isIndex ? Type(IntegerType::get(op.getContext(), 64)) : valueType;
    if (type.getElementType() != expectedElement)
      return op.emitOpError()
             << what << " has element type " << type.getElementType()
             << ", expected " << expectedElement
             << (spec.isIndex ? " (indices)" : " (the formula's element type)");
    if (failed(recordAxisSize(op.getOutputAxis(), type.getDimSize(batch), what)))
      return failure();
  }

  // K cannot exceed the number of terms reduced over, when that is known.
  if (op.getK()) {
    auto &reduced = axisSize[static_cast<int>(op.getAxis())];
    if (reduced && k > reduced->first)
      return op.emitOpError("K = ")
             << k << " exceeds the " << reduced->first << " rows reduced over ("
             << reduced->second << ")";
  }
  return success();
}

LogicalResult ReduceOp::verifyRegions() {
  YieldOp yield = getYield();
  ReductionKind kind = getKind();
  StringRef kindName = stringifyReductionKind(kind);
  const ReductionKindInfo &info = getReductionKindInfo(kind);
  size_t expectedValues = info.takesWeight ? 2 : 1;
  if (yield.getValues().size() != expectedValues)
    return yield.emitOpError("yields ")
           << yield.getValues().size() << " value(s), but reduction '"
           << kindName << "' expects " << expectedValues
           << (info.takesWeight ? " (the formula and its weight)"
                                : " (the formula)");

  Value formula = getFormula();
  if (info.scalarFormula && getFormulaDim(formula) != 1)
    return yield.emitOpError("yields a formula of dimension ")
           << getFormulaDim(formula) << ", but reduction '" << kindName
           << "' takes a scalar formula (dimension 1)";
  Value weight = getWeightFormula();
  if (weight && cast<VectorType>(weight.getType()).getElementType() !=
                    cast<VectorType>(formula.getType()).getElementType())
    return yield.emitOpError("yields a weight of type ")
           << weight.getType() << ", whose element type differs from the "
           << "formula's " << formula.getType();

  ReduceShapeChecker checker(*this);
  WalkResult result = getBody().walk([&](VarOp var) {
    return failed(checker.checkVariable(var)) ? WalkResult::interrupt()
                                              : WalkResult::advance();
  });
  if (result.wasInterrupted())
    return failure();
  return checker.checkOutputs();
}

//===----------------------------------------------------------------------===//
// Formula ops
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  auto dense = dyn_cast<DenseFPElementsAttr>(getValue());
  if (!dense)
    return emitOpError("value is ")
           << getValue() << ", expected a dense floating-point vector";
  return success();
}

LogicalResult ClampIntOp::verify() {
  int64_t lo = static_cast<int64_t>(getMin()), hi = static_cast<int64_t>(getMax());
  if (lo > hi)
    return emitOpError("has bounds [")
           << lo << ", " << hi << "], expected min <= max";
  return success();
}

/// The `wrt` operand of a derivative must be a variable.
static LogicalResult verifyDerivative(Operation *op, Value wrt) {
  if (wrt.getDefiningOp<VarOp>())
    return success();
  InFlightDiagnostic diag = op->emitOpError(
      "differentiates with respect to operand #1, which must be a variable "
      "(the result of kred.var)");
  if (Operation *def = wrt.getDefiningOp())
    diag << ", but it is the result of '" << def->getName() << "'";
  return diag;
}

LogicalResult GradOp::verify() { return verifyDerivative(*this, getWrt()); }
LogicalResult DiffOp::verify() { return verifyDerivative(*this, getWrt()); }
LogicalResult LaplacianOp::verify() {
  return verifyDerivative(*this, getWrt());
}
LogicalResult DivergenceOp::verify() {
  return verifyDerivative(*this, getWrt());
}

#define GET_OP_CLASSES
#include "kred/Dialect/Kred/IR/KredOps.cpp.inc"

OpFoldResult VarOp::fold(FoldAdaptor) {
  // An earlier read of the same input and category: this one is a repeat.
  for (Operation *op = (*this)->getPrevNode(); op; op = op->getPrevNode())
    if (auto earlier = dyn_cast<VarOp>(op))
      if (earlier.getPosition() == getPosition() &&
          earlier.getCategory() == getCategory() &&
          earlier.getType() == getType())
        return earlier.getResult();
  return {};
}
