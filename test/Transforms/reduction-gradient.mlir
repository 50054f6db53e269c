// RUN: kred-opt %s --split-input-file --kred-reduction-gradient=input=0 --verify-diagnostics | FileCheck %s --check-prefix=WRT-X
// RUN: kred-opt %s --split-input-file --kred-reduction-gradient=input=1 --verify-diagnostics | FileCheck %s --check-prefix=WRT-Y
// RUN: kred-opt %s --split-input-file --kred-reduction-gradient=input=2 --verify-diagnostics | FileCheck %s --check-prefix=WRT-B

// The gradient kernels of a Gaussian convolution, next to it in the module.
// With respect to x (indexed like the outputs): a Sum over j of
// Grad(F, x, e), e a new i-variable after the inputs.
// WRT-X-LABEL: func.func @gauss(
// WRT-X-LABEL: func.func @gauss_grad_X(
// WRT-X-SAME: %[[E:[a-z0-9]+]]: memref<?x1xf32> {kred.alias = "e"}, %[[OUT:[a-z0-9]+]]: memref<?x3xf32> {kred.output})
// WRT-X: kred.reduce sum over j ins({{.*}}, %[[E]] : {{.*}}) outs(%[[OUT]] : memref<?x3xf32>)
// WRT-X: %[[X:.*]] = kred.var i 0
// WRT-X: %[[F:.*]] = kred.mul
// WRT-X: %[[EV:.*]] = kred.var i 3 : vector<1xf32>
// WRT-X: %[[G:.*]] = kred.grad %[[F]], %[[X]], %[[EV]]
// WRT-X: kred.yield %[[G]] : vector<3xf32>

// With respect to y (the reduced axis): the transposed reduction, a Sum
// over i whose outputs are indexed by j.
// WRT-Y-LABEL: func.func @gauss_grad_Y(
// WRT-Y: kred.reduce sum over i
// WRT-Y: %[[Y:.*]] = kred.var j 1
// WRT-Y: %[[EV:.*]] = kred.var i 3 : vector<1xf32>
// WRT-Y: kred.grad %{{.*}}, %[[Y]], %[[EV]]
// WRT-Y: kred.yield %{{.*}} : vector<3xf32>

// WRT-B-LABEL: func.func @gauss_grad_B(
// WRT-B-SAME: memref<?x1xf32> {kred.output}
// WRT-B: kred.reduce sum over i
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

// Other kinds are refused by name (for now).
func.func @nearest(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %z: memref<?x1xf32>, %o: memref<?x1xf32>) {
  // expected-error @below {{has no gradient kernel yet for min reductions (only Sum)}}
  kred.reduce min over j ins(%x, %y, %z : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>) outs(%o : memref<?x1xf32>) {
    %0 = kred.var i 0 : vector<3xf32>
    %1 = kred.var j 1 : vector<3xf32>
    %2 = kred.var j 2 : vector<1xf32>
    %3 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
    %4 = kred.mul %3, %2 : vector<1xf32>, vector<1xf32>
    kred.yield %4 : vector<1xf32>
  }
  return
}
