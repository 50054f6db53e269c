"""The LazyTensor methods that name KeOps operations (math, indexing and
assembling, tensor algebra, derivatives), each a formula node built with
the helpers of GenericLazyTensor (lazy_tensor.py), which inherits them."""

import math

from .. import _kred


def _tuple_text(values):
    if isinstance(values, int):
        values = (values,)
    return "[" + ",".join(str(int(v)) for v in values) + "]"


class FormulaOpsMixin:
    # pykeops' public builders, for KeOps operations without a method.
    def unary(self, operation, dimres=None, opt_arg=None, opt_arg2=None, is_complex=None):
        """operation(self[, opt_arg[, opt_arg2]]), of dimension dimres."""
        extra = "".join(f", {a}" for a in (opt_arg, opt_arg2) if a is not None)
        return self._unary(operation, dim=dimres or self._dim, extra=extra,
                           is_complex=is_complex)

    def binary(self, other, operation, is_operator=False, dimres=None,
               dimcheck="sameor1", opt_arg=None, opt_pos="last", rversion=False,
               is_complex=None):
        """(self operation other) for an operator, else operation(self, other
        [, opt_arg]) (opt_pos "middle": operation(self, opt_arg, other))."""
        if dimcheck not in ("same", "sameor1", None):
            raise ValueError(f"dimcheck must be 'same', 'sameor1' or None, got {dimcheck!r}")
        other = self._wrap(other)
        extra = opt_arg if isinstance(opt_arg, FormulaOpsMixin) else None
        if is_operator:
            template = f"({{}} {operation} {{}})"
        elif opt_arg is None:
            template = f"{operation}({{}}, {{}})"
        else:
            text = extra.formula_template if extra is not None else str(opt_arg)
            template = (f"{operation}({{}}, {text}, {{}})" if opt_pos == "middle"
                        else f"{operation}({{}}, {{}}, {text})")
        result = self._binary(other, template, operation, dim=dimres, check=dimcheck,
                              reverse=rversion, is_complex=is_complex)
        if extra is not None:
            result = self._node(result.formula_template, result._dim, result, extra,
                                is_complex=result.is_complex)
        return result

    def ternary(self, other1, other2, operation, dimres=None, dimcheck="sameor1",
                opt_arg=None):
        """operation(self, other1, other2[, opt_arg])."""
        node = self._ternary(other1, other2, operation,
                             check=dimcheck if dimcheck == "sameor1" else None)
        if opt_arg is not None:
            node.formula_template = node.formula_template[:-1] + f", {opt_arg})"
        if dimres is not None:
            node._dim = dimres
        return node

    # --- math (the componentwise functions: exp, log, sqrt, relu, ... are
    # added below from the dialect's table) -----------------------------------
    def sinc(self):
        """sin(pi x) / (pi x), 1 at 0 (NumPy's and torch's sinc)."""
        return (math.pi * self).sinxdivx()

    def atan2(self, other):
        """atan2(self, other), componentwise (self is the y coordinate)."""
        return self._binary(other, "Atan2({}, {})", "atan2")

    def round(self, other=0):
        return self._unary("Round", extra=f", {int(other)}")

    def clamp(self, a, b):
        """min(max(self, a), b); integer bounds are exact (ClampInt)."""
        if type(a) is int and type(b) is int:
            return self._unary("ClampInt", extra=f", {a}, {b}")
        return self._ternary(a, b, "Clamp")

    def clampint(self, a, b):
        return self._unary("ClampInt", extra=f", {int(a)}, {int(b)}")

    def ifelse(self, a, b):
        """a where self >= 0, b where self < 0."""
        return self._ternary(a, b, "IfElse")

    def mod(self, modulus, offset=0):
        """self - modulus * floor((self - offset) / modulus)."""
        return self._ternary(modulus, offset, "Mod")

    def sqnorm2(self): return self._unary("SqNorm2", dim=1)
    def norm2(self): return self._unary("Norm2", dim=1)

    def norm(self, dim):
        if dim not in (-1, len(self._shape) - 1):
            raise ValueError("norm is taken over the last dimension (dim=-1)")
        return self.norm2()

    def normalize(self): return self._unary("Normalize")

    def sqdist(self, y):
        return self._binary(y, "SqDist({}, {})", "sqdist", dim=1, check="same")

    def weightedsqnorm(self, s):
        """The squared norm of self under the weight s: a scalar, a diagonal
        (dimension D) or a full symmetric D x D matrix."""
        s = self._wrap(s)
        if s._dim not in (1, self._dim, self._dim ** 2):
            raise ValueError(f"weightedsqnorm: the weight has dimension {s._dim}; expected "
                             f"1, {self._dim} or {self._dim ** 2}")
        return self._node(f"WeightedSqNorm({s.formula_template}, {self.formula_template})",
                          1, self, s)

    def weightedsqdist(self, g, s):
        return (self - g).weightedsqnorm(s)

    # --- indexing and assembling ------------------------------------------------
    def elem(self, i):
        if type(i) is not int:
            raise ValueError("elem takes an integer index")
        if not 0 <= i < self._dim:
            raise ValueError(f"elem: index {i} is out of bounds [0, {self._dim})")
        return self._unary("Elem", dim=1, extra=f", {i}")

    def extract(self, i, d):
        if type(i) is not int or type(d) is not int:
            raise ValueError("extract takes integer start and length")
        if not (0 <= i < self._dim and d >= 1 and i + d <= self._dim):
            raise ValueError(f"extract: components [{i}, {i + d}) are out of bounds "
                             f"[0, {self._dim})")
        return self._unary("Extract", dim=d, extra=f", {i}, {d}")

    def __getitem__(self, key):
        """x[k] (elem), x[k:l] (extract), or the same after ..., :, :."""
        if isinstance(key, tuple):
            rank = len(self._shape)
            full = (slice(None),) * (rank - 1)
            if len(key) == rank and key[:-1] == full:
                key = key[-1]
            elif len(key) == 2 and key[0] is Ellipsis:
                key = key[1]
            else:
                raise ValueError("LazyTensors are indexed along their last dimension "
                                 "only: x[k], x[k:l], x[..., k] or x[:, :, k]")
        if isinstance(key, slice):
            if key.step not in (None, 1):
                raise ValueError("LazyTensor slices take no step")
            start = 0 if key.start is None else key.start
            stop = self._dim if key.stop is None else key.stop
            return self.extract(start, stop - start)
        if isinstance(key, int):
            return self.elem(key)
        raise ValueError("LazyTensors are indexed by integers and slices k:l")

    def one_hot(self, D):
        if type(D) is not int:
            raise ValueError("one_hot takes an integer dimension")
        if self._dim != 1:
            raise ValueError(f"one_hot takes a scalar formula, got dimension {self._dim}")
        return self._unary("OneHot", dim=D, extra=f", {D}")

    def concat(self, other):
        other = self._wrap(other)
        return self._node(f"Concat({self.formula_template}, {other.formula_template})",
                          self._dim + other._dim, self, other)

    @staticmethod
    def concatenate(tensors, axis=-1):
        """Concatenation of a tuple of LazyTensors along the last axis."""
        if not isinstance(tensors, (tuple, list)) or not tensors:
            raise ValueError("concatenate takes a non-empty tuple of LazyTensors")
        first = tensors[0]
        if axis not in (-1, len(first._shape) - 1):
            raise ValueError("LazyTensors are concatenated along their last axis only")
        result = first
        for t in tensors[1:]:
            result = result.concat(t)
        return result

    @classmethod
    def cat(cls, tensors, dim):
        return cls.concatenate(tensors, dim)

    # --- tensor algebra (row-major matrices, as KeOps 2) -------------------------
    def matvecmult(self, v):
        """Product of the n x p matrices of self (row-major, dimension n*p)
        with the vectors v (dimension p)."""
        return self._matrix_product(v, "MatVecMult", "matvecmult", matrix_first=True)

    def vecmatmult(self, m):
        """Product of the vectors of self (dimension n) with the n x p
        matrices m (row-major, dimension n*p)."""
        return self._matrix_product(m, "VecMatMult", "vecmatmult", matrix_first=False)

    def _matrix_product(self, other, keops_name, method, matrix_first):
        other = self._wrap(other)
        matrix, vector = (self, other) if matrix_first else (other, self)
        if matrix._dim % vector._dim:
            raise ValueError(f"{method}: a matrix of dimension {matrix._dim} cannot "
                             f"multiply a vector of dimension {vector._dim}")
        return self._binary(other, keops_name + "({}, {})", method,
                            dim=matrix._dim // vector._dim, check=None)

    def tensorprod(self, other):
        """Outer product, flattened row-major: component a * dim(other) + b."""
        other = self._wrap(other)
        return self._binary(other, "TensorProd({}, {})", "tensorprod",
                            dim=self._dim * other._dim, check=None)

    def keops_tensordot(self, other, dimfa, dimfb, contfa, contfb, *args):
        """KeOps' TensorDot: self and other viewed as row-major tensors of
        shapes dimfa and dimfb, contracted over axes contfa of self paired
        with contfb of other; an optional permutation moves kept axis k to
        position perm[k]."""
        other = self._wrap(other)
        shape = lambda t: (t,) if isinstance(t, int) else tuple(t)
        dimfa, dimfb, contfa, contfb = map(shape, (dimfa, dimfb, contfa, contfb))
        if math.prod(dimfa) != self._dim or math.prod(dimfb) != other._dim:
            raise ValueError(f"keops_tensordot: shapes {dimfa} and {dimfb} describe "
                             f"{math.prod(dimfa)} and {math.prod(dimfb)} components, but "
                             f"the operands have dimensions {self._dim} and {other._dim}")
        dim = math.prod(dimfa) * math.prod(dimfb)
        dim //= math.prod(dimfa[k] for k in contfa) ** 2
        extra = ", ".join(_tuple_text(t) for t in (dimfa, dimfb, contfa, contfb) + args)
        return self._binary(other, "TensorDot({}, {}, " + extra + ")", "keops_tensordot",
                            dim=dim, check=None)

    def tensordot(self, other, dimfa, dimfb, contfa, contfb, *args):
        return self.keops_tensordot(other, dimfa, dimfb, contfa, contfb, *args)

    def keops_kron(self, other, dimfself, dimfother):
        """Kronecker product of self and other viewed as row-major tensors of
        shapes dimfself and dimfother (NumPy's kron, flattened)."""
        other = self._wrap(other)
        if isinstance(dimfself, int) or isinstance(dimfother, int):
            raise ValueError("keops_kron takes tuples of dimensions")
        if len(dimfself) != len(dimfother):
            raise ValueError(f"keops_kron: shapes {tuple(dimfself)} and "
                             f"{tuple(dimfother)} must have the same rank")
        extra = f"{_tuple_text(dimfself)}, {_tuple_text(dimfother)}"
        return self._binary(other, "Kron({}, {}, " + extra + ")", "keops_kron",
                            dim=self._dim * other._dim, check=None)

    # --- symbolic derivatives and rewrites ----------------------------------------
    def grad(self, other, gradin):
        """The gradient of self with respect to the variable other, applied
        to gradin (KeOps' Grad)."""
        gradin = self._wrap(gradin)
        if gradin._dim != self._dim:
            raise ValueError(f"grad: gradin has dimension {gradin._dim}; expected "
                             f"{self._dim}")
        return self._node(f"Grad({self.formula_template}, {other.formula_template}, "
                          f"{gradin.formula_template})", other._dim, self, other, gradin)

    def diff(self, other, diffin):
        diffin = self._wrap(diffin)
        return self._node(f"Diff({self.formula_template}, {other.formula_template}, "
                          f"{diffin.formula_template})", self._dim, self, other, diffin)

    def divergence(self, var):
        return self._binary(var, "Divergence({}, {})", "divergence", dim=1, check="same")

    def laplacian(self, var):
        return self._binary(var, "Laplacian({}, {})", "laplacian", dim=1, check=None)

    def factorize(self, other):
        """KeOps' Factorize: the same values; kred's CSE shares common
        sub-formulas by itself."""
        return self

    def auto_factorize(self):
        return self

    # --- complex numbers ---------------------------------------------------------
    def real2complex(self):
        return self._unary("Real2Complex", dim=2 * self._dim, is_complex=True)

    def imag2complex(self):
        return self._unary("Imag2Complex", dim=2 * self._dim, is_complex=True)

    def exp1j(self):
        """exp(1j * self), componentwise."""
        return self._unary("ComplexExp1j", dim=2 * self._dim, is_complex=True)


def _componentwise(name):
    def method(self):
        return self._unary(name)
    method.__name__ = method.__qualname__ = name.lower()
    method.__doc__ = f"KeOps' {name}, componentwise."
    return method


# One method per componentwise KeOps function (ODS `keopsNames` of the
# kred ops; lower-cased as pykeops names them), unless defined above.
for _name, _function in sorted(_kred.formula_functions().items()):
    if _function["componentwise"] and not hasattr(FormulaOpsMixin, _name.lower()):
        setattr(FormulaOpsMixin, _name.lower(), _componentwise(_name))
