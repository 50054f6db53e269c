//===- FormulaImport.cpp - KeOps formula strings to kred IR ---------------===//
//
// A recursive-descent parser that builds the formula ops directly, in a
// detached region that becomes the body of the kred.reduce once the
// variables (and so the function's arguments) are all known. Operator
// precedence follows Python, which evaluates KeOps formulas in pykeops:
// comparisons < '|' < '+ -' < '* /' < unary '-' < '**'.
//
//===----------------------------------------------------------------------===//

#include "kred/Frontend/FormulaImport.h"
#include "ComplexFormulas.h"
#include "FormulaLexer.h"

#include "kred/Dialect/Kred/IR/KredOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/SourceMgr.h"

#include <map>

using namespace mlir;
using namespace kred;
using Token = FormulaToken;

llvm::ArrayRef<KeOpsReduction> kred::getKeOpsReductions() {
  static const KeOpsReduction table[] = {
      {"Sum", ReductionKind::Sum},
      {"Min", ReductionKind::Min},
      {"Max", ReductionKind::Max},
      {"ArgMin", ReductionKind::ArgMin},
      {"ArgMax", ReductionKind::ArgMax},
      {"Min_ArgMin", ReductionKind::MinArgMin},
      {"Max_ArgMax", ReductionKind::MaxArgMax},
      {"KMin", ReductionKind::KMin},
      {"ArgKMin", ReductionKind::ArgKMin},
      {"KMin_ArgKMin", ReductionKind::KMinArgKMin},
      {"LogSumExp", ReductionKind::LogSumExp},
      {"LogSumExpWeight", ReductionKind::LogSumExpWeight},
      {"SumSoftMaxWeight", ReductionKind::SumSoftMaxWeight},
      {"Max_SumShiftExp", ReductionKind::MaxSumShiftExp},
      {"Max_SumShiftExpWeight", ReductionKind::MaxSumShiftExpWeight},
  };
  return table;
}

namespace {

/// How a KeOps function maps to a kred op: the op (none for the complex
/// operations, which are expanded), how many formula operands come first,
/// then the integer attributes, the shape-tuple attributes and the tuple
/// attributes that may be left out.
struct FunctionInfo {
  StringRef opName;
  unsigned numFormulaArgs;
  SmallVector<StringRef, 2> intAttrs = {};
  SmallVector<StringRef, 4> tupleAttrs = {};
  SmallVector<StringRef, 1> optionalTupleAttrs = {};
};

const llvm::StringMap<FunctionInfo> &getFunctionTable() {
  static const llvm::StringMap<FunctionInfo> table = {
      // Componentwise functions.
      {"Minus", {"kred.minus", 1}}, {"Inv", {"kred.inv", 1}},
      {"Exp", {"kred.exp", 1}}, {"Log", {"kred.log", 1}},
      {"XLogX", {"kred.xlogx", 1}}, {"Sin", {"kred.sin", 1}},
      {"Cos", {"kred.cos", 1}}, {"Asin", {"kred.asin", 1}},
      {"Acos", {"kred.acos", 1}}, {"Atan", {"kred.atan", 1}},
      {"SinXDivX", {"kred.sinxdivx", 1}}, {"Square", {"kred.square", 1}},
      {"Sqrt", {"kred.sqrt", 1}}, {"Rsqrt", {"kred.rsqrt", 1}},
      {"Abs", {"kred.abs", 1}}, {"Sign", {"kred.sign", 1}},
      {"Step", {"kred.step", 1}}, {"ReLU", {"kred.relu", 1}},
      {"ReLu", {"kred.relu", 1}}, {"Floor", {"kred.floor", 1}},
      {"Atan2", {"kred.atan2", 2}}, {"Powf", {"kred.powf", 2}},
      {"Add", {"kred.add", 2}}, {"Subtract", {"kred.sub", 2}},
      {"Mult", {"kred.mul", 2}}, {"Divide", {"kred.div", 2}},
      {"Pow", {"kred.pow", 1, {"exponent"}}},
      {"Round", {"kred.round", 1, {"decimals"}}},
      {"ClampInt", {"kred.clamp_int", 1, {"min", "max"}}},
      {"Clamp", {"kred.clamp", 3}}, {"IfElse", {"kred.if_else", 3}},
      {"Mod", {"kred.mod", 3}},
      // Vector ops.
      {"SqNorm2", {"kred.sqnorm2", 1}}, {"Norm2", {"kred.norm2", 1}},
      {"Normalize", {"kred.normalize", 1}}, {"Sum", {"kred.sum", 1}},
      {"Max", {"kred.max", 1}}, {"Min", {"kred.min", 1}},
      {"ArgMax", {"kred.argmax", 1}}, {"ArgMin", {"kred.argmin", 1}},
      {"SumT", {"kred.sum_t", 1, {"dim"}}},
      {"SqDist", {"kred.sqdist", 2}}, {"Scalprod", {"kred.scalprod", 2}},
      {"WeightedSqNorm", {"kred.weighted_sqnorm", 2}},
      {"SqNormIso", {"kred.weighted_sqnorm", 2}},
      {"SqNormDiag", {"kred.weighted_sqnorm", 2}},
      {"SymSqNorm", {"kred.weighted_sqnorm", 2}},
      {"WeightedSqDist", {"kred.weighted_sqdist", 3}},
      // Indexing.
      {"Elem", {"kred.elem", 1, {"index"}}},
      {"ElemT", {"kred.elem_t", 1, {"dim", "index"}}},
      {"Extract", {"kred.extract", 1, {"start", "length"}}},
      {"ExtractT", {"kred.extract_t", 1, {"start", "dim"}}},
      {"Concat", {"kred.concat", 2}},
      {"OneHot", {"kred.one_hot", 1, {"dim"}}},
      // Tensor algebra.
      {"MatVecMult", {"kred.matvecmult", 2}},
      {"VecMatMult", {"kred.vecmatmult", 2}},
      {"TensorProd", {"kred.tensorprod", 2}},
      {"TensorDot",
       {"kred.tensordot", 2, {},
        {"lhs_shape", "rhs_shape", "lhs_contract", "rhs_contract"},
        {"permutation"}}},
      {"Kron", {"kred.kron", 2, {}, {"lhs_shape", "rhs_shape"}}},
      // Complex operations on (re, im) pairs, expanded into real ops
      // (ComplexFormulas.cpp): no op name.
      {"ComplexReal", {"", 1}}, {"ComplexImag", {"", 1}},
      {"ComplexAngle", {"", 1}}, {"ComplexAbs", {"", 1}},
      {"ComplexSquareAbs", {"", 1}}, {"Conj", {"", 1}},
      {"ComplexExp", {"", 1}}, {"ComplexExp1j", {"", 1}},
      {"Real2Complex", {"", 1}}, {"Imag2Complex", {"", 1}},
      {"ComplexSum", {"", 1}}, {"ComplexSumT", {"", 1, {"dim"}}},
      {"ComplexAdd", {"", 2}}, {"ComplexSubtract", {"", 2}},
      {"ComplexMult", {"", 2}}, {"ComplexDivide", {"", 2}},
      {"ComplexRealScal", {"", 2}},
      // Symbolic derivatives.
      {"Grad", {"kred.grad", 3}}, {"DiffT", {"kred.grad", 3}},
      {"Diff", {"kred.diff", 3}}, {"GradMatrix", {"", 2}},
      {"Laplacian", {"kred.laplacian", 2}},
      {"Divergence", {"kred.divergence", 2}},
  };
  return table;
}

/// KeOps' reduction names.
std::optional<ReductionKind> lookupReduction(StringRef name) {
  for (const KeOpsReduction &reduction : getKeOpsReductions())
    if (reduction.name == name)
      return reduction.kind;
  return std::nullopt;
}

/// "Sum, Min, ...", for messages.
std::string listReductionNames() {
  std::string names;
  for (const KeOpsReduction &reduction : getKeOpsReductions())
    names += (names.empty() ? "" : ", ") + reduction.name.str();
  return names;
}

/// A variable seen in the specification.
struct VariableInfo {
  VarCategory category;
  int64_t dim;
  SMLoc loc;
  std::string alias;
};

class FormulaParser {
public:
  FormulaParser(llvm::SourceMgr &sourceMgr, MLIRContext *context,
                const FormulaImportOptions &options, Type elementType)
      : sourceMgr(sourceMgr), context(context), options(options),
        elementType(elementType),
        lexer(sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())
                  ->getBuffer()),
        builder(context) {
    llvm::StringRef text =
        sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBuffer();
    for (size_t at = text.find('\n'); at != llvm::StringRef::npos;
         at = text.find('\n', at + 1))
      lineEnds.push_back(at);
    body.push_back(new Block());
    builder.setInsertionPointToStart(&body.front());
    consume();
  }

  OwningOpRef<ModuleOp> parseSpecification();

private:
  //===--- Tokens and diagnostics ---------------------------------------===//

  void consume() { tok = lexer.next(); }
  bool consumeIf(Token::Kind kind) {
    if (!tok.is(kind))
      return false;
    consume();
    return true;
  }
  /// The location of `loc`, found by a binary search over the line ends
  /// (SourceMgr scans the line for the column: quadratic on long lines).
  Location locOf(SMLoc loc) {
    const llvm::MemoryBuffer *buffer =
        sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
    size_t offset = loc.getPointer() - buffer->getBufferStart();
    size_t line = llvm::lower_bound(lineEnds, offset) - lineEnds.begin();
    size_t lineStart = line ? lineEnds[line - 1] + 1 : 0;
    return FileLineColLoc::get(context, buffer->getBufferIdentifier(),
                               line + 1, offset - lineStart + 1);
  }
  InFlightDiagnostic emitError(SMLoc loc) { return mlir::emitError(locOf(loc)); }
  /// Reports "expected <what> <context>, found <token>".
  LogicalResult expected(const Twine &what, const Twine &where = "") {
    InFlightDiagnostic diag = emitError(tok.loc()) << "expected " << what;
    if (!where.isTriviallyEmpty())
      diag << " " << where;
    diag << ", found ";
    if (tok.is(Token::End) || tok.is(Token::Newline))
      diag << describeTokenKind(tok.kind);
    else
      diag << "'" << tok.text << "'";
    return diag;
  }
  LogicalResult expect(Token::Kind kind, const Twine &where) {
    if (consumeIf(kind))
      return success();
    return expected(describeTokenKind(kind), where);
  }
  bool atStatementEnd() const {
    return tok.is(Token::Newline) || tok.is(Token::Semicolon) ||
           tok.is(Token::End);
  }
  void skipSeparators() {
    while (tok.is(Token::Newline) || tok.is(Token::Semicolon))
      consume();
  }

  //===--- Grammar ------------------------------------------------------===//

  LogicalResult parseAlias();
  LogicalResult parseReductionStatement();
  FailureOr<Value> parseExpr();
  FailureOr<Value> parseBarExpr();
  FailureOr<Value> parseAdditive();
  FailureOr<Value> parseMultiplicative();
  FailureOr<Value> parseUnary();
  FailureOr<Value> parsePower();
  FailureOr<Value> parsePrimary();
  FailureOr<Value> parseCall(Token name);
  /// Operations without an op of their own, built from others: complex
  /// operations (ComplexFormulas.cpp) and GradMatrix.
  FailureOr<Value> expandCall(Token name, ArrayRef<Value> operands,
                              ArrayRef<NamedAttribute> attrs);
  FailureOr<Value> expandGradMatrix(ArrayRef<Value> operands,
                                    FormulaOpBuilder &build);
  FailureOr<Value> parseVariable(Token name);
  FailureOr<Value> parseConstant(Token name);
  FailureOr<int64_t> parseInteger(const Twine &what);
  FailureOr<SmallVector<int64_t>> parseTuple(const Twine &what);

  //===--- IR -----------------------------------------------------------===//

  FailureOr<Value> buildOp(SMLoc loc, StringRef name, ValueRange operands,
                           ArrayRef<NamedAttribute> attrs = {});
  Value buildConstant(SMLoc loc, ArrayRef<double> values);
  FailureOr<Value> declareVariable(SMLoc loc, VarCategory category,
                                   int64_t position, int64_t dim);
  OwningOpRef<ModuleOp> buildModule();

  llvm::SourceMgr &sourceMgr;
  /// Offsets of the '\n's of the input.
  std::vector<size_t> lineEnds;
  MLIRContext *context;
  const FormulaImportOptions &options;
  Type elementType;
  FormulaLexer lexer;
  Token tok{Token::End, {}};
  OpBuilder builder;
  Region body;

  llvm::StringMap<Value> aliases;
  std::map<int64_t, VariableInfo> variables;
  /// The position an alias `X = Vi(3)` gets: the number of variable aliases
  /// before it, as pykeops numbers its aliases.
  std::optional<int64_t> implicitPosition;
  int64_t numVariableAliases = 0;
  std::string currentAlias;
  int64_t nesting = 0, numOps = 0;

  std::optional<ReductionKind> kind;
  IndexAxis axis = IndexAxis::j;
  std::optional<int64_t> k;
  Value formula, weight;
  SMLoc reductionLoc;
};

} // namespace

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
    if (isWeighted(*kind))
      return emitError(tok.loc())
             << "reduction '" << *options.reduction
             << "' needs a weight formula; write '" << *options.reduction
             << "_Reduction(F, tag, G)'";
    k = options.k;
    if (needsK(*kind) && !k)
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
  FailureOr<Value> f = parseExpr();
  if (failed(f))
    return failure();
  formula = *f;
  if (failed(expect(Token::Comma, "after the formula")))
    return failure();
  if (needsK(*kind)) {
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
  if (isWeighted(*kind)) {
    if (failed(expect(Token::Comma, "before the weight formula")))
      return failure();
    FailureOr<Value> g = parseExpr();
    if (failed(g))
      return failure();
    weight = *g;
  }
  return expect(Token::RParen, "to close the reduction");
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

FailureOr<Value> FormulaParser::parseExpr() {
  FailureOr<Value> lhs = parseBarExpr();
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
    FailureOr<Value> rhs = parseBarExpr();
    if (failed(rhs))
      return failure();
    NamedAttribute attr(builder.getStringAttr("predicate"),
                        CmpPredicateAttr::get(context, predicate));
    return buildOp(loc, "kred.cmp", {*lhs, *rhs}, attr);
  }
  return lhs;
}

FailureOr<Value> FormulaParser::parseBarExpr() {
  FailureOr<Value> lhs = parseAdditive();
  while (succeeded(lhs) && tok.is(Token::Bar)) {
    SMLoc loc = tok.loc();
    consume();
    FailureOr<Value> rhs = parseAdditive();
    if (failed(rhs))
      return failure();
    lhs = buildOp(loc, "kred.scalprod", {*lhs, *rhs});
  }
  return lhs;
}

FailureOr<Value> FormulaParser::parseAdditive() {
  FailureOr<Value> lhs = parseMultiplicative();
  while (succeeded(lhs) && (tok.is(Token::Plus) || tok.is(Token::Minus))) {
    StringRef op = tok.is(Token::Plus) ? "kred.add" : "kred.sub";
    SMLoc loc = tok.loc();
    consume();
    FailureOr<Value> rhs = parseMultiplicative();
    if (failed(rhs))
      return failure();
    lhs = buildOp(loc, op, {*lhs, *rhs});
  }
  return lhs;
}

FailureOr<Value> FormulaParser::parseMultiplicative() {
  FailureOr<Value> lhs = parseUnary();
  while (succeeded(lhs) && (tok.is(Token::Star) || tok.is(Token::Slash))) {
    StringRef op = tok.is(Token::Star) ? "kred.mul" : "kred.div";
    SMLoc loc = tok.loc();
    consume();
    FailureOr<Value> rhs = parseUnary();
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
  if (it == table.end())
    return emitError(name.loc()) << "unknown operation '" << fn << "'";
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
// IR
//===----------------------------------------------------------------------===//

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

OwningOpRef<ModuleOp> FormulaParser::buildModule() {
  Location loc = locOf(reductionLoc);
  // Positions must be 0, 1, ..., P-1: each is one argument of the kernel.
  int64_t expectedPosition = 0;
  for (const auto &[position, info] : variables) {
    if (position != expectedPosition)
      return (emitError(reductionLoc)
                  << "no variable has position " << expectedPosition
                  << ", but one has position " << position
                  << "; positions must be 0, 1, 2, ... without gaps",
              nullptr);
    ++expectedPosition;
  }

  YieldOp::create(builder, loc,
                  weight ? ValueRange{formula, weight} : ValueRange{formula});

  int64_t batch = options.batchDims;
  SmallVector<int64_t> batchShape(batch, ShapedType::kDynamic);
  SmallVector<Type> argTypes;
  for (const auto &[position, info] : variables) {
    SmallVector<int64_t> shape(batchShape);
    if (info.category != VarCategory::param)
      shape.push_back(ShapedType::kDynamic);
    shape.push_back(info.dim);
    argTypes.push_back(MemRefType::get(shape, elementType));
  }
  int64_t formulaDim = getFormulaDim(formula);
  int64_t weightDim = weight ? getFormulaDim(weight) : 0;
  auto specs = getReductionOutputSpecs(*kind, formulaDim, weightDim, k.value_or(1));
  for (const ReductionOutputSpec &spec : specs) {
    SmallVector<int64_t> shape(batchShape);
    shape.push_back(ShapedType::kDynamic);
    shape.push_back(spec.dim);
    Type element = spec.isIndex ? Type(builder.getI64Type()) : elementType;
    argTypes.push_back(MemRefType::get(shape, element));
  }
  // KeOps' six block-sparse arrays, after the outputs: [start, end) pairs
  // and slice ends, as i64.
  size_t numRanges = options.ranges ? 6 : 0;
  if (options.ranges && batch > 0)
    return (emitError(reductionLoc)
                << "block-sparse ranges take no batch dimensions; reduce each "
                   "batch entry separately",
            nullptr);
  for (size_t index = 0; index < numRanges; ++index)
    argTypes.push_back(MemRefType::get(
        index % 3 == 1 ? ArrayRef<int64_t>{ShapedType::kDynamic}
                       : ArrayRef<int64_t>{ShapedType::kDynamic, 2},
        builder.getI64Type()));

  TypeAttr accType;
  SumSchemeAttr sumScheme;
  if (!options.accType.empty() || !options.sumScheme.empty()) {
    if (!isSummation(*kind))
      return (emitError(reductionLoc)
                  << "an accumulation type or summation scheme is given, "
                     "but reduction '"
                  << stringifyReductionKind(*kind) << "' is not a sum",
              nullptr);
  }
  if (!options.accType.empty()) {
    Type acc = llvm::StringSwitch<Type>(options.accType)
                   .Cases({"float32", "f32"}, builder.getF32Type())
                   .Cases({"float64", "f64"}, builder.getF64Type())
                   .Default(Type());
    if (!acc)
      return (emitError(reductionLoc) << "unknown accumulation type '"
                                      << options.accType
                                      << "', expected float32 or float64",
              nullptr);
    accType = TypeAttr::get(acc);
  }
  if (!options.sumScheme.empty()) {
    std::optional<SumScheme> scheme = symbolizeSumScheme(options.sumScheme);
    if (!scheme)
      return (emitError(reductionLoc) << "unknown summation scheme '"
                                      << options.sumScheme
                                      << "', expected direct, block or kahan",
              nullptr);
    sumScheme = SumSchemeAttr::get(context, *scheme);
  }

  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder b = OpBuilder::atBlockEnd(module->getBody());
  auto func = func::FuncOp::create(b, loc, options.kernelName,
                                   b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  // All argument attributes at once: setting them one by one would build
  // (and keep: attributes are immortal) an array per argument.
  SmallVector<Attribute> argAttrs(argTypes.size(), b.getDictionaryAttr({}));
  auto named = [&](size_t index, StringRef name, Attribute value) {
    argAttrs[index] =
        b.getDictionaryAttr(b.getNamedAttr(name, value));
  };
  for (const auto &[position, info] : variables)
    if (!info.alias.empty())
      named(position, "kred.alias", b.getStringAttr(info.alias));
  for (size_t index = 0; index < specs.size(); ++index)
    named(variables.size() + index, "kred.output", b.getUnitAttr());
  static const char *rangesNames[] = {"ranges_i",    "slices_i",
                                      "redranges_j", "ranges_j",
                                      "slices_j",    "redranges_i"};
  for (size_t index = 0; index < numRanges; ++index)
    named(variables.size() + specs.size() + index, "kred.ranges",
          b.getStringAttr(rangesNames[index]));
  func.setAllArgAttrs(argAttrs);

  b.setInsertionPointToStart(entry);
  auto args = entry->getArguments();
  auto reduce = ReduceOp::create(
      b, loc, TypeRange{}, ReductionKindAttr::get(context, *kind),
      IndexAxisAttr::get(context, axis),
      k ? b.getI64IntegerAttr(*k) : IntegerAttr(), accType, sumScheme,
      b.getI64IntegerAttr(batch),
      args.take_front(variables.size()),
      args.slice(variables.size(), specs.size()),
      args.take_back(numRanges));
  reduce.getBody().takeBody(body);
  func::ReturnOp::create(b, loc);

  if (failed(verify(*module)))
    return nullptr;
  return module;
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
