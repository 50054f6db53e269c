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

int main() {
  const char *source = "module {}";
  CpuTargetOptions defaults;
  if (int rc = checkRoundTrip(defaults))
    return rc;
  std::string defaultKey = runtime::getKernelCacheKey(source, defaults);
  int options = 0;
#define KRED_CHECK_OPTION(type, member, flag, initial, help)                   \
  {                                                                            \
    ++options;                                                                 \
    CpuTargetOptions other;                                                    \
    other.member = changed(other.member);                                      \
    if (int rc = checkRoundTrip(other))                                        \
      return rc;                                                               \
    if (other.str() == defaults.str())                                         \
      return fail(llvm::Twine("changing ") + flag + " leaves the string");     \
    if (runtime::getKernelCacheKey(source, other) == defaultKey)               \
      return fail(llvm::Twine("changing ") + flag + " leaves the cache key");  \
    if (other.str().find(flag) == std::string::npos)                           \
      return fail(llvm::Twine(flag) + " is not in '" + other.str() + "'");     \
  }
  KRED_CPU_PIPELINE_OPTIONS(KRED_CHECK_OPTION)
#undef KRED_CHECK_OPTION
  if (options != 9)
    return fail("expected 9 options, found " + llvm::Twine(options));
  // The GPU pipeline's options, from their own table.
  GpuTargetOptions gpuDefaults;
  if (int rc = checkRoundTrip(gpuDefaults))
    return rc;
  int gpuOptions = 0;
#define KRED_CHECK_GPU_OPTION(type, member, flag, initial, help)               \
  {                                                                            \
    ++gpuOptions;                                                              \
    GpuTargetOptions other;                                                    \
    other.member = changed(other.member);                                      \
    if (int rc = checkRoundTrip(other))                                        \
      return rc;                                                               \
    if (other.str() == gpuDefaults.str())                                      \
      return fail(llvm::Twine("changing ") + flag + " leaves the string");     \
  }
  KRED_GPU_PIPELINE_OPTIONS(KRED_CHECK_GPU_OPTION)
#undef KRED_CHECK_GPU_OPTION
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
