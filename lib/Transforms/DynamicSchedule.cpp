//===- DynamicSchedule.cpp - dynamic schedules for OpenMP loops -----------===//

#include "kred/Transforms/Passes.h"

#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

namespace kred {
#define GEN_PASS_DEF_KREDDYNAMICSCHEDULE
#include "kred/Transforms/Passes.h.inc"
} // namespace kred

using namespace mlir;

namespace {
struct DynamicSchedulePass
    : kred::impl::KredDynamicScheduleBase<DynamicSchedulePass> {
  void runOnOperation() override {
    getOperation()->walk([](omp::WsloopOp loop) {
      loop.setScheduleKind(omp::ClauseScheduleKind::Dynamic);
    });
  }
};
} // namespace
