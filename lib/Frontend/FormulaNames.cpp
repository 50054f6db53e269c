//===- FormulaNames.cpp - KeOps' function and reduction names -------------===//

#include "FormulaParser.h"

using namespace mlir;
using namespace kred;
using namespace kred::formula;

const llvm::StringMap<FunctionInfo> &formula::getFunctionTable() {
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
std::optional<ReductionKind> formula::lookupReduction(StringRef name) {
  if (const ReductionKindInfo *info = lookupKeOpsReduction(name))
    return info->kind();
  return std::nullopt;
}

/// "Sum, Min, ...", for messages.
std::string formula::listReductionNames() {
  std::string names;
  for (const ReductionKindInfo &info : getReductionKinds())
    names += (names.empty() ? "" : ", ") + std::string(info.keopsName);
  return names;
}
