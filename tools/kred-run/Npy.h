//===- Npy.h - NumPy .npy files ---------------------------------*- C++ -*-===//

#ifndef KRED_TOOLS_KRED_RUN_NPY_H
#define KRED_TOOLS_KRED_RUN_NPY_H

#include "kred/Runtime/Runtime.h"

#include "llvm/Support/Error.h"

#include <vector>

namespace kred {

/// An owned C-contiguous array.
struct HostArray {
  runtime::ElementType elementType = runtime::ElementType::F32;
  std::vector<int64_t> shape;
  std::vector<char> bytes;

  int64_t numElements() const;
  runtime::Buffer buffer() {
    return {bytes.data(), elementType, shape};
  }
  /// Element k as a double / set from a double.
  double get(int64_t k) const;
  void set(int64_t k, double v);
  static HostArray zeros(runtime::ElementType type,
                         std::vector<int64_t> shape);
};

/// Reads a C-ordered little-endian .npy file of float16, float32, float64
/// or int64 (format versions 1 to 3).
llvm::Expected<HostArray> readNpy(llvm::StringRef path);
llvm::Error writeNpy(llvm::StringRef path, const HostArray &array);

} // namespace kred

#endif // KRED_TOOLS_KRED_RUN_NPY_H
