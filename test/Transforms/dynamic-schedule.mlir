// RUN: kred-opt %s --kred-dynamic-schedule | FileCheck %s

// Tiles are taken from a counter shared by the threads (no wsloop, whose
// dynamic dispatch costs microseconds in Debian's libomp); each tile runs
// the loop's body with its lower bound.
// CHECK-LABEL: func @tiles
// CHECK-SAME: (%[[N:.*]]: index, %[[OUT:.*]]: memref<?xindex>)
// CHECK: %[[COUNTER:.*]] = memref.alloca() : memref<i64>
// CHECK: memref.store %{{.*}}, %[[COUNTER]][] : memref<i64>
// CHECK-NEXT: omp.parallel {
// CHECK-NOT: omp.wsloop
// CHECK: %[[FIRST:.*]] = memref.atomic_rmw addi %{{.*}}, %[[COUNTER]][]
// CHECK: scf.while (%[[K:.*]] = %[[FIRST]]) : (i64) -> index {
// CHECK:   %[[KI:.*]] = arith.index_cast %[[K]] : i64 to index
// CHECK:   %[[SCALED:.*]] = arith.muli %[[KI]], %{{.*}} : index
// CHECK:   %[[TILE:.*]] = arith.addi %{{.*}}, %[[SCALED]] : index
// CHECK:   %[[MORE:.*]] = arith.cmpi slt, %[[TILE]], %[[N]] : index
// CHECK:   scf.condition(%[[MORE]]) %[[TILE]] : index
// CHECK: } do {
// CHECK: ^bb0(%[[T:.*]]: index):
// CHECK:   memref.store %[[T]], %[[OUT]][%[[T]]] : memref<?xindex>
// CHECK:   %[[NEXT:.*]] = memref.atomic_rmw addi %{{.*}}, %[[COUNTER]][]
// CHECK:   scf.yield %[[NEXT]] : i64
// CHECK: omp.terminator
func.func @tiles(%n: index, %out: memref<?xindex>) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c2) {
        memref.store %i, %out[%i] : memref<?xindex>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// A loop the rewrite leaves to libomp: two induction variables.
// CHECK-LABEL: func @two_loops
// CHECK: omp.wsloop schedule(dynamic)
func.func @two_loops(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i, %j) : index = (%c0, %c0) to (%n, %n) step (%c1, %c1) {
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
