// RUN: kred-opt %s --kred-approximate-math="avx512=0 avx2=0" | FileCheck %s
// RUN: kred-opt %s --kred-approximate-math="avx512=1 avx2=1" | FileCheck %s --check-prefix=AVX512
// RUN: kred-opt %s --kred-approximate-math="avx512=0 avx2=1" | FileCheck %s --check-prefix=AVX2

// exp2 on f32 lanes, sign unknown: a NaN-preserving clamp to [-160, 130]
// (select, one MAXPS/MINPS on x86), t = x + M rounds to the integer n in
// t's low bits, f = x - n, a degree-6 polynomial, 2^n as two halves. No
// per-element NaN check: NaN flows through the arithmetic.
// CHECK-LABEL: func @exp2_f32
// CHECK-SAME: (%[[X:.*]]: vector<16xf32>)
// CHECK: %[[BELOW:.*]] = arith.cmpf olt, %[[X]], %[[LO:.*]] : vector<16xf32>
// CHECK: %[[X1:.*]] = arith.select %[[BELOW]], %[[LO]], %[[X]]
// CHECK: %[[ABOVE:.*]] = arith.cmpf ogt, %[[X1]], %[[HI:.*]] : vector<16xf32>
// CHECK: %[[X2:.*]] = arith.select %[[ABOVE]], %[[HI]], %[[X1]]
// CHECK: %[[T:.*]] = arith.addf %[[X2]], %[[M:.*]] : vector<16xf32>
// CHECK: %[[N:.*]] = arith.subf %[[T]], %[[M]] : vector<16xf32>
// CHECK: %[[F:.*]] = arith.subf %[[X2]], %[[N]] : vector<16xf32>
// CHECK: arith.mulf %[[F]], %{{.*}} fastmath<contract>
// CHECK-COUNT-5: arith.mulf %{{.*}}, %[[F]] fastmath<contract>
// CHECK: arith.bitcast %[[T]] : vector<16xf32> to vector<16xi32>
// CHECK: arith.shrsi
// CHECK: arith.shli
// CHECK: arith.mulf
// CHECK: arith.shli
// CHECK: arith.mulf
// CHECK-NOT: arith.cmpf uno
// CHECK-NOT: math.
// CHECK: return
// AVX512-LABEL: func @exp2_f32
// AVX512: llvm.call_intrinsic "llvm.x86.avx512.mask.scalef.ps.512"
// AVX512-NOT: arith.shli
func.func @exp2_f32(%x: vector<16xf32>) -> vector<16xf32> {
  %r = math.exp2 %x : vector<16xf32>
  return %r : vector<16xf32>
}

// exp2(d * c) with d a square and c < 0 (kred-fast-math's exp(-d)): the
// product cannot be positive, so only d <= 160 / |c| is clamped, c is
// fused into t = fma(d, c, M) and f = fma(d, c, -n), and one exponent
// scaling does (t carries n + 127 + 64, the polynomial 2^-64): subnormal
// results are rounded once, by the last multiplication.
// CHECK-LABEL: func @exp2_of_negative_square
// CHECK-SAME: (%[[Y:.*]]: vector<8xf32>)
// CHECK: %[[D:.*]] = arith.mulf %[[Y]], %[[Y]]
// CHECK: %[[ABOVE:.*]] = arith.cmpf ogt, %[[D]], %[[HI:.*]] : vector<8xf32>
// CHECK: %[[DC:.*]] = arith.select %[[ABOVE]], %[[HI]], %[[D]]
// CHECK-NOT: arith.cmpf
// CHECK: %[[T:.*]] = math.fma %[[DC]], %[[C:.*]], %[[M:.*]] : vector<8xf32>
// CHECK: %[[N:.*]] = arith.subf %[[T]], %[[M]]
// CHECK: %[[NEG:.*]] = arith.negf %[[N]]
// CHECK: %[[F:.*]] = math.fma %[[DC]], %[[C]], %[[NEG]]
// CHECK: arith.mulf %[[F]], %{{.*}} fastmath<contract>
// CHECK-COUNT-5: arith.mulf %{{.*}}, %[[F]] fastmath<contract>
// CHECK: %[[BITS:.*]] = arith.bitcast %[[T]] : vector<8xf32> to vector<8xi32>
// CHECK: %[[SHIFTED:.*]] = arith.shli %[[BITS]]
// CHECK: %[[SCALE:.*]] = arith.bitcast %[[SHIFTED]] : vector<8xi32> to vector<8xf32>
// CHECK: %[[R:.*]] = arith.mulf %{{.*}}, %[[SCALE]] : vector<8xf32>
// CHECK-NEXT: return %[[R]]
// With AVX2 (8 x f32), n counts eighths: M = 1.5 * 2^23 + 8 * 64, VPERMD
// picks the table's lane n mod 8 (the bits of 2^(k/8) less k << 20), and
// 2^f/8 takes a degree-4 polynomial (4 fused multiply-adds instead of 6).
// AVX2-LABEL: func @exp2_of_negative_square
// AVX2-DAG: %[[EIGHTHS:.*]] = arith.constant dense<-11.5415602> : vector<8xf32>
// AVX2-DAG: %[[M:.*]] = arith.constant dense<0x4B400200> : vector<8xf32>
// AVX2-DAG: %[[TABLE:.*]] = arith.constant dense<[1065353216, 1065063874, 1064843248, 1064697559, 1064633587, 1064658730, 1064781053, 1065009351]> : vector<8xi32>
// AVX2-DAG: %[[SHIFT:.*]] = arith.constant dense<20> : vector<8xi32>
// AVX2: %[[T:.*]] = math.fma %{{.*}}, %[[EIGHTHS]], %[[M]] : vector<8xf32>
// AVX2: %[[F:.*]] = math.fma %{{.*}}, %[[EIGHTHS]], %{{.*}} : vector<8xf32>
// AVX2: arith.mulf %[[F]], %{{.*}} fastmath<contract>
// AVX2-COUNT-3: arith.mulf %{{.*}}, %[[F]] fastmath<contract>
// AVX2-NOT: arith.mulf
// AVX2: %[[BITS:.*]] = arith.bitcast %[[T]] : vector<8xf32> to vector<8xi32>
// AVX2: %[[PICKED:.*]] = llvm.call_intrinsic "llvm.x86.avx2.permd"(%[[TABLE]], %[[BITS]])
// AVX2: %[[EXPONENT:.*]] = arith.shli %[[BITS]], %[[SHIFT]]
// AVX2: %[[SUM:.*]] = arith.addi %[[PICKED]], %[[EXPONENT]]
// AVX2: %[[SCALE:.*]] = arith.bitcast %[[SUM]] : vector<8xi32> to vector<8xf32>
// AVX2: %[[R:.*]] = arith.mulf %{{.*}}, %[[SCALE]] : vector<8xf32>
// AVX2-NEXT: return %[[R]]
// AVX512-LABEL: func @exp2_of_negative_square
// AVX512: llvm.x86.avx2.permd
// AVX512-NOT: scalef
// AVX512: return
func.func @exp2_of_negative_square(%y: vector<8xf32>) -> vector<8xf32> {
  %c = arith.constant dense<-1.44269502> : vector<8xf32>
  %d = arith.mulf %y, %y : vector<8xf32>
  %a = arith.mulf %d, %c : vector<8xf32>
  %r = math.exp2 %a : vector<8xf32>
  return %r : vector<8xf32>
}

// exp(x - max(x, m)) <= 0 as well (the running maximum of LogSumExp).
// On AVX-512's 16 x f32 lanes, n counts sixteenths (t = fma(s, 16 log2(e),
// M), M = 1.5 * 2^23 + 16 * 64): VPERMD picks the table's lane n mod 16
// (the bits of 2^(k/16) less k << 19), t's bits shifted by 19 add
// floor(n/16) to its exponent field, and 2^f/16 takes 3 fused
// multiply-adds instead of 6. No VSCALEF: one scaling is cheaper.
// CHECK-LABEL: func @exp_shifted_by_max
// CHECK: math.fma
// CHECK-NOT: arith.shrsi
// CHECK: arith.shli
// AVX512-LABEL: func @exp_shifted_by_max
// AVX512-DAG: %[[SIXTEENTHS:.*]] = arith.constant dense<23.0831203> : vector<16xf32>
// AVX512-DAG: %[[M:.*]] = arith.constant dense<0x4B400400> : vector<16xf32>
// AVX512-DAG: %[[TABLE:.*]] = arith.constant dense<[1065353216, 1065200323, 1065063874, {{.*}}, 1065166205]> : vector<16xi32>
// AVX512-DAG: %[[SHIFT:.*]] = arith.constant dense<19> : vector<16xi32>
// AVX512: %[[T:.*]] = math.fma %{{.*}}, %[[SIXTEENTHS]], %[[M]] : vector<16xf32>
// AVX512: %[[F:.*]] = math.fma %{{.*}}, %[[SIXTEENTHS]], %{{.*}} : vector<16xf32>
// AVX512: arith.mulf %[[F]], %{{.*}} fastmath<contract>
// AVX512-COUNT-2: arith.mulf %{{.*}}, %[[F]] fastmath<contract>
// AVX512-NOT: arith.mulf
// AVX512: %[[BITS:.*]] = arith.bitcast %[[T]] : vector<16xf32> to vector<16xi32>
// AVX512: %[[PICKED:.*]] = llvm.call_intrinsic "llvm.x86.avx512.permvar.si.512"(%[[TABLE]], %[[BITS]])
// AVX512: %[[EXPONENT:.*]] = arith.shli %[[BITS]], %[[SHIFT]]
// AVX512: %[[SUM:.*]] = arith.addi %[[PICKED]], %[[EXPONENT]]
// AVX512: %[[SCALE:.*]] = arith.bitcast %[[SUM]] : vector<16xi32> to vector<16xf32>
// AVX512: %[[R:.*]] = arith.mulf %{{.*}}, %[[SCALE]] : vector<16xf32>
// AVX512-NOT: scalef
// AVX512-NEXT: return %[[R]]
func.func @exp_shifted_by_max(%x: vector<16xf32>, %m: vector<16xf32>) -> vector<16xf32> {
  %max = arith.maxnumf %m, %x : vector<16xf32>
  %s = arith.subf %x, %max : vector<16xf32>
  %r = math.exp %s : vector<16xf32>
  return %r : vector<16xf32>
}

// exp(x) = 2^(x * log2(e)), fused; f64 uses the degree-13 Taylor polynomial.
// CHECK-LABEL: func @exp_f64
// CHECK: math.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<8xf64>
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

// exp of a term bounded above by a minimum with a constant (an exponential
// sum's term up to kShiftSlack = 32 above its shift): 32 * log2(e) stays
// below the offset 64 less 2, so one scaling does - no upper clamp, the
// table on AVX-512. A bound of 70 (101 in base 2) keeps the general path.
// CHECK-LABEL: func @exp_bounded_by_slack
// CHECK: arith.cmpf olt
// CHECK-NOT: arith.cmpf
// CHECK-NOT: arith.shrsi
// CHECK: return
// AVX512-LABEL: func @exp_bounded_by_slack
// AVX512: llvm.x86.avx512.permvar.si.512
// AVX512-NOT: scalef
// AVX512: return
func.func @exp_bounded_by_slack(%d: vector<16xf32>) -> vector<16xf32> {
  %slack = arith.constant dense<32.0> : vector<16xf32>
  %above = arith.cmpf ogt, %d, %slack : vector<16xf32>
  %bounded = arith.select %above, %slack, %d : vector<16xi1>, vector<16xf32>
  %r = math.exp %bounded : vector<16xf32>
  return %r : vector<16xf32>
}

// CHECK-LABEL: func @exp_bounded_too_high
// CHECK: arith.shrsi
// AVX512-LABEL: func @exp_bounded_too_high
// AVX512-NOT: permvar
// AVX512: llvm.call_intrinsic "llvm.x86.avx512.mask.scalef.ps.512"
func.func @exp_bounded_too_high(%d: vector<16xf32>) -> vector<16xf32> {
  %bound = arith.constant dense<70.0> : vector<16xf32>
  %r0 = arith.minimumf %d, %bound : vector<16xf32>
  %r = math.exp %r0 : vector<16xf32>
  return %r : vector<16xf32>
}
