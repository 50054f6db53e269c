//===- LazyCore.cpp - the common path of LazyTensor, in C -----------------===//
//
// At N = M = 100 a whole LazyTensor reduction costs a few microseconds, so
// building its nodes in Python was most of a call. Here, in C: the node
// (LazyNode, the base of kred.common.lazy_tensor.GenericLazyTensor: formula
// text, leaves, sizes, ranges), a leaf (LazyLeaf), a leaf made from a torch
// tensor, unary and binary nodes, and the key of a reduction's plan. What is
// off the common path (complex values, symbolic variables, batch shapes to
// broadcast, ranges, other arguments) calls back into the Python methods,
// which remain the definition of the behaviour.
//
//===----------------------------------------------------------------------===//

#include <Python.h>
#include <structmember.h>

#include <pybind11/pybind11.h>

#include <string>
#include <string_view>
#include <vector>

namespace py = pybind11;

namespace {

/// Owns a reference; releases it at scope exit.
struct Ref {
  PyObject *p = nullptr;
  Ref() = default;
  explicit Ref(PyObject *p) : p(p) {}
  Ref(const Ref &) = delete;
  Ref &operator=(const Ref &) = delete;
  ~Ref() { Py_XDECREF(p); }
  PyObject *get() const { return p; }
  PyObject *release() {
    PyObject *r = p;
    p = nullptr;
    return r;
  }
  explicit operator bool() const { return p != nullptr; }
};

/// Attribute names, interned once.
struct Names {
  PyObject *shape, *dtype, *isCuda, *isContiguous, *requiresGrad, *reshape,
      *construct, *isComplex, *complexClass, *realClass, *nodeGeneral, *wrap,
      *backend, *genredClass, *plainGenredClass, *library, *planLayout,
      *format, *isComplexKw, *sameor1, *same, *i, *j, *param;
};
Names names;

bool internNames() {
  struct Entry {
    PyObject **slot;
    const char *text;
  } entries[] = {
      {&names.shape, "shape"},
      {&names.dtype, "dtype"},
      {&names.isCuda, "is_cuda"},
      {&names.isContiguous, "is_contiguous"},
      {&names.requiresGrad, "requires_grad"},
      {&names.reshape, "reshape"},
      {&names.construct, "_construct"},
      {&names.isComplex, "is_complex"},
      {&names.complexClass, "complex_class"},
      {&names.realClass, "real_class"},
      {&names.nodeGeneral, "_node_general"},
      {&names.wrap, "_wrap"},
      {&names.backend, "backend"},
      {&names.genredClass, "genred_class"},
      {&names.plainGenredClass, "plain_genred_class"},
      {&names.library, "library"},
      {&names.planLayout, "plan_layout"},
      {&names.format, "format"},
      {&names.isComplexKw, "is_complex"},
      {&names.sameor1, "sameor1"},
      {&names.same, "same"},
      {&names.i, "i"},
      {&names.j, "j"},
      {&names.param, "param"},
  };
  for (Entry &e : entries)
    if (!(*e.slot = PyUnicode_InternFromString(e.text)))
      return false;
  return true;
}

/// Python helpers of kred.common.lazy_tensor (lazy_setup).
PyObject *mergeTwo = nullptr;     // _merge_two(sizes, sizes)
PyObject *commonRanges = nullptr; // _common_ranges(operands)

/// A real LazyTensor class whose leaves may be made here: from arrays of
/// exactly `arrayType` (torch.Tensor) with a dtype in `dtypes`.
struct FastClass {
  PyTypeObject *cls;
  PyObject *arrayType; // nullptr: leaves made in Python
  PyObject *dtypes;
};
std::vector<FastClass> fastClasses;

const FastClass *fastClass(PyTypeObject *type) {
  for (const FastClass &f : fastClasses)
    if (f.cls == type)
      return &f;
  return nullptr;
}

unsigned long long leafCounter = 0;

//===----------------------------------------------------------------------===//
// LazyLeaf
//===----------------------------------------------------------------------===//

/// An array of a formula (see Leaf in lazy_tensor.py). `layout`: what a plan
/// key holds for it, found when the leaf was made here (None: no plan;
/// nullptr: ask the library).
struct LeafObject {
  PyObject_HEAD
  PyObject *category, *raw, *dim, *shape, *array, *placeholder, *layout;
};

extern PyTypeObject LeafType;

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

//===----------------------------------------------------------------------===//
// LazyNode
//===----------------------------------------------------------------------===//

struct NodeObject {
  PyObject_HEAD
  PyObject *formula, *dim, *leaves, *symbolic, *sizes, *ranges;
};

extern PyTypeObject NodeType;

bool isNode(PyObject *o) { return PyObject_TypeCheck(o, &NodeType); }
NodeObject *asNode(PyObject *o) { return (NodeObject *)o; }
bool hasSymbolic(NodeObject *n) {
  return n->symbolic && PyTuple_Check(n->symbolic) &&
         PyTuple_GET_SIZE(n->symbolic) != 0;
}
bool hasRanges(NodeObject *n) { return n->ranges && n->ranges != Py_None; }

NodeObject *allocNode(PyTypeObject *type) {
  return (NodeObject *)type->tp_alloc(type, 0);
}

/// A node without formula (LazyNode.__new__(cls)): filled by Python.
PyObject *blankNode(PyTypeObject *type) {
  NodeObject *node = allocNode(type);
  if (!node)
    return nullptr;
  node->symbolic = PyTuple_New(0);
  node->leaves = PyDict_New();
  if (!node->symbolic || !node->leaves) {
    Py_DECREF(node);
    return nullptr;
  }
  return (PyObject *)node;
}

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

/// The layout a plan key holds for a torch tensor made a leaf here:
/// (dtype, shape) on the CPU and C-contiguous, else None.
PyObject *tensorLayout(PyObject *x, PyObject *dtype, PyObject *shape) {
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

/// LazyTensor(x) for a tensor x of shape (..., N, 1, D), (..., 1, M, D) or
/// (..., 1, 1, D) and a real dtype, as GenericLazyTensor._init_leaf makes
/// it; nullptr without an error where Python must make it.
PyObject *fastLeaf(PyTypeObject *type, const FastClass &fc, PyObject *x) {
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
  Py_ssize_t n = PyTuple_GET_SIZE(s);
  if (n < 3)
    return nullptr;
  bool dummyRow = isOne(PyTuple_GET_ITEM(s, n - 2));
  bool dummyColumn = isOne(PyTuple_GET_ITEM(s, n - 3));
  PyObject *category;
  Ref leafShape;
  if (dummyRow && dummyColumn) {
    category = names.param;
    leafShape.p = tupleSlices(s, 0, n - 3, n - 1, n);
  } else if (dummyRow) {
    category = names.i;
    leafShape.p = tupleSlices(s, 0, n - 2, n - 1, n);
  } else if (dummyColumn) {
    category = names.j;
    leafShape.p = tupleSlices(s, 0, n - 3, n - 2, n);
  } else {
    return nullptr; // Python's error
  }
  if (!leafShape)
    return nullptr;
  Ref layout(tensorLayout(x, dtype.get(), s));
  if (!layout)
    return nullptr;
  unsigned long long id = ++leafCounter;
  Ref key(PyLong_FromUnsignedLongLong(id));
  Ref placeholder(PyUnicode_FromFormat("V#%llu#", id));
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

/// LazyTensor(...): a leaf of a tensor here; else cls._construct(...).
PyObject *nodeNew(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  Py_ssize_t nargs = PyTuple_GET_SIZE(args);
  bool noKeywords = !kwds || PyDict_GET_SIZE(kwds) == 0;
  if (nargs == 0 && noKeywords)
    return blankNode(type);
  if (nargs == 1 && noKeywords)
    if (const FastClass *fc = fastClass(type)) {
      PyObject *leaf = fastLeaf(type, *fc, PyTuple_GET_ITEM(args, 0));
      if (leaf)
        return leaf;
      PyErr_Clear(); // Python decides, with its own messages
    }
  Ref construct(PyObject_GetAttr((PyObject *)type, names.construct));
  if (!construct)
    return nullptr;
  return PyObject_Call(construct.get(), args, kwds);
}

/// Everything is done by __new__.
int nodeInit(PyObject *, PyObject *, PyObject *) { return 0; }

int nodeTraverse(NodeObject *self, visitproc visit, void *arg) {
  Py_VISIT(self->formula);
  Py_VISIT(self->dim);
  Py_VISIT(self->leaves);
  Py_VISIT(self->symbolic);
  Py_VISIT(self->sizes);
  Py_VISIT(self->ranges);
  return 0;
}

int nodeClear(NodeObject *self) {
  Py_CLEAR(self->formula);
  Py_CLEAR(self->dim);
  Py_CLEAR(self->leaves);
  Py_CLEAR(self->symbolic);
  Py_CLEAR(self->sizes);
  Py_CLEAR(self->ranges);
  return 0;
}

void nodeDealloc(NodeObject *self) {
  PyObject_GC_UnTrack(self);
  nodeClear(self);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

/// The class of a node made from `self`: its complex class if `isComplex`
/// (None: as self), else its real class.
PyTypeObject *nodeClass(PyObject *self, PyObject *isComplex) {
  bool complex;
  if (!isComplex || isComplex == Py_None) {
    if (fastClass(Py_TYPE(self)))
      return Py_TYPE(self); // a real class, its own real_class
    Ref value(PyObject_GetAttr(self, names.isComplex));
    int truth = value ? PyObject_IsTrue(value.get()) : -1;
    if (truth < 0)
      return nullptr;
    complex = truth;
  } else {
    int truth = PyObject_IsTrue(isComplex);
    if (truth < 0)
      return nullptr;
    complex = truth;
  }
  Ref cls(PyObject_GetAttr(self, complex ? names.complexClass : names.realClass));
  if (!cls)
    return nullptr;
  if (!PyType_Check(cls.get()) ||
      !PyType_IsSubtype((PyTypeObject *)cls.get(), &NodeType)) {
    PyErr_SetString(PyExc_TypeError, "a LazyTensor class expected");
    return nullptr;
  }
  return (PyTypeObject *)cls.get(); // held by self's class
}

/// Two operands' (batch, N, M) together (_merge_two), here when at most
/// one has batch dimensions.
PyObject *mergeSizes(PyObject *a, PyObject *b) {
  if (!a || !b || a == Py_None || b == Py_None)
    return Py_NewRef(Py_None);
  if (PyTuple_Check(a) && PyTuple_Check(b) && PyTuple_GET_SIZE(a) == 3 &&
      PyTuple_GET_SIZE(b) == 3) {
    int batchA = PyObject_IsTrue(PyTuple_GET_ITEM(a, 0));
    int batchB = PyObject_IsTrue(PyTuple_GET_ITEM(b, 0));
    if (batchA < 0 || batchB < 0)
      return nullptr;
    if (!(batchA && batchB)) {
      PyObject *batch = PyTuple_GET_ITEM(batchA ? a : b, 0);
      PyObject *ib = PyTuple_GET_ITEM(b, 1), *jb = PyTuple_GET_ITEM(b, 2);
      return PyTuple_Pack(3, batch,
                          ib == Py_None ? PyTuple_GET_ITEM(a, 1) : ib,
                          jb == Py_None ? PyTuple_GET_ITEM(a, 2) : jb);
    }
  }
  return PyObject_CallFunctionObjArgs(mergeTwo, a, b, nullptr);
}

/// A node of `formula` and dimension `dim` over one or two operands without
/// symbolic variables; nullptr without an error where Python's
/// _node_general must make it.
PyObject *makeNode(PyObject *self, PyObject *formula, PyObject *dim,
                   PyObject *const *operands, Py_ssize_t count,
                   PyObject *isComplex) {
  if (count < 1 || count > 2)
    return nullptr;
  for (Py_ssize_t n = 0; n < count; ++n)
    if (!isNode(operands[n]) || (count == 2 && hasSymbolic(asNode(operands[n]))))
      return nullptr;
  PyTypeObject *cls = nodeClass(self, isComplex);
  if (!cls)
    return nullptr;
  NodeObject *node = allocNode(cls);
  if (!node)
    return nullptr;
  Ref nodeRef((PyObject *)node);
  node->formula = Py_NewRef(formula);
  node->dim = Py_NewRef(dim);
  NodeObject *a = asNode(operands[0]);
  if (count == 1) {
    node->leaves = Py_XNewRef(a->leaves);
    node->symbolic = Py_XNewRef(a->symbolic);
    node->sizes = Py_XNewRef(a->sizes);
    if (hasRanges(a))
      node->ranges = Py_NewRef(a->ranges);
    return nodeRef.release();
  }
  NodeObject *b = asNode(operands[1]);
  if (!(node->leaves = PyDict_Copy(a->leaves)) ||
      PyDict_Update(node->leaves, b->leaves) < 0 ||
      !(node->symbolic = PyTuple_New(0)) ||
      !(node->sizes = mergeSizes(a->sizes, b->sizes)))
    return nullptr;
  if (hasRanges(a) || hasRanges(b)) {
    Ref both(PyList_New(2));
    if (!both)
      return nullptr;
    PyList_SET_ITEM(both.get(), 0, Py_NewRef(operands[0]));
    PyList_SET_ITEM(both.get(), 1, Py_NewRef(operands[1]));
    Ref ranges(PyObject_CallOneArg(commonRanges, both.get()));
    if (!ranges)
      return nullptr;
    if (ranges.get() != Py_None)
      node->ranges = ranges.release();
  }
  return nodeRef.release();
}

/// Positional and keyword arguments of a METH_FASTCALL method, by name;
/// missing optional ones stay nullptr.
bool parseArguments(const char *method, PyObject *const *args,
                    Py_ssize_t nargs, PyObject *kwnames,
                    std::initializer_list<const char *> parameters,
                    Py_ssize_t required, PyObject **out) {
  Py_ssize_t count = (Py_ssize_t)parameters.size();
  if (nargs > count) {
    PyErr_Format(PyExc_TypeError, "%s takes at most %zd arguments", method,
                 count);
    return false;
  }
  for (Py_ssize_t n = 0; n < count; ++n)
    out[n] = n < nargs ? args[n] : nullptr;
  Py_ssize_t keywords = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t k = 0; k < keywords; ++k) {
    PyObject *name = PyTuple_GET_ITEM(kwnames, k);
    Py_ssize_t n = 0;
    for (const char *parameter : parameters) {
      if (PyUnicode_CompareWithASCIIString(name, parameter) == 0)
        break;
      ++n;
    }
    if (n == count || out[n]) {
      PyErr_Format(PyExc_TypeError, "%s got an unexpected or repeated argument %R",
                   method, name);
      return false;
    }
    out[n] = args[nargs + k];
  }
  for (Py_ssize_t n = 0; n < required; ++n)
    if (!out[n]) {
      PyErr_Format(PyExc_TypeError, "%s is missing argument %zd", method, n + 1);
      return false;
    }
  return true;
}

/// Calls Python's `self.NAME(*args, **kwargs)` with the same arguments.
PyObject *forward(PyObject *self, PyObject *name, PyObject *const *args,
                  Py_ssize_t nargs, PyObject *kwnames) {
  Ref method(PyObject_GetAttr(self, name));
  if (!method)
    return nullptr;
  return PyObject_Vectorcall(method.get(), args, nargs, kwnames);
}

/// _node(formula, dim, *operands, is_complex=None): the node of `formula`
/// over `operands` (their leaves, sizes and ranges merged).
PyObject *nodeNode(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                   PyObject *kwnames) {
  PyObject *isComplex = nullptr;
  Py_ssize_t keywords = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  if (keywords == 1 &&
      PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0),
                                       "is_complex") == 0)
    isComplex = args[nargs];
  if (nargs >= 3 && keywords == (isComplex ? 1 : 0)) {
    PyObject *node =
        makeNode(self, args[0], args[1], args + 2, nargs - 2, isComplex);
    if (node || PyErr_Occurred())
      return node;
  }
  return forward(self, names.nodeGeneral, args, nargs, kwnames);
}

PyObject *asText(PyObject *o) {
  return PyUnicode_Check(o) ? Py_NewRef(o) : PyObject_Str(o);
}

/// _unary(name, dim=None, extra="", is_complex=None): name(self extra).
PyObject *nodeUnary(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                    PyObject *kwnames) {
  PyObject *a[4];
  if (!parseArguments("_unary", args, nargs, kwnames,
                      {"name", "dim", "extra", "is_complex"}, 1, a))
    return nullptr;
  NodeObject *node = asNode(self);
  Ref name(asText(a[0]));
  Ref extra(a[2] ? asText(a[2]) : PyUnicode_FromString(""));
  if (!name || !extra || !node->formula)
    return nullptr;
  Ref formula(PyUnicode_FromFormat("%U(%U%U)", name.get(), node->formula,
                                   extra.get()));
  if (!formula)
    return nullptr;
  PyObject *dim = a[1] && a[1] != Py_None ? a[1] : node->dim;
  PyObject *result = makeNode(self, formula.get(), dim, &self, 1, a[3]);
  if (result || PyErr_Occurred())
    return result;
  PyObject *call[] = {formula.get(), dim, self, a[3]};
  Ref kw(a[3] ? PyTuple_Pack(1, names.isComplexKw) : nullptr);
  return forward(self, names.nodeGeneral, call, 3, kw.get());
}

/// template.format(lhs, rhs): here for templates with two {} and no other
/// brace.
PyObject *formatTwo(PyObject *templ, PyObject *lhs, PyObject *rhs) {
  Py_ssize_t size, lhsSize, rhsSize;
  const char *text = PyUnicode_Check(templ)
                         ? PyUnicode_AsUTF8AndSize(templ, &size)
                         : nullptr;
  const char *left = text ? PyUnicode_AsUTF8AndSize(lhs, &lhsSize) : nullptr;
  const char *right = left ? PyUnicode_AsUTF8AndSize(rhs, &rhsSize) : nullptr;
  if (right) {
    std::string_view t(text, size);
    size_t first = t.find("{}");
    size_t second = first == t.npos ? t.npos : t.find("{}", first + 2);
    if (second != t.npos && t.find_first_of("{}", second + 2) == t.npos &&
        t.substr(0, first).find_first_of("{}") == t.npos &&
        t.substr(first + 2, second - first - 2).find_first_of("{}") ==
            t.npos) {
      std::string out;
      out.reserve(size + lhsSize + rhsSize);
      out.append(t.substr(0, first)).append(left, lhsSize);
      out.append(t.substr(first + 2, second - first - 2));
      out.append(right, rhsSize).append(t.substr(second + 2));
      return PyUnicode_FromStringAndSize(out.data(), (Py_ssize_t)out.size());
    }
  }
  PyErr_Clear();
  Ref method(PyObject_GetAttr(templ, names.format));
  if (!method)
    return nullptr;
  return PyObject_CallFunctionObjArgs(method.get(), lhs, rhs, nullptr);
}

Py_ssize_t dimOf(PyObject *node) {
  PyObject *dim = asNode(node)->dim;
  return dim ? PyLong_AsSsize_t(dim) : -1;
}

/// _binary(other, template, op_name, dim=None, check="sameor1",
/// reverse=False, is_complex=None): template.format(self, other) (reversed:
/// other, self), its dimensions checked.
PyObject *nodeBinary(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                     PyObject *kwnames) {
  PyObject *a[7];
  if (!parseArguments("_binary", args, nargs, kwnames,
                      {"other", "template", "op_name", "dim", "check",
                       "reverse", "is_complex"},
                      3, a))
    return nullptr;
  Ref other;
  if (isNode(a[0])) {
    other.p = Py_NewRef(a[0]);
  } else {
    Ref wrap(PyObject_GetAttr(self, names.wrap));
    if (!wrap || !(other.p = PyObject_CallOneArg(wrap.get(), a[0])))
      return nullptr;
    if (!isNode(other.get())) {
      PyErr_SetString(PyExc_TypeError, "_wrap did not give a LazyTensor");
      return nullptr;
    }
  }
  Py_ssize_t dimA = dimOf(self), dimB = dimOf(other.get());
  if (PyErr_Occurred())
    return nullptr;
  PyObject *check = a[4] ? a[4] : names.sameor1;
  bool sameOr1 = check != Py_None &&
                 PyUnicode_Check(check) &&
                 PyUnicode_Compare(check, names.sameor1) == 0;
  bool same = check != Py_None && PyUnicode_Check(check) &&
              PyUnicode_Compare(check, names.same) == 0;
  if (dimA != dimB && ((sameOr1 && dimA != 1 && dimB != 1) || same)) {
    PyErr_Format(PyExc_ValueError,
                 "operands of %S have dimensions %zd and %zd; expected equal "
                 "dimensions%s",
                 a[2], dimA, dimB, same ? "" : " or 1");
    return nullptr;
  }
  Ref dim(a[3] && a[3] != Py_None
              ? Py_NewRef(a[3])
              : Py_NewRef(dimA >= dimB ? asNode(self)->dim
                                       : asNode(other.get())->dim));
  int reverse = a[5] ? PyObject_IsTrue(a[5]) : 0;
  if (reverse < 0)
    return nullptr;
  PyObject *lhs = reverse ? other.get() : self;
  PyObject *rhs = reverse ? self : other.get();
  if (!asNode(lhs)->formula || !asNode(rhs)->formula) {
    PyErr_SetString(PyExc_ValueError, "a LazyTensor without formula");
    return nullptr;
  }
  Ref formula(formatTwo(a[1], asNode(lhs)->formula, asNode(rhs)->formula));
  if (!formula)
    return nullptr;
  PyObject *operands[] = {self, other.get()};
  PyObject *result =
      makeNode(self, formula.get(), dim.get(), operands, 2, a[6]);
  if (result || PyErr_Occurred())
    return result;
  PyObject *call[] = {formula.get(), dim.get(), self, other.get(), a[6]};
  Ref kw(a[6] ? PyTuple_Pack(1, names.isComplexKw) : nullptr);
  return forward(self, names.nodeGeneral, call, 4, kw.get());
}

//===----------------------------------------------------------------------===//
// The key of a reduction's plan
//===----------------------------------------------------------------------===//

PyObject *noPlan() { return PyTuple_Pack(2, Py_None, Py_None); }

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
int plannable(PyObject *self) {
  NodeObject *node = asNode(self);
  if (hasSymbolic(node) || hasRanges(node))
    return 0;
  // Class attributes (sharded() sets genred_class on the class).
  PyTypeObject *type = Py_TYPE(self);
  PyObject *backend = _PyType_Lookup(type, names.backend);
  PyObject *genred = _PyType_Lookup(type, names.genredClass);
  PyObject *plain = _PyType_Lookup(type, names.plainGenredClass);
  return (!backend || backend == Py_None) && genred == plain;
}

/// What a plan key holds for a leaf (None: no plan).
PyObject *leafLayout(PyObject *self, LeafObject *leaf, Ref &library) {
  if (leaf->layout) {
    if (leaf->layout == Py_None)
      return Py_NewRef(Py_None);
    Ref grad(PyObject_GetAttr(leaf->raw, names.requiresGrad));
    if (!grad)
      return nullptr;
    return Py_NewRef(grad.get() == Py_False ? leaf->layout : Py_None);
  }
  if (!library && !(library.p = PyObject_GetAttr(self, names.library)))
    return nullptr;
  return PyObject_CallMethodOneArg(library.get(), names.planLayout, leaf->raw);
}

/// _plan_key(reduction, axis, k, weight): (what a LazyPlan of this
/// reduction depends on, the leaves' arrays as given), or (None, None)
/// where there is no plan to make: symbolic variables, ranges, a backend
/// chosen, a sharded Genred, or arrays that need a copy or gradients. The
/// leaves are numbered in order and named by category, so that equal
/// structures give equal keys.
PyObject *nodePlanKey(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                      PyObject *kwnames) {
  PyObject *a[4];
  if (!parseArguments("_plan_key", args, nargs, kwnames,
                      {"reduction", "axis", "k", "weight"}, 4, a))
    return nullptr;
  int ok = plannable(self);
  if (ok <= 0)
    return ok < 0 ? nullptr : noPlan();
  NodeObject *node = asNode(self);
  PyObject *leaves = node->leaves;
  Ref merged, weight;
  if (a[3] != Py_None) {
    if (isNode(a[3])) {
      weight.p = Py_NewRef(a[3]);
    } else {
      Ref wrap(PyObject_GetAttr(self, names.wrap));
      if (!wrap || !(weight.p = PyObject_CallOneArg(wrap.get(), a[3])))
        return nullptr;
      if (!isNode(weight.get()))
        return noPlan();
    }
    NodeObject *w = asNode(weight.get());
    if (hasSymbolic(w) || hasRanges(w))
      return noPlan();
    if (!(merged.p = PyDict_Copy(leaves)) ||
        PyDict_Update(merged.get(), w->leaves) < 0)
      return nullptr;
    leaves = merged.get();
  }
  if (!leaves || !PyDict_Check(leaves) || !node->formula)
    return noPlan();
  Py_ssize_t count = PyDict_GET_SIZE(leaves);
  Ref key(PyTuple_New(4 + count + 2)), arrays(PyList_New(count));
  if (!key || !arrays)
    return nullptr;
  PyObject *head[] = {(PyObject *)Py_TYPE(self), a[0], a[1], a[2]};
  for (int n = 0; n < 4; ++n)
    PyTuple_SET_ITEM(key.get(), n, Py_NewRef(head[n]));
  std::vector<LeafName> leafNames;
  leafNames.reserve(count);
  Ref library;
  Py_ssize_t position = 0, n = 0;
  PyObject *id, *value;
  while (PyDict_Next(leaves, &position, &id, &value)) {
    if (Py_TYPE(value) != &LeafType) {
      PyErr_SetString(PyExc_TypeError, "a LazyTensor's leaves are LazyLeaf objects");
      return nullptr;
    }
    auto *leaf = (LeafObject *)value;
    PyObject *layout = leafLayout(self, leaf, library);
    if (!layout)
      return nullptr;
    if (layout == Py_None) {
      Py_DECREF(layout);
      return noPlan();
    }
    PyTuple_SET_ITEM(key.get(), 4 + n, layout);
    PyList_SET_ITEM(arrays.get(), n, Py_NewRef(leaf->raw));
    const char *category = PyUnicode_AsUTF8(leaf->category);
    unsigned long long leafId = PyLong_AsUnsignedLongLong(id);
    if (!category || PyErr_Occurred())
      return nullptr;
    leafNames.push_back({leafId, category + std::to_string(n)});
    ++n;
  }
  PyObject *text = renameLeaves(node->formula, leafNames);
  if (!text)
    return nullptr;
  PyTuple_SET_ITEM(key.get(), 4 + count, text);
  PyObject *text2 = weight ? renameLeaves(asNode(weight.get())->formula, leafNames)
                           : Py_NewRef(Py_None);
  if (!text2)
    return nullptr;
  PyTuple_SET_ITEM(key.get(), 5 + count, text2);
  return PyTuple_Pack(2, key.get(), arrays.get());
}

PyMemberDef nodeMembers[] = {
    {"formula_template", T_OBJECT, offsetof(NodeObject, formula), 0,
     "the formula, arrays as V#id# placeholders"},
    {"_dim", T_OBJECT, offsetof(NodeObject, dim), 0,
     "the dimension D of its values"},
    {"_leaves", T_OBJECT, offsetof(NodeObject, leaves), 0,
     "{leaf id: LazyLeaf}, in the formula's order"},
    {"_symbolic", T_OBJECT, offsetof(NodeObject, symbolic), 0,
     "its symbolic variables (ind, dim, cat)"},
    {"_sizes_cache", T_OBJECT, offsetof(NodeObject, sizes), 0,
     "(batch, N, M), None until known"},
    {"_ranges", T_OBJECT, offsetof(NodeObject, ranges), 0,
     "its block-sparse ranges, or None"},
    {nullptr},
};

PyMethodDef nodeMethods[] = {
    {"_node", (PyCFunction)(void (*)())nodeNode, METH_FASTCALL | METH_KEYWORDS,
     "_node(formula, dim, *operands, is_complex=None): a node over operands"},
    {"_unary", (PyCFunction)(void (*)())nodeUnary,
     METH_FASTCALL | METH_KEYWORDS,
     "_unary(name, dim=None, extra='', is_complex=None): name(self extra)"},
    {"_binary", (PyCFunction)(void (*)())nodeBinary,
     METH_FASTCALL | METH_KEYWORDS,
     "_binary(other, template, op_name, dim=None, check='sameor1', "
     "reverse=False, is_complex=None)"},
    {"_plan_key", (PyCFunction)(void (*)())nodePlanKey,
     METH_FASTCALL | METH_KEYWORDS,
     "_plan_key(reduction, axis, k, weight): (key, arrays) or (None, None)"},
    {nullptr},
};

PyTypeObject NodeType = [] {
  PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
  t.tp_name = "kred._kred.LazyNode";
  t.tp_basicsize = sizeof(NodeObject);
  t.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC;
  t.tp_doc = "The base of LazyTensor: a node's formula, leaves and sizes, "
             "built in C on the common path";
  t.tp_new = nodeNew;
  t.tp_init = nodeInit;
  t.tp_traverse = (traverseproc)nodeTraverse;
  t.tp_clear = (inquiry)nodeClear;
  t.tp_dealloc = (destructor)nodeDealloc;
  t.tp_members = nodeMembers;
  t.tp_methods = nodeMethods;
  return t;
}();

} // namespace

void bindLazyCore(py::module_ &m) {
  if (!internNames() || PyType_Ready(&LeafType) < 0 ||
      PyType_Ready(&NodeType) < 0)
    throw py::error_already_set();
  m.add_object("LazyLeaf", py::reinterpret_borrow<py::object>(
                               (PyObject *)&LeafType));
  m.add_object("LazyNode", py::reinterpret_borrow<py::object>(
                               (PyObject *)&NodeType));
  m.def("new_leaf_id", [] { return ++leafCounter; },
        "a new LazyTensor leaf id (V#id# in formula templates)");
  m.def(
      "lazy_setup",
      [](py::object merge, py::object ranges) {
        mergeTwo = merge.release().ptr();
        commonRanges = ranges.release().ptr();
      },
      "lazy_tensor's _merge_two and _common_ranges, which LazyNode calls "
      "off its common path");
  m.def(
      "lazy_register",
      [](py::object cls, py::object arrayType, py::object dtypes) {
        if (!PyType_Check(cls.ptr()) ||
            !PyType_IsSubtype((PyTypeObject *)cls.ptr(), &NodeType))
          throw py::type_error("lazy_register takes a LazyNode class");
        fastClasses.push_back(
            {(PyTypeObject *)cls.release().ptr(),
             arrayType.is_none() ? nullptr : arrayType.release().ptr(),
             dtypes.release().ptr()});
      },
      py::arg("cls"), py::arg("array_type"), py::arg("dtypes"),
      "a real LazyTensor class (its own real_class); LazyTensor(x) for x of "
      "exactly array_type with a dtype in `dtypes` (a dict) is made in C");
}
