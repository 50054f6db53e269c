//===- FormulaParser.h - the formula importer's parser and builder -*- C++ -*-===//
//
// Private to lib/Frontend: FormulaParser reads a KeOps specification
// (FormulaImport.cpp: the grammar) and builds its ops and module
// (FormulaBuilder.cpp: ops from the name table, variables, the kernel
// function); FormulaNames.cpp holds the KeOps name tables.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_FRONTEND_FORMULAPARSER_H
#define KRED_LIB_FRONTEND_FORMULAPARSER_H

#include "kred/Frontend/FormulaImport.h"
#include "ComplexFormulas.h"
#include "FormulaLexer.h"

#include "kred/Dialect/Kred/IR/KredOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/SourceMgr.h"

#include <map>

namespace kred {
namespace formula {

using namespace mlir;
using Token = FormulaToken;

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
/// The KeOps functions by name.
const llvm::StringMap<FunctionInfo> &getFunctionTable();

/// KeOps' reduction names; "Sum, Min, ...", for messages.
std::optional<ReductionKind> lookupReduction(StringRef name);
std::string listReductionNames();

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
  /// parseExpr, the result stored in `value`.
  LogicalResult parseExprInto(Value &value);
  /// Binary operators from precedence level `level` (0: '|', then + -,
  /// then * /) down.
  FailureOr<Value> parseBinary(unsigned level = 0);
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
  /// Variable positions are 0, 1, ..., P-1.
  LogicalResult checkPositions();
  /// The kernel's arguments: variables, outputs, block-sparse ranges.
  SmallVector<Type> buildArgumentTypes(ArrayRef<ReductionOutputSpec> outputs,
                                       size_t numRanges);
  /// The accumulation type and summation scheme the options ask for.
  LogicalResult buildSumAttributes(TypeAttr &accType, SumSchemeAttr &sumScheme);
  /// Aliases, outputs and ranges named on the kernel's arguments.
  void setArgumentAttributes(func::FuncOp func, size_t numOutputs,
                             size_t numRanges);

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

} // namespace formula
} // namespace kred

#endif // KRED_LIB_FRONTEND_FORMULAPARSER_H
