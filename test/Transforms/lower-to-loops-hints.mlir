// Threshold hints for K-best entries merged in bulk: the first j-tile spans
// the most columns the cache allows (256 KB of j-variables: 21,840 columns
// of 3 floats); each row block's buffer is seeded with the hint (the worst
// K-th entry of the blocks before, kept in a one-element slot) as
// placeholder keys of index 2^31 - 1; after the block's chunk loop, rows
// whose placeholders were not all pushed out run the tile again for the
// terms at or above the hint, and the slot takes the block's worst
// threshold. Entries inserted one by one (K = 10 on AVX2) take no hints.
// RUN: kred-opt %s --split-input-file \
// RUN:   --pass-pipeline="builtin.module(kred-lower-to-loops{vector-width=8 vector-registers=16 memory-operands=0 avx512=0 lane-compress=permutation})" \
// RUN:   | FileCheck %s

// CHECK-LABEL: func.func @knn16
// CHECK:       scf.for %[[JT:.*]] = %[[BEGIN:.*]] to %{{.*}} step %c21840
// CHECK:         %[[FIRST:.*]] = arith.cmpi eq, %[[JT]], %[[BEGIN]]
// CHECK:         %[[SLOT:.*]] = memref.alloca() : memref<1xf32>
// CHECK:         memref.store %{{.*}}, %[[SLOT]]
// CHECK:         scf.for
// CHECK:           memref.load %[[SLOT]]
// CHECK:           arith.select %[[FIRST]]
// CHECK:           arith.constant dense<2147483647> : vector<16xi64>
// CHECK:           vector.store %{{.*}} : memref<16xi64, strided<[1], offset: ?>>, vector<16xi64>
// The block's chunk loop, then each row's placeholders and rerun.
// CHECK:           scf.for %{{.*}} = %[[JT]] to
// CHECK:           arith.constant dense<2147483647> : vector<16xi64>
// CHECK:           %[[LEFT:.*]] = vector.extract %{{.*}}[15] : i1 from vector<16xi1>
// CHECK:           scf.if %[[LEFT]]
// CHECK:             scf.for %{{.*}} = %[[JT]] to
// CHECK:               arith.cmpf oge
// CHECK:           arith.maximumf
// CHECK:           memref.store %{{.*}}, %[[SLOT]]
func.func @knn16(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %out: memref<?x16xi64>) {
  kred.reduce arg_k_min(16) over j ins(%x, %y : memref<?x3xf32>, memref<?x3xf32>)
      outs(%out : memref<?x16xi64>) {
    %xi = kred.var i 0 : vector<3xf32>
    %yj = kred.var j 1 : vector<3xf32>
    %d = kred.sqdist %xi, %yj : vector<3xf32>, vector<3xf32>
    kred.yield %d : vector<1xf32>
  }
  return
}

// -----

// CHECK-LABEL: func.func @knn10
// CHECK-NOT:   memref<1xf32>
// CHECK:       scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c2048
// CHECK-NOT:   memref<1xf32>
// CHECK:       return
func.func @knn10(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %out: memref<?x10xi64>) {
  kred.reduce arg_k_min(10) over j ins(%x, %y : memref<?x3xf32>, memref<?x3xf32>)
      outs(%out : memref<?x10xi64>) {
    %xi = kred.var i 0 : vector<3xf32>
    %yj = kred.var j 1 : vector<3xf32>
    %d = kred.sqdist %xi, %yj : vector<3xf32>, vector<3xf32>
    kred.yield %d : vector<1xf32>
  }
  return
}
