"""ComplexLazyTensor: complex values as pykeops 2.3 has them, stored as
interleaved (re, im) pairs of reals and computed by KeOps' complex formula
operations (ComplexMult, ComplexExp, Conj, ...), which the importer turns
into real formula ops. Complex arrays come in and out as complex arrays."""

from .. import _kred
from .lazy_tensor import GenericLazyTensor, _is_scalar


def _is_complex_list(x):
    return isinstance(x, list) and any(isinstance(v, complex) for v in x)


class ComplexGenericLazyTensor(GenericLazyTensor):
    """A symbolic complex tensor; `ndim` counts reals (2 per complex
    number), `shape` complex numbers, as in pykeops."""

    is_complex = True
    # Real formula ops that keep their meaning on (re, im) pairs.
    _COMPONENTWISE = ("Minus",)

    def _py_init(self, x=None, axis=None):
        if isinstance(x, complex):
            x = [x]
        if isinstance(x, list):
            pairs = []
            for v in x:
                pairs += [float(complex(v).real), float(complex(v).imag)]
            x = pairs
        elif self.library.is_array(x):
            if not self.library.is_complex(x):
                raise TypeError("ComplexLazyTensor takes complex arrays or numbers; "
                                "make a real array complex with LazyTensor(x).real2complex()")
            x = self.library.view_as_real(x)
        super()._py_init(x, axis)

    @property
    def dtype(self):
        real = super().dtype
        return {"float32": "complex64", "float64": "complex128"}.get(real, real)

    @property
    def shape(self):
        s = self._shape
        s = s[:-1] + (s[-1] // 2,)
        return s[:-1] if s[-1] == 1 else s

    # --- operations defined on complex numbers ------------------------------------
    def _unary(self, name, dim=None, extra="", is_complex=None):
        if name not in self._COMPONENTWISE and not name.startswith("Complex") \
                and name != "Conj":
            raise ValueError(f"{name} is not defined for complex LazyTensors; take "
                             ".real, .imag, abs() or .angle() first")
        return super()._unary(name, dim, extra, is_complex)

    def _binary(self, other, template, op_name, **kwargs):
        raise ValueError(f"{op_name} is not defined for complex LazyTensors")

    def _ternary(self, a, b, name, check="sameor1"):
        raise ValueError(f"{name} is not defined for complex LazyTensors")

    def _as_complex_operand(self, other):
        other = self._wrap(other)
        return other if other.is_complex else other.real2complex()

    def _combine(self, other, name, reverse=False):
        """A complex binary operation; a single complex number broadcasts."""
        other = self._as_complex_operand(other)
        a, b = self._dim, other._dim
        if a != b and 2 not in (a, b):
            raise ValueError(f"{name}: complex operands of {a // 2} and {b // 2} "
                             "components; expected equal sizes or 1")
        lhs, rhs = (other, self) if reverse else (self, other)
        return self._node(f"{name}({lhs.formula_template}, {rhs.formula_template})",
                          max(a, b), lhs, rhs, is_complex=True)

    def __add__(self, o):
        return self if _is_scalar(o, 0) else self._combine(o, "ComplexAdd")

    def __radd__(self, o):
        return self if _is_scalar(o, 0) else self._combine(o, "ComplexAdd", reverse=True)

    def __sub__(self, o):
        return self if _is_scalar(o, 0) else self._combine(o, "ComplexSubtract")

    def __rsub__(self, o):
        if _is_scalar(o, 0):
            return -self
        return self._combine(o, "ComplexSubtract", reverse=True)

    def __mul__(self, o, reverse=False):
        shortcut = self._multiplication_shortcut(o)
        if shortcut is not None:
            return shortcut
        other = self._wrap(o)
        if not other.is_complex and other._dim == 1:
            # A real scalar times a complex vector.
            return self._node(f"ComplexRealScal({other.formula_template}, "
                              f"{self.formula_template})", self._dim, other, self,
                              is_complex=True)
        return self._combine(other, "ComplexMult")

    def __rmul__(self, o):
        return self.__mul__(o)  # complex products commute

    def __truediv__(self, o):
        return self if _is_scalar(o, 1) else self._combine(o, "ComplexDivide")

    def __rtruediv__(self, o):
        return self._combine(o, "ComplexDivide", reverse=True)

    def __pow__(self, other):
        raise ValueError("powers of complex LazyTensors are not defined; multiply "
                         "them instead")

    @property
    def real(self):
        return self._unary("ComplexReal", dim=self._dim // 2, is_complex=False)

    @property
    def imag(self):
        return self._unary("ComplexImag", dim=self._dim // 2, is_complex=False)

    def angle(self):
        return self._unary("ComplexAngle", dim=self._dim // 2, is_complex=False)

    def __abs__(self):
        return self._unary("ComplexAbs", dim=self._dim // 2, is_complex=False)

    def conj(self):
        return self._unary("Conj")

    def exp(self):
        return self._unary("ComplexExp")

    def _feature_sum(self):
        return self._unary("ComplexSum", dim=2)

    def real2complex(self):
        raise ValueError("real2complex takes a real LazyTensor; this one is complex")

    def imag2complex(self):
        raise ValueError("imag2complex takes a real LazyTensor; this one is complex")

    def exp1j(self):
        raise ValueError("exp1j takes a real LazyTensor; use .exp() for complex ones")

    def keops_tensordot(self, *args):
        raise ValueError("keops_tensordot is not defined for complex LazyTensors")


def make_lazy_tensor_classes(library, genred_class, solver_class):
    """kred.numpy's or kred.torch's LazyTensor and ComplexLazyTensor for an
    array library, its Genred and KernelSolve; LazyTensor(x) is complex when
    x is."""

    class LazyTensor(GenericLazyTensor):
        __doc__ = GenericLazyTensor.__doc__
        _genred_cache = {}
        _lazy_plans = {}

        @classmethod
        def _construct(cls, x=None, axis=None, is_complex=False):
            if is_complex or (library.is_complex(x) if library.is_array(x) else
                              isinstance(x, complex) or _is_complex_list(x)):
                return ComplexLazyTensor(x, axis)
            return super()._construct(x, axis)

    class ComplexLazyTensor(ComplexGenericLazyTensor):
        __doc__ = ComplexGenericLazyTensor.__doc__
        _genred_cache = LazyTensor._genred_cache
        _lazy_plans = LazyTensor._lazy_plans

    for cls in (LazyTensor, ComplexLazyTensor):
        cls.library, cls.genred_class = library, genred_class
        cls.plain_genred_class = genred_class  # genred_class, unless sharded
        cls.solver_class = solver_class
        cls.real_class, cls.complex_class = LazyTensor, ComplexLazyTensor
    # LazyTensor(x) of a tensor with a real dtype is made in C (LazyNode).
    _kred.lazy_register(LazyTensor, *library.leaf_arrays)
    return LazyTensor, ComplexLazyTensor
