// Upstream mlir-opt with kred's dialect and passes loaded from KredPlugin.so.
// An unsanitized mlir-opt cannot load a plugin built with AddressSanitizer.
// UNSUPPORTED: sanitized
// RUN: mlir-opt %s --load-dialect-plugin=%kred_plugin --load-pass-plugin=%kred_plugin \
// RUN:   --pass-pipeline="builtin.module(kred-cpu-pipeline{vector-width=16 avx512=0})" | FileCheck %s
// RUN: mlir-opt %s --load-dialect-plugin=%kred_plugin --load-pass-plugin=%kred_plugin \
// RUN:   --pass-pipeline="builtin.module(kred-lower-to-loops{vector-width=8})" | FileCheck %s --check-prefix=LOOPS
// RUN: mlir-opt %s --load-dialect-plugin=%kred_plugin | FileCheck %s --check-prefix=ROUNDTRIP
// RUN: not mlir-opt %s 2>&1 | FileCheck %s --check-prefix=UNLOADED

// The kred CPU pipeline, run by mlir-opt, ends in the LLVM dialect.
// CHECK-LABEL: llvm.func @kernel
// CHECK: omp.parallel
// CHECK: llvm.intr.fma(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK-NOT: kred.
// One kred pass on its own.
// LOOPS-LABEL: func.func @kernel
// LOOPS: scf.parallel
// LOOPS-NOT: kred.reduce
// ROUNDTRIP: kred.reduce sum over j
// ROUNDTRIP: kred.sqdist
// UNLOADED: Dialect `kred' not found for custom op 'kred.reduce'
func.func @kernel(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %b: memref<?x1xf32>,
                  %out: memref<?x1xf32>) {
  kred.reduce sum over j ins(%x, %y, %b : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>)
      outs(%out : memref<?x1xf32>) {
    %xi = kred.var i 0 : vector<3xf32>
    %yj = kred.var j 1 : vector<3xf32>
    %bj = kred.var j 2 : vector<1xf32>
    %d = kred.sqdist %xi, %yj : vector<3xf32>, vector<3xf32>
    %n = kred.minus %d : vector<1xf32>
    %e = kred.exp %n : vector<1xf32>
    %f = kred.mul %e, %bj : vector<1xf32>, vector<1xf32>
    kred.yield %f : vector<1xf32>
  }
  return
}
