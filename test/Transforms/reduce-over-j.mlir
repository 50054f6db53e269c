// RUN: kred-opt %s --kred-reduce-over-j --split-input-file --verify-diagnostics | FileCheck %s

// A reduction over i becomes one over j with the variable categories swapped.
// CHECK-LABEL: func @over_i
// CHECK: kred.reduce sum over j
// CHECK-DAG: kred.var j 0 : vector<3xf32>
// CHECK-DAG: kred.var i 1 : vector<3xf32>
// CHECK-DAG: kred.var param 2 : vector<1xf32>
func.func @over_i(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %p: memref<1xf32>,
                  %out: memref<?x3xf32>) {
  kred.reduce sum over i ins(%x, %y, %p : memref<?x3xf32>, memref<?x3xf32>, memref<1xf32>)
      outs(%out : memref<?x3xf32>) {
    %xi = kred.var i 0 : vector<3xf32>
    %yj = kred.var j 1 : vector<3xf32>
    %s = kred.var param 2 : vector<1xf32>
    %d = kred.sub %xi, %yj : vector<3xf32>, vector<3xf32>
    %f = kred.mul %d, %s : vector<3xf32>, vector<1xf32>
    kred.yield %f : vector<3xf32>
  }
  return
}

// -----

// Reductions over j are left alone.
// CHECK-LABEL: func @over_j
// CHECK: kred.reduce min over j
// CHECK: kred.var i 0
// CHECK: kred.var j 1
func.func @over_j(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %out: memref<?x1xf32>) {
  kred.reduce min over j ins(%x, %y : memref<?x3xf32>, memref<?x3xf32>)
      outs(%out : memref<?x1xf32>) {
    %xi = kred.var i 0 : vector<3xf32>
    %yj = kred.var j 1 : vector<3xf32>
    %d = kred.sqdist %xi, %yj : vector<3xf32>, vector<3xf32>
    kred.yield %d : vector<1xf32>
  }
  return
}

// -----

func.func @derivative(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %out: memref<?x3xf32>) {
  kred.reduce sum over j ins(%x, %y : memref<?x3xf32>, memref<?x3xf32>)
      outs(%out : memref<?x3xf32>) {
    %xi = kred.var i 0 : vector<3xf32>
    %yj = kred.var j 1 : vector<3xf32>
    %d = kred.sqdist %xi, %yj : vector<3xf32>, vector<3xf32>
    // expected-error @below {{must be expanded by kred-autodiff before code generation}}
    %g = kred.grad %d, %xi, %d : vector<1xf32>, vector<3xf32>, vector<1xf32>
    kred.yield %g : vector<3xf32>
  }
  return
}
