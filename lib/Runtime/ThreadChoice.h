//===- ThreadChoice.h - one thread or all, from a kernel's measured cost --===//
//
// A CPU kernel's call runs on the calling thread where waking the others
// would cost more than it saves (on a 2-core Zen 4, a parallel call costs
// ~3 us more than half the serial time: parallel pays from ~8-10 us of
// work). The work is pairs x the kernel's time per pair, which depends on
// the formula (a D = 64 Gaussian takes ~10x a D = 3 one): measured on the
// kernel's own serial calls; before any, a count of pairs decides.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_RUNTIME_THREADCHOICE_H
#define KRED_LIB_RUNTIME_THREADCHOICE_H

#include <atomic>

namespace kred::runtime {

class ThreadChoice {
public:
  /// Below this many pairs, a kernel not measured yet runs serially.
  static constexpr double kSerialPairs = 1 << 17;
  /// Serial calls of at least this many pairs are measured (fewer: the
  /// call's fixed cost would weigh in the time per pair).
  static constexpr double kMeasuredPairs = 1 << 12;
  /// Work that one thread finishes within this runs on one thread.
  static constexpr double kSerialSeconds = 8e-6;

  /// Whether a call over `pairs` (i, j) pairs runs on the calling thread.
  bool runsSerially(double pairs) const {
    double perPair = secondsPerPair.load(std::memory_order_relaxed);
    return perPair == 0 ? pairs < kSerialPairs
                        : pairs * perPair < kSerialSeconds;
  }

  /// A serial call over `pairs` took `seconds`: the least time per pair
  /// seen is kept (a call slowed by another process says nothing).
  void recordSerial(double pairs, double seconds) {
    if (pairs < kMeasuredPairs || !(seconds > 0))
      return;
    double perPair = seconds / pairs;
    double known = secondsPerPair.load(std::memory_order_relaxed);
    while ((known == 0 || perPair < known) &&
           !secondsPerPair.compare_exchange_weak(known, perPair,
                                                 std::memory_order_relaxed))
      ;
  }

private:
  std::atomic<double> secondsPerPair{0}; // 0: not measured
};

} // namespace kred::runtime

#endif // KRED_LIB_RUNTIME_THREADCHOICE_H
