// RUN: kred-opt %s --kred-cpu-pipeline="vector-width=16 avx512=0" | FileCheck %s
// RUN: kred-opt %s --kred-cpu-pipeline="fast-math=false openmp=false vector-width=16" | FileCheck %s --check-prefix=EXACT
// RUN: kred-opt %s --kred-cpu-pipeline="vector-width=16 avx512=0" | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=LLVMIR
// RUN: kred-opt %s --kred-cpu-pipeline="cpu-features=-avx512f" | FileCheck %s --check-prefix=AVX2

// The whole pipeline ends in the LLVM dialect: OpenMP threads over row tiles
// taken from an atomic counter, 16-lane vectors, the exp polynomial inlined.
// CHECK-LABEL: llvm.func @kernel
// CHECK: omp.parallel
// CHECK-NOT: omp.wsloop
// CHECK: llvm.atomicrmw add
// CHECK: llvm.intr.fma(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK: llvm.shl %{{.*}} : vector<16xi32>
// CHECK: llvm.fadd %{{.*}} {fastmathFlags = #llvm.fastmath<contract>} : vector<16xf32>
// CHECK-NOT: kred.
// CHECK-NOT: scf.
// EXACT-LABEL: llvm.func @kernel
// EXACT-NOT: omp.parallel
// EXACT: llvm.intr.exp(%{{.*}}) : (vector<16xf32>) -> vector<16xf32>
// LLVMIR: call void {{.*}}@__kmpc_fork_call
// Without AVX-512 in the target's features (on any host), the defaults
// follow: 8 lanes, no VSCALEF.
// AVX2-LABEL: llvm.func @kernel
// AVX2: llvm.intr.fma(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// AVX2-NOT: vector<16xf32>
// AVX2-NOT: scalef
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
