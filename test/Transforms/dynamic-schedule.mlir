// RUN: kred-opt %s --kred-dynamic-schedule | FileCheck %s

// CHECK-LABEL: func @tiles
// CHECK: omp.wsloop schedule(dynamic)
func.func @tiles(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
