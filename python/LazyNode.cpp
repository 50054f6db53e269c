//===- LazyNode.cpp - LazyTensor's nodes, built in C ----------------------===//
//
// LazyNode, the base of GenericLazyTensor: a node's formula text, leaves,
// sizes and ranges, and the nodes of _unary, _binary and _node where they
// have no symbolic variables (see LazyCore.h). kred._kred's LazyNode,
// LazyLeaf, new_leaf_id, lazy_setup and lazy_register.
//
//===----------------------------------------------------------------------===//

#include "LazyCore.h"

#include <structmember.h>

#include <pybind11/pybind11.h>

#include <string>
#include <string_view>
#include <vector>

namespace py = pybind11;

namespace kred::lazy {

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
      {&names.format, "format"},
      {&names.sameor1, "sameor1"},
      {&names.same, "same"},
      {&names.i, "i"},
      {&names.j, "j"},
      {&names.param, "param"},
      {&names.lazyPlans, "_lazy_plans"},
      {&names.reduceGeneral, "_reduce_general"},
      {&names.sumGeneral, "_sum_general"},
      {&names.sum, "Sum"},
      {&names.minus, "Minus"},
      {&names.square, "Square"},
  };
  for (Entry &e : entries)
    if (!(*e.slot = PyUnicode_InternFromString(e.text)))
      return false;
  return true;
}

namespace {

/// Python helpers of kred.common.lazy_tensor (lazy_setup).
PyObject *mergeTwo = nullptr;     // _merge_two(sizes, sizes)
PyObject *commonRanges = nullptr; // _common_ranges(operands)

std::vector<FastClass> fastClasses; // lazy_register

/// Whether lazy_setup gave the Python helpers (else a Python error).
bool setUp() {
  if (mergeTwo && commonRanges)
    return true;
  PyErr_SetString(PyExc_RuntimeError,
                  "LazyNode needs kred.common.lazy_tensor (lazy_setup)");
  return false;
}
unsigned long long leafCounter = 0;

} // namespace

const FastClass *fastClass(PyTypeObject *type) {
  for (const FastClass &f : fastClasses)
    if (f.cls == type)
      return &f;
  return nullptr;
}

bool isLeafArrayType(PyTypeObject *type) {
  for (const FastClass &f : fastClasses)
    if (f.arrayType == (PyObject *)type)
      return true;
  return false;
}

unsigned long long newLeafId() { return ++leafCounter; }

NodeObject *allocNode(PyTypeObject *type) {
  return (NodeObject *)type->tp_alloc(type, 0);
}

namespace {

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

/// LazyTensor(...): a leaf of a tensor here; else cls._construct(...).
PyObject *nodeNew(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  Py_ssize_t nargs = PyTuple_GET_SIZE(args);
  Py_ssize_t keywords = kwds ? PyDict_GET_SIZE(kwds) : 0;
  if (nargs == 0 && keywords == 0)
    return blankNode(type);
  // LazyTensor(x), LazyTensor(x, axis) or LazyTensor(x, axis=axis).
  PyObject *axis = nargs == 2 && keywords == 0 ? PyTuple_GET_ITEM(args, 1)
                   : nargs == 1 && keywords == 1
                       ? PyDict_GetItemString(kwds, "axis")
                       : nullptr;
  const FastClass *fc = fastClass(type);
  long axisValue = axis && PyLong_CheckExact(axis) ? PyLong_AsLong(axis) : -1;
  if (fc && ((nargs == 1 && keywords == 0) || axisValue == 0 || axisValue == 1)) {
    PyObject *leaf = PyErr_Occurred() ? nullptr
                                      : fastLeaf(type, *fc, PyTuple_GET_ITEM(args, 0),
                                                 (int)axisValue);
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
  if (!setUp())
    return nullptr;
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
    Ref ranges(setUp() ? PyObject_CallOneArg(commonRanges, both.get())
                       : nullptr);
    if (!ranges)
      return nullptr;
    if (ranges.get() != Py_None)
      node->ranges = ranges.release();
  }
  return nodeRef.release();
}

/// makeNode's node, else Python's _node_general(formula, dim, *operands,
/// is_complex=isComplex).
PyObject *buildNode(PyObject *self, PyObject *formula, PyObject *dim,
                    PyObject *const *operands, Py_ssize_t count,
                    PyObject *isComplex) {
  PyObject *result = makeNode(self, formula, dim, operands, count, isComplex);
  if (result || PyErr_Occurred())
    return result;
  PyObject *call[] = {formula, dim, operands[0], count > 1 ? operands[1] : isComplex,
                      isComplex};
  Ref kw(isComplex ? PyTuple_Pack(1, names.isComplex) : nullptr);
  return forward(self, names.nodeGeneral, call, 2 + count, kw.get());
}

} // namespace

std::string_view utf8(PyObject *text) {
  Py_ssize_t size = 0;
  const char *data = PyUnicode_Check(text) ? PyUnicode_AsUTF8AndSize(text, &size)
                                           : nullptr;
  if (!data && !PyErr_Occurred())
    PyErr_SetString(PyExc_TypeError, "a str expected");
  return data ? std::string_view(data, size) : std::string_view();
}

PyObject *concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts)
    out += part;
  return PyUnicode_FromStringAndSize(out.data(), (Py_ssize_t)out.size());
}

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

PyObject *forward(PyObject *self, PyObject *name, PyObject *const *args,
                  Py_ssize_t nargs, PyObject *kwnames) {
  Ref method(PyObject_GetAttr(self, name));
  if (!method)
    return nullptr;
  return PyObject_Vectorcall(method.get(), args, nargs, kwnames);
}

namespace {

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

} // namespace

PyObject *unaryNode(PyObject *self, PyObject *nameArg, PyObject *dimArg,
                    PyObject *extraArg, PyObject *isComplex) {
  NodeObject *node = asNode(self);
  Ref name(asText(nameArg));
  Ref extra(extraArg ? asText(extraArg) : PyUnicode_FromString(""));
  if (!name || !extra || !node->formula)
    return nullptr;
  std::string_view nameText = utf8(name.get()), formulaText = utf8(node->formula),
                   extraText = utf8(extra.get());
  if (PyErr_Occurred())
    return nullptr;
  Ref formula(concat({nameText, "(", formulaText, extraText, ")"}));
  if (!formula)
    return nullptr;
  PyObject *dim = dimArg && dimArg != Py_None ? dimArg : node->dim;
  return buildNode(self, formula.get(), dim, &self, 1, isComplex);
}

namespace {

/// _unary(name, dim=None, extra="", is_complex=None): name(self extra).
PyObject *nodeUnary(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                    PyObject *kwnames) {
  PyObject *a[4];
  if (!parseArguments("_unary", args, nargs, kwnames,
                      {"name", "dim", "extra", "is_complex"}, 1, a))
    return nullptr;
  return unaryNode(self, a[0], a[1], a[2], a[3]);
}

/// template.format(lhs, rhs): here for templates with two {} and no other
/// brace.
PyObject *formatTwo(PyObject *templ, PyObject *lhs, PyObject *rhs) {
  std::string_view t = utf8(templ), left = utf8(lhs), right = utf8(rhs);
  if (!PyErr_Occurred()) {
    size_t first = t.find("{}");
    size_t second = first == t.npos ? t.npos : t.find("{}", first + 2);
    auto plain = [](std::string_view part) {
      return part.find_first_of("{}") == part.npos;
    };
    if (second != t.npos && plain(t.substr(0, first)) &&
        plain(t.substr(first + 2, second - first - 2)) &&
        plain(t.substr(second + 2)))
      return concat({t.substr(0, first), left,
                     t.substr(first + 2, second - first - 2), right,
                     t.substr(second + 2)});
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

} // namespace

PyObject *binaryNode(PyObject *self, PyObject *otherArg, PyObject *templ,
                     PyObject *opName, PyObject *dimArg, PyObject *check,
                     bool reverse, PyObject *isComplex) {
  Ref other;
  if (isNode(otherArg)) {
    other.p = Py_NewRef(otherArg);
  } else {
    Ref wrap(PyObject_GetAttr(self, names.wrap));
    if (!wrap || !(other.p = PyObject_CallOneArg(wrap.get(), otherArg)))
      return nullptr;
    if (!isNode(other.get())) {
      PyErr_SetString(PyExc_TypeError, "_wrap did not give a LazyTensor");
      return nullptr;
    }
  }
  Py_ssize_t dimA = dimOf(self), dimB = dimOf(other.get());
  if (PyErr_Occurred())
    return nullptr;
  if (!check)
    check = names.sameor1;
  bool sameOr1 = PyUnicode_Check(check) &&
                 PyUnicode_Compare(check, names.sameor1) == 0;
  bool same = PyUnicode_Check(check) &&
              PyUnicode_Compare(check, names.same) == 0;
  if (dimA != dimB && ((sameOr1 && dimA != 1 && dimB != 1) || same)) {
    PyErr_Format(PyExc_ValueError,
                 "operands of %S have dimensions %zd and %zd; expected equal "
                 "dimensions%s",
                 opName, dimA, dimB, same ? "" : " or 1");
    return nullptr;
  }
  PyObject *dim = dimArg && dimArg != Py_None
                      ? dimArg
                      : (dimA >= dimB ? asNode(self) : asNode(other.get()))->dim;
  PyObject *lhs = reverse ? other.get() : self;
  PyObject *rhs = reverse ? self : other.get();
  if (!asNode(lhs)->formula || !asNode(rhs)->formula) {
    PyErr_SetString(PyExc_ValueError, "a LazyTensor without formula");
    return nullptr;
  }
  Ref formula(formatTwo(templ, asNode(lhs)->formula, asNode(rhs)->formula));
  if (!formula)
    return nullptr;
  PyObject *operands[] = {self, other.get()};
  return buildNode(self, formula.get(), dim, operands, 2, isComplex);
}

namespace {

/// _binary(other, template, op_name, dim=None, check="sameor1",
/// reverse=False, is_complex=None).
PyObject *nodeBinary(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                     PyObject *kwnames) {
  PyObject *a[7];
  if (!parseArguments("_binary", args, nargs, kwnames,
                      {"other", "template", "op_name", "dim", "check",
                       "reverse", "is_complex"},
                      3, a))
    return nullptr;
  int reverse = a[5] ? PyObject_IsTrue(a[5]) : 0;
  if (reverse < 0)
    return nullptr;
  return binaryNode(self, a[0], a[1], a[2], a[3], a[4], reverse, a[6]);
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
    {"_reduce", (PyCFunction)(void (*)())nodeReduce,
     METH_FASTCALL | METH_KEYWORDS,
     "_reduce(reduction, axis, k=None, weight=None, **options): the "
     "reduction over i (axis 0) or j (1), by its plan where one serves"},
    {"sum", (PyCFunction)(void (*)())nodeSum, METH_FASTCALL | METH_KEYWORDS,
     "sum(axis=-1, dim=None, **options): the Sum reduction over i or j "
     "(dim = batch dims or batch dims + 1), or over the last axis (-1)"},
    {"__matmul__", (PyCFunction)(void (*)())nodeMatmul,
     METH_FASTCALL | METH_KEYWORDS,
     "__matmul__(v, **options): K @ v, as matmul (pykeops' form takes the "
     "reductions' options)"},
    {nullptr},
};

} // namespace

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
  t.tp_as_number = &nodeNumberMethods;
  return t;
}();

} // namespace kred::lazy

void bindLazyCore(py::module_ &m) {
  using namespace kred::lazy;
  if (!internNames() || PyType_Ready(&LeafType) < 0 ||
      PyType_Ready(&NodeType) < 0)
    throw py::error_already_set();
  m.add_object("LazyLeaf", py::reinterpret_borrow<py::object>(
                               (PyObject *)&LeafType));
  m.add_object("LazyNode", py::reinterpret_borrow<py::object>(
                               (PyObject *)&NodeType));
  m.def(
      "plan_layout",
      [](py::handle a) {
        PyObject *layout = planLayout(a.ptr());
        if (!layout)
          throw py::error_already_set();
        return py::reinterpret_steal<py::object>(layout);
      },
      "Backend.plan_layout: (dtype, shape) of an array a LazyPlan passes as "
      "it is, ('numbers', count) for a list of numbers, else None");
  m.def("new_leaf_id", &newLeafId,
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
