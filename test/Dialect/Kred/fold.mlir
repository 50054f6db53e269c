// RUN: kred-opt %s --canonicalize | FileCheck %s

// Constant folding of every formula op in f64, through its float64 semantics
// (FormulaOpInterface, lib/Dialect/Kred/IR/Semantics*.cpp). Each expected constant was checked against NumPy or a
// value worked out by hand (math.atan2(-1, 0), np.kron, row-major
// matrices for matvecmult...).

// CHECK-LABEL: func @fold_minus
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[-5.000000e-01, 2.000000e+00, -0.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_minus() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.minus %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_inv
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[4.000000e+00, 1.000000e+00, 2.500000e-01]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_inv() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.25, 1.0, 4.0]> : vector<3xf64>
  %r = kred.inv %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_exp
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[1.6487212707001282, 0.1353352832366127, 1.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_exp() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.exp %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_log
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[-1.3862943611198906, 0.000000e+00, 1.3862943611198906]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_log() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.25, 1.0, 4.0]> : vector<3xf64>
  %r = kred.log %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_xlogx
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.000000e+00, -0.34657359027997264, 1.3862943611198906]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_xlogx() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.0, 0.5, 2.0]> : vector<3xf64>
  %r = kred.xlogx %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_sin
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.47942553860420301, -0.90929742682568171, 0.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_sin() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.sin %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_cos
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.87758256189037276, -0.41614683654714241, 1.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_cos() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.cos %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_asin
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.52359877559829893, -0.52359877559829893, 0.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_asin() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.5, -0.5, 0.0]> : vector<3xf64>
  %r = kred.asin %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_acos
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[1.0471975511965979, 2.0943951023931957, 1.5707963267948966]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_acos() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.5, -0.5, 0.0]> : vector<3xf64>
  %r = kred.acos %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_atan
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.46364760900080609, -1.1071487177940904, 0.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_atan() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.atan %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_sinxdivx
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[1.000000e+00, 0.95885107720840601, 0.45464871341284085]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_sinxdivx() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.0, 0.5, -2.0]> : vector<3xf64>
  %r = kred.sinxdivx %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_square
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[2.500000e-01, 4.000000e+00, 0.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_square() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.square %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_sqrt
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[5.000000e-01, 1.000000e+00, 2.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_sqrt() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.25, 1.0, 4.0]> : vector<3xf64>
  %r = kred.sqrt %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_rsqrt
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.000000e+00, 2.000000e+00, 5.000000e-01]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_rsqrt() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.0, 0.25, 4.0]> : vector<3xf64>
  %r = kred.rsqrt %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_abs
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[5.000000e-01, 2.000000e+00, 0.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_abs() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.abs %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_sign
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[1.000000e+00, -1.000000e+00, 0.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_sign() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.sign %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_step
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[1.000000e+00, 0.000000e+00, 1.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_step() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.step %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_relu
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[5.000000e-01, 0.000000e+00, 0.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_relu() -> vector<3xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.relu %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_floor
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[1.000000e+00, -2.000000e+00, 2.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_floor() -> vector<3xf64> {
  %c0 = kred.constant dense<[1.5, -1.5, 2.0]> : vector<3xf64>
  %r = kred.floor %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_normalize
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.60000000000000009, 0.000000e+00, 8.000000e-01]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_normalize() -> vector<3xf64> {
  %c0 = kred.constant dense<[3.0, 0.0, 4.0]> : vector<3xf64>
  %r = kred.normalize %c0 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_sqnorm2
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<4.250000e+00> : vector<1xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_sqnorm2() -> vector<1xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.sqnorm2 %c0 : vector<3xf64>
  return %r : vector<1xf64>
}

// CHECK-LABEL: func @fold_norm2
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<2.0615528128088303> : vector<1xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_norm2() -> vector<1xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.norm2 %c0 : vector<3xf64>
  return %r : vector<1xf64>
}

// CHECK-LABEL: func @fold_sum
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<-1.500000e+00> : vector<1xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_sum() -> vector<1xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.sum %c0 : vector<3xf64>
  return %r : vector<1xf64>
}

// CHECK-LABEL: func @fold_max
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<5.000000e-01> : vector<1xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_max() -> vector<1xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.max %c0 : vector<3xf64>
  return %r : vector<1xf64>
}

// CHECK-LABEL: func @fold_min
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<-2.000000e+00> : vector<1xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_min() -> vector<1xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.min %c0 : vector<3xf64>
  return %r : vector<1xf64>
}

// CHECK-LABEL: func @fold_argmax
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<0.000000e+00> : vector<1xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_argmax() -> vector<1xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.argmax %c0 : vector<3xf64>
  return %r : vector<1xf64>
}

// CHECK-LABEL: func @fold_argmin
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<1.000000e+00> : vector<1xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_argmin() -> vector<1xf64> {
  %c0 = kred.constant dense<[0.5, -2.0, 0.0]> : vector<3xf64>
  %r = kred.argmin %c0 : vector<3xf64>
  return %r : vector<1xf64>
}

// CHECK-LABEL: func @fold_pow
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[8.000000e+00, -2.700000e+01]> : vector<2xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_pow() -> vector<2xf64> {
  %c0 = kred.constant dense<[2.0, -3.0]> : vector<2xf64>
  %r = kred.pow %c0, 3 : vector<2xf64>
  return %r : vector<2xf64>
}

// CHECK-LABEL: func @fold_pow_negative
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[2.500000e-01, 6.250000e-02]> : vector<2xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_pow_negative() -> vector<2xf64> {
  %c0 = kred.constant dense<[2.0, 4.0]> : vector<2xf64>
  %r = kred.pow %c0, -2 : vector<2xf64>
  return %r : vector<2xf64>
}

// CHECK-LABEL: func @fold_round
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[1.260000e+00, -1.250000e+00]> : vector<2xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_round() -> vector<2xf64> {
  %c0 = kred.constant dense<[1.256, -1.254]> : vector<2xf64>
  %r = kred.round %c0, 2 : vector<2xf64>
  return %r : vector<2xf64>
}

// CHECK-LABEL: func @fold_clamp_int
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[-1.000000e+00, 5.000000e-01, 2.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_clamp_int() -> vector<3xf64> {
  %c0 = kred.constant dense<[-5.0, 0.5, 7.0]> : vector<3xf64>
  %r = kred.clamp_int %c0, -1, 2 : vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_add
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[1.100000e+01, 1.200000e+01]> : vector<2xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_add() -> vector<2xf64> {
  %c0 = kred.constant dense<[1.0, 2.0]> : vector<2xf64>
  %c1 = kred.constant dense<[10.0]> : vector<1xf64>
  %r = kred.add %c0, %c1 : vector<2xf64>, vector<1xf64>
  return %r : vector<2xf64>
}

// CHECK-LABEL: func @fold_sub
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[5.000000e-01, -3.000000e+00]> : vector<2xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_sub() -> vector<2xf64> {
  %c0 = kred.constant dense<[1.0]> : vector<1xf64>
  %c1 = kred.constant dense<[0.5, 4.0]> : vector<2xf64>
  %r = kred.sub %c0, %c1 : vector<1xf64>, vector<2xf64>
  return %r : vector<2xf64>
}

// CHECK-LABEL: func @fold_mul
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[3.000000e+00, -6.000000e+00]> : vector<2xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_mul() -> vector<2xf64> {
  %c0 = kred.constant dense<[1.5, -2.0]> : vector<2xf64>
  %c1 = kred.constant dense<[2.0, 3.0]> : vector<2xf64>
  %r = kred.mul %c0, %c1 : vector<2xf64>, vector<2xf64>
  return %r : vector<2xf64>
}

// CHECK-LABEL: func @fold_div
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[2.500000e-01, 7.500000e-01]> : vector<2xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_div() -> vector<2xf64> {
  %c0 = kred.constant dense<[1.0, 3.0]> : vector<2xf64>
  %c1 = kred.constant dense<[4.0]> : vector<1xf64>
  %r = kred.div %c0, %c1 : vector<2xf64>, vector<1xf64>
  return %r : vector<2xf64>
}

// CHECK-LABEL: func @fold_atan2
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.78539816339744828, -1.5707963267948966]> : vector<2xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_atan2() -> vector<2xf64> {
  %c0 = kred.constant dense<[1.0, -1.0]> : vector<2xf64>
  %c1 = kred.constant dense<[1.0, 0.0]> : vector<2xf64>
  %r = kred.atan2 %c0, %c1 : vector<2xf64>, vector<2xf64>
  return %r : vector<2xf64>
}

// CHECK-LABEL: func @fold_powf
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[2.000000e+00, 1.4142135623730951]> : vector<2xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_powf() -> vector<2xf64> {
  %c0 = kred.constant dense<[4.0, 2.0]> : vector<2xf64>
  %c1 = kred.constant dense<[0.5]> : vector<1xf64>
  %r = kred.powf %c0, %c1 : vector<2xf64>, vector<1xf64>
  return %r : vector<2xf64>
}

// CHECK-LABEL: func @fold_cmp_eq
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.000000e+00, 1.000000e+00, 0.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_cmp_eq() -> vector<3xf64> {
  %c0 = kred.constant dense<[1.0, 2.0, 3.0]> : vector<3xf64>
  %c1 = kred.constant dense<[2.0]> : vector<1xf64>
  %r = kred.cmp eq, %c0, %c1 : vector<3xf64>, vector<1xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_cmp_ne
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[1.000000e+00, 0.000000e+00, 1.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_cmp_ne() -> vector<3xf64> {
  %c0 = kred.constant dense<[1.0, 2.0, 3.0]> : vector<3xf64>
  %c1 = kred.constant dense<[2.0]> : vector<1xf64>
  %r = kred.cmp ne, %c0, %c1 : vector<3xf64>, vector<1xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_cmp_lt
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[1.000000e+00, 0.000000e+00, 0.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_cmp_lt() -> vector<3xf64> {
  %c0 = kred.constant dense<[1.0, 2.0, 3.0]> : vector<3xf64>
  %c1 = kred.constant dense<[2.0]> : vector<1xf64>
  %r = kred.cmp lt, %c0, %c1 : vector<3xf64>, vector<1xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_cmp_le
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[1.000000e+00, 1.000000e+00, 0.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_cmp_le() -> vector<3xf64> {
  %c0 = kred.constant dense<[1.0, 2.0, 3.0]> : vector<3xf64>
  %c1 = kred.constant dense<[2.0]> : vector<1xf64>
  %r = kred.cmp le, %c0, %c1 : vector<3xf64>, vector<1xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_cmp_gt
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.000000e+00, 0.000000e+00, 1.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_cmp_gt() -> vector<3xf64> {
  %c0 = kred.constant dense<[1.0, 2.0, 3.0]> : vector<3xf64>
  %c1 = kred.constant dense<[2.0]> : vector<1xf64>
  %r = kred.cmp gt, %c0, %c1 : vector<3xf64>, vector<1xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_cmp_ge
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.000000e+00, 1.000000e+00, 1.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_cmp_ge() -> vector<3xf64> {
  %c0 = kred.constant dense<[1.0, 2.0, 3.0]> : vector<3xf64>
  %c1 = kred.constant dense<[2.0]> : vector<1xf64>
  %r = kred.cmp ge, %c0, %c1 : vector<3xf64>, vector<1xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_clamp
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[-1.000000e+00, 5.000000e-01, 2.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_clamp() -> vector<3xf64> {
  %c0 = kred.constant dense<[-3.0, 0.5, 3.0]> : vector<3xf64>
  %c1 = kred.constant dense<[-1.0]> : vector<1xf64>
  %c2 = kred.constant dense<[1.0, 1.0, 2.0]> : vector<3xf64>
  %r = kred.clamp %c0, %c1, %c2 : vector<3xf64>, vector<1xf64>, vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_if_else
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[2.000000e+01, 1.000000e+01, 1.000000e+01]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_if_else() -> vector<3xf64> {
  %c0 = kred.constant dense<[-1.0, 0.0, 2.0]> : vector<3xf64>
  %c1 = kred.constant dense<[10.0]> : vector<1xf64>
  %c2 = kred.constant dense<[20.0, 30.0, 40.0]> : vector<3xf64>
  %r = kred.if_else %c0, %c1, %c2 : vector<3xf64>, vector<1xf64>, vector<3xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_mod
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[1.500000e+00, 1.000000e+00]> : vector<2xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_mod() -> vector<2xf64> {
  %c0 = kred.constant dense<[7.5, -1.0]> : vector<2xf64>
  %c1 = kred.constant dense<[2.0]> : vector<1xf64>
  %c2 = kred.constant dense<[0.0]> : vector<1xf64>
  %r = kred.mod %c0, %c1, %c2 : vector<2xf64>, vector<1xf64>, vector<1xf64>
  return %r : vector<2xf64>
}

// CHECK-LABEL: func @fold_sqdist
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<2.500000e+01> : vector<1xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_sqdist() -> vector<1xf64> {
  %c0 = kred.constant dense<[1.0, 2.0]> : vector<2xf64>
  %c1 = kred.constant dense<[4.0, 6.0]> : vector<2xf64>
  %r = kred.sqdist %c0, %c1 : vector<2xf64>, vector<2xf64>
  return %r : vector<1xf64>
}

// CHECK-LABEL: func @fold_scalprod
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<1.600000e+01> : vector<1xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_scalprod() -> vector<1xf64> {
  %c0 = kred.constant dense<[1.0, 2.0]> : vector<2xf64>
  %c1 = kred.constant dense<[4.0, 6.0]> : vector<2xf64>
  %r = kred.scalprod %c0, %c1 : vector<2xf64>, vector<2xf64>
  return %r : vector<1xf64>
}

// CHECK-LABEL: func @fold_weighted_sqnorm
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<1.000000e+01> : vector<1xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_weighted_sqnorm() -> vector<1xf64> {
  %c0 = kred.constant dense<[2.0]> : vector<1xf64>
  %c1 = kred.constant dense<[1.0, 2.0]> : vector<2xf64>
  %r = kred.weighted_sqnorm %c0, %c1 : vector<1xf64>, vector<2xf64>
  return %r : vector<1xf64>
}

// CHECK-LABEL: func @fold_weighted_sqnorm_diag
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<1.300000e+01> : vector<1xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_weighted_sqnorm_diag() -> vector<1xf64> {
  %c0 = kred.constant dense<[1.0, 3.0]> : vector<2xf64>
  %c1 = kred.constant dense<[1.0, 2.0]> : vector<2xf64>
  %r = kred.weighted_sqnorm %c0, %c1 : vector<2xf64>, vector<2xf64>
  return %r : vector<1xf64>
}

// CHECK-LABEL: func @fold_weighted_sqnorm_full
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<2.700000e+01> : vector<1xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_weighted_sqnorm_full() -> vector<1xf64> {
  %c0 = kred.constant dense<[1.0, 2.0, 3.0, 4.0]> : vector<4xf64>
  %c1 = kred.constant dense<[1.0, 2.0]> : vector<2xf64>
  %r = kred.weighted_sqnorm %c0, %c1 : vector<4xf64>, vector<2xf64>
  return %r : vector<1xf64>
}

// CHECK-LABEL: func @fold_weighted_sqdist
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<1.000000e+01> : vector<1xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_weighted_sqdist() -> vector<1xf64> {
  %c0 = kred.constant dense<[2.0]> : vector<1xf64>
  %c1 = kred.constant dense<[1.0, 2.0]> : vector<2xf64>
  %c2 = kred.constant dense<[0.0, 0.0]> : vector<2xf64>
  %r = kred.weighted_sqdist %c0, %c1, %c2 : vector<1xf64>, vector<2xf64>, vector<2xf64>
  return %r : vector<1xf64>
}

// CHECK-LABEL: func @fold_elem
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<3.000000e+00> : vector<1xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_elem() -> vector<1xf64> {
  %c0 = kred.constant dense<[1.0, 2.0, 3.0]> : vector<3xf64>
  %r = kred.elem %c0, 2 : vector<3xf64>
  return %r : vector<1xf64>
}

// CHECK-LABEL: func @fold_elem_t
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.000000e+00, 5.000000e+00, 0.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_elem_t() -> vector<3xf64> {
  %c0 = kred.constant dense<[5.0]> : vector<1xf64>
  %r = kred.elem_t %c0, 3, 1 : vector<1xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_extract
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[2.000000e+00, 3.000000e+00]> : vector<2xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_extract() -> vector<2xf64> {
  %c0 = kred.constant dense<[1.0, 2.0, 3.0, 4.0]> : vector<4xf64>
  %r = kred.extract %c0, 1, 2 : vector<4xf64>
  return %r : vector<2xf64>
}

// CHECK-LABEL: func @fold_extract_t
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.000000e+00, 1.000000e+00, 2.000000e+00, 0.000000e+00]> : vector<4xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_extract_t() -> vector<4xf64> {
  %c0 = kred.constant dense<[1.0, 2.0]> : vector<2xf64>
  %r = kred.extract_t %c0, 1, 4 : vector<2xf64>
  return %r : vector<4xf64>
}

// CHECK-LABEL: func @fold_concat
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_concat() -> vector<3xf64> {
  %c0 = kred.constant dense<[1.0, 2.0]> : vector<2xf64>
  %c1 = kred.constant dense<[3.0]> : vector<1xf64>
  %r = kred.concat %c0, %c1 : vector<2xf64>, vector<1xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_one_hot
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.000000e+00, 0.000000e+00, 1.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_one_hot() -> vector<3xf64> {
  %c0 = kred.constant dense<[1.6]> : vector<1xf64>
  %r = kred.one_hot %c0, 3 : vector<1xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_sum_t
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<1.500000e+00> : vector<2xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_sum_t() -> vector<2xf64> {
  %c0 = kred.constant dense<[1.5]> : vector<1xf64>
  %r = kred.sum_t %c0, 2 : vector<1xf64>
  return %r : vector<2xf64>
}

// CHECK-LABEL: func @fold_matvecmult
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[1.000000e+00, 5.000000e-01]> : vector<2xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_matvecmult() -> vector<2xf64> {
  %c0 = kred.constant dense<[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]> : vector<6xf64>
  %c1 = kred.constant dense<[1.0, 0.5, -1.0]> : vector<3xf64>
  %r = kred.matvecmult %c0, %c1 : vector<6xf64>, vector<3xf64>
  return %r : vector<2xf64>
}

// CHECK-LABEL: func @fold_vecmatmult
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[-9.000000e+00, -2.000000e+00, -1.000000e+01]> : vector<3xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_vecmatmult() -> vector<3xf64> {
  %c0 = kred.constant dense<[1.0, -2.0]> : vector<2xf64>
  %c1 = kred.constant dense<[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]> : vector<6xf64>
  %r = kred.vecmatmult %c0, %c1 : vector<2xf64>, vector<6xf64>
  return %r : vector<3xf64>
}

// CHECK-LABEL: func @fold_tensorprod
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00, 8.000000e+00, 1.000000e+01]> : vector<6xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_tensorprod() -> vector<6xf64> {
  %c0 = kred.constant dense<[1.0, 2.0]> : vector<2xf64>
  %c1 = kred.constant dense<[3.0, 4.0, 5.0]> : vector<3xf64>
  %r = kred.tensorprod %c0, %c1 : vector<2xf64>, vector<3xf64>
  return %r : vector<6xf64>
}

// CHECK-LABEL: func @fold_tensordot
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[8.000000e+00, 2.600000e+01]> : vector<2xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_tensordot() -> vector<2xf64> {
  %c0 = kred.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]> : vector<6xf64>
  %c1 = kred.constant dense<[1.0, 2.0, 3.0]> : vector<3xf64>
  %r = kred.tensordot %c0, %c1, [2, 3], [3], [1], [0] : vector<6xf64>, vector<3xf64>
  return %r : vector<2xf64>
}

// KeOps' permutation: kept axis k goes to result axis perm[k], here
// result[r0, r1, r2] = a[r2, r0] * b[r1] (NumPy: transpose(tensordot(a, b, 0),
// argsort(perm))).
// CHECK-LABEL: func @fold_tensordot_permutation
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.000000e+00, 3.000000e+00, 0.000000e+00, 3.000000e+01, 1.000000e+00, 4.000000e+00, 1.000000e+01, 4.000000e+01, 2.000000e+00, 5.000000e+00, 2.000000e+01, 5.000000e+01]> : vector<12xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_tensordot_permutation() -> vector<12xf64> {
  %c0 = kred.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]> : vector<6xf64>
  %c1 = kred.constant dense<[1.0, 10.0]> : vector<2xf64>
  %r = kred.tensordot %c0, %c1, [2, 3], [2], [], [] permutation [2, 0, 1] : vector<6xf64>, vector<2xf64>
  return %r : vector<12xf64>
}

// CHECK-LABEL: func @fold_kron
// CHECK-NEXT: %[[R:.*]] = kred.constant dense<[0.000000e+00, 1.000000e+00, 0.000000e+00, 2.000000e+00, 1.000000e+00, 0.000000e+00, 2.000000e+00, 0.000000e+00, 0.000000e+00, 3.000000e+00, 0.000000e+00, 4.000000e+00, 3.000000e+00, 0.000000e+00, 4.000000e+00, 0.000000e+00]> : vector<16xf64>
// CHECK-NEXT: return %[[R]]
func.func @fold_kron() -> vector<16xf64> {
  %c0 = kred.constant dense<[1.0, 2.0, 3.0, 4.0]> : vector<4xf64>
  %c1 = kred.constant dense<[0.0, 1.0, 1.0, 0.0]> : vector<4xf64>
  %r = kred.kron %c0, %c1, [2, 2], [2, 2] : vector<4xf64>, vector<4xf64>
  return %r : vector<16xf64>
}

// Folding work is bounded (x^n by squaring: the largest exponents fold at
// once; underflow folds to 0) and results that overflow from finite
// constants are left to run time.
// CHECK-LABEL: func @fold_pow_bounded
// CHECK-DAG: %[[ONE:.*]] = kred.constant dense<1.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[TWO:.*]] = kred.constant dense<2.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[BIG:.*]] = kred.pow %[[TWO]], 9223372036854775807 : vector<1xf32>
// CHECK-DAG: %[[TINY:.*]] = kred.constant dense<0.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[F32MAX:.*]] = kred.pow %[[TWO]], 128 : vector<1xf32>
// CHECK: return %[[BIG]], %[[TINY]], %[[ONE]], %[[F32MAX]]
func.func @fold_pow_bounded() -> (vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>) {
  %c = kred.constant dense<2.0> : vector<1xf32>
  %one = kred.constant dense<1.0> : vector<1xf32>
  %big = kred.pow %c, 9223372036854775807 : vector<1xf32>
  %tiny = kred.pow %c, -9223372036854775808 : vector<1xf32>
  %unit = kred.pow %one, -9223372036854775808 : vector<1xf32>
  %over = kred.pow %c, 128 : vector<1xf32>
  return %big, %tiny, %unit, %over : vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>
}
