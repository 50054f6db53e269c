"""kred for NumPy arrays, with pykeops.numpy's API: Genred, KernelSolve, LazyTensor,
ComplexLazyTensor, Vi, Vj, Pm, generic_sum, generic_logsumexp,
generic_argmin, generic_argkmin."""

import functools

import numpy as np

from .. import _kred
from ..common.backend import Backend
from ..common.generic import make_generic
from ..common.genred import GenredBase
from ..common.complex_lazy_tensor import make_lazy_tensor_classes
from ..common.lazy_tensor import make_variables
from ..common.solve import KernelSolveBase


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
        # Converted once: another byte order (">f4" on this machine) or a
        # strided view.
        if not a.dtype.isnative:
            return np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("="))
        return a if a.flags.c_contiguous else np.ascontiguousarray(a)

    def is_contiguous(self, a):
        return a.flags.c_contiguous

    # Per array (dtype, shape), and strides where it is not C-contiguous;
    # None where an argument is not a NumPy array in the machine's byte
    # order. In C: most of a small call's own cost was making it in Python.
    call_key = staticmethod(_kred.array_call_key)

    def output_problem(self, a):
        if not a.flags.writeable:
            return "is read-only (its writeable flag is off)"
        if not a.dtype.isnative:
            return (f"has the byte order of dtype {a.dtype.str!r}; the result is written "
                    "in the machine's byte order")
        return None

    leaf_arrays = (np.ndarray, {np.dtype(name): name for name in
                                ("float16", "float32", "float64")})

    def output_makers(self, shapes, dtypes, like):
        return [functools.partial(np.empty, s, dtype=np.dtype(d))
                for s, d in zip(shapes, dtypes)]

    def describe(self, a):
        return a  # The native module reads NumPy arrays in place.

    def _launcher(self, kernel, arrays, home, device):
        if home == device == "cpu":
            # The same dtypes and shapes on every call: only the addresses
            # change, read from the arrays.
            return _kred.AddressLaunch(kernel.bind(arrays)), True
        return super()._launcher(kernel, arrays, home, device)

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

    # KernelSolve's iteration.
    def sum_rows(self, a): return a.sum(-2, keepdims=True)
    def zeros_like(self, a): return np.zeros_like(a)
    def copy(self, a): return a.copy()
    def all_finite(self, a): return bool(np.isfinite(a).all())
    def concat_columns(self, arrays): return np.concatenate(arrays, -1)
    def to_numpy(self, a): return a

    def index_array(self, a, name, device="cpu"):
        a = np.asarray(a)
        if a.dtype.kind not in "iu":
            raise TypeError(f"ranges array {name} must hold integers, got dtype {a.dtype}")
        return np.ascontiguousarray(a, dtype=np.int64)

    def from_numpy(self, a, like):
        return a.astype(like.dtype, copy=False)


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
      "kahan_scheme"): summation accuracy; use_fast_math: polynomial exp/log;
    - compile_options: the code generator's options, a dict or a string
      ({"tile-j": 1024, "rows-per-chunk": 1}, "tile-j=1024 rows-per-chunk=1":
      kred-cpu-pipeline's, or kred-gpu-pipeline's for a GPU; the names
      kred-opt and kred-run take); an unknown name is a ValueError listing
      the valid ones.
    enable_chunks is accepted for compatibility and has no effect.

    Call: f(*arrays, backend="auto", device_id=-1, out=None) with arrays of
    shape (..., N, D) / (..., M, D) / (..., D) (batch dimensions broadcast).
    Returns the output (indices as int64), or (values, indices) for
    Min_ArgMin, Max_ArgMax and KMin_ArgKMin.
    """

    backend = NumpyBackend()


class KernelSolve(KernelSolveBase):
    """Solves (alpha * Id + K) a = b by conjugate gradient, K a Sum
    reduction linear in the unknown (pykeops' KernelSolve).

    KernelSolve(formula, aliases, varinvalias, axis=0, dtype_acc="auto",
                use_double_acc=False, sum_scheme="auto", use_fast_math=True)
    - formula, aliases: as for Genred, e.g. "Exp(-g * SqDist(x, y)) * b",
      ["x = Vi(2)", "y = Vj(2)", "b = Vj(3)", "g = Pm(1)"];
    - varinvalias: the alias of the unknown (b above), a variable of the
      reduced axis with the formula's dimension;
    - axis: 1 sums over j (the usual K_ij a_j), 0 over i.
    Call: Kinv(*arrays, alpha=1e-10, eps=1e-6, maxiter=None, x0=None,
    precond=None) with the arrays of the aliases, b in the unknown's place;
    returns a, of b's shape. Each column of b is solved to a relative
    residual eps; maxiter (default max(2 * rows, 100)) stops a solve that
    does not converge, with a RuntimeWarning; x0 is a warm start;
    precond="jacobi" preconditions by the diagonal. K must be symmetric
    positive semi-definite (not checked), alpha >= 0.
    """
    genred_class = Genred


LazyTensor, ComplexLazyTensor = make_lazy_tensor_classes(NumpyBackend(), Genred, KernelSolve)

Var, Vi, Vj, Pm = make_variables(LazyTensor)

generic_sum, generic_logsumexp, generic_argmin, generic_argkmin = make_generic(Genred)

__all__ = ["Genred", "KernelSolve", "LazyTensor", "ComplexLazyTensor", "Vi", "Vj", "Pm",
           "generic_sum", "generic_logsumexp", "generic_argmin", "generic_argkmin"]
