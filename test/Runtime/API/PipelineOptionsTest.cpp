//===- PipelineOptionsTest.cpp - one option string, one cache key ---------===//
//
// The pipelines' options are defined once (KRED_CPU_PIPELINE_OPTIONS,
// KRED_GPU_PIPELINE_OPTIONS):
// their string round-trips through the parser kred-opt uses, and changing
// any single option changes both the string and the kernel cache key.
// Prints "PASS" or the first failure.
//
//===----------------------------------------------------------------------===//

#include "kred/Runtime/Runtime.h"

#include "llvm/Support/raw_ostream.h"

using namespace kred;

static int fail(const llvm::Twine &message) {
  llvm::outs() << "FAIL: " << message << "\n";
  return 1;
}

/// A value different from `value` and from any host default.
static bool changed(bool value) { return !value; }
static int64_t changed(int64_t value) { return value * 2 + 5; }
static int changed(int value) { return value * 2 + 5; }
static std::string changed(const std::string &value) { return value + "_x"; }

template <typename Options>
static int checkRoundTrip(const Options &options) {
  auto parsed = Options::parse(options.str());
  if (!parsed)
    return fail("cannot parse '" + options.str() +
                "': " + llvm::toString(parsed.takeError()));
  if (!(*parsed == options) || parsed->str() != options.str())
    return fail("'" + options.str() + "' parses to '" + parsed->str() + "'");
  return 0;
}

/// A single changed option `flag` round-trips, changes the option string
/// and is named in it.
template <typename Options>
static int checkChanged(const Options &other, const Options &defaults,
                        const char *flag) {
  if (int rc = checkRoundTrip(other))
    return rc;
  if (other.str() == defaults.str())
    return fail(llvm::Twine("changing ") + flag + " leaves the string");
  if (other.str().find(flag) == std::string::npos)
    return fail(llvm::Twine(flag) + " is not in '" + other.str() + "'");
  return 0;
}

/// The CPU options change the kernel cache key too.
static int checkCacheKey(const CpuTargetOptions &other, const char *flag) {
  const char *source = "module {}";
  if (runtime::getKernelCacheKey(source, other) ==
      runtime::getKernelCacheKey(source, CpuTargetOptions()))
    return fail(llvm::Twine("changing ") + flag + " leaves the cache key");
  return 0;
}
static int checkCacheKey(const GpuTargetOptions &, const char *) { return 0; }

/// Checks each option of `Options`' table (`table`); returns the number of
/// options, or -1 after a failure.
#define KRED_CHECK_TABLE(Options, table)                                       \
  [] {                                                                         \
    using Checked = Options;                                                   \
    int count = 0;                                                             \
    if (checkRoundTrip(Options()))                                             \
      return -1;                                                               \
    table(KRED_CHECK_OPTION)                                                   \
    return count;                                                              \
  }()
#define KRED_CHECK_OPTION(type, member, flag, initial, help)                   \
  {                                                                            \
    ++count;                                                                   \
    Checked other;                                                             \
    other.member = changed(other.member);                                      \
    if (checkChanged(other, Checked(), flag) ||                                \
        checkCacheKey(other, flag))                                            \
      return -1;                                                               \
  }

int main() {
  CpuTargetOptions defaults;
  int options = KRED_CHECK_TABLE(CpuTargetOptions, KRED_CPU_PIPELINE_OPTIONS);
  if (options < 0)
    return 1;
  if (options != 13)
    return fail("expected 13 options, found " + llvm::Twine(options));
  // The GPU pipeline's options, from their own table.
  int gpuOptions =
      KRED_CHECK_TABLE(GpuTargetOptions, KRED_GPU_PIPELINE_OPTIONS);
  if (gpuOptions < 0)
    return 1;
  if (gpuOptions != 7)
    return fail("expected 7 GPU options, found " + llvm::Twine(gpuOptions));
  // The string is what kred-opt's --kred-cpu-pipeline takes.
  auto parsed = CpuTargetOptions::parse("tile-i=16 rows-per-chunk=1");
  if (!parsed || parsed->tileI != 16 || parsed->rowsPerChunk != 1 ||
      parsed->tileJ != defaults.tileJ)
    return fail("'tile-i=16 rows-per-chunk=1' parsed wrongly");
  if (runtime::getKernelCacheKey("module {}", defaults) ==
      runtime::getKernelCacheKey("module { }", defaults))
    return fail("the cache key ignores the IR");
  llvm::outs() << "PASS: " << options << " options, " << gpuOptions
               << " GPU options\n";
  return 0;
}
