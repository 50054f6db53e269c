//===- DynamicSchedule.cpp - row tiles handed out by an atomic counter ----===//
//
//   omp.parallel { omp.wsloop { omp.loop_nest (%t) = (%lb) to (%ub) step (%s)
//                               { body } } }
// becomes, with %counter a memref<i64> set to 0 before the region,
//   omp.parallel {
//     %k0 = atomic_rmw addi 1, %counter
//     scf.while (%k = %k0) { %t = %lb + %k * %s; condition(%t < %ub) %t }
//     do (%t) { body; yield atomic_rmw addi 1, %counter } }
//
//===----------------------------------------------------------------------===//

#include "kred/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace kred {
#define GEN_PASS_DEF_KREDDYNAMICSCHEDULE
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;

namespace {

/// The loop nest `loop` wraps, if the rewrite handles it: one induction
/// variable, a body of one block, no clauses, inside an omp.parallel of a
/// function.
omp::LoopNestOp getSimpleLoopNest(omp::WsloopOp loop) {
  auto nest = dyn_cast_or_null<omp::LoopNestOp>(loop.getWrappedLoop());
  if (!nest || nest.getNumLoops() != 1 || !nest.getRegion().hasOneBlock() ||
      !loop.getReductionVars().empty() || !loop.getPrivateVars().empty() ||
      !loop->getParentOfType<omp::ParallelOp>() ||
      !loop->getParentOfType<FunctionOpInterface>())
    return nullptr;
  return nest;
}

/// The next tile's number (atomically incremented counter).
Value takeTile(OpBuilder &b, Location loc, Value counter) {
  Value one = arith::ConstantIntOp::create(b, loc, b.getI64Type(), 1);
  return memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::addi, one,
                                     counter, ValueRange{});
}

void handOutByCounter(omp::WsloopOp loop, omp::LoopNestOp nest) {
  Location loc = loop.getLoc();
  auto parallel = loop->getParentOfType<omp::ParallelOp>();
  auto function = loop->getParentOfType<FunctionOpInterface>();
  OpBuilder b(&function.getFunctionBody().front(),
              function.getFunctionBody().front().begin());
  Value counter = memref::AllocaOp::create(
      b, loc, MemRefType::get({}, b.getI64Type()));
  b.setInsertionPoint(parallel);
  memref::StoreOp::create(
      b, loc, arith::ConstantIntOp::create(b, loc, b.getI64Type(), 0), counter,
      ValueRange{});

  b.setInsertionPoint(loop);
  Value lower = nest.getLoopLowerBounds()[0], upper = nest.getLoopUpperBounds()[0],
        step = nest.getLoopSteps()[0];
  Type index = lower.getType();
  auto tiles = scf::WhileOp::create(b, loc, TypeRange{index},
                                    ValueRange{takeTile(b, loc, counter)});
  Block *before = b.createBlock(&tiles.getBefore(), {}, {b.getI64Type()}, {loc});
  Value k = arith::IndexCastOp::create(b, loc, index, before->getArgument(0));
  Value tile = arith::AddIOp::create(
      b, loc, lower, arith::MulIOp::create(b, loc, k, step));
  Value more =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, tile, upper);
  scf::ConditionOp::create(b, loc, more, ValueRange{tile});

  Block *after = b.createBlock(&tiles.getAfter(), {}, {index}, {loc});
  Block &body = nest.getRegion().front();
  body.getArgument(0).replaceAllUsesWith(after->getArgument(0));
  after->getOperations().splice(after->end(), body.getOperations(),
                                body.begin(), std::prev(body.end()));
  b.setInsertionPointToEnd(after);
  scf::YieldOp::create(b, loc, ValueRange{takeTile(b, loc, counter)});
  loop.erase();
}

struct DynamicSchedulePass
    : kred::impl::KredDynamicScheduleBase<DynamicSchedulePass> {
  void runOnOperation() override {
    SmallVector<omp::WsloopOp> loops;
    getOperation()->walk([&](omp::WsloopOp loop) { loops.push_back(loop); });
    for (omp::WsloopOp loop : loops) {
      if (omp::LoopNestOp nest = getSimpleLoopNest(loop))
        handOutByCounter(loop, nest);
      else
        loop.setScheduleKind(omp::ClauseScheduleKind::Dynamic);
    }
  }
};

} // namespace
