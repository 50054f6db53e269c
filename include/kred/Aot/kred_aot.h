/*===- kred_aot.h - the C ABI of ahead-of-time kred kernel libraries -----===*
 *
 * kred-aot FILE -o libNAME.so writes libNAME.so and NAME.h; NAME.h holds
 * this header, then one function per kernel:
 *
 *   int NAME_KERNEL(const kred_array *X, ..., kred_array *out...,
 *                   kred_status *status);
 *
 * with the inputs in the kernel's order (a formula's aliases by position),
 * then its outputs, then - for a block-sparse kernel (kred-aot --ranges) -
 * KeOps' six int64 ranges arrays: ranges_i [Ci, 2], slices_i [Ci],
 * redranges_j [Rj, 2], ranges_j [Cj, 2], slices_j [Cj], redranges_i [Ri, 2]
 * (pykeops' layout; checked before any work). Arrays are C-contiguous, of
 * the kernel's dtype:
 * an i-variable of dimension D is [batch..., N, D], a j-variable
 * [batch..., M, D], a parameter [batch..., D], an output [batch..., rows, E]
 * (rows: N when the reduction is over j); batch dimensions of size 1
 * broadcast, outputs carry the full batch shape. A call returns KRED_OK, or
 * KRED_BAD_ARGUMENT with a message in `status` (if not NULL) naming the
 * array and what was expected, without running. The library needs only the
 * C library and the OpenMP runtime (libomp). A library written with
 * --gpu-chip also has NAME_KERNEL_gpu(..., void *stream, kred_status *):
 * the same arrays in GPU memory (see kred_kernel_info.gpu_call), run
 * through the CUDA driver, which it opens when first called.
 *
 *===----------------------------------------------------------------------===*/

#ifndef KRED_AOT_H
#define KRED_AOT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types (NumPy's names: float16, bfloat16, float32, float64, int64). */
typedef enum kred_dtype {
  KRED_FLOAT16 = 0,
  KRED_BFLOAT16 = 1,
  KRED_FLOAT32 = 2,
  KRED_FLOAT64 = 3,
  KRED_INT64 = 4
} kred_dtype;

/* A caller-owned array. strides: in elements, NULL for C-contiguous. */
typedef struct kred_array {
  void *data;
  kred_dtype dtype;
  int32_t rank;
  const int64_t *shape;
  const int64_t *strides;
} kred_array;

/* KRED_NO_DEVICE: a GPU call where the CUDA driver cannot be loaded or
 * started; KRED_DEVICE_ERROR: the driver refused (the message has its
 * error). */
enum { KRED_OK = 0, KRED_BAD_ARGUMENT = 1, KRED_NO_DEVICE = 2, KRED_DEVICE_ERROR = 3 };

typedef struct kred_status {
  int code;
  char message[512];
} kred_status;

/* What an argument of a kernel holds. */
typedef enum kred_role {
  KRED_I_VARIABLE = 0,
  KRED_J_VARIABLE = 1,
  KRED_PARAMETER = 2,
  KRED_UNUSED = 3,
  KRED_OUTPUT = 4,
  KRED_RANGES = 5 /* one of the six block-sparse ranges arrays */
} kred_role;

typedef struct kred_arg_info {
  const char *name; /* the alias ("X"), or "output #k" */
  kred_role role;
  kred_dtype dtype;
  int32_t rank;     /* batch + 2 for variables and outputs, batch + 1 for parameters */
  int64_t dim;      /* the last dimension */
} kred_arg_info;

/* A kernel of the library, for callers that discover them (kred.aot). */
typedef struct kred_kernel_info {
  const char *name;
  int32_t batch_dims;
  int32_t outputs_indexed_by_i; /* 1: reduction over j, outputs have N rows */
  int32_t num_args;             /* inputs, then outputs, then any ranges */
  const kred_arg_info *args;
  /* Runs the kernel on num_args arrays, checked first. */
  int (*call)(const kred_array *args, kred_status *status);
  /* The shape of output `output` (0-based among outputs) for the inputs
   * given (the arrays before the outputs), checked as a call is:
   * shape receives batch_dims + 2 sizes. */
  int (*output_shape)(const kred_array *inputs, int32_t output, int64_t *shape,
                      kred_status *status);
  /* The GPU kernel (a library written with --gpu-chip), else NULL: the
   * arrays' data are device pointers (CUdeviceptr) of the calling thread's
   * CUDA context (device 0's primary context, made current, if it has
   * none); launched on `stream` (a CUstream, NULL: the default stream),
   * asynchronously, as CUDA launches are. */
  int (*gpu_call)(const kred_array *args, void *stream, kred_status *status);
  /* The most terms one output row may reduce (the K-best reductions keep
   * 32-bit indices). */
  int64_t max_terms;
} kred_kernel_info;

/* Every library exports NAME_kernels: its kernels, *count of them. */
typedef const kred_kernel_info *(*kred_kernels_fn)(int32_t *count);

#ifdef __cplusplus
}
#endif

#endif /* KRED_AOT_H */
