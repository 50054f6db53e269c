// RUN: kred-opt %s --split-input-file --kred-hoist-vector-constants | FileCheck %s --check-prefix=HOIST
// RUN: kred-opt %s --split-input-file --kred-hoist-vector-constants=load-at-uses | FileCheck %s --check-prefix=USES

// Vector constants used in loops are read from writable, hidden globals
// (one per type and value): LLVM can neither fold nor rematerialize them.
// By default the load is placed before the outermost loop (LLVM spills and
// folds the value instead of re-broadcasting it on every iteration). With
// load-at-uses, a use in an innermost loop that x86 takes from memory reads
// the global there, volatile so that LLVM keeps it in the loop and folds
// it into the instruction. Scalars, and uses outside loops, keep their
// constants.
// HOIST: llvm.mlir.global external hidden @kred_vector_constant_8xf32_3F800000(dense<1.000000e+00> : vector<8xf32>) {{.*}}dso_local
// HOIST-NOT: llvm.mlir.global
// HOIST-LABEL: func @loop
// HOIST: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : vector<8xf32>
// HOIST: arith.addf %{{.*}}, %[[ONE]]
// HOIST: %[[G:.*]] = llvm.mlir.addressof @kred_vector_constant_8xf32_3F800000 : !llvm.ptr
// HOIST: %[[LOADED:.*]] = llvm.load %[[G]] : !llvm.ptr -> vector<8xf32>
// HOIST: scf.for
// HOIST:   scf.for
// HOIST:     arith.addf %{{.*}}, %[[LOADED]] : vector<8xf32>
// HOIST:     arith.addf %{{.*}}, %{{.*}} : f32

// USES-LABEL: func @loop
// USES: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : vector<8xf32>
// USES: arith.addf %{{.*}}, %[[ONE]]
// USES-NOT: llvm.load
// USES: scf.for
// USES:   scf.for
// USES:     %[[G:.*]] = llvm.mlir.addressof @kred_vector_constant_8xf32_3F800000 : !llvm.ptr
// USES:     %[[LOADED:.*]] = llvm.load volatile %[[G]] : !llvm.ptr -> vector<8xf32>
// USES:     arith.addf %{{.*}}, %[[LOADED]] : vector<8xf32>
// USES:     arith.addf %{{.*}}, %{{.*}} : f32
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

// -----

// Only operands x86 can take from memory are read at their use: an FMA's,
// a difference's right-hand side. A comparison's constant, and the left of
// a difference, stay in a register loaded before the loop.
// USES-LABEL: func @positions
// USES: %[[G:.*]] = llvm.mlir.addressof @kred_vector_constant_8xf32_40000000
// USES: %[[HOISTED:.*]] = llvm.load %[[G]] : !llvm.ptr -> vector<8xf32>
// USES: scf.for
// USES:   %[[A:.*]] = llvm.load volatile %{{.*}} : !llvm.ptr -> vector<8xf32>
// USES:   %[[F:.*]] = math.fma %{{.*}}, %{{.*}}, %[[A]] : vector<8xf32>
// USES:   %[[B:.*]] = llvm.load volatile %{{.*}} : !llvm.ptr -> vector<8xf32>
// USES:   %[[D:.*]] = arith.subf %[[F]], %[[B]] : vector<8xf32>
// USES:   %[[E:.*]] = arith.subf %[[HOISTED]], %[[D]] : vector<8xf32>
// USES:   arith.cmpf olt, %[[E]], %[[HOISTED]] : vector<8xf32>
func.func @positions(%v: vector<8xf32>, %n: index) -> vector<8xf32> {
  %two = arith.constant dense<2.0> : vector<8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%a = %v) -> (vector<8xf32>) {
    %f = math.fma %a, %a, %two : vector<8xf32>
    %d = arith.subf %f, %two : vector<8xf32>
    %e = arith.subf %two, %d : vector<8xf32>
    %lt = arith.cmpf olt, %e, %two : vector<8xf32>
    %s = arith.select %lt, %e, %a : vector<8xi1>, vector<8xf32>
    scf.yield %s : vector<8xf32>
  }
  return %r : vector<8xf32>
}

// -----

// A loop that reads more vectors than max-loop-loads (here 2) is bound by
// its loads: its constants stay hoisted.
// RUN: kred-opt %s --split-input-file --kred-hoist-vector-constants="load-at-uses max-loop-loads=2" | FileCheck %s --check-prefix=BOUND
// BOUND-LABEL: func @load_bound
// BOUND: %[[HOISTED:.*]] = llvm.load %{{.*}} : !llvm.ptr -> vector<8xf32>
// BOUND: scf.for
// BOUND-NOT: llvm.load
// BOUND:   math.fma %{{.*}}, %{{.*}}, %[[HOISTED]] : vector<8xf32>
func.func @load_bound(%m: memref<?xf32>, %v: vector<8xf32>, %n: index) -> vector<8xf32> {
  %two = arith.constant dense<2.0> : vector<8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%a = %v) -> (vector<8xf32>) {
    %x = vector.load %m[%c0] : memref<?xf32>, vector<8xf32>
    %y = vector.load %m[%c8] : memref<?xf32>, vector<8xf32>
    %z = vector.load %m[%c16] : memref<?xf32>, vector<8xf32>
    %s = arith.addf %x, %y : vector<8xf32>
    %t = arith.addf %s, %z : vector<8xf32>
    %f = math.fma %a, %t, %two : vector<8xf32>
    scf.yield %f : vector<8xf32>
  }
  return %r : vector<8xf32>
}
