//===- ThreadChoiceTest.cpp - one thread or all, by a kernel's cost -------===//
//
// ThreadChoice (lib/Runtime/ThreadChoice.h) on recorded serial calls: a
// count of pairs decides before any, then pairs x the least time per pair
// seen against 8 us; calls too small to measure, and bad times, are
// ignored. Prints one line per decision.
//
//===----------------------------------------------------------------------===//

#include "ThreadChoice.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>

using kred::runtime::ThreadChoice;

static void decide(const ThreadChoice &choice, double pairs) {
  llvm::outs() << llvm::format("%.0f pairs: ", pairs)
               << (choice.runsSerially(pairs) ? "serial" : "parallel") << "\n";
}

int main() {
  ThreadChoice choice;
  llvm::outs() << "not measured\n";
  decide(choice, 131071);
  decide(choice, 131072);
  // Too few pairs to measure, a zero and a NaN time: still not measured.
  choice.recordSerial(100, 1.0);
  choice.recordSerial(8192, 0.0);
  choice.recordSerial(8192, std::numeric_limits<double>::quiet_NaN());
  llvm::outs() << "ignored\n";
  decide(choice, 131071);
  // 1 ns per pair: 8 us of work is 8000 pairs.
  choice.recordSerial(8192, 8192e-9);
  llvm::outs() << "1 ns\n";
  decide(choice, 7999);
  decide(choice, 8001);
  // A slower call (another process ran) keeps the least time.
  choice.recordSerial(8192, 4 * 8192e-9);
  llvm::outs() << "slower call\n";
  decide(choice, 7999);
  // A cheap kernel (0.05 ns per pair) stays serial past the pairs rule.
  choice.recordSerial(1 << 20, (1 << 20) * 0.05e-9);
  llvm::outs() << "0.05 ns\n";
  decide(choice, 159999);
  decide(choice, 160001);
  return 0;
}
