// RUN: kred-opt %s --split-input-file --kred-reduction-gradient=inputs=1,2 --verify-diagnostics | FileCheck %s

// The gradients with respect to y and b (both variables of the reduced
// axis) in one transposed reduction, concatenated: one pass over the pairs
// instead of two.
// CHECK-LABEL: func.func @gauss_grad_Y_B(
// CHECK-SAME: %{{.*}}: memref<?x1xf32> {kred.alias = "e"}, %{{.*}}: memref<?x4xf32> {kred.output})
// CHECK: kred.reduce sum over i
// CHECK: %[[Y:.*]] = kred.var j 1
// CHECK: %[[B:.*]] = kred.var j 2
// CHECK: %[[F:.*]] = kred.mul
// CHECK: %[[E:.*]] = kred.var i 3 : vector<1xf32>
// CHECK: %[[GY:.*]] = kred.grad %[[F]], %[[Y]], %[[E]]
// CHECK: %[[GB:.*]] = kred.grad %[[F]], %[[B]], %[[E]]
// CHECK: %[[G:.*]] = kred.concat %[[GY]], %[[GB]]
// CHECK: kred.yield %[[G]] : vector<4xf32>
func.func @gauss(%x: memref<?x3xf32> {kred.alias = "X"}, %y: memref<?x3xf32> {kred.alias = "Y"}, %b: memref<?x1xf32> {kred.alias = "B"}, %o: memref<?x1xf32> {kred.output}) {
  kred.reduce sum over j ins(%x, %y, %b : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>) outs(%o : memref<?x1xf32>) {
    %0 = kred.var i 0 : vector<3xf32>
    %1 = kred.var j 1 : vector<3xf32>
    %2 = kred.var j 2 : vector<1xf32>
    %3 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
    %4 = kred.minus %3 : vector<1xf32>
    %5 = kred.exp %4 : vector<1xf32>
    %6 = kred.mul %5, %2 : vector<1xf32>, vector<1xf32>
    kred.yield %6 : vector<1xf32>
  }
  return
}

// -----

// An input the formula does not read has a zero gradient.
// CHECK-LABEL: func.func @unread_grad_Y_B(
// CHECK: kred.reduce sum over i
// CHECK: %[[Z:.*]] = kred.constant dense<0.000000e+00> : vector<2xf32>
// CHECK: kred.concat %{{.*}}, %[[Z]]
func.func @unread(%x: memref<?x3xf32> {kred.alias = "X"}, %y: memref<?x3xf32> {kred.alias = "Y"}, %b: memref<?x2xf32> {kred.alias = "B"}, %o: memref<?x1xf32> {kred.output}) {
  kred.reduce sum over j ins(%x, %y, %b : memref<?x3xf32>, memref<?x3xf32>, memref<?x2xf32>) outs(%o : memref<?x1xf32>) {
    %0 = kred.var i 0 : vector<3xf32>
    %1 = kred.var j 1 : vector<3xf32>
    %3 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
    kred.yield %3 : vector<1xf32>
  }
  return
}

// -----

// Gradients along different axes need two kernels.
func.func @mixed(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %p: memref<1xf32>, %o: memref<?x1xf32>) {
  // expected-error @below {{cannot differentiate inputs #1 and #2 in one kernel: their gradients reduce along different axes}}
  kred.reduce sum over j ins(%x, %y, %p : memref<?x3xf32>, memref<?x3xf32>, memref<1xf32>) outs(%o : memref<?x1xf32>) {
    %0 = kred.var i 0 : vector<3xf32>
    %1 = kred.var j 1 : vector<3xf32>
    %2 = kred.var param 2 : vector<1xf32>
    %3 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
    %4 = kred.mul %3, %2 : vector<1xf32>, vector<1xf32>
    kred.yield %4 : vector<1xf32>
  }
  return
}
