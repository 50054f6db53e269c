//===- KredVectorOps.td - vector, indexing, tensor ops of a formula -*- tablegen -*-===//
//
// The formula ops that change dimensions: reductions of a vector to a
// scalar, indexing and assembling, tensor algebra, symbolic derivatives.
// Base classes in KredFormulaOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_VECTOR_OPS_TD
#define KRED_VECTOR_OPS_TD

include "KredFormulaOps.td"

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

#endif // KRED_VECTOR_OPS_TD
