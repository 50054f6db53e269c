//===- GpuSimulatorTest.cpp - the SIMT simulator's checker, case by case --===//
//
// Kernels written in C++ against the simulator's function table (as the
// compiled code calls it): each case prints what the simulator reports,
// checked by FileCheck in gpu-simulator.test. The compiled kernels are
// tested through kred-run --target gpu-sim (test/Gpu/simulator.test).
//
//===----------------------------------------------------------------------===//

#include "GpuSimulator.h"

#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <vector>

using namespace kred::runtime::sim;

namespace {

template <typename F> F lookup(llvm::StringRef name) {
  for (const SimulatedFunction &function : getSimulatedFunctions())
    if (function.name == name)
      return reinterpret_cast<F>(function.address);
  llvm::errs() << "no simulated function " << name << "\n";
  std::abort();
}

using AccessFn = void (*)(void *, int64_t, int32_t, int32_t);
using SharedFn = void (*)(void *, int64_t, int32_t);
using IdFn = int32_t (*)();
using BarrierFn = void (*)(int32_t);

AccessFn access() { return reinterpret_cast<AccessFn>(getSimulatedFunctions()[kAccessHook].address); }
SharedFn shared() { return reinterpret_cast<SharedFn>(getSimulatedFunctions()[kSharedHook].address); }
int32_t tid() { return lookup<IdFn>("llvm.nvvm.read.ptx.sreg.tid.x")(); }
int32_t block() { return lookup<IdFn>("llvm.nvvm.read.ptx.sreg.ctaid.x")(); }
void barrier() { lookup<BarrierFn>("llvm.nvvm.barrier.cta.sync.aligned.all")(0); }

// Arrays apart, as DeviceMemory places them (red zones between).
float memory[64];
float *const input = memory, *const output = memory + 32;
thread_local float tile[8];
const char *sites[] = {"the load", "the store", "the tile"};

float *out(int64_t *) { return output; }
void write(float *p, float v) { access()(p, 4, 1, 1); *p = v; }
float read(float *p) { access()(p, 4, 0, 0); return *p; }

void ownRow(int64_t *p) { write(out(p) + tid(), 1.0f); }
void pastTheEnd(int64_t *p) { read(out(p) + 10 + tid()); }
void intoInput(int64_t *) { write(input + tid(), 1.0f); }
void sameWord(int64_t *p) { write(out(p), static_cast<float>(tid())); }
void sameWordAcrossBlocks(int64_t *p) {
  if (tid() == 0)
    write(out(p), static_cast<float>(block()));
}
void divergent(int64_t *) {
  if (tid() == 0)
    return;
  barrier();
}
void ordered(int64_t *p) {
  write(out(p) + tid(), static_cast<float>(tid()));
  barrier();
  read(out(p) + (tid() + 1) % 8);
}
void sharedRace(int64_t *) {
  shared()(tile, sizeof(tile), 2);
  write(tile + tid() / 2, 1.0f);
}
void sharedOrdered(int64_t *) {
  shared()(tile, sizeof(tile), 2);
  write(tile + tid(), static_cast<float>(tid()));
  barrier();
  output[tid()] = read(tile + 7 - tid());
}
void tooMuchShared(int64_t *) { shared()(tile, kSharedMemoryLimit + 4, 2); }

void run(const char *name, void (*entry)(int64_t *), int64_t blocks = 1,
         ThreadOrder order = ThreadOrder::Forward) {
  std::memset(memory, 0, sizeof(memory));
  SimArray arrays[] = {{"x", reinterpret_cast<const char *>(input), 32, 4, false},
                       {"out", reinterpret_cast<const char *>(output), 32, 4, true}};
  int64_t parameters[1] = {0};
  SimOptions options;
  options.order = order;
  SimLaunch launch{name, entry, parameters, blocks, 1, 8, arrays, sites};
  llvm::Error err = simulate(launch, options);
  llvm::outs() << name << ": ";
  if (err)
    llvm::outs() << llvm::toString(std::move(err)) << "\n";
  else
    llvm::outs() << "ok\n";
}

} // namespace

int main() {
  run("own-row", ownRow);
  run("own-row-in-every-block", ownRow, 2);
  run("past-the-end", pastTheEnd);
  run("into-input", intoInput);
  run("same-word", sameWord);
  run("same-word-across-blocks", sameWordAcrossBlocks, 2);
  run("divergent", divergent);
  run("ordered", ordered, 1, ThreadOrder::Reverse);
  run("shared-race", sharedRace);
  run("shared-ordered", sharedOrdered, 1, ThreadOrder::Random);
  llvm::outs() << "shared-ordered read " << output[0] << " " << output[7] << "\n";
  run("too-much-shared", tooMuchShared);
  return 0;
}
