//===- KredDialect.td - the kred dialect -------------------*- tablegen -*-===//
//
// The dialect definition and the base classes every kred op derives from.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_TD
#define KRED_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/CommonTypeConstraints.td"

def Kred_Dialect : Dialect {
  let name = "kred";
  let cppNamespace = "::kred";
  let summary = "Kernel reductions: symbolic formulas over pairs of points, reduced over an index";
  let description = [{
    The `kred` dialect expresses *kernel reductions*,
    `a_i = Reduction_j F(x_i, y_j, p)`, the computations KeOps performs: a
    formula evaluated on every pair (i, j) of two point clouds and reduced over
    j (or i) without ever materializing the N x M matrix.

    A `kred.reduce` op holds the formula as a region. Inside it, `kred.var`
    ops read the current row of an input (indexed by i, by j, or a parameter)
    and formula ops (`kred.exp`, `kred.sqdist`, ...) compute on small vectors:
    every formula value is a 1-D `vector<D x T>` with `T` in f16, bf16, f32,
    f64, and scalars are `vector<1 x T>`. Elementwise ops broadcast a
    dimension-1 operand against a dimension-D one, as KeOps does.

    See `docs/Rationale.md` for why the dialect looks this way.
  }];
  let hasConstantMaterializer = 1;
}

/// A formula value: one row of a variable, or an intermediate of the formula.
def Kred_Value : VectorOfRankAndType<[1], [F16, BF16, F32, F64]>;

/// An operand of a reduction: a tensor or a memref of floats.
def Kred_FloatShaped : AnyTypeOf<[
  RankedTensorOf<[F16, BF16, F32, F64]>, MemRefOf<[F16, BF16, F32, F64]>]>;

/// An output of a reduction: reduced values (floats) or indices (i64).
def Kred_OutputShaped : AnyTypeOf<[
  RankedTensorOf<[F16, BF16, F32, F64, I64]>,
  MemRefOf<[F16, BF16, F32, F64, I64]>]>;

/// A block-sparse ranges operand (KeOps' ranges / slices arrays).
def Kred_RangesShaped : AnyTypeOf<[
  RankedTensorOf<[I32, I64, Index]>, MemRefOf<[I32, I64, Index]>]>;

class Kred_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kred_Dialect, mnemonic, traits>;

#endif // KRED_DIALECT_TD
