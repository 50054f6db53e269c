// RUN: kred-opt %s --kred-approximate-math | FileCheck %s
// RUN: kred-opt %s --kred-approximate-math="avx512=true" | FileCheck %s --check-prefix=AVX512

// exp2 on f32 lanes: clamp (NaN-free), roundeven, a degree-7 polynomial,
// two exponent-field scalings, NaN restored.
// CHECK-LABEL: func @exp2_f32
// CHECK-SAME: (%[[X:.*]]: vector<16xf32>)
// CHECK: %[[LO:.*]] = arith.maxnumf %[[X]]
// CHECK: %[[C:.*]] = arith.minnumf %[[LO]]
// CHECK: %[[K:.*]] = math.roundeven %[[C]]
// CHECK: %[[F:.*]] = arith.subf %[[C]], %[[K]]
// CHECK: arith.mulf %[[F]], %{{.*}} fastmath<contract>
// CHECK-COUNT-6: arith.mulf %{{.*}}, %[[F]] fastmath<contract>
// CHECK: arith.fptosi %[[K]] : vector<16xf32> to vector<16xi32>
// CHECK: arith.shrsi
// CHECK-COUNT-2: arith.bitcast %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[X]], %[[X]]
// CHECK: arith.select %[[NAN]], %[[X]]
// CHECK-NOT: math.exp2
// AVX512-LABEL: func @exp2_f32
// AVX512: math.roundeven
// AVX512: llvm.call_intrinsic "llvm.x86.avx512.mask.scalef.ps.512"
// AVX512-NOT: arith.bitcast
func.func @exp2_f32(%x: vector<16xf32>) -> vector<16xf32> {
  %r = math.exp2 %x : vector<16xf32>
  return %r : vector<16xf32>
}

// exp(x) = exp2(x * log2(e)); f64 uses a degree-13 polynomial.
// CHECK-LABEL: func @exp_f64
// CHECK: arith.mulf %{{.*}}, %{{.*}} : vector<8xf64>
// CHECK: math.roundeven
// CHECK-COUNT-13: arith.mulf %{{.*}} fastmath<contract> : vector<8xf64>
// CHECK-NOT: math.exp
// AVX512-LABEL: func @exp_f64
// AVX512: llvm.call_intrinsic "llvm.x86.avx512.mask.scalef.pd.512"
func.func @exp_f64(%x: vector<8xf64>) -> vector<8xf64> {
  %r = math.exp %x : vector<8xf64>
  return %r : vector<8xf64>
}

// log, atan, ... use MLIR's f32 polynomial approximations; sin and cos stay
// exact (MLIR's approximation loses all relative accuracy at tiny negative
// arguments, which sinxdivx amplifies).
// CHECK-LABEL: func @log_sin
// CHECK-NOT: math.log
// CHECK: math.sin
// CHECK-NEXT: return
func.func @log_sin(%x: vector<16xf32>) -> vector<16xf32> {
  %l = math.log %x : vector<16xf32>
  %s = math.sin %l : vector<16xf32>
  return %s : vector<16xf32>
}

// Narrow types are left to the C library.
// CHECK-LABEL: func @f16
// CHECK: math.exp %{{.*}} : vector<8xf16>
func.func @f16(%x: vector<8xf16>) -> vector<8xf16> {
  %r = math.exp %x : vector<8xf16>
  return %r : vector<8xf16>
}
