//===- HoistVectorConstants.cpp - loops' vector constants read from memory ===//

#include "kred/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
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
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<arith::ConstantOp> constants;
    module.walk([&](arith::ConstantOp op) {
      auto type = dyn_cast<VectorType>(op.getType());
      if (type && type.getRank() == 1 && isa<FloatType>(type.getElementType()) &&
          isa<SplatElementsAttr>(op.getValue()))
        constants.push_back(op);
    });
    for (arith::ConstantOp op : constants)
      hoist(op, symbols);
  }

  /// Replaces the uses of `op` inside loops by a load before each of their
  /// outermost loops.
  void hoist(arith::ConstantOp op, SymbolTable &symbols) {
    llvm::MapVector<Operation *, SmallVector<OpOperand *>> usesByLoop;
    for (OpOperand &use : op->getUses())
      if (scf::ForOp loop = getOutermostLoop(use.getOwner()))
        usesByLoop[loop].push_back(&use);
    if (usesByLoop.empty())
      return;
    auto type = cast<VectorType>(op.getType());
    auto splat = cast<SplatElementsAttr>(op.getValue());
    auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
    std::string name = getGlobalName(type, splat.getSplatValue<APFloat>());
    if (!symbols.lookup(name)) {
      auto module = cast<ModuleOp>(symbols.getOp());
      OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
      // Public and writable: LLVM may not assume its value.
      auto value = DenseElementsAttr::get(
          RankedTensorType::get(type.getShape(), type.getElementType()),
          splat.getSplatValue<Attribute>());
      symbols.insert(memref::GlobalOp::create(
          b, op.getLoc(), name, /*sym_visibility=*/StringAttr(), memrefType,
          value, /*constant=*/false, /*alignment=*/nullptr));
    }
    for (auto &[loop, uses] : usesByLoop) {
      OpBuilder b(loop);
      Value memory =
          memref::GetGlobalOp::create(b, op.getLoc(), memrefType, name);
      Value zero = arith::ConstantIndexOp::create(b, op.getLoc(), 0);
      Value value =
          vector::LoadOp::create(b, op.getLoc(), type, memory, ValueRange{zero});
      for (OpOperand *use : uses)
        use->set(value);
    }
    if (op->use_empty())
      op.erase();
  }
};
} // namespace
