// RUN: kred-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline="builtin.module(kred-lower-to-loops{vector-width=8 tile-i=4 tile-j=64 rows-per-chunk=2 vector-registers=16 memory-operands=0 avx512=0})" \
// RUN:   | FileCheck %s

// The Gaussian convolution: j-variables copied to buffers laid out chunk
// by chunk (column j's coordinate d at (j - j mod 8) * D + 8 d + j mod 8: a
// chunk's coordinates are contiguous, and loads step one pointer), a
// parallel loop over tiles of 4 rows, j tiles of 64 columns, chunks of 8
// lanes carrying a block partial sum, a masked tail and a lane reduction.
// CHECK-LABEL: func @gaussian
// CHECK-SAME: (%[[X:.*]]: memref<?x3xf32>, %[[Y:.*]]: memref<?x3xf32>, %[[B:.*]]: memref<?x1xf32>, %[[OUT:.*]]: memref<?x1xf32>)
// CHECK: %[[CHUNKS:.*]] = arith.ceildivui %{{.*}}, %c8{{[_0-9]*}} : index
// CHECK: %[[YSIZE:.*]] = arith.muli %[[CHUNKS]], %c24{{[_0-9]*}} : index
// CHECK: %[[YT:.*]] = memref.alloc(%[[YSIZE]]) {alignment = 64 : i64} : memref<?xf32>
// CHECK: %[[LANE:.*]] = arith.remui %[[COL:.*]], %c8{{[_0-9]*}} : index
// CHECK: %[[CHUNK:.*]] = arith.subi %[[COL]], %[[LANE]] : index
// CHECK: %[[START:.*]] = arith.muli %[[CHUNK]], %c3{{[_0-9]*}} : index
// CHECK: memref.store %{{.*}}, %[[YT]][%{{.*}}] : memref<?xf32>
// CHECK: %[[BT:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?xf32>
// CHECK: scf.parallel
// CHECK:   %[[STATE:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4xvector<8xf32>>
// CHECK:   scf.for %[[JT:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// Pairs of rows share each chunk of j lanes...
// CHECK:     scf.for
// CHECK:       scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-2: math.exp %{{.*}} : vector<8xf32>
// CHECK:         scf.yield %{{.*}}, %{{.*}} : vector<8xf32>, vector<8xf32>
// ... and the odd row, if any, goes alone: two chunks per iteration, then
// the odd chunk.
// CHECK:     scf.for
// CHECK:       %[[TOTAL:.*]] = memref.load %[[STATE]]
// CHECK:       %[[TWO:.*]] = scf.for %{{.*}} step %c16{{[_0-9]*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<8xf32>) {
// CHECK-COUNT-2: math.exp %{{.*}} : vector<8xf32>
// CHECK:         scf.yield %{{.*}} : vector<8xf32>
// CHECK:       %[[PARTIAL:.*]] = scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[TWO]]) -> (vector<8xf32>) {
// CHECK:         vector.broadcast %{{.*}} : f32 to vector<8xf32>
// CHECK:         %[[YSTART:.*]] = arith.muli %[[J]], %c3{{[_0-9]*}} : index
// CHECK:         vector.load %[[YT]][%{{.*}}] : memref<?xf32>, vector<8xf32>
// CHECK:         vector.load %[[BT]][%{{.*}}] : memref<?xf32>, vector<8xf32>
// CHECK:         math.exp %{{.*}} : vector<8xf32>
// CHECK:         %[[NEW:.*]] = arith.addf %[[ACC]], %{{.*}} fastmath<contract> : vector<8xf32>
// CHECK:         scf.yield %[[NEW]] : vector<8xf32>
// CHECK:       arith.addf %[[TOTAL]], %[[PARTIAL]]
// CHECK:       memref.store %{{.*}}, %[[STATE]]
// CHECK:   scf.if
// CHECK:     arith.cmpi slt, %{{.*}} : vector<8xi64>
// CHECK:     arith.select %{{.*}} : vector<8xi1>, vector<8xf32>
// CHECK:   scf.for
// CHECK:     arith.extf %{{.*}} : vector<8xf32> to vector<8xf64>
// Lanes merge through the kind's combine, halving: 8 -> 4 -> 2 -> 1.
// CHECK:     vector.shuffle %{{.*}} [0, 1, 2, 3] : vector<8xf64>
// CHECK:     vector.shuffle %{{.*}} [4, 5, 6, 7] : vector<8xf64>
// CHECK:     arith.addf %{{.*}} : vector<4xf64>
// CHECK:     arith.addf %{{.*}} : vector<2xf64>
// CHECK:     arith.addf %{{.*}} : vector<1xf64>
// CHECK:     vector.extract %{{.*}}[0] : f64 from vector<1xf64>
// CHECK:     arith.truncf %{{.*}} : f64 to f32
// CHECK:     memref.store %{{.*}}, %[[OUT]]
// CHECK:   memref.dealloc %[[STATE]]
// CHECK: memref.dealloc %[[YT]]
// CHECK-NOT: kred.reduce
func.func @gaussian(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %b: memref<?x1xf32>,
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

// -----

// Kahan summation in f64 carries (sum, compensation) and ops without
// contraction; f64 lanes are half as many.
// CHECK-LABEL: func @kahan
// CHECK: scf.for %{{.*}} step %c1
// CHECK: scf.for %{{.*}} iter_args(%[[S:.*]] = %{{.*}}, %[[C:.*]] = %{{.*}}) -> (vector<4xf64>, vector<4xf64>)
// CHECK:   %[[Y:.*]] = arith.subf %{{.*}}, %[[C]] : vector<4xf64>
// CHECK:   %[[T:.*]] = arith.addf %[[S]], %[[Y]] : vector<4xf64>
// CHECK:   %[[D:.*]] = arith.subf %[[T]], %[[S]] : vector<4xf64>
// CHECK:   %[[L:.*]] = arith.subf %[[D]], %[[Y]] : vector<4xf64>
// CHECK:   %[[Y2:.*]] = arith.subf %{{.*}}, %[[L]] : vector<4xf64>
// CHECK:   %[[T2:.*]] = arith.addf %[[T]], %[[Y2]] : vector<4xf64>
// CHECK:   %[[D2:.*]] = arith.subf %[[T2]], %[[T]] : vector<4xf64>
// CHECK:   %[[L2:.*]] = arith.subf %[[D2]], %[[Y2]] : vector<4xf64>
// CHECK:   scf.yield %[[T2]], %[[L2]]
func.func @kahan(%x: memref<?x1xf64>, %y: memref<?x1xf64>, %out: memref<?x1xf64>) {
  kred.reduce sum over j scheme(kahan) ins(%x, %y : memref<?x1xf64>, memref<?x1xf64>)
      outs(%out : memref<?x1xf64>) {
    %xi = kred.var i 0 : vector<1xf64>
    %yj = kred.var j 1 : vector<1xf64>
    %f = kred.mul %xi, %yj : vector<1xf64>, vector<1xf64>
    kred.yield %f : vector<1xf64>
  }
  return
}

// -----

// ArgMin keeps its best (value, index) in the row's memory and carries one
// threshold per row, broadcast: each chunk is compared with it once
// (unordered, so NaN lanes pass), and only the lanes that pass are inserted,
// one per set bit of the mask, by an insertion that moves worse entries down.
// CHECK-LABEL: func @argmin
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<4x1xf32>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<4x1xi64>
// CHECK: scf.for %{{.*}} iter_args(%[[T0:.*]] = %{{.*}}, %[[T1:.*]] = %{{.*}}) -> (vector<8xf32>, vector<8xf32>)
// CHECK:   %[[PASS:.*]] = arith.cmpf ult, %{{.*}}, %[[T0]] : vector<8xf32>
// CHECK:   %[[BITS:.*]] = vector.bitcast %[[PASS]] : vector<8xi1> to vector<1xi8>
// CHECK:   scf.if %{{.*}} -> (vector<8xf32>) {
// CHECK:     scf.while
// CHECK:       math.cttz %{{.*}} : i8
// CHECK:       vector.extract %{{.*}}[%{{.*}}] : f32 from vector<8xf32>
// CHECK:       scf.while
// CHECK:         memref.store
// CHECK:     } else {
// CHECK:       scf.yield %[[T0]] : vector<8xf32>
// CHECK: memref.store %{{.*}} : memref<?x1xi64>
func.func @argmin(%x: memref<?x2xf32>, %y: memref<?x2xf32>, %out: memref<?x1xi64>) {
  kred.reduce arg_min over j ins(%x, %y : memref<?x2xf32>, memref<?x2xf32>)
      outs(%out : memref<?x1xi64>) {
    %xi = kred.var i 0 : vector<2xf32>
    %yj = kred.var j 1 : vector<2xf32>
    %d = kred.sqdist %xi, %yj : vector<2xf32>, vector<2xf32>
    kred.yield %d : vector<1xf32>
  }
  return
}

// -----

// LogSumExp keeps (shift, shifted sum). A chunk whose terms all lie at most
// 32 above the lanes' shifts only adds exp(F - m); any other takes the exact
// combine, one exponential per term, the new max picked by the comparison
// that picks the scaled side.
// CHECK-LABEL: func @logsumexp
// CHECK: iter_args(%[[M:.*]] = %{{.*}}, %[[S:.*]] = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK:   %[[EXCESS:.*]] = arith.subf %[[F:.*]], %[[M]]
// CHECK:   %[[WITHIN:.*]] = arith.cmpf ole, %[[EXCESS]], %{{.*}} : vector<8xf32>
// CHECK:   arith.xori %[[WITHIN]]
// CHECK:   scf.if %{{.*}} -> (vector<8xf32>, vector<8xf32>) {
// CHECK:     math.absf
// CHECK:     math.exp
// CHECK-NOT: math.exp
// CHECK:     %[[UP:.*]] = arith.cmpf ogt, %[[F]], %[[M]]
// CHECK:     arith.select %[[UP]], %[[F]], %[[M]]
// CHECK:     scf.yield
// CHECK:   } else {
// CHECK:     math.exp
// CHECK-NOT: math.exp
// CHECK:     %[[SUM:.*]] = arith.addf %[[S]], %{{.*}} : vector<8xf32>
// CHECK:     scf.yield %[[M]], %[[SUM]]
// CHECK: math.exp %{{.*}} : vector<4xf32>
// CHECK: arith.select %{{.*}} : vector<4xi1>, vector<4xf32>
// CHECK: math.log %{{.*}} : f32
func.func @logsumexp(%x: memref<?x2xf32>, %y: memref<?x2xf32>, %out: memref<?x1xf32>) {
  kred.reduce log_sum_exp over j ins(%x, %y : memref<?x2xf32>, memref<?x2xf32>)
      outs(%out : memref<?x1xf32>) {
    %xi = kred.var i 0 : vector<2xf32>
    %yj = kred.var j 1 : vector<2xf32>
    %d = kred.sqdist %xi, %yj : vector<2xf32>, vector<2xf32>
    %n = kred.minus %d : vector<1xf32>
    kred.yield %n : vector<1xf32>
  }
  return
}

// -----

// KMin keeps K sorted (value, index) slots per row in memory, initialized
// to (+inf, -1); the threshold is the last slot's value (NaN while it is
// empty, so that every lane passes). Outputs are read from memory. Slots
// inserted as lanes keep 32-bit indices (twice as many fit in registers).
// CHECK-LABEL: func @kmin
// CHECK: %[[VALUES:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x2xf32>
// CHECK: %[[INDICES:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x2xi32>
// CHECK: %[[ROW:.*]] = memref.subview %[[VALUES]][%{{.*}}, 0] [1, 2] [1, 1]
// CHECK: vector.store %{{.*}}, %[[ROW]][%{{.*}}] : memref<2xf32, strided<[1], offset: ?>>, vector<2xf32>
// CHECK: %[[EMPTY:.*]] = arith.constant 0x7FC00000 : f32
// CHECK: arith.select %{{.*}}, %[[EMPTY]], %{{.*}} : f32
// CHECK: scf.for %{{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>)
// CHECK:   arith.cmpf ult
// A lane that passes is inserted into all K slots at once: the slots it
// goes before (one comparison for a number, the full rule for NaN and
// +inf) take their predecessor's entry, shifted in by a shuffle; whether
// the predecessor moved is the same comparison on the shifted lanes.
// CHECK: scf.while
// CHECK:   math.cttz
// CHECK:   %[[ORDINARY:.*]] = arith.cmpf olt, %{{.*}}, %{{.*}} : f32
// CHECK:   scf.if %[[ORDINARY]] {
// CHECK:     %[[SLOTS:.*]] = vector.load %{{.*}} : memref<2xf32, strided<[1], offset: ?>>, vector<2xf32>
// CHECK:     %[[AFTER:.*]] = arith.cmpf olt, %[[NEW:[0-9a-z_]+]], %[[SLOTS]] : vector<2xf32>
// CHECK:     %[[PRED:.*]] = vector.shuffle %[[SLOTS]], %{{.*}} [2, 0] : vector<2xf32>, vector<2xf32>
// CHECK:     vector.shuffle %{{.*}}, %{{.*}} [2, 0] : vector<2xi32>, vector<2xi32>
// CHECK:     %[[PRED_AFTER:.*]] = arith.cmpf olt, %[[NEW]], %[[PRED]] : vector<2xf32>
// CHECK:     %[[MOVED:.*]] = arith.select %[[PRED_AFTER]], %[[PRED]], %{{.*}} : vector<2xi1>, vector<2xf32>
// CHECK:     arith.select %[[AFTER]], %[[MOVED]], %[[SLOTS]] : vector<2xi1>, vector<2xf32>
// CHECK:     vector.store
// CHECK:   } else {
// CHECK:     arith.extsi %{{.*}} : vector<2xi32> to vector<2xi64>
// CHECK:     arith.cmpi slt, %{{.*}} : vector<2xi64>
// CHECK: memref.load %{{.*}} : memref<2xf32, strided<[1], offset: ?>>
// CHECK: memref.store %{{.*}} : memref<?x2xf32>
func.func @kmin(%x: memref<?x1xf32>, %y: memref<?x1xf32>, %out: memref<?x2xf32>) {
  kred.reduce k_min(2) over j ins(%x, %y : memref<?x1xf32>, memref<?x1xf32>)
      outs(%out : memref<?x2xf32>) {
    %xi = kred.var i 0 : vector<1xf32>
    %yj = kred.var j 1 : vector<1xf32>
    %d = kred.sub %xi, %yj : vector<1xf32>, vector<1xf32>
    kred.yield %d : vector<1xf32>
  }
  return
}

// -----

func.func @over_i(%x: memref<?x1xf32>, %out: memref<?x1xf32>) {
  // expected-error @below {{reduces over i; run kred-reduce-over-j before lowering}}
  kred.reduce sum over i ins(%x : memref<?x1xf32>) outs(%out : memref<?x1xf32>) {
    %xi = kred.var j 0 : vector<1xf32>
    kred.yield %xi : vector<1xf32>
  }
  return
}

// -----

// A formula without j-variables reduces over one term (KeOps): the number
// of terms is the constant 1, not the rows of an input.
// CHECK-LABEL: func.func @no_j
// CHECK:         %[[ONE:.*]] = arith.constant 1 : index
// CHECK:         %[[ROWS:.*]] = memref.dim %arg1, %{{.*}} : memref<?x1xf32>
// CHECK-NOT:     memref.dim %arg0
// CHECK:         return
func.func @no_j(%x: memref<?x1xf32>, %out: memref<?x1xf32>) {
  kred.reduce sum over j ins(%x : memref<?x1xf32>) outs(%out : memref<?x1xf32>) {
    %xi = kred.var i 0 : vector<1xf32>
    kred.yield %xi : vector<1xf32>
  }
  return
}

// -----

func.func @tensors(%x: tensor<?x1xf32>, %out: tensor<?x1xf32>) -> tensor<?x1xf32> {
  // expected-error @below {{operates on tensors; the CPU code generator takes reductions on memrefs}}
  %r = kred.reduce sum over j ins(%x : tensor<?x1xf32>) outs(%out : tensor<?x1xf32>) {
    %xj = kred.var j 0 : vector<1xf32>
    kred.yield %xj : vector<1xf32>
  } -> tensor<?x1xf32>
  return %r : tensor<?x1xf32>
}

// -----

func.func @too_wide(%x: memref<?x2000xf32>, %out: memref<?x2000xf32>) {
  kred.reduce sum over j ins(%x : memref<?x2000xf32>) outs(%out : memref<?x2000xf32>) {
    // expected-error @below {{yields a vector of dimension 2000; the CPU code generator takes at most 1024}}
    %xj = kred.var j 0 : vector<2000xf32>
    kred.yield %xj : vector<2000xf32>
  }
  return
}
