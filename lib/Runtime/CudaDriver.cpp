//===- CudaDriver.cpp - dlopen libcuda.so.1 and look up its entry points --===//

#include "CudaDriver.h"

#include "llvm/Support/FormatVariadic.h"

#include <dlfcn.h>
#include <map>
#include <mutex>

using namespace kred::runtime;
using namespace kred::runtime::cuda;

namespace {
/// CUresult values and device attributes kred uses (cuda.h).
constexpr Result kSuccess = 0;
constexpr int kComputeCapabilityMajor = 75;
constexpr int kComputeCapabilityMinor = 76;

/// The driver or why there is none, computed once.
struct LoadedDriver {
  Driver driver{};
  std::string error;
};

template <typename Fn>
bool lookUp(void *library, const char *name, Fn &fn, std::string &missing) {
  fn = reinterpret_cast<Fn>(dlsym(library, name));
  if (!fn)
    missing += (missing.empty() ? "" : ", ") + std::string(name);
  return fn != nullptr;
}

LoadedDriver loadDriver() {
  LoadedDriver loaded;
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    loaded.error = "no CUDA driver: libcuda.so.1 cannot be loaded (" +
                   std::string(dlerror()) +
                   "); GPU kernels need an NVIDIA GPU and its driver";
    return loaded;
  }
  Driver &d = loaded.driver;
  std::string missing;
  lookUp(library, "cuInit", d.init, missing);
  lookUp(library, "cuDeviceGetCount", d.deviceGetCount, missing);
  lookUp(library, "cuDeviceGet", d.deviceGet, missing);
  lookUp(library, "cuDeviceGetAttribute", d.deviceGetAttribute, missing);
  lookUp(library, "cuDeviceGetName", d.deviceGetName, missing);
  lookUp(library, "cuDevicePrimaryCtxRetain", d.primaryContextRetain, missing);
  lookUp(library, "cuCtxPushCurrent_v2", d.contextPushCurrent, missing);
  lookUp(library, "cuCtxPopCurrent_v2", d.contextPopCurrent, missing);
  lookUp(library, "cuModuleLoadData", d.moduleLoadData, missing);
  lookUp(library, "cuModuleUnload", d.moduleUnload, missing);
  lookUp(library, "cuModuleGetFunction", d.moduleGetFunction, missing);
  lookUp(library, "cuLaunchKernel", d.launchKernel, missing);
  lookUp(library, "cuStreamSynchronize", d.streamSynchronize, missing);
  lookUp(library, "cuMemAlloc_v2", d.memAlloc, missing);
  lookUp(library, "cuMemFree_v2", d.memFree, missing);
  lookUp(library, "cuMemcpyHtoD_v2", d.memcpyHtoD, missing);
  lookUp(library, "cuMemcpyDtoH_v2", d.memcpyDtoH, missing);
  lookUp(library, "cuGetErrorString", d.getErrorString, missing);
  if (!missing.empty()) {
    loaded.error = "the CUDA driver libcuda.so.1 lacks " + missing +
                   "; update the NVIDIA driver";
    return loaded;
  }
  if (Result r = d.init(0); r != kSuccess)
    loaded.error = llvm::formatv("the CUDA driver failed to initialize (CUDA "
                                 "error {0}): no usable GPU",
                                 r)
                       .str();
  return loaded;
}

const LoadedDriver &loadedDriver() {
  static LoadedDriver loaded = loadDriver();
  return loaded;
}
} // namespace

llvm::Expected<const Driver &> cuda::getDriver() {
  const LoadedDriver &loaded = loadedDriver();
  if (!loaded.error.empty())
    return llvm::createStringError(loaded.error);
  return loaded.driver;
}

llvm::Error cuda::check(Result result, llvm::StringRef what) {
  if (result == kSuccess)
    return llvm::Error::success();
  const char *text = nullptr;
  if (const LoadedDriver &loaded = loadedDriver(); loaded.error.empty())
    loaded.driver.getErrorString(result, &text);
  return llvm::createStringError(
      llvm::formatv("{0} failed: {1} (CUDA error {2})", what,
                    text ? text : "unknown error", result)
          .str());
}

llvm::Expected<int> cuda::getDeviceCount() {
  auto driver = getDriver();
  if (!driver)
    return driver.takeError();
  int count = 0;
  if (llvm::Error err = check(driver->deviceGetCount(&count), "cuDeviceGetCount"))
    return std::move(err);
  return count;
}

/// The handle of device `index`, or an error naming how many there are.
static llvm::Expected<DeviceHandle> getDeviceHandle(int index) {
  auto count = getDeviceCount();
  if (!count)
    return count.takeError();
  if (index < 0 || index >= *count)
    return llvm::createStringError(llvm::formatv(
        "there is no CUDA device {0}: this machine has {1}", index, *count));
  DeviceHandle device;
  if (llvm::Error err = check(getDriver()->deviceGet(&device, index), "cuDeviceGet"))
    return std::move(err);
  return device;
}

llvm::Expected<std::string> cuda::getDeviceChip(int index) {
  auto device = getDeviceHandle(index);
  if (!device)
    return device.takeError();
  int major = 0, minor = 0;
  const Driver &d = *getDriver();
  if (llvm::Error err = check(
          d.deviceGetAttribute(&major, kComputeCapabilityMajor, *device),
          "cuDeviceGetAttribute"))
    return std::move(err);
  if (llvm::Error err = check(
          d.deviceGetAttribute(&minor, kComputeCapabilityMinor, *device),
          "cuDeviceGetAttribute"))
    return std::move(err);
  return llvm::formatv("sm_{0}{1}", major, minor).str();
}

llvm::Expected<std::string> cuda::getDeviceName(int index) {
  auto device = getDeviceHandle(index);
  if (!device)
    return device.takeError();
  char name[256] = {0};
  if (llvm::Error err = check(getDriver()->deviceGetName(name, sizeof(name) - 1, *device),
                              "cuDeviceGetName"))
    return std::move(err);
  return std::string(name);
}

llvm::Expected<ScopedContext> ScopedContext::enter(int index) {
  auto device = getDeviceHandle(index);
  if (!device)
    return device.takeError();
  const Driver &d = *getDriver();
  // Each device's primary context (the one torch uses), retained once.
  static std::mutex mutex;
  static std::map<int, Context> contexts;
  Context context;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = contexts.find(index);
    if (it == contexts.end()) {
      if (llvm::Error err = check(d.primaryContextRetain(&context, *device),
                                  "cuDevicePrimaryCtxRetain"))
        return std::move(err);
      it = contexts.emplace(index, context).first;
    }
    context = it->second;
  }
  if (llvm::Error err = check(d.contextPushCurrent(context), "cuCtxPushCurrent"))
    return std::move(err);
  ScopedContext scoped;
  scoped.active = true;
  return scoped;
}

ScopedContext::~ScopedContext() {
  if (!active)
    return;
  Context previous;
  getDriver()->contextPopCurrent(&previous);
}
