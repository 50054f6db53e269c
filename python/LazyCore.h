//===- LazyCore.h - LazyTensor's common path in C, shared ----------------===//
//
// The objects of LazyTensor's C core (LazyNode.cpp: nodes, LazyLeaf.cpp:
// leaves, LazyOperators.cpp: operators and sum, LazyPlans.cpp: plan keys)
// and what those files share. At N = M = 100 a whole LazyTensor reduction
// costs a few microseconds, so building its nodes in Python was most of a
// call. What is off the common path (complex values, symbolic variables,
// batch shapes to broadcast, ranges, other arguments) calls back into the
// Python methods of kred.common.lazy_tensor, which remain the definition of
// the behaviour.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_PYTHON_LAZYCORE_H
#define KRED_PYTHON_LAZYCORE_H

#include <Python.h>

#include <initializer_list>
#include <string_view>

namespace kred::lazy {

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

/// Attribute names and texts, interned once (internNames).
struct Names {
  PyObject *shape, *dtype, *isCuda, *isContiguous, *requiresGrad, *reshape,
      *construct, *isComplex, *complexClass, *realClass, *nodeGeneral, *wrap,
      *backend, *genredClass, *plainGenredClass, *format, *sameor1, *same,
      *i, *j, *param, *lazyPlans, *reduceGeneral,
      *sumGeneral, *sum, *minus, *square;
};
extern Names names;
bool internNames();

/// An array of a formula (LazyLeaf; see Leaf in lazy_tensor.py). `layout`:
/// what a plan key holds for it, found when the leaf was made in C (None:
/// no plan; nullptr: planLayout's); `gradients`: whether the array may
/// require gradients (a torch tensor), which rules a plan out.
struct LeafObject {
  PyObject_HEAD
  PyObject *category, *raw, *dim, *shape, *array, *placeholder, *layout;
  bool gradients;
};
extern PyTypeObject LeafType;

/// A LazyTensor's node (LazyNode, GenericLazyTensor's base).
struct NodeObject {
  PyObject_HEAD
  PyObject *formula, *dim, *leaves, *symbolic, *sizes, *ranges;
};
extern PyTypeObject NodeType;

inline bool isNode(PyObject *o) { return PyObject_TypeCheck(o, &NodeType); }
inline NodeObject *asNode(PyObject *o) { return (NodeObject *)o; }
inline bool hasSymbolic(NodeObject *n) {
  return n->symbolic && PyTuple_Check(n->symbolic) &&
         PyTuple_GET_SIZE(n->symbolic) != 0;
}
inline bool hasRanges(NodeObject *n) {
  return n->ranges && n->ranges != Py_None;
}
NodeObject *allocNode(PyTypeObject *type);

/// A real LazyTensor class (its own real_class) registered with
/// lazy_register: its nodes are made in C, and its leaves of arrays of
/// exactly `arrayType` (torch.Tensor, numpy.ndarray) with a dtype in
/// `dtypes`.
struct FastClass {
  PyTypeObject *cls;
  PyObject *arrayType; // nullptr: leaves made in Python
  PyObject *dtypes;
};
const FastClass *fastClass(PyTypeObject *type);
/// Whether `type` is exactly a registered class's array type.
bool isLeafArrayType(PyTypeObject *type);

/// What a LazyPlan's key holds for a leaf's array as given
/// (Backend.plan_layout): (dtype, shape) where a plan can pass it as it is
/// (exactly a registered array type; a torch tensor on the CPU,
/// C-contiguous, not requiring gradients; a NumPy array C-contiguous in the
/// machine's byte order), ("numbers", count) for a list of numbers, else
/// None.
PyObject *planLayout(PyObject *a);

/// Whether `x` is a NumPy array in the machine's byte order.
bool isNativeArray(PyObject *x);

/// A new leaf id (V#id# in formula templates), shared with Python.
unsigned long long newLeafId();

/// LazyTensor(x) (axis -1) or LazyTensor(x, axis=0|1) made in C
/// (LazyLeaf.cpp); nullptr without an error where Python must make it.
PyObject *fastLeaf(PyTypeObject *type, const FastClass &fc, PyObject *x,
                   int axis);

/// A str's UTF-8 text (empty, with a Python error set, if it is none).
std::string_view utf8(PyObject *text);
/// The concatenation of `parts` as a str (without printf's cost).
PyObject *concat(std::initializer_list<std::string_view> parts);

/// Positional and keyword arguments of a METH_FASTCALL method, by name;
/// missing optional ones stay nullptr.
bool parseArguments(const char *method, PyObject *const *args,
                    Py_ssize_t nargs, PyObject *kwnames,
                    std::initializer_list<const char *> parameters,
                    Py_ssize_t required, PyObject **out);
/// Calls Python's `self.NAME(*args, **kwargs)`.
PyObject *forward(PyObject *self, PyObject *name, PyObject *const *args,
                  Py_ssize_t nargs, PyObject *kwnames);

/// name(self extra) of dimension `dim` (nullptr: self's), as _unary.
PyObject *unaryNode(PyObject *self, PyObject *name, PyObject *dim,
                    PyObject *extra, PyObject *isComplex);
/// templ.format(self, other) (reversed: other, self), its dimensions
/// checked ("sameor1", "same" or None), as _binary; nullptr arguments are
/// _binary's defaults.
PyObject *binaryNode(PyObject *self, PyObject *other, PyObject *templ,
                     PyObject *opName, PyObject *dim, PyObject *check,
                     bool reverse, PyObject *isComplex);

/// Operators (LazyOperators.cpp): +, -, *, /, unary -, **, sum() and @.
extern PyNumberMethods nodeNumberMethods;
PyObject *nodeSum(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                  PyObject *kwnames);
/// K.__matmul__(v, **options): K @ v by the plan of an identical earlier
/// call, else the Python method matmul.
PyObject *nodeMatmul(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                     PyObject *kwnames);

/// Plans (LazyPlans.cpp): _plan_key; a reduction (reduction, axis, k,
/// weight) run by the plan an earlier identical call made (nullptr without
/// an error: no plan); _reduce, which runs it or calls _reduce_general.
PyObject *nodePlanKey(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                      PyObject *kwnames);
PyObject *runPlanned(PyObject *self, PyObject *const *reduction);
PyObject *nodeReduce(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                     PyObject *kwnames);

} // namespace kred::lazy

#endif // KRED_PYTHON_LAZYCORE_H
