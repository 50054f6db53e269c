// RUN: kred-opt %s --kred-hoist-vector-constants | FileCheck %s

// Vector constants used in loops are read, before the outermost loop, from
// writable public globals (one per type and value): LLVM can spill and fold
// them instead of re-broadcasting them on every iteration. Scalars, and
// uses outside loops, keep their constants.
// CHECK: memref.global @kred_vector_constant_8xf32_3F800000 : memref<8xf32> = dense<1.000000e+00>
// CHECK-NOT: memref.global
// CHECK-LABEL: func @loop
// CHECK: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : vector<8xf32>
// CHECK: %[[OUTSIDE:.*]] = arith.addf %{{.*}}, %[[ONE]]
// CHECK: %[[G:.*]] = memref.get_global @kred_vector_constant_8xf32_3F800000 : memref<8xf32>
// CHECK: %[[LOADED:.*]] = vector.load %[[G]][%{{.*}}] : memref<8xf32>, vector<8xf32>
// CHECK: scf.for
// CHECK:   scf.for
// CHECK:     arith.addf %{{.*}}, %[[LOADED]] : vector<8xf32>
// CHECK:     arith.addf %{{.*}}, %{{.*}} : f32
func.func @loop(%v: vector<8xf32>, %s: f32, %n: index) -> (vector<8xf32>, f32) {
  %one = arith.constant dense<1.0> : vector<8xf32>
  %c = arith.constant 2.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %outside = arith.addf %v, %one : vector<8xf32>
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%a = %outside, %b = %s) -> (vector<8xf32>, f32) {
    %r2:2 = scf.for %j = %c0 to %n step %c1 iter_args(%x = %a, %y = %b) -> (vector<8xf32>, f32) {
      %x1 = arith.addf %x, %one : vector<8xf32>
      %y1 = arith.addf %y, %c : f32
      scf.yield %x1, %y1 : vector<8xf32>, f32
    }
    scf.yield %r2#0, %r2#1 : vector<8xf32>, f32
  }
  return %r#0, %r#1 : vector<8xf32>, f32
}
