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


using namespace mlir;
using namespace kred;

namespace {

/// A complex value as its real and imaginary parts, each of dimension D
/// (or 1, broadcast).
struct Parts {
  Value re, im;
};

/// Builds the expansion. An op that fails (its error is reported) leaves a
/// null value, and every op built from a null value is null too, so the
/// expansion reads as straight-line arithmetic and fails once at the end.
class ComplexExpansion {
public:
  explicit ComplexExpansion(FormulaOpBuilder &build) : build(build) {}

  FailureOr<Value> expand(StringRef name, ArrayRef<Value> x,
                          ArrayRef<int64_t> ints);

private:
  Value op(StringRef name, ValueRange operands,
           ArrayRef<NamedAttribute> attrs = {}) {
    if (llvm::is_contained(operands, Value()))
      return {};
    FailureOr<Value> v = build.op(name, operands, attrs);
    return succeeded(v) ? *v : Value();
  }
  Value mul(Value a, Value b) { return op("kred.mul", {a, b}); }
  Value add(Value a, Value b) { return op("kred.add", {a, b}); }
  Value sub(Value a, Value b) { return op("kred.sub", {a, b}); }
  Value elem(Value v, int64_t index) {
    if (!v || getFormulaDim(v) == 1)
      return v;
    return op("kred.elem", v, build.intAttr("index", index));
  }
  /// Components start, start + 2, ... of `v` (count of them).
  Value everyOther(Value v, int64_t start, int64_t count) {
    Value result = elem(v, start);
    for (int64_t k = 1; k < count; ++k)
      result = op("kred.concat", {result, elem(v, start + 2 * k)});
    return result;
  }
  /// (re_0, im_0, re_1, im_1, ...) for D components; a part of dimension 1
  /// is repeated.
  Value interleave(Parts parts, int64_t dim) {
    Value result;
    for (int64_t k = 0; k < dim; ++k) {
      Value pair = op("kred.concat", {elem(parts.re, k), elem(parts.im, k)});
      result = k == 0 ? pair : op("kred.concat", {result, pair});
    }
    return result;
  }
  Value interleave(Parts parts) {
    if (!parts.re || !parts.im)
      return {};
    return interleave(parts, std::max(getFormulaDim(parts.re),
                                      getFormulaDim(parts.im)));
  }
  Value zero() { return build.constant({0.0}); }

  FailureOr<Parts> split(StringRef name, Value z);
  Value squaredAbs(Parts z) { return add(mul(z.re, z.re), mul(z.im, z.im)); }
  Value multiply(Parts a, Parts b) {
    return interleave({sub(mul(a.re, b.re), mul(a.im, b.im)),
                       add(mul(a.re, b.im), mul(a.im, b.re))});
  }
  Value divide(Parts a, Parts b) {
    // a / b = a * conj(b) / |b|^2.
    Value norm = squaredAbs(b);
    Value re = add(mul(a.re, b.re), mul(a.im, b.im));
    Value im = sub(mul(a.im, b.re), mul(a.re, b.im));
    return interleave({op("kred.div", {re, norm}), op("kred.div", {im, norm})});
  }
  Value exp(Parts z) {
    Value scale = op("kred.exp", z.re);
    return interleave({mul(scale, op("kred.cos", z.im)),
                       mul(scale, op("kred.sin", z.im))});
  }
  Value expandComplex(StringRef name, ArrayRef<Parts> z,
                      ArrayRef<int64_t> ints);

  FormulaOpBuilder &build;
};

} // namespace

FailureOr<Value> kred::expandComplexFunction(StringRef name,
                                             ArrayRef<Value> operands,
                                             ArrayRef<int64_t> ints,
                                             FormulaOpBuilder &build) {
  return ComplexExpansion(build).expand(name, operands, ints);
}

FailureOr<Parts> ComplexExpansion::split(StringRef name, Value z) {
  int64_t dim = getFormulaDim(z);
  if (dim % 2 != 0)
    return build.error() << "'" << name
                         << "' takes complex formulas, whose dimension is "
                            "even (re, im pairs), but got dimension "
                         << dim;
  return Parts{everyOther(z, 0, dim / 2), everyOther(z, 1, dim / 2)};
}

FailureOr<Value> ComplexExpansion::expand(StringRef name, ArrayRef<Value> x,
                                          ArrayRef<int64_t> ints) {
  Value result;
  if (name == "Real2Complex") {
    result = interleave({x[0], zero()}, getFormulaDim(x[0]));
  } else if (name == "Imag2Complex") {
    result = interleave({zero(), x[0]}, getFormulaDim(x[0]));
  } else if (name == "ComplexExp1j") {
    result = interleave({op("kred.cos", x[0]), op("kred.sin", x[0])});
  } else if (name == "ComplexRealScal") {
    // A real scalar times a complex vector, in either order.
    if (getFormulaDim(x[0]) != 1 && getFormulaDim(x[1]) != 1)
      return build.error() << "'ComplexRealScal' multiplies a complex "
                              "formula by a real scalar, but neither "
                              "operand has dimension 1 (got "
                           << getFormulaDim(x[0]) << " and "
                           << getFormulaDim(x[1]) << ")";
    result = mul(x[0], x[1]);
  } else {
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
                             << "' takes complex formulas of the same size, "
                                "or one complex number, but got "
                             << a << " and " << b << " complex numbers";
    }
    if (name == "ComplexSumT" &&
        (getFormulaDim(x[0]) != 2 || ints[0] < 2 || ints[0] % 2 != 0))
      return build.error() << "'ComplexSumT' repeats one complex number "
                              "(dimension 2) into an even dimension, but "
                              "got dimension "
                           << getFormulaDim(x[0]) << " and output dimension "
                           << ints[0];
    result = expandComplex(name, z, ints);
  }
  if (!result)
    return failure();
  return result;
}

Value ComplexExpansion::expandComplex(StringRef name, ArrayRef<Parts> z,
                                      ArrayRef<int64_t> ints) {
  if (name == "ComplexReal")
    return z[0].re;
  if (name == "ComplexImag")
    return z[0].im;
  if (name == "ComplexSquareAbs")
    return squaredAbs(z[0]);
  if (name == "ComplexAbs")
    return op("kred.sqrt", squaredAbs(z[0]));
  if (name == "ComplexAngle")
    return op("kred.atan2", {z[0].im, z[0].re});
  if (name == "Conj")
    return interleave({z[0].re, op("kred.minus", z[0].im)});
  if (name == "ComplexExp")
    return exp(z[0]);
  if (name == "ComplexSum")
    return op("kred.concat", {op("kred.sum", z[0].re), op("kred.sum", z[0].im)});
  if (name == "ComplexSumT")
    return interleave(z[0], ints[0] / 2);
  if (name == "ComplexAdd")
    return interleave({add(z[0].re, z[1].re), add(z[0].im, z[1].im)});
  if (name == "ComplexSubtract")
    return interleave({sub(z[0].re, z[1].re), sub(z[0].im, z[1].im)});
  if (name == "ComplexMult")
    return multiply(z[0], z[1]);
  if (name == "ComplexDivide")
    return divide(z[0], z[1]);
  llvm_unreachable("not a complex function");
}
