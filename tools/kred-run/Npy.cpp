//===- Npy.cpp - NumPy .npy files -----------------------------------------===//
//
// Format: "\x93NUMPY", major and minor version bytes, a little-endian header
// length (2 bytes in v1, 4 in v2/v3), and a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }, padded so the
// data starts at a multiple of 64 bytes.
//
//===----------------------------------------------------------------------===//

#include "Npy.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace kred;
using runtime::ElementType;

int64_t HostArray::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

HostArray HostArray::zeros(ElementType type, std::vector<int64_t> shape) {
  HostArray a;
  a.elementType = type;
  a.shape = std::move(shape);
  a.bytes.assign(a.numElements() * runtime::getElementSize(type), 0);
  return a;
}

static const llvm::fltSemantics &halfSemantics(ElementType type) {
  return type == ElementType::F16 ? llvm::APFloat::IEEEhalf()
                                  : llvm::APFloat::BFloat();
}

double HostArray::get(int64_t k) const {
  const char *p = bytes.data() + k * runtime::getElementSize(elementType);
  switch (elementType) {
  case ElementType::F32: { float v; std::memcpy(&v, p, 4); return v; }
  case ElementType::F64: { double v; std::memcpy(&v, p, 8); return v; }
  case ElementType::I64: { int64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
  case ElementType::F16:
  case ElementType::BF16: {
    uint16_t bits;
    std::memcpy(&bits, p, 2);
    llvm::APFloat f(halfSemantics(elementType), llvm::APInt(16, bits));
    bool losesInfo;
    f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
              &losesInfo);
    return f.convertToDouble();
  }
  }
  return 0;
}

void HostArray::set(int64_t k, double v) {
  char *p = bytes.data() + k * runtime::getElementSize(elementType);
  switch (elementType) {
  case ElementType::F32: { float f = static_cast<float>(v); std::memcpy(p, &f, 4); return; }
  case ElementType::F64: std::memcpy(p, &v, 8); return;
  case ElementType::I64: { int64_t i = static_cast<int64_t>(v); std::memcpy(p, &i, 8); return; }
  case ElementType::F16:
  case ElementType::BF16: {
    llvm::APFloat f(v);
    bool losesInfo;
    f.convert(halfSemantics(elementType), llvm::APFloat::rmNearestTiesToEven,
              &losesInfo);
    uint16_t bits = static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
    std::memcpy(p, &bits, 2);
    return;
  }
  }
}

static const char *descrOf(ElementType type) {
  switch (type) {
  case ElementType::F16: return "<f2";
  case ElementType::F32: return "<f4";
  case ElementType::F64: return "<f8";
  case ElementType::I64: return "<i8";
  case ElementType::BF16: return nullptr;
  }
  return nullptr;
}

/// The value text of `key` in the header dict, up to the next top-level
/// comma or the closing brace.
static std::optional<llvm::StringRef> headerField(llvm::StringRef header,
                                                  llvm::StringRef key) {
  size_t at = header.find(("'" + key + "'").str());
  if (at == llvm::StringRef::npos)
    return std::nullopt;
  llvm::StringRef rest = header.drop_front(at + key.size() + 2).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  rest = rest.ltrim();
  size_t end = rest.starts_with("(") ? rest.find(')') + 1 : rest.find_first_of(",}");
  return rest.take_front(end).trim();
}

llvm::Expected<HostArray> kred::readNpy(llvm::StringRef path) {
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!file)
    return llvm::createStringError("cannot read '" + path + "': " + file.getError().message());
  llvm::StringRef data = (*file)->getBuffer();
  if (!data.consume_front("\x93NUMPY") || data.size() < 4)
    return llvm::createStringError("'" + path + "' is not a .npy file (bad magic string)");
  uint8_t major = data[0];
  data = data.drop_front(2);
  size_t headerLength;
  if (major == 1) {
    headerLength = static_cast<uint8_t>(data[0]) |
                   (static_cast<uint8_t>(data[1]) << 8);
    data = data.drop_front(2);
  } else if (major == 2 || major == 3) {
    headerLength = 0;
    for (int k = 3; k >= 0; --k)
      headerLength = (headerLength << 8) | static_cast<uint8_t>(data[k]);
    data = data.drop_front(4);
  } else {
    return llvm::createStringError("'" + path + "' has unsupported .npy version " +
                     llvm::Twine(major));
  }
  if (data.size() < headerLength)
    return llvm::createStringError("'" + path + "' is truncated (header)");
  llvm::StringRef header = data.take_front(headerLength);
  data = data.drop_front(headerLength);

  auto descr = headerField(header, "descr");
  auto fortran = headerField(header, "fortran_order");
  auto shapeText = headerField(header, "shape");
  if (!descr || !fortran || !shapeText)
    return llvm::createStringError("'" + path + "' has a malformed .npy header");
  llvm::StringRef d = descr->trim("'\"");
  HostArray array;
  if (d == "<f4") array.elementType = ElementType::F32;
  else if (d == "<f8") array.elementType = ElementType::F64;
  else if (d == "<f2") array.elementType = ElementType::F16;
  else if (d == "<i8") array.elementType = ElementType::I64;
  else
    return llvm::createStringError("'" + path + "' has dtype '" + d +
                     "'; expected float16, float32, float64 or int64 "
                     "(little-endian)");
  if (*fortran != "False")
    return llvm::createStringError("'" + path + "' is Fortran-ordered; expected a "
                     "C-contiguous array (np.ascontiguousarray)");
  llvm::SmallVector<llvm::StringRef> dims;
  shapeText->trim("()").split(dims, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef dim : dims) {
    int64_t v;
    if (dim.trim().getAsInteger(10, v) || v < 0)
      return llvm::createStringError("'" + path + "' has a malformed shape " + *shapeText);
    array.shape.push_back(v);
  }
  size_t bytes = array.numElements() * runtime::getElementSize(array.elementType);
  if (data.size() < bytes)
    return llvm::createStringError("'" + path + "' is truncated: expected " +
                     llvm::Twine(bytes) + " bytes of data, found " +
                     llvm::Twine(data.size()));
  array.bytes.assign(data.begin(), data.begin() + bytes);
  return array;
}

llvm::Error kred::writeNpy(llvm::StringRef path, const HostArray &array) {
  const char *descr = descrOf(array.elementType);
  if (!descr)
    return llvm::createStringError("cannot write bfloat16 arrays to .npy");
  std::string shape = "(";
  for (int64_t d : array.shape)
    shape += std::to_string(d) + ",";
  if (array.shape.size() > 1)
    shape.pop_back();
  shape += ")";
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces so that magic (6) + version (2) + length (2) + header,
  // ending in '\n', is a multiple of 64.
  while ((10 + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError("cannot write '" + path + "': " + ec.message());
  os << "\x93NUMPY" << '\x01' << '\x00';
  os << static_cast<char>(header.size() & 0xff)
     << static_cast<char>((header.size() >> 8) & 0xff);
  os << header;
  os.write(array.bytes.data(), array.bytes.size());
  return llvm::Error::success();
}
