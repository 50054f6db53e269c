"""kred for NumPy arrays, with pykeops.numpy's API: Genred, LazyTensor,
ComplexLazyTensor, Vi, Vj, Pm, generic_sum, generic_logsumexp,
generic_argmin, generic_argkmin."""

import numpy as np

from ..common.backend import Backend
from ..common.generic import make_generic
from ..common.genred import GenredBase
from ..common.complex_lazy_tensor import make_lazy_tensor_classes
from ..common.lazy_tensor import make_variables


_NAMES = {np.dtype(n): n for n in ("float16", "float32", "float64", "int64")}


class NumpyBackend(Backend):
    array_name = "NumPy array"

    def is_array(self, a):
        return isinstance(a, np.ndarray)

    def dtype_name(self, a):
        name = _NAMES.get(a.dtype)  # A dict lookup: dtype.name is slow.
        return name if name is not None else a.dtype.name

    def reshape(self, a, shape):
        return a.reshape(shape)

    def contiguous(self, a):
        return a if a.flags.c_contiguous else np.ascontiguousarray(a)

    def is_contiguous(self, a):
        return a.flags.c_contiguous and a.flags.writeable

    def empty(self, shape, dtype, like):
        return np.empty(shape, dtype=dtype)

    def describe(self, a):
        return a  # The native module reads NumPy arrays in place.

    def array(self, values, dtype):
        return np.asarray(values, dtype=dtype)

    def as_array(self, a):
        return a if isinstance(a, np.ndarray) else np.asarray(a)

    def is_complex(self, a):
        return isinstance(a, np.ndarray) and a.dtype.kind == "c"

    def view_as_real(self, a):
        real = np.float32 if a.dtype == np.complex64 else np.float64
        return np.ascontiguousarray(a).view(real)

    def view_as_complex(self, a):
        complex_ = np.complex64 if a.dtype == np.float32 else np.complex128
        return np.ascontiguousarray(a).view(complex_)


class Genred(GenredBase):
    """A generic reduction, compiled on first call (per dtype and number of
    batch dimensions) and cached.

    Genred(formula, aliases, reduction_op="Sum", axis=0, dtype_acc="auto",
           use_double_acc=False, sum_scheme="auto", enable_chunks=True,
           use_fast_math=True, formula2=None, opt_arg=None)

    - formula: a KeOps formula over the aliases, e.g. "Exp(-SqDist(X, Y)) * B";
    - aliases: ["X = Vi(3)", "Y = Vj(3)", "B = Vj(1)"] (Vi: indexed by i,
      Vj: by j, Pm: parameters; positions in order or explicit, Vi(0, 3));
    - reduction_op: Sum, Min, Max, ArgMin, ArgMax, Min_ArgMin, Max_ArgMax,
      KMin, ArgKMin, KMin_ArgKMin (opt_arg = K), LogSumExp (with formula2:
      weighted), SumSoftMaxWeight (formula2 is the weight), Max_SumShiftExp;
    - axis: 0 reduces over i (outputs indexed by j), 1 over j;
    - dtype_acc / use_double_acc, sum_scheme ("direct_sum", "block_sum",
      "kahan_scheme"): summation accuracy; use_fast_math: polynomial exp/log.
    enable_chunks is accepted for compatibility and has no effect.

    Call: f(*arrays, backend="auto", device_id=-1, out=None) with arrays of
    shape (..., N, D) / (..., M, D) / (..., D) (batch dimensions broadcast).
    Returns the output (indices as int64), or (values, indices) for
    Min_ArgMin, Max_ArgMax and KMin_ArgKMin.
    """

    backend = NumpyBackend()


LazyTensor, ComplexLazyTensor = make_lazy_tensor_classes(NumpyBackend(), Genred)

Var, Vi, Vj, Pm = make_variables(LazyTensor)

generic_sum, generic_logsumexp, generic_argmin, generic_argkmin = make_generic(Genred)

__all__ = ["Genred", "LazyTensor", "ComplexLazyTensor", "Vi", "Vj", "Pm",
           "generic_sum", "generic_logsumexp", "generic_argmin", "generic_argkmin"]
