//===- FormulaLexer.h - tokens of KeOps formula strings ---------*- C++ -*-===//

#ifndef KRED_LIB_FRONTEND_FORMULALEXER_H
#define KRED_LIB_FRONTEND_FORMULALEXER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

namespace kred {

struct FormulaToken {
  enum Kind {
    Identifier, Integer, Real,
    LParen, RParen, LBracket, RBracket, Comma, Semicolon, Newline, Equal,
    Plus, Minus, Star, Slash, Bar, Power, // Power is ** or ^
    EqEq, NotEq, Less, LessEq, Greater, GreaterEq,
    End, Error
  };
  Kind kind;
  llvm::StringRef text;

  llvm::SMLoc loc() const { return llvm::SMLoc::getFromPointer(text.data()); }
  bool is(Kind k) const { return kind == k; }
};

/// Splits a formula specification into tokens. Newlines separate statements
/// only outside parentheses; '#' starts a comment.
class FormulaLexer {
public:
  explicit FormulaLexer(llvm::StringRef buffer)
      : buffer(buffer), pos(buffer.begin()) {}
  FormulaToken next();

private:
  FormulaToken make(FormulaToken::Kind kind, const char *start) {
    return {kind, llvm::StringRef(start, pos - start)};
  }

  llvm::StringRef buffer;
  const char *pos;
  int depth = 0;
};

/// A human-readable name of a token kind, for "expected ..." messages.
llvm::StringRef describeTokenKind(FormulaToken::Kind kind);

} // namespace kred

#endif // KRED_LIB_FRONTEND_FORMULALEXER_H
