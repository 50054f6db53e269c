// RUN: kred-opt %s --split-input-file \
// RUN:   --pass-pipeline="builtin.module(kred-lower-to-loops{vector-width=8 vector-registers=16 memory-operands=0 avx512=0 lane-compress=none})" \
// RUN:   | FileCheck %s --check-prefix=AVX2
// RUN: kred-opt %s --split-input-file \
// RUN:   --pass-pipeline="builtin.module(kred-lower-to-loops{vector-width=16 vector-registers=32 memory-operands=0 avx512=1 lane-compress=instruction})" \
// RUN:   | FileCheck %s --check-prefix=AVX512
// RUN: kred-opt %s --split-input-file \
// RUN:   --pass-pipeline="builtin.module(kred-lower-to-loops{vector-width=8 vector-registers=16 memory-operands=1 avx512=0 lane-compress=none})" \
// RUN:   | FileCheck %s --check-prefix=X86
// RUN: kred-opt %s --split-input-file \
// RUN:   --pass-pipeline="builtin.module(kred-lower-to-loops{vector-width=16 vector-registers=32 memory-operands=1 avx512=1 lane-compress=instruction})" \
// RUN:   | FileCheck %s --check-prefix=X86-512
// RUN: kred-opt %s --split-input-file \
// RUN:   --pass-pipeline="builtin.module(kred-lower-to-loops{vector-width=8 vector-registers=16 memory-operands=0 avx512=0 lane-compress=permutation})" \
// RUN:   | FileCheck %s --check-prefix=PERM

// rows-per-chunk=0 (the default) takes as many rows per chunk of lanes as
// the vector registers hold: each row keeps its 3 coordinates and its sum;
// the rows share y's 3 lanes, b's, 3 temporaries and exp's 10 constants
// (1 + 17 + 2 x 4 > 16 registers: one row on AVX2; 32 hold two).
// AVX2-LABEL: func @gaussian
// AVX2: scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<8xf32>)
// AVX2-NOT: iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (vector<8xf32>, vector<8xf32>)
// AVX2-LABEL: func @linear
// AVX512-LABEL: func @gaussian
// AVX512: scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (vector<16xf32>, vector<16xf32>)
// AVX512-LABEL: func @linear
// Where arithmetic reads memory operands (x86), an exp-bound formula takes
// one row, whose j-lanes and constants fold into the instructions, and two
// chunks of 8 lanes per iteration; the odd chunk goes alone.
// X86-LABEL: func @gaussian
// X86: %[[TWO:.*]] = scf.for %{{.*}} step %c16{{[_0-9]*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<8xf32>)
// X86-COUNT-2: math.exp
// X86: scf.for %{{.*}} step %c8{{.*}} iter_args(%{{.*}} = %[[TWO]]) -> (vector<8xf32>)
// X86-NOT: -> (vector<8xf32>, vector<8xf32>)
// X86-LABEL: func @linear
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

// Without constants, four rows of (x, sum) fit beside y and the temporaries
// (with memory operands too: a cheap formula is bound by loads and the loop).
// X86: scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// AVX2: scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// AVX512: scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
func.func @linear(%x: memref<?x1xf32>, %y: memref<?x1xf32>, %out: memref<?x1xf32>) {
  kred.reduce sum over j ins(%x, %y : memref<?x1xf32>, memref<?x1xf32>)
      outs(%out : memref<?x1xf32>) {
    %xi = kred.var i 0 : vector<1xf32>
    %yj = kred.var j 1 : vector<1xf32>
    %f = kred.mul %xi, %yj : vector<1xf32>, vector<1xf32>
    kred.yield %f : vector<1xf32>
  }
  return
}

// -----

// D = 256: the rows' 256 lanes cannot stay in registers. Where arithmetic
// takes broadcast memory operands (AVX-512), each chunk reads them through
// a row index the compiler cannot hoist (an empty asm statement reading
// the chunk's start), so that they fold into the arithmetic instead of
// spilling. Where it takes only whole vectors (x86 without AVX-512), the
// block's rows are broadcast into a buffer of lane vectors once per j tile
// (2 rows x 256), and each chunk reads whole vectors from it, which fold.
// Elsewhere they are loaded as usual. The j tiles hold 256 KB of y: 256
// columns of 256 floats.
// X86-LABEL: func @wide
// X86: %[[LANES:.*]] = memref.alloc() {{.*}} : memref<512xvector<8xf32>>
// X86: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c256
// X86: memref.store %{{.*}}, %[[LANES]][%c255{{.*}}] : memref<512xvector<8xf32>>
// X86: %[[X:.*]] = memref.load %arg0[%{{.*}}, %c255{{.*}}] : memref<?x256xf32>
// X86: %[[LANE:.*]] = vector.broadcast %[[X]] : f32 to vector<8xf32>
// X86: memref.store %[[LANE]], %[[LANES]][%c511{{.*}}] : memref<512xvector<8xf32>>
// X86: scf.for %{{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>) {
// X86: memref.load %[[LANES]][%c256{{.*}}] : memref<512xvector<8xf32>>
// X86-NOT: llvm.inline_asm
// X86: memref.dealloc %[[LANES]]
// AVX2-LABEL: func @wide
// AVX2: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c256
// AVX2-NOT: llvm.inline_asm
// AVX2-NOT: memref<512xvector<8xf32>>
// Each row then holds only its sum's chains in registers: with 32 of them,
// four rows share each j lane (above: two with 16), in lock step (each
// coordinate's four rows together, so that a j lane's uses are adjacent
// and it does not stay live over whole rows).
// X86-512-LABEL: func @wide
// X86-512: iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// X86-512: llvm.inline_asm
// X86-512: memref.load %arg0[%{{.*}}, %c0{{.*}}] : memref<?x256xf32>
// X86-512-NEXT: memref.load %arg0[%{{.*}}, %c0{{.*}}] : memref<?x256xf32>
// X86-512-NEXT: memref.load %arg0[%{{.*}}, %c0{{.*}}] : memref<?x256xf32>
// X86-512-NEXT: memref.load %arg0[%{{.*}}, %c0{{.*}}] : memref<?x256xf32>
func.func @wide(%x: memref<?x256xf32>, %y: memref<?x256xf32>, %out: memref<?x1xf32>) {
  kred.reduce sum over j ins(%x, %y : memref<?x256xf32>, memref<?x256xf32>)
      outs(%out : memref<?x1xf32>) {
    %xi = kred.var i 0 : vector<256xf32>
    %yj = kred.var j 1 : vector<256xf32>
    %f = kred.scalprod %xi, %yj : vector<256xf32>, vector<256xf32>
    kred.yield %f : vector<1xf32>
  }
  return
}

// -----

// A state updated behind a branch (ArgMin's insertion) keeps wide rows one
// after the other: a row's coordinates follow each other.
// X86-512-LABEL: func @wideArgMin
// X86-512: llvm.inline_asm
// X86-512: %[[ROW:.*]] = arith.index_cast %{{.*}} : i64 to index
// X86-512: memref.load %arg0[%[[ROW]], %c0{{.*}}] : memref<?x64xf32>
// X86-512-NEXT: vector.broadcast
// X86-512-NEXT: arith.constant 1 : index
// X86-512-NEXT: memref.load %arg0[%[[ROW]], %c1{{.*}}] : memref<?x64xf32>
func.func @wideArgMin(%x: memref<?x64xf32>, %y: memref<?x64xf32>, %out: memref<?x1xi64>) {
  kred.reduce arg_min over j ins(%x, %y : memref<?x64xf32>, memref<?x64xf32>)
      outs(%out : memref<?x1xi64>) {
    %xi = kred.var i 0 : vector<64xf32>
    %yj = kred.var j 1 : vector<64xf32>
    %d = kred.sqdist %xi, %yj : vector<64xf32>, vector<64xf32>
    kred.yield %d : vector<1xf32>
  }
  return
}

// -----

// ArgKMin, K = 64, f32: entries are i64 keys (value bits above, index
// below) kept in a sorted buffer of 64; the lanes that pass the threshold
// are appended to a pending list (values and indices, its count carried),
// and every 32 pending entries (half the buffer) become keys, are sorted by
// a bitonic network (min/max of i64 lanes) and merged into the buffer - the
// reversed batch against its last 32 keys, then half-cleaners from 32 down
// to 1 - before the threshold moves (to the merged slot 63's value). The
// rows of a chunk merge together, behind one branch: where any row holds a
// batch, every row merges what it holds (its count left is max(count - 32,
// 0)). With AVX-512 every chunk's passing lanes are packed by a register
// compress and stored, with no branch; with AVX2 (whose buffer fills more
// than half its 16 registers) a loop over the mask's set lanes appends
// them, behind a branch on any lane.
// AVX2-LABEL: func @knn64
// AVX2-DAG: memref.alloc() {alignment = 64 : i64} : memref<32x64xi64>
// AVX2-DAG: memref.alloc() {alignment = 64 : i64} : memref<32x40xf32>
// AVX2-DAG: memref.alloc() {alignment = 64 : i64} : memref<32x40xi32>
// AVX2: %[[PASS:.*]] = arith.cmpf ult, %{{.*}}, %{{.*}} : vector<8xf32>
// AVX2: scf.if %{{.*}} -> (index)
// AVX2: scf.while
// AVX2: math.cttz
// AVX2: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<40xf32, strided<[1], offset: ?>>
// AVX2: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<40xi32, strided<[1], offset: ?>>
// AVX2: %[[FULL0:.*]] = arith.cmpi sge, %{{.*}}, %c32{{.*}} : index
// AVX2-NEXT: %[[FULL1:.*]] = arith.cmpi sge, %{{.*}}, %c32{{.*}} : index
// AVX2-NEXT: %[[ANY:.*]] = arith.ori %[[FULL0]], %[[FULL1]] : i1
// AVX2-NEXT: scf.if %[[ANY]] -> (vector<8xf32>, index, vector<8xf32>, index)
// AVX2: vector.load %{{.*}}[%c0{{.*}}] : memref<40xf32, strided<[1], offset: ?>>, vector<32xf32>
// AVX2: %[[KEYS:.*]] = arith.ori %{{.*}}, %{{.*}} : vector<32xi64>
// Slots past the row's count read as empty.
// AVX2: %[[HELD:.*]] = arith.cmpi slt, %{{.*}}, %{{.*}} : vector<32xi64>
// AVX2: %[[BATCH:.*]] = arith.select %[[HELD]], %[[KEYS]], %{{.*}} : vector<32xi1>, vector<32xi64>
// AVX2: %[[BUFFER:.*]] = vector.load %{{.*}}[%c0{{.*}}] : memref<64xi64, strided<[1], offset: ?>>, vector<64xi64>
// AVX2: arith.minsi %[[BATCH]], %{{.*}} : vector<32xi64>
// AVX2: arith.maxsi %[[BATCH]], %{{.*}} : vector<32xi64>
// AVX2: %[[TAIL:.*]] = vector.shuffle %[[BUFFER]], %[[BUFFER]] [32, 33, {{.*}}, 63]
// AVX2: %[[REVERSED:.*]] = vector.shuffle %{{.*}}, %{{.*}} [31, 30, {{.*}}, 0]
// AVX2: arith.minsi %[[TAIL]], %[[REVERSED]] : vector<32xi64>
// AVX2: arith.minsi %{{.*}}, %{{.*}} : vector<64xi64>
// AVX2: vector.store %[[MERGED:.*]], %{{.*}}[%c0{{.*}}] : memref<64xi64, strided<[1], offset: ?>>, vector<64xi64>
// AVX2: vector.load %{{.*}}[%c32{{.*}}] : memref<40xf32, strided<[1], offset: ?>>, vector<8xf32>
// AVX2: vector.extract %[[MERGED]][63] : i64 from vector<64xi64>
// AVX2: arith.maxsi %{{.*}}, %c0{{.*}} : index
// With AVX2, a permutation stands for the compress: the 8 mask bits pick a
// row of a table of lane numbers (rows 0-4 and 255 checked: none, lane 0,
// lane 1, lanes 0 and 1, lane 2; all), VPERMPS moves the values first, and
// the indices are the first lane's plus those lane numbers.
// PERM: memref.global "private" constant @kred_compressing_permutations_8 : memref<256x8xi8> = dense<"0x00000000000000000000000000000000010000000000000000010000000000000200000000000000{{[0-9A-F]*}}0001020304050607"> {alignment = 64 : i64}
// PERM-LABEL: func @knn64
// PERM: %[[PASS:.*]] = arith.cmpf ult, %{{.*}}, %{{.*}} : vector<8xf32>
// PERM-NOT: scf.if
// PERM-NOT: pdep
// PERM: %[[FIRSTS:.*]] = vector.broadcast %{{.*}} : i32 to vector<8xi32>
// PERM: %[[BITS:.*]] = vector.bitcast %[[PASS]] : vector<8xi1> to vector<1xi8>
// PERM: %[[TABLE:.*]] = memref.get_global @kred_compressing_permutations_8 : memref<256x8xi8>
// PERM: %[[LANES:.*]] = vector.load %[[TABLE]][%{{.*}}, %c0{{.*}}] : memref<256x8xi8>, vector<8xi8>
// PERM: %[[PERMUTATION:.*]] = arith.extui %[[LANES]] : vector<8xi8> to vector<8xi32>
// PERM: %[[VALUES:.*]] = llvm.call_intrinsic "llvm.x86.avx2.permps"(%{{.*}}, %[[PERMUTATION]]) : (vector<8xf32>, vector<8xi32>) -> vector<8xf32>
// PERM: vector.store %[[VALUES]], %{{.*}}[%[[COUNT:.*]]] : memref<40xf32, strided<[1], offset: ?>>, vector<8xf32>
// PERM: %[[INDICES:.*]] = arith.addi %[[FIRSTS]], %[[PERMUTATION]] : vector<8xi32>
// PERM: vector.store %[[INDICES]], %{{.*}}[%[[COUNT]]] : memref<40xi32, strided<[1], offset: ?>>, vector<8xi32>
// PERM: math.ctpop %{{.*}} : i8
// PERM: math.ctpop %{{.*}} : i8
// PERM: arith.ori %{{.*}}, %{{.*}} : i1
// PERM-NEXT: scf.if %{{.*}} -> (vector<8xf32>, index, vector<8xf32>, index)
// AVX512-LABEL: func @knn64
// AVX512-DAG: memref.alloc() {alignment = 64 : i64} : memref<32x64xi64>
// AVX512-DAG: memref.alloc() {alignment = 64 : i64} : memref<32x48xf32>
// AVX512-DAG: memref.alloc() {alignment = 64 : i64} : memref<32x48xi32>
// The rows' lanes, which fit in registers, are loaded before the chunk
// loop (its stores would keep LLVM from hoisting them); the four rows make
// their terms in lock step before the updates: each j lane's four loads
// (merged by CSE) are adjacent.
// AVX512: memref.load %arg0[%{{.*}}, %c2{{.*}}] : memref<?x3xf32>
// AVX512: scf.for {{.*}} -> (vector<16xf32>, index, vector<16xf32>, index, vector<16xf32>, index, vector<16xf32>, index)
// AVX512-NOT: memref.load %arg0
// AVX512: vector.load %{{.*}} : memref<?xf32>, vector<16xf32>
// AVX512-NEXT: vector.load %{{.*}} : memref<?xf32>, vector<16xf32>
// AVX512-NEXT: vector.load %{{.*}} : memref<?xf32>, vector<16xf32>
// AVX512-NEXT: vector.load %{{.*}} : memref<?xf32>, vector<16xf32>
// AVX512: %[[PASS:.*]] = arith.cmpf ult, %{{.*}}, %{{.*}} : vector<16xf32>
// AVX512-NOT: scf.if
// AVX512: %[[VALUES:.*]] = llvm.call_intrinsic "llvm.experimental.vector.compress"(%{{.*}}, %[[PASS]], %{{.*}}) : (vector<16xf32>, vector<16xi1>, vector<16xf32>) -> vector<16xf32>
// AVX512: vector.store %[[VALUES]], %{{.*}}[%[[COUNT:.*]]] : memref<48xf32, strided<[1], offset: ?>>, vector<16xf32>
// AVX512: %[[INDICES:.*]] = llvm.call_intrinsic "llvm.experimental.vector.compress"(%{{.*}}, %[[PASS]], %{{.*}}) : (vector<16xi32>, vector<16xi1>, vector<16xi32>) -> vector<16xi32>
// AVX512: vector.store %[[INDICES]], %{{.*}}[%[[COUNT]]] : memref<48xi32, strided<[1], offset: ?>>, vector<16xi32>
// AVX512: %[[PASSED:.*]] = math.ctpop %{{.*}} : i16
// AVX512: %[[FULL:.*]] = arith.cmpi sge, %{{.*}}, %c32{{.*}} : index
// AVX512-COUNT-3: arith.ori %{{.*}}, %{{.*}} : i1
// AVX512-NEXT: scf.if %{{.*}} -> (vector<16xf32>, index, vector<16xf32>, index, vector<16xf32>, index, vector<16xf32>, index)
// AVX512: arith.minsi %{{.*}}, %{{.*}} : vector<64xi64>
// AVX512: vector.load %{{.*}}[%c32{{.*}}] : memref<48xi32, strided<[1], offset: ?>>, vector<16xi32>
// AVX512: vector.extract %{{.*}}[63] : i64 from vector<64xi64>
func.func @knn64(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %out: memref<?x64xi64>) {
  kred.reduce arg_k_min(64) over j ins(%x, %y : memref<?x3xf32>, memref<?x3xf32>)
      outs(%out : memref<?x64xi64>) {
    %xi = kred.var i 0 : vector<3xf32>
    %yj = kred.var j 1 : vector<3xf32>
    %d = kred.sqdist %xi, %yj : vector<3xf32>, vector<3xf32>
    kred.yield %d : vector<1xf32>
  }
  return
}

// -----

// ArgKMin, K = 32, f64: 32 slots of values and i32 indices (12 B each) fit
// 16 registers of 4 lanes (512 B) but not half of them: a lane that passes
// shifts the slots as two pieces of 16; the entry that leaves the first
// piece's last slot, when it moves, enters the second.
// AVX2-LABEL: func @knn32f64
// AVX2: memref.alloc() {alignment = 64 : i64} : memref<32x32xi32>
// AVX2: scf.if
// AVX2: %[[V0:.*]] = vector.load %{{.*}}[%c0{{.*}}] : memref<32xf64, strided<[1], offset: ?>>, vector<16xf64>
// AVX2: %[[A0:.*]] = arith.cmpf olt, %{{.*}}, %[[V0]] : vector<16xf64>
// AVX2: %[[MOVES:.*]] = vector.extract %[[A0]][15] : i1 from vector<16xi1>
// AVX2: %[[LAST:.*]] = vector.extract %[[V0]][15] : f64 from vector<16xf64>
// AVX2: arith.select %[[MOVES]], %[[LAST]], %{{.*}} : f64
// AVX2: vector.load %{{.*}}[%c16{{.*}}] : memref<32xf64, strided<[1], offset: ?>>, vector<16xf64>
// AVX512-LABEL: func @knn32f64
func.func @knn32f64(%x: memref<?x3xf64>, %y: memref<?x3xf64>, %out: memref<?x32xi64>) {
  kred.reduce arg_k_min(32) over j ins(%x, %y : memref<?x3xf64>, memref<?x3xf64>)
      outs(%out : memref<?x32xi64>) {
    %xi = kred.var i 0 : vector<3xf64>
    %yj = kred.var j 1 : vector<3xf64>
    %d = kred.sqdist %xi, %yj : vector<3xf64>, vector<3xf64>
    kred.yield %d : vector<1xf64>
  }
  return
}
