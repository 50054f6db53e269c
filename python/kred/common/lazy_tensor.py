"""LazyTensor: symbolic (..., M, N, D) tensors whose operations build a
KeOps formula; a reduction over i or j compiles it (once per formula, dtype
and batch rank) and runs it. The array library comes from the subclass in
kred.numpy / kred.torch."""

import numbers
import re

_PLACEHOLDER = re.compile(r"V#(\d+)#")
_next_leaf_id = [0]


def _number(c):
    """A Python number as a formula constant."""
    if isinstance(c, bool):
        raise TypeError("booleans are not formula constants")
    if isinstance(c, numbers.Integral):
        return f"IntCst({int(c)})" if c >= 0 else f"(-IntCst({-int(c)}))"
    c = float(c)
    return repr(c) if c >= 0 else f"(-{repr(-c)})"


class GenericLazyTensor:
    """A symbolic tensor. Build it from an array with a dummy axis, as in
    pykeops: LazyTensor(x[:, None, :]) is indexed by i, LazyTensor(y[None, :, :])
    by j, LazyTensor(p) with p of shape (D,) (or (..., 1, 1, D)) is a
    parameter; Python numbers are constants."""

    backend = None     # the Backend of kred.numpy / kred.torch
    genred_class = None
    __array_priority__ = 1000  # NumPy defers a + b to LazyTensor.__radd__

    def __init__(self, x=None, axis=None):
        if x is None:
            return  # Filled by _node.
        if isinstance(x, GenericLazyTensor):
            self.__dict__.update(x.__dict__)
            return
        if isinstance(x, numbers.Number):
            self._init_node(_number(x), 1, {})
            return
        be = self.backend
        if not be.is_array(x):
            raise TypeError(f"LazyTensor takes a {be.array_name} or a number, got "
                            f"{type(x).__name__}")
        shape = tuple(x.shape)
        if axis is not None:
            if axis not in (0, 1, 2):
                raise ValueError(f"axis must be 0 (i), 1 (j) or 2 (parameter), got {axis!r}")
            category = ("i", "j", "param")[axis]
            array = x if len(shape) >= (2 if category != "param" else 1) else None
            if array is None:
                raise ValueError(f"a LazyTensor with axis={axis} needs an array of shape "
                                 f"{'(..., D)' if axis == 2 else '(..., N, D)'}, got {shape}")
        elif len(shape) == 1:
            category, array = "param", x
        elif len(shape) >= 3 and shape[-3] == 1 and shape[-2] == 1:
            category, array = "param", be.reshape(x, shape[:-3] + shape[-1:])
        elif len(shape) >= 3 and shape[-2] == 1:
            category, array = "i", be.reshape(x, shape[:-2] + shape[-1:])
        elif len(shape) >= 3 and shape[-3] == 1:
            category, array = "j", be.reshape(x, shape[:-3] + shape[-2:])
        else:
            raise ValueError("LazyTensor expects an array with a dummy axis: shape "
                             "(..., N, 1, D) for an i-variable, (..., 1, M, D) for a "
                             f"j-variable or (D,) for a parameter; got shape {shape} "
                             "(or pass axis=0, 1 or 2)")
        leaf = _next_leaf_id[0]
        _next_leaf_id[0] += 1
        self._init_node(f"V#{leaf}#", int(shape[-1]),
                        {leaf: (category, array, int(shape[-1]))})

    def _init_node(self, formula, dim, leaves):
        self.formula, self._dim, self._leaves = formula, dim, leaves

    @classmethod
    def _node(cls, formula, dim, *operands):
        node = cls()
        leaves = {}
        for o in operands:
            leaves.update(o._leaves)
        node._init_node(formula, dim, leaves)
        return node

    def _wrap(self, other):
        if isinstance(other, GenericLazyTensor):
            return other
        return type(self)(other)

    # --- shape --------------------------------------------------------------
    @property
    def ndim(self):
        return len(self.shape)

    @property
    def shape(self):
        batch, ni, nj = self._sizes()
        return tuple(batch) + (ni if ni is not None else 1,
                               nj if nj is not None else 1, self._dim)

    def _sizes(self):
        batch, ni, nj = [], None, None
        for category, array, _ in self._leaves.values():
            s = tuple(array.shape)
            rows = 0 if category == "param" else 1
            b = list(s[:len(s) - rows - 1])
            if len(b) > len(batch):
                batch = [1] * (len(b) - len(batch)) + batch
            b = [1] * (len(batch) - len(b)) + b
            batch = [max(x, y) for x, y in zip(batch, b)]
            if category == "i":
                ni = s[-2]
            elif category == "j":
                nj = s[-2]
        return batch, ni, nj

    # --- building formulas ----------------------------------------------------
    def _unary(self, name, dim=None, extra=""):
        return self._node(f"{name}({self.formula}{extra})",
                          self._dim if dim is None else dim, self)

    def _binary(self, other, template, op_name, dim=None, check="broadcast"):
        other = self._wrap(other)
        a, b = self._dim, other._dim
        if check == "broadcast":
            if a != b and 1 not in (a, b):
                raise ValueError(f"operands of {op_name} have dimensions {a} and {b}; "
                                 "expected equal dimensions or 1")
            dim = max(a, b) if dim is None else dim
        elif check == "equal" and a != b:
            raise ValueError(f"operands of {op_name} have dimensions {a} and {b}; "
                             "expected equal dimensions")
        return self._node(template.format(self.formula, other.formula), dim, self,
                          other)

    def __add__(self, o): return self._binary(o, "({} + {})", "+")
    def __radd__(self, o): return self._wrap(o)._binary(self, "({} + {})", "+")
    def __sub__(self, o): return self._binary(o, "({} - {})", "-")
    def __rsub__(self, o): return self._wrap(o)._binary(self, "({} - {})", "-")
    def __mul__(self, o): return self._binary(o, "({} * {})", "*")
    def __rmul__(self, o): return self._wrap(o)._binary(self, "({} * {})", "*")
    def __truediv__(self, o): return self._binary(o, "({} / {})", "/")
    def __rtruediv__(self, o): return self._wrap(o)._binary(self, "({} / {})", "/")
    def __neg__(self): return self._unary("Minus")
    def __abs__(self): return self.abs()

    def __pow__(self, other):
        if isinstance(other, numbers.Integral) and not isinstance(other, bool):
            return self.square() if other == 2 else self._unary("Pow", extra=f", {int(other)}")
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            if other == 0.5:
                return self.sqrt()
            if other == -0.5:
                return self.rsqrt()
        return self._binary(other, "Powf({}, {})", "**")

    def __lt__(self, o): return self._binary(o, "({} < {})", "<")
    def __le__(self, o): return self._binary(o, "({} <= {})", "<=")
    def __gt__(self, o): return self._binary(o, "({} > {})", ">")
    def __ge__(self, o): return self._binary(o, "({} >= {})", ">=")
    def __eq__(self, o): return self._binary(o, "({} == {})", "==")
    def __ne__(self, o): return self._binary(o, "({} != {})", "!=")
    __hash__ = object.__hash__

    def __or__(self, o):
        """Scalar product (x | y)."""
        return self._binary(o, "({} | {})", "|", dim=1, check="equal")

    def __matmul__(self, v):
        """Matrix-vector product: self holds n x p matrices (column-major)."""
        return self.matvecmult(v)

    # --- math -------------------------------------------------------------------
    def exp(self): return self._unary("Exp")
    def log(self): return self._unary("Log")
    def sin(self): return self._unary("Sin")
    def cos(self): return self._unary("Cos")
    def asin(self): return self._unary("Asin")
    def acos(self): return self._unary("Acos")
    def atan(self): return self._unary("Atan")
    def sqrt(self): return self._unary("Sqrt")
    def rsqrt(self): return self._unary("Rsqrt")
    def abs(self): return self._unary("Abs")
    def sign(self): return self._unary("Sign")
    def step(self): return self._unary("Step")
    def relu(self): return self._unary("ReLU")
    def square(self): return self._unary("Square")
    def inv(self): return self._unary("Inv")
    def floor(self): return self._unary("Floor")
    def xlogx(self): return self._unary("XLogX")
    def sinxdivx(self): return self._unary("SinXDivX")
    def power(self, other): return self ** other
    def atan2(self, other): return self._binary(other, "Atan2({}, {})", "atan2")
    def round(self, decimals=0): return self._unary("Round", extra=f", {int(decimals)}")

    def clamp(self, a, b):
        a, b = self._wrap(a), self._wrap(b)
        for name, o in (("a", a), ("b", b)):
            if o._dim not in (1, self._dim):
                raise ValueError(f"clamp: bound {name} has dimension {o._dim}; expected "
                                 f"1 or {self._dim}")
        return self._node(f"Clamp({self.formula}, {a.formula}, {b.formula})",
                          self._dim, self, a, b)

    def clampint(self, a, b):
        return self._unary("ClampInt", extra=f", {int(a)}, {int(b)}")

    def ifelse(self, a, b):
        a, b = self._wrap(a), self._wrap(b)
        dim = max(self._dim, a._dim, b._dim)
        for o in (self, a, b):
            if o._dim not in (1, dim):
                raise ValueError(f"ifelse: operands have dimensions {self._dim}, "
                                 f"{a._dim} and {b._dim}; expected equal or 1")
        return self._node(f"IfElse({self.formula}, {a.formula}, {b.formula})", dim,
                          self, a, b)

    def mod(self, modulus, offset=0):
        m, o = self._wrap(modulus), self._wrap(offset)
        return self._node(f"Mod({self.formula}, {m.formula}, {o.formula})",
                          self._dim, self, m, o)

    def sqnorm2(self): return self._unary("SqNorm2", dim=1)
    def norm2(self): return self._unary("Norm2", dim=1)
    def norm(self, dim=-1):
        if dim not in (-1, self.ndim - 1):
            raise ValueError("norm is taken over the feature axis (dim=-1)")
        return self.norm2()
    def normalize(self): return self._unary("Normalize")
    def sqdist(self, y): return self._binary(y, "SqDist({}, {})", "sqdist", dim=1, check="equal")

    def weightedsqnorm(self, s):
        s = self._wrap(s)
        if s._dim not in (1, self._dim, self._dim ** 2):
            raise ValueError(f"weightedsqnorm: the weight has dimension {s._dim}; expected "
                             f"1, {self._dim} or {self._dim ** 2}")
        return self._node(f"WeightedSqNorm({s.formula}, {self.formula})", 1, self, s)

    def weightedsqdist(self, y, s):
        y, s = self._wrap(y), self._wrap(s)
        if y._dim != self._dim:
            raise ValueError(f"weightedsqdist: operands have dimensions {self._dim} and "
                             f"{y._dim}; expected equal dimensions")
        if s._dim not in (1, self._dim, self._dim ** 2):
            raise ValueError(f"weightedsqdist: the weight has dimension {s._dim}; expected "
                             f"1, {self._dim} or {self._dim ** 2}")
        return self._node(f"WeightedSqDist({s.formula}, {self.formula}, {y.formula})", 1,
                          self, y, s)

    def elem(self, i):
        if not 0 <= i < self._dim:
            raise ValueError(f"elem: index {i} is out of range for dimension {self._dim}")
        return self._unary("Elem", dim=1, extra=f", {int(i)}")

    def extract(self, i, d):
        if not (0 <= i and d >= 1 and i + d <= self._dim):
            raise ValueError(f"extract: components [{i}, {i + d}) are out of range for "
                             f"dimension {self._dim}")
        return self._unary("Extract", dim=d, extra=f", {int(i)}, {int(d)}")

    def concat(self, other):
        other = self._wrap(other)
        return self._node(f"Concat({self.formula}, {other.formula})",
                          self._dim + other._dim, self, other)

    def one_hot(self, dim):
        if self._dim != 1:
            raise ValueError(f"one_hot takes a scalar, got dimension {self._dim}")
        return self._unary("OneHot", dim=int(dim), extra=f", {int(dim)}")

    def matvecmult(self, v):
        v = self._wrap(v)
        if self._dim % v._dim:
            raise ValueError(f"matvecmult: a matrix of dimension {self._dim} cannot "
                             f"multiply a vector of dimension {v._dim}")
        return self._node(f"MatVecMult({self.formula}, {v.formula})",
                          self._dim // v._dim, self, v)

    def vecmatmult(self, m):
        m = self._wrap(m)
        if m._dim % self._dim:
            raise ValueError(f"vecmatmult: a vector of dimension {self._dim} cannot "
                             f"multiply a matrix of dimension {m._dim}")
        return self._node(f"VecMatMult({self.formula}, {m.formula})",
                          m._dim // self._dim, self, m)

    def tensorprod(self, other):
        other = self._wrap(other)
        return self._node(f"TensorProd({self.formula}, {other.formula})",
                          self._dim * other._dim, self, other)

    def tensordot(self, other, dimfa, dimfb, contfa, contfb):
        other = self._wrap(other)
        tup = lambda t: "(" + ", ".join(str(int(v)) for v in t) + ("," if len(t) == 1 else "") + ")"
        dim = 1
        for k, d in enumerate(dimfa):
            if k not in contfa:
                dim *= d
        for k, d in enumerate(dimfb):
            if k not in contfb:
                dim *= d
        return self._node(f"TensorDot({self.formula}, {other.formula}, {tup(dimfa)}, "
                          f"{tup(dimfb)}, {tup(contfa)}, {tup(contfb)})", dim, self, other)

    def t(self):
        """Swaps the roles of i and j."""
        node = type(self)()
        leaves = {}
        for key, (category, array, dim) in self._leaves.items():
            category = {"i": "j", "j": "i"}.get(category, category)
            leaves[key] = (category, array, dim)
        node._init_node(self.formula, self._dim, leaves)
        return node

    @property
    def T(self):
        return self.t()

    # --- reductions -------------------------------------------------------------
    def _axis(self, dim, axis, name):
        if dim is None:
            dim = axis
        if dim is None:
            raise ValueError(f"{name} needs dim (or axis): 0 reduces over i, 1 over j")
        batch = len(self._sizes()[0])
        if dim < 0:
            dim += batch + 3
        if dim in (batch, batch + 1):
            return dim - batch
        if dim == batch + 2:
            return "features"
        raise ValueError(f"{name}: dim must be {batch} (i), {batch + 1} (j) or "
                         f"{batch + 2} / -1 (features) for this LazyTensor of "
                         f"{batch + 3} dimensions, got {dim}")

    def _reduce(self, reduction, axis, k=None, weight=None, out=None, **options):
        if axis == "features":
            raise ValueError(f"{reduction} over the feature axis is not a kernel reduction")
        weight = None if weight is None else self._wrap(weight)
        leaves = dict(self._leaves)
        if weight is not None:
            leaves.update(weight._leaves)
        names = {key: f"a{n}" for n, key in enumerate(leaves)}
        rename = lambda text: _PLACEHOLDER.sub(lambda m: names[int(m.group(1))], text)
        formula = rename(self.formula)
        formula2 = rename(weight.formula) if weight is not None else None
        aliases = tuple(f"{names[key]} = {({'i': 'Vi', 'j': 'Vj', 'param': 'Pm'})[c]}({d})"
                        for key, (c, _, d) in leaves.items())
        backend_kwargs = {key: options.pop(key) for key in ("backend", "device_id", "ranges")
                          if key in options}
        key = (formula, formula2, aliases, reduction, axis, k,
               tuple(sorted(options.items())))
        cache = type(self)._genred_cache
        genred = cache.get(key)
        if genred is None:
            genred = self.genred_class(formula, list(aliases), reduction_op=reduction,
                                       axis=axis, opt_arg=k, formula2=formula2, **options)
            cache[key] = genred
        arrays = [array for (_, array, _) in leaves.values()]
        return genred(*arrays, out=out, **backend_kwargs)

    def sum(self, dim=None, axis=None, **kw):
        a = self._axis(dim, axis, "sum")
        return self._unary("Sum", dim=1) if a == "features" else self._reduce("Sum", a, **kw)

    def max(self, dim=None, axis=None, **kw):
        a = self._axis(dim, axis, "max")
        return self._unary("Max", dim=1) if a == "features" else self._reduce("Max", a, **kw)

    def min(self, dim=None, axis=None, **kw):
        a = self._axis(dim, axis, "min")
        return self._unary("Min", dim=1) if a == "features" else self._reduce("Min", a, **kw)

    def argmax(self, dim=None, axis=None, **kw):
        a = self._axis(dim, axis, "argmax")
        return self._unary("ArgMax", dim=1) if a == "features" else self._reduce("ArgMax", a, **kw)

    def argmin(self, dim=None, axis=None, **kw):
        a = self._axis(dim, axis, "argmin")
        return self._unary("ArgMin", dim=1) if a == "features" else self._reduce("ArgMin", a, **kw)

    def min_argmin(self, dim=None, axis=None, **kw):
        return self._reduce("Min_ArgMin", self._axis(dim, axis, "min_argmin"), **kw)

    def max_argmax(self, dim=None, axis=None, **kw):
        return self._reduce("Max_ArgMax", self._axis(dim, axis, "max_argmax"), **kw)

    def Kmin(self, K, dim=None, axis=None, **kw):
        return self._reduce("KMin", self._axis(dim, axis, "Kmin"), k=K, **kw)

    def argKmin(self, K, dim=None, axis=None, **kw):
        return self._reduce("ArgKMin", self._axis(dim, axis, "argKmin"), k=K, **kw)

    def Kmin_argKmin(self, K, dim=None, axis=None, **kw):
        return self._reduce("KMin_ArgKMin", self._axis(dim, axis, "Kmin_argKmin"), k=K, **kw)

    def logsumexp(self, dim=None, axis=None, weight=None, **kw):
        a = self._axis(dim, axis, "logsumexp")
        if weight is None:
            return self._reduce("LogSumExp", a, **kw)
        return self._reduce("LogSumExpWeight", a, weight=weight, **kw)

    def sumsoftmaxweight(self, weight, dim=None, axis=None, **kw):
        return self._reduce("SumSoftMaxWeight", self._axis(dim, axis, "sumsoftmaxweight"),
                            weight=weight, **kw)

    def __repr__(self):
        return f"LazyTensor(formula={self.formula!r}, shape={self.shape})"


def make_variables(lazy_class):
    """pykeops' Vi, Vj and Pm for a LazyTensor class."""

    def Vi(x, dim=None):
        """An i-variable from an (..., N, D) array."""
        return lazy_class(x, axis=0)

    def Vj(x, dim=None):
        """A j-variable from an (..., M, D) array."""
        return lazy_class(x, axis=1)

    def Pm(x, dim=None):
        """A parameter from a (..., D) array; a number becomes a constant."""
        if isinstance(x, numbers.Number):
            return lazy_class(x)
        return lazy_class(x, axis=2)

    return Vi, Vj, Pm
