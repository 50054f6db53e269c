//===- TensorCallKey.cpp - the plan keys of Genred calls, in C ------------===//
//
// A Genred call on small tensors costs a few microseconds, a third of which
// was finding its plan in Python: TorchBackend.call_key, here. The key is
// (backend, device_id, then per tensor (dtype, shape, device) or, when it
// is not C-contiguous, (dtype, shape, device, strides)); None where an
// argument is not exactly a torch.Tensor or autograd must see it.
// NumpyBackend.call_key too: per array (dtype, shape) or, when it is not
// C-contiguous, (dtype, shape, strides); None where an argument is not a
// NumPy array in the machine's byte order (a quarter of a 2 us call).
//
//===----------------------------------------------------------------------===//

#include "LazyCore.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <functional>

namespace py = pybind11;

namespace {

PyObject *tensorType = nullptr;     // torch.Tensor
PyObject *gradEnabled = nullptr;    // torch.is_grad_enabled
PyObject *names[7] = {};            // see bindTensorCallKey
enum { Dtype, Shape, Device, RequiresGrad, IsContiguous, Stride, Strides };

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

/// One NumPy array's part of the key; Py_None where it has none.
PyObject *arrayKey(PyObject *a) {
  if (!kred::lazy::isNativeArray(a))
    return Py_NewRef(Py_None);
  int fields[] = {Dtype, Shape, Strides};
  int count =
      py::reinterpret_borrow<py::array>(a).flags() & py::array::c_style ? 2
                                                                         : 3;
  PyObject *key = PyTuple_New(count);
  for (int n = 0; key && n < count; ++n) {
    PyObject *value = PyObject_GetAttr(a, names[fields[n]]);
    if (!value) {
      Py_CLEAR(key);
      break;
    }
    PyTuple_SET_ITEM(key, n, value);
  }
  return key;
}

/// (backend, device_id, part(each argument)...), or None where a part is
/// None; `name` names the function in errors.
PyObject *callKey(const char *name, PyObject *const *args, Py_ssize_t nargs,
                  const std::function<PyObject *(PyObject *)> &part) {
  if (nargs != 3) {
    PyErr_Format(PyExc_TypeError, "%s takes (args, backend, device_id)", name);
    return nullptr;
  }
  PyObject *fast = PySequence_Fast(args[0], "a call key takes a sequence");
  if (!fast)
    return nullptr;
  Py_ssize_t count = PySequence_Fast_GET_SIZE(fast);
  PyObject *key = PyTuple_New(2 + count);
  if (key) {
    PyTuple_SET_ITEM(key, 0, Py_NewRef(args[1]));
    PyTuple_SET_ITEM(key, 1, Py_NewRef(args[2]));
  }
  for (Py_ssize_t k = 0; key && k < count; ++k) {
    PyObject *value = part(PySequence_Fast_GET_ITEM(fast, k));
    if (!value || value == Py_None) {
      Py_CLEAR(key);
      if (value) // no key: None
        key = value;
      break;
    }
    PyTuple_SET_ITEM(key, 2 + k, value);
  }
  Py_DECREF(fast);
  return key;
}

/// tensor_call_key(args, backend, device_id).
PyObject *tensorCallKey(PyObject *, PyObject *const *args, Py_ssize_t nargs) {
  if (!gradEnabled) {
    PyErr_SetString(PyExc_RuntimeError, "tensor_call_key_setup was not called");
    return nullptr;
  }
  PyObject *enabled = PyObject_CallNoArgs(gradEnabled);
  if (!enabled)
    return nullptr;
  bool grad = enabled == Py_True;
  Py_DECREF(enabled);
  return callKey("tensor_call_key", args, nargs,
                 [grad](PyObject *a) { return tensorKey(a, grad); });
}

/// array_call_key(args, backend, device_id).
PyObject *arrayCallKey(PyObject *, PyObject *const *args, Py_ssize_t nargs) {
  return callKey("array_call_key", args, nargs, arrayKey);
}

PyMethodDef callKeyMethods[] = {
    {"tensor_call_key", (PyCFunction)(void (*)())tensorCallKey, METH_FASTCALL,
     "tensor_call_key(args, backend, device_id): the key of a torch Genred "
     "call's plan (TorchBackend.call_key), or None"},
    {"array_call_key", (PyCFunction)(void (*)())arrayCallKey, METH_FASTCALL,
     "array_call_key(args, backend, device_id): the key of a NumPy Genred "
     "call's plan (NumpyBackend.call_key), or None"}};

} // namespace

void bindTensorCallKey(py::module_ &m) {
  const char *texts[] = {"dtype",         "shape",         "device",
                         "requires_grad", "is_contiguous", "stride",
                         "strides"};
  for (int n = 0; n < 7; ++n)
    if (!(names[n] = PyUnicode_InternFromString(texts[n])))
      throw py::error_already_set();
  for (PyMethodDef &method : callKeyMethods) {
    PyObject *function = PyCFunction_New(&method, nullptr);
    if (!function)
      throw py::error_already_set();
    m.add_object(method.ml_name, py::reinterpret_steal<py::object>(function));
  }
  m.def(
      "tensor_call_key_setup",
      [](py::object type, py::object isGradEnabled) {
        tensorType = type.release().ptr();
        gradEnabled = isGradEnabled.release().ptr();
      },
      "torch.Tensor and torch.is_grad_enabled, for tensor_call_key");
}
