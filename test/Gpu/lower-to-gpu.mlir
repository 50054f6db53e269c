// RUN: kred-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline="builtin.module(kred-lower-to-gpu{block-size=128},canonicalize,cse)" \
// RUN:   | FileCheck %s

// The Gaussian convolution: the function launches a kernel of the same
// arguments on ceil(N / 128) blocks of 128 threads; each thread loads its
// x_i once, copies one column of y and b into shared memory per tile,
// between two barriers, and adds the tile's terms to its running sum.
// CHECK-LABEL: func.func @gauss
// CHECK-SAME: (%[[X:.*]]: memref<?x3xf32> {kred.alias = "X"}, %[[Y:.*]]: memref<?x3xf32> {kred.alias = "Y"}, %[[B:.*]]: memref<?x1xf32> {kred.alias = "B"}, %[[OUT:.*]]: memref<?x1xf32> {kred.output})
// CHECK: %[[N:.*]] = memref.dim %[[OUT]], %{{.*}}
// CHECK: %[[BLOCKS:.*]] = arith.ceildivsi %[[N]], %[[C128:.*]] : index
// CHECK: gpu.launch_func @kred_kernels::@gauss blocks in (%[[BLOCKS]], %{{.*}}, %{{.*}}) threads in (%[[C128]], %{{.*}}, %{{.*}}) args(%[[X]] : memref<?x3xf32>, %[[Y]] : memref<?x3xf32>, %[[B]] : memref<?x1xf32>, %[[OUT]] : memref<?x1xf32>)
// CHECK: gpu.module @kred_kernels
// CHECK: gpu.func @gauss(%[[KX:.*]]: memref<?x3xf32>, %[[KY:.*]]: memref<?x3xf32>, %[[KB:.*]]: memref<?x1xf32>, %[[KOUT:.*]]: memref<?x1xf32>)
// CHECK-SAME: workgroup(%[[SY:.*]] : memref<3x128xf32, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<1x128xf32, #gpu.address_space<workgroup>>)
// CHECK-SAME: kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[ROW:.*]] = arith.addi %{{.*}}, %[[TID]] : index
// CHECK: %[[LOADROW:.*]] = arith.minsi %[[ROW]], %{{.*}} : index
// CHECK-COUNT-3: memref.load %[[KX]][%[[LOADROW]], %{{.*}}] : memref<?x3xf32>
// CHECK: %[[SUM:.*]] = scf.for %[[JT:.*]] = %{{.*}} to %[[M:.*]] step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<1xf32>) {
// CHECK:   %[[COL:.*]] = arith.addi %[[JT]], %[[TID]] : index
// CHECK:   scf.if
// CHECK:     memref.load %[[KB]][%[[COL]], %{{.*}}]
// CHECK:     memref.store %{{.*}}, %[[SB]][%{{.*}}, %[[TID]]]
// CHECK-COUNT-3: memref.store %{{.*}}, %[[SY]][%{{.*}}, %[[TID]]]
// CHECK:   gpu.barrier
// CHECK:   scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<1xf32>) {
// CHECK-COUNT-3: memref.load %[[SY]][%{{.*}}, %[[T]]]
// CHECK:     memref.load %[[SB]][%{{.*}}, %[[T]]]
// CHECK:     math.exp %{{.*}} : vector<1xf32>
// CHECK:     arith.addf %[[ACC]], %{{.*}} : vector<1xf32>
// CHECK:   gpu.barrier
// Only rows < N store.
// CHECK: %[[ISROW:.*]] = arith.cmpi slt, %[[ROW]], %{{.*}} : index
// CHECK: scf.if %[[ISROW]] {
// CHECK:   memref.store %{{.*}}, %[[KOUT]][%[[ROW]], %{{.*}}] : memref<?x1xf32>
module {
  func.func @gauss(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x1xf32> {kred.alias = "B"}, %arg3: memref<?x1xf32> {kred.output}) {
    kred.reduce sum over j ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>) outs(%arg3 : memref<?x1xf32>) {
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
}

// -----

// k nearest neighbours: the sorted K-best buffers are per-thread memory
// (allocas), the lane indices j = jt + t feed the state; a batch dimension
// is the grid's second axis.
// CHECK-LABEL: func.func @knn
// CHECK: %[[BATCH:.*]] = memref.dim %{{.*}}, %[[C0:.*]] : memref<?x?x3xf32>
// CHECK: gpu.launch_func @kred_kernels::@knn blocks in (%{{.*}}, %[[BATCH]], %{{.*}})
// CHECK: gpu.func @knn
// CHECK: %[[FLAT:.*]] = gpu.block_id y
// CHECK: memref.alloca() : memref<3xf32>
// CHECK: memref.alloca() : memref<3xi64>
// CHECK: scf.for
// CHECK:   gpu.barrier
// CHECK:   scf.for %[[T:.*]] = %{{.*}} iter_args
// CHECK:     arith.addi %{{.*}}, %[[T]] : index
module {
  func.func @knn(%arg0: memref<?x?x3xf32> {kred.alias = "X"}, %arg1: memref<?x?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x?x3xf32> {kred.output}, %arg3: memref<?x?x3xi64> {kred.output}) {
    kred.reduce k_min_arg_k_min(3) over j batch(1) ins(%arg0, %arg1 : memref<?x?x3xf32>, memref<?x?x3xf32>) outs(%arg2, %arg3 : memref<?x?x3xf32>, memref<?x?x3xi64>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
      kred.yield %2 : vector<1xf32>
    }
    return
  }
}

// -----

// Wide j-variables lower the block size so that a tile fits in 48 KiB of
// shared memory: 100 floats a column allow 122 columns, so 96 threads.
// CHECK-LABEL: func.func @wide
// CHECK: gpu.launch_func @kred_kernels::@wide blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%[[C96:.*]], %{{.*}}, %{{.*}})
// CHECK: workgroup(%{{.*}} : memref<100x96xf32, #gpu.address_space<workgroup>>)
// CHECK-SAME: known_block_size = array<i32: 96, 1, 1>
module {
  func.func @wide(%arg0: memref<?x100xf32> {kred.alias = "X"}, %arg1: memref<?x100xf32> {kred.alias = "Y"}, %arg2: memref<?x1xf32> {kred.output}) {
    kred.reduce sum over j ins(%arg0, %arg1 : memref<?x100xf32>, memref<?x100xf32>) outs(%arg2 : memref<?x1xf32>) {
      %0 = kred.var i 0 : vector<100xf32>
      %1 = kred.var j 1 : vector<100xf32>
      %2 = kred.sqdist %0, %1 : vector<100xf32>, vector<100xf32>
      kred.yield %2 : vector<1xf32>
    }
    return
  }
}

// -----

// Block-sparse ranges: the same grid and tiles; only ranges_i, slices_i and
// redranges_j travel. Each block bisects ranges_i for the clusters meeting
// its rows (the same for all its threads), and for each one runs the
// cluster's j-ranges tile by tile: the whole block copies and waits at the
// barriers, and only the cluster's own rows add the tile's terms.
// CHECK-LABEL: func.func @sparse
// CHECK: gpu.launch_func @kred_kernels::@sparse {{.*}} args(%{{.*}} : memref<?x1xf32>, %{{.*}} : memref<?x1xf32>, %{{.*}} : memref<?x1xf32>, %[[RI:.*]] : memref<?x2xi64>, %[[SI:.*]] : memref<?xi64>, %[[RJ:.*]] : memref<?x2xi64>)
// CHECK: gpu.func @sparse({{.*}}, %[[KRI:.*]]: memref<?x2xi64>, %[[KSI:.*]]: memref<?xi64>, %[[KRJ:.*]]: memref<?x2xi64>)
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[BEGIN:.*]] = arith.muli %{{.*}}, %[[C128:.*]] : index
// CHECK: %[[ROW:.*]] = arith.addi %[[BEGIN]], %[[TID]] : index
// The first cluster ending after the block's first row...
// CHECK: %[[FIRST:.*]]:2 = scf.while
// CHECK:   memref.load %[[KRI]][%{{.*}}, %c1]
// CHECK:   arith.cmpi sgt, %{{.*}}, %[[BEGIN]]
// ... and the first one starting after its last row.
// CHECK: %[[LAST:.*]]:2 = scf.while
// CHECK:   memref.load %[[KRI]][%{{.*}}, %c0]
// CHECK: scf.for %[[K:[^ ]*]] = %[[FIRST]]#0 to %[[LAST]]#0
// CHECK:   %[[RB:.*]] = memref.load %[[KRI]][%[[K]], %c0]
// CHECK:   %[[RE:.*]] = memref.load %[[KRI]][%[[K]], %c1]
// CHECK:   %[[MINE:.*]] = arith.andi
// CHECK:   memref.load %[[KSI]][%[[K]]]
// CHECK:   scf.for %[[S:[^ ]*]] =
// CHECK:     memref.load %[[KRJ]][%[[S]], %c0]
// CHECK:     memref.load %[[KRJ]][%[[S]], %c1]
// CHECK:     scf.for %[[JT:[^ ]*]] = %{{.*}} to %[[JEND:[^ ]*]] step %[[C128]]
// CHECK:       %[[COL:.*]] = arith.addi %[[JT]], %[[TID]] : index
// CHECK:       arith.cmpi slt, %[[COL]], %[[JEND]]
// CHECK:       gpu.barrier
// CHECK:       scf.if %[[MINE]] -> (vector<1xf32>)
// CHECK:         arith.mulf
// CHECK:       } else {
// CHECK:       gpu.barrier
// CHECK: arith.cmpi slt, %[[ROW]]
// CHECK: memref.store
module {
  func.func @sparse(%arg0: memref<?x1xf32> {kred.alias = "X"}, %arg1: memref<?x1xf32> {kred.alias = "Y"}, %arg2: memref<?x1xf32> {kred.output}, %r0: memref<?x2xi64>, %r1: memref<?xi64>, %r2: memref<?x2xi64>, %r3: memref<?x2xi64>, %r4: memref<?xi64>, %r5: memref<?x2xi64>) {
    kred.reduce sum over j ins(%arg0, %arg1 : memref<?x1xf32>, memref<?x1xf32>) outs(%arg2 : memref<?x1xf32>) ranges(%r0, %r1, %r2, %r3, %r4, %r5 : memref<?x2xi64>, memref<?xi64>, memref<?x2xi64>, memref<?x2xi64>, memref<?xi64>, memref<?x2xi64>) {
      %0 = kred.var i 0 : vector<1xf32>
      %1 = kred.var j 1 : vector<1xf32>
      %2 = kred.mul %0, %1 : vector<1xf32>, vector<1xf32>
      kred.yield %2 : vector<1xf32>
    }
    return
  }
}
