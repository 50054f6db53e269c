"""KernelSolve: (alpha * Id + K) a = b by conjugate gradient, K a Sum
reduction linear in one of its variables (pykeops' KernelSolve, plus a
maximum iteration count, a warm start x0, Jacobi and Nystrom preconditioners).
Backend-independent: kred.numpy and kred.torch give it their Genred."""

import math
import re
import warnings

from .. import _kred
from .preconditioners import check_preconditioner, make_preconditioner

_INLINE_VARIABLE = re.compile(r"Var\(\s*(\d+)\s*,\s*(\d+)\s*,\s*([012])\s*\)")


def _one_number(value):
    """A one-element array or tensor (pykeops accepts alpha so) as a Python
    number; anything else unchanged, for the checks that follow."""
    shape = getattr(value, "shape", None)
    if shape is None or isinstance(value, bool) or len(shape) and \
            math.prod(shape) != 1 or not hasattr(value, "item"):
        return value
    number = value.item()
    return number if isinstance(number, (int, float)) else value


class KernelSolveBase:
    """A conjugate gradient solver of (alpha * Id + K) a = b; see
    kred.numpy.KernelSolve for the arguments."""

    genred_class = None  # set by kred.numpy / kred.torch
    # Whether the plain conjugate gradient may iterate in C (_native_solve):
    # not where its dot products are another backend's (sharded rows).
    _iterates_in_c = True

    def __init__(self, formula, aliases, varinvalias, axis=0, dtype_acc="auto",
                 use_double_acc=False, sum_scheme="auto", enable_chunks=True,
                 rec_multVar_highdim=None, dtype=None, cuda_type=None,
                 use_fast_math=True):
        self.genred = self.genred_class(formula, aliases, reduction_op="Sum", axis=axis,
                                        dtype_acc=dtype_acc, use_double_acc=use_double_acc,
                                        sum_scheme=sum_scheme, use_fast_math=use_fast_math)
        self.axis = axis
        arguments = self.genred.arguments
        self.position = _find_variable(varinvalias, arguments)
        unknown = arguments[self.position]
        reduced = "j" if axis == 1 else "i"
        if unknown.category != reduced:
            raise ValueError(f"varinvalias {varinvalias!r} is a {unknown.kind} variable; the "
                             f"unknown of a solve with axis={axis} is summed over "
                             f"{reduced}, so it must be a V{reduced} variable")
        if self.genred.output_dims[0] != unknown.dim:
            raise ValueError(f"the kernel is not square: the formula has dimension "
                             f"{self.genred.output_dims[0]} but the unknown "
                             f"{unknown.name} has dimension {unknown.dim}")

    def __call__(self, *args, backend="auto", device_id=-1, alpha=1e-10, eps=1e-6,
                 ranges=None, maxiter=None, x0=None, precond=None, landmarks=None):
        """The solution a, of the shape of the unknown's array: alpha >= 0
        is added to K's diagonal; the iteration stops when every column's
        residual |b - (alpha Id + K) a| is at most eps |b| (eps relative), or
        after maxiter iterations (default: max(2 * rows, 100)) with a
        warning. x0: a warm start. precond="jacobi" divides residuals by the
        diagonal of alpha * Id + K; precond="nystrom" (alpha > 0, arrays
        without batch dimensions) inverts alpha * Id + K_nm K_mm^-1 K_mn
        built on `landmarks` rows (default min(rows, 200)), which makes CG
        converge in few iterations for smooth kernels (as Falkon does)."""
        options = self._check_options(alpha, eps, maxiter, precond, landmarks)
        call = {"backend": backend, "device_id": device_id, "ranges": ranges}
        return self._solve(args, call, x0, options)

    def _check_options(self, alpha, eps, maxiter, precond, landmarks=None):
        alpha = _one_number(alpha)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) \
                or not math.isfinite(alpha) or alpha < 0:
            raise ValueError(f"alpha must be a finite number >= 0 (the ridge added to "
                             f"K's diagonal), got {alpha!r}")
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
            raise ValueError(f"eps must be a number > 0 (the relative residual to "
                             f"reach), got {eps!r}")
        if maxiter is not None and (isinstance(maxiter, bool) or not isinstance(maxiter, int)
                                    or maxiter < 1):
            raise ValueError(f"maxiter must be an integer >= 1 or None, got {maxiter!r}")
        check_preconditioner(precond, landmarks, alpha)
        return {"alpha": float(alpha), "eps": float(eps), "maxiter": maxiter,
                "precond": precond, "landmarks": landmarks}

    def _checked_arrays(self, args, x0):
        """The arguments, validated as a square system with finite values."""
        be = self.genred.backend
        self.genred._check_arguments(args)
        b = args[self.position]
        rows = self._output_rows(args)
        if rows is not None and rows != b.shape[-2]:
            raise ValueError(f"the kernel is not square: it has {rows} rows but the "
                             f"unknown {self.genred.arguments[self.position].name} has "
                             f"{b.shape[-2]}; a solve needs as many of both")
        for arg, a in zip(self.genred.arguments, args):
            if not be.all_finite(a):
                raise ValueError(f"argument {arg.name} holds NaN or infinite values")
        if x0 is not None and (not be.is_array(x0) or tuple(x0.shape) != tuple(b.shape)):
            raise ValueError(f"x0 must be an array of the unknown's shape {tuple(b.shape)}, "
                             f"got {getattr(x0, 'shape', type(x0).__name__)}")
        return b

    def _output_rows(self, args):
        """The number of output rows, from a variable indexed like them."""
        rows = "i" if self.axis == 1 else "j"
        return next((a.shape[-2] for a, arg in zip(args, self.genred.arguments)
                     if arg.category == rows), None)

    def _solve(self, args, call, x0, options):
        b = self._checked_arrays(args, x0)
        be, alpha, position = self.genred.backend, options["alpha"], self.position

        def apply(v):
            return self.genred(*args[:position], v, *args[position + 1:], **call) + alpha * v

        precondition = self._preconditioner(args, call, options)
        maxiter = options["maxiter"] or max(2 * b.shape[-2], 100)
        native = None if precondition or not self._iterates_in_c else \
            self._native_solve(args, call, b, x0, options, maxiter)
        solution, residual, iterations = native or conjugate_gradient(
            apply, b, x0, options["eps"], maxiter, precondition, be)
        self.last_iterations, self.last_residual = iterations, residual
        if residual > options["eps"]:
            warnings.warn(f"KernelSolve did not converge in {maxiter} iterations: the "
                          f"relative residual is {residual:.3g} > eps = {options['eps']:g} "
                          "(raise maxiter or alpha, or use precond='nystrom')",
                          RuntimeWarning, stacklevel=3)
        return solution

    def _native_solve(self, args, call, b, x0, options, maxiter):
        """(x, residual, iterations) of conjugate_gradient's steps in C
        (_kred.conjugate_gradient), where the product's plan launches from
        C: one system of float32 or float64 rows, arrays as a plan passes
        them (the CPU); else None."""
        be, genred, position = self.genred.backend, self.genred, self.position
        dtype = be.dtype_name(b)
        if len(b.shape) != 2 or call["ranges"] is not None or \
                dtype not in ("float32", "float64"):
            return None
        # C reads b and writes x as C-contiguous arrays of native byte order.
        b = be.contiguous(b)
        x = be.zeros_like(b) if x0 is None else be.copy(be.contiguous(x0))
        arrays = [*args[:position], x, *args[position + 1:]]
        key = be.call_key(arrays, call["backend"], call["device_id"])
        if key is not None and key not in genred._plans:
            genred(*arrays, **call)  # makes the plan
        plan = genred._plans.get(key) if key is not None else None
        # The plan runs in C (Backend.plan_runner) where the arrays go to the
        # kernel as given and make its one output.
        if plan is None or not isinstance(plan.run, _kred.AddressLaunch):
            return None
        residual, iterations = _kred.conjugate_gradient(
            plan.run, arrays, position, b, x, x0 is not None, options["alpha"],
            options["eps"], maxiter, dtype)
        return x, residual, iterations

    def _preconditioner(self, args, call, options):
        """r -> P^-1 r for options["precond"], or None."""
        return make_preconditioner(self, args, call, options)


def _find_variable(alias, arguments):
    """The position of the unknown: an alias, or Var(position, dim, cat)."""
    if not isinstance(alias, str):
        raise TypeError(f"varinvalias must be a string, got {type(alias).__name__}")
    m = _INLINE_VARIABLE.fullmatch(alias.strip())
    if m:
        position = int(m.group(1))
        if position < len(arguments):
            return position
    for position, arg in enumerate(arguments):
        if arg.name == alias.strip():
            return position
    names = ", ".join(a.name for a in arguments)
    raise ValueError(f"varinvalias {alias!r} is not a variable of the formula; expected "
                     f"one of {names}")


def conjugate_gradient(apply, b, x0, eps, maxiter, precondition, be):
    """Solves apply(x) = b for a symmetric positive definite apply, each
    column (of each batch) its own system sharing one apply per iteration;
    converged columns stop moving. Returns (x, the largest relative residual,
    iterations)."""
    bb = be.sum_rows(b * b)
    target = (eps * eps) * bb
    x = be.zeros_like(b) if x0 is None else be.copy(x0)
    r = be.copy(b) if x0 is None else b - apply(x)
    precondition = precondition or (lambda v: v)
    z = precondition(r)
    p = be.copy(z)
    rz = be.sum_rows(r * z)
    iterations = 0
    while True:
        rr = be.sum_rows(r * r)
        active = rr > target
        if not bool(active.any()) or iterations == maxiter:
            break
        ap = apply(p)
        pap = be.sum_rows(p * ap)
        # Masks and guards as arithmetic (converged columns: step 0).
        step = rz / (pap + (pap == 0)) * active
        x = x + step * p
        r = r - step * ap
        z = precondition(r)
        rz_new = be.sum_rows(r * z)
        p = z + rz_new / (rz + (rz == 0)) * active * p
        rz = rz_new
        iterations += 1
    relative = rr / (bb + (bb == 0))
    return x, math.sqrt(float(relative.max())), iterations
