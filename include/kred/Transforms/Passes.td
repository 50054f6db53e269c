//===- Passes.td - kred's compiler passes ------------------*- tablegen -*-===//
//
// The passes of the CPU pipeline, in pipeline order. The pipeline itself
// (kred-cpu-pipeline, include/kred/Pipelines/Pipelines.h) is the only place
// that lists them.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_TRANSFORMS_PASSES_TD
#define KRED_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def KredAutodiff : Pass<"kred-autodiff"> {
  let summary = "expand symbolic derivatives into plain formula ops";
  let description = [{
    Replaces every `kred.grad`, `kred.diff`, `kred.divergence` and
    `kred.laplacian` inside a formula by the ops of the derivative, built
    from each op's derivative rule (DifferentiableOpInterface) by reverse
    mode; nested derivatives are expanded innermost first, so derivatives of
    any order work. Canonicalization and CSE afterwards keep the result
    small.
  }];
}

def KredReductionGradient : Pass<"kred-reduction-gradient", "mlir::ModuleOp"> {
  let summary = "add the gradient kernel of a reduction";
  let description = [{
    For each kernel function `@k` (one `kred.reduce` on memref arguments),
    adds `@k_grad_<aliases>`: the Sum reduction giving the gradient of
    `<e, k(...)>` with respect to the inputs `inputs`, concatenated (so that
    one pass over the pairs computes them all). New variables follow the
    original inputs: the cotangent `e` (of the value output's shape), then
    what the kind's gradient reads of the forward pass, indexed like the
    outputs: `result` (log_sum_exp and its weighted form), `result` and
    `logsumexp` (the log-sum-exp of F, for sum_soft_max_weight), or
    `indices` (the selected indices, as floats) and `positions` (0, 1, ...
    along the reduced axis; for min, max and k_min kinds and their
    arg-and-value forms, whose gradient flows through the selected terms),
    or `result`, `indices` (of the maximum of F) and `positions` for the
    max_sum_shift_exp kinds.
    With respect to a variable of the rows the outputs are indexed by, the
    Sum runs along the same axis; for a variable of the reduced axis it is
    transposed; for a parameter, the caller adds up its rows. Block-sparse
    ranges stay: the transposed reduction reads the other triple, the same
    pattern seen from the other axis. The gradient
    kernel lives in the same module, so it is compiled and cached with the
    forward one. Index-only kinds (zero gradient) are refused by name.
  }];
  let options = [
    ListOption<"inputs", "inputs", "unsigned",
               "positions of the inputs to differentiate (one kernel; their "
               "gradients are concatenated; all variables of the reduced "
               "axis, or none)">,
  ];
}

def KredReduceOverJ : Pass<"kred-reduce-over-j"> {
  let summary = "rewrite reductions over i into reductions over j";
  let description = [{
    A reduction over i is a reduction over j with the roles of the two point
    clouds swapped. This pass swaps the categories of the `kred.var` ops
    (i <-> j) and the axis, so that code generators only handle reductions
    over j. It also rejects derivative ops (`kred.grad`, ...) that
    kred-autodiff has not expanded.
  }];
}

def KredFastMath : Pass<"kred-fast-math"> {
  let summary = "rewrite exponentials into base-2 form with folded scales";
  let description = [{
    Rewrites `exp(x)` into `exp2(x * log2(e))`, folding the scale into the
    constants around `x`: `exp(-y)` becomes `exp2(y * -log2(e))` and
    `exp(c * y)` becomes `exp2(y * (c * log2(e)))`. The code generator then
    computes `exp2` with a short polynomial and an exponent-field shift
    (kred-approximate-math). Skipped entirely when fast-math is off.
  }];
}

def KredLowerToLoops : Pass<"kred-lower-to-loops", "mlir::ModuleOp"> {
  let summary = "tile reductions into loops over SIMD lanes of j";
  let description = [{
    Lowers every memref `kred.reduce` over j into:

    - an `scf.parallel` loop over tiles of `tile-i` output rows (mapped to
      OpenMP threads by `convert-scf-to-openmp`);
    - inside it, loops over tiles of `tile-j` columns and, for each block of
      `rows-per-chunk` rows of the tile, over chunks of `vector-width`
      consecutive j: every formula value
      of dimension D becomes D vectors whose lanes hold different j, so the
      vector unit is filled even when D is 1 to 3; a row alone takes two
      chunks per iteration (the loop's add, compare and branch paid once);
    - the reduction's running state carried through the j loops as
      `vector-width` lanes (plain, block or Kahan sums, float64
      accumulation, max-shifted exponential sums, sorted K-buffers) and
      combined across lanes once per row.

    j-variables are copied once into a lane-friendly transposed buffer
    (O(M) memory); the last partial chunk of j is masked. Reductions must be
    over j (run kred-reduce-over-j first) and on memrefs. A module pass:
    K-best reductions on AVX2 read a table of lane numbers, a module
    constant.
  }];
  // Options: kred-cpu-pipeline's, as a whole (TargetOptions.h); this pass
  // reads vector-width, tile-i, tile-j, rows-per-chunk, vector-registers
  // and memory-operands (0 / -1: the host's).
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::LLVM::LLVMDialect", "mlir::math::MathDialect",
    "mlir::memref::MemRefDialect", "mlir::scf::SCFDialect",
    "mlir::vector::VectorDialect"
  ];
}

def KredPrecomputeInvariants
    : Pass<"kred-precompute-invariants", "mlir::func::FuncOp"> {
  let summary = "compute a row's own contractions once per row";
  let description = [{
    A formula term that reads only i-variables (or only j-variables) and
    holds a contraction (an op reading 16 components or more: |y_j|^2 at
    D = 64, Norm2, a scalar product) is computed once per row, by a
    reduction of one term per row into a buffer before the reduction,
    which then reads the buffer as an i- (or j-) variable: N (or M)
    evaluations instead of N x M. With `sqdist-expansion`, SqDist(a, b) of
    an i-term and a j-term is first written max(|a|^2 + |b|^2 - 2 <a, b>, 0), whose
    pairs cost one fused multiply-add per coordinate; its error grows with
    |a|^2 + |b|^2 instead of |a - b|^2 (opt-in; docs/Rationale.md).
    Reductions over j on memrefs, without batch dimensions or ranges,
    computed in f32 or f64.
  }];
  let options = [
    Option<"sqdistExpansion", "sqdist-expansion", "bool", /*default=*/"false",
           "Write SqDist(x_i, y_j) as |x|^2 + |y|^2 - 2 <x, y>">,
  ];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def KredLowerToGpu : Pass<"kred-lower-to-gpu", "mlir::ModuleOp"> {
  let summary = "turn each reduction into a GPU kernel, a thread per output row";
  let description = [{
    Moves every memref `kred.reduce` over j into a `gpu.func` kernel of the
    same arguments in `gpu.module @kred_kernels`, and makes its function
    launch it: a grid of ceil(N / B) x (flattened batch) blocks of B
    threads. Thread t of block b owns output row b B + t; its i-variables
    and parameters stay in registers, the j-variables come through shared
    memory a tile of B columns at a time (each thread copies one column,
    between two barriers), and the running reduction state is the same as
    the CPU's with lane groups of one lane. B is `block-size`, lowered (to
    a multiple of 32) when a tile of j-variables would not fit in 48 KiB of
    shared memory; it is recorded as the kernel's `known_block_size`.
    With block-sparse ranges the grid is the same: each block bisects
    ranges_i for the clusters meeting its rows and runs each one's
    j-ranges tile by tile, all its threads copying and at the barriers,
    only the cluster's rows adding the terms (rows of no cluster keep the
    identity).
  }];
  // Options: kred-gpu-pipeline's, as a whole (TargetOptions.h); this pass
  // reads block-size and test-drop-barrier.
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::gpu::GPUDialect",
    "mlir::math::MathDialect", "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect", "mlir::vector::VectorDialect"
  ];
}

def KredGpuApproximateMath : Pass<"kred-gpu-approximate-math"> {
  let summary = "f32 math as the GPU's approximate instructions (fast math)";
  let description = [{
    Rewrites f32 (or one-lane f32 vector) `math.exp2`, `math.exp`,
    `math.log2`, `math.log`, `math.rsqrt`, `math.sqrt`, `math.sin`,
    `math.cos` and `arith.divf` into calls of the NVVM intrinsics of PTX's
    `ex2/lg2/rsqrt/sqrt/div/sin/cos.approx.ftz.f32`, as CUDA's
    `--use_fast_math` does. Other types and functions are left to
    libdevice. Only run when fast-math is on.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::LLVM::LLVMDialect",
    "mlir::vector::VectorDialect"
  ];
}

def KredDynamicSchedule : Pass<"kred-dynamic-schedule"> {
  let summary = "hand out row tiles to OpenMP threads dynamically";
  let description = [{
    Replaces every `omp.wsloop` over tiles of rows by a loop in which each
    thread takes the next tile from a shared atomic counter when it
    finishes one, so a core slowed by other work (a busy machine, a virtual
    CPU) takes fewer tiles instead of making all threads wait for it. The
    counter replaces libomp's dynamic dispatch, which Debian's libomp builds
    with debug tracing that formats strings on every call: 5 of the 8 us of
    a call at N = M = 10, and as much per tile. A loop the rewrite does not
    handle (several induction variables, clauses) gets schedule(dynamic).
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect"
  ];
}

def KredHoistVectorConstants
    : Pass<"kred-hoist-vector-constants", "mlir::ModuleOp"> {
  let summary = "read loops' vector constants from memory";
  let description = [{
    Replaces each float vector constant used inside an `scf.for` by a load
    from a writable global holding its value (one per type and value,
    shared by the module's kernels), placed before the outermost such loop.
    LLVM cannot fold or rematerialize that value: where a loop needs more
    vector registers than the target has, the register allocator spills it
    once and folds the reloads into the instructions that use it, instead
    of re-broadcasting the constant from the constant pool on every
    iteration (one instruction per use on AVX2, which cannot fold a
    broadcast).

    With `load-at-uses` (x86), a use in an innermost loop that the
    instruction can take from memory (a sum's or product's operand, an
    FMA's, the right-hand side of a difference or quotient) reads the
    constant there, with a volatile load that LLVM neither hoists nor
    merges: it folds into the instruction, and the constant holds no
    register (an exp's ten constants need one register instead of ten).
    Loops that read more than `max-loop-loads` vectors (a D = 64 distance)
    are bound by their loads and keep their constants hoisted.
  }];
  let options = [
    Option<"loadAtUses", "load-at-uses", "bool", /*default=*/"false",
           "Read constants at their arithmetic uses in innermost loops, "
           "where x86 folds the load into the instruction">,
    Option<"maxLoopLoads", "max-loop-loads", "int64_t", /*default=*/"8",
           "With load-at-uses: only in loops that read at most this many "
           "vectors from memory">,
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def KredApproximateMath : Pass<"kred-approximate-math"> {
  let summary = "vectorizable polynomial approximations of math functions";
  let description = [{
    Replaces `math.exp` and `math.exp2` on f32 and f64 scalars and vectors
    by 2^(x*c) = 2^n * 2^f: a NaN-preserving clamp, n = round(x*c) by adding
    1.5 * 2^mantissa-bits (c fused into that addition and into f = x*c - n),
    a polynomial for 2^f (degree 6 minimax in f32, Taylor degree 13 in f64:
    results within 2 ulp of 2^(x*c), subnormal results included) and 2^n
    shifted into the exponent field. When the argument is provably <= 0
    (exp(-d^2), exp(x - max(x, m))) or bounded above by a minimum with a
    constant (at most 62 in base 2: exponential sums' terms up to 32 above
    their shift), one scaling does and the upper clamp goes; otherwise 2^n
    is applied as two halves. Underflow gives 0,
    overflow +inf, NaN propagates through the arithmetic. log, atan, asin,
    acos, atan2, tanh and erf on f32 use MLIR's polynomial approximations
    (measured relative error below 4e-6); sin and cos are not approximated
    (MLIR's versions lose relative accuracy near 0). Only run when
    fast-math is on; otherwise the math ops become calls to the C library.

    With `avx512`, 16 x f32 and 8 x f64 vectors of unknown sign apply 2^n
    with one VSCALEF instruction. Under one scaling, f32 vectors
    of 16 lanes with `avx512`, of 8 with `avx2`, count n in sixteenths
    (eighths): a table of 2^(k/16) (2^(k/8)) in one register, indexed by
    VPERMD, leaves a polynomial of degree 3 (4) on [-1/32, 1/32] ([-1/16,
    1/16]) - 3 (2) fused multiply-adds fewer, within 1.64 (1.57) ulp.
  }];
  // Options: kred-cpu-pipeline's, as a whole (TargetOptions.h); this pass
  // reads avx512 and avx2 (-1: the host's).
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::math::MathDialect",
    "mlir::vector::VectorDialect", "mlir::LLVM::LLVMDialect"
  ];
}

def KredOutlineFormula : Pass<"kred-outline-formula", "mlir::ModuleOp"> {
  let summary = "outline each reduction's formula as code for one lane group";
  let description = [{
    For inspection and testing of the target-neutral lowering library: for
    the k-th `kred.reduce` of function `@f`, adds `@f_formula_k` taking one
    lane group per component of each variable (in position order) and
    returning F's components (then G's), as every target emits them
    (each op's FormulaOpInterface through a LaneBuilder). `width=0` gives
    scalars (one GPU thread's code), `width=W` vectors of W lanes (the
    CPU's). Half-precision formulas compute in f32. The reductions stay.
  }];
  let options = [
    Option<"width", "width", "int64_t", /*default=*/"0",
           "lanes per group (0: scalars)">,
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::math::MathDialect",
    "mlir::func::FuncDialect", "mlir::vector::VectorDialect"
  ];
}

#endif // KRED_TRANSFORMS_PASSES_TD
