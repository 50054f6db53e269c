//===- FormulaBuilder.cpp - the formula importer's ops and module --------===//
//
// FormulaParser's IR side: an op built generically from the name table
// (its type inferred after creation, so that a dimension error is a
// diagnostic at the formula's position), constants, variables, and the
// kernel function around the kred.reduce.
//
//===----------------------------------------------------------------------===//

#include "FormulaParser.h"
#include "ComplexFormulas.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace kred;
using namespace kred::formula;

FailureOr<Value> FormulaParser::buildOp(SMLoc at, StringRef name,
                                        ValueRange operands,
                                        ArrayRef<NamedAttribute> attrs) {
  // Built generically from the tables above; the result type is inferred
  // after creation so that a dimension error becomes a diagnostic at the
  // formula's position instead of a failed builder.
  if (++numOps > kMaxFormulaOps)
    return emitError(at) << "the formula has more than " << kMaxFormulaOps
                         << " operations, kred's limit";
  Location loc = locOf(at);
  OperationState state(loc, name);
  state.addOperands(operands);
  state.addAttributes(attrs);
  state.addTypes(operands.front().getType());
  Operation *op = builder.create(state);
  if (auto infer = dyn_cast<InferTypeOpInterface>(op)) {
    SmallVector<Type, 1> types;
    if (failed(infer.inferReturnTypes(
            context, loc, op->getOperands(), op->getRawDictionaryAttrs(),
            op->getPropertiesStorage(), op->getRegions(), types))) {
      op->erase();
      return failure();
    }
    op->getResult(0).setType(types.front());
  }
  return op->getResult(0);
}

Value FormulaParser::buildConstant(SMLoc at, ArrayRef<double> values) {
  auto type = VectorType::get({static_cast<int64_t>(values.size())},
                              elementType);
  return ConstantOp::create(builder, locOf(at), type,
                            getFormulaConstant(type, values));
}

FailureOr<Value> FormulaParser::declareVariable(SMLoc loc,
                                                VarCategory category,
                                                int64_t position, int64_t dim) {
  if (position < 0)
    return emitError(loc) << "variable position is " << position
                          << ", expected a position >= 0";
  if (dim < 1 || dim > kMaxFormulaDim)
    return emitError(loc) << "variable dimension is " << dim
                          << ", expected a dimension in [1, " << kMaxFormulaDim
                          << "]";
  auto [it, inserted] = variables.try_emplace(
      position, VariableInfo{category, dim, loc, currentAlias});
  const VariableInfo &known = it->second;
  if (!inserted && (known.category != category || known.dim != dim)) {
    auto [line, column] = sourceMgr.getLineAndColumn(known.loc);
    return emitError(loc) << "variable at position " << position
                          << " is declared as "
                          << stringifyVarCategory(category)
                          << "-variable of dimension " << dim << " here, but "
                          << "as " << stringifyVarCategory(known.category)
                          << "-variable of dimension " << known.dim << " at "
                          << line << ":" << column;
  }
  if (!inserted && it->second.alias.empty())
    it->second.alias = currentAlias;
  auto type = VectorType::get({dim}, elementType);
  return VarOp::create(builder, locOf(loc), type,
                       VarCategoryAttr::get(context, category),
                       builder.getI64IntegerAttr(position))
      .getResult();
}

LogicalResult FormulaParser::checkPositions() {
  // Positions must be 0, 1, ..., P-1: each is one argument of the kernel.
  int64_t expectedPosition = 0;
  for (const auto &[position, info] : variables) {
    if (position != expectedPosition)
      return emitError(reductionLoc)
             << "no variable has position " << expectedPosition
             << ", but one has position " << position
             << "; positions must be 0, 1, 2, ... without gaps";
    ++expectedPosition;
  }
  return success();
}

SmallVector<Type>
FormulaParser::buildArgumentTypes(ArrayRef<ReductionOutputSpec> outputs,
                                  size_t numRanges) {
  SmallVector<int64_t> batchShape(options.batchDims, ShapedType::kDynamic);
  SmallVector<Type> argTypes;
  for (const auto &[position, info] : variables) {
    SmallVector<int64_t> shape(batchShape);
    if (info.category != VarCategory::param)
      shape.push_back(ShapedType::kDynamic);
    shape.push_back(info.dim);
    argTypes.push_back(MemRefType::get(shape, elementType));
  }
  for (const ReductionOutputSpec &spec : outputs) {
    SmallVector<int64_t> shape(batchShape);
    shape.push_back(ShapedType::kDynamic);
    shape.push_back(spec.dim);
    Type element = spec.isIndex ? Type(builder.getI64Type()) : elementType;
    argTypes.push_back(MemRefType::get(shape, element));
  }
  // KeOps' six block-sparse arrays, after the outputs: [start, end) pairs
  // and slice ends, as i64.
  for (size_t index = 0; index < numRanges; ++index)
    argTypes.push_back(MemRefType::get(
        index % 3 == 1 ? ArrayRef<int64_t>{ShapedType::kDynamic}
                       : ArrayRef<int64_t>{ShapedType::kDynamic, 2},
        builder.getI64Type()));
  return argTypes;
}

LogicalResult FormulaParser::buildSumAttributes(TypeAttr &accType,
                                                SumSchemeAttr &sumScheme) {
  if ((!options.accType.empty() || !options.sumScheme.empty()) &&
      !getReductionKindInfo(*kind).isSummation())
    return emitError(reductionLoc)
           << "an accumulation type or summation scheme is given, but "
              "reduction '"
           << stringifyReductionKind(*kind) << "' is not a sum";
  if (!options.accType.empty()) {
    Type acc = llvm::StringSwitch<Type>(options.accType)
                   .Cases({"float32", "f32"}, builder.getF32Type())
                   .Cases({"float64", "f64"}, builder.getF64Type())
                   .Default(Type());
    if (!acc)
      return emitError(reductionLoc)
             << "unknown accumulation type '" << options.accType
             << "', expected float32 or float64";
    accType = TypeAttr::get(acc);
  }
  if (!options.sumScheme.empty()) {
    std::optional<SumScheme> scheme = symbolizeSumScheme(options.sumScheme);
    if (!scheme)
      return emitError(reductionLoc)
             << "unknown summation scheme '" << options.sumScheme
             << "', expected direct, block or kahan";
    sumScheme = SumSchemeAttr::get(context, *scheme);
  }
  return success();
}

void FormulaParser::setArgumentAttributes(func::FuncOp func,
                                          size_t numOutputs,
                                          size_t numRanges) {
  OpBuilder b(func);
  // All argument attributes at once: setting them one by one would build
  // (and keep: attributes are immortal) an array per argument.
  SmallVector<Attribute> argAttrs(func.getNumArguments(),
                                  b.getDictionaryAttr({}));
  auto named = [&](size_t index, StringRef name, Attribute value) {
    argAttrs[index] = b.getDictionaryAttr(b.getNamedAttr(name, value));
  };
  for (const auto &[position, info] : variables)
    if (!info.alias.empty())
      named(position, "kred.alias", b.getStringAttr(info.alias));
  for (size_t index = 0; index < numOutputs; ++index)
    named(variables.size() + index, "kred.output", b.getUnitAttr());
  static const char *rangesNames[] = {"ranges_i",    "slices_i",
                                      "redranges_j", "ranges_j",
                                      "slices_j",    "redranges_i"};
  for (size_t index = 0; index < numRanges; ++index)
    named(variables.size() + numOutputs + index, "kred.ranges",
          b.getStringAttr(rangesNames[index]));
  func.setAllArgAttrs(argAttrs);
}

OwningOpRef<ModuleOp> FormulaParser::buildModule() {
  Location loc = locOf(reductionLoc);
  if (failed(checkPositions()))
    return nullptr;
  YieldOp::create(builder, loc,
                  weight ? ValueRange{formula, weight} : ValueRange{formula});

  int64_t batch = options.batchDims;
  int64_t weightDim = weight ? getFormulaDim(weight) : 0;
  auto outputs = getReductionKindInfo(*kind).getOutputs(
      getFormulaDim(formula), weightDim, k.value_or(1));
  size_t numRanges = options.ranges ? 6 : 0;
  if (options.ranges && batch > 0)
    return (emitError(reductionLoc)
                << "block-sparse ranges take no batch dimensions; reduce each "
                   "batch entry separately",
            nullptr);
  TypeAttr accType;
  SumSchemeAttr sumScheme;
  if (failed(buildSumAttributes(accType, sumScheme)))
    return nullptr;

  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder b = OpBuilder::atBlockEnd(module->getBody());
  auto func = func::FuncOp::create(
      b, loc, options.kernelName,
      b.getFunctionType(buildArgumentTypes(outputs, numRanges), {}));
  Block *entry = func.addEntryBlock();
  setArgumentAttributes(func, outputs.size(), numRanges);

  b.setInsertionPointToStart(entry);
  auto args = entry->getArguments();
  auto reduce = ReduceOp::create(
      b, loc, TypeRange{}, ReductionKindAttr::get(context, *kind),
      IndexAxisAttr::get(context, axis),
      k ? b.getI64IntegerAttr(*k) : IntegerAttr(), accType, sumScheme,
      b.getI64IntegerAttr(batch), args.take_front(variables.size()),
      args.slice(variables.size(), outputs.size()), args.take_back(numRanges));
  reduce.getBody().takeBody(body);
  func::ReturnOp::create(b, loc);

  if (failed(verify(*module)))
    return nullptr;
  return module;
}
