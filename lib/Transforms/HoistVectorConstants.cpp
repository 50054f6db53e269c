//===- HoistVectorConstants.cpp - loops' vector constants read from memory ===//

#include "kred/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/StringExtras.h"

namespace kred {
#define GEN_PASS_DEF_KREDHOISTVECTORCONSTANTS
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;

namespace {

/// The outermost scf.for around `op` in its region tree, or null.
scf::ForOp getOutermostLoop(Operation *op) {
  scf::ForOp outermost;
  for (auto loop = op->getParentOfType<scf::ForOp>(); loop;
       loop = loop->getParentOfType<scf::ForOp>())
    outermost = loop;
  return outermost;
}

/// Whether `op` is in an scf.for that holds no other loop and reads at
/// most `maxLoads` vectors from memory: more, and the loop is bound by its
/// loads, which the constants' loads would join.
bool isInLightInnermostLoop(Operation *op, int64_t maxLoads) {
  auto loop = op->getParentOfType<scf::ForOp>();
  if (!loop)
    return false;
  int64_t loads = 0;
  WalkResult walk = loop.getBody()->walk([&](Operation *inner) {
    if (isa<scf::ForOp>(inner))
      return WalkResult::interrupt();
    if (isa<vector::LoadOp, vector::MaskedLoadOp>(inner) && ++loads > maxLoads)
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return !walk.wasInterrupted();
}

/// Whether x86 can take this operand from memory: either operand of a
/// sum or product, any one of an FMA's, the right-hand side of a
/// difference or quotient. (Comparisons and min/max keep the constant in a
/// register: their NaN rules fix which operand may be in memory.)
bool isFoldableOperand(OpOperand &use) {
  Operation *owner = use.getOwner();
  if (isa<arith::AddFOp, arith::MulFOp, math::FmaOp, vector::FMAOp>(owner))
    return true;
  return isa<arith::SubFOp, arith::DivFOp>(owner) && use.getOperandNumber() == 1;
}

/// `kred_vector_constant_8xf32_3fb8aa3b`: one name per type and value.
std::string getGlobalName(VectorType type, const APFloat &value) {
  std::string name = "kred_vector_constant_";
  for (int64_t n : type.getShape())
    name += std::to_string(n) + "x";
  llvm::raw_string_ostream os(name);
  type.getElementType().print(os);
  os << "_" << llvm::utohexstr(value.bitcastToAPInt().getZExtValue());
  return name;
}

struct HoistVectorConstantsPass
    : kred::impl::KredHoistVectorConstantsBase<HoistVectorConstantsPass> {
  using KredHoistVectorConstantsBase::KredHoistVectorConstantsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<arith::ConstantOp> constants;
    module.walk([&](arith::ConstantOp op) {
      auto type = dyn_cast<VectorType>(op.getType());
      if (type && type.getRank() == 1 && !type.isScalable() &&
          isa<FloatType>(type.getElementType()) &&
          isa<SplatElementsAttr>(op.getValue()))
        constants.push_back(op);
    });
    for (arith::ConstantOp op : constants)
      replaceUsesInLoops(op, symbols);
  }

  /// Replaces the uses of `op` inside loops by loads: at the use where
  /// `loadAtUses` and x86 folds the load, else before the outermost loop.
  void replaceUsesInLoops(arith::ConstantOp op, SymbolTable &symbols) {
    llvm::MapVector<Operation *, SmallVector<OpOperand *>> usesByLoop;
    SmallVector<OpOperand *> foldedUses;
    for (OpOperand &use : op->getUses()) {
      if (loadAtUses && isFoldableOperand(use) && isInLightLoop(use.getOwner()))
        foldedUses.push_back(&use);
      else if (scf::ForOp loop = getOutermostLoop(use.getOwner()))
        usesByLoop[loop].push_back(&use);
    }
    if (usesByLoop.empty() && foldedUses.empty())
      return;
    LLVM::GlobalOp global = getOrCreateGlobal(op, symbols);
    for (auto &[loop, uses] : usesByLoop) {
      OpBuilder b(loop);
      Value value = load(b, op.getLoc(), global, /*isVolatile=*/false);
      for (OpOperand *use : uses)
        use->set(value);
    }
    // Volatile: LLVM would otherwise hoist the load out of the loop and
    // hold the constant in a register again.
    for (OpOperand *use : foldedUses) {
      OpBuilder b(use->getOwner());
      use->set(load(b, op.getLoc(), global, /*isVolatile=*/true));
    }
    if (op->use_empty())
      op.erase();
  }

  /// isInLightInnermostLoop, once per loop.
  bool isInLightLoop(Operation *op) {
    auto [it, inserted] =
        lightLoops.try_emplace(op->getParentOfType<scf::ForOp>(), false);
    if (inserted)
      it->second = isInLightInnermostLoop(op, maxLoopLoads);
    return it->second;
  }
  llvm::DenseMap<Operation *, bool> lightLoops;

  /// The module's global holding `op`'s value: external and writable, so
  /// that LLVM may not assume its value (and fold or rematerialize it);
  /// hidden, so that code addresses it directly, not through the GOT.
  LLVM::GlobalOp getOrCreateGlobal(arith::ConstantOp op,
                                   SymbolTable &symbols) {
    auto type = cast<VectorType>(op.getType());
    auto splat = cast<SplatElementsAttr>(op.getValue());
    std::string name = getGlobalName(type, splat.getSplatValue<APFloat>());
    if (auto existing = symbols.lookup<LLVM::GlobalOp>(name))
      return existing;
    auto module = cast<ModuleOp>(symbols.getOp());
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto global = LLVM::GlobalOp::create(
        b, op.getLoc(), type, /*isConstant=*/false, LLVM::Linkage::External,
        name, splat);
    global.setVisibility_(LLVM::Visibility::Hidden);
    global.setDsoLocal(true);
    symbols.insert(global);
    return global;
  }

  Value load(OpBuilder &b, Location loc, LLVM::GlobalOp global,
             bool isVolatile) {
    Value address = LLVM::AddressOfOp::create(b, loc, global);
    return LLVM::LoadOp::create(b, loc, global.getType(), address,
                                /*alignment=*/0, isVolatile);
  }
};
} // namespace
