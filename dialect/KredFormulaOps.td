//===- KredFormulaOps.td - ops of a kred formula -----------*- tablegen -*-===//
//
// The ops of the KeOps formula language. Each computes one small vector from
// others; all are Pure, so CSE merges repeated subexpressions. An op whose
// result dimension differs from its operands' declares its rule (`dimRule`),
// checked by one hook (KredTypeInference.cpp). This file: the base classes,
// componentwise arithmetic and transcendental functions; KredVectorOps.td:
// vector, indexing, tensor and derivative ops.
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
  let hasCanonicalizer = 1;
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

#endif // KRED_FORMULA_OPS_TD
