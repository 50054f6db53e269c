// RUN: kred-opt %s --split-input-file --verify-diagnostics

// Every verifier rule of the kred dialect, one case each.

func.func @f(%a: vector<3xf32>, %b: vector<2xf32>) {
  // expected-error @+1 {{'kred.add' op operand #1 has dimension 2, expected 1 or 3 (the dimension of operand #0)}}
  %0 = kred.add %a, %b : vector<3xf32>, vector<2xf32>
  return
}

// -----

func.func @f(%a: vector<3xf32>, %b: vector<3xf64>) {
  // expected-error @+1 {{'kred.mul' op operand #1 has element type 'f64', expected 'f32' (the element type of operand #0)}}
  %0 = kred.mul %a, %b : vector<3xf32>, vector<3xf64>
  return
}

// -----

func.func @f(%a: vector<1xf32>, %b: vector<2xf32>, %c: vector<3xf32>) {
  // expected-error @+1 {{'kred.clamp' op operand #2 has dimension 3, expected 1 or 2 (the dimension of operand #1)}}
  %0 = kred.clamp %a, %b, %c : vector<1xf32>, vector<2xf32>, vector<3xf32>
  return
}

// -----

func.func @f(%a: vector<3xf32>, %b: vector<2xf32>) {
  // expected-error @+1 {{'kred.sqdist' op operand #1 has dimension 2, expected 3 (the dimension of operand #0)}}
  %0 = kred.sqdist %a, %b : vector<3xf32>, vector<2xf32>
  return
}

// -----

func.func @f(%a: vector<3xf32>, %b: vector<2xf32>) {
  // expected-error @+1 {{'kred.scalprod' op operand #1 has dimension 2, expected 3}}
  %0 = kred.scalprod %a, %b : vector<3xf32>, vector<2xf32>
  return
}

// -----

func.func @f(%s: vector<4xf32>, %x: vector<3xf32>) {
  // expected-error @+1 {{'kred.weighted_sqnorm' op operand #0 (the weight) has dimension 4, expected 1, 3 or 9 for vectors of dimension 3}}
  %0 = kred.weighted_sqnorm %s, %x : vector<4xf32>, vector<3xf32>
  return
}

// -----

func.func @f(%s: vector<1xf32>, %x: vector<3xf32>, %y: vector<2xf32>) {
  // expected-error @+1 {{'kred.weighted_sqdist' op operand #2 has dimension 2, expected 3 (the dimension of operand #1)}}
  %0 = kred.weighted_sqdist %s, %x, %y : vector<1xf32>, vector<3xf32>, vector<2xf32>
  return
}

// -----

func.func @f(%x: vector<3xf32>) {
  // expected-error @+1 {{'kred.elem' op attribute 'index' is 3, expected a value in [0, 2]}}
  %0 = kred.elem %x, 3 : vector<3xf32>
  return
}

// -----

func.func @f(%x: vector<3xf32>) {
  // expected-error @+1 {{'kred.elem_t' op operand #0 has dimension 3, expected 1 (kred.elem_t places a scalar)}}
  %0 = kred.elem_t %x, 4, 1 : vector<3xf32>
  return
}

// -----

func.func @f(%x: vector<1xf32>) {
  // expected-error @+1 {{'kred.elem_t' op attribute 'index' is 4, expected a value in [0, 3]}}
  %0 = kred.elem_t %x, 4, 4 : vector<1xf32>
  return
}

// -----

func.func @f(%x: vector<3xf32>) {
  // expected-error @+1 {{'kred.extract' op attribute 'start' is -1, expected a value in [0, 2]}}
  %0 = kred.extract %x, -1, 1 : vector<3xf32>
  return
}

// -----

func.func @f(%x: vector<3xf32>) {
  // expected-error @+1 {{'kred.extract' op attribute 'length' is 3, expected a value in [1, 2]}}
  %0 = kred.extract %x, 1, 3 : vector<3xf32>
  return
}

// -----

func.func @f(%x: vector<3xf32>) {
  // expected-error @+1 {{'kred.extract_t' op attribute 'start' is 2, expected a value in [0, 1]}}
  %0 = kred.extract_t %x, 2, 4 : vector<3xf32>
  return
}

// -----

func.func @f(%x: vector<3xf32>) {
  // expected-error @+1 {{'kred.extract_t' op attribute 'dim' is 2, expected a value in [3, 65536]}}
  %0 = kred.extract_t %x, 0, 2 : vector<3xf32>
  return
}

// -----

func.func @f(%x: vector<2xf32>) {
  // expected-error @+1 {{'kred.one_hot' op operand #0 has dimension 2, expected 1 (kred.one_hot encodes a scalar)}}
  %0 = kred.one_hot %x, 3 : vector<2xf32>
  return
}

// -----

func.func @f(%x: vector<1xf32>) {
  // expected-error @+1 {{'kred.one_hot' op attribute 'dim' is 0, expected a value in [1, 65536]}}
  %0 = kred.one_hot %x, 0 : vector<1xf32>
  return
}

// -----

func.func @f(%x: vector<2xf32>) {
  // expected-error @+1 {{'kred.sum_t' op operand #0 has dimension 2, expected 1 (kred.sum_t broadcasts a scalar)}}
  %0 = kred.sum_t %x, 3 : vector<2xf32>
  return
}

// -----

func.func @f(%a: vector<7xf32>, %v: vector<3xf32>) {
  // expected-error @+1 {{'kred.matvecmult' op operand #0 (the matrix) has dimension 7, expected a multiple of 3 (the dimension of the vector, operand #1)}}
  %0 = kred.matvecmult %a, %v : vector<7xf32>, vector<3xf32>
  return
}

// -----

func.func @f(%v: vector<2xf32>, %a: vector<5xf32>) {
  // expected-error @+1 {{'kred.vecmatmult' op operand #1 (the matrix) has dimension 5, expected a multiple of 2 (the dimension of the vector, operand #0)}}
  %0 = kred.vecmatmult %v, %a : vector<2xf32>, vector<5xf32>
  return
}

// -----

func.func @f(%a: vector<2xf32>, %b: vector<3xf64>) {
  // expected-error @+1 {{'kred.tensorprod' op operand #1 has element type 'f64'}}
  %0 = kred.tensorprod %a, %b : vector<2xf32>, vector<3xf64>
  return
}

// -----

func.func @f(%a: vector<6xf32>, %b: vector<3xf32>) {
  // expected-error @+1 {{'kred.tensordot' op attribute 'lhs_shape' describes 4 elements, but operand #0 has dimension 6}}
  %0 = kred.tensordot %a, %b, [2, 2], [3], [1], [0] : vector<6xf32>, vector<3xf32>
  return
}

// -----

func.func @f(%a: vector<6xf32>, %b: vector<3xf32>) {
  // expected-error @+1 {{'kred.tensordot' op contracts lhs axis 0 of size 2 with rhs axis 0 of size 3}}
  %0 = kred.tensordot %a, %b, [2, 3], [3], [0], [0] : vector<6xf32>, vector<3xf32>
  return
}

// -----

func.func @f(%a: vector<6xf32>, %b: vector<3xf32>) {
  // expected-error @+1 {{'kred.tensordot' op contracts 2 axes of lhs with 1 axes of rhs, expected as many on each side}}
  %0 = kred.tensordot %a, %b, [2, 3], [3], [0, 1], [0] : vector<6xf32>, vector<3xf32>
  return
}

// -----

func.func @f(%a: vector<6xf32>, %b: vector<3xf32>) {
  // expected-error @+1 {{'kred.tensordot' op lhs contraction axis 2 is out of range or repeated (lhs has rank 2)}}
  %0 = kred.tensordot %a, %b, [2, 3], [3], [2], [0] : vector<6xf32>, vector<3xf32>
  return
}

// -----

func.func @f(%a: vector<6xf32>, %b: vector<3xf32>) {
  // expected-error @+1 {{'kred.tensordot' op rhs contraction axis 1 is out of range or repeated (rhs has rank 1)}}
  %0 = kred.tensordot %a, %b, [2, 3], [3], [1], [1] : vector<6xf32>, vector<3xf32>
  return
}

// -----

func.func @f(%a: vector<6xf32>, %b: vector<3xf32>) {
  // expected-error @+1 {{'kred.tensordot' op attribute 'rhs_shape' has a size 0, expected sizes >= 1}}
  %0 = kred.tensordot %a, %b, [2, 3], [0], [1], [0] : vector<6xf32>, vector<3xf32>
  return
}

// -----

func.func @f(%a: vector<6xf32>, %b: vector<3xf32>) {
  // expected-error @+1 {{'kred.tensordot' op permutation has 2 entries, expected one per kept axis (3)}}
  %0 = kred.tensordot %a, %b, [2, 3], [3], [], [] permutation [1, 0] : vector<6xf32>, vector<3xf32>
  return
}

// -----

func.func @f(%a: vector<6xf32>, %b: vector<3xf32>) {
  // expected-error @+1 {{'kred.tensordot' op permutation entry 0 is out of range or repeated, expected a permutation of 0..2}}
  %0 = kred.tensordot %a, %b, [2, 3], [3], [], [] permutation [0, 2, 0] : vector<6xf32>, vector<3xf32>
  return
}

// -----

func.func @f(%a: vector<6xf32>, %b: vector<3xf32>) {
  // expected-error @+1 {{'kred.kron' op lhs_shape has rank 2 and rhs_shape rank 1, expected equal ranks}}
  %0 = kred.kron %a, %b, [2, 3], [3] : vector<6xf32>, vector<3xf32>
  return
}

// -----

func.func @f(%x: vector<3xf32>) {
  // expected-error @+1 {{'kred.clamp_int' op has bounds [2, 1], expected min <= max}}
  %0 = kred.clamp_int %x, 2, 1 : vector<3xf32>
  return
}

// -----

func.func @f(%x: vector<2x3xf32>) {
  // expected-error @+1 {{'kred.exp' op operand #0 must be vector of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values of ranks 1}}
  %0 = kred.exp %x : vector<2x3xf32>
  return
}

// -----

func.func @f(%x: vector<3xi32>) {
  // expected-error @+1 {{'kred.sqrt' op operand #0 must be vector of 16-bit float}}
  %0 = kred.sqrt %x : vector<3xi32>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{'kred.constant' op result #0 must be vector of 16-bit float}}
  %0 = kred.constant dense<1> : vector<1xi32>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{'kred.var' op expects parent op 'kred.reduce'}}
  %0 = kred.var i 0 : vector<3xf32>
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    %s = kred.sqnorm2 %a : vector<3xf32>
    // expected-error @+1 {{'kred.grad' op operand #2 has dimension 3, expected 1 (the gradient input has the dimension of the formula, operand #0)}}
    %g = kred.grad %s, %a, %a : vector<1xf32>, vector<3xf32>, vector<3xf32>
    kred.yield %g : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    %e = kred.exp %a : vector<3xf32>
    %s = kred.sqnorm2 %a : vector<3xf32>
    // expected-error @+1 {{'kred.grad' op differentiates with respect to operand #1, which must be a variable (the result of kred.var), but it is the result of 'kred.exp'}}
    %g = kred.grad %s, %e, %s : vector<1xf32>, vector<3xf32>, vector<1xf32>
    kred.yield %g : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    %s = kred.sqnorm2 %a : vector<3xf32>
    // expected-error @+1 {{'kred.diff' op operand #2 has dimension 1, expected 3 (the direction has the dimension of the variable, operand #1)}}
    %g = kred.diff %s, %a, %s : vector<1xf32>, vector<3xf32>, vector<1xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    // expected-error @+1 {{'kred.laplacian' op operand #0 has dimension 3, expected 1 (the Laplacian is defined for scalar formulas)}}
    %g = kred.laplacian %a, %a : vector<3xf32>, vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    %s = kred.sqnorm2 %a : vector<3xf32>
    // expected-error @+1 {{'kred.divergence' op operand #0 has dimension 1, expected 3 (the divergence takes a formula of the dimension of the variable, operand #1)}}
    %g = kred.divergence %s, %a : vector<1xf32>, vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op reduction 'k_min' requires K, written `k_min(K)`}}
  kred.reduce k_min over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op K is given but reduction 'sum' takes none; only k_min, arg_k_min and k_min_arg_k_min do}}
  kred.reduce sum(2) over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op K is 0, expected K >= 1}}
  kred.reduce k_min(0) over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<4x3xf32>, %o: memref<?x15xf32>) {
  // expected-error @+1 {{'kred.reduce' op K = 5 exceeds the 4 rows reduced over (input #0)}}
  kred.reduce k_min(5) over j ins(%x : memref<4x3xf32>) outs(%o : memref<?x15xf32>) {
    %a = kred.var j 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op acc(f64) applies to summations, not to reduction 'min'}}
  kred.reduce min over j acc(f64) ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op accumulator type is 'f16', expected f32 or f64}}
  kred.reduce sum over j acc(f16) ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op scheme(kahan) applies to summations, not to reduction 'max'}}
  kred.reduce max over j scheme(kahan) ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op batch(-1) is negative}}
  kred.reduce sum over j batch(-1) ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op reduction 'min_arg_min' has 2 output(s), but 1 are given}}
  kred.reduce min_arg_min over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<?x3xf32>, %o: memref<?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op operands mix tensors and memrefs; expected all tensors (value semantics) or all memrefs}}
  kred.reduce sum over j ins(%x : tensor<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>, %r: memref<?x2xi32>) {
  // expected-error @+1 {{'kred.reduce' op ranges takes 6 arrays (ranges_i, slices_i, redranges_j, ranges_j, slices_j, redranges_i), but 1 are given}}
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) ranges(%r : memref<?x2xi32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>, %r: memref<?x2xi32>) {
  // expected-error @+1 {{'kred.reduce' op ranges array #1 has type 'memref<?x2xi32>', expected a 1-D array of slice ends}}
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) ranges(%r, %r, %r, %r, %r, %r : memref<?x2xi32>, memref<?x2xi32>, memref<?x2xi32>, memref<?x2xi32>, memref<?x2xi32>, memref<?x2xi32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>, %r: memref<?x3xi64>, %s: memref<?xi64>) {
  // expected-error @+1 {{'kred.reduce' op ranges array #0 has type 'memref<?x3xi64>', expected an ?x2 array of [start, end) pairs}}
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) ranges(%r, %s, %r, %r, %s, %r : memref<?x3xi64>, memref<?xi64>, memref<?x3xi64>, memref<?x3xi64>, memref<?xi64>, memref<?x3xi64>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<?x3xf32>, %o: tensor<?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op expected the number of tensor results (0) to be equal to the number of output tensors (1)}}
  kred.reduce sum over j ins(%x : tensor<?x3xf32>) outs(%o : tensor<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  kred.reduce log_sum_exp_weight over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    %s = kred.sum %a : vector<3xf32>
    // expected-error @+1 {{'kred.yield' op yields 1 value(s), but reduction 'log_sum_exp_weight' expects 2 (the formula and its weight)}}
    kred.yield %s : vector<1xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    // expected-error @+1 {{'kred.yield' op yields 2 value(s), but reduction 'sum' expects 1 (the formula)}}
    kred.yield %a, %a : vector<3xf32>, vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x1xf32>) {
  kred.reduce log_sum_exp over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x1xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    // expected-error @+1 {{'kred.yield' op yields a formula of dimension 3, but reduction 'log_sum_exp' takes a scalar formula (dimension 1)}}
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    // expected-error @+1 {{'kred.var' op reads input #1, but the reduction has 1 input(s)}}
    %a = kred.var i 1 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    // expected-error @+1 {{'kred.var' op reads input #0 as j-variable 'vector<3xf32>', but another kred.var reads it as i-variable 'vector<3xf32>'}}
    %b = kred.var j 0 : vector<3xf32>
    %c = kred.add %a, %b : vector<3xf32>, vector<3xf32>
    kred.yield %c : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    // expected-error @+1 {{'kred.var' op reads input #0 of type 'memref<?x3xf32>' as param-variable, which expects rank 1 ([batch..., D] with 0 batch dimension(s))}}
    %a = kred.var param 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x2xf32>) {
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x2xf32>) {
    // expected-error @+1 {{'kred.var' op has dimension 2, but input #0 has last dimension 3}}
    %a = kred.var i 0 : vector<2xf32>
    kred.yield %a : vector<2xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf64>) {
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf64>) {
    // expected-error @+1 {{'kred.var' op has element type 'f64', but input #0 has element type 'f32'}}
    %a = kred.var i 0 : vector<3xf64>
    kred.yield %a : vector<3xf64>
  }
  return
}

// -----

func.func @f(%x: memref<1x?x3xf32>, %y: memref<3x?x3xf32>, %o: memref<2x?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op input #1 has batch dimension 0 of size 3, expected 1 or 2 (the output's)}}
  kred.reduce sum over j batch(1) ins(%x, %y : memref<1x?x3xf32>, memref<3x?x3xf32>) outs(%o : memref<2x?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    %b = kred.var j 1 : vector<3xf32>
    %c = kred.add %a, %b : vector<3xf32>, vector<3xf32>
    kred.yield %c : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<4x3xf32>, %y: memref<5x3xf32>, %o: memref<?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op input #1 has 5 rows along i, but input #0 has 4}}
  kred.reduce sum over j ins(%x, %y : memref<4x3xf32>, memref<5x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    %b = kred.var i 1 : vector<3xf32>
    %c = kred.add %a, %b : vector<3xf32>, vector<3xf32>
    kred.yield %c : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<4x3xf32>, %o: memref<7x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op output #0 has 7 rows along i, but input #0 has 4}}
  kred.reduce sum over j ins(%x : memref<4x3xf32>) outs(%o : memref<7x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<3xf32>) {
  // expected-error @+1 {{'kred.reduce' op output #0 has type 'memref<3xf32>', expected rank 2 ([batch..., rows, 3] with 0 batch dimension(s))}}
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x2xf32>) {
  // expected-error @+1 {{'kred.reduce' op output #0 has last dimension 2, expected 3 for reduction 'sum' of a formula of dimension 3}}
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x2xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op output #0 has last dimension 3, expected 6 for reduction 'k_min' of a formula of dimension 3}}
  kred.reduce k_min(2) over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var j 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op output #0 has element type 'f32', expected 'i64' (indices)}}
  kred.reduce arg_min over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xi64>) {
  // expected-error @+1 {{'kred.reduce' op output #0 has element type 'i64', expected 'f32' (the formula's element type)}}
  kred.reduce sum over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xi64>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op output #1 has element type 'f32', expected 'i64' (indices)}}
  kred.reduce min_arg_min over j ins(%x : memref<?x3xf32>) outs(%o, %o : memref<?x3xf32>, memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    kred.yield %a : vector<3xf32>
  }
  return
}

// -----

func.func @f(%x: memref<?x3xf32>, %o: memref<?x3xf32>) {
  // expected-error @+1 {{'kred.reduce' op output #0 has last dimension 3, expected 2 for reduction 'max_sum_shift_exp' of a formula of dimension 1}}
  kred.reduce max_sum_shift_exp over j ins(%x : memref<?x3xf32>) outs(%o : memref<?x3xf32>) {
    %a = kred.var i 0 : vector<3xf32>
    %s = kred.sum %a : vector<3xf32>
    kred.yield %s : vector<1xf32>
  }
  return
}

// -----

func.func @f(%x: vector<1xf32>) {
  // expected-error @+1 {{'kred.one_hot' op attribute 'dim' is 2000000000, expected a value in [1, 65536]}}
  %0 = kred.one_hot %x, 2000000000 : vector<1xf32>
  return
}

// -----

// Found by fuzzing (FuzzIRParse): type inference runs on parsed operand
// types before the verifier, and must reject what is not a formula value.
func.func @zero_d_operand(%a: vector<1xf32>, %b: vector<f32>) -> vector<1xf32> {
  // expected-error @+1 {{'kred.sub' op operand #1 has type 'vector<f32>', expected a 1-D vector of floats}}
  %d = kred.sub %a, %b : vector<1xf32>, vector<f32>
  return %d : vector<1xf32>
}

// -----

func.func @integer_operand(%a: vector<2xi32>) -> vector<1xf32> {
  // expected-error @+1 {{'kred.sqdist' op operand #0 has type 'vector<2xi32>', expected a 1-D vector of floats}}
  %d = kred.sqdist %a, %a : vector<2xi32>, vector<2xi32>
  return %d : vector<1xf32>
}
