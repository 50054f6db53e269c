//===- ComplexFormulas.cpp - KeOps' complex operations as real ops --------===//
//
// Each complex operation splits its operands into real and imaginary parts
// (kred.elem/kred.concat, free in generated code: they only rename
// components), computes with real ops, and interleaves the parts back.
// Binary operations broadcast a single complex number against a vector, as
// KeOps does, through the real ops' scalar broadcasting.
//
//===----------------------------------------------------------------------===//

#include "ComplexFormulas.h"

#include "kred/Dialect/Kred/IR/KredOps.h"

#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace kred;

namespace {

/// A complex value as its real and imaginary parts, each of dimension D
/// (or 1, broadcast).
struct Parts {
  Value re, im;
};

class ComplexExpansion {
public:
  explicit ComplexExpansion(FormulaOpBuilder &build) : build(build) {}

  FailureOr<Value> expand(StringRef name, ArrayRef<Value> x,
                          ArrayRef<int64_t> ints);

private:
  FailureOr<Value> op(StringRef name, ValueRange operands) {
    return build.op(name, operands);
  }
  FailureOr<Value> elem(Value v, int64_t index);
  /// Components start, start + 2, ... of `v` (count of them).
  FailureOr<Value> everyOther(Value v, int64_t start, int64_t count);
  FailureOr<Parts> split(StringRef name, Value z);
  /// (re_0, im_0, re_1, im_1, ...) for D components; a part of dimension 1
  /// is repeated.
  FailureOr<Value> interleave(Parts parts, int64_t dim);
  FailureOr<Value> interleave(Parts parts) {
    return interleave(parts, std::max(getFormulaDim(parts.re),
                                      getFormulaDim(parts.im)));
  }
  Value zero() { return build.constant({0.0}); }

  FailureOr<Value> multiply(Parts a, Parts b);
  FailureOr<Value> divide(Parts a, Parts b);
  FailureOr<Value> exp(Parts z);
  FailureOr<Value> squaredAbs(Parts z);

  FormulaOpBuilder &build;
};

} // namespace

std::optional<ComplexFunctionArity>
kred::lookupComplexFunction(StringRef name) {
  static const llvm::StringMap<ComplexFunctionArity> table = {
      {"ComplexReal", {1, 0}},     {"ComplexImag", {1, 0}},
      {"ComplexAngle", {1, 0}},    {"ComplexAbs", {1, 0}},
      {"ComplexSquareAbs", {1, 0}}, {"Conj", {1, 0}},
      {"ComplexExp", {1, 0}},      {"ComplexExp1j", {1, 0}},
      {"Real2Complex", {1, 0}},    {"Imag2Complex", {1, 0}},
      {"ComplexSum", {1, 0}},      {"ComplexSumT", {1, 1}},
      {"ComplexAdd", {2, 0}},      {"ComplexSubtract", {2, 0}},
      {"ComplexMult", {2, 0}},     {"ComplexDivide", {2, 0}},
      {"ComplexRealScal", {2, 0}},
  };
  auto it = table.find(name);
  if (it == table.end())
    return std::nullopt;
  return it->second;
}

FailureOr<Value> kred::expandComplexFunction(StringRef name,
                                             ArrayRef<Value> operands,
                                             ArrayRef<int64_t> ints,
                                             FormulaOpBuilder &build) {
  return ComplexExpansion(build).expand(name, operands, ints);
}

FailureOr<Value> ComplexExpansion::elem(Value v, int64_t index) {
  if (getFormulaDim(v) == 1)
    return v;
  return build.op("kred.elem", v, build.intAttr("index", index));
}

FailureOr<Value> ComplexExpansion::everyOther(Value v, int64_t start,
                                              int64_t count) {
  FailureOr<Value> result = elem(v, start);
  for (int64_t k = 1; k < count && succeeded(result); ++k) {
    FailureOr<Value> next = elem(v, start + 2 * k);
    if (failed(next))
      return failure();
    result = op("kred.concat", {*result, *next});
  }
  return result;
}

FailureOr<Parts> ComplexExpansion::split(StringRef name, Value z) {
  int64_t dim = getFormulaDim(z);
  if (dim % 2 != 0)
    return build.error() << "'" << name
                         << "' takes complex formulas, whose dimension is "
                            "even (re, im pairs), but got dimension "
                         << dim;
  FailureOr<Value> re = everyOther(z, 0, dim / 2);
  FailureOr<Value> im = everyOther(z, 1, dim / 2);
  if (failed(re) || failed(im))
    return failure();
  return Parts{*re, *im};
}

FailureOr<Value> ComplexExpansion::interleave(Parts parts, int64_t dim) {
  FailureOr<Value> result = failure();
  for (int64_t k = 0; k < dim; ++k) {
    FailureOr<Value> re = elem(parts.re, k), im = elem(parts.im, k);
    if (failed(re) || failed(im))
      return failure();
    FailureOr<Value> pair = op("kred.concat", {*re, *im});
    if (failed(pair))
      return failure();
    result = k == 0 ? pair : op("kred.concat", {*result, *pair});
    if (failed(result))
      return failure();
  }
  return result;
}

FailureOr<Value> ComplexExpansion::multiply(Parts a, Parts b) {
  FailureOr<Value> rr = op("kred.mul", {a.re, b.re}),
                   ii = op("kred.mul", {a.im, b.im}),
                   ri = op("kred.mul", {a.re, b.im}),
                   ir = op("kred.mul", {a.im, b.re});
  if (failed(rr) || failed(ii) || failed(ri) || failed(ir))
    return failure();
  FailureOr<Value> re = op("kred.sub", {*rr, *ii}),
                   im = op("kred.add", {*ri, *ir});
  if (failed(re) || failed(im))
    return failure();
  return interleave({*re, *im});
}

FailureOr<Value> ComplexExpansion::squaredAbs(Parts z) {
  FailureOr<Value> rr = op("kred.mul", {z.re, z.re}),
                   ii = op("kred.mul", {z.im, z.im});
  if (failed(rr) || failed(ii))
    return failure();
  return op("kred.add", {*rr, *ii});
}

FailureOr<Value> ComplexExpansion::divide(Parts a, Parts b) {
  // a / b = a * conj(b) / |b|^2.
  FailureOr<Value> norm = squaredAbs(b);
  FailureOr<Value> rr = op("kred.mul", {a.re, b.re}),
                   ii = op("kred.mul", {a.im, b.im}),
                   ri = op("kred.mul", {a.re, b.im}),
                   ir = op("kred.mul", {a.im, b.re});
  if (failed(norm) || failed(rr) || failed(ii) || failed(ri) || failed(ir))
    return failure();
  FailureOr<Value> re = op("kred.add", {*rr, *ii}),
                   im = op("kred.sub", {*ir, *ri});
  if (failed(re) || failed(im))
    return failure();
  re = op("kred.div", {*re, *norm});
  im = op("kred.div", {*im, *norm});
  if (failed(re) || failed(im))
    return failure();
  return interleave({*re, *im});
}

FailureOr<Value> ComplexExpansion::exp(Parts z) {
  FailureOr<Value> scale = op("kred.exp", {z.re}),
                   cos = op("kred.cos", {z.im}), sin = op("kred.sin", {z.im});
  if (failed(scale) || failed(cos) || failed(sin))
    return failure();
  FailureOr<Value> re = op("kred.mul", {*scale, *cos}),
                   im = op("kred.mul", {*scale, *sin});
  if (failed(re) || failed(im))
    return failure();
  return interleave({*re, *im});
}

FailureOr<Value> ComplexExpansion::expand(StringRef name, ArrayRef<Value> x,
                                          ArrayRef<int64_t> ints) {
  // Real inputs.
  if (name == "Real2Complex")
    return interleave({x[0], zero()}, getFormulaDim(x[0]));
  if (name == "Imag2Complex")
    return interleave({zero(), x[0]}, getFormulaDim(x[0]));
  if (name == "ComplexExp1j") {
    FailureOr<Value> cos = op("kred.cos", {x[0]}), sin = op("kred.sin", {x[0]});
    if (failed(cos) || failed(sin))
      return failure();
    return interleave({*cos, *sin});
  }
  if (name == "ComplexRealScal") {
    // A real scalar times a complex vector, in either order.
    if (getFormulaDim(x[0]) != 1 && getFormulaDim(x[1]) != 1)
      return build.error() << "'ComplexRealScal' multiplies a complex "
                              "formula by a real scalar, but neither "
                              "operand has dimension 1 (got "
                           << getFormulaDim(x[0]) << " and "
                           << getFormulaDim(x[1]) << ")";
    return op("kred.mul", {x[0], x[1]});
  }

  // Complex inputs.
  SmallVector<Parts, 2> z;
  for (Value v : x) {
    FailureOr<Parts> parts = split(name, v);
    if (failed(parts))
      return failure();
    z.push_back(*parts);
  }
  if (z.size() == 2) {
    int64_t a = getFormulaDim(x[0]) / 2, b = getFormulaDim(x[1]) / 2;
    if (a != b && a != 1 && b != 1)
      return build.error() << "'" << name
                           << "' takes complex formulas of the same size, or "
                              "one complex number, but got "
                           << a << " and " << b << " complex numbers";
  }
  if (name == "ComplexReal")
    return z[0].re;
  if (name == "ComplexImag")
    return z[0].im;
  if (name == "ComplexSquareAbs")
    return squaredAbs(z[0]);
  if (name == "ComplexAbs") {
    FailureOr<Value> norm = squaredAbs(z[0]);
    if (failed(norm))
      return failure();
    return op("kred.sqrt", {*norm});
  }
  if (name == "ComplexAngle")
    return op("kred.atan2", {z[0].im, z[0].re});
  if (name == "Conj") {
    FailureOr<Value> im = op("kred.minus", {z[0].im});
    if (failed(im))
      return failure();
    return interleave({z[0].re, *im});
  }
  if (name == "ComplexExp")
    return exp(z[0]);
  if (name == "ComplexSum") {
    FailureOr<Value> re = op("kred.sum", {z[0].re}),
                     im = op("kred.sum", {z[0].im});
    if (failed(re) || failed(im))
      return failure();
    return op("kred.concat", {*re, *im});
  }
  if (name == "ComplexSumT") {
    int64_t dim = ints[0];
    if (getFormulaDim(x[0]) != 2 || dim < 2 || dim % 2 != 0)
      return build.error() << "'ComplexSumT' repeats one complex number "
                              "(dimension 2) into an even dimension, but "
                              "got dimension "
                           << getFormulaDim(x[0]) << " and output dimension "
                           << dim;
    return interleave(z[0], dim / 2);
  }
  if (name == "ComplexAdd" || name == "ComplexSubtract") {
    StringRef real = name == "ComplexAdd" ? "kred.add" : "kred.sub";
    FailureOr<Value> re = op(real, {z[0].re, z[1].re}),
                     im = op(real, {z[0].im, z[1].im});
    if (failed(re) || failed(im))
      return failure();
    return interleave({*re, *im});
  }
  if (name == "ComplexMult")
    return multiply(z[0], z[1]);
  if (name == "ComplexDivide")
    return divide(z[0], z[1]);
  llvm_unreachable("not a complex function");
}
