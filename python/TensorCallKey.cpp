//===- TensorCallKey.cpp - the plan key of a torch call, in C -------------===//
//
// A Genred call on small tensors costs a few microseconds, a third of which
// was finding its plan in Python: TorchBackend.call_key, here. The key is
// (backend, device_id, then per tensor (dtype, shape, device) or, when it
// is not C-contiguous, (dtype, shape, device, strides)); None where an
// argument is not exactly a torch.Tensor or autograd must see it.
//
//===----------------------------------------------------------------------===//

#include <Python.h>

#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace {

PyObject *tensorType = nullptr;     // torch.Tensor
PyObject *gradEnabled = nullptr;    // torch.is_grad_enabled
PyObject *names[6] = {};            // see internNames
enum { Dtype, Shape, Device, RequiresGrad, IsContiguous, Stride };

/// Calls a method without arguments, or reads an attribute.
PyObject *read(PyObject *a, int name) {
  return name == IsContiguous || name == Stride
             ? PyObject_CallMethodNoArgs(a, names[name])
             : PyObject_GetAttr(a, names[name]);
}

/// One tensor's part of the key; Py_None where it has none.
PyObject *tensorKey(PyObject *a, bool grad) {
  if (!tensorType || (PyObject *)Py_TYPE(a) != tensorType)
    return Py_NewRef(Py_None);
  if (grad) {
    PyObject *requires = read(a, RequiresGrad);
    if (!requires)
      return nullptr;
    Py_DECREF(requires);
    if (requires == Py_True)
      return Py_NewRef(Py_None);
  }
  PyObject *contiguous = read(a, IsContiguous);
  if (!contiguous)
    return nullptr;
  Py_DECREF(contiguous);
  int fields[] = {Dtype, Shape, Device, Stride};
  int count = contiguous == Py_True ? 3 : 4;
  PyObject *key = PyTuple_New(count);
  for (int n = 0; key && n < count; ++n) {
    PyObject *value = read(a, fields[n]);
    if (!value) {
      Py_CLEAR(key);
      break;
    }
    PyTuple_SET_ITEM(key, n, value);
  }
  return key;
}

/// tensor_call_key(args, backend, device_id).
PyObject *tensorCallKey(PyObject *, PyObject *const *args, Py_ssize_t nargs) {
  if (nargs != 3) {
    PyErr_SetString(PyExc_TypeError,
                    "tensor_call_key takes (args, backend, device_id)");
    return nullptr;
  }
  if (!gradEnabled) {
    PyErr_SetString(PyExc_RuntimeError, "tensor_call_key_setup was not called");
    return nullptr;
  }
  PyObject *fast = PySequence_Fast(args[0], "tensor_call_key takes a sequence");
  if (!fast)
    return nullptr;
  PyObject *enabled = PyObject_CallNoArgs(gradEnabled);
  Py_ssize_t count = PySequence_Fast_GET_SIZE(fast);
  PyObject *key = enabled ? PyTuple_New(2 + count) : nullptr;
  if (key) {
    PyTuple_SET_ITEM(key, 0, Py_NewRef(args[1]));
    PyTuple_SET_ITEM(key, 1, Py_NewRef(args[2]));
  }
  for (Py_ssize_t k = 0; key && k < count; ++k) {
    PyObject *part =
        tensorKey(PySequence_Fast_GET_ITEM(fast, k), enabled == Py_True);
    if (!part || part == Py_None) {
      Py_CLEAR(key);
      if (part) // no key: None
        key = part;
      break;
    }
    PyTuple_SET_ITEM(key, 2 + k, part);
  }
  Py_XDECREF(enabled);
  Py_DECREF(fast);
  return key;
}

PyMethodDef callKeyMethod = {
    "tensor_call_key", (PyCFunction)(void (*)())tensorCallKey, METH_FASTCALL,
    "tensor_call_key(args, backend, device_id): the key of a torch Genred "
    "call's plan (TorchBackend.call_key), or None"};

} // namespace

void bindTensorCallKey(py::module_ &m) {
  const char *texts[] = {"dtype",         "shape",        "device",
                         "requires_grad", "is_contiguous", "stride"};
  for (int n = 0; n < 6; ++n)
    if (!(names[n] = PyUnicode_InternFromString(texts[n])))
      throw py::error_already_set();
  PyObject *function = PyCFunction_New(&callKeyMethod, nullptr);
  if (!function)
    throw py::error_already_set();
  m.add_object("tensor_call_key", py::reinterpret_steal<py::object>(function));
  m.def(
      "tensor_call_key_setup",
      [](py::object type, py::object isGradEnabled) {
        tensorType = type.release().ptr();
        gradEnabled = isGradEnabled.release().ptr();
      },
      "torch.Tensor and torch.is_grad_enabled, for tensor_call_key");
}
