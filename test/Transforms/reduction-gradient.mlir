// RUN: kred-opt %s --split-input-file --kred-reduction-gradient=inputs=0 --verify-diagnostics | FileCheck %s --check-prefix=WRT-X
// RUN: kred-opt %s --split-input-file --kred-reduction-gradient=inputs=1 --verify-diagnostics | FileCheck %s --check-prefix=WRT-Y
// RUN: kred-opt %s --split-input-file --kred-reduction-gradient=inputs=2 --verify-diagnostics | FileCheck %s --check-prefix=WRT-B

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

// log_sum_exp: through the forward result r (a new i-variable after e),
// w = e exp(F - r), no new maximum; exp(F - r) is 0 below F - r = -60
// (computed at -60 there, so that it never underflows).
// WRT-X-LABEL: func.func @lse_grad_X(
// WRT-X-SAME: {kred.alias = "e"}, %{{.*}}: memref<?x1xf32> {kred.alias = "result"}, %{{.*}}: memref<?x3xf32> {kred.output})
// WRT-X: kred.reduce sum over j
// WRT-X: %[[X:.*]] = kred.var i 0
// WRT-X: %[[F:.*]] = kred.mul
// WRT-X: %[[E:.*]] = kred.var i 3 : vector<1xf32>
// WRT-X: %[[R:.*]] = kred.var i 4 : vector<1xf32>
// WRT-X: %[[S:.*]] = kred.sub %[[F]], %[[R]]
// WRT-X: %[[LO:.*]] = kred.constant dense<-6.000000e+01> : vector<1xf32>
// WRT-X: %[[BELOW:.*]] = kred.cmp lt, %[[S]], %[[LO]]
// WRT-X: %[[KEEP:.*]] = kred.minus %[[BELOW]]
// WRT-X: %[[CLAMPED:.*]] = kred.if_else %[[KEEP]], %[[S]], %[[LO]]
// WRT-X: %[[EXP:.*]] = kred.exp %[[CLAMPED]]
// WRT-X: %[[W:.*]] = kred.if_else %[[KEEP]], %[[EXP]], %{{.*}}
// WRT-X: %[[EW:.*]] = kred.mul %[[E]], %[[W]]
// WRT-X: kred.grad %[[F]], %[[X]], %[[EW]]
func.func @lse(%x: memref<?x3xf32> {kred.alias = "X"}, %y: memref<?x3xf32> {kred.alias = "Y"}, %p: memref<1xf32> {kred.alias = "P"}, %o: memref<?x1xf32> {kred.output}) {
  kred.reduce log_sum_exp over j ins(%x, %y, %p : memref<?x3xf32>, memref<?x3xf32>, memref<1xf32>) outs(%o : memref<?x1xf32>) {
    %0 = kred.var i 0 : vector<3xf32>
    %1 = kred.var j 1 : vector<3xf32>
    %2 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
    %3 = kred.minus %2 : vector<1xf32>
    %4 = kred.var param 2 : vector<1xf32>
    %5 = kred.mul %3, %4 : vector<1xf32>, vector<1xf32>
    kred.yield %5 : vector<1xf32>
  }
  return
}

// -----

// log_sum_exp_weight: through the forward's (m, s) (Max_SumShiftExpWeight,
// a new i-variable "partial" after e), w = exp(F - m) e / s as KeOps: finite
// where s < 0 makes the result NaN.
// WRT-X-LABEL: func.func @lse_weight_grad_X(
// WRT-X-SAME: {kred.alias = "e"}, %{{.*}}: memref<?x3xf32> {kred.alias = "partial"}, %{{.*}}: memref<?x3xf32> {kred.output})
// WRT-X: %[[F:.*]] = kred.minus
// WRT-X: %[[G:.*]] = kred.var j 2 : vector<2xf32>
// WRT-X: %[[E:.*]] = kred.var i 3 : vector<2xf32>
// WRT-X: %[[SHIFT:.*]] = kred.var i 4 : vector<3xf32>
// WRT-X: %[[M:.*]] = kred.extract %[[SHIFT]], 0, 1
// WRT-X: %[[S:.*]] = kred.extract %[[SHIFT]], 1, 2
// WRT-X: %[[ES:.*]] = kred.div %[[E]], %[[S]]
// WRT-X: kred.sub %[[F]], %[[M]]
// WRT-X: kred.exp
// WRT-X: %[[EXP:.*]] = kred.if_else
// WRT-X: %[[W:.*]] = kred.mul %[[EXP]], %[[ES]]
// WRT-X: %[[WG:.*]] = kred.scalprod %[[W]], %[[G]]
// WRT-X: kred.grad %[[F]], %{{.*}}, %[[WG]]
// WRT-X: kred.grad %[[G]], %{{.*}}, %[[W]]
func.func @lse_weight(%x: memref<?x3xf32> {kred.alias = "X"}, %y: memref<?x3xf32> {kred.alias = "Y"}, %b: memref<?x2xf32> {kred.alias = "B"}, %o: memref<?x2xf32> {kred.output}) {
  kred.reduce log_sum_exp_weight over j ins(%x, %y, %b : memref<?x3xf32>, memref<?x3xf32>, memref<?x2xf32>) outs(%o : memref<?x2xf32>) {
    %0 = kred.var i 0 : vector<3xf32>
    %1 = kred.var j 1 : vector<3xf32>
    %2 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
    %3 = kred.minus %2 : vector<1xf32>
    %4 = kred.var j 2 : vector<2xf32>
    kred.yield %3, %4 : vector<1xf32>, vector<2xf32>
  }
  return
}

// -----

// sum_soft_max_weight: the weights exp(F - logsumexp), and the centered
// weight <e, G> - <e, r> for F's part.
// WRT-X-LABEL: func.func @softmax_grad_X(
// WRT-X-SAME: {kred.alias = "e"}, %{{.*}}: memref<?x2xf32> {kred.alias = "result"}, %{{.*}}: memref<?x1xf32> {kred.alias = "partial"}, %{{.*}}: memref<?x3xf32> {kred.output})
// WRT-X: %[[F:.*]] = kred.minus
// WRT-X: %[[G:.*]] = kred.var j 2 : vector<2xf32>
// WRT-X: %[[E:.*]] = kred.var i 3 : vector<2xf32>
// WRT-X: %[[R:.*]] = kred.var i 4 : vector<2xf32>
// WRT-X: %[[L:.*]] = kred.var i 5 : vector<1xf32>
// WRT-X: %[[S:.*]] = kred.sub %[[F]], %[[L]]
// WRT-X: %[[EXP:.*]] = kred.exp %{{.*}}
// WRT-X: %[[W:.*]] = kred.if_else %{{.*}}, %[[EXP]], %{{.*}}
// WRT-X: %[[EG:.*]] = kred.scalprod %[[E]], %[[G]]
// WRT-X: %[[ER:.*]] = kred.scalprod %[[E]], %[[R]]
// WRT-X: %[[C:.*]] = kred.sub %[[EG]], %[[ER]]
// WRT-X: kred.grad %[[G]]
// WRT-X: %[[WC:.*]] = kred.mul %[[W]], %[[C]]
// WRT-X: kred.grad %[[F]], %{{.*}}, %[[WC]]
func.func @softmax(%x: memref<?x3xf32> {kred.alias = "X"}, %y: memref<?x3xf32> {kred.alias = "Y"}, %b: memref<?x2xf32> {kred.alias = "B"}, %o: memref<?x2xf32> {kred.output}) {
  kred.reduce sum_soft_max_weight over j ins(%x, %y, %b : memref<?x3xf32>, memref<?x3xf32>, memref<?x2xf32>) outs(%o : memref<?x2xf32>) {
    %0 = kred.var i 0 : vector<3xf32>
    %1 = kred.var j 1 : vector<3xf32>
    %2 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
    %3 = kred.minus %2 : vector<1xf32>
    %4 = kred.var j 2 : vector<2xf32>
    kred.yield %3, %4 : vector<1xf32>, vector<2xf32>
  }
  return
}

// -----

// k_min_arg_k_min: the gradient flows through the selected terms. The
// selected indices (as floats) and the positions of the reduced axis are new
// variables; both old outputs give way to one.
// WRT-X-LABEL: func.func @nearest_grad_X(
// WRT-X-SAME: {kred.alias = "e"}, %{{.*}}: memref<?x2xf32> {kred.alias = "indices"}, %{{.*}}: memref<?x1xf32> {kred.alias = "positions"}, %{{.*}}: memref<?x3xf32> {kred.output}) {
// WRT-X: kred.reduce sum over j
// WRT-X: %[[F:.*]] = kred.mul
// WRT-X: %[[E:.*]] = kred.var i 3 : vector<2xf32>
// WRT-X: %[[I:.*]] = kred.var i 4 : vector<2xf32>
// WRT-X: %[[P:.*]] = kred.var j 5 : vector<1xf32>
// WRT-X: %[[SEL:.*]] = kred.cmp eq, %[[P]], %[[I]]
// WRT-X: %[[ES:.*]] = kred.mul %[[SEL]], %[[E]]
// WRT-X: %[[A:.*]] = kred.extract %[[ES]], 0, 1
// WRT-X: %[[B:.*]] = kred.extract %[[ES]], 1, 1
// WRT-X: %[[W:.*]] = kred.add %[[A]], %[[B]]
// WRT-X: kred.grad %[[F]], %{{.*}}, %[[W]]
// WRT-Y-LABEL: func.func @nearest_grad_Y(
// WRT-Y: kred.reduce sum over i
func.func @nearest(%x: memref<?x3xf32> {kred.alias = "X"}, %y: memref<?x3xf32> {kred.alias = "Y"}, %w: memref<?x1xf32> {kred.alias = "W"}, %o: memref<?x2xf32> {kred.output}, %p: memref<?x2xi64> {kred.output}) {
  kred.reduce k_min_arg_k_min(2) over j ins(%x, %y, %w : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>) outs(%o, %p : memref<?x2xf32>, memref<?x2xi64>) {
    %0 = kred.var i 0 : vector<3xf32>
    %1 = kred.var j 1 : vector<3xf32>
    %2 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
    %3 = kred.var j 2 : vector<1xf32>
    %4 = kred.mul %2, %3 : vector<1xf32>, vector<1xf32>
    kred.yield %4 : vector<1xf32>
  }
  return
}

// -----

// Index-only kinds have a zero gradient: refused by name.
func.func @argmin(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %z: memref<?x1xf32>, %o: memref<?x1xi64>) {
  // expected-error @below {{outputs indices only: its gradient is zero everywhere}}
  kred.reduce arg_min over j ins(%x, %y, %z : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>) outs(%o : memref<?x1xi64>) {
    %0 = kred.var i 0 : vector<3xf32>
    %1 = kred.var j 1 : vector<3xf32>
    %2 = kred.var j 2 : vector<1xf32>
    %3 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
    %4 = kred.mul %3, %2 : vector<1xf32>, vector<1xf32>
    kred.yield %4 : vector<1xf32>
  }
  return
}
