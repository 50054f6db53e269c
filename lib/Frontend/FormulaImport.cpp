//===- FormulaImport.cpp - KeOps formula strings to kred IR ---------------===//
//
// A recursive-descent parser that builds the formula ops directly, in a
// detached region that becomes the body of the kred.reduce once the
// variables (and so the function's arguments) are all known. Operator
// precedence follows Python, which evaluates KeOps formulas in pykeops:
// comparisons < '|' < '+ -' < '* /' < unary '-' < '**'.
//
//===----------------------------------------------------------------------===//

#include "FormulaParser.h"
#include "ComplexFormulas.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace kred;
using namespace kred::formula;

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> FormulaParser::parseSpecification() {
  skipSeparators();
  while (!tok.is(Token::End)) {
    if (kind)
      return (emitError(tok.loc()) << "the reduction must be the last "
                                      "statement, but more follows it",
              nullptr);
    // An alias is `name = ...`; anything else is the reduction.
    FormulaLexer saved = lexer;
    Token first = tok;
    consume();
    bool isAlias = first.is(Token::Identifier) && tok.is(Token::Equal);
    lexer = saved;
    tok = first;
    if (failed(isAlias ? parseAlias() : parseReductionStatement()))
      return nullptr;
    if (!atStatementEnd()) {
      (void)expected("a new line or ';'", "after the statement");
      return nullptr;
    }
    skipSeparators();
  }
  if (!kind)
    return (emitError(tok.loc())
                << "expected a reduction such as 'Sum_Reduction(F, 0)' "
                   "after the aliases, found the end of the input",
            nullptr);
  return buildModule();
}

LogicalResult FormulaParser::parseAlias() {
  Token name = tok;
  consume(); // name
  consume(); // '='
  if (aliases.count(name.text))
    return emitError(name.loc()) << "alias '" << name.text
                                 << "' is defined twice";
  if (static_cast<int64_t>(aliases.size()) >= kMaxAliases)
    return emitError(name.loc()) << "more than " << kMaxAliases
                                 << " aliases, kred's limit";
  implicitPosition = numVariableAliases;
  currentAlias = name.text.str();
  FailureOr<Value> value = parseExpr();
  implicitPosition.reset();
  currentAlias.clear();
  if (failed(value))
    return failure();
  // Only aliases of variables take a position; `D = SqDist(X, Y)` names a
  // sub-formula.
  if (value->getDefiningOp<VarOp>())
    ++numVariableAliases;
  aliases[name.text] = *value;
  return success();
}

LogicalResult FormulaParser::parseReductionStatement() {
  reductionLoc = tok.loc();
  bool isCall = tok.is(Token::Identifier) && tok.text.ends_with("_Reduction");
  if (!isCall) {
    // A bare formula: the options name the reduction.
    if (!options.reduction || !options.axis)
      return emitError(tok.loc())
             << "expected a reduction such as 'Sum_Reduction(F, 0)', or a "
                "formula with the reduction and axis given as options";
    kind = lookupReduction(*options.reduction);
    if (!kind)
      return emitError(tok.loc()) << "unknown reduction '" << *options.reduction
                                  << "', expected one of " << listReductionNames();
    if (*options.axis != 0 && *options.axis != 1)
      return emitError(tok.loc()) << "axis is " << *options.axis
                                  << ", expected 0 (reduce over i) or 1 "
                                     "(reduce over j)";
    axis = *options.axis == 1 ? IndexAxis::j : IndexAxis::i;
    if (getReductionKindInfo(*kind).takesWeight)
      return emitError(tok.loc())
             << "reduction '" << *options.reduction
             << "' needs a weight formula; write '" << *options.reduction
             << "_Reduction(F, tag, G)'";
    k = options.k;
    if (getReductionKindInfo(*kind).takesK && !k)
      return emitError(tok.loc()) << "reduction '" << *options.reduction
                                  << "' needs K";
    FailureOr<Value> f = parseExpr();
    if (failed(f))
      return failure();
    formula = *f;
    return success();
  }

  if (options.reduction)
    return emitError(tok.loc())
           << "the specification names its reduction, so the reduction "
              "option must not be given";
  StringRef name = tok.text.drop_back(strlen("_Reduction"));
  kind = lookupReduction(name);
  if (!kind)
    return emitError(tok.loc()) << "unknown reduction '" << tok.text
                                << "', expected one of " << listReductionNames()
                                << " followed by '_Reduction'";
  consume();
  if (failed(expect(Token::LParen, "after the reduction's name")))
    return failure();
  if (failed(parseExprInto(formula)) ||
      failed(expect(Token::Comma, "after the formula")))
    return failure();
  if (getReductionKindInfo(*kind).takesK) {
    FailureOr<int64_t> kValue = parseInteger("K");
    if (failed(kValue) || failed(expect(Token::Comma, "after K")))
      return failure();
    k = *kValue;
  }
  SMLoc tagLoc = tok.loc();
  FailureOr<int64_t> tag = parseInteger("the output category tagI");
  if (failed(tag))
    return failure();
  if (*tag != 0 && *tag != 1)
    return emitError(tagLoc) << "tagI is " << *tag
                             << ", expected 0 (reduce over j) or 1 (reduce "
                                "over i)";
  axis = *tag == 0 ? IndexAxis::j : IndexAxis::i;
  if (getReductionKindInfo(*kind).takesWeight) {
    if (failed(expect(Token::Comma, "before the weight formula")) ||
        failed(parseExprInto(weight)))
      return failure();
  }
  return expect(Token::RParen, "to close the reduction");
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

FailureOr<Value> FormulaParser::parseExpr() {
  FailureOr<Value> lhs = parseBinary();
  if (failed(lhs))
    return failure();
  static const std::pair<Token::Kind, CmpPredicate> comparisons[] = {
      {Token::EqEq, CmpPredicate::eq}, {Token::NotEq, CmpPredicate::ne},
      {Token::Less, CmpPredicate::lt}, {Token::LessEq, CmpPredicate::le},
      {Token::Greater, CmpPredicate::gt}, {Token::GreaterEq, CmpPredicate::ge}};
  for (auto [kind, predicate] : comparisons) {
    if (!tok.is(kind))
      continue;
    SMLoc loc = tok.loc();
    consume();
    FailureOr<Value> rhs = parseBinary();
    if (failed(rhs))
      return failure();
    NamedAttribute attr(builder.getStringAttr("predicate"),
                        CmpPredicateAttr::get(context, predicate));
    return buildOp(loc, "kred.cmp", {*lhs, *rhs}, attr);
  }
  return lhs;
}

LogicalResult FormulaParser::parseExprInto(Value &value) {
  FailureOr<Value> parsed = parseExpr();
  if (failed(parsed))
    return failure();
  value = *parsed;
  return success();
}

namespace {
/// A left-associative binary operator: its token and the op it builds.
struct BinaryOperator {
  Token::Kind token;
  StringRef op;
};
} // namespace

/// The binary operators by precedence level, loosest first.
static const BinaryOperator kScalarProduct[] = {{Token::Bar, "kred.scalprod"}};
static const BinaryOperator kAdditive[] = {{Token::Plus, "kred.add"},
                                           {Token::Minus, "kred.sub"}};
static const BinaryOperator kMultiplicative[] = {{Token::Star, "kred.mul"},
                                                 {Token::Slash, "kred.div"}};
static const ArrayRef<BinaryOperator> kBinaryLevels[] = {
    kScalarProduct, kAdditive, kMultiplicative};

FailureOr<Value> FormulaParser::parseBinary(unsigned level) {
  if (level == std::size(kBinaryLevels))
    return parseUnary();
  auto opAtToken = [&]() -> StringRef {
    for (const BinaryOperator &o : kBinaryLevels[level])
      if (tok.is(o.token))
        return o.op;
    return "";
  };
  FailureOr<Value> lhs = parseBinary(level + 1);
  for (StringRef op = opAtToken(); succeeded(lhs) && !op.empty();
       op = opAtToken()) {
    SMLoc loc = tok.loc();
    consume();
    FailureOr<Value> rhs = parseBinary(level + 1);
    if (failed(rhs))
      return failure();
    lhs = buildOp(loc, op, {*lhs, *rhs});
  }
  return lhs;
}

FailureOr<Value> FormulaParser::parseUnary() {
  // Every nesting ('(', a call, a unary sign, an exponent) comes through
  // here: the depth bounds the parser's recursion.
  if (nesting >= kMaxFormulaNesting)
    return emitError(tok.loc())
           << "the formula nests deeper than " << kMaxFormulaNesting
           << " levels (parentheses, calls, signs and exponents), kred's limit";
  ++nesting;
  llvm::scope_exit leave([&] { --nesting; });
  if (tok.is(Token::Minus)) {
    SMLoc loc = tok.loc();
    consume();
    FailureOr<Value> operand = parseUnary();
    if (failed(operand))
      return failure();
    return buildOp(loc, "kred.minus", {*operand});
  }
  if (consumeIf(Token::Plus))
    return parseUnary();
  return parsePower();
}

FailureOr<Value> FormulaParser::parsePower() {
  FailureOr<Value> base = parsePrimary();
  if (failed(base) || !tok.is(Token::Power))
    return base;
  SMLoc loc = tok.loc();
  consume();
  // An integer exponent is KeOps' Pow; anything else is Powf.
  bool negative = tok.is(Token::Minus);
  FormulaLexer saved = lexer;
  Token save = tok;
  if (negative)
    consume();
  if (tok.is(Token::Integer)) {
    Token number = tok;
    consume();
    if (!tok.is(Token::Power)) {
      int64_t n = 0;
      if (number.text.getAsInteger(10, n))
        return emitError(number.loc()) << "exponent '" << number.text
                                       << "' does not fit in 64 bits";
      NamedAttribute attr(builder.getStringAttr("exponent"),
                          builder.getI64IntegerAttr(negative ? -n : n));
      return buildOp(loc, "kred.pow", {*base}, attr);
    }
  }
  lexer = saved;
  tok = save;
  FailureOr<Value> exponent = parseUnary(); // right-associative
  if (failed(exponent))
    return failure();
  return buildOp(loc, "kred.powf", {*base, *exponent});
}

FailureOr<Value> FormulaParser::parsePrimary() {
  Token first = tok;
  switch (tok.kind) {
  case Token::Integer:
  case Token::Real: {
    consume();
    double value = 0;
    if (first.text.getAsDouble(value))
      return emitError(first.loc()) << "invalid number '" << first.text << "'";
    return buildConstant(first.loc(), value);
  }
  case Token::LParen: {
    consume();
    FailureOr<Value> inner = parseExpr();
    if (failed(inner) || failed(expect(Token::RParen, "to close '('")))
      return failure();
    return inner;
  }
  case Token::Identifier:
    consume();
    if (tok.is(Token::LParen))
      return parseCall(first);
    if (Value alias = aliases.lookup(first.text))
      return alias;
    return emitError(first.loc())
           << "unknown variable '" << first.text
           << "'; declare it with an alias such as '" << first.text
           << " = Vi(3)'";
  default:
    return expected("a formula");
  }
}

FailureOr<int64_t> FormulaParser::parseInteger(const Twine &what) {
  bool negative = consumeIf(Token::Minus);
  if (!tok.is(Token::Integer))
    return expected("an integer", "for " + what);
  int64_t value = 0;
  if (tok.text.getAsInteger(10, value))
    return emitError(tok.loc()) << "integer '" << tok.text
                                << "' does not fit in 64 bits";
  consume();
  return negative ? -value : value;
}

FailureOr<SmallVector<int64_t>> FormulaParser::parseTuple(const Twine &what) {
  Token::Kind close;
  if (consumeIf(Token::LParen))
    close = Token::RParen;
  else if (consumeIf(Token::LBracket))
    close = Token::RBracket;
  else
    return expected("a tuple of integers such as (3, 3)", "for " + what);
  SmallVector<int64_t> values;
  while (!tok.is(close)) {
    FailureOr<int64_t> v = parseInteger(what);
    if (failed(v))
      return failure();
    values.push_back(*v);
    if (!consumeIf(Token::Comma))
      break;
  }
  if (failed(expect(close, "to close the tuple")))
    return failure();
  return values;
}

FailureOr<Value> FormulaParser::parseCall(Token name) {
  StringRef fn = name.text;
  if (fn == "Vi" || fn == "Vj" || fn == "Pm" || fn == "Vx" || fn == "Vy" ||
      fn == "Var")
    return parseVariable(name);
  if (fn == "IntCst" || fn == "RatCst" || fn == "Zero" || fn == "IntInv")
    return parseConstant(name);
  if (fn.ends_with("_Reduction"))
    return emitError(name.loc()) << "'" << fn
                                 << "' can only be the whole last statement";

  const auto &table = getFunctionTable();
  auto it = table.find(fn);
  if (it == table.end()) {
    InFlightDiagnostic diag = emitError(name.loc())
                              << "unknown operation '" << fn << "'";
    if (!currentAlias.empty())
      diag << "; an alias declares a variable: NAME = Vi(D), Vj(D), Pm(D), "
              "Vi(POS, D) or Var(POS, D, CAT)";
    return diag;
  }
  const FunctionInfo &info = it->second;
  unsigned arity = info.numFormulaArgs + info.intAttrs.size() +
                   info.tupleAttrs.size();
  unsigned maxArity = arity + info.optionalTupleAttrs.size();
  auto describeArity = [&]() -> std::string {
    std::string text = std::to_string(arity);
    if (maxArity != arity)
      text += " to " + std::to_string(maxArity);
    return text;
  };

  consume(); // '('
  SmallVector<Value> operands;
  SmallVector<NamedAttribute> attrs;
  auto argWhere = [&](unsigned index) {
    return ("argument " + Twine(index + 1) + " of '" + fn + "'").str();
  };
  for (unsigned index = 0; index < maxArity; ++index) {
    if (index >= arity && !tok.is(Token::Comma))
      break; // the optional arguments are left out
    if (index > 0 && !consumeIf(Token::Comma)) {
      if (tok.is(Token::RParen))
        return emitError(tok.loc()) << "'" << fn << "' takes "
                                    << describeArity() << " argument(s), but "
                                    << index << " were given";
      return expected("','", "before " + argWhere(index));
    }
    if (index < info.numFormulaArgs) {
      FailureOr<Value> v = parseExpr();
      if (failed(v))
        return failure();
      operands.push_back(*v);
    } else if (index < info.numFormulaArgs + info.intAttrs.size()) {
      StringRef attr = info.intAttrs[index - info.numFormulaArgs];
      FailureOr<int64_t> v = parseInteger(argWhere(index));
      if (failed(v))
        return failure();
      attrs.emplace_back(builder.getStringAttr(attr),
                         builder.getI64IntegerAttr(*v));
    } else {
      unsigned tupleIndex = index - info.numFormulaArgs - info.intAttrs.size();
      StringRef attr =
          tupleIndex < info.tupleAttrs.size()
              ? info.tupleAttrs[tupleIndex]
              : info.optionalTupleAttrs[tupleIndex - info.tupleAttrs.size()];
      FailureOr<SmallVector<int64_t>> v = parseTuple(argWhere(index));
      if (failed(v))
        return failure();
      attrs.emplace_back(builder.getStringAttr(attr),
                         builder.getDenseI64ArrayAttr(*v));
    }
  }
  if (tok.is(Token::Comma))
    return emitError(tok.loc()) << "'" << fn << "' takes " << describeArity()
                                << " argument(s), but more were given";
  if (failed(expect(Token::RParen, "to close the arguments of '" + fn + "'")))
    return failure();
  if (info.opName.empty())
    return expandCall(name, operands, attrs);
  return buildOp(name.loc(), info.opName, operands, attrs);
}

FailureOr<Value>
FormulaParser::expandCall(Token name, ArrayRef<Value> operands,
                          ArrayRef<NamedAttribute> attrs) {
  SmallVector<int64_t, 1> ints;
  for (const NamedAttribute &attr : attrs)
    ints.push_back(cast<IntegerAttr>(attr.getValue()).getInt());

  /// Builds the expansion's ops at the call.
  struct Builder : FormulaOpBuilder {
    Builder(FormulaParser &parser, SMLoc loc) : parser(parser), loc(loc) {}
    FailureOr<Value> op(StringRef opName, ValueRange operands,
                        ArrayRef<NamedAttribute> attrs) override {
      return parser.buildOp(loc, opName, operands, attrs);
    }
    Value constant(ArrayRef<double> values) override {
      return parser.buildConstant(loc, values);
    }
    InFlightDiagnostic error() override { return parser.emitError(loc); }
    NamedAttribute intAttr(StringRef attrName, int64_t value) override {
      return NamedAttribute(parser.builder.getStringAttr(attrName),
                            parser.builder.getI64IntegerAttr(value));
    }
    FormulaParser &parser;
    SMLoc loc;
  } builder(*this, name.loc());
  if (name.text == "GradMatrix")
    return expandGradMatrix(operands, builder);
  return expandComplexFunction(name.text, operands, ints, builder);
}

/// KeOps' GradMatrix(f, v), the transposed Jacobian: Grad(f, v, e_k) for
/// the unit vectors e_k of f's dimension, concatenated.
FailureOr<Value> FormulaParser::expandGradMatrix(ArrayRef<Value> operands,
                                                 FormulaOpBuilder &build) {
  int64_t dim = getFormulaDim(operands[0]);
  Value result;
  for (int64_t k = 0; k < dim; ++k) {
    SmallVector<double> unit(dim, 0.0);
    unit[k] = 1.0;
    FailureOr<Value> part = build.op(
        "kred.grad", ValueRange{operands[0], operands[1], build.constant(unit)});
    if (failed(part))
      return failure();
    if (result) {
      part = build.op("kred.concat", ValueRange{result, *part});
      if (failed(part))
        return failure();
    }
    result = *part;
  }
  return result;
}

FailureOr<Value> FormulaParser::parseVariable(Token name) {
  StringRef fn = name.text;
  consume(); // '('
  SmallVector<int64_t, 3> args;
  while (!tok.is(Token::RParen)) {
    FailureOr<int64_t> v = parseInteger("the variable " + fn);
    if (failed(v))
      return failure();
    args.push_back(*v);
    if (!consumeIf(Token::Comma))
      break;
  }
  if (failed(expect(Token::RParen, "to close '" + fn + "('")))
    return failure();

  VarCategory category = VarCategory::param;
  int64_t position, dim;
  if (fn == "Var") {
    if (args.size() != 3)
      return emitError(name.loc()) << "'Var' takes (position, dim, category),"
                                      " but " << args.size()
                                   << " integer(s) were given";
    if (args[2] < 0 || args[2] > 2)
      return emitError(name.loc()) << "'Var' category is " << args[2]
                                   << ", expected 0 (i), 1 (j) or 2 (param)";
    category = static_cast<VarCategory>(args[2]);
    position = args[0];
    dim = args[1];
  } else {
    if (fn == "Vi" || fn == "Vx")
      category = VarCategory::i;
    else if (fn == "Vj" || fn == "Vy")
      category = VarCategory::j;
    if (args.size() == 2) {
      position = args[0];
      dim = args[1];
    } else if (args.size() == 1) {
      if (!implicitPosition)
        return emitError(name.loc())
               << "'" << fn << "(" << args[0]
               << ")' without a position is only allowed as an alias such as "
                  "'X = " << fn << "(" << args[0] << ")'; write '" << fn
               << "(position, " << args[0] << ")'";
      position = *implicitPosition;
      dim = args[0];
    } else {
      return emitError(name.loc()) << "'" << fn << "' takes (dim) or "
                                      "(position, dim), but "
                                   << args.size() << " integer(s) were given";
    }
  }
  return declareVariable(name.loc(), category, position, dim);
}

FailureOr<Value> FormulaParser::parseConstant(Token name) {
  StringRef fn = name.text;
  consume(); // '('
  unsigned arity = fn == "RatCst" ? 2 : 1;
  SmallVector<int64_t, 2> args;
  for (unsigned index = 0; index < arity; ++index) {
    if (index > 0 && failed(expect(Token::Comma, "in '" + fn + "'")))
      return failure();
    FailureOr<int64_t> v = parseInteger("'" + fn + "'");
    if (failed(v))
      return failure();
    args.push_back(*v);
  }
  if (failed(expect(Token::RParen, "to close '" + fn + "('")))
    return failure();
  if (fn == "IntCst")
    return buildConstant(name.loc(), static_cast<double>(args[0]));
  if ((fn == "RatCst" && args[1] == 0) || (fn == "IntInv" && args[0] == 0))
    return emitError(name.loc()) << "'" << fn << "' divides by zero";
  if (fn == "RatCst")
    return buildConstant(name.loc(), static_cast<double>(args[0]) / args[1]);
  if (fn == "IntInv")
    return buildConstant(name.loc(), 1.0 / static_cast<double>(args[0]));
  if (args[0] < 1 || args[0] > kMaxFormulaDim)
    return emitError(name.loc()) << "'Zero' has dimension " << args[0]
                                 << ", expected a dimension in [1, "
                                 << kMaxFormulaDim << "]";
  return buildConstant(name.loc(), SmallVector<double>(args[0], 0.0));
}
//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> kred::importFormula(llvm::SourceMgr &sourceMgr,
                                          MLIRContext *context,
                                          const FormulaImportOptions &options) {
  context->loadDialect<KredDialect, func::FuncDialect, memref::MemRefDialect>();
  Location bufferLoc = FileLineColLoc::get(
      context,
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBufferIdentifier(),
      1, 1);
  Type elementType = llvm::StringSwitch<Type>(options.dtype)
                         .Cases({"float32", "f32"}, Float32Type::get(context))
                         .Cases({"float64", "f64"}, Float64Type::get(context))
                         .Cases({"float16", "f16"}, Float16Type::get(context))
                         .Cases({"bfloat16", "bf16"}, BFloat16Type::get(context))
                         .Default(Type());
  if (!elementType)
    return (emitError(bufferLoc) << "unknown dtype '" << options.dtype
                                 << "', expected float16, bfloat16, float32 "
                                    "or float64",
            nullptr);
  if (options.batchDims < 0)
    return (emitError(bufferLoc) << "batch dimensions is "
                                 << options.batchDims << ", expected >= 0",
            nullptr);
  FormulaParser parser(sourceMgr, context, options, elementType);
  return parser.parseSpecification();
}
