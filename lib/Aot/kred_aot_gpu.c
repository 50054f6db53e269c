/*===- kred_aot_gpu.c - GPU launches of AOT kernels through the driver ---===*
 *
 * Pasted by kred-aot --gpu-chip after kred_aot_runtime.c, with the PTX of
 * the kernels (kred_ptx) and each kernel's launch (kred_gpu_kernel). The
 * CUDA driver is opened at the first GPU call (dlopen: the library links
 * nothing of CUDA); the module is loaded once per CUDA context; launches
 * are GpuTarget.cpp's and GpuLaunch.cpp's: ceil(rows / block) blocks along
 * x, the flattened batch along y, each launched array's memref descriptor
 * fields as parameters, on the caller's stream, asynchronously.
 *
 *===----------------------------------------------------------------------===*/

#include <dlfcn.h>
#include <pthread.h>

typedef int kred_cu_result;
typedef void *kred_cu_handle; /* CUcontext, CUmodule, CUfunction, CUstream */

/* How a kernel is launched: its symbol in the PTX, the block size it was
 * compiled for and the positions of the arrays it takes. */
typedef struct kred_gpu_kernel {
  const char *symbol;
  int64_t block;
  int32_t num_launched;
  const int32_t *launched;
} kred_gpu_kernel;

/* Written after this file by kred-aot, which defines their sizes before it. */
static const char kred_ptx[KRED_PTX_BYTES];
static const kred_gpu_kernel kred_gpu_kernels[KRED_GPU_KERNEL_COUNT];
#define KRED_AOT_MAX_CONTEXTS 16

static struct {
  pthread_mutex_t mutex;
  int opened; /* 1: the entry points below are set; -1: failed (error) */
  char error[400];
  kred_cu_result (*init)(unsigned);
  kred_cu_result (*get_current)(kred_cu_handle *);
  kred_cu_result (*set_current)(kred_cu_handle);
  kred_cu_result (*device_get)(int *, int);
  kred_cu_result (*primary_retain)(kred_cu_handle *, int);
  kred_cu_result (*load_data)(kred_cu_handle *, const void *);
  kred_cu_result (*get_function)(kred_cu_handle *, kred_cu_handle, const char *);
  kred_cu_result (*launch)(kred_cu_handle, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, kred_cu_handle, void **,
                           void **);
  kred_cu_result (*error_string)(kred_cu_result, const char **);
  /* The module and functions loaded in each context. */
  int contexts;
  kred_cu_handle context[KRED_AOT_MAX_CONTEXTS];
  kred_cu_handle functions[KRED_AOT_MAX_CONTEXTS][KRED_GPU_KERNEL_COUNT];
} kred_cuda = {.mutex = PTHREAD_MUTEX_INITIALIZER};

static int kred_cuda_fail(kred_status *status, int code, const char *what,
                          kred_cu_result result) {
  const char *text = 0;
  if (!kred_cuda.error_string || kred_cuda.error_string(result, &text) || !text)
    text = "unknown error";
  kred_fail(status, "%s: CUDA error %d (%s)", what, result, text);
  if (status)
    status->code = code;
  return code;
}

/* dlopen and dlsym, once; under kred_cuda.mutex. */
static int kred_cuda_open(void) {
  if (kred_cuda.opened)
    return kred_cuda.opened;
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    snprintf(kred_cuda.error, sizeof kred_cuda.error,
             "no CUDA driver: libcuda.so.1 cannot be loaded (%s)", why ? why : "?");
    return kred_cuda.opened = -1;
  }
  struct { const char *name; void **slot; } entries[] = {
      {"cuInit", (void **)&kred_cuda.init},
      {"cuCtxGetCurrent", (void **)&kred_cuda.get_current},
      {"cuCtxSetCurrent", (void **)&kred_cuda.set_current},
      {"cuDeviceGet", (void **)&kred_cuda.device_get},
      {"cuDevicePrimaryCtxRetain", (void **)&kred_cuda.primary_retain},
      {"cuModuleLoadData", (void **)&kred_cuda.load_data},
      {"cuModuleGetFunction", (void **)&kred_cuda.get_function},
      {"cuLaunchKernel", (void **)&kred_cuda.launch},
      {"cuGetErrorString", (void **)&kred_cuda.error_string}};
  for (size_t k = 0; k < sizeof entries / sizeof entries[0]; ++k)
    if (!(*entries[k].slot = dlsym(library, entries[k].name))) {
      snprintf(kred_cuda.error, sizeof kred_cuda.error,
               "the CUDA driver libcuda.so.1 has no %s", entries[k].name);
      return kred_cuda.opened = -1;
    }
  kred_cu_result result = kred_cuda.init(0);
  if (result) {
    const char *text = 0;
    kred_cuda.error_string(result, &text);
    snprintf(kred_cuda.error, sizeof kred_cuda.error,
             "the CUDA driver does not start (cuInit): CUDA error %d (%s)", result,
             text ? text : "unknown error");
    return kred_cuda.opened = -1;
  }
  return kred_cuda.opened = 1;
}

/* The calling thread's context (device 0's primary context, made current,
 * when it has none) and the functions loaded in it; under the mutex. */
static int kred_cuda_functions(kred_cu_handle **functions, kred_status *status) {
  kred_cu_handle context = 0;
  kred_cu_result result = kred_cuda.get_current(&context);
  if (!result && !context) {
    int device = 0;
    result = kred_cuda.device_get(&device, 0);
    if (!result)
      result = kred_cuda.primary_retain(&context, device);
    if (!result)
      result = kred_cuda.set_current(context);
  }
  if (result)
    return kred_cuda_fail(status, KRED_DEVICE_ERROR, "no CUDA context for the GPU call",
                          result);
  for (int c = 0; c < kred_cuda.contexts; ++c)
    if (kred_cuda.context[c] == context)
      return *functions = kred_cuda.functions[c], KRED_OK;
  if (kred_cuda.contexts == KRED_AOT_MAX_CONTEXTS)
    return kred_fail(status, "GPU calls from more than %d CUDA contexts",
                     KRED_AOT_MAX_CONTEXTS);
  kred_cu_handle module = 0;
  if ((result = kred_cuda.load_data(&module, kred_ptx)))
    return kred_cuda_fail(status, KRED_DEVICE_ERROR,
                          "loading the library's PTX (cuModuleLoadData)", result);
  int c = kred_cuda.contexts;
  for (int k = 0; k < KRED_GPU_KERNEL_COUNT; ++k)
    if ((result = kred_cuda.get_function(&kred_cuda.functions[c][k], module,
                                         kred_gpu_kernels[k].symbol)))
      return kred_cuda_fail(status, KRED_DEVICE_ERROR,
                            "finding a kernel in the library's PTX", result);
  kred_cuda.context[c] = context;
  kred_cuda.contexts = c + 1;
  *functions = kred_cuda.functions[c];
  return KRED_OK;
}

/* Checks the arrays (device pointers of the current context) as a CPU call
 * does, then launches kernel `index` on `stream`. */
static int kred_gpu_run(const kred_kernel_info *kernel, int index,
                        const kred_array *args, void *stream, kred_status *status) {
  const kred_gpu_kernel *gpu = &kred_gpu_kernels[index];
  int64_t descriptors[64][3 + 2 * KRED_AOT_MAX_RANK];
  void *parameters[64 * (3 + 2 * KRED_AOT_MAX_RANK) + 1];
  kred_agreed agreed;
  int output = -1, count = 0, code;
  kred_cu_handle *functions = 0;
  if (kred_check_arguments(kernel, args, &agreed, status))
    return KRED_BAD_ARGUMENT;
  for (int a = 0; a < kernel->num_args && output < 0; ++a)
    if (kernel->args[a].role == KRED_OUTPUT)
      output = a;
  int64_t rows = args[output].shape[kernel->batch_dims], batches = 1;
  for (int k = 0; k < kernel->batch_dims; ++k)
    batches *= args[output].shape[k];
  if (rows == 0 || batches == 0)
    return kred_succeed(status);
  int64_t blocks = (rows + gpu->block - 1) / gpu->block;
  if (batches > 65535 || blocks > 0x7fffffff)
    return kred_fail(status, "kernel '%s': %lld batch entries of %lld rows exceed the "
                     "GPU's grid (at most 65535 batch entries)", kernel->name,
                     (long long)batches, (long long)rows);
  for (int p = 0; p < gpu->num_launched; ++p) {
    const kred_array *a = &args[gpu->launched[p]];
    int fields = kred_fill_descriptor(a, descriptors[p]);
    for (int f = 0; f < fields; ++f)
      parameters[count++] = &descriptors[p][f];
  }
  parameters[count] = 0; /* not read by CUDA; ends the list for tools */
  pthread_mutex_lock(&kred_cuda.mutex);
  if (kred_cuda_open() < 0) {
    kred_fail(status, "%s", kred_cuda.error);
    if (status)
      status->code = KRED_NO_DEVICE;
    code = KRED_NO_DEVICE;
  } else {
    code = kred_cuda_functions(&functions, status);
  }
  pthread_mutex_unlock(&kred_cuda.mutex);
  if (code)
    return code;
  kred_cu_result result =
      kred_cuda.launch(functions[index], (unsigned)blocks, (unsigned)batches, 1,
                       (unsigned)gpu->block, 1, 1, 0, stream, parameters, 0);
  if (result)
    return kred_cuda_fail(status, KRED_DEVICE_ERROR, "launching the GPU kernel", result);
  return kred_succeed(status);
}
