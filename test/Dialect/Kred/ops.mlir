// RUN: kred-opt %s | kred-opt | FileCheck %s
// RUN: kred-opt %s --mlir-print-op-generic | kred-opt | FileCheck %s

// Round trip of every kred op through the custom and the generic form.

// CHECK-LABEL: func @unary
func.func @unary(%x: vector<3xf32>) {
  // CHECK: kred.minus %{{.*}} : vector<3xf32>
  %minus = kred.minus %x : vector<3xf32>
  // CHECK: kred.inv %{{.*}} : vector<3xf32>
  %inv = kred.inv %x : vector<3xf32>
  // CHECK: kred.exp %{{.*}} : vector<3xf32>
  %exp = kred.exp %x : vector<3xf32>
  // CHECK: kred.log %{{.*}} : vector<3xf32>
  %log = kred.log %x : vector<3xf32>
  // CHECK: kred.xlogx %{{.*}} : vector<3xf32>
  %xlogx = kred.xlogx %x : vector<3xf32>
  // CHECK: kred.sin %{{.*}} : vector<3xf32>
  %sin = kred.sin %x : vector<3xf32>
  // CHECK: kred.cos %{{.*}} : vector<3xf32>
  %cos = kred.cos %x : vector<3xf32>
  // CHECK: kred.asin %{{.*}} : vector<3xf32>
  %asin = kred.asin %x : vector<3xf32>
  // CHECK: kred.acos %{{.*}} : vector<3xf32>
  %acos = kred.acos %x : vector<3xf32>
  // CHECK: kred.atan %{{.*}} : vector<3xf32>
  %atan = kred.atan %x : vector<3xf32>
  // CHECK: kred.sinxdivx %{{.*}} : vector<3xf32>
  %sinxdivx = kred.sinxdivx %x : vector<3xf32>
  // CHECK: kred.square %{{.*}} : vector<3xf32>
  %square = kred.square %x : vector<3xf32>
  // CHECK: kred.sqrt %{{.*}} : vector<3xf32>
  %sqrt = kred.sqrt %x : vector<3xf32>
  // CHECK: kred.rsqrt %{{.*}} : vector<3xf32>
  %rsqrt = kred.rsqrt %x : vector<3xf32>
  // CHECK: kred.abs %{{.*}} : vector<3xf32>
  %abs = kred.abs %x : vector<3xf32>
  // CHECK: kred.sign %{{.*}} : vector<3xf32>
  %sign = kred.sign %x : vector<3xf32>
  // CHECK: kred.step %{{.*}} : vector<3xf32>
  %step = kred.step %x : vector<3xf32>
  // CHECK: kred.relu %{{.*}} : vector<3xf32>
  %relu = kred.relu %x : vector<3xf32>
  // CHECK: kred.floor %{{.*}} : vector<3xf32>
  %floor = kred.floor %x : vector<3xf32>
  // CHECK: kred.normalize %{{.*}} : vector<3xf32>
  %normalize = kred.normalize %x : vector<3xf32>
  return
}

// CHECK-LABEL: func @unary_with_attributes
func.func @unary_with_attributes(%x: vector<2xf64>) {
  // CHECK: kred.pow %{{.*}}, -3 : vector<2xf64>
  %0 = kred.pow %x, -3 : vector<2xf64>
  // CHECK: kred.round %{{.*}}, 2 : vector<2xf64>
  %1 = kred.round %x, 2 : vector<2xf64>
  // CHECK: kred.clamp_int %{{.*}}, -1, 4 : vector<2xf64>
  %2 = kred.clamp_int %x, -1, 4 : vector<2xf64>
  return
}

// CHECK-LABEL: func @to_scalar
func.func @to_scalar(%x: vector<4xf16>) {
  // CHECK: kred.sqnorm2 %{{.*}} : vector<4xf16>
  %sqnorm2 = kred.sqnorm2 %x : vector<4xf16>
  // CHECK: kred.norm2 %{{.*}} : vector<4xf16>
  %norm2 = kred.norm2 %x : vector<4xf16>
  // CHECK: kred.sum %{{.*}} : vector<4xf16>
  %sum = kred.sum %x : vector<4xf16>
  // CHECK: kred.max %{{.*}} : vector<4xf16>
  %max = kred.max %x : vector<4xf16>
  // CHECK: kred.min %{{.*}} : vector<4xf16>
  %min = kred.min %x : vector<4xf16>
  // CHECK: kred.argmax %{{.*}} : vector<4xf16>
  %argmax = kred.argmax %x : vector<4xf16>
  // CHECK: kred.argmin %{{.*}} : vector<4xf16>
  %argmin = kred.argmin %x : vector<4xf16>
  return
}

// CHECK-LABEL: func @broadcasting
func.func @broadcasting(%v: vector<3xbf16>, %s: vector<1xbf16>) -> vector<3xbf16> {
  // CHECK: kred.add %{{.*}}, %{{.*}} : vector<3xbf16>, vector<1xbf16>
  %add = kred.add %v, %s : vector<3xbf16>, vector<1xbf16>
  // CHECK: kred.sub %{{.*}}, %{{.*}} : vector<3xbf16>, vector<1xbf16>
  %sub = kred.sub %v, %s : vector<3xbf16>, vector<1xbf16>
  // CHECK: kred.mul %{{.*}}, %{{.*}} : vector<3xbf16>, vector<1xbf16>
  %mul = kred.mul %v, %s : vector<3xbf16>, vector<1xbf16>
  // CHECK: kred.div %{{.*}}, %{{.*}} : vector<3xbf16>, vector<1xbf16>
  %div = kred.div %v, %s : vector<3xbf16>, vector<1xbf16>
  // CHECK: kred.atan2 %{{.*}}, %{{.*}} : vector<3xbf16>, vector<1xbf16>
  %atan2 = kred.atan2 %v, %s : vector<3xbf16>, vector<1xbf16>
  // CHECK: kred.powf %{{.*}}, %{{.*}} : vector<3xbf16>, vector<1xbf16>
  %powf = kred.powf %v, %s : vector<3xbf16>, vector<1xbf16>
  // CHECK: kred.cmp eq, %{{.*}}, %{{.*}} : vector<1xbf16>, vector<3xbf16>
  %cmp_eq = kred.cmp eq, %s, %v : vector<1xbf16>, vector<3xbf16>
  // CHECK: kred.cmp ne, %{{.*}}, %{{.*}} : vector<1xbf16>, vector<3xbf16>
  %cmp_ne = kred.cmp ne, %s, %v : vector<1xbf16>, vector<3xbf16>
  // CHECK: kred.cmp lt, %{{.*}}, %{{.*}} : vector<1xbf16>, vector<3xbf16>
  %cmp_lt = kred.cmp lt, %s, %v : vector<1xbf16>, vector<3xbf16>
  // CHECK: kred.cmp le, %{{.*}}, %{{.*}} : vector<1xbf16>, vector<3xbf16>
  %cmp_le = kred.cmp le, %s, %v : vector<1xbf16>, vector<3xbf16>
  // CHECK: kred.cmp gt, %{{.*}}, %{{.*}} : vector<1xbf16>, vector<3xbf16>
  %cmp_gt = kred.cmp gt, %s, %v : vector<1xbf16>, vector<3xbf16>
  // CHECK: kred.cmp ge, %{{.*}}, %{{.*}} : vector<1xbf16>, vector<3xbf16>
  %cmp_ge = kred.cmp ge, %s, %v : vector<1xbf16>, vector<3xbf16>
  // CHECK: kred.clamp %{{.*}}, %{{.*}}, %{{.*}} : vector<3xbf16>, vector<1xbf16>, vector<3xbf16>
  %clamp = kred.clamp %v, %s, %v : vector<3xbf16>, vector<1xbf16>, vector<3xbf16>
  // CHECK: kred.if_else %{{.*}}, %{{.*}}, %{{.*}} : vector<3xbf16>, vector<1xbf16>, vector<3xbf16>
  %if_else = kred.if_else %v, %s, %v : vector<3xbf16>, vector<1xbf16>, vector<3xbf16>
  // CHECK: kred.mod %{{.*}}, %{{.*}}, %{{.*}} : vector<3xbf16>, vector<1xbf16>, vector<3xbf16>
  %mod = kred.mod %v, %s, %v : vector<3xbf16>, vector<1xbf16>, vector<3xbf16>
  return %add : vector<3xbf16>
}
// CHECK-LABEL: func @vector_ops
func.func @vector_ops(%x: vector<3xf32>, %y: vector<3xf32>, %s: vector<1xf32>, %m: vector<9xf32>) {
  // CHECK: kred.sqdist %{{.*}}, %{{.*}} : vector<3xf32>, vector<3xf32>
  %0 = kred.sqdist %x, %y : vector<3xf32>, vector<3xf32>
  // CHECK: kred.scalprod %{{.*}}, %{{.*}} : vector<3xf32>, vector<3xf32>
  %1 = kred.scalprod %x, %y : vector<3xf32>, vector<3xf32>
  // CHECK: kred.weighted_sqnorm %{{.*}}, %{{.*}} : vector<9xf32>, vector<3xf32>
  %2 = kred.weighted_sqnorm %m, %x : vector<9xf32>, vector<3xf32>
  // CHECK: kred.weighted_sqdist %{{.*}}, %{{.*}}, %{{.*}} : vector<1xf32>, vector<3xf32>, vector<3xf32>
  %3 = kred.weighted_sqdist %s, %x, %y : vector<1xf32>, vector<3xf32>, vector<3xf32>
  // CHECK: kred.sum_t %{{.*}}, 4 : vector<1xf32>
  %4 = kred.sum_t %s, 4 : vector<1xf32>
  return
}

// CHECK-LABEL: func @indexing
func.func @indexing(%x: vector<4xf32>, %s: vector<1xf32>) {
  // CHECK: kred.elem %{{.*}}, 3 : vector<4xf32>
  %0 = kred.elem %x, 3 : vector<4xf32>
  // CHECK: kred.elem_t %{{.*}}, 5, 2 : vector<1xf32>
  %1 = kred.elem_t %s, 5, 2 : vector<1xf32>
  // CHECK: kred.extract %{{.*}}, 1, 2 : vector<4xf32>
  %2 = kred.extract %x, 1, 2 : vector<4xf32>
  // CHECK: kred.extract_t %{{.*}}, 2, 6 : vector<4xf32>
  %3 = kred.extract_t %x, 2, 6 : vector<4xf32>
  // CHECK: kred.concat %{{.*}}, %{{.*}} : vector<4xf32>, vector<1xf32>
  %4 = kred.concat %x, %s : vector<4xf32>, vector<1xf32>
  // CHECK: kred.one_hot %{{.*}}, 7 : vector<1xf32>
  %5 = kred.one_hot %s, 7 : vector<1xf32>
  return
}

// CHECK-LABEL: func @tensor_algebra
func.func @tensor_algebra(%a: vector<6xf64>, %v2: vector<2xf64>, %v3: vector<3xf64>) {
  // CHECK: kred.matvecmult %{{.*}}, %{{.*}} : vector<6xf64>, vector<3xf64>
  %0 = kred.matvecmult %a, %v3 : vector<6xf64>, vector<3xf64>
  // CHECK: kred.vecmatmult %{{.*}}, %{{.*}} : vector<2xf64>, vector<6xf64>
  %1 = kred.vecmatmult %v2, %a : vector<2xf64>, vector<6xf64>
  // CHECK: kred.tensorprod %{{.*}}, %{{.*}} : vector<2xf64>, vector<3xf64>
  %2 = kred.tensorprod %v2, %v3 : vector<2xf64>, vector<3xf64>
  // CHECK: kred.tensordot %{{.*}}, %{{.*}}, [2, 3], [3], [1], [0] : vector<6xf64>, vector<3xf64>
  %3 = kred.tensordot %a, %v3, [2, 3], [3], [1], [0] : vector<6xf64>, vector<3xf64>
  // CHECK: kred.tensordot %{{.*}}, %{{.*}}, [2, 3], [2], [], [] permutation [2, 0, 1] : vector<6xf64>, vector<2xf64>
  %5 = kred.tensordot %a, %v2, [2, 3], [2], [], [] permutation [2, 0, 1] : vector<6xf64>, vector<2xf64>
  // CHECK: kred.kron %{{.*}}, %{{.*}}, [2], [3] : vector<2xf64>, vector<3xf64>
  %4 = kred.kron %v2, %v3, [2], [3] : vector<2xf64>, vector<3xf64>
  return
}

// CHECK-LABEL: func @constants
func.func @constants() {
  // CHECK: kred.constant dense<2.000000e+00> : vector<1xf32>
  %0 = kred.constant dense<2.0> : vector<1xf32>
  // CHECK: kred.constant dense<[1.000000e+00, 2.000000e+00]> : vector<2xf64>
  %1 = kred.constant dense<[1.0, 2.0]> : vector<2xf64>
  return
}

// Every reduction kind, the derivative ops and the variables, inside
// kred.reduce.

// CHECK-LABEL: func @gaussian_conv
func.func @gaussian_conv(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %b: memref<?x1xf32>, %out: memref<?x1xf32>) {
  // CHECK: kred.reduce sum over j ins(%{{.*}}, %{{.*}}, %{{.*}} : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>) outs(%{{.*}} : memref<?x1xf32>) {
  kred.reduce sum over j ins(%x, %y, %b : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>) outs(%out : memref<?x1xf32>) {
    // CHECK: kred.var i 0 : vector<3xf32>
    %xi = kred.var i 0 : vector<3xf32>
    // CHECK: kred.var j 1 : vector<3xf32>
    %yj = kred.var j 1 : vector<3xf32>
    %bj = kred.var j 2 : vector<1xf32>
    %d = kred.sqdist %xi, %yj : vector<3xf32>, vector<3xf32>
    %n = kred.minus %d : vector<1xf32>
    %e = kred.exp %n : vector<1xf32>
    %f = kred.mul %e, %bj : vector<1xf32>, vector<1xf32>
    // CHECK: kred.yield %{{.*}} : vector<1xf32>
    kred.yield %f : vector<1xf32>
  }
  return
}

// CHECK-LABEL: func @options
func.func @options(%x: memref<?x?x2xf32>, %p: memref<1x2xf32>, %out: memref<?x?x2xf32>) {
  // CHECK: kred.reduce sum over i batch(1) acc(f64) scheme(kahan) ins(
  kred.reduce sum over i batch(1) acc(f64) scheme(kahan) ins(%x, %p : memref<?x?x2xf32>, memref<1x2xf32>) outs(%out : memref<?x?x2xf32>) {
    %xi = kred.var i 0 : vector<2xf32>
    // CHECK: kred.var param 1 : vector<2xf32>
    %pp = kred.var param 1 : vector<2xf32>
    %f = kred.mul %xi, %pp : vector<2xf32>, vector<2xf32>
    kred.yield %f : vector<2xf32>
  }
  return
}

// CHECK-LABEL: func @tensors
func.func @tensors(%x: tensor<?x3xf64>, %y: tensor<?x3xf64>, %init: tensor<?x1xf64>) -> tensor<?x1xf64> {
  // CHECK: kred.reduce log_sum_exp over j ins({{.*}}) outs({{.*}}) {
  // CHECK: } -> tensor<?x1xf64>
  %r = kred.reduce log_sum_exp over j ins(%x, %y : tensor<?x3xf64>, tensor<?x3xf64>) outs(%init : tensor<?x1xf64>) {
    %xi = kred.var i 0 : vector<3xf64>
    %yj = kred.var j 1 : vector<3xf64>
    %p = kred.scalprod %xi, %yj : vector<3xf64>, vector<3xf64>
    kred.yield %p : vector<1xf64>
  } -> tensor<?x1xf64>
  return %r : tensor<?x1xf64>
}

// CHECK-LABEL: func @kinds
func.func @kinds(%x: memref<?x2xf32>, %y: memref<?x2xf32>, %v: memref<?x2xf32>, %i: memref<?x2xi64>,
                 %v6: memref<?x6xf32>, %i6: memref<?x6xi64>, %s: memref<?x1xf32>, %w: memref<?x2xf32>,
                 %w3: memref<?x3xf32>) {
  // CHECK: kred.reduce min over j
  kred.reduce min over j ins(%x, %y : memref<?x2xf32>, memref<?x2xf32>) outs(%v : memref<?x2xf32>) {
    %a = kred.var i 0 : vector<2xf32>
    %b = kred.var j 1 : vector<2xf32>
    %d = kred.sub %a, %b : vector<2xf32>, vector<2xf32>
    kred.yield %d : vector<2xf32>
  }
  // CHECK: kred.reduce max over j
  kred.reduce max over j ins(%x, %y : memref<?x2xf32>, memref<?x2xf32>) outs(%v : memref<?x2xf32>) {
    %a = kred.var i 0 : vector<2xf32>
    kred.yield %a : vector<2xf32>
  }
  // CHECK: kred.reduce arg_min over j
  kred.reduce arg_min over j ins(%x : memref<?x2xf32>) outs(%i : memref<?x2xi64>) {
    %a = kred.var i 0 : vector<2xf32>
    kred.yield %a : vector<2xf32>
  }
  // CHECK: kred.reduce arg_max over i
  kred.reduce arg_max over i ins(%y : memref<?x2xf32>) outs(%i : memref<?x2xi64>) {
    %a = kred.var i 0 : vector<2xf32>
    kred.yield %a : vector<2xf32>
  }
  // CHECK: kred.reduce min_arg_min over j {{.*}} outs(%{{.*}}, %{{.*}} : memref<?x2xf32>, memref<?x2xi64>)
  kred.reduce min_arg_min over j ins(%x : memref<?x2xf32>) outs(%v, %i : memref<?x2xf32>, memref<?x2xi64>) {
    %a = kred.var i 0 : vector<2xf32>
    kred.yield %a : vector<2xf32>
  }
  // CHECK: kred.reduce max_arg_max over j
  kred.reduce max_arg_max over j ins(%x : memref<?x2xf32>) outs(%v, %i : memref<?x2xf32>, memref<?x2xi64>) {
    %a = kred.var i 0 : vector<2xf32>
    kred.yield %a : vector<2xf32>
  }
  // CHECK: kred.reduce k_min(3) over j
  kred.reduce k_min(3) over j ins(%x : memref<?x2xf32>) outs(%v6 : memref<?x6xf32>) {
    %a = kred.var j 0 : vector<2xf32>
    kred.yield %a : vector<2xf32>
  }
  // CHECK: kred.reduce arg_k_min(3) over j
  kred.reduce arg_k_min(3) over j ins(%x : memref<?x2xf32>) outs(%i6 : memref<?x6xi64>) {
    %a = kred.var j 0 : vector<2xf32>
    kred.yield %a : vector<2xf32>
  }
  // CHECK: kred.reduce k_min_arg_k_min(3) over j
  kred.reduce k_min_arg_k_min(3) over j ins(%x : memref<?x2xf32>) outs(%v6, %i6 : memref<?x6xf32>, memref<?x6xi64>) {
    %a = kred.var j 0 : vector<2xf32>
    kred.yield %a : vector<2xf32>
  }
  // CHECK: kred.reduce log_sum_exp_weight over j
  kred.reduce log_sum_exp_weight over j ins(%x, %y : memref<?x2xf32>, memref<?x2xf32>) outs(%w : memref<?x2xf32>) {
    %a = kred.var i 0 : vector<2xf32>
    %b = kred.var j 1 : vector<2xf32>
    %f = kred.sqdist %a, %b : vector<2xf32>, vector<2xf32>
    // CHECK: kred.yield %{{.*}}, %{{.*}} : vector<1xf32>, vector<2xf32>
    kred.yield %f, %b : vector<1xf32>, vector<2xf32>
  }
  // CHECK: kred.reduce sum_soft_max_weight over j
  kred.reduce sum_soft_max_weight over j ins(%x, %y : memref<?x2xf32>, memref<?x2xf32>) outs(%w : memref<?x2xf32>) {
    %a = kred.var i 0 : vector<2xf32>
    %b = kred.var j 1 : vector<2xf32>
    %f = kred.sqdist %a, %b : vector<2xf32>, vector<2xf32>
    kred.yield %f, %b : vector<1xf32>, vector<2xf32>
  }
  // CHECK: kred.reduce max_sum_shift_exp over j
  kred.reduce max_sum_shift_exp over j ins(%x : memref<?x2xf32>) outs(%w : memref<?x2xf32>) {
    %a = kred.var i 0 : vector<2xf32>
    %f = kred.sum %a : vector<2xf32>
    kred.yield %f : vector<1xf32>
  }
  // CHECK: kred.reduce max_sum_shift_exp_weight over j
  kred.reduce max_sum_shift_exp_weight over j ins(%x : memref<?x2xf32>) outs(%w3 : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<2xf32>
    %f = kred.sum %a : vector<2xf32>
    kred.yield %f, %a : vector<1xf32>, vector<2xf32>
  }
  return
}

// CHECK-LABEL: func @derivatives_and_ranges
func.func @derivatives_and_ranges(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %e: memref<?x1xf32>, %out: memref<?x3xf32>,
                                  %r: memref<?x2xi32>, %sl: memref<?xi32>) {
  // CHECK: ranges(%{{.*}} : memref<?x2xi32>, memref<?xi32>, memref<?x2xi32>, memref<?x2xi32>, memref<?xi32>, memref<?x2xi32>)
  kred.reduce sum over j ins(%x, %y, %e : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>) outs(%out : memref<?x3xf32>)
      ranges(%r, %sl, %r, %r, %sl, %r : memref<?x2xi32>, memref<?xi32>, memref<?x2xi32>, memref<?x2xi32>, memref<?xi32>, memref<?x2xi32>) {
    %xi = kred.var i 0 : vector<3xf32>
    %yj = kred.var j 1 : vector<3xf32>
    %ei = kred.var i 2 : vector<1xf32>
    %d = kred.sqdist %xi, %yj : vector<3xf32>, vector<3xf32>
    // CHECK: kred.grad %{{.*}}, %{{.*}}, %{{.*}} : vector<1xf32>, vector<3xf32>, vector<1xf32>
    %g = kred.grad %d, %xi, %ei : vector<1xf32>, vector<3xf32>, vector<1xf32>
    // CHECK: kred.diff %{{.*}}, %{{.*}}, %{{.*}} : vector<1xf32>, vector<3xf32>, vector<3xf32>
    %df = kred.diff %d, %xi, %yj : vector<1xf32>, vector<3xf32>, vector<3xf32>
    // CHECK: kred.laplacian %{{.*}}, %{{.*}} : vector<1xf32>, vector<3xf32>
    %l = kred.laplacian %d, %xi : vector<1xf32>, vector<3xf32>
    // CHECK: kred.divergence %{{.*}}, %{{.*}} : vector<3xf32>, vector<3xf32>
    %dv = kred.divergence %yj, %xi : vector<3xf32>, vector<3xf32>
    %s = kred.add %df, %l : vector<1xf32>, vector<1xf32>
    %t = kred.add %s, %dv : vector<1xf32>, vector<1xf32>
    %u = kred.mul %g, %t : vector<3xf32>, vector<1xf32>
    kred.yield %u : vector<3xf32>
  }
  return
}
