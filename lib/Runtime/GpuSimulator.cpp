//===- GpuSimulator.cpp - GPU kernels run on the host, SIMT ---------------===//
//
// Blocks run one after the other; a block's threads are fibers (ucontext)
// on the calling thread, each run until it reaches a barrier or returns.
// When every thread waits at the barrier, a new interval begins; a thread
// that returned while others wait is a divergent barrier. Shared arrays are
// thread_local globals of the compiled code, registered by every thread
// when it starts and filled with NaN bytes for each block (CUDA leaves them
// uninitialized). The checker records, per 4-byte word, the last writer and
// readers of the current interval.
//
//===----------------------------------------------------------------------===//

#include "GpuSimulator.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Process.h"

#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <math.h>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

using namespace kred::runtime;
using namespace kred::runtime::sim;

namespace {

enum class FiberState { Runnable, AtBarrier, Done };

struct Fiber {
  ucontext_t context;
  FiberState state = FiberState::Runnable;
};

/// The last writer and the readers of one 4-byte word: threads (ids within
/// their block) and their access sites, in one block's barrier interval.
struct WordAccesses {
  int64_t block = -1, interval = -1;
  int32_t writer = -1, writerSite = -1;
  int32_t reader = -1, readerSite = -1;
  int32_t otherReader = -1, otherReaderSite = -1;
};

struct SharedArray {
  char *begin;
  size_t bytes;
  int32_t site;
  std::vector<WordAccesses> words;
};

/// The fibers' stacks: one mapping, a guard page below each stack.
class Stacks {
public:
  static constexpr size_t kStackBytes = 256 * 1024;
  explicit Stacks(int64_t count) {
    page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    stride = kStackBytes + page;
    bytes = stride * static_cast<size_t>(count);
    void *memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    base = memory == MAP_FAILED ? nullptr : static_cast<char *>(memory);
    for (int64_t k = 0; base && k < count; ++k)
      mprotect(base + k * stride, page, PROT_NONE);
  }
  ~Stacks() {
    if (base)
      munmap(base, bytes);
  }
  bool ok() const { return base != nullptr; }
  char *stack(int64_t k) const { return base + k * stride + page; }

private:
  char *base;
  size_t page, stride, bytes;
};

class Simulation {
public:
  Simulation(const SimLaunch &launch, const SimOptions &options)
      : launch(launch), options(options), stacks(launch.threads),
        fibers(launch.threads), random(options.seed) {
    globalWords.resize(launch.arrays.size());
    for (auto [k, array] : llvm::enumerate(launch.arrays))
      if (array.output && options.check)
        globalWords[k].resize((array.bytes + 3) / 4);
  }

  llvm::Error run();

  // What the compiled code calls.
  void barrier();
  void access(char *address, int64_t bytes, bool write, int32_t site);
  void registerShared(char *base, int64_t bytes, int32_t site);
  int32_t thread() const { return running; }
  int32_t blockX() const { return static_cast<int32_t>(block % launch.blocksX); }
  int32_t blockY() const { return static_cast<int32_t>(block / launch.blocksX); }
  const SimLaunch &getLaunch() const { return launch; }

  static thread_local Simulation *current;

private:
  static void fiberMain();
  bool runBlock();
  /// Stops the simulation with `message`; called on a fiber, it never
  /// returns there.
  [[noreturn]] void fail(std::string message);
  std::string site(int32_t k) const {
    return k >= 0 && static_cast<size_t>(k) < launch.sites.size()
               ? launch.sites[k]
               : "an unknown site";
  }
  std::string where() const {
    return llvm::formatv("kernel '{0}', block ({1}, {2})", launch.kernel,
                         blockX(), blockY());
  }
  /// `array` names the array in a report: built only then, not on every
  /// access.
  void checkWord(WordAccesses &word, bool write, int32_t site,
                 llvm::function_ref<std::string()> array, size_t byte);
  void reportOutside(char *address, int64_t bytes, bool write, int32_t site);

  const SimLaunch &launch;
  SimOptions options;
  Stacks stacks;
  std::vector<Fiber> fibers;
  std::mt19937_64 random;
  ucontext_t scheduler;
  int32_t running = 0;
  int64_t block = 0, interval = 0;
  std::vector<SharedArray> shared;
  std::vector<std::vector<WordAccesses>> globalWords;
  std::string failure;
};

thread_local Simulation *Simulation::current = nullptr;

void Simulation::fiberMain() {
  Simulation *s = current;
  s->launch.entry(s->launch.parameters);
  s->fibers[s->running].state = FiberState::Done;
  // Returning resumes the scheduler (uc_link).
}

void Simulation::fail(std::string message) {
  if (failure.empty())
    failure = "gpu-sim: " + message;
  swapcontext(&fibers[running].context, &scheduler);
  __builtin_unreachable();
}

void Simulation::barrier() {
  fibers[running].state = FiberState::AtBarrier;
  swapcontext(&fibers[running].context, &scheduler);
}

/// "3, 4, 5, ... (12 threads)".
static std::string listThreads(llvm::ArrayRef<int32_t> threads) {
  std::string text;
  for (size_t k = 0; k < std::min<size_t>(threads.size(), 4); ++k)
    text += (k ? ", " : "") + std::to_string(threads[k]);
  if (threads.size() > 4)
    text += llvm::formatv(", ... ({0} threads)", threads.size()).str();
  return text;
}

/// Runs the current block; false on a failure.
bool Simulation::runBlock() {
  shared.clear();
  interval = 0;
  for (auto [t, fiber] : llvm::enumerate(fibers)) {
    getcontext(&fiber.context);
    fiber.context.uc_stack.ss_sp = stacks.stack(static_cast<int64_t>(t));
    fiber.context.uc_stack.ss_size = Stacks::kStackBytes;
    fiber.context.uc_link = &scheduler;
    makecontext(&fiber.context, &Simulation::fiberMain, 0);
    fiber.state = FiberState::Runnable;
  }
  std::vector<int32_t> order(fibers.size());
  std::iota(order.begin(), order.end(), 0);
  if (options.order == ThreadOrder::Reverse)
    std::reverse(order.begin(), order.end());
  while (true) {
    if (options.order == ThreadOrder::Random)
      std::shuffle(order.begin(), order.end(), random);
    for (int32_t t : order) {
      if (fibers[t].state != FiberState::Runnable)
        continue;
      running = t;
      swapcontext(&scheduler, &fibers[t].context);
      if (!failure.empty())
        return false;
    }
    std::vector<int32_t> waiting, done;
    for (auto [t, fiber] : llvm::enumerate(fibers))
      (fiber.state == FiberState::Done ? done : waiting)
          .push_back(static_cast<int32_t>(t));
    if (waiting.empty())
      return true;
    if (!done.empty()) {
      failure = llvm::formatv("gpu-sim: {0}: a divergent barrier: threads {1} wait "
                              "at a barrier that threads {2} returned "
                              "without reaching",
                              where(), listThreads(waiting), listThreads(done));
      return false;
    }
    ++interval;
    for (Fiber &fiber : fibers)
      fiber.state = FiberState::Runnable;
  }
}

llvm::Error Simulation::run() {
  if (!stacks.ok())
    return llvm::createStringError(llvm::formatv(
        "gpu-sim: cannot map the stacks of {0} threads", launch.threads));
  Simulation *outer = current;
  current = this;
  for (block = 0; block < launch.blocksX * launch.blocksY; ++block)
    if (!runBlock())
      break;
  current = outer;
  if (!failure.empty())
    return llvm::createStringError(failure);
  return llvm::Error::success();
}

void Simulation::registerShared(char *base, int64_t bytes, int32_t site) {
  for (const SharedArray &array : shared)
    if (array.begin == base)
      return;
  if (bytes > kSharedMemoryLimit)
    fail(llvm::formatv("{0}: {1} bytes of shared memory; a block has at "
                       "most {2}",
                       where(), bytes, kSharedMemoryLimit));
  // Uninitialized, as on a GPU: NaN everywhere until written.
  std::memset(base, 0xff, static_cast<size_t>(bytes));
  SharedArray array{base, static_cast<size_t>(bytes), site, {}};
  if (options.check)
    array.words.resize((array.bytes + 3) / 4);
  shared.push_back(std::move(array));
}

void Simulation::checkWord(WordAccesses &word, bool write, int32_t at,
                           llvm::function_ref<std::string()> array,
                           size_t byte) {
  int32_t t = running;
  auto race = [&](int32_t other, int64_t otherBlock, bool otherWrote,
                  int32_t otherSite) {
    fail(llvm::formatv(
        "{0}: a data race on {1} (byte {2}) in barrier interval {3}: thread "
        "{4} {5} it at {6}; thread {7} of block {8} {9} it at {10}",
        where(), array(), byte, interval, t, write ? "writes" : "reads",
        site(at), other, otherBlock, otherWrote ? "wrote" : "read",
        site(otherSite)));
  };
  if (word.block != block || word.interval != interval) {
    // Another block's accesses are never ordered with this one's.
    if (word.block >= 0 && word.block != block) {
      if (word.writer >= 0)
        race(word.writer, word.block, true, word.writerSite);
      if (write && word.reader >= 0)
        race(word.reader, word.block, false, word.readerSite);
    }
    word = WordAccesses{block, interval};
  }
  if (word.writer >= 0 && word.writer != t)
    race(word.writer, block, true, word.writerSite);
  if (write) {
    if (word.reader >= 0 && word.reader != t)
      race(word.reader, block, false, word.readerSite);
    if (word.otherReader >= 0 && word.otherReader != t)
      race(word.otherReader, block, false, word.otherReaderSite);
    word.writer = t;
    word.writerSite = at;
  } else if (word.reader < 0 || word.reader == t) {
    word.reader = t;
    word.readerSite = at;
  } else {
    word.otherReader = t;
    word.otherReaderSite = at;
  }
}

void Simulation::access(char *address, int64_t bytes, bool write,
                        int32_t site) {
  if (!options.check)
    return;
  auto inside = [&](const char *begin, size_t size) {
    return address >= begin && address + bytes <= begin + size;
  };
  for (SharedArray &array : shared)
    if (inside(array.begin, array.bytes)) {
      size_t offset = static_cast<size_t>(address - array.begin);
      for (size_t w = offset / 4; w < (offset + bytes + 3) / 4; ++w)
        checkWord(array.words[w], write, site,
                  [&] { return this->site(array.site); }, offset);
      return;
    }
  for (auto [k, array] : llvm::enumerate(launch.arrays)) {
    if (!inside(array.begin, array.bytes))
      continue;
    size_t offset = static_cast<size_t>(address - array.begin);
    if (!array.output) {
      if (write)
        fail(llvm::formatv("{0}: thread {1} writes input '{2}' (element "
                           "{3}) at {4}",
                           where(), running, array.name,
                           offset / array.elementBytes, this->site(site)));
      return;
    }
    for (size_t w = offset / 4; w < (offset + bytes + 3) / 4; ++w)
      checkWord(globalWords[k][w], write, site,
                [&] { return "output '" + array.name + "'"; }, offset);
    return;
  }
  char *own = stacks.stack(running);
  if (address >= own && address + bytes <= own + Stacks::kStackBytes)
    return; // the thread's own local memory
  reportOutside(address, bytes, write, site);
}

void Simulation::reportOutside(char *address, int64_t bytes, bool write,
                               int32_t site) {
  // The nearest array names the index that went out of bounds.
  std::string nearest;
  int64_t distance = INT64_MAX;
  for (const SimArray &array : launch.arrays) {
    int64_t offset = address - array.begin;
    int64_t gap = offset < 0 ? -offset
                             : std::max<int64_t>(0, offset + bytes -
                                                        static_cast<int64_t>(array.bytes));
    if (gap < distance) {
      distance = gap;
      int64_t index = offset >= 0 ? offset / static_cast<int64_t>(array.elementBytes)
                                  : -((-offset + static_cast<int64_t>(array.elementBytes) - 1) /
                                      static_cast<int64_t>(array.elementBytes));
      nearest = llvm::formatv("element {0} of '{1}', which has {2}", index,
                              array.name, array.bytes / array.elementBytes);
    }
  }
  fail(llvm::formatv("{0}: thread {1} {2} {3} bytes out of bounds at {4}: "
                     "{5}",
                     where(), running, write ? "writes" : "reads", bytes,
                     this->site(site),
                     nearest.empty() ? "no array is near" : nearest));
}

//===----------------------------------------------------------------------===//
// The functions compiled code calls
//===----------------------------------------------------------------------===//

Simulation &simulation() { return *Simulation::current; }

void accessHook(void *address, int64_t bytes, int32_t write, int32_t site) {
  simulation().access(static_cast<char *>(address), bytes, write != 0, site);
}
void sharedHook(void *base, int64_t bytes, int32_t site) {
  simulation().registerShared(static_cast<char *>(base), bytes, site);
}
void barrierAll(int32_t) { simulation().barrier(); }
void barrier0() { simulation().barrier(); }
int32_t tidX() { return simulation().thread(); }
int32_t zero() { return 0; }
int32_t one() { return 1; }
int32_t ntidX() { return static_cast<int32_t>(simulation().getLaunch().threads); }
int32_t ctaidX() { return simulation().blockX(); }
int32_t ctaidY() { return simulation().blockY(); }
int32_t nctaidX() { return static_cast<int32_t>(simulation().getLaunch().blocksX); }
int32_t nctaidY() { return static_cast<int32_t>(simulation().getLaunch().blocksY); }
int32_t warpSize() { return 32; }
int32_t laneId() { return simulation().thread() % 32; }

/// PTX's .ftz: subnormal inputs and results become zeros of their sign.
float ftz(float x) {
  return std::fpclassify(x) == FP_SUBNORMAL ? std::copysign(0.0f, x) : x;
}
// The .approx instructions, as exact host functions: within the error PTX
// documents for each (e.g. 2 ulp for ex2.approx.f32).
float ex2Approx(float x) { return ftz(std::exp2(ftz(x))); }
float lg2Approx(float x) { return ftz(std::log2(ftz(x))); }
float rsqrtApprox(float x) { return ftz(1.0f / std::sqrt(ftz(x))); }
float sqrtApprox(float x) { return ftz(std::sqrt(ftz(x))); }
float sinApprox(float x) { return ftz(std::sin(ftz(x))); }
float cosApprox(float x) { return ftz(std::cos(ftz(x))); }
/// div.approx.f32 computes a * (1 / b): zero for |b| in [2^126, 2^128).
float divApprox(float a, float b) {
  a = ftz(a);
  b = ftz(b);
  if (std::isfinite(b) && std::fabs(b) >= 0x1p126f)
    return 0.0f;
  return ftz(a / b);
}
double rsqrt(double x) { return 1.0 / std::sqrt(x); }
float rsqrtf(float x) { return 1.0f / std::sqrt(x); }

#define KRED_LIBDEVICE(name, type)                                            \
  {"__nv_" #name, reinterpret_cast<void *>(static_cast<type>(&::name))}
using F1 = float (*)(float);
using F2 = float (*)(float, float);
using D1 = double (*)(double);
using D2 = double (*)(double, double);

const SimulatedFunction kFunctions[] = {
    {"kred.sim.access", reinterpret_cast<void *>(&accessHook)},
    {"kred.sim.shared", reinterpret_cast<void *>(&sharedHook)},
    {"llvm.nvvm.barrier.cta.sync.aligned.all", reinterpret_cast<void *>(&barrierAll)},
    {"llvm.nvvm.barrier.cta.sync.all", reinterpret_cast<void *>(&barrierAll)},
    {"llvm.nvvm.barrier0", reinterpret_cast<void *>(&barrier0)},
    {"llvm.nvvm.read.ptx.sreg.tid.x", reinterpret_cast<void *>(&tidX)},
    {"llvm.nvvm.read.ptx.sreg.tid.y", reinterpret_cast<void *>(&zero)},
    {"llvm.nvvm.read.ptx.sreg.tid.z", reinterpret_cast<void *>(&zero)},
    {"llvm.nvvm.read.ptx.sreg.ntid.x", reinterpret_cast<void *>(&ntidX)},
    {"llvm.nvvm.read.ptx.sreg.ntid.y", reinterpret_cast<void *>(&one)},
    {"llvm.nvvm.read.ptx.sreg.ntid.z", reinterpret_cast<void *>(&one)},
    {"llvm.nvvm.read.ptx.sreg.ctaid.x", reinterpret_cast<void *>(&ctaidX)},
    {"llvm.nvvm.read.ptx.sreg.ctaid.y", reinterpret_cast<void *>(&ctaidY)},
    {"llvm.nvvm.read.ptx.sreg.ctaid.z", reinterpret_cast<void *>(&zero)},
    {"llvm.nvvm.read.ptx.sreg.nctaid.x", reinterpret_cast<void *>(&nctaidX)},
    {"llvm.nvvm.read.ptx.sreg.nctaid.y", reinterpret_cast<void *>(&nctaidY)},
    {"llvm.nvvm.read.ptx.sreg.nctaid.z", reinterpret_cast<void *>(&one)},
    {"llvm.nvvm.read.ptx.sreg.warpsize", reinterpret_cast<void *>(&warpSize)},
    {"llvm.nvvm.read.ptx.sreg.laneid", reinterpret_cast<void *>(&laneId)},
    {"llvm.nvvm.ex2.approx.ftz.f32", reinterpret_cast<void *>(&ex2Approx)},
    {"llvm.nvvm.ex2.approx.ftz.f", reinterpret_cast<void *>(&ex2Approx)},
    {"llvm.nvvm.lg2.approx.ftz.f", reinterpret_cast<void *>(&lg2Approx)},
    {"llvm.nvvm.rsqrt.approx.ftz.f", reinterpret_cast<void *>(&rsqrtApprox)},
    {"llvm.nvvm.sqrt.approx.ftz.f", reinterpret_cast<void *>(&sqrtApprox)},
    {"llvm.nvvm.div.approx.ftz.f", reinterpret_cast<void *>(&divApprox)},
    {"llvm.nvvm.sin.approx.ftz.f", reinterpret_cast<void *>(&sinApprox)},
    {"llvm.nvvm.cos.approx.ftz.f", reinterpret_cast<void *>(&cosApprox)},
    {"__nv_rsqrtf", reinterpret_cast<void *>(&rsqrtf)},
    {"__nv_rsqrt", reinterpret_cast<void *>(&rsqrt)},
    KRED_LIBDEVICE(expf, F1), KRED_LIBDEVICE(exp, D1),
    KRED_LIBDEVICE(exp2f, F1), KRED_LIBDEVICE(exp2, D1),
    KRED_LIBDEVICE(expm1f, F1), KRED_LIBDEVICE(expm1, D1),
    KRED_LIBDEVICE(logf, F1), KRED_LIBDEVICE(log, D1),
    KRED_LIBDEVICE(log2f, F1), KRED_LIBDEVICE(log2, D1),
    KRED_LIBDEVICE(log1pf, F1), KRED_LIBDEVICE(log1p, D1),
    KRED_LIBDEVICE(sinf, F1), KRED_LIBDEVICE(sin, D1),
    KRED_LIBDEVICE(cosf, F1), KRED_LIBDEVICE(cos, D1),
    KRED_LIBDEVICE(tanf, F1), KRED_LIBDEVICE(tan, D1),
    KRED_LIBDEVICE(asinf, F1), KRED_LIBDEVICE(asin, D1),
    KRED_LIBDEVICE(acosf, F1), KRED_LIBDEVICE(acos, D1),
    KRED_LIBDEVICE(atanf, F1), KRED_LIBDEVICE(atan, D1),
    KRED_LIBDEVICE(atan2f, F2), KRED_LIBDEVICE(atan2, D2),
    KRED_LIBDEVICE(tanhf, F1), KRED_LIBDEVICE(tanh, D1),
    KRED_LIBDEVICE(erff, F1), KRED_LIBDEVICE(erf, D1),
    KRED_LIBDEVICE(powf, F2), KRED_LIBDEVICE(pow, D2),
    KRED_LIBDEVICE(sqrtf, F1), KRED_LIBDEVICE(sqrt, D1),
    KRED_LIBDEVICE(fabsf, F1), KRED_LIBDEVICE(fabs, D1),
    KRED_LIBDEVICE(floorf, F1), KRED_LIBDEVICE(floor, D1),
    KRED_LIBDEVICE(ceilf, F1), KRED_LIBDEVICE(ceil, D1),
    KRED_LIBDEVICE(roundf, F1), KRED_LIBDEVICE(round, D1),
    KRED_LIBDEVICE(fmodf, F2), KRED_LIBDEVICE(fmod, D2),
    KRED_LIBDEVICE(cbrtf, F1), KRED_LIBDEVICE(cbrt, D1),
};

} // namespace

llvm::ArrayRef<SimulatedFunction> sim::getSimulatedFunctions() {
  return kFunctions;
}

llvm::Expected<SimOptions> SimOptions::fromEnvironment() {
  SimOptions options;
  if (auto check = llvm::sys::Process::GetEnv("KRED_GPU_SIM_CHECK"))
    options.check = *check != "0";
  std::optional<std::string> order = llvm::sys::Process::GetEnv("KRED_GPU_SIM_ORDER");
  if (!order || order->empty() || *order == "forward")
    return options;
  llvm::StringRef text(*order);
  if (text == "reverse") {
    options.order = ThreadOrder::Reverse;
    return options;
  }
  if (text.consume_front("random")) {
    options.order = ThreadOrder::Random;
    if (text.empty() || (text.consume_front(":") &&
                         !text.getAsInteger(10, options.seed)))
      return options;
  }
  return llvm::createStringError(
      "KRED_GPU_SIM_ORDER is '" + *order +
      "'; expected forward, reverse, random or random:SEED");
}

llvm::Error sim::simulate(const SimLaunch &launch, const SimOptions &options) {
  return Simulation(launch, options).run();
}
