// RUN: kred-opt %s --kred-gpu-pipeline="serialize=false chip=sm_90" | FileCheck %s
// RUN: kred-opt %s --kred-gpu-pipeline="serialize=false fast-math=false" | FileCheck %s --check-prefix=EXACT
// RUN: kred-opt %s --kred-gpu-pipeline="chip=sm_90" | FileCheck %s --check-prefix=BINARY

// The GPU pipeline: the function keeps its signature and launches the
// kernel, which is in the NVVM dialect for the chip: threads and blocks from
// PTX registers, shared tiles in address space 3 between barriers, exp as
// the approximate ex2 instruction with log2(e) folded into the constant.
// CHECK-LABEL: func.func @kernel
// CHECK: gpu.launch_func @kred_kernels::@kernel blocks in ({{.*}}) threads in (%[[B:.*]], %{{.*}}, %{{.*}})
// CHECK: gpu.module @kred_kernels [#nvvm.target<O = 3, chip = "sm_90", flags = {fast, ftz}
// CHECK-DAG: llvm.mlir.global internal @__wg_kernel_0() {addr_space = 3 : i32} : !llvm.array<576 x f32>
// CHECK-DAG: llvm.mlir.global internal @__wg_kernel_1() {addr_space = 3 : i32} : !llvm.array<192 x f32>
// CHECK: llvm.func @kernel({{.*}}) attributes {gpu.kernel, gpu.known_block_size = array<i32: 192, 1, 1>, nvvm.kernel, nvvm.maxntid = array<i32: 192, 1, 1>}
// CHECK: %[[MINUSLOG2E:.*]] = llvm.mlir.constant(dense<-1.44269502> : vector<1xf32>)
// CHECK: nvvm.read.ptx.sreg.tid.x
// CHECK: nvvm.read.ptx.sreg.ctaid.x
// CHECK: nvvm.barrier0
// CHECK: %[[SCALED:.*]] = llvm.fmul %{{.*}}, %[[MINUSLOG2E]] {fastmathFlags = #llvm.fastmath<contract>} : vector<1xf32>
// CHECK-NEXT: %[[LANE:.*]] = llvm.extractelement %[[SCALED]]
// CHECK-NEXT: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%[[LANE]]) : (f32) -> f32
// CHECK: nvvm.barrier0
// CHECK-NOT: kred.
// CHECK-NOT: scf.
// Without fast math: exp from libdevice.
// EXACT: #nvvm.target<O = 3, chip = "sm_80"
// EXACT-NOT: flags = {fast
// EXACT: llvm.func @__nv_expf(f32) -> f32
// EXACT-NOT: llvm.nvvm.ex2.approx
// The default: a gpu.binary holding the PTX.
// BINARY: gpu.binary @kred_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90"{{.*}}assembly = "{{.*}}.target sm_90
func.func @kernel(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %b: memref<?x1xf32>,
                  %out: memref<?x1xf32>) {
  kred.reduce sum over j ins(%x, %y, %b : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>)
      outs(%out : memref<?x1xf32>) {
    %0 = kred.var i 0 : vector<3xf32>
    %1 = kred.var j 1 : vector<3xf32>
    %2 = kred.var j 2 : vector<1xf32>
    %3 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
    %4 = kred.minus %3 : vector<1xf32>
    %5 = kred.exp %4 : vector<1xf32>
    %6 = kred.mul %5, %2 : vector<1xf32>, vector<1xf32>
    kred.yield %6 : vector<1xf32>
  }
  return
}
