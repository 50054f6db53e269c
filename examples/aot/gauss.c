/* A C program calling an ahead-of-time kred kernel: the seed's Gaussian
 * convolution (bench/gaussian_conv.kf) from libgauss.so, checked against a
 * float64 loop, then given a wrong shape.
 *
 *   kred-aot bench/gaussian_conv.kf -o out/libgauss.so
 *   cc gauss.c -Iout -Lout -lgauss -Wl,-rpath,out -lm -o gauss && ./gauss 2000 */
#include "gauss.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float uniform(unsigned *state) {
  *state = *state * 1664525u + 1013904223u;
  return (float)(*state >> 8) / 16777216.0f * 2.0f - 1.0f;
}

int main(int argc, char **argv) {
  int64_t n = argc > 1 ? atoll(argv[1]) : 1000, m = n + 17;
  float *x = malloc(sizeof(float) * n * 3), *y = malloc(sizeof(float) * m * 3);
  float *b = malloc(sizeof(float) * m), *out = malloc(sizeof(float) * n);
  unsigned state = 1;
  for (int64_t k = 0; k < n * 3; ++k) x[k] = uniform(&state);
  for (int64_t k = 0; k < m * 3; ++k) y[k] = uniform(&state);
  for (int64_t k = 0; k < m; ++k) b[k] = uniform(&state);

  int64_t xs[] = {n, 3}, ys[] = {m, 3}, bs[] = {m, 1}, os[] = {n, 1};
  kred_array X = {x, KRED_FLOAT32, 2, xs, NULL}, Y = {y, KRED_FLOAT32, 2, ys, NULL};
  kred_array B = {b, KRED_FLOAT32, 2, bs, NULL}, O = {out, KRED_FLOAT32, 2, os, NULL};
  kred_status status;
  if (gauss_kernel(&X, &Y, &B, &O, &status) != KRED_OK) {
    fprintf(stderr, "gauss_kernel: %s\n", status.message);
    return 1;
  }
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0, scale = 0;
    for (int64_t j = 0; j < m; ++j) {
      double d = 0;
      for (int k = 0; k < 3; ++k) {
        double t = (double)x[i * 3 + k] - y[j * 3 + k];
        d += t * t;
      }
      sum += exp(-d) * b[j];
      scale += exp(-d) * fabs(b[j]);
    }
    double error = fabs(out[i] - sum) / (scale + 1e-30);
    if (error > worst) worst = error;
  }
  printf("gauss: N = %lld, M = %lld, largest error %.2e (relative to sum |terms|)\n",
         (long long)n, (long long)m, worst);
  if (worst > 1e-5) return 1;

  /* A j-variable of the wrong dimension: an error naming it, nothing run. */
  int64_t wrong[] = {m, 2};
  Y.shape = wrong;
  if (gauss_kernel(&X, &Y, &B, &O, &status) != KRED_BAD_ARGUMENT ||
      !strstr(status.message, "'Y' has shape [") ||
      !strstr(status.message, "but its last dimension must be 3")) {
    fprintf(stderr, "expected a shape error, got: %s\n", status.message);
    return 1;
  }
  printf("bad shape: %s\n", status.message);
  free(x); free(y); free(b); free(out);
  return 0;
}
