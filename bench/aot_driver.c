/* bench/aot.sh's driver: loads an AOT library with dlopen, runs the seed's
 * Gaussian convolution once on N x M uniform points and prints the time to
 * load, the first call's and a second call's. */
#include "gauss.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s libgauss.so N M\n", argv[0]);
    return 2;
  }
  int64_t n = atoll(argv[2]), m = atoll(argv[3]);
  float *x = malloc(sizeof(float) * n * 3), *y = malloc(sizeof(float) * m * 3);
  float *b = malloc(sizeof(float) * m), *out = malloc(sizeof(float) * n);
  for (int64_t k = 0; k < n * 3; ++k) x[k] = (float)rand() / RAND_MAX;
  for (int64_t k = 0; k < m * 3; ++k) y[k] = (float)rand() / RAND_MAX;
  for (int64_t k = 0; k < m; ++k) b[k] = (float)rand() / RAND_MAX;
  int64_t xs[] = {n, 3}, ys[] = {m, 3}, bs[] = {m, 1}, os[] = {n, 1};
  kred_array X = {x, KRED_FLOAT32, 2, xs, NULL}, Y = {y, KRED_FLOAT32, 2, ys, NULL};
  kred_array B = {b, KRED_FLOAT32, 2, bs, NULL}, O = {out, KRED_FLOAT32, 2, os, NULL};
  kred_status status;

  double start = now();
  void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  int (*kernel)(const kred_array *, const kred_array *, const kred_array *,
                kred_array *, kred_status *) = dlsym(library, "gauss_kernel");
  double loaded = now();
  if (!kernel || kernel(&X, &Y, &B, &O, &status) != KRED_OK) {
    fprintf(stderr, "gauss_kernel failed: %s\n", kernel ? status.message : "no symbol");
    return 1;
  }
  double first = now();
  kernel(&X, &Y, &B, &O, &status);
  double second = now();
  printf("load %.6f s, first call %.6f s, second call %.6f s (N = %lld, M = %lld)\n",
         loaded - start, first - loaded, second - first, (long long)n, (long long)m);
  return 0;
}
