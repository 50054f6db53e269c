// An unknown lane-compress is named, not guessed.
// RUN: not kred-opt %s \
// RUN:   --pass-pipeline="builtin.module(kred-lower-to-loops{vector-width=16 lane-compress=fast})" 2>&1 \
// RUN:   | FileCheck %s
// CHECK: error: 'kred.reduce' op lane-compress must be instruction, permutation or none, but is 'fast'
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
