//===- KredOps.td - the reduction and its building blocks --*- tablegen -*-===//
//
// `kred.reduce` and the ops that only make sense inside it (`kred.var`,
// `kred.yield`), the constant, and the formula ops of KredFormulaOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_OPS_TD
#define KRED_OPS_TD

include "KredDialect.td"
include "KredEnums.td"
include "KredFormulaOps.td"
include "KredVectorOps.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Kred_ReduceOp : Kred_Op<"reduce", [
    AttrSizedOperandSegments, IsolatedFromAbove, SingleBlock,
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "a kernel reduction: a formula over all (i, j) pairs, reduced";
  let description = [{
    Computes `out[i] = Reduction_j F(x_i, y_j, p)` (or, over `i`,
    `out[j] = Reduction_i F(...)`) without forming the N x M matrix of `F`.

    The region is the formula: `kred.var` ops read one row of the input at
    their `position` (`i`-variables are indexed by i, `j`-variables by j,
    parameters are the same for every pair) and `kred.yield` returns `F`,
    plus the weight formula `G` for the weighted reductions
    (`log_sum_exp_weight`, `sum_soft_max_weight`, `max_sum_shift_exp_weight`).

    Shapes: with `b = batch(n)` leading batch dimensions, an `i`-variable of
    dimension D is `[b..., N, D]`, a `j`-variable `[b..., M, D]` and a
    parameter `[b..., D]`; batch dimensions of size 1 broadcast. Outputs are
    `[b..., N, E]` when reducing over `j` (`[b..., M, E]` over `i`), where E
    depends on the reduction:

    | kind | outputs | E |
    |---|---|---|
    | `sum`, `min`, `max` | values | D(F) |
    | `arg_min`, `arg_max` | i64 indices | D(F) |
    | `min_arg_min`, `max_arg_max` | values, i64 indices | D(F) each |
    | `k_min` / `arg_k_min` | values / i64 indices | K * D(F) |
    | `k_min_arg_k_min` | values, i64 indices | K * D(F) each |
    | `log_sum_exp` | values | 1 (F scalar) |
    | `log_sum_exp_weight`, `sum_soft_max_weight` | values | D(G) (F scalar) |
    | `max_sum_shift_exp` | (max, sum) pairs | 2 (F scalar) |
    | `max_sum_shift_exp_weight` | (max, weighted sums) | 1 + D(G) (F scalar) |

    `acc(T)` accumulates summations in type T (e.g. f64 for f32 inputs) and
    `scheme(direct|block|kahan)` selects the summation scheme; both apply to
    summations only. `ranges(...)` takes KeOps' six block-sparse arrays
    (ranges_i, slices_i, redranges_j, ranges_j, slices_j, redranges_i).

    Operands are tensors (the op then returns the outputs, destination-style)
    or memrefs (the op writes into `outs`).

    Example: a Gaussian convolution `sum_j exp(-|x_i - y_j|^2) b_j`.

    ```mlir
    kred.reduce sum over j
        ins(%x, %y, %b : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>)
        outs(%out : memref<?x1xf32>) {
      %xi = kred.var i 0 : vector<3xf32>
      %yj = kred.var j 1 : vector<3xf32>
      %bj = kred.var j 2 : vector<1xf32>
      %d = kred.sqdist %xi, %yj : vector<3xf32>, vector<3xf32>
      %n = kred.minus %d : vector<1xf32>
      %e = kred.exp %n : vector<1xf32>
      %f = kred.mul %e, %bj : vector<1xf32>, vector<1xf32>
      kred.yield %f : vector<1xf32>
    }
    ```
  }];
  let arguments = (ins
    Kred_ReductionKindAttr:$kind,
    Kred_IndexAxisAttr:$axis,
    OptionalAttr<I64Attr>:$k,
    OptionalAttr<TypeAttr>:$acc_type,
    OptionalAttr<Kred_SumSchemeAttr>:$sum_scheme,
    DefaultValuedAttr<I64Attr, "0">:$batch_dims,
    Variadic<Kred_FloatShaped>:$inputs,
    Variadic<Kred_OutputShaped>:$outputs,
    Variadic<Kred_RangesShaped>:$ranges);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $kind (`(` $k^ `)`)? `over` $axis
    (`batch` `(` $batch_dims^ `)`)?
    (`acc` `(` $acc_type^ `)`)?
    (`scheme` `(` $sum_scheme^ `)`)?
    (`ins` `(` $inputs^ `:` type($inputs) `)`)?
    `outs` `(` $outputs `:` type($outputs) `)`
    (`ranges` `(` $ranges^ `:` type($ranges) `)`)?
    attr-dict-with-keyword $body (`->` type($results)^)?
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The outputs double as the destinations (DestinationStyleOpInterface).
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getOutputsMutable();
    }
    /// The terminator of the formula region.
    YieldOp getYield();
    /// The formula F (and, for weighted reductions, the weight G).
    ::mlir::Value getFormula();
    ::mlir::Value getWeightFormula();
    /// The index the outputs are indexed by (the one not reduced).
    IndexAxis getOutputAxis() {
      return getAxis() == IndexAxis::j ? IndexAxis::i : IndexAxis::j;
    }
  }];
}

// Not Pure on purpose: a variable the formula no longer reads (after
// simplification, or a zero derivative) still tells the code generator which
// input gives the rows of its axis, so simplification must not erase it.
// Repeated reads of one input fold into the first.
def Kred_VarOp : Kred_Op<"var", [HasParent<"ReduceOp">]> {
  let summary = "one row of an input of the reduction";
  let description = [{
    Reads the row of input `position` of the enclosing `kred.reduce` for the
    current pair: row i for an `i`-variable, row j for a `j`-variable, the
    whole (single-row) input for a `param`. The result's dimension is the
    input's last dimension. KeOps writes these `Vi(position, dim)`,
    `Vj(position, dim)` and `Pm(position, dim)`.

    Example:

    ```mlir
    %x = kred.var i 0 : vector<3xf32>
    %s = kred.var param 3 : vector<1xf32>
    ```
  }];
  let arguments = (ins Kred_VarCategoryAttr:$category,
                   ConfinedAttr<I64Attr, [IntNonNegative]>:$position);
  let results = (outs Kred_Value:$result);
  let assemblyFormat = "$category $position attr-dict `:` type($result)";
  let hasFolder = 1;
}

def Kred_YieldOp : Kred_Op<"yield", [Pure, Terminator, ReturnLike,
                                     HasParent<"ReduceOp">]> {
  let summary = "returns the formula (and weight) of a reduction";
  let description = [{
    Terminates the region of `kred.reduce` with the formula F, followed by
    the weight formula G for the weighted reductions.

    Example:

    ```mlir
    kred.yield %f : vector<1xf32>
    ```
  }];
  let arguments = (ins Variadic<Kred_Value>:$values);
  let assemblyFormat = "$values attr-dict `:` type($values)";
}

def Kred_ConstantOp : Kred_Op<"constant", [ConstantLike, Pure,
    AllTypesMatch<["value", "result"]>,
    DeclareOpInterfaceMethods<Kred_FormulaOpInterface>]> {
  let summary = "a constant vector";
  let description = [{
    A constant formula value. KeOps' `IntCst(n)` and `RatCst(p, q)` are
    scalar constants, `Zero(d)` a zero vector of dimension d.

    Example:

    ```mlir
    %two = kred.constant dense<2.0> : vector<1xf32>
    %zero = kred.constant dense<0.0> : vector<3xf64>
    ```
  }];
  let arguments = (ins TypedAttrInterface:$value);
  let results = (outs Kred_Value:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let hasVerifier = 1;
}

#endif // KRED_OPS_TD
