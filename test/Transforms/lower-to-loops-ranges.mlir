// RUN: kred-opt %s --pass-pipeline="builtin.module(kred-lower-to-loops{vector-width=4 tile-i=8 tile-j=16 rows-per-chunk=2 vector-registers=16 memory-operands=0 avx512=0})" \
// RUN:   | FileCheck %s

// A block-sparse reduction: every row first gets the identity (a parallel
// loop over row tiles with no columns), then a parallel loop over the
// i-clusters runs, for each tile of the cluster's rows, the dense path's
// column loops over each kept j-range [begin, end): tiles of tile-j
// columns, row blocks, chunks of W lanes, then one masked chunk.
// CHECK-LABEL: func.func @block_sparse(
// CHECK: scf.parallel
// CHECK: scf.reduce
// CHECK: %[[CLUSTERS:.*]] = memref.dim %arg3, %{{.*}} : memref<?x2xi64>
// CHECK: scf.parallel (%[[K:.*]]) = (%{{.*}}) to (%[[CLUSTERS]])
// CHECK: %[[RB:.*]] = memref.load %arg3[%[[K]], %{{.*}}] : memref<?x2xi64>
// CHECK: %[[ROWS_BEGIN:.*]] = arith.index_cast %[[RB]]
// CHECK: %[[RE:.*]] = memref.load %arg3[%[[K]], %{{.*}}] : memref<?x2xi64>
// CHECK: %[[ROWS_END:.*]] = arith.index_cast %[[RE]]
// CHECK: memref.load %arg4[%{{.*}}] : memref<?xi64>
// CHECK: %[[SE:.*]] = memref.load %arg4[%[[K]]] : memref<?xi64>
// CHECK: %[[SLICE_END:.*]] = arith.index_cast %[[SE]]
// CHECK: scf.for %[[ROW:.*]] = %[[ROWS_BEGIN]] to %[[ROWS_END]] step %c8
// CHECK: scf.for %[[S:.*]] = %{{.*}} to %[[SLICE_END]] step
// CHECK: %[[JB:.*]] = memref.load %arg5[%[[S]], %{{.*}}] : memref<?x2xi64>
// CHECK: %[[BEGIN:.*]] = arith.index_cast %[[JB]]
// CHECK: %[[JE:.*]] = memref.load %arg5[%[[S]], %{{.*}}] : memref<?x2xi64>
// CHECK: %[[END:.*]] = arith.index_cast %[[JE]]
// CHECK: scf.for %[[JT:.*]] = %[[BEGIN]] to %{{.*}} step %c16
// CHECK: scf.for %{{.*}} = %[[JT]] to %{{.*}} step %c4{{.*}} iter_args
// CHECK: vector.load %alloc[%{{.*}}, %{{.*}}] : memref<3x?xf32>, vector<4xf32>
// CHECK: scf.if
// CHECK: arith.index_cast %[[END]] : index to i64
// CHECK: arith.cmpi slt
// CHECK-NOT: kred.reduce
func.func @block_sparse(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x1xf32> {kred.output}, %arg3: memref<?x2xi64> {kred.ranges = "ranges_i"}, %arg4: memref<?xi64> {kred.ranges = "slices_i"}, %arg5: memref<?x2xi64> {kred.ranges = "redranges_j"}, %arg6: memref<?x2xi64> {kred.ranges = "ranges_j"}, %arg7: memref<?xi64> {kred.ranges = "slices_j"}, %arg8: memref<?x2xi64> {kred.ranges = "redranges_i"}) {
  kred.reduce sum over j ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x1xf32>) ranges(%arg3, %arg4, %arg5, %arg6, %arg7, %arg8 : memref<?x2xi64>, memref<?xi64>, memref<?x2xi64>, memref<?x2xi64>, memref<?xi64>, memref<?x2xi64>) {
    %0 = kred.var i 0 : vector<3xf32>
    %1 = kred.var j 1 : vector<3xf32>
    %2 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
    kred.yield %2 : vector<1xf32>
  }
  return
}
