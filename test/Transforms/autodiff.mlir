// RUN: kred-opt %s --split-input-file --kred-autodiff | FileCheck %s
// RUN: kred-opt %s --split-input-file --kred-autodiff --canonicalize --cse | FileCheck %s --check-prefix=SIMPLE

// Grad of the Gaussian kernel: e * exp(-|x-y|^2) * (-2 (x - y)), by reverse
// mode through exp, minus and sqdist; y's cotangent is not kept.
// CHECK-LABEL: func @gaussian_grad
// CHECK: %[[X:.*]] = kred.var i 0
// CHECK: %[[Y:.*]] = kred.var j 1
// CHECK: %[[E:.*]] = kred.var j 2
// CHECK: %[[D:.*]] = kred.sqdist %[[X]], %[[Y]]
// CHECK: %[[N:.*]] = kred.minus %[[D]]
// CHECK: %[[K:.*]] = kred.exp %[[N]]
// CHECK: %[[EK:.*]] = kred.mul %[[E]], %[[K]]
// CHECK: %[[G:.*]] = kred.minus %[[EK]]
// CHECK: %[[S:.*]] = kred.sub %[[X]], %[[Y]]
// CHECK: %[[TWO:.*]] = kred.constant dense<2.000000e+00> : vector<1xf32>
// CHECK: %[[T:.*]] = kred.mul %[[TWO]], %[[S]]
// CHECK: %[[R:.*]] = kred.mul %[[G]], %[[T]]
// CHECK-NOT: kred.sub %[[Y]], %[[X]]
// CHECK-NOT: kred.grad
// CHECK: kred.yield %[[R]] : vector<3xf32>
func.func @gaussian_grad(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %b: memref<?x1xf32>, %o: memref<?x3xf32>) {
  kred.reduce sum over j ins(%x, %y, %b : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>) outs(%o : memref<?x3xf32>) {
    %0 = kred.var i 0 : vector<3xf32>
    %1 = kred.var j 1 : vector<3xf32>
    %2 = kred.var j 2 : vector<1xf32>
    %3 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
    %4 = kred.minus %3 : vector<1xf32>
    %5 = kred.exp %4 : vector<1xf32>
    %6 = kred.grad %5, %0, %2 : vector<1xf32>, vector<3xf32>, vector<1xf32>
    kred.yield %6 : vector<3xf32>
  }
  return
}

// -----

// A formula that does not depend on the variable has a zero gradient.
// CHECK-LABEL: func @independent
// CHECK: %[[Z:.*]] = kred.constant dense<0.000000e+00> : vector<3xf64>
// CHECK: kred.yield %[[Z]]
func.func @independent(%x: memref<?x3xf64>, %y: memref<?x3xf64>, %o: memref<?x3xf64>) {
  kred.reduce sum over j ins(%x, %y : memref<?x3xf64>, memref<?x3xf64>) outs(%o : memref<?x3xf64>) {
    %0 = kred.var i 0 : vector<3xf64>
    %1 = kred.var j 1 : vector<3xf64>
    %2 = kred.sqnorm2 %1 : vector<3xf64>
    %3 = kred.grad %2, %0, %2 : vector<1xf64>, vector<3xf64>, vector<1xf64>
    kred.yield %3 : vector<3xf64>
  }
  return
}

// -----

// Diff is the transpose of a reverse product: for sin(x) in direction u,
// cos(x) * u, and the placeholder cotangent is gone.
// SIMPLE-LABEL: func @diff_sin
// SIMPLE: %[[X:.*]] = kred.var i 0
// SIMPLE: %[[U:.*]] = kred.var j 1
// SIMPLE: %[[C:.*]] = kred.cos %[[X]]
// SIMPLE: %[[R:.*]] = kred.mul %[[U]], %[[C]]
// SIMPLE: kred.yield %[[R]] : vector<2xf64>
func.func @diff_sin(%x: memref<?x2xf64>, %u: memref<?x2xf64>, %o: memref<?x2xf64>) {
  kred.reduce sum over j ins(%x, %u : memref<?x2xf64>, memref<?x2xf64>) outs(%o : memref<?x2xf64>) {
    %0 = kred.var i 0 : vector<2xf64>
    %1 = kred.var j 1 : vector<2xf64>
    %2 = kred.sin %0 : vector<2xf64>
    %3 = kred.diff %2, %0, %1 : vector<2xf64>, vector<2xf64>, vector<2xf64>
    kred.yield %3 : vector<2xf64>
  }
  return
}

// -----

// Nested derivatives expand innermost first; the Laplacian of the squared
// norm is the constant 2 D = 6.
// SIMPLE-LABEL: func @laplacian_sqnorm
// SIMPLE: %[[SIX:.*]] = kred.constant dense<6.000000e+00> : vector<1xf64>
// SIMPLE: kred.yield %[[SIX]]
// CHECK-LABEL: func @laplacian_sqnorm
// CHECK-NOT: kred.laplacian
// CHECK: kred.elem
func.func @laplacian_sqnorm(%x: memref<?x3xf64>, %y: memref<?x3xf64>, %o: memref<?x1xf64>) {
  kred.reduce sum over j ins(%x, %y : memref<?x3xf64>, memref<?x3xf64>) outs(%o : memref<?x1xf64>) {
    %0 = kred.var i 0 : vector<3xf64>
    %1 = kred.var j 1 : vector<3xf64>
    %2 = kred.sqdist %0, %1 : vector<3xf64>, vector<3xf64>
    %3 = kred.laplacian %2, %0 : vector<1xf64>, vector<3xf64>
    kred.yield %3 : vector<1xf64>
  }
  return
}
