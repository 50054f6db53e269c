//===- LazyOperators.cpp - LazyTensor's operators and sum, in C -----------===//
//
// a + b, a - b, a * b, a / b, -a, a ** 2 and a.sum(dim) of LazyTensors: in
// C for two LazyTensors of one registered real class (the common case);
// else the Python methods _add, _radd, _sub, ... and _sum_general decide
// (numbers, arrays, complex values, pykeops' shortcuts), as the operators
// of GenericLazyTensor did. K @ v runs in C where an identical call made
// its plan, else calls the Python method matmul.
//
//===----------------------------------------------------------------------===//

#include "LazyCore.h"

namespace kred::lazy {
namespace {

/// One binary operator: its formula template, its name in errors, and the
/// Python methods of the general case (self op other, other op self).
struct BinaryOperator {
  const char *templ, *name, *method, *reflected;
  PyObject *templText = nullptr, *nameText = nullptr, *methodName = nullptr,
           *reflectedName = nullptr;
};

BinaryOperator addition{"({} + {})", "+", "_add", "_radd"};
BinaryOperator subtraction{"({} - {})", "-", "_sub", "_rsub"};
BinaryOperator multiplication{"({} * {})", "*", "_mul", "_rmul"};
BinaryOperator division{"({} / {})", "/", "_truediv", "_rtruediv"};

bool internOperator(BinaryOperator &op) {
  return (op.templText = PyUnicode_InternFromString(op.templ)) &&
         (op.nameText = PyUnicode_InternFromString(op.name)) &&
         (op.methodName = PyUnicode_InternFromString(op.method)) &&
         (op.reflectedName = PyUnicode_InternFromString(op.reflected));
}

PyObject *negationName = nullptr, *powerName = nullptr,
         *matmulName = nullptr;

bool internOperators() {
  static bool interned = false;
  if (!interned)
    interned = internOperator(addition) && internOperator(subtraction) &&
               internOperator(multiplication) && internOperator(division) &&
               (negationName = PyUnicode_InternFromString("_neg")) &&
               (powerName = PyUnicode_InternFromString("_pow")) &&
               (matmulName = PyUnicode_InternFromString("matmul"));
  return interned;
}

/// Whether `a` is a LazyTensor of a registered real class (nodes made in C).
bool fastNode(PyObject *a) { return isNode(a) && fastClass(Py_TYPE(a)); }

PyObject *binary(PyObject *a, PyObject *b, BinaryOperator &op) {
  if (!internOperators())
    return nullptr;
  if (fastNode(a) && Py_TYPE(b) == Py_TYPE(a))
    return binaryNode(a, b, op.templText, op.nameText, nullptr, nullptr,
                      false, nullptr);
  if (isNode(a))
    return PyObject_CallMethodOneArg(a, op.methodName, b);
  return PyObject_CallMethodOneArg(b, op.reflectedName, a);
}

PyObject *add(PyObject *a, PyObject *b) { return binary(a, b, addition); }
PyObject *subtract(PyObject *a, PyObject *b) {
  return binary(a, b, subtraction);
}
PyObject *multiply(PyObject *a, PyObject *b) {
  return binary(a, b, multiplication);
}
PyObject *divide(PyObject *a, PyObject *b) { return binary(a, b, division); }

PyObject *negative(PyObject *a) {
  if (!internOperators())
    return nullptr;
  if (fastNode(a))
    return unaryNode(a, names.minus, nullptr, nullptr, nullptr);
  return PyObject_CallMethodNoArgs(a, negationName);
}

/// a ** b (no modulus; LazyTensors are no exponents).
PyObject *power(PyObject *a, PyObject *b, PyObject *modulus) {
  if (!internOperators())
    return nullptr;
  if (!isNode(a) || modulus != Py_None)
    Py_RETURN_NOTIMPLEMENTED;
  if (fastNode(a) && PyLong_CheckExact(b) && PyLong_AsLong(b) == 2)
    return unaryNode(a, names.square, nullptr, nullptr, nullptr);
  PyErr_Clear(); // a large int: Python's _pow decides
  return PyObject_CallMethodOneArg(a, powerName, b);
}

/// node.sum over `axis` (0: i, 1: j) by the plan of an identical earlier
/// call; nullptr without an error where there is none.
PyObject *runPlannedSum(PyObject *node, PyObject *axis) {
  PyObject *reduction[] = {names.sum, axis, Py_None, Py_None};
  return runPlanned(node, reduction);
}

/// K @ v for a scalar K of a registered real class and v (N, E) exactly
/// its array type, run by the plan of an identical earlier call: (K * v)
/// summed over j, v a j-variable, as matmul; nullptr without an error
/// where there is no such plan.
PyObject *plannedMatmul(PyObject *k, PyObject *v) {
  const FastClass *fc = fastClass(Py_TYPE(k));
  PyObject *dim = asNode(k)->dim;
  if (!fc || !dim || !PyLong_CheckExact(dim) || PyLong_AsLong(dim) != 1 ||
      hasSymbolic(asNode(k)))
    return nullptr;
  Ref shape(PyObject_GetAttr(v, names.shape));
  if (!shape || !PyTuple_Check(shape.get()) || PyTuple_GET_SIZE(shape.get()) != 2)
    return nullptr;
  Ref leaf(fastLeaf(Py_TYPE(k), *fc, v, 1));
  if (!leaf)
    return nullptr;
  Ref product(binaryNode(k, leaf.get(), multiplication.templText,
                         multiplication.nameText, nullptr, nullptr, false,
                         nullptr));
  if (!product)
    return nullptr;
  Ref one(PyLong_FromLong(1));
  return one ? runPlannedSum(product.get(), one.get()) : nullptr;
}

/// The reduction axis (0: over i, 1: over j) or -1 (the last axis) of a
/// sum(axis, dim) of a node of known sizes; -2 where Python decides.
long sumAxis(NodeObject *node, PyObject *axis, PyObject *dim) {
  PyObject *d = dim && dim != Py_None ? dim : axis;
  PyObject *sizes = node->sizes;
  if (!d || !PyLong_CheckExact(d) || !sizes || !PyTuple_Check(sizes) ||
      PyTuple_GET_SIZE(sizes) != 3 || !PyList_Check(PyTuple_GET_ITEM(sizes, 0)))
    return -2;
  long batch = (long)PyList_GET_SIZE(PyTuple_GET_ITEM(sizes, 0));
  long rank = batch + 3, value = PyLong_AsLong(d);
  if (PyErr_Occurred()) {
    PyErr_Clear();
    return -2;
  }
  if (value < 0)
    value += rank;
  if (value == rank - 1)
    return -1;
  return value - batch == 0 || value - batch == 1 ? value - batch : -2;
}

} // namespace

PyNumberMethods nodeNumberMethods = [] {
  PyNumberMethods m{};
  m.nb_add = add;
  m.nb_subtract = subtract;
  m.nb_multiply = multiply;
  m.nb_true_divide = divide;
  m.nb_negative = negative;
  m.nb_power = power;
  return m;
}();

PyObject *nodeSum(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                  PyObject *kwnames) {
  PyObject *a[2] = {nullptr, nullptr};
  Py_ssize_t keywords = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  bool common = fastNode(self) && nargs + keywords <= 2;
  for (Py_ssize_t k = 0; common && k < keywords; ++k)
    common = PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, k),
                                              "axis") == 0 ||
             PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, k),
                                              "dim") == 0;
  if (common && parseArguments("sum", args, nargs, kwnames, {"axis", "dim"},
                               0, a)) {
    PyObject *minusOne = PyLong_FromLong(-1);
    long axis = sumAxis(asNode(self), a[0] ? a[0] : minusOne, a[1]);
    Py_XDECREF(minusOne);
    if (axis == -1) {
      Ref one(PyLong_FromLong(1));
      return one ? unaryNode(self, names.sum, one.get(), nullptr, nullptr)
                 : nullptr;
    }
    if (axis >= 0) {
      Ref axisObject(PyLong_FromLong(axis));
      if (!axisObject)
        return nullptr;
      if (PyObject *result = runPlannedSum(self, axisObject.get()))
        return result;
      if (PyErr_Occurred())
        return nullptr;
      return PyObject_CallMethodObjArgs(self, names.reduceGeneral, names.sum,
                                        axisObject.get(), nullptr);
    }
  }
  PyErr_Clear();
  return forward(self, names.sumGeneral, args, nargs, kwnames);
}

PyObject *nodeMatmul(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                     PyObject *kwnames) {
  if (!internOperators())
    return nullptr;
  if (nargs == 1 && !kwnames && fastNode(self) && !isNode(args[0]) &&
      isLeafArrayType(Py_TYPE(args[0]))) {
    if (PyObject *result = plannedMatmul(self, args[0]))
      return result;
    if (PyErr_Occurred())
      return nullptr;
  }
  return forward(self, matmulName, args, nargs, kwnames);
}

} // namespace kred::lazy
