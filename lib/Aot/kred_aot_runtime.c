/*===- kred_aot_runtime.c - argument checks and calls of AOT kernels -----===*
 *
 * Pasted by kred-aot into the C file of each library it writes, after
 * kred_aot.h: every function is static. The rules and messages are the
 * runtime's (lib/Runtime/Signature.cpp: checkArguments, getOutputShapes;
 * CpuTarget.cpp: small calls on one thread; BlockSparse.cpp: the ranges),
 * for a library that cannot link it; test/python/test_aot.py checks the
 * messages against it.
 *
 *===----------------------------------------------------------------------===*/

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define KRED_AOT_MAX_RANK 16
/* Below this many (i, j) pairs a kernel runs on one thread. */
#define KRED_AOT_SERIAL_PAIRS 131072.0

int omp_get_max_threads(void);
void omp_set_num_threads(int);

static int kred_fail(kred_status *status, const char *format, ...) {
  if (status) {
    va_list args;
    va_start(args, format);
    status->code = KRED_BAD_ARGUMENT;
    vsnprintf(status->message, sizeof status->message, format, args);
    va_end(args);
  }
  return KRED_BAD_ARGUMENT;
}

static int kred_succeed(kred_status *status) {
  if (status) {
    status->code = KRED_OK;
    status->message[0] = 0;
  }
  return KRED_OK;
}

static const char *kred_dtype_name(kred_dtype dtype) {
  static const char *const names[] = {"float16", "bfloat16", "float32",
                                      "float64", "int64"};
  return (unsigned)dtype < 5 ? names[dtype] : "an unknown dtype";
}

/* "[2, 3]" into out. */
static const char *kred_shape_string(const int64_t *shape, int rank,
                                     char *out, size_t size) {
  size_t used = (size_t)snprintf(out, size, "[");
  for (int k = 0; k < rank && used < size; ++k)
    used += (size_t)snprintf(out + used, size - used, "%s%lld", k ? ", " : "",
                             (long long)shape[k]);
  if (used < size)
    snprintf(out + used, size - used, "]");
  return out;
}

/* 0: rows indexed by i, 1: by j, -1: no rows. */
static int kred_row_axis(const kred_kernel_info *kernel, kred_role role) {
  switch (role) {
  case KRED_I_VARIABLE: return 0;
  case KRED_J_VARIABLE: return 1;
  case KRED_OUTPUT: return kernel->outputs_indexed_by_i ? 0 : 1;
  default: return -1;
  }
}

static int kred_is_contiguous(const kred_array *a) {
  int64_t expected = 1;
  if (!a->strides)
    return 1;
  for (int k = a->rank - 1; k >= 0; --k) {
    if (a->shape[k] != 1 && a->strides[k] != expected)
      return 0;
    expected *= a->shape[k];
  }
  return 1;
}

/* The dtype, layout and data pointer of one array. */
static int kred_check_placement(const kred_arg_info *spec, const kred_array *a,
                                kred_status *status) {
  char shape[256], strides[256];
  int64_t elements = 1;
  if (a->rank < 0 || a->rank > KRED_AOT_MAX_RANK || (a->rank && !a->shape))
    return kred_fail(status, "'%s' has rank %d, expected %d", spec->name,
                     a->rank, spec->rank);
  if (!kred_is_contiguous(a))
    return kred_fail(status,
                     "'%s' has strides %s (in elements) for shape %s; kernels "
                     "take C-contiguous arrays",
                     spec->name,
                     kred_shape_string(a->strides, a->rank, strides, sizeof strides),
                     kred_shape_string(a->shape, a->rank, shape, sizeof shape));
  if (a->dtype != spec->dtype)
    return kred_fail(status, "'%s' has dtype %s, expected %s", spec->name,
                     kred_dtype_name(a->dtype), kred_dtype_name(spec->dtype));
  for (int k = 0; k < a->rank; ++k)
    elements *= a->shape[k];
  if (!a->data && elements != 0)
    return kred_fail(status, "'%s' has no data pointer", spec->name);
  return KRED_OK;
}

/* What the arrays agree on: the batch shape, the rows along i and j. */
typedef struct kred_agreed {
  int64_t batch[KRED_AOT_MAX_RANK];
  int64_t rows[2];
  int from[2]; /* the argument that gave rows[axis]; -1: none yet; -2: the axis has no variable */
} kred_agreed;

/* Rank, last dimension, batch broadcasting and rows of the first `count`
 * arguments; outputs among them must carry the full batch shape. */
static int kred_check_shapes(const kred_kernel_info *kernel,
                             const kred_array *args, int count,
                             kred_agreed *agreed, kred_status *status) {
  int batch = kernel->batch_dims;
  char shape[256];
  for (int k = 0; k < batch; ++k)
    agreed->batch[k] = 1;
  for (int axis = 0; axis < 2; ++axis) {
    int indexed = 0;
    for (int a = 0; a < kernel->num_args; ++a)
      indexed |= kernel->args[a].role != KRED_OUTPUT &&
                 kred_row_axis(kernel, kernel->args[a].role) == axis;
    agreed->from[axis] = indexed ? -1 : -2;
    agreed->rows[axis] = 1;
  }
  for (int a = 0; a < count; ++a) {
    const kred_arg_info *spec = &kernel->args[a];
    const kred_array *array = &args[a];
    if (spec->role == KRED_RANGES) {
      int pairs = spec->rank == 2;
      if (array->rank != spec->rank || (pairs && array->shape[1] != 2))
        return kred_fail(status, "ranges array '%s' has shape %s, expected %s",
                         spec->name,
                         kred_shape_string(array->shape, array->rank, shape, sizeof shape),
                         pairs ? "[clusters, 2] ([start, end) pairs)"
                               : "[clusters] (slice ends)");
      continue;
    }
    if (array->rank != spec->rank)
      return kred_fail(status, "'%s' has shape %s, expected %d dimensions (%s)",
                       spec->name,
                       kred_shape_string(array->shape, array->rank, shape, sizeof shape),
                       spec->rank,
                       spec->role == KRED_PARAMETER ? "[batch..., D]"
                                                    : "[batch..., rows, D]");
    for (int k = 0; k < array->rank; ++k)
      if (array->shape[k] < 0)
        return kred_fail(status, "'%s' has a negative dimension", spec->name);
    if (array->shape[array->rank - 1] != spec->dim)
      return kred_fail(status, "'%s' has shape %s, but its last dimension must be %lld",
                       spec->name,
                       kred_shape_string(array->shape, array->rank, shape, sizeof shape),
                       (long long)spec->dim);
    for (int k = 0; k < batch && spec->role != KRED_OUTPUT; ++k) {
      int64_t d = array->shape[k];
      if (d == 1)
        continue;
      if (agreed->batch[k] != 1 && agreed->batch[k] != d)
        return kred_fail(status,
                         "'%s' has batch dimension %d of size %lld, but another "
                         "array has %lld (sizes must match or be 1)",
                         spec->name, k, (long long)d, (long long)agreed->batch[k]);
      agreed->batch[k] = d;
    }
    int axis = kred_row_axis(kernel, spec->role);
    if (axis < 0)
      continue;
    int64_t n = array->shape[batch];
    if (agreed->from[axis] == -1) {
      agreed->rows[axis] = n;
      agreed->from[axis] = a;
    } else if (agreed->rows[axis] != n && agreed->from[axis] == -2) {
      return kred_fail(status,
                       "'%s' has %lld rows, expected 1: the formula has no "
                       "%c-variable, so its %c axis has one row",
                       spec->name, (long long)n, axis ? 'j' : 'i', axis ? 'j' : 'i');
    } else if (agreed->rows[axis] != n) {
      return kred_fail(status, "'%s' has %lld rows, but '%s' has %lld; both are indexed by %c",
                       spec->name, (long long)n,
                       kernel->args[agreed->from[axis]].name,
                       (long long)agreed->rows[axis], axis ? 'j' : 'i');
    }
  }
  for (int a = 0; a < count; ++a) {
    if (kernel->args[a].role != KRED_OUTPUT)
      continue;
    for (int k = 0; k < batch; ++k)
      if (args[a].shape[k] != agreed->batch[k])
        return kred_fail(status,
                         "'%s' has batch dimension %d of size %lld, expected "
                         "%lld (the broadcast batch shape of the inputs)",
                         kernel->args[a].name, k, (long long)args[a].shape[k],
                         (long long)agreed->batch[k]);
  }
  int reduced = kernel->outputs_indexed_by_i ? 1 : 0;
  if (agreed->from[reduced] >= 0 && agreed->rows[reduced] > kernel->max_terms)
    return kred_fail(status,
                     "'%s' has %lld rows, but kernel '%s' reduces at most %lld terms "
                     "per output row (its K best terms keep 32-bit indices)",
                     kernel->args[agreed->from[reduced]].name,
                     (long long)agreed->rows[reduced], kernel->name,
                     (long long)kernel->max_terms);
  return KRED_OK;
}

static int kred_count_role(const kred_kernel_info *kernel, kred_role role) {
  int count = 0;
  for (int a = 0; a < kernel->num_args; ++a)
    count += kernel->args[a].role == role;
  return count;
}

/* One [start, end) pair array or one slice-ends array. */
typedef struct kred_ranges_array {
  const char *name;
  const int64_t *data;
  int64_t length;
} kred_ranges_array;

static kred_ranges_array kred_ranges_view(const kred_array *a, const char *name) {
  kred_ranges_array view = {name, (const int64_t *)a->data, a->shape[0]};
  return view;
}

/* Pairs within [0, rows], start <= end; with `disjoint`, also sorted
 * without overlap (clusters reduced in parallel write their own rows). */
static int kred_check_pairs(kred_ranges_array a, int64_t rows, int disjoint,
                            kred_status *status) {
  int64_t previous_end = 0;
  for (int64_t k = 0; k < a.length; ++k) {
    long long start = a.data[2 * k], end = a.data[2 * k + 1];
    if (start < 0 || start > end || end > rows)
      return kred_fail(status, "invalid block-sparse ranges: %s[%lld] = [%lld, %lld) is "
                       "not a range of rows within [0, %lld)",
                       a.name, (long long)k, start, end, (long long)rows);
    if (disjoint && start < previous_end)
      return kred_fail(status, "invalid block-sparse ranges: %s[%lld] = [%lld, %lld) "
                       "overlaps or precedes the previous cluster, which ends at %lld; "
                       "clusters must be sorted and disjoint",
                       a.name, (long long)k, start, end, (long long)previous_end);
    previous_end = end;
  }
  return KRED_OK;
}

/* One slice end per cluster, non-decreasing, within the reduced ranges. */
static int kred_check_slices(kred_ranges_array slices, kred_ranges_array clusters,
                             kred_ranges_array reduced, kred_status *status) {
  int64_t previous = 0;
  if (slices.length != clusters.length)
    return kred_fail(status, "invalid block-sparse ranges: %s has %lld entries, but %s "
                     "has %lld clusters", slices.name, (long long)slices.length,
                     clusters.name, (long long)clusters.length);
  for (int64_t k = 0; k < slices.length; ++k) {
    int64_t end = slices.data[k];
    if (end < previous || end > reduced.length)
      return kred_fail(status, "invalid block-sparse ranges: %s[%lld] = %lld is not a "
                       "slice end within [%lld, %lld] (slice ends are non-decreasing "
                       "indices into %s)", slices.name, (long long)k, (long long)end,
                       (long long)previous, (long long)reduced.length, reduced.name);
    previous = end;
  }
  return KRED_OK;
}

/* KeOps' six arrays, from `ranges` on: every entry before any work. */
static int kred_check_ranges(const kred_array *ranges, const int64_t rows[2],
                             kred_status *status) {
  static const char *const names[] = {"ranges_i", "slices_i", "redranges_j",
                                      "ranges_j", "slices_j", "redranges_i"};
  for (int side = 0; side < 2; ++side) {
    kred_ranges_array clusters = kred_ranges_view(&ranges[3 * side], names[3 * side]);
    kred_ranges_array slices = kred_ranges_view(&ranges[3 * side + 1], names[3 * side + 1]);
    kred_ranges_array reduced = kred_ranges_view(&ranges[3 * side + 2], names[3 * side + 2]);
    if (kred_check_pairs(clusters, rows[side], 1, status) ||
        kred_check_slices(slices, clusters, reduced, status) ||
        kred_check_pairs(reduced, rows[1 - side], 0, status))
      return KRED_BAD_ARGUMENT;
  }
  return KRED_OK;
}

static int kred_output_shape(const kred_kernel_info *kernel,
                             const kred_array *inputs, int32_t output,
                             int64_t *shape, kred_status *status) {
  int outputs = kred_count_role(kernel, KRED_OUTPUT);
  int count = kernel->num_args - outputs - kred_count_role(kernel, KRED_RANGES);
  kred_agreed agreed;
  if (output < 0 || output >= outputs)
    return kred_fail(status, "kernel '%s' has %d outputs, not an output #%d",
                     kernel->name, outputs, output);
  for (int a = 0; a < count; ++a)
    if (kred_check_placement(&kernel->args[a], &inputs[a], status))
      return KRED_BAD_ARGUMENT;
  if (kred_check_shapes(kernel, inputs, count, &agreed, status))
    return KRED_BAD_ARGUMENT;
  for (int k = 0; k < kernel->batch_dims; ++k)
    shape[k] = agreed.batch[k];
  shape[kernel->batch_dims] = agreed.rows[kernel->outputs_indexed_by_i ? 0 : 1];
  shape[kernel->batch_dims + 1] = kernel->args[count + output].dim;
  return KRED_OK;
}

/* Every array of a call: layout, dtype, shapes, ranges. */
static int kred_check_arguments(const kred_kernel_info *kernel, const kred_array *args,
                                kred_agreed *agreed, kred_status *status) {
  if (kernel->num_args > 64)
    return kred_fail(status, "kernel '%s' takes more than 64 arrays", kernel->name);
  for (int a = 0; a < kernel->num_args; ++a)
    if (kred_check_placement(&kernel->args[a], &args[a], status))
      return KRED_BAD_ARGUMENT;
  if (kred_check_shapes(kernel, args, kernel->num_args, agreed, status))
    return KRED_BAD_ARGUMENT;
  int ranges = kred_count_role(kernel, KRED_RANGES);
  if (ranges && kred_check_ranges(&args[kernel->num_args - ranges], agreed->rows, status))
    return KRED_BAD_ARGUMENT;
  return KRED_OK;
}

/* An array's memref descriptor, {allocated, aligned, offset, sizes...,
 * strides...}, into d; returns its number of fields. */
static int kred_fill_descriptor(const kred_array *a, int64_t *d) {
  int rank = a->rank;
  int64_t stride = 1;
  d[0] = d[1] = (int64_t)(intptr_t)a->data;
  d[2] = 0;
  for (int k = rank - 1; k >= 0; --k) {
    d[3 + k] = a->shape[k];
    d[3 + rank + k] = stride;
    stride *= a->shape[k];
  }
  return 3 + 2 * rank;
}

/* Checks the arrays, then calls `entry` with one memref descriptor per
 * array. */
static int kred_run(const kred_kernel_info *kernel, void (*entry)(void **),
                    const kred_array *args, kred_status *status) {
  int64_t descriptors[64][3 + 2 * KRED_AOT_MAX_RANK];
  void *pointers[64];
  kred_agreed agreed;
  double pairs = 1;
  if (kred_check_arguments(kernel, args, &agreed, status))
    return KRED_BAD_ARGUMENT;
  for (int a = 0; a < kernel->num_args; ++a) {
    kred_fill_descriptor(&args[a], descriptors[a]);
    pointers[a] = descriptors[a];
  }
  for (int k = 0; k < kernel->batch_dims; ++k)
    pairs *= (double)agreed.batch[k];
  pairs *= (double)agreed.rows[0] * (double)agreed.rows[1];
  int threads = omp_get_max_threads();
  int serial = threads > 1 && pairs < KRED_AOT_SERIAL_PAIRS;
  if (serial)
    omp_set_num_threads(1);
  entry(pointers);
  if (serial)
    omp_set_num_threads(threads);
  return kred_succeed(status);
}
