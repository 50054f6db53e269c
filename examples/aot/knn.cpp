// A C++ program calling an ahead-of-time kred kernel: k-nearest neighbours
// (ArgKMin, K = 5) from libknn.so, checked against a float64 sort.
//
//   kred-aot --formula 'SqDist(Vi(0,3), Vj(1,3))' --reduction ArgKMin --k 5 \
//     --axis 1 -o out/libknn.so
//   c++ knn.cpp -Iout -Lout -lknn -Wl,-rpath,out -o knn && ./knn
#include "knn.h"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

int main() {
  const int64_t n = 500, m = 2000, d = 3, k = 5;
  std::mt19937 random(7);
  std::uniform_real_distribution<float> uniform(-1, 1);
  std::vector<float> x(n * d), y(m * d);
  for (float &v : x) v = uniform(random);
  for (float &v : y) v = uniform(random);
  std::vector<int64_t> indices(n * k);

  int64_t xs[] = {n, d}, ys[] = {m, d}, os[] = {n, k};
  kred_array X{x.data(), KRED_FLOAT32, 2, xs, nullptr};
  kred_array Y{y.data(), KRED_FLOAT32, 2, ys, nullptr};
  kred_array out{indices.data(), KRED_INT64, 2, os, nullptr};
  kred_status status;
  if (knn_kernel(&X, &Y, &out, &status) != KRED_OK) {
    std::fprintf(stderr, "knn_kernel: %s\n", status.message);
    return 1;
  }
  int64_t mismatches = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double> dist(m);
    for (int64_t j = 0; j < m; ++j) {
      double s = 0;
      for (int64_t c = 0; c < d; ++c) {
        double t = double(x[i * d + c]) - y[j * d + c];
        s += t * t;
      }
      dist[j] = s;
    }
    std::vector<int64_t> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return dist[a] < dist[b]; });
    for (int64_t r = 0; r < k; ++r)
      // float32 distances may order near-ties differently: compare distances.
      if (std::abs(dist[indices[i * k + r]] - dist[order[r]]) > 1e-5)
        ++mismatches;
  }
  std::printf("knn: N = %lld, M = %lld, K = %lld, %lld neighbours off\n",
              (long long)n, (long long)m, (long long)k, (long long)mismatches);
  return mismatches == 0 ? 0 : 1;
}
