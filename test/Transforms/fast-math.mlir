// RUN: kred-opt %s --kred-fast-math | FileCheck %s

// exp(-y) -> exp2(y * -log2(e)): the negation folds into the constant.
// CHECK-LABEL: func @gaussian
// CHECK: %[[C:.*]] = kred.constant dense<-1.44269502> : vector<1xf32>
// CHECK: %[[D:.*]] = kred.sqdist
// CHECK: %[[S:.*]] = kred.mul %[[D]], %[[C]]
// CHECK: kred.exp2 %[[S]] : vector<1xf32>
// CHECK-NOT: kred.exp %
func.func @gaussian(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %out: memref<?x1xf32>) {
  kred.reduce sum over j ins(%x, %y : memref<?x3xf32>, memref<?x3xf32>)
      outs(%out : memref<?x1xf32>) {
    %xi = kred.var i 0 : vector<3xf32>
    %yj = kred.var j 1 : vector<3xf32>
    %d = kred.sqdist %xi, %yj : vector<3xf32>, vector<3xf32>
    %n = kred.minus %d : vector<1xf32>
    %e = kred.exp %n : vector<1xf32>
    kred.yield %e : vector<1xf32>
  }
  return
}

// exp(c * y) -> exp2(y * (c * log2(e))) for a scalar constant c.
// CHECK-LABEL: func @scaled
// CHECK: %[[C:.*]] = kred.constant dense<0.72134752044448169> : vector<1xf64>
// CHECK: %[[S:.*]] = kred.mul %{{.*}}, %[[C]] : vector<2xf64>, vector<1xf64>
// CHECK: kred.exp2 %[[S]] : vector<2xf64>
func.func @scaled(%x: memref<?x2xf64>, %out: memref<?x2xf64>) {
  kred.reduce sum over j ins(%x, %x : memref<?x2xf64>, memref<?x2xf64>)
      outs(%out : memref<?x2xf64>) {
    %xi = kred.var i 0 : vector<2xf64>
    %yj = kred.var j 1 : vector<2xf64>
    %half = kred.constant dense<0.5> : vector<1xf64>
    %d = kred.sub %xi, %yj : vector<2xf64>, vector<2xf64>
    %s = kred.mul %half, %d : vector<1xf64>, vector<2xf64>
    %e = kred.exp %s : vector<2xf64>
    kred.yield %e : vector<2xf64>
  }
  return
}

// Any other argument gets the plain factor log2(e).
// CHECK-LABEL: func @plain
// CHECK: %[[C:.*]] = kred.constant dense<1.44269502> : vector<1xf32>
// CHECK: %[[S:.*]] = kred.mul %{{.*}}, %[[C]] : vector<3xf32>, vector<1xf32>
// CHECK: kred.exp2 %[[S]] : vector<3xf32>
func.func @plain(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %out: memref<?x3xf32>) {
  kred.reduce sum over j ins(%x, %y : memref<?x3xf32>, memref<?x3xf32>)
      outs(%out : memref<?x3xf32>) {
    %xi = kred.var i 0 : vector<3xf32>
    %yj = kred.var j 1 : vector<3xf32>
    %d = kred.sub %xi, %yj : vector<3xf32>, vector<3xf32>
    %e = kred.exp %d : vector<3xf32>
    kred.yield %e : vector<3xf32>
  }
  return
}
