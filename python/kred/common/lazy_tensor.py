"""LazyTensor: symbolic (..., M, N, D) tensors whose operations build a
KeOps formula; a reduction over i or j compiles it (once per formula, dtype
and batch rank) and runs it. The array library comes from the subclass in
kred.numpy / kred.torch; reductions, `@` and transposition are in
lazy_reduction.py, complex numbers in complex_lazy_tensor.py.

Conventions follow pykeops 2.3: `ndim` is the dimension D of the formula's
values, `_shape` is (batch..., M, N, D), `shape` drops a trailing D = 1 and
`dim()` is len(_shape)."""

import copyreg
import numbers

from .. import _kred
from .aliases import CATEGORY_CODE
from .lazy_ops import FormulaOpsMixin
from .lazy_reduction import ReductionMixin, first_array_position, substitute_leaves

_new_leaf_id = _kred.new_leaf_id


def _is_number(x):
    return isinstance(x, numbers.Number) and not isinstance(x, bool)


def _is_scalar(x, value):
    """x is a Python number equal to value (pykeops' shortcuts: x + 0 is x,
    x * 1 is x, ...)."""
    if isinstance(x, GenericLazyTensor):  # the common case, tested first
        return False
    return _is_number(x) and not isinstance(x, complex) and x == value


# An array of the formula (kred._kred.LazyLeaf): category "i", "j" or
# "param"; `raw` is the array as given (with pykeops' dummy axes) or a list
# of Python floats (a parameter made an array of the reduction's dtype when
# it runs, so that new values need no new compilation); `shape` is the
# array's shape without dummy axes, and `array` the array in that shape
# (made when first asked: a call that reuses a plan passes `raw` as it is);
# `placeholder` is its V#id# in formula templates.
Leaf = _kred.LazyLeaf
copyreg.pickle(Leaf, lambda leaf: (Leaf, (leaf.category, leaf.raw, leaf.dim,
                                          leaf.placeholder, leaf.shape)))


def _rebuild_node(cls, fields, state):
    """A LazyTensor from GenericLazyTensor.__reduce__'s fields (copy.copy,
    copy.deepcopy)."""
    node = _kred.LazyNode.__new__(cls)
    (node.formula_template, node._dim, node._leaves, node._symbolic, node._sizes_cache,
     node._ranges) = fields
    if state:
        node.__dict__.update(state)
    return node


def _merged_sizes(operands):
    """A node's (batch, N, M) from its operands' sizes when all are known
    (else None: computed from the leaves when asked), as _compute_sizes
    would find them over all their leaves."""
    merged = ([], None, None)
    for o in operands:
        if o._sizes_cache is None:
            return None
        merged = _merge_two(merged, o._sizes_cache)
    return merged


def _merge_two(first, second):
    """The sizes of two operands' leaves together: batch shapes broadcast,
    the second's rows where it has them."""
    (b1, i1, j1), (b2, i2, j2) = first, second
    batch = _broadcast(b1, b2) if b1 and b2 else (b1 or b2)
    return batch, i1 if i2 is None else i2, j1 if j2 is None else j2


def _broadcast(batch, b):
    """The batch shape of arrays with batch shapes `batch` and `b` (each
    dimension the larger, as _compute_sizes merges them)."""
    if len(b) > len(batch):
        batch = [1] * (len(b) - len(batch)) + list(batch)
    b = [1] * (len(batch) - len(b)) + list(b)
    return [max(x, y) for x, y in zip(batch, b)]


def _common_ranges(operands):
    """The block-sparse pattern operands share (pykeops' promotion): the one
    that is set; two different ones cannot be combined."""
    found = None
    for o in operands:
        r = o._ranges
        if r is None or r is found:
            continue
        if found is not None and not all(
                a is b or (tuple(a.shape) == tuple(b.shape) and bool((a == b).all()))
                for a, b in zip(found, r)):
            raise ValueError("these LazyTensors have different ranges (block-sparse "
                             "patterns); set the same ranges on both, or none")
        found = r
    return found


class GenericLazyTensor(ReductionMixin, FormulaOpsMixin, _kred.LazyNode):
    """A symbolic tensor. Build it as in pykeops: LazyTensor(x[:, None, :])
    is indexed by i, LazyTensor(y[None, :, :]) by j, LazyTensor(p) with p of
    shape (D,) (or (..., 1, 1, D)) is a parameter, LazyTensor(x, axis=0|1)
    takes a 2-D array, LazyTensor((ind, dim, cat)) is a symbolic variable
    given at call time, integers are exact constants and floats parameters."""

    library = None      # the array library's Backend (kred.numpy / kred.torch)
    genred_class = None
    backend = None      # pykeops' default backend= of this LazyTensor's reductions
    real_class = None   # LazyTensor and ComplexLazyTensor of the backend
    complex_class = None
    is_complex = False
    __array_priority__ = 1000  # NumPy defers a + b to LazyTensor.__radd__
    __array_ufunc__ = None
    # LazyNode (C) holds formula_template, _dim, _leaves, _symbolic,
    # _sizes_cache and _ranges, makes leaves of tensors and the nodes of
    # _unary, _binary and _node where they have no symbolic variables, and
    # _plan_key; it calls the Python methods below for the rest.

    @classmethod
    def _construct(cls, x=None, axis=None, is_complex=False):
        """LazyTensor(x, axis) where LazyNode does not make it."""
        node = _kred.LazyNode.__new__(cls)
        node._py_init(x, axis)
        return node

    def __reduce__(self):
        # LazyNode's slots and any attribute set on the object.
        return _rebuild_node, (type(self), (self.formula_template, self._dim, self._leaves,
                                            self._symbolic, self._sizes_cache,
                                            self._ranges), self.__dict__ or None)

    def _py_init(self, x=None, axis=None):
        if self.library.is_array(x):
            self._init_leaf(x, *self._classify(x, axis))
            return
        self._symbolic = ()
        self._leaves = {}
        self._sizes_cache = None
        if x is None:
            return  # Filled by _node.
        if isinstance(x, GenericLazyTensor):
            self._init_node(x.formula_template, x._dim, dict(x._leaves), x._symbolic)
            self.ranges = x.ranges
            return
        if isinstance(x, tuple):
            self._init_symbolic(x, axis)
            return
        if isinstance(x, bool):
            raise TypeError("booleans are not formula values; use 0 or 1")
        if isinstance(x, numbers.Integral):
            self._init_node(f"IntCst({int(x)})", 1, {})
            return
        if isinstance(x, numbers.Real):
            x = [float(x)]
        if isinstance(x, list):
            self._init_constant(x, axis)
            return
        raise TypeError(f"LazyTensor takes a {self.library.array_name}, a number, a list "
                        f"of numbers or an (ind, dim, cat) tuple, got {type(x).__name__}")

    # --- construction ---------------------------------------------------------
    def _init_node(self, formula, dim, leaves, symbolic=(), sizes=None):
        self.formula_template, self._dim = formula, dim
        self._leaves, self._symbolic = leaves, tuple(symbolic)
        # `sizes` (merged from operands by _node), else a leaf's now (cheap),
        # so that nodes merge their operands' instead of walking every leaf;
        # larger ones when asked.
        if sizes is None and len(leaves) <= 1:
            sizes = self._compute_sizes()
        self._sizes_cache = sizes

    def _init_leaf(self, array, category, shape):
        """A leaf: `array` as given, read as an array of `shape` (without
        pykeops' dummy axes) indexed by `category`."""
        leaf = _new_leaf_id()
        dim = shape[-1]  # a Python int: shapes are tuples of them
        placeholder = f"V#{leaf}#"
        self.formula_template, self._dim, self._symbolic = placeholder, dim, ()
        self._leaves = {leaf: Leaf(category, array, dim, placeholder, shape)}
        rows = shape[-2] if category != "param" else None
        self._sizes_cache = (list(shape[:-2 if rows is not None else -1]),
                             rows if category == "i" else None,
                             rows if category == "j" else None)

    def _init_symbolic(self, x, axis):
        if len(x) != 3 or not all(isinstance(v, int) and not isinstance(v, bool)
                                  for v in x):
            raise ValueError("LazyTensor((ind, dim, cat)) takes a triplet of integers, "
                             f"got {x!r}")
        if axis is not None:
            raise ValueError("axis must not be given with LazyTensor((ind, dim, cat))")
        ind, dim, cat = x
        if ind < 0 or dim < 1 or cat not in (0, 1, 2):
            raise ValueError(f"LazyTensor((ind, dim, cat)) needs ind >= 0, dim >= 1 and "
                             f"cat 0 (i), 1 (j) or 2 (parameter); got {x!r}")
        self._init_node(f"Var({ind},{dim},{cat})", dim, {}, (x,))

    def _init_constant(self, values, axis):
        if axis not in (None, 2):
            raise ValueError("a list of numbers is a parameter: axis must be None or 2")
        if not values or not all(_is_number(v) and not isinstance(v, complex)
                                 for v in values):
            raise TypeError(f"LazyTensor takes a non-empty list of real numbers, got "
                            f"{values!r}")
        leaf = _new_leaf_id()
        values = [float(v) for v in values]
        placeholder = f"V#{leaf}#"
        self._init_node(placeholder, len(values),
                        {leaf: Leaf("param", values, len(values), placeholder)})

    def _classify(self, x, axis):
        """(category, shape without dummy axes) of an array, as pykeops reads
        its shape; 1-D arrays with axis 0 or 1 are columns (N, 1)."""
        shape = tuple(x.shape)
        n = len(shape)
        if n >= 3 and axis is None:  # the common case first
            if shape[-2] == 1:
                if shape[-3] == 1:
                    return "param", shape[:-3] + shape[-1:]
                return "i", shape[:-2] + shape[-1:]
            if shape[-3] == 1:
                return "j", shape[:-3] + shape[-2:]
        if n == 0:
            return "param", (1,)
        if axis is not None and axis not in (0, 1, 2):
            raise ValueError(f"axis must be 0 (i), 1 (j) or 2 (parameter), got {axis!r}")
        if n == 1:
            if axis in (0, 1):
                return ("i", "j")[axis], shape + (1,)
            return "param", shape
        if axis is not None:
            return ("i", "j", "param")[axis], shape
        if n == 2:
            raise ValueError(f"a 2-D array of shape {shape} needs axis=0 (indexed by i) "
                             "or axis=1 (indexed by j)")
        raise ValueError("LazyTensor expects an array with a dummy axis: shape "
                         "(..., N, 1, D) for an i-variable, (..., 1, M, D) for a "
                         f"j-variable or (..., 1, 1, D) for a parameter; got shape {shape}")

    def _node_general(self, formula, dim, *operands, is_complex=None):
        """LazyNode._node where operands have symbolic variables, or are
        more than two: their leaves, symbolic variables, sizes and ranges
        merged."""
        if is_complex is None:
            is_complex = self.is_complex
        node = _kred.LazyNode.__new__(self.complex_class if is_complex else self.real_class)
        node.formula_template, node._dim = formula, dim
        leaves, symbolic = {}, []
        for o in operands:
            leaves.update(o._leaves)
            if o._symbolic:
                symbolic += [s for s in o._symbolic if s not in symbolic]
        node._leaves, node._symbolic = leaves, tuple(symbolic)
        node._sizes_cache = _merged_sizes(operands)
        ranges = _common_ranges(operands)
        if ranges is not None:  # checked when it was set on an operand
            node._ranges = ranges
        return node

    def _wrap(self, other):
        if isinstance(other, GenericLazyTensor):
            return other
        if isinstance(other, complex) or self.library.is_complex(other):
            return self.complex_class(other)
        return self.real_class(other)

    # --- shape (pykeops' conventions) -------------------------------------------
    @property
    def ndim(self):
        """The dimension D of the formula's values (pykeops' convention)."""
        return self._dim

    @property
    def _shape(self):
        batch, ni, nj = self._sizes()
        return tuple(batch) + (ni or 1, nj or 1, self._dim)

    @property
    def shape(self):
        s = self._shape
        return s[:-1] if s[-1] == 1 else s

    def dim(self):
        """The number of dimensions of _shape, as torch's Tensor.dim()."""
        return len(self._shape)

    @property
    def nbatchdims(self):
        return len(self._sizes()[0])

    @property
    def batchdims(self):
        batch = self._sizes()[0]
        return tuple(batch) if batch else None

    @property
    def ni(self):
        return self._sizes()[1]

    @property
    def nj(self):
        return self._sizes()[2]

    @property
    def dtype(self):
        """The dtype name of the arrays ("float32", ...), None if there are none."""
        for leaf in self._leaves.values():
            if not isinstance(leaf.array, list):
                return self.library.dtype_name(leaf.array)
        return None

    @property
    def variables(self):
        return tuple(leaf.array for leaf in self._leaves.values())

    @property
    def symbolic_variables(self):
        return self._symbolic

    def _sizes(self):
        """(batch shape, N or None, M or None) from the arrays, computed once."""
        if self._sizes_cache is None:
            self._sizes_cache = self._compute_sizes()
        return self._sizes_cache

    def _compute_sizes(self):
        batch, ni, nj = [], None, None
        for leaf in self._leaves.values():
            if leaf.shape is None:  # a list of numbers
                continue
            s = leaf.shape
            rows = 0 if leaf.category == "param" else 1
            batch = _broadcast(batch, s[:len(s) - rows - 1])
            if leaf.category == "i":
                ni = s[-2]
            elif leaf.category == "j":
                nj = s[-2]
        return batch, ni, nj

    # --- the formula ------------------------------------------------------------
    @property
    def formula(self):
        """The KeOps formula, with the arrays as Var(position, dim, cat)."""
        first = first_array_position(self._symbolic)
        positions = {key: first + n for n, key in enumerate(self._leaves)}
        return substitute_leaves(
            self.formula_template,
            lambda key: "Var({},{},{})".format(positions[key], self._leaves[key].dim,
                                               CATEGORY_CODE[self._leaves[key].category]))

    def __str__(self):
        kind = "ComplexLazyTensor" if self.is_complex else "LazyTensor"
        lines = [f"kred {kind}", f"    formula: {self.formula}"]
        if self._symbolic:
            lines.append("    symbolic variables: " +
                         ", ".join(f"Var{s}" for s in self._symbolic))
        lines.append(f"    shape: {self.shape}")
        return "\n".join(lines)

    def __repr__(self):
        return f"LazyTensor(formula={self.formula!r}, shape={self.shape})"

    # --- building formulas ------------------------------------------------------
    # _unary(name, dim=None, extra="", is_complex=None) -> name(self extra)
    # and _binary(other, template, op_name, dim=None, check="sameor1",
    # reverse=False, is_complex=None) -> template.format(self, other), its
    # dimensions checked ("sameor1", "same" or None), are LazyNode's.

    def _ternary(self, a, b, name, check="sameor1"):
        a, b = self._wrap(a), self._wrap(b)
        dim = max(self._dim, a._dim, b._dim)
        if check == "sameor1":
            for o in (self, a, b):
                if o._dim not in (1, dim):
                    raise ValueError(f"{name}: operands have dimensions {self._dim}, "
                                     f"{a._dim} and {b._dim}; expected equal or 1")
        return self._node(f"{name}({self.formula_template}, {a.formula_template}, "
                          f"{b.formula_template})", dim, self, a, b)

    def reduction(self, reduction_op, other=None, opt_arg=None, axis=None, dim=None,
                  call=True, is_complex=None, **kwargs):
        """The reduction reduction_op ("Sum", "ArgKMin", ...) over i or j;
        other is the weight (formula2), opt_arg K."""
        return self._reduce(reduction_op, self._axis(dim, axis, reduction_op), k=opt_arg,
                            weight=other, call=call, **kwargs)

    # Arithmetic, with pykeops' shortcuts for 0, 1 and -1: +, -, *, /, unary
    # - and ** are LazyNode's (C), which calls these for what is not two
    # LazyTensors of one real class (_add for self + o, _radd for o + self).
    def _complex_other(self, other):
        return (isinstance(other, GenericLazyTensor) and other.is_complex) or \
            isinstance(other, complex) or self.library.is_complex(other)

    def _add(self, o):
        if isinstance(o, GenericLazyTensor) and not o.is_complex:  # the common case
            return self._binary(o, "({} + {})", "+")
        if _is_scalar(o, 0):
            return self
        if self._complex_other(o):
            return self.real2complex() + o
        return self._binary(o, "({} + {})", "+")

    def _radd(self, o):
        if _is_scalar(o, 0):
            return self
        if self._complex_other(o):
            return self._wrap(o) + self
        return self._binary(o, "({} + {})", "+", reverse=True)

    def _sub(self, o):
        if isinstance(o, GenericLazyTensor) and not o.is_complex:
            return self._binary(o, "({} - {})", "-")
        if _is_scalar(o, 0):
            return self
        if self._complex_other(o):
            return self.real2complex() - o
        return self._binary(o, "({} - {})", "-")

    def _rsub(self, o):
        if _is_scalar(o, 0):
            return -self
        if self._complex_other(o):
            return self._wrap(o) - self
        return self._binary(o, "({} - {})", "-", reverse=True)

    def _multiplication_shortcut(self, o):
        """pykeops' x * 0 == 0 (the number), x * 1 is x, x * -1 is -x; None
        for other factors."""
        if _is_scalar(o, 0):
            return 0
        if _is_scalar(o, 1):
            return self
        if _is_scalar(o, -1):
            return -self
        return None

    def _mul(self, o, reverse=False):
        if isinstance(o, GenericLazyTensor) and not o.is_complex:
            return self._binary(o, "({} * {})", "*", reverse=reverse)
        shortcut = self._multiplication_shortcut(o)
        if shortcut is not None:
            return shortcut
        if self._complex_other(o):
            return self._wrap(o) * self
        return self._binary(o, "({} * {})", "*", reverse=reverse)

    def _rmul(self, o):
        return self._mul(o, reverse=True)

    def _truediv(self, o):
        if isinstance(o, GenericLazyTensor) and not o.is_complex:
            return self._binary(o, "({} / {})", "/")
        if _is_scalar(o, 1):
            return self
        if self._complex_other(o):
            return self.real2complex() / o
        return self._binary(o, "({} / {})", "/")

    def _rtruediv(self, o):
        if _is_scalar(o, 0):
            return 0
        if _is_scalar(o, 1):
            return self._unary("Inv")
        if self._complex_other(o):
            return self._wrap(o) / self
        return self._binary(o, "({} / {})", "/", reverse=True)

    def _neg(self): return self._unary("Minus")
    def __abs__(self): return self._unary("Abs")
    def abs(self): return abs(self)

    def __or__(self, o):
        """Scalar product (x | y)."""
        return self._binary(o, "({} | {})", "|", dim=1, check="same")

    def __ror__(self, o):
        return self._binary(o, "({} | {})", "|", dim=1, check="same", reverse=True)

    def _pow(self, other):
        if isinstance(other, int) and not isinstance(other, bool):
            return self.square() if other == 2 else self._unary("Pow", extra=f", {other}")
        if isinstance(other, float):
            if other == 0.5:
                return self.sqrt()
            if other == -0.5:
                return self.rsqrt()
        if not (isinstance(other, (float, GenericLazyTensor)) or
                self.library.is_array(other)):
            raise ValueError("the exponent must be an integer, a float or a LazyTensor, "
                             f"got {type(other).__name__}")
        other = self._wrap(other)
        if other._dim not in (1, self._dim):
            raise ValueError(f"the exponent has dimension {other._dim}; expected 1 or "
                             f"{self._dim}")
        return self._binary(other, "Powf({}, {})", "**", check=None)

    def power(self, other): return self ** other

    def __lt__(self, o): return self._binary(o, "({} < {})", "<")
    def __le__(self, o): return self._binary(o, "({} <= {})", "<=")
    def __gt__(self, o): return self._binary(o, "({} > {})", ">")
    def __ge__(self, o): return self._binary(o, "({} >= {})", ">=")
    def __eq__(self, o): return self._binary(o, "({} == {})", "==")
    def __ne__(self, o): return self._binary(o, "({} != {})", "!=")
    __hash__ = object.__hash__


def make_variables(lazy_class):
    """pykeops' Var, Vi, Vj and Pm for a LazyTensor class: from an array (a
    2-D array for Vi/Vj; 1-D arrays are columns), or symbolic from
    (index, dim)."""

    def Var(x_or_ind, dim=None, cat=None):
        if dim is None:
            return lazy_class(x_or_ind, axis=cat)
        return lazy_class((x_or_ind, dim, cat))

    def Vi(x_or_ind, dim=None):
        """An i-variable: from an (..., N, D) array, or symbolic Vi(index, dim)."""
        return Var(x_or_ind, dim, 0)

    def Vj(x_or_ind, dim=None):
        """A j-variable: from an (..., M, D) array, or symbolic Vj(index, dim)."""
        return Var(x_or_ind, dim, 1)

    def Pm(x_or_ind, dim=None):
        """A parameter: from a (..., D) array or a number, or symbolic."""
        if dim is None and _is_number(x_or_ind):
            return lazy_class(x_or_ind)
        return Var(x_or_ind, dim, 2)

    return Var, Vi, Vj, Pm


_kred.lazy_setup(_merge_two, _common_ranges)
