/* bench/contraction_peak.py's yardstick: fused multiply-adds per second on
 * one core, 12 independent chains of the widest vectors the compiler
 * targets (-march=native), so that latency never waits. */
#include <stdio.h>
#include <time.h>

#if defined(__AVX512F__)
#define LANES 16
#elif defined(__AVX2__)
#define LANES 8
#else
#define LANES 4
#endif
typedef float vec __attribute__((vector_size(LANES * 4)));

int main(void) {
  vec a[12], m, c;
  for (int k = 0; k < LANES; ++k) m[k] = 0.999f, c[k] = 0.001f;
  for (int i = 0; i < 12; ++i)
    for (int k = 0; k < LANES; ++k) a[i][k] = (float)i;
  const long n = 100000000;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long it = 0; it < n; ++it)
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i)
      a[i] = a[i] * m + c;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
  float sum = 0;
  for (int i = 0; i < 12; ++i)
    for (int k = 0; k < LANES; ++k) sum += a[i][k];
  /* vector instructions per second, lanes, and a use of the result */
  printf("%.6g %d %g\n", n * 12 / seconds, LANES, sum);
  return 0;
}
