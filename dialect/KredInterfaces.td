//===- KredInterfaces.td - what a formula op means ---------*- tablegen -*-===//
//
// Every formula op states its meaning once, through this interface: one
// template over an "algebra" (kred/Dialect/Kred/IR/FormulaAlgebra.h) gives
// both the float64 value (constant folding, the reference evaluator) and the
// code for a lane group (a scalar per GPU thread, a vector of W lanes on the
// CPU). The implementations sit with the ops, one file per family, under
// lib/Dialect/Kred/IR/Semantics*.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_INTERFACES_TD
#define KRED_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Kred_FormulaOpInterface : OpInterface<"FormulaOpInterface"> {
  let cppNamespace = "::kred";
  let description = [{
    A formula op that can be computed: every op inside `kred.reduce` except
    `kred.var`, `kred.yield` and the derivative ops (`kred.grad`, ...), which
    the differentiation pass expands first. Operands come as one value per
    component, already broadcast-free (a dimension-1 operand has one).

    The derivative rules (vector-Jacobian products built from other kred
    ops) are the sibling interface `DifferentiableOpInterface`, implemented
    in the same per-family files.
  }];
  let methods = [
    InterfaceMethod<[{
        The float64 value of the op's result, given its operands' values.
        Operand sizes must match the operand types (evaluateFormulaOp checks).
      }], "::kred::FormulaVector", "evaluate",
      (ins "::llvm::ArrayRef<::kred::FormulaVector>":$operands)>,
    InterfaceMethod<[{
        Emits the op's result, one lane group per component, through
        `builder` (whose lane group is a scalar or a vector of W lanes).
      }], "::kred::Lanes", "emitLanes",
      (ins "::kred::LaneBuilder &":$builder,
           "::llvm::ArrayRef<::kred::Lanes>":$operands)>,
    InterfaceMethod<[{
        Vector constants the op's CPU code keeps live in every lane group
        (a polynomial approximation's coefficients): the tiling counts them
        against the vector registers when it picks how many rows share a
        chunk of lanes.
      }], "unsigned", "getLaneConstantCount", (ins), [{}],
      [{ return 0; }]>,
  ];
}

def Kred_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::kred";
  let description = [{
    A formula op's derivative rule: its vector-Jacobian product (reverse
    mode), built from other kred ops. The differentiation engine
    (kred/Dialect/Kred/IR/Differentiation.h) walks a formula backwards
    through these rules; forward-mode products (`kred.diff`) are taken as
    the transpose of a reverse one, so each op states one rule. Non-smooth
    ops give the subgradient KeOps 2.3 uses (documented with each rule).
  }];
  let methods = [
    InterfaceMethod<[{
        Given `cotangent`, the cotangent of the op's result, appends one
        cotangent per operand to `operandCotangents`: a value of the
        operand's dimension, of the result's dimension when the op
        broadcast a dimension-1 operand (the engine sums it), or null where
        the derivative is zero. Fails, with a diagnostic, where the op has
        no derivative.
      }], "::llvm::LogicalResult", "buildVectorJacobianProduct",
      (ins "::kred::DerivativeBuilder &":$builder,
           "::mlir::Value":$cotangent,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandCotangents)>,
    InterfaceMethod<[{
        For an op whose gradient KeOps builds as a whole rather than
        through a cotangent rule, the gradient with respect to the
        differentiated variable built the same way, so that singular points
        give KeOps' numbers: if_else selects among its branches' whole
        gradients (an untaken branch adds nothing rather than 0 * inf),
        clamp differentiates its rescaled form, a division by a broadcast
        scalar divides the gradient by its square. `gradientOf(value,
        cotangent)` builds the gradient of a sub-formula (an operand, or
        ops the rule creates from them). A null value (the default) lets the
        engine use buildVectorJacobianProduct.
      }], "::mlir::FailureOr<::mlir::Value>", "buildWholeGradient",
      (ins "::kred::DerivativeBuilder &":$builder,
           "::mlir::Value":$cotangent,
           "::llvm::function_ref<::mlir::FailureOr<::mlir::Value>("
           "::mlir::Value, ::mlir::Value)>":$gradientOf),
      [{}], [{ return ::mlir::Value(); }]>,
  ];
}

#endif // KRED_INTERFACES_TD
