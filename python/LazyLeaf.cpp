//===- LazyLeaf.cpp - LazyTensor's leaves, made in C ----------------------===//
//
// LazyLeaf, an array of a LazyTensor's formula, and LazyTensor(x) made in C
// for a torch tensor or NumPy array x with pykeops' dummy axes (see
// LazyCore.h).
//
//===----------------------------------------------------------------------===//

#include "LazyCore.h"

#include "llvm/Support/SwapByteOrder.h"

#include <structmember.h>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

namespace py = pybind11;

namespace kred::lazy {
namespace {

PyObject *leafNew(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  static const char *keywords[] = {"category", "array",  "dim",
                                   "placeholder", "shape", nullptr};
  PyObject *category, *raw, *dim, *placeholder, *shape = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOO|O", const_cast<char **>(keywords),
                                   &category, &raw, &dim, &placeholder,
                                   &shape))
    return nullptr;
  Ref owned;
  if (shape == Py_None && !PyList_Check(raw)) {
    Ref rawShape(PyObject_GetAttr(raw, names.shape));
    if (!rawShape || !(owned.p = PySequence_Tuple(rawShape.get())))
      return nullptr;
    shape = owned.get();
  }
  auto *leaf = (LeafObject *)type->tp_alloc(type, 0);
  if (!leaf)
    return nullptr;
  PyObject *fields[] = {category, raw, dim, shape, placeholder};
  PyObject **slots[] = {&leaf->category, &leaf->raw, &leaf->dim, &leaf->shape,
                        &leaf->placeholder};
  for (int n = 0; n < 5; ++n)
    *slots[n] = Py_NewRef(fields[n]);
  return (PyObject *)leaf;
}

int leafTraverse(LeafObject *self, visitproc visit, void *arg) {
  Py_VISIT(self->category);
  Py_VISIT(self->raw);
  Py_VISIT(self->dim);
  Py_VISIT(self->shape);
  Py_VISIT(self->array);
  Py_VISIT(self->placeholder);
  Py_VISIT(self->layout);
  return 0;
}

int leafClear(LeafObject *self) {
  Py_CLEAR(self->category);
  Py_CLEAR(self->raw);
  Py_CLEAR(self->dim);
  Py_CLEAR(self->shape);
  Py_CLEAR(self->array);
  Py_CLEAR(self->placeholder);
  Py_CLEAR(self->layout);
  return 0;
}

void leafDealloc(LeafObject *self) {
  PyObject_GC_UnTrack(self);
  leafClear(self);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

/// The array in the leaf's shape, without pykeops' dummy axes (made when
/// first asked: a planned call passes `raw` as it is).
PyObject *leafArray(LeafObject *self, void *) {
  if (!self->array) {
    if (self->shape == Py_None || PyList_Check(self->raw)) {
      self->array = Py_NewRef(self->raw);
    } else {
      Ref rawShape(PyObject_GetAttr(self->raw, names.shape));
      if (!rawShape)
        return nullptr;
      int same = PyObject_RichCompareBool(rawShape.get(), self->shape, Py_EQ);
      if (same < 0)
        return nullptr;
      self->array = same ? Py_NewRef(self->raw)
                         : PyObject_CallMethodOneArg(self->raw, names.reshape,
                                                     self->shape);
      if (!self->array)
        return nullptr;
    }
  }
  return Py_NewRef(self->array);
}

PyMemberDef leafMembers[] = {
    {"category", T_OBJECT, offsetof(LeafObject, category), 0,
     "'i', 'j' or 'param'"},
    {"raw", T_OBJECT, offsetof(LeafObject, raw), 0,
     "the array as given (or a list of numbers)"},
    {"dim", T_OBJECT, offsetof(LeafObject, dim), 0, "its dimension D"},
    {"shape", T_OBJECT, offsetof(LeafObject, shape), 0,
     "its shape without dummy axes (None for numbers)"},
    {"placeholder", T_OBJECT, offsetof(LeafObject, placeholder), 0,
     "its V#id# in formula templates"},
    {nullptr},
};

PyGetSetDef leafGetSet[] = {
    {"array", (getter)leafArray, nullptr,
     "the array in `shape` (its dummy axes dropped)", nullptr},
    {nullptr},
};

/// A tuple of items [begin, end) of `t` followed by those [begin2, end2).
PyObject *tupleSlices(PyObject *t, Py_ssize_t begin, Py_ssize_t end,
                      Py_ssize_t begin2, Py_ssize_t end2) {
  PyObject *r = PyTuple_New((end - begin) + (end2 - begin2));
  if (!r)
    return nullptr;
  Py_ssize_t k = 0;
  for (Py_ssize_t n = begin; n < end; ++n)
    PyTuple_SET_ITEM(r, k++, Py_NewRef(PyTuple_GET_ITEM(t, n)));
  for (Py_ssize_t n = begin2; n < end2; ++n)
    PyTuple_SET_ITEM(r, k++, Py_NewRef(PyTuple_GET_ITEM(t, n)));
  return r;
}

bool isOne(PyObject *o) {
  return PyLong_CheckExact(o) && PyLong_AsLong(o) == 1;
}

/// The layout a plan key holds for an array made a leaf here: (dtype,
/// shape) where a plan can pass the array as it is (a torch tensor on the
/// CPU, C-contiguous; a NumPy array C-contiguous in the machine's byte
/// order), else None, as Backend.plan_layout.
PyObject *arrayLayout(PyObject *x, PyObject *dtype, PyObject *shape) {
  if (py::isinstance<py::array>(x)) {
    if (!isNativeArray(x) ||
        !(py::reinterpret_borrow<py::array>(x).flags() & py::array::c_style))
      return Py_NewRef(Py_None);
    return PyTuple_Pack(2, dtype, shape);
  }
  Ref cuda(PyObject_GetAttr(x, names.isCuda));
  if (!cuda)
    return nullptr;
  if (cuda.get() == Py_True)
    return Py_NewRef(Py_None);
  Ref contiguous(PyObject_CallMethodNoArgs(x, names.isContiguous));
  if (!contiguous)
    return nullptr;
  if (contiguous.get() != Py_True)
    return Py_NewRef(Py_None);
  return PyTuple_Pack(2, dtype, shape);
}

/// The category and leaf shape (without dummy axes) of an array of shape
/// `s`, as _classify has them: (..., N, 1, D) "i", (..., 1, M, D) "j",
/// (..., 1, 1, D) "param"; with axis 0 or 1, (N, D) "i" or "j". nullptr
/// for the other cases, which Python decides.
PyObject *classify(PyObject *s, int axis, PyObject *&category) {
  Py_ssize_t n = PyTuple_GET_SIZE(s);
  if (axis == 0 || axis == 1) {
    category = axis == 0 ? names.i : names.j;
    return n == 2 ? tupleSlices(s, 0, 2, 0, 0) : nullptr;
  }
  if (axis != -1 || n < 3)
    return nullptr;
  bool dummyRow = isOne(PyTuple_GET_ITEM(s, n - 2));
  bool dummyColumn = isOne(PyTuple_GET_ITEM(s, n - 3));
  if (dummyRow && dummyColumn) {
    category = names.param;
    return tupleSlices(s, 0, n - 3, n - 1, n);
  }
  if (dummyRow) {
    category = names.i;
    return tupleSlices(s, 0, n - 2, n - 1, n);
  }
  if (dummyColumn) {
    category = names.j;
    return tupleSlices(s, 0, n - 3, n - 2, n);
  }
  return nullptr;
}

} // namespace

PyTypeObject LeafType = [] {
  PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
  t.tp_name = "kred._kred.LazyLeaf";
  t.tp_basicsize = sizeof(LeafObject);
  t.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC;
  t.tp_doc = "LazyLeaf(category, array, dim, placeholder, shape=None): an array "
             "of a LazyTensor's formula";
  t.tp_new = leafNew;
  t.tp_traverse = (traverseproc)leafTraverse;
  t.tp_clear = (inquiry)leafClear;
  t.tp_dealloc = (destructor)leafDealloc;
  t.tp_members = leafMembers;
  t.tp_getset = leafGetSet;
  return t;
}();


/// LazyTensor(x) (axis -1) or LazyTensor(x, axis) for a tensor x of a
/// real dtype, as GenericLazyTensor._init_leaf makes it (see classify);
/// nullptr without an error where Python must make it.
PyObject *fastLeaf(PyTypeObject *type, const FastClass &fc, PyObject *x,
                   int axis) {
  if (!fc.arrayType || (PyObject *)Py_TYPE(x) != fc.arrayType)
    return nullptr;
  Ref dtype(PyObject_GetAttr(x, names.dtype));
  if (!dtype)
    return nullptr;
  int real = PyDict_Contains(fc.dtypes, dtype.get());
  if (real <= 0)
    return nullptr;
  Ref shape(PyObject_GetAttr(x, names.shape));
  if (!shape || !PyTuple_Check(shape.get()))
    return nullptr;
  PyObject *s = shape.get();
  PyObject *category = nullptr;
  Ref leafShape(classify(s, axis, category));
  if (!leafShape)
    return nullptr; // Python decides, with its own messages
  Ref layout(arrayLayout(x, dtype.get(), s));
  if (!layout)
    return nullptr;
  unsigned long long id = newLeafId();
  Ref key(PyLong_FromUnsignedLongLong(id));
  std::string digits = std::to_string(id);
  Ref placeholder(concat({"V#", digits, "#"}));
  auto *leaf = (LeafObject *)LeafType.tp_alloc(&LeafType, 0);
  Ref leafRef((PyObject *)leaf);
  if (!key || !placeholder || !leaf)
    return nullptr;
  Py_ssize_t m = PyTuple_GET_SIZE(leafShape.get());
  PyObject *dim = PyTuple_GET_ITEM(leafShape.get(), m - 1);
  leaf->category = Py_NewRef(category);
  leaf->raw = Py_NewRef(x);
  leaf->dim = Py_NewRef(dim);
  leaf->shape = Py_NewRef(leafShape.get());
  leaf->placeholder = Py_NewRef(placeholder.get());
  leaf->layout = layout.release();
  leaf->gradients = !py::isinstance<py::array>(x);

  bool param = category == names.param;
  PyObject *rows = param ? Py_None : PyTuple_GET_ITEM(leafShape.get(), m - 2);
  Ref batch(PyTuple_GetSlice(leafShape.get(), 0, m - (param ? 1 : 2)));
  Ref batchList(batch ? PySequence_List(batch.get()) : nullptr);
  if (!batchList)
    return nullptr;
  PyObject *sizes =
      PyTuple_Pack(3, batchList.get(), category == names.i ? rows : Py_None,
                   category == names.j ? rows : Py_None);
  PyObject *leaves = PyDict_New();
  NodeObject *node = allocNode(type);
  Ref nodeRef((PyObject *)node);
  if (!sizes || !leaves || !node ||
      PyDict_SetItem(leaves, key.get(), leafRef.get()) < 0) {
    Py_XDECREF(sizes);
    Py_XDECREF(leaves);
    return nullptr;
  }
  node->formula = placeholder.release();
  node->dim = Py_NewRef(dim);
  node->leaves = leaves;
  node->symbolic = PyTuple_New(0);
  node->sizes = sizes;
  return nodeRef.release();
}


bool isNativeArray(PyObject *x) {
  if (!py::isinstance<py::array>(x))
    return false;
  char order = py::reinterpret_borrow<py::array>(x).dtype().byteorder();
  return order == '=' || order == '|' ||
         order == (llvm::sys::IsLittleEndianHost ? '<' : '>');
}

PyObject *planLayout(PyObject *a) {
  if (PyList_CheckExact(a))
    return Py_BuildValue("(sn)", "numbers", PyList_GET_SIZE(a));
  if (!isLeafArrayType(Py_TYPE(a)))
    return Py_NewRef(Py_None);
  if (!py::isinstance<py::array>(a)) { // a tensor: none that needs gradients
    Ref grad(PyObject_GetAttr(a, names.requiresGrad));
    if (!grad)
      return nullptr;
    if (grad.get() != Py_False)
      return Py_NewRef(Py_None);
  }
  Ref dtype(PyObject_GetAttr(a, names.dtype));
  Ref shape(dtype ? PyObject_GetAttr(a, names.shape) : nullptr);
  if (!shape)
    return nullptr;
  return arrayLayout(a, dtype.get(), shape.get());
}

} // namespace kred::lazy
