//===- LazyPlans.cpp - the key of a LazyTensor reduction's plan -----------===//
//
// A LazyTensor reduction done before, for a call of the same structure on
// arrays of the same dtypes, shapes and devices, runs the kernel that call
// planned (see LazyPlan in lazy_reduction.py). Its key, made here: the
// class, the reduction, the formula with its leaves numbered in order and
// named by category ("i0", "j1"), the arrays' layouts.
//
//===----------------------------------------------------------------------===//

#include "LazyCore.h"

#include <string>
#include <vector>

namespace kred::lazy {
namespace {

/// A leaf's id and its name in a plan key ("i0", "j1", "param2").
struct LeafName {
  unsigned long long id;
  std::string name;
};

/// `templ` with each V#id# replaced by its leaf's name.
PyObject *renameLeaves(PyObject *templ, const std::vector<LeafName> &leafNames) {
  Py_ssize_t size;
  const char *text = PyUnicode_AsUTF8AndSize(templ, &size);
  if (!text)
    return nullptr;
  std::string out;
  out.reserve(size);
  for (Py_ssize_t n = 0; n < size;) {
    if (text[n] == 'V' && n + 1 < size && text[n + 1] == '#') {
      Py_ssize_t end = n + 2;
      unsigned long long id = 0;
      while (end < size && text[end] >= '0' && text[end] <= '9')
        id = id * 10 + (text[end++] - '0');
      const LeafName *found = nullptr;
      for (const LeafName &leaf : leafNames) // a formula has few leaves
        if (leaf.id == id)
          found = &leaf;
      if (end < size && text[end] == '#' && end > n + 2 && found) {
        out += found->name;
        n = end + 1;
        continue;
      }
    }
    out += text[n++];
  }
  return PyUnicode_FromStringAndSize(out.data(), (Py_ssize_t)out.size());
}

/// Whether a LazyPlan may serve self's reductions at all: no symbolic
/// variables, ranges or backend chosen, and the class's own Genred (not a
/// sharded one).
bool plannable(PyObject *self) {
  NodeObject *node = asNode(self);
  if (hasSymbolic(node) || hasRanges(node))
    return false;
  // Class attributes (sharded() sets genred_class on the class).
  PyTypeObject *type = Py_TYPE(self);
  PyObject *backend = _PyType_Lookup(type, names.backend);
  PyObject *genred = _PyType_Lookup(type, names.genredClass);
  PyObject *plain = _PyType_Lookup(type, names.plainGenredClass);
  return (!backend || backend == Py_None) && genred == plain;
}

/// What a plan key holds for a leaf (None: no plan): its layout found when
/// it was made in C, the tensor's need of gradients read now.
PyObject *leafLayout(LeafObject *leaf) {
  if (!leaf->layout)
    return planLayout(leaf->raw);
  if (leaf->layout == Py_None || !leaf->gradients)
    return Py_NewRef(leaf->layout);
  Ref grad(PyObject_GetAttr(leaf->raw, names.requiresGrad));
  if (!grad)
    return nullptr;
  return Py_NewRef(grad.get() == Py_False ? leaf->layout : Py_None);
}

/// The key of a reduction a = (reduction, axis, k, weight) and the leaves'
/// arrays as given, in `key` and `arrays`; both left nullptr where there is
/// no plan to make (symbolic variables, ranges, a backend chosen, a sharded
/// Genred, arrays that need a copy or gradients). False on an error.
bool planKey(PyObject *self, PyObject *const *a, Ref &key, Ref &arrays) {
  if (!plannable(self))
    return true;
  NodeObject *node = asNode(self);
  PyObject *leaves = node->leaves;
  Ref merged, weight;
  if (a[3] != Py_None) {
    if (isNode(a[3])) {
      weight.p = Py_NewRef(a[3]);
    } else {
      Ref wrap(PyObject_GetAttr(self, names.wrap));
      if (!wrap || !(weight.p = PyObject_CallOneArg(wrap.get(), a[3])))
        return false;
      if (!isNode(weight.get()))
        return true;
    }
    NodeObject *w = asNode(weight.get());
    if (hasSymbolic(w) || hasRanges(w))
      return true;
    if (!(merged.p = PyDict_Copy(leaves)) ||
        PyDict_Update(merged.get(), w->leaves) < 0)
      return false;
    leaves = merged.get();
  }
  if (!leaves || !PyDict_Check(leaves) || !node->formula)
    return true;
  Py_ssize_t count = PyDict_GET_SIZE(leaves);
  Ref tuple(PyTuple_New(4 + count + 2)), list(PyList_New(count));
  if (!tuple || !list)
    return false;
  PyObject *head[] = {(PyObject *)Py_TYPE(self), a[0], a[1], a[2]};
  for (int n = 0; n < 4; ++n)
    PyTuple_SET_ITEM(tuple.get(), n, Py_NewRef(head[n]));
  std::vector<LeafName> leafNames;
  leafNames.reserve(count);
  Py_ssize_t position = 0, n = 0;
  PyObject *id, *value;
  while (PyDict_Next(leaves, &position, &id, &value)) {
    if (Py_TYPE(value) != &LeafType) {
      PyErr_SetString(PyExc_TypeError, "a LazyTensor's leaves are LazyLeaf objects");
      return false;
    }
    auto *leaf = (LeafObject *)value;
    PyObject *layout = leafLayout(leaf);
    if (!layout)
      return false;
    if (layout == Py_None) {
      Py_DECREF(layout);
      return true;
    }
    PyTuple_SET_ITEM(tuple.get(), 4 + n, layout);
    PyList_SET_ITEM(list.get(), n, Py_NewRef(leaf->raw));
    const char *category = PyUnicode_AsUTF8(leaf->category);
    unsigned long long leafId = PyLong_AsUnsignedLongLong(id);
    if (!category || PyErr_Occurred())
      return false;
    leafNames.push_back({leafId, category + std::to_string(n)});
    ++n;
  }
  PyObject *text = renameLeaves(node->formula, leafNames);
  if (!text)
    return false;
  PyTuple_SET_ITEM(tuple.get(), 4 + count, text);
  PyObject *text2 = weight ? renameLeaves(asNode(weight.get())->formula, leafNames)
                           : Py_NewRef(Py_None);
  if (!text2)
    return false;
  PyTuple_SET_ITEM(tuple.get(), 5 + count, text2);
  key.p = tuple.release();
  arrays.p = list.release();
  return true;
}

} // namespace

/// _plan_key(reduction, axis, k, weight): (key, arrays) or (None, None).
PyObject *nodePlanKey(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                      PyObject *kwnames) {
  PyObject *a[4];
  if (!parseArguments("_plan_key", args, nargs, kwnames,
                      {"reduction", "axis", "k", "weight"}, 4, a))
    return nullptr;
  Ref key, arrays;
  if (!planKey(self, a, key, arrays))
    return nullptr;
  if (!key)
    return PyTuple_Pack(2, Py_None, Py_None);
  return PyTuple_Pack(2, key.get(), arrays.get());
}

PyObject *runPlanned(PyObject *self, PyObject *const *reduction) {
  Ref key, arrays;
  if (!planKey(self, reduction, key, arrays) || !key)
    return nullptr;
  PyObject *plans = _PyType_Lookup(Py_TYPE(self), names.lazyPlans);
  if (!plans || !PyDict_Check(plans))
    return nullptr;
  PyObject *plan = PyDict_GetItemWithError(plans, key.get());
  if (!plan)
    return nullptr;
  Ref held(Py_NewRef(plan)); // a call may clear the plans
  return PyObject_CallOneArg(plan, arrays.get());
}

PyObject *nodeReduce(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                     PyObject *kwnames) {
  Py_ssize_t keywords = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  PyObject *a[4] = {nullptr, nullptr, Py_None, Py_None};
  bool common = nargs >= 2 && nargs <= 4 && keywords == 0;
  for (Py_ssize_t n = 0; common && n < nargs; ++n)
    a[n] = args[n];
  if (common) {
    if (PyObject *result = runPlanned(self, a))
      return result;
    if (PyErr_Occurred())
      return nullptr;
  }
  return forward(self, names.reduceGeneral, args, nargs, kwnames);
}

} // namespace kred::lazy
