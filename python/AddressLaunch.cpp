//===- AddressLaunch.cpp - a bound kernel launched from C -----------------===//
//
// A planned call on small arrays costs little more than its kernel, so its
// last steps are here rather than in Python closures: read each array's
// address (torch tensors' data_ptr(), NumPy arrays' data, integers), make
// the one output, run the bound kernel (GIL released).
//
//===----------------------------------------------------------------------===//

#include "kred/Runtime/Runtime.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

namespace py = pybind11;
using kred::runtime::BoundLaunch;

/// The launch of a kred._kred.BoundKernel (KredModule.cpp); nullptr, with a
/// Python error set, if `bound` is not one.
const BoundLaunch *boundLaunchOf(PyObject *bound);

namespace {

struct LaunchObject {
  PyObject_HEAD
  vectorcallfunc vectorcall;
  PyObject *bound;      // the BoundKernel, which owns `launch`
  const BoundLaunch *launch;
  PyObject *makeOutput; // nullptr: the outputs are given
};

extern PyTypeObject LaunchType;
PyObject *dataPtrName = nullptr;

} // namespace

/// Reads an array's address; false, with a Python error set, if it has none.
bool addressOf(PyObject *array, void *&address) {
  if (PyLong_Check(array)) {
    address = PyLong_AsVoidPtr(array);
    return !PyErr_Occurred();
  }
  if (py::isinstance<py::array>(array)) {
    address = const_cast<void *>(py::reinterpret_borrow<py::array>(array).data());
    return true;
  }
  PyObject *pointer = PyObject_CallMethodNoArgs(array, dataPtrName);
  if (!pointer) {
    if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
      PyErr_Clear();
      PyErr_Format(PyExc_TypeError,
                   "AddressLaunch takes torch tensors, NumPy arrays or "
                   "addresses, got a %s",
                   Py_TYPE(array)->tp_name);
    }
    return false;
  }
  address = PyLong_AsVoidPtr(pointer);
  Py_DECREF(pointer);
  return !PyErr_Occurred();
}

namespace {

/// launch(arrays): runs on the arrays (inputs then outputs), returns None;
/// with make_output, on the inputs and a new output, which it returns.
PyObject *launchCall(PyObject *callable, PyObject *const *args, size_t nargsf,
                     PyObject *kwnames) {
  auto *self = (LaunchObject *)callable;
  if (PyVectorcall_NARGS(nargsf) != 1 || kwnames) {
    PyErr_SetString(PyExc_TypeError, "AddressLaunch takes one list of arrays");
    return nullptr;
  }
  PyObject *fast = PySequence_Fast(args[0], "AddressLaunch takes a list of arrays");
  if (!fast)
    return nullptr;
  llvm::SmallVector<void *, 8> addresses;
  Py_ssize_t count = PySequence_Fast_GET_SIZE(fast);
  bool ok = true;
  for (Py_ssize_t k = 0; ok && k < count; ++k)
    ok = addressOf(PySequence_Fast_GET_ITEM(fast, k), addresses.emplace_back());
  Py_DECREF(fast);
  PyObject *output = nullptr;
  if (ok && self->makeOutput) {
    output = PyObject_CallNoArgs(self->makeOutput);
    ok = output && addressOf(output, addresses.emplace_back());
  }
  if (!ok) {
    Py_XDECREF(output);
    return nullptr;
  }
  llvm::Error err = llvm::Error::success();
  Py_BEGIN_ALLOW_THREADS
  err = self->launch->run(addresses);
  Py_END_ALLOW_THREADS
  if (err) {
    Py_XDECREF(output);
    PyErr_SetString(PyExc_ValueError, llvm::toString(std::move(err)).c_str());
    return nullptr;
  }
  return output ? output : Py_NewRef(Py_None);
}

PyObject *launchNew(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  static const char *keywords[] = {"bound", "make_output", nullptr};
  PyObject *bound, *makeOutput = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:AddressLaunch",
                                   const_cast<char **>(keywords), &bound,
                                   &makeOutput))
    return nullptr;
  if (Py_TYPE(bound) == &LaunchType)
    bound = ((LaunchObject *)bound)->bound;
  const BoundLaunch *launch = boundLaunchOf(bound);
  if (!launch)
    return nullptr;
  auto *self = (LaunchObject *)type->tp_alloc(type, 0);
  if (!self)
    return nullptr;
  self->vectorcall = launchCall;
  self->bound = Py_NewRef(bound);
  self->launch = launch;
  self->makeOutput = makeOutput == Py_None ? nullptr : Py_NewRef(makeOutput);
  return (PyObject *)self;
}

int launchTraverse(LaunchObject *self, visitproc visit, void *arg) {
  Py_VISIT(self->bound);
  Py_VISIT(self->makeOutput);
  return 0;
}

int launchClear(LaunchObject *self) {
  Py_CLEAR(self->bound);
  Py_CLEAR(self->makeOutput);
  return 0;
}

void launchDealloc(LaunchObject *self) {
  PyObject_GC_UnTrack(self);
  launchClear(self);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

PyTypeObject LaunchType = [] {
  PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
  t.tp_name = "kred._kred.AddressLaunch";
  t.tp_basicsize = sizeof(LaunchObject);
  t.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC |
               Py_TPFLAGS_HAVE_VECTORCALL;
  t.tp_doc = "AddressLaunch(bound, make_output=None): launch(arrays) runs the "
             "BoundKernel on the arrays' addresses (torch tensors, NumPy "
             "arrays or integers: inputs, then outputs unless make_output() "
             "makes the one output, which is returned)";
  t.tp_new = launchNew;
  t.tp_call = PyVectorcall_Call;
  t.tp_vectorcall_offset = offsetof(LaunchObject, vectorcall);
  t.tp_traverse = (traverseproc)launchTraverse;
  t.tp_clear = (inquiry)launchClear;
  t.tp_dealloc = (destructor)launchDealloc;
  return t;
}();

} // namespace

const BoundLaunch *addressLaunchOf(PyObject *launch) {
  if (Py_TYPE(launch) != &LaunchType) {
    PyErr_Format(PyExc_TypeError, "expected an AddressLaunch, got a %s",
                 Py_TYPE(launch)->tp_name);
    return nullptr;
  }
  return ((LaunchObject *)launch)->launch;
}

void bindAddressLaunch(py::module_ &m) {
  if (!(dataPtrName = PyUnicode_InternFromString("data_ptr")) ||
      PyType_Ready(&LaunchType) < 0)
    throw py::error_already_set();
  m.add_object("AddressLaunch", py::reinterpret_borrow<py::object>(
                                    (PyObject *)&LaunchType));
}
