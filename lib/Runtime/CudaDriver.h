//===- CudaDriver.h - the CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// kred links no CUDA library: the driver (libcuda.so.1, installed with the
// NVIDIA driver) is dlopen'ed on first use, so kred builds, tests and runs
// on machines without one and reports "no CUDA driver" only when a GPU is
// asked for. Only the few entry points kred needs are declared, with the
// driver's C types written out.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_RUNTIME_CUDADRIVER_H
#define KRED_LIB_RUNTIME_CUDADRIVER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstddef>
#include <string>

namespace kred {
namespace runtime {
namespace cuda {

using Result = int;
using DeviceHandle = int;
using Context = void *;
using Module = void *;
using Function = void *;
using Stream = void *;
using DevicePointer = unsigned long long;

/// The entry points kred calls (the `_v2` versions where the driver has
/// them), all returning a CUresult.
struct Driver {
  Result (*init)(unsigned flags);
  Result (*deviceGetCount)(int *count);
  Result (*deviceGet)(DeviceHandle *device, int ordinal);
  Result (*deviceGetAttribute)(int *value, int attribute, DeviceHandle device);
  Result (*deviceGetName)(char *name, int length, DeviceHandle device);
  Result (*primaryContextRetain)(Context *context, DeviceHandle device);
  Result (*contextPushCurrent)(Context context);
  Result (*contextPopCurrent)(Context *context);
  Result (*moduleLoadData)(Module *module, const void *image);
  Result (*moduleUnload)(Module module);
  Result (*moduleGetFunction)(Function *function, Module module,
                              const char *name);
  Result (*launchKernel)(Function function, unsigned gridX, unsigned gridY,
                         unsigned gridZ, unsigned blockX, unsigned blockY,
                         unsigned blockZ, unsigned sharedBytes, Stream stream,
                         void **parameters, void **extra);
  Result (*streamSynchronize)(Stream stream);
  Result (*memAlloc)(DevicePointer *pointer, size_t bytes);
  Result (*memFree)(DevicePointer pointer);
  Result (*memcpyHtoD)(DevicePointer to, const void *from, size_t bytes);
  Result (*memcpyDtoH)(void *to, DevicePointer from, size_t bytes);
  Result (*getErrorString)(Result result, const char **text);
};

/// The driver, loaded and initialized once; or why it cannot be.
llvm::Expected<const Driver &> getDriver();

/// success, or an error "`what` failed: <the driver's message> (CUDA error N)".
llvm::Error check(Result result, llvm::StringRef what);

/// The number of CUDA devices (an error when there is no driver).
llvm::Expected<int> getDeviceCount();

/// Device `index`'s architecture, "sm_90", and name.
llvm::Expected<std::string> getDeviceChip(int index);
llvm::Expected<std::string> getDeviceName(int index);

/// Device `index`'s primary context, made current while it lives.
class ScopedContext {
public:
  static llvm::Expected<ScopedContext> enter(int index);
  ScopedContext(ScopedContext &&other) : active(other.active) {
    other.active = false;
  }
  ~ScopedContext();

private:
  ScopedContext() = default;
  bool active = false;
};

} // namespace cuda
} // namespace runtime
} // namespace kred

#endif // KRED_LIB_RUNTIME_CUDADRIVER_H
