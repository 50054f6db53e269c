//===- KredFormulaOps.td - ops of a kred formula -----------*- tablegen -*-===//
//
// The ops of the KeOps formula language. Each computes one small vector from
// others; all are Pure, so CSE merges repeated subexpressions. Dimension rules
// live in one place: the result type of every op whose dimension changes is
// inferred (KredTypeInference.cpp), and a wrong dimension is reported there.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_FORMULA_OPS_TD
#define KRED_FORMULA_OPS_TD

include "KredDialect.td"
include "KredEnums.td"
include "KredInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Base classes
//===----------------------------------------------------------------------===//

/// A formula op; unless `computable` is 0 (the derivative ops), its meaning
/// is given through FormulaOpInterface (lib/Dialect/Kred/IR/Semantics*.cpp).
/// `ownMethods` and `derivativeMethods` name the interfaces' methods with a
/// default that the op defines.
class Kred_FormulaOp<string mnemonic, list<Trait> traits = [],
                     bit computable = 1, list<string> ownMethods = [],
                     list<string> derivativeMethods = []>
    : Kred_Op<mnemonic, !listconcat([Pure],
        !if(computable,
            [DeclareOpInterfaceMethods<Kred_FormulaOpInterface, ownMethods>,
             DeclareOpInterfaceMethods<Kred_DifferentiableOpInterface,
                                       derivativeMethods>], []),
        traits)> {
  let results = (outs Kred_Value:$result);
  let hasFolder = 1;
  // An op folds by evaluating itself on constant operands
  // (FormulaOpInterface), else by `identityFold`: an algebraic identity
  // giving an existing value (an expression over the op's accessors and
  // `adaptor`; null where it does not apply; helpers in KredFolds.cpp).
  code identityFold = "::mlir::Value()";
  code foldDef = [{
    ::mlir::OpFoldResult $cppClass::fold(FoldAdaptor adaptor) {
      if (::mlir::OpFoldResult folded =
              ::kred::foldByEvaluation(getOperation(), adaptor.getOperands()))
        return folded;
      return }] # identityFold # [{;
    }
  }];
  // The names KeOps formulas call this op by (the importer's table and
  // LazyTensor's math methods are generated from them: KredTables.td).
  list<string> keopsNames = [];
  // The result's dimension where it is not the operands': the body of a
  // function of `check` (kred::DimChecker, DimRules.h, after the checks
  // every op makes) and `adaptor`, returning FailureOr<int64_t>. Such ops
  // list InferTypeOpAdaptor; inferFormulaType is their inferReturnTypes.
  code dimRule = "";
  code inferDef = !if(!empty(dimRule), "", [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location> loc,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::kred::inferFormulaType(loc, getOperationName(),
          adaptor.getOperands(), types,
          [&](::kred::DimChecker &check) -> ::mlir::FailureOr<int64_t> {
  }] # dimRule # [{
          });
    }
  }]);
  let extraClassDefinition = !strconcat(foldDef, inferDef);
}

/// `y = f(x)` componentwise; the result has the type of `x`.
class Kred_UnaryOp<string mnemonic, string math, string notes = "",
                   list<string> ownMethods = []>
    : Kred_FormulaOp<mnemonic, [SameOperandsAndResultType], 1, ownMethods> {
  let summary = "componentwise " # math;
  let description = "Computes `" # math # "` for each component of `x`. "
      # notes # "\n\nExample:\n\n```mlir\n%y = kred." # mnemonic
      # " %x : vector<3xf32>\n```\n";
  let arguments = (ins Kred_Value:$x);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

/// Componentwise op over operands whose dimensions are equal or 1: a
/// dimension-1 operand is broadcast, as KeOps does for scalar-vector products.
class Kred_BroadcastOp<string mnemonic, string math, dag args, string example,
                       list<Trait> traits = [],
                       list<string> derivativeMethods = []>
    : Kred_FormulaOp<mnemonic, !listconcat([InferTypeOpAdaptor], traits), 1,
                     [], derivativeMethods> {
  let summary = "componentwise " # math # ", broadcasting scalars";
  let description = "Computes `" # math # "` for each component. Operands "
      # "have the same dimension D, or dimension 1 and are broadcast to D; "
      # "all share one element type.\n\nExample:\n\n```mlir\n" # example
      # "\n```\n";
  let arguments = args;
  let dimRule = [{
    return ::kred::inferBroadcastDim(check, adaptor.getOperands().size());
  }];
}

class Kred_BinaryOp<string mnemonic, string math, list<Trait> traits = [],
                    list<string> derivativeMethods = []>
    : Kred_BroadcastOp<mnemonic, math, (ins Kred_Value:$lhs, Kred_Value:$rhs),
        "%z = kred." # mnemonic # " %x, %s : vector<3xf32>, vector<1xf32>",
        traits, derivativeMethods> {
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
}

class Kred_TernaryOp<string mnemonic, string math, string a, string b,
                     string c, list<string> derivativeMethods = []>
    : Kred_BroadcastOp<mnemonic, math,
        (ins Kred_Value:$x, Kred_Value:$y, Kred_Value:$z),
        "%r = kred." # mnemonic
          # " %u, %v, %w : vector<3xf32>, vector<1xf32>, vector<3xf32>", [],
        derivativeMethods> {
  let description = "Computes `" # math # "` for each component, where `"
      # a # "`, `" # b # "`, `" # c # "` are the three operands. Operands "
      # "have the same dimension D, or dimension 1 and are broadcast to D."
      # "\n\nExample:\n\n```mlir\n%r = kred." # mnemonic
      # " %u, %v, %w : vector<3xf32>, vector<1xf32>, vector<3xf32>\n```\n";
  let assemblyFormat = "$x `,` $y `,` $z attr-dict `:` type($x) `,` "
                       "type($y) `,` type($z)";
}

/// A reduction of one vector to a scalar (`vector<1xT>`).
class Kred_ToScalarOp<string mnemonic, string math>
    : Kred_FormulaOp<mnemonic, [InferTypeOpAdaptor]> {
  let summary = math # " of the components of a vector";
  let description = "Computes `" # math # "` over the components of `x`; "
      # "the result is a scalar.\n\nExample:\n\n```mlir\n%s = kred."
      # mnemonic # " %x : vector<3xf32>\n```\n";
  let arguments = (ins Kred_Value:$x);
  let assemblyFormat = "$x attr-dict `:` type($x)";
  let dimRule = "return 1;";
}

//===----------------------------------------------------------------------===//
// Arithmetic
//===----------------------------------------------------------------------===//

def Kred_AddOp : Kred_BinaryOp<"add", "lhs + rhs", [Commutative]> {
  let keopsNames = ["Add"];
  let identityFold = [{ ::kred::foldNeutral(*this, adaptor, 0.0, /*commutative=*/true) }];
  let hasCanonicalizer = 1;
}
def Kred_SubOp : Kred_BinaryOp<"sub", "lhs - rhs"> {
  let keopsNames = ["Subtract"];
  let identityFold = [{ ::kred::foldNeutral(*this, adaptor, 0.0, /*commutative=*/false) }];
  let hasCanonicalizer = 1;
}
def Kred_MulOp : Kred_BinaryOp<"mul", "lhs * rhs", [Commutative]> {
  let keopsNames = ["Mult"];
  let identityFold = [{ ::kred::foldNeutral(*this, adaptor, 1.0, /*commutative=*/true) }];
  let hasCanonicalizer = 1;
}
def Kred_DivOp : Kred_BinaryOp<"div", "lhs / rhs", [], ["buildWholeGradient"]> {
  let keopsNames = ["Divide"];
  let identityFold = [{ ::kred::foldNeutral(*this, adaptor, 1.0, /*commutative=*/false) }];
}
def Kred_Atan2Op : Kred_BinaryOp<"atan2", "atan2(lhs, rhs)"> {
  let keopsNames = ["Atan2"];
}
def Kred_PowfOp : Kred_BinaryOp<"powf", "lhs ^ rhs (real exponent)"> {
  let keopsNames = ["Powf"];
  let hasCanonicalizer = 1;
}

def Kred_CmpOp : Kred_BroadcastOp<"cmp", "lhs <predicate> rhs",
    (ins Kred_CmpPredicateAttr:$predicate, Kred_Value:$lhs, Kred_Value:$rhs),
    "%c = kred.cmp lt, %x, %s : vector<3xf32>, vector<1xf32>"> {
  let summary = "componentwise comparison, 1 where true and 0 where false";
  let assemblyFormat = "$predicate `,` $lhs `,` $rhs attr-dict `:` "
                       "type($lhs) `,` type($rhs)";
}

def Kred_MinusOp : Kred_UnaryOp<"minus", "-x"> {
  let keopsNames = ["Minus"];
  let identityFold = [{ ::kred::foldInverse<MinusOp>(getX()) }];
}
def Kred_InvOp : Kred_UnaryOp<"inv", "1 / x"> {
  let keopsNames = ["Inv"];
  let identityFold = [{ ::kred::foldInverse<InvOp>(getX()) }];
}
def Kred_SquareOp : Kred_UnaryOp<"square", "x * x"> {
  let keopsNames = ["Square"];
}
def Kred_SqrtOp : Kred_UnaryOp<"sqrt", "sqrt(x)"> {
  let keopsNames = ["Sqrt"];
  let hasCanonicalizer = 1;
}
def Kred_RsqrtOp : Kred_UnaryOp<"rsqrt", "1 / sqrt(x)",
    "As in KeOps, `rsqrt(0) = 0`, so that normalizing a zero vector gives zero."> {
  let keopsNames = ["Rsqrt"];
}
def Kred_AbsOp : Kred_UnaryOp<"abs", "|x|"> {
  let keopsNames = ["Abs"];
}
def Kred_SignOp : Kred_UnaryOp<"sign", "sign(x)",
    "Gives -1, 0 or 1."> {
  let keopsNames = ["Sign"];
}
def Kred_StepOp : Kred_UnaryOp<"step", "x < 0 ? 0 : 1"> {
  let keopsNames = ["Step"];
}
def Kred_ReluOp : Kred_UnaryOp<"relu", "x < 0 ? 0 : x"> {
  let keopsNames = ["ReLU", "ReLu"];
}
def Kred_FloorOp : Kred_UnaryOp<"floor", "floor(x)"> {
  let keopsNames = ["Floor"];
}

def Kred_PowOp : Kred_FormulaOp<"pow", [SameOperandsAndResultType]> {
  let keopsNames = ["Pow"];
  let summary = "componentwise integer power";
  let description = [{
    Raises each component of `x` to the integer power `exponent` (KeOps'
    `Pow(x, n)`); negative exponents divide.

    Example:

    ```mlir
    %y = kred.pow %x, 3 : vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$x, I64Attr:$exponent);
  let assemblyFormat = "$x `,` $exponent attr-dict `:` type($x)";
  let identityFold = [{ getExponent() == 1 ? getX() : ::mlir::Value() }];
  let hasCanonicalizer = 1;
}

def Kred_RoundOp : Kred_FormulaOp<"round", [SameOperandsAndResultType]> {
  let keopsNames = ["Round"];
  let summary = "componentwise rounding to a number of decimals";
  let description = [{
    Rounds each component of `x` to `decimals` digits after the point
    (KeOps' `Round(x, d)`), halfway cases away from zero.

    Example:

    ```mlir
    %y = kred.round %x, 2 : vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$x, I64Attr:$decimals);
  let assemblyFormat = "$x `,` $decimals attr-dict `:` type($x)";
}

def Kred_ClampIntOp : Kred_FormulaOp<"clamp_int", [SameOperandsAndResultType]> {
  let keopsNames = ["ClampInt"];
  let summary = "componentwise clamp to integer bounds";
  let description = [{
    Clamps each component of `x` to `[min, max]`, two integer constants
    (KeOps' `ClampInt(x, a, b)`).

    Example:

    ```mlir
    %y = kred.clamp_int %x, -1, 1 : vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$x, I64Attr:$min, I64Attr:$max);
  let assemblyFormat = "$x `,` $min `,` $max attr-dict `:` type($x)";
  let hasVerifier = 1;
}

def Kred_ClampOp : Kred_TernaryOp<"clamp", "min(max(x, a), b)", "x", "a", "b",
                                  ["buildWholeGradient"]> {
  let keopsNames = ["Clamp"];
}
def Kred_IfElseOp : Kred_TernaryOp<"if_else", "c >= 0 ? a : b", "c", "a", "b",
                                   ["buildWholeGradient"]> {
  let keopsNames = ["IfElse"];
}
def Kred_ModOp : Kred_TernaryOp<"mod", "x - n * floor((x - d) / n)",
                                "x", "n", "d"> {
  let keopsNames = ["Mod"];
}

//===----------------------------------------------------------------------===//
// Transcendental functions
//===----------------------------------------------------------------------===//

def Kred_ExpOp : Kred_UnaryOp<"exp", "exp(x)", "", ["getLaneConstantCount"]> {
  let keopsNames = ["Exp"];
  let identityFold = [{ ::kred::foldInverse<LogOp>(getX()) }];
}
def Kred_Exp2Op : Kred_UnaryOp<"exp2", "2^x",
    "Not in KeOps' language: `kred-fast-math` rewrites `exp(x)` into "
    "`exp2(x * log2(e))` with the scale folded into constants.",
    ["getLaneConstantCount"]>;
def Kred_LogOp : Kred_UnaryOp<"log", "log(x)"> {
  let keopsNames = ["Log"];
  let identityFold = [{ ::kred::foldInverse<ExpOp>(getX()) }];
}
def Kred_XLogXOp : Kred_UnaryOp<"xlogx", "x * log(x)",
    "Gives 0 at x = 0, its limit."> {
  let keopsNames = ["XLogX"];
}
def Kred_SinOp : Kred_UnaryOp<"sin", "sin(x)"> {
  let keopsNames = ["Sin"];
}
def Kred_CosOp : Kred_UnaryOp<"cos", "cos(x)"> {
  let keopsNames = ["Cos"];
}
def Kred_AsinOp : Kred_UnaryOp<"asin", "asin(x)"> {
  let keopsNames = ["Asin"];
}
def Kred_AcosOp : Kred_UnaryOp<"acos", "acos(x)"> {
  let keopsNames = ["Acos"];
}
def Kred_AtanOp : Kred_UnaryOp<"atan", "atan(x)"> {
  let keopsNames = ["Atan"];
}
def Kred_SinXDivXOp : Kred_UnaryOp<"sinxdivx", "sin(x) / x",
    "Gives 1 at x = 0, its limit."> {
  let keopsNames = ["SinXDivX"];
}

//===----------------------------------------------------------------------===//
// Vector ops
//===----------------------------------------------------------------------===//

def Kred_SqNorm2Op : Kred_ToScalarOp<"sqnorm2", "sum of squares"> {
  let keopsNames = ["SqNorm2"];
  let hasCanonicalizer = 1;
}
def Kred_Norm2Op : Kred_ToScalarOp<"norm2", "Euclidean norm"> {
  let keopsNames = ["Norm2"];
}
def Kred_SumOp : Kred_ToScalarOp<"sum", "sum"> {
  let keopsNames = ["Sum"];
}
def Kred_MaxOp : Kred_ToScalarOp<"max", "maximum"> {
  let keopsNames = ["Max"];
}
def Kred_MinOp : Kred_ToScalarOp<"min", "minimum"> {
  let keopsNames = ["Min"];
}
def Kred_ArgMaxOp : Kred_ToScalarOp<"argmax",
    "index (as a float, first one on ties) of the maximum"> {
  let keopsNames = ["ArgMax"];
}
def Kred_ArgMinOp : Kred_ToScalarOp<"argmin",
    "index (as a float, first one on ties) of the minimum"> {
  let keopsNames = ["ArgMin"];
}

def Kred_NormalizeOp : Kred_UnaryOp<"normalize", "x / |x|",
    "A zero vector stays zero (`x * rsqrt(sqnorm2(x))`)."> {
  let keopsNames = ["Normalize"];
}

def Kred_SumTOp : Kred_FormulaOp<"sum_t", [InferTypeOpAdaptor]> {
  let keopsNames = ["SumT"];
  let dimRule = [{
    return check.dimIs(0, 1, "kred.sum_t broadcasts a scalar")
        .inRange("dim", adaptor.getDim(), 1, ::kred::kMaxFormulaDim)
        .result(adaptor.getDim());
  }];
  let summary = "broadcast a scalar to a vector (adjoint of kred.sum)";
  let description = [{
    Repeats the scalar `x` in every component of a vector of dimension `dim`
    (KeOps' `SumT(x, d)`), the adjoint of `kred.sum`.

    Example:

    ```mlir
    %v = kred.sum_t %s, 3 : vector<1xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$x, I64Attr:$dim);
  let assemblyFormat = "$x `,` $dim attr-dict `:` type($x)";
}

def Kred_SqDistOp : Kred_FormulaOp<"sqdist", [InferTypeOpAdaptor]> {
  let keopsNames = ["SqDist"];
  let dimRule = [{
    return check.dimIs(1, check.dim(0), "the dimension of operand #0").result(1);
  }];
  let summary = "squared Euclidean distance";
  let description = [{
    `sum_k (x_k - y_k)^2`; `x` and `y` have the same dimension and the result
    is a scalar.

    Example:

    ```mlir
    %d = kred.sqdist %x, %y : vector<3xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$lhs, Kred_Value:$rhs);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
}

def Kred_ScalprodOp : Kred_FormulaOp<"scalprod", [InferTypeOpAdaptor,
                                                  Commutative]> {
  let keopsNames = ["Scalprod"];
  let dimRule = [{
    return check.dimIs(1, check.dim(0), "the dimension of operand #0").result(1);
  }];
  let summary = "scalar product";
  let description = [{
    `sum_k x_k * y_k` (KeOps' `(x|y)`); `x` and `y` have the same dimension
    and the result is a scalar.

    Example:

    ```mlir
    %p = kred.scalprod %x, %y : vector<3xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$lhs, Kred_Value:$rhs);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
  let hasCanonicalizer = 1;
}

def Kred_WeightedSqNormOp : Kred_FormulaOp<"weighted_sqnorm",
                                           [InferTypeOpAdaptor]> {
  let keopsNames = ["WeightedSqNorm", "SqNormIso", "SqNormDiag", "SymSqNorm"];
  let dimRule = [{
    return ::kred::checkWeight(check, check.dim(1));
  }];
  let summary = "squared norm under a weight: scalar, diagonal or full matrix";
  let description = [{
    `x^T S x` where the weight `s` has dimension 1 (`s * |x|^2`), D (a
    diagonal) or D*D (a full matrix, row-major). The result is a scalar.

    Example:

    ```mlir
    %n = kred.weighted_sqnorm %s, %x : vector<9xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$weight, Kred_Value:$x);
  let assemblyFormat =
      "$weight `,` $x attr-dict `:` type($weight) `,` type($x)";
}

def Kred_WeightedSqDistOp : Kred_FormulaOp<"weighted_sqdist",
                                           [InferTypeOpAdaptor]> {
  let keopsNames = ["WeightedSqDist"];
  let dimRule = [{
    return ::kred::checkWeight(
        check.dimIs(2, check.dim(1), "the dimension of operand #1"),
        check.dim(1));
  }];
  let summary = "squared distance under a weight";
  let description = [{
    `weighted_sqnorm(s, x - y)`: `x` and `y` have dimension D, the weight has
    dimension 1, D or D*D. The result is a scalar.

    Example:

    ```mlir
    %d = kred.weighted_sqdist %s, %x, %y : vector<3xf32>, vector<3xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$weight, Kred_Value:$lhs, Kred_Value:$rhs);
  let assemblyFormat = "$weight `,` $lhs `,` $rhs attr-dict `:` "
                       "type($weight) `,` type($lhs) `,` type($rhs)";
}

//===----------------------------------------------------------------------===//
// Indexing and assembling vectors
//===----------------------------------------------------------------------===//

def Kred_ElemOp : Kred_FormulaOp<"elem", [InferTypeOpAdaptor]> {
  let keopsNames = ["Elem"];
  let dimRule = [{
    return check.inRange("index", adaptor.getIndex(), 0, check.dim(0) - 1)
        .result(1);
  }];
  let summary = "one component of a vector";
  let description = [{
    `x[index]` as a scalar (KeOps' `Elem(x, m)`).

    Example:

    ```mlir
    %c = kred.elem %x, 2 : vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$x, I64Attr:$index);
  let assemblyFormat = "$x `,` $index attr-dict `:` type($x)";
}

def Kred_ElemTOp : Kred_FormulaOp<"elem_t", [InferTypeOpAdaptor]> {
  let keopsNames = ["ElemT"];
  let dimRule = [{
    int64_t dim = adaptor.getDim();
    return check.dimIs(0, 1, "kred.elem_t places a scalar")
        .inRange("dim", dim, 1, ::kred::kMaxFormulaDim)
        .inRange("index", adaptor.getIndex(), 0, dim - 1)
        .result(dim);
  }];
  let summary = "a scalar placed in a vector of zeros";
  let description = [{
    A vector of dimension `dim`, zero except component `index`, which holds
    the scalar `x` (KeOps' `ElemT(x, n, m)`, the adjoint of `kred.elem`).

    Example:

    ```mlir
    %v = kred.elem_t %s, 3, 1 : vector<1xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$x, I64Attr:$dim, I64Attr:$index);
  let assemblyFormat = "$x `,` $dim `,` $index attr-dict `:` type($x)";
}

def Kred_ExtractOp : Kred_FormulaOp<"extract", [InferTypeOpAdaptor]> {
  let keopsNames = ["Extract"];
  let dimRule = [{
    int64_t start = adaptor.getStart(), length = adaptor.getLength();
    return check.inRange("start", start, 0, check.dim(0) - 1)
        .inRange("length", length, 1, check.dim(0) - start)
        .result(length);
  }];
  let summary = "a contiguous sub-vector";
  let description = [{
    `x[start : start + length]` (KeOps' `Extract(x, m, d)`).

    Example:

    ```mlir
    %s = kred.extract %x, 1, 2 : vector<4xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$x, I64Attr:$start, I64Attr:$length);
  let assemblyFormat = "$x `,` $start `,` $length attr-dict `:` type($x)";
  let identityFold = [{ getStart() == 0 && getType() == getX().getType() ? getX() : ::mlir::Value() }];
}

def Kred_ExtractTOp : Kred_FormulaOp<"extract_t", [InferTypeOpAdaptor]> {
  let keopsNames = ["ExtractT"];
  let dimRule = [{
    int64_t start = adaptor.getStart(), dim = adaptor.getDim();
    return check.inRange("dim", dim, check.dim(0), ::kred::kMaxFormulaDim)
        .inRange("start", start, 0, dim - check.dim(0))
        .result(dim);
  }];
  let summary = "a vector placed in a larger vector of zeros";
  let description = [{
    A vector of dimension `dim`, zero except `[start, start + dim(x))` which
    holds `x` (KeOps' `ExtractT(x, m, d)`, the adjoint of `kred.extract`).

    Example:

    ```mlir
    %v = kred.extract_t %x, 1, 5 : vector<2xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$x, I64Attr:$start, I64Attr:$dim);
  let assemblyFormat = "$x `,` $start `,` $dim attr-dict `:` type($x)";
}

def Kred_ConcatOp : Kred_FormulaOp<"concat", [InferTypeOpAdaptor]> {
  let keopsNames = ["Concat"];
  let dimRule = [{
    return check.dim(0) + check.dim(1);
  }];
  let summary = "concatenation of two vectors";
  let description = [{
    The components of `lhs` followed by those of `rhs`.

    Example:

    ```mlir
    %v = kred.concat %x, %s : vector<3xf32>, vector<1xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$lhs, Kred_Value:$rhs);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
}

def Kred_OneHotOp : Kred_FormulaOp<"one_hot", [InferTypeOpAdaptor]> {
  let keopsNames = ["OneHot"];
  let dimRule = [{
    return check.dimIs(0, 1, "kred.one_hot encodes a scalar")
        .inRange("dim", adaptor.getDim(), 1, ::kred::kMaxFormulaDim)
        .result(adaptor.getDim());
  }];
  let summary = "one-hot encoding of a scalar";
  let description = [{
    A vector of dimension `dim` with 1 at component `round(x)` and 0
    elsewhere (all zeros when `round(x)` is outside `[0, dim)`).

    Example:

    ```mlir
    %v = kred.one_hot %s, 4 : vector<1xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$x, I64Attr:$dim);
  let assemblyFormat = "$x `,` $dim attr-dict `:` type($x)";
}

//===----------------------------------------------------------------------===//
// Tensor algebra
//===----------------------------------------------------------------------===//

def Kred_MatVecMultOp : Kred_FormulaOp<"matvecmult", [InferTypeOpAdaptor]> {
  let keopsNames = ["MatVecMult"];
  let dimRule = [{
    return ::kred::inferMatrixProduct(check, 0);
  }];
  let summary = "matrix-vector product";
  let description = [{
    `A x v` where `A` (dimension n*p) is an n-by-p matrix stored row-major
    (entry (r, c) is component `r * p + c`, as in KeOps 2), and `v` has
    dimension p. The result has dimension n.

    Example:

    ```mlir
    %w = kred.matvecmult %a, %v : vector<6xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$matrix, Kred_Value:$vector);
  let assemblyFormat =
      "$matrix `,` $vector attr-dict `:` type($matrix) `,` type($vector)";
}

def Kred_VecMatMultOp : Kred_FormulaOp<"vecmatmult", [InferTypeOpAdaptor]> {
  let keopsNames = ["VecMatMult"];
  let dimRule = [{
    return ::kred::inferMatrixProduct(check, 1);
  }];
  let summary = "vector-matrix product";
  let description = [{
    `v^T A` where `v` has dimension n and `A` (dimension n*p) is an n-by-p
    matrix stored row-major (entry (r, c) is component `r * p + c`, as in
    KeOps 2). The result has dimension p.

    Example:

    ```mlir
    %w = kred.vecmatmult %v, %a : vector<2xf32>, vector<6xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$vector, Kred_Value:$matrix);
  let assemblyFormat =
      "$vector `,` $matrix attr-dict `:` type($vector) `,` type($matrix)";
}

def Kred_TensorProdOp : Kred_FormulaOp<"tensorprod", [InferTypeOpAdaptor]> {
  let keopsNames = ["TensorProd"];
  let dimRule = [{
    return check.dim(0) * check.dim(1);
  }];
  let summary = "outer product of two vectors";
  let description = [{
    `x y^T` flattened row-major: component `a * dim(y) + b` is `x_a * y_b`.

    Example:

    ```mlir
    %m = kred.tensorprod %x, %y : vector<2xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$lhs, Kred_Value:$rhs);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
}

def Kred_TensorDotOp : Kred_FormulaOp<"tensordot", [InferTypeOpAdaptor]> {
  let keopsNames = ["TensorDot"];
  let dimRule = [{
    return ::kred::inferTensorDot(check, adaptor.getLhsShape(),
        adaptor.getRhsShape(), adaptor.getLhsContract(),
        adaptor.getRhsContract(), adaptor.getPermutation());
  }];
  let summary = "contraction of two tensors over paired axes";
  let description = [{
    Views `lhs` and `rhs` as row-major tensors of shapes `lhs_shape` and
    `rhs_shape`, and sums the product over the axes `lhs_contract[k]` of
    `lhs` paired with `rhs_contract[k]` of `rhs` (NumPy's `tensordot`). The
    remaining ("kept") axes are those of `lhs` followed by those of `rhs`;
    the result is their row-major flattening. The optional `permutation`
    (KeOps' `TensorDot(a, b, dims_a, dims_b, cont_a, cont_b, perm)`) moves
    kept axis `k` to position `permutation[k]` of the result, that is
    `np.transpose(T, np.argsort(permutation))` in NumPy terms.

    Example:

    ```mlir
    %r = kred.tensordot %a, %b, [2, 3], [3], [1], [0]
        : vector<6xf32>, vector<3xf32>
    %s = kred.tensordot %a, %b, [2, 3], [4], [], [] permutation [2, 0, 1]
        : vector<6xf32>, vector<4xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$lhs, Kred_Value:$rhs,
                   DenseI64ArrayAttr:$lhs_shape, DenseI64ArrayAttr:$rhs_shape,
                   DenseI64ArrayAttr:$lhs_contract,
                   DenseI64ArrayAttr:$rhs_contract,
                   OptionalAttr<DenseI64ArrayAttr>:$permutation);
  let assemblyFormat = [{
    $lhs `,` $rhs `,` $lhs_shape `,` $rhs_shape `,` $lhs_contract `,`
    $rhs_contract (`permutation` $permutation^)? attr-dict `:` type($lhs) `,`
    type($rhs)
  }];
}

def Kred_KronOp : Kred_FormulaOp<"kron", [InferTypeOpAdaptor]> {
  let keopsNames = ["Kron"];
  let dimRule = [{
    return ::kred::inferKron(check, adaptor.getLhsShape(),
                             adaptor.getRhsShape());
  }];
  let summary = "Kronecker product of two tensors";
  let description = [{
    Views `lhs` and `rhs` as row-major tensors of the same rank with shapes
    `lhs_shape` and `rhs_shape`; the result has shape
    `lhs_shape[k] * rhs_shape[k]` with entry
    `lhs[a] * rhs[b]` at index `a * rhs_shape + b` (NumPy's `kron`).

    Example:

    ```mlir
    %k = kred.kron %a, %b, [2], [3] : vector<2xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$lhs, Kred_Value:$rhs,
                   DenseI64ArrayAttr:$lhs_shape, DenseI64ArrayAttr:$rhs_shape);
  let assemblyFormat = [{
    $lhs `,` $rhs `,` $lhs_shape `,` $rhs_shape attr-dict `:` type($lhs) `,`
    type($rhs)
  }];
}

//===----------------------------------------------------------------------===//
// Symbolic derivatives (expanded by a later pass)
//===----------------------------------------------------------------------===//

class Kred_DerivativeOp<string mnemonic, list<Trait> traits = []>
    : Kred_FormulaOp<mnemonic, !listconcat([InferTypeOpAdaptor], traits),
                     /*computable=*/0> {
  let hasFolder = 0;
  let foldDef = "";
  let hasVerifier = 1;
}

def Kred_GradOp : Kred_DerivativeOp<"grad"> {
  let keopsNames = ["Grad", "DiffT"];
  let dimRule = [{
    return check.dimIs(2, check.dim(0), "the gradient input has the "
        "dimension of the formula, operand #0").result(check.dim(1));
  }];
  let summary = "gradient of a formula with respect to a variable";
  let description = [{
    `(d f / d v)^T e`: the gradient of `f` with respect to the variable `wrt`
    (the result of a `kred.var`), contracted with `grad_in`, a vector of the
    dimension of `f` (KeOps' `Grad(f, v, e)`). The result has the dimension
    of `wrt`. It stays symbolic until the differentiation pass expands it.

    Example:

    ```mlir
    %g = kred.grad %f, %x, %e : vector<1xf32>, vector<3xf32>, vector<1xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$f, Kred_Value:$wrt, Kred_Value:$grad_in);
  let assemblyFormat = [{
    $f `,` $wrt `,` $grad_in attr-dict `:` type($f) `,` type($wrt) `,`
    type($grad_in)
  }];
}

def Kred_DiffOp : Kred_DerivativeOp<"diff"> {
  let keopsNames = ["Diff"];
  let dimRule = [{
    return check.dimIs(2, check.dim(1), "the direction has the dimension of "
        "the variable, operand #1").result(check.dim(0));
  }];
  let summary = "directional derivative of a formula";
  let description = [{
    `(d f / d v) u`: the derivative of `f` with respect to the variable `wrt`
    in the direction `direction`, a vector of the dimension of `wrt` (KeOps'
    `Diff(f, v, u)`). The result has the dimension of `f`.

    Example:

    ```mlir
    %d = kred.diff %f, %x, %u : vector<1xf32>, vector<3xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$f, Kred_Value:$wrt, Kred_Value:$direction);
  let assemblyFormat = [{
    $f `,` $wrt `,` $direction attr-dict `:` type($f) `,` type($wrt) `,`
    type($direction)
  }];
}

def Kred_LaplacianOp : Kred_DerivativeOp<"laplacian"> {
  let keopsNames = ["Laplacian"];
  let dimRule = [{
    return check.dimIs(0, 1, "the Laplacian is defined for scalar formulas")
        .result(1);
  }];
  let summary = "Laplacian of a scalar formula";
  let description = [{
    `sum_k d^2 f / d v_k^2` for a scalar `f` and a variable `wrt`; the result
    is a scalar.

    Example:

    ```mlir
    %l = kred.laplacian %f, %x : vector<1xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$f, Kred_Value:$wrt);
  let assemblyFormat = "$f `,` $wrt attr-dict `:` type($f) `,` type($wrt)";
}

def Kred_DivergenceOp : Kred_DerivativeOp<"divergence"> {
  let keopsNames = ["Divergence"];
  let dimRule = [{
    return check.dimIs(0, check.dim(1), "the divergence takes a formula of "
        "the dimension of the variable, operand #1").result(1);
  }];
  let summary = "divergence of a vector formula";
  let description = [{
    `sum_k d f_k / d v_k` for a formula `f` of the dimension of the variable
    `wrt`; the result is a scalar.

    Example:

    ```mlir
    %d = kred.divergence %f, %x : vector<3xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$f, Kred_Value:$wrt);
  let assemblyFormat = "$f `,` $wrt attr-dict `:` type($f) `,` type($wrt)";
}

#endif // KRED_FORMULA_OPS_TD
