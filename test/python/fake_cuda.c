/* A stand-in CUDA driver (built as libcuda.so.1 by test_aot.py) that
 * records what an AOT library asks of it: contexts, the module, the
 * functions and each launch's grid, block and 64-bit parameters; it
 * executes nothing. fake_report() returns the record as text. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static char report[1 << 16];
static size_t used;
static void *current;
static char context_object, module_object, function_object;
static int fail_launch;

static void note(const char *format, long long a, long long b) {
  used += (size_t)snprintf(report + used, sizeof report - used, format, a, b);
}

const char *fake_report(void) { return report; }
void fake_fail_launches(int on) { fail_launch = on; }

int cuInit(unsigned flags) { note("init %lld\n", flags, 0); return 0; }
int cuCtxGetCurrent(void **context) { *context = current; return 0; }
int cuCtxSetCurrent(void *context) { current = context; note("set-current\n", 0, 0); return 0; }
int cuDeviceGet(int *device, int ordinal) { *device = ordinal; return 0; }
int cuDevicePrimaryCtxRetain(void **context, int device) {
  *context = &context_object;
  note("retain device %lld\n", device, 0);
  return 0;
}
int cuModuleLoadData(void **module, const void *image) {
  *module = &module_object;
  used += (size_t)snprintf(report + used, sizeof report - used, "load %.40s|%zu\n",
                           (const char *)image, strlen((const char *)image));
  return 0;
}
int cuModuleGetFunction(void **function, void *module, const char *name) {
  *function = &function_object;
  used += (size_t)snprintf(report + used, sizeof report - used, "function %s\n", name);
  return 0;
}
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                   unsigned by, unsigned bz, unsigned shared, void *stream,
                   void **params, void **extra) {
  if (fail_launch)
    return 700;
  note("launch grid %lld %lld", gx, gy);
  note(" %lld block %lld", gz, bx);
  note(" %lld %lld", by, bz);
  note(" shared %lld stream %lld params", shared, (long long)(intptr_t)stream);
  /* The AOT library ends its parameters with a null pointer. */
  for (int k = 0; k < 512 && params[k]; ++k)
    note(" %lld%.0lld", *(int64_t *)params[k], 0);
  note("\n", 0, 0);
  return 0;
}
int cuGetErrorString(int error, const char **text) {
  *text = error == 700 ? "an illegal memory access was encountered" : "fake error";
  return 0;
}
