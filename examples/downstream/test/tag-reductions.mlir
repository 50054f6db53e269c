// The downstream driver runs its own pass and kred's on kred IR; the
// installed kred-opt and the installed plugin in upstream mlir-opt agree.
// RUN: downstream-opt %s --downstream-tag-reductions | FileCheck %s
// RUN: downstream-opt %s --kred-cpu-pipeline | FileCheck %s --check-prefix=LLVM
// RUN: kred-opt %s --kred-cpu-pipeline | FileCheck %s --check-prefix=LLVM
// RUN: mlir-opt %s --load-dialect-plugin=%kred_plugin --load-pass-plugin=%kred_plugin \
// RUN:   --pass-pipeline="builtin.module(kred-cpu-pipeline)" | FileCheck %s --check-prefix=LLVM

// CHECK-LABEL: func.func @knn
// CHECK-SAME: attributes {downstream.reductions = 1 : i64}
// CHECK: kred.reduce arg_k_min(4) over j
// CHECK-SAME: attributes {downstream.keops = "ArgKMin"}
// LLVM-LABEL: llvm.func @knn
// LLVM-NOT: kred.
func.func @knn(%x: memref<?x2xf32>, %y: memref<?x2xf32>, %out: memref<?x4xi64>) {
  kred.reduce arg_k_min(4) over j ins(%x, %y : memref<?x2xf32>, memref<?x2xf32>)
      outs(%out : memref<?x4xi64>) {
    %xi = kred.var i 0 : vector<2xf32>
    %yj = kred.var j 1 : vector<2xf32>
    %d = kred.sqdist %xi, %yj : vector<2xf32>, vector<2xf32>
    kred.yield %d : vector<1xf32>
  }
  return
}
