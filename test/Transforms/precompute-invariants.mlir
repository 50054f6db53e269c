// RUN: kred-opt %s --split-input-file \
// RUN:   --pass-pipeline="builtin.module(func.func(kred-precompute-invariants))" \
// RUN:   | FileCheck %s
// RUN: kred-opt %s --split-input-file \
// RUN:   --pass-pipeline="builtin.module(func.func(kred-precompute-invariants{sqdist-expansion=true}))" \
// RUN:   | FileCheck %s --check-prefix=EXPAND

// Cosine similarities: |x_i| and |y_j| (64 components each) are computed
// once per row, by reductions of one term per row (their variables are
// i-variables there), into buffers the reduction reads as an i- and a
// j-variable; the scalar product stays in the pairs' loop.
// CHECK-LABEL: func @cosine
// CHECK: %[[NX:.*]] = memref.alloc(%{{.*}}) : memref<?x1xf32>
// CHECK: kred.reduce sum over j ins(%arg0 : memref<?x64xf32>) outs(%[[NX]] : memref<?x1xf32>)
// CHECK-NEXT: %[[X:.*]] = kred.var i 0 : vector<64xf32>
// CHECK-NEXT: %[[N:.*]] = kred.norm2 %[[X]]
// CHECK-NEXT: kred.yield %[[N]]
// CHECK: %[[NY:.*]] = memref.alloc(%{{.*}}) : memref<?x1xf32>
// CHECK: kred.reduce sum over j ins(%arg1 : memref<?x64xf32>) outs(%[[NY]] : memref<?x1xf32>)
// CHECK-NEXT: kred.var i 0 : vector<64xf32>
// CHECK: kred.reduce sum over j ins(%arg0, %arg1, %[[NX]], %[[NY]] : {{.*}}) outs(%arg2
// CHECK-DAG: %[[NYJ:.*]] = kred.var j 3 : vector<1xf32>
// CHECK-DAG: %[[NXI:.*]] = kred.var i 2 : vector<1xf32>
// CHECK-NOT: kred.norm2
// CHECK: kred.scalprod
// CHECK: kred.mul %[[NXI]], %[[NYJ]]
// CHECK: memref.dealloc %[[NY]]
// CHECK: memref.dealloc %[[NX]]
// EXPAND-LABEL: func @cosine
func.func @cosine(%x: memref<?x64xf32>, %y: memref<?x64xf32>, %out: memref<?x1xf32>) {
  kred.reduce sum over j ins(%x, %y : memref<?x64xf32>, memref<?x64xf32>)
      outs(%out : memref<?x1xf32>) {
    %xi = kred.var i 0 : vector<64xf32>
    %yj = kred.var j 1 : vector<64xf32>
    %p = kred.scalprod %xi, %yj : vector<64xf32>, vector<64xf32>
    %nx = kred.norm2 %xi : vector<64xf32>
    %ny = kred.norm2 %yj : vector<64xf32>
    %n = kred.mul %nx, %ny : vector<1xf32>, vector<1xf32>
    %f = kred.div %p, %n : vector<1xf32>, vector<1xf32>
    kred.yield %f : vector<1xf32>
  }
  return
}

// -----

// SqDist stays as it is, unless sqdist-expansion writes it
// max(|x|^2 + |y|^2 - 2 <x, y>, 0), whose squared norms are then computed
// once per row.
// CHECK-LABEL: func @gaussian
// CHECK-NOT: memref.alloc
// CHECK: kred.sqdist
// EXPAND-LABEL: func @gaussian
// EXPAND: kred.reduce sum over j ins(%arg0 : memref<?x64xf64>) outs(%{{.*}} : memref<?x1xf64>)
// EXPAND: kred.sqnorm2
// EXPAND: kred.reduce sum over j ins(%arg1 : memref<?x64xf64>) outs(%{{.*}} : memref<?x1xf64>)
// EXPAND: kred.sqnorm2
// EXPAND: kred.reduce sum over j ins(%arg0, %arg1, %arg2, %{{.*}}, %{{.*}} : {{.*}}) outs(%arg3
// EXPAND-DAG: %[[NY:.*]] = kred.var j 4 : vector<1xf64>
// EXPAND-DAG: %[[NX:.*]] = kred.var i 3 : vector<1xf64>
// EXPAND: %[[NORMS:.*]] = kred.add %[[NX]], %[[NY]]
// EXPAND: %[[TWO:.*]] = kred.constant dense<2.000000e+00> : vector<1xf64>
// EXPAND: %[[P:.*]] = kred.scalprod
// EXPAND: %[[TWICE:.*]] = kred.mul %[[TWO]], %[[P]]
// EXPAND: %[[D:.*]] = kred.sub %[[NORMS]], %[[TWICE]]
// EXPAND: kred.relu %[[D]]
// EXPAND-NOT: kred.sqdist
func.func @gaussian(%x: memref<?x64xf64>, %y: memref<?x64xf64>, %b: memref<?x1xf64>,
                    %out: memref<?x1xf64>) {
  kred.reduce sum over j ins(%x, %y, %b : memref<?x64xf64>, memref<?x64xf64>, memref<?x1xf64>)
      outs(%out : memref<?x1xf64>) {
    %xi = kred.var i 0 : vector<64xf64>
    %yj = kred.var j 1 : vector<64xf64>
    %bj = kred.var j 2 : vector<1xf64>
    %d = kred.sqdist %xi, %yj : vector<64xf64>, vector<64xf64>
    %n = kred.minus %d : vector<1xf64>
    %e = kred.exp %n : vector<1xf64>
    %f = kred.mul %e, %bj : vector<1xf64>, vector<1xf64>
    kred.yield %f : vector<1xf64>
  }
  return
}

// -----

// Short vectors (D = 3: no contraction) and batch dimensions are left as
// they are.
// CHECK-LABEL: func @short
// CHECK-NOT: memref.alloc
// EXPAND-LABEL: func @short
// EXPAND: kred.sqdist
func.func @short(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %out: memref<?x1xf32>) {
  kred.reduce sum over j ins(%x, %y : memref<?x3xf32>, memref<?x3xf32>)
      outs(%out : memref<?x1xf32>) {
    %xi = kred.var i 0 : vector<3xf32>
    %yj = kred.var j 1 : vector<3xf32>
    %d = kred.sqdist %xi, %yj : vector<3xf32>, vector<3xf32>
    kred.yield %d : vector<1xf32>
  }
  return
}

// CHECK-LABEL: func @batched
// CHECK-NOT: memref.alloc
// EXPAND-LABEL: func @batched
// EXPAND: kred.sqdist
func.func @batched(%x: memref<?x?x64xf32>, %y: memref<?x?x64xf32>, %out: memref<?x?x1xf32>) {
  kred.reduce sum over j batch(1) ins(%x, %y : memref<?x?x64xf32>, memref<?x?x64xf32>)
      outs(%out : memref<?x?x1xf32>) {
    %xi = kred.var i 0 : vector<64xf32>
    %yj = kred.var j 1 : vector<64xf32>
    %d = kred.sqdist %xi, %yj : vector<64xf32>, vector<64xf32>
    kred.yield %d : vector<1xf32>
  }
  return
}
