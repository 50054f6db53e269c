//===- ConjugateGradient.cpp - KernelSolve's iterations in C --------------===//
//
// `_kred.conjugate_gradient`: the conjugate gradient of KernelSolve
// (kred.common.solve.conjugate_gradient, the same steps) on a planned
// product that launches from C (an AddressLaunch: CPU arrays laid out as
// the plan's). In Python each iteration made about fifteen array operations
// of a few microseconds each, which dwarfed the product on small systems
// (N = 200: 51 us an iteration around a 20 us product, 2.8x pykeops).
//
//===----------------------------------------------------------------------===//

#include "kred/Runtime/Runtime.h"

#include <pybind11/pybind11.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace py = pybind11;
using kred::runtime::BoundLaunch;

bool addressOf(PyObject *array, void *&address);         // AddressLaunch.cpp
const BoundLaunch *addressLaunchOf(PyObject *launch);    // AddressLaunch.cpp

namespace {

/// Calls fn(k, c) on each entry k of a (rows, columns) C-contiguous array,
/// c its column.
template <typename Fn>
void forEachEntry(int64_t rows, int64_t columns, Fn fn) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t c = 0; c < columns; ++c)
      fn(i * columns + c, c);
}

/// Per-column sums of products of two (rows, columns) arrays, in double.
template <typename T>
void columnDots(const T *a, const T *b, int64_t rows, int64_t columns,
                std::vector<double> &out) {
  out.assign(columns, 0.0);
  forEachEntry(rows, columns, [&](int64_t k, int64_t c) {
    out[c] += double(a[k]) * double(b[k]);
  });
}

/// Solves (alpha Id + K) x = b column by column, each column stopping where
/// its residual reaches eps |b|; `product(v, out)` writes K v. x holds the
/// start (`warm`) or is overwritten from zero. Returns (the largest relative
/// residual, iterations).
template <typename T, typename Product>
std::pair<double, int64_t> solve(Product product, const T *b, T *x, bool warm,
                                 int64_t rows, int64_t columns, double alpha,
                                 double eps, int64_t maxiter) {
  int64_t size = rows * columns;
  std::vector<T> r(b, b + size), p(size), ap(size);
  auto apply = [&](const std::vector<T> &v) {
    if (llvm::Error err = product(v.data(), ap.data()))
      throw py::value_error(llvm::toString(std::move(err)));
    for (int64_t k = 0; k < size; ++k)
      ap[k] += T(alpha) * v[k];
  };
  if (warm) {
    p.assign(x, x + size);
    apply(p);
    for (int64_t k = 0; k < size; ++k)
      r[k] = b[k] - ap[k];
  } else {
    std::fill(x, x + size, T(0));
  }
  p = r;
  std::vector<double> bb, rz, rr, pap, step(columns), rzNew,
      pStep(columns);
  columnDots(b, b, rows, columns, bb);
  columnDots(r.data(), r.data(), rows, columns, rz);
  int64_t iterations = 0;
  std::vector<char> active(columns);
  while (true) {
    columnDots(r.data(), r.data(), rows, columns, rr);
    bool any = false;
    for (int64_t c = 0; c < columns; ++c)
      any |= active[c] = rr[c] > eps * eps * bb[c];
    if (!any || iterations == maxiter)
      break;
    apply(p);
    columnDots(p.data(), ap.data(), rows, columns, pap);
    // Converged columns take no step (the guards as in Python).
    for (int64_t c = 0; c < columns; ++c)
      step[c] = active[c] ? rz[c] / (pap[c] == 0 ? 1.0 : pap[c]) : 0.0;
    forEachEntry(rows, columns, [&](int64_t k, int64_t c) {
      x[k] += T(step[c]) * p[k];
      r[k] -= T(step[c]) * ap[k];
    });
    columnDots(r.data(), r.data(), rows, columns, rzNew);
    for (int64_t c = 0; c < columns; ++c)
      pStep[c] = active[c] ? rzNew[c] / (rz[c] == 0 ? 1.0 : rz[c]) : 0.0;
    forEachEntry(rows, columns, [&](int64_t k, int64_t c) {
      p[k] = r[k] + T(pStep[c]) * p[k];
    });
    rz = rzNew;
    ++iterations;
  }
  double relative = 0;
  for (int64_t c = 0; c < columns; ++c)
    relative = std::max(relative, rr[c] / (bb[c] == 0 ? 1.0 : bb[c]));
  return {std::sqrt(relative), iterations};
}

/// conjugate_gradient(launch, arrays, position, b, x, warm, alpha, eps,
/// maxiter, dtype): the product is launch on `arrays` with the iterate at
/// `position` and the output after them.
py::tuple conjugateGradient(py::handle launch, py::list arrays, int64_t position,
                            py::handle b, py::handle x, bool warm, double alpha,
                            double eps, int64_t maxiter, const std::string &dtype) {
  const BoundLaunch *bound = addressLaunchOf(launch.ptr());
  if (!bound)
    throw py::error_already_set();
  std::vector<void *> addresses(arrays.size() + 1);
  for (size_t k = 0; k < arrays.size(); ++k)
    if (!addressOf(arrays[k].ptr(), addresses[k]))
      throw py::error_already_set();
  void *bData, *xData;
  if (!addressOf(b.ptr(), bData) || !addressOf(x.ptr(), xData))
    throw py::error_already_set();
  py::tuple shape = b.attr("shape");
  int64_t rows = shape[0].cast<int64_t>(), columns = shape[1].cast<int64_t>();
  auto run = [&](auto *typed) {
    using T = std::remove_pointer_t<decltype(typed)>;
    auto product = [&](const T *v, T *out) {
      addresses[position] = const_cast<T *>(v);
      addresses.back() = out;
      return bound->run(addresses);
    };
    py::gil_scoped_release release;
    return solve<T>(product, static_cast<const T *>(bData),
                    static_cast<T *>(xData), warm, rows, columns, alpha, eps,
                    maxiter);
  };
  if (dtype != "float32" && dtype != "float64")
    throw py::value_error("conjugate_gradient takes float32 or float64 arrays, "
                          "got " + dtype);
  auto [residual, iterations] = dtype == "float32"
                                    ? run(static_cast<float *>(nullptr))
                                    : run(static_cast<double *>(nullptr));
  return py::make_tuple(residual, iterations);
}

/// Whether the `count` floats of `size` bytes at `address` are all finite
/// (KernelSolve's check of its arguments: torch.isfinite(a).all() took
/// 25 us an array, a third of a solve at N = M = 100).
bool allFinite(uintptr_t address, int64_t count, int64_t size) {
  auto check = [&](const auto *values) {
    for (int64_t k = 0; k < count; ++k)
      if (!std::isfinite(values[k]))
        return false;
    return true;
  };
  if (size == 4)
    return check(reinterpret_cast<const float *>(address));
  if (size == 8)
    return check(reinterpret_cast<const double *>(address));
  throw py::value_error("all_finite takes float32 or float64 values");
}

} // namespace

void bindConjugateGradient(py::module_ &m) {
  m.def("all_finite", &allFinite, py::arg("address"), py::arg("count"),
        py::arg("size"),
        "whether the `count` float32 (size 4) or float64 (size 8) values at "
        "`address` are all finite");
  m.def("conjugate_gradient", &conjugateGradient, py::arg("launch"),
        py::arg("arrays"), py::arg("position"), py::arg("b"), py::arg("x"),
        py::arg("warm"), py::arg("alpha"), py::arg("eps"), py::arg("maxiter"),
        py::arg("dtype"),
        "KernelSolve's conjugate gradient on a planned product (an "
        "AddressLaunch): x (written in place, the start if warm) solves "
        "(alpha Id + K) x = b column by column; returns (the largest "
        "relative residual, iterations)");
}
