//===- FormulaLexer.cpp - tokens of KeOps formula strings -----------------===//

#include "FormulaLexer.h"

#include "llvm/ADT/StringExtras.h"

using namespace kred;
using Token = FormulaToken;

FormulaToken FormulaLexer::next() {
  const char *end = buffer.end();
  while (pos != end) {
    char c = *pos;
    if (c == '#') {
      while (pos != end && *pos != '\n')
        ++pos;
    } else if (c == '\n' && depth == 0) {
      break;
    } else if (llvm::isSpace(c)) {
      ++pos;
    } else {
      break;
    }
  }
  const char *start = pos;
  if (pos == end)
    return make(Token::End, start);

  char c = *pos++;
  auto peek = [&](char expected) {
    if (pos != end && *pos == expected) {
      ++pos;
      return true;
    }
    return false;
  };
  switch (c) {
  case '\n': return make(Token::Newline, start);
  case '(': ++depth; return make(Token::LParen, start);
  case ')': depth = depth > 0 ? depth - 1 : 0; return make(Token::RParen, start);
  case '[': ++depth; return make(Token::LBracket, start);
  case ']': depth = depth > 0 ? depth - 1 : 0; return make(Token::RBracket, start);
  case ',': return make(Token::Comma, start);
  case ';': return make(Token::Semicolon, start);
  case '+': return make(Token::Plus, start);
  case '-': return make(Token::Minus, start);
  case '/': return make(Token::Slash, start);
  case '|': return make(Token::Bar, start);
  case '^': return make(Token::Power, start);
  case '*': return make(peek('*') ? Token::Power : Token::Star, start);
  case '=': return make(peek('=') ? Token::EqEq : Token::Equal, start);
  case '!': return make(peek('=') ? Token::NotEq : Token::Error, start);
  case '<': return make(peek('=') ? Token::LessEq : Token::Less, start);
  case '>': return make(peek('=') ? Token::GreaterEq : Token::Greater, start);
  default: break;
  }

  if (llvm::isAlpha(c) || c == '_') {
    while (pos != end && (llvm::isAlnum(*pos) || *pos == '_'))
      ++pos;
    return make(Token::Identifier, start);
  }
  if (llvm::isDigit(c) || (c == '.' && pos != end && llvm::isDigit(*pos))) {
    bool real = c == '.';
    while (pos != end && llvm::isDigit(*pos))
      ++pos;
    if (pos != end && *pos == '.') {
      real = true;
      ++pos;
      while (pos != end && llvm::isDigit(*pos))
        ++pos;
    }
    if (pos != end && (*pos == 'e' || *pos == 'E')) {
      const char *save = pos++;
      if (pos != end && (*pos == '+' || *pos == '-'))
        ++pos;
      if (pos != end && llvm::isDigit(*pos)) {
        real = true;
        while (pos != end && llvm::isDigit(*pos))
          ++pos;
      } else {
        pos = save;
      }
    }
    return make(real ? Token::Real : Token::Integer, start);
  }
  return make(Token::Error, start);
}

llvm::StringRef kred::describeTokenKind(FormulaToken::Kind kind) {
  switch (kind) {
  case Token::Identifier: return "a name";
  case Token::Integer: return "an integer";
  case Token::Real: return "a number";
  case Token::LParen: return "'('";
  case Token::RParen: return "')'";
  case Token::LBracket: return "'['";
  case Token::RBracket: return "']'";
  case Token::Comma: return "','";
  case Token::Semicolon: return "';'";
  case Token::Newline: return "a new line";
  case Token::Equal: return "'='";
  case Token::Plus: return "'+'";
  case Token::Minus: return "'-'";
  case Token::Star: return "'*'";
  case Token::Slash: return "'/'";
  case Token::Bar: return "'|'";
  case Token::Power: return "'**'";
  case Token::EqEq: return "'=='";
  case Token::NotEq: return "'!='";
  case Token::Less: return "'<'";
  case Token::LessEq: return "'<='";
  case Token::Greater: return "'>'";
  case Token::GreaterEq: return "'>='";
  case Token::End: return "the end of the input";
  case Token::Error: return "an invalid character";
  }
  return "a token";
}
