// RUN: kred-opt %s --kred-outline-formula=width=0 --cse | FileCheck %s --check-prefix=SCALAR
// RUN: kred-opt %s --kred-outline-formula=width=4 --cse | FileCheck %s --check-prefix=VECTOR

// The target-neutral lowering library emits each op's code from its
// FormulaOpInterface for one lane group: a scalar (width 0, one GPU thread's
// pair) or a vector of W lanes (the CPU's). The same ops, two shapes.

// SCALAR-LABEL: func.func @rsqrt_sign_formula_0(%{{.*}}: f32) -> (f32, f32)
// SCALAR-DAG:   %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// SCALAR-DAG:   %[[IS_ZERO:.*]] = arith.cmpf oeq, %arg0, %[[ZERO]] : f32
// SCALAR-DAG:   %[[ROOT:.*]] = math.sqrt %arg0 : f32
// SCALAR-DAG:   %[[INV:.*]] = arith.divf %{{.*}}, %[[ROOT]] : f32
// SCALAR-DAG:   %[[RSQRT:.*]] = arith.select %[[IS_ZERO]], %[[ZERO]], %[[INV]] : f32
// SCALAR-DAG:   arith.cmpf ogt, %arg0, %[[ZERO]] : f32
// SCALAR-DAG:   arith.cmpf olt, %arg0, %[[ZERO]] : f32
// SCALAR:       return %[[RSQRT]], %{{.*}} : f32, f32
// VECTOR-LABEL: func.func @rsqrt_sign_formula_0(%{{.*}}: vector<4xf32>) -> (vector<4xf32>, vector<4xf32>)
// VECTOR-DAG:   %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<4xf32>
// VECTOR-DAG:   %[[IS_ZERO:.*]] = arith.cmpf oeq, %arg0, %[[ZERO]] : vector<4xf32>
// VECTOR-DAG:   %[[ROOT:.*]] = math.sqrt %arg0 : vector<4xf32>
// VECTOR-DAG:   %[[INV:.*]] = arith.divf %{{.*}}, %[[ROOT]] : vector<4xf32>
// VECTOR-DAG:   %[[RSQRT:.*]] = arith.select %[[IS_ZERO]], %[[ZERO]], %[[INV]] : vector<4xi1>, vector<4xf32>
// VECTOR-DAG:   arith.cmpf ogt, %arg0, %[[ZERO]] : vector<4xf32>
// VECTOR-DAG:   arith.cmpf olt, %arg0, %[[ZERO]] : vector<4xf32>
// VECTOR:       return %[[RSQRT]], %{{.*}} : vector<4xf32>, vector<4xf32>
func.func @rsqrt_sign(%x: memref<?x1xf32>, %y: memref<?x1xf32>, %out: memref<?x1xf32>) {
  kred.reduce sum_soft_max_weight over j ins(%x : memref<?x1xf32>)
      outs(%out : memref<?x1xf32>) {
    %xj = kred.var j 0 : vector<1xf32>
    %r = kred.rsqrt %xj : vector<1xf32>
    %s = kred.sign %xj : vector<1xf32>
    kred.yield %r, %s : vector<1xf32>, vector<1xf32>
  }
  return
}

// A row-major 2x3 matrix times a 3-vector: two components, each a chain of
// fused multiply-adds; variables come in position order, one argument per
// component. f64 formulas stay in f64.
// SCALAR-LABEL: func.func @matvec_formula_0(
// SCALAR-SAME: %arg0: f64, %arg1: f64, %arg2: f64, %arg3: f64, %arg4: f64, %arg5: f64, %arg6: f64, %arg7: f64, %arg8: f64) -> (f64, f64)
// SCALAR:   %[[A:.*]] = arith.mulf %arg0, %arg6
// SCALAR:   %[[B:.*]] = arith.mulf %arg1, %arg7
// SCALAR:   %[[AB:.*]] = arith.addf %[[B]], %[[A]]
// SCALAR:   %[[C:.*]] = arith.mulf %arg2, %arg8
// SCALAR:   %[[ROW0:.*]] = arith.addf %[[C]], %[[AB]]
// SCALAR:   arith.mulf %arg3, %arg6
// SCALAR:   return %[[ROW0]], %{{.*}} : f64, f64
// VECTOR-LABEL: func.func @matvec_formula_0(
// VECTOR-SAME: vector<4xf64>{{.*}}) -> (vector<4xf64>, vector<4xf64>)
// VECTOR:   arith.mulf %arg0, %arg6 fastmath<contract> : vector<4xf64>
func.func @matvec(%a: memref<?x6xf64>, %v: memref<?x3xf64>, %out: memref<?x2xf64>) {
  kred.reduce sum over j ins(%a, %v : memref<?x6xf64>, memref<?x3xf64>)
      outs(%out : memref<?x2xf64>) {
    %ai = kred.var i 0 : vector<6xf64>
    %vj = kred.var j 1 : vector<3xf64>
    %r = kred.matvecmult %ai, %vj : vector<6xf64>, vector<3xf64>
    kred.yield %r : vector<2xf64>
  }
  return
}

// Half-precision formulas compute in f32; indexing ops only move values.
// SCALAR-LABEL: func.func @half_indexing_formula_0(%arg0: f32, %arg1: f32, %arg2: f32) -> (f32, f32)
// SCALAR-NEXT:  %[[E:.*]] = math.exp %arg2 : f32
// SCALAR-NEXT:  return %[[E]], %arg0 : f32, f32
// VECTOR-LABEL: func.func @half_indexing_formula_0(%arg0: vector<4xf32>, %arg1: vector<4xf32>, %arg2: vector<4xf32>) -> (vector<4xf32>, vector<4xf32>)
// VECTOR-NEXT:  %[[E:.*]] = math.exp %arg2 : vector<4xf32>
// VECTOR-NEXT:  return %[[E]], %arg0 : vector<4xf32>, vector<4xf32>
func.func @half_indexing(%x: memref<?x3xf16>, %out: memref<?x2xf16>) {
  kred.reduce sum over j ins(%x : memref<?x3xf16>) outs(%out : memref<?x2xf16>) {
    %xj = kred.var j 0 : vector<3xf16>
    %last = kred.elem %xj, 2 : vector<3xf16>
    %first = kred.elem %xj, 0 : vector<3xf16>
    %e = kred.exp %last : vector<1xf16>
    %r = kred.concat %e, %first : vector<1xf16>, vector<1xf16>
    kred.yield %r : vector<2xf16>
  }
  return
}
