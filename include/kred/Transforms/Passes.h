//===- Passes.h - kred's compiler passes ------------------------*- C++ -*-===//

#ifndef KRED_TRANSFORMS_PASSES_H
#define KRED_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

#include "kred/Transforms/TargetOptions.h"

namespace kred {

#define GEN_PASS_DECL
#include "kred/Transforms/Passes.h.inc"

/// The passes that read a target's options, created from them as a whole.
std::unique_ptr<mlir::Pass>
createKredLowerToLoops(const CpuTargetOptions &options);
std::unique_ptr<mlir::Pass>
createKredApproximateMath(const CpuTargetOptions &options);
std::unique_ptr<mlir::Pass>
createKredLowerToGpu(const GpuTargetOptions &options);

#define GEN_PASS_REGISTRATION
#include "kred/Transforms/Passes.h.inc"

} // namespace kred

#endif // KRED_TRANSFORMS_PASSES_H
