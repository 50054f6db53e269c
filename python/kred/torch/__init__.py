"""kred for torch tensors (CPU), with pykeops.torch's API: Genred, KernelSolve,
LazyTensor, ComplexLazyTensor, Vi, Vj, Pm, generic_sum, generic_logsumexp,
generic_argmin, generic_argkmin. Reductions are differentiable to any order:
their backward is a kred Sum reduction of the formula's symbolic gradient
(kred-reduction-gradient), itself differentiable. Min, Max and KMin kinds
differentiate through the selected terms (as torch.min does); index outputs
do not require grad."""

import functools
import math

import torch

from .. import _kred
from ..common.backend import Backend
from ..common.generic import make_generic
from ..common.genred import REDUCTIONS, GenredBase
from ..common.complex_lazy_tensor import make_lazy_tensor_classes
from ..common.lazy_tensor import make_variables
from ..common.solve import KernelSolveBase

_DTYPES = {torch.float16: "float16", torch.bfloat16: "bfloat16",
           torch.float32: "float32", torch.float64: "float64",
           torch.int64: "int64"}
_TORCH_DTYPES = {name: dtype for dtype, name in _DTYPES.items()}
# The largest outputs a plan keeps a template of (see output_makers).
_TEMPLATE_ELEMENTS = 1 << 16



def _flat(genred, t):
    """A K-reduction's output (..., rows, K, D) back to the kernel's
    (..., rows, K * D)."""
    if genred.k is not None and genred.output_dims[0] != genred.k:
        return t.reshape(tuple(t.shape[:-2]) + (t.shape[-2] * t.shape[-1],))
    return t


class _Reduction(torch.autograd.Function):
    """A reduction whose backward runs, for each input that needs it, its
    gradient reduction (kred-reduction-gradient: a Sum reduction of the
    formula's symbolic gradient, fed with the incoming gradient e and what
    the kind needs of the forward pass). Those are _Reductions again, so
    create_graph gives derivatives of any order. `partial` is computed
    outside as a differentiable reduction, so that higher derivatives see
    how it depends on the inputs: the log-sum-exp of F (SumSoftMaxWeight),
    or (m, s) = Max_SumShiftExpWeight (LogSumExpWeight: the result is
    m + log s and the gradient KeOps', finite where s < 0)."""

    @staticmethod
    def forward(ctx, genred, options, partial, *args):
        ctx.genred, ctx.options = genred, options
        # A reduction whose output only feeds another one's backward (a
        # `partial`) gets no gradient: nothing to run, not zeros.
        ctx.set_materialize_grads(False)
        kind = REDUCTIONS[genred.reduction_op]
        states = _states_in(genred, partial)
        if states is not None:
            outputs = (_finalized(states, partial),)
        elif kind.indexed_kind:
            # The variant that also gives the selected indices the gradient
            # flows through.
            values, indices = genred.variant(kind.indexed_kind)._call(args, options)
            ctx.indices = _flat(genred, indices)
            outputs = (values, indices) if genred.num_outputs == 2 else (values,)
            if len(outputs) == 2:
                ctx.mark_non_differentiable(indices)
        else:
            outputs = (genred._call(args, options),)
        if kind.gradient_reads_argmax:
            ctx.indices = genred.variant("Max_ArgMax")._call(args, options)[1]
        ctx.save_for_backward(outputs[0], partial, *args)
        return outputs if len(outputs) == 2 else outputs[0]

    @staticmethod
    def backward(ctx, grad, *unused):
        result, partial, *args = ctx.saved_tensors
        genred = ctx.genred
        grads = [None] * (3 + len(args))
        if grad is None:
            return tuple(grads)
        for group in _gradient_groups(genred, ctx.needs_input_grad[3:]):
            gradient = genred.gradient(group)
            extras = [_extra(name, genred, args[0], grad, result, partial, ctx, args)
                      for name in genred.gradient_extras(group)]
            _scatter(genred, group, gradient(*args, *extras, **ctx.options), args,
                     grads, 3)
        return tuple(grads)


def _states_in(genred, partial):
    """The kind's partial states (_kred.PartialStates) when `partial` is
    its state (LogSumExpWeight's (m, s)): then the result is finalized from
    it, not computed again."""
    if partial is None:
        return None
    states = genred.partial_states()
    return states if states.state_kind == REDUCTIONS[genred.reduction_op].gradient_partial \
        else None


def _finalized(states, partial):
    flat = partial.detach().reshape(-1, partial.shape[-1]).to("cpu", torch.float64)
    (values,) = states.finalize(states.pack([flat.numpy()], 0))
    return torch.from_numpy(values).to(partial.device, partial.dtype).reshape(
        tuple(partial.shape[:-1]) + (values.shape[-1],))


def _scatter(genred, group, gradients, args, grads, first):
    """Splits a gradient reduction's output into the gradients of `group`
    (parameters' rows summed) at grads[first + k]."""
    offset = 0
    for k in group:
        dim = genred.arguments[k].dim
        # The slice and sum_to_size only where they change something: each
        # costs a small call a microsecond.
        whole = offset == 0 and gradients.shape[-1] == dim
        part = gradients if whole else gradients[..., offset:offset + dim]
        offset += dim
        if genred.arguments[k].category == "param":
            part = genred._total(part.sum(-2))
        shape = args[k].shape
        grads[first + k] = part if part.shape == shape else part.sum_to_size(shape)


def _gradient_groups(genred, needed):
    """The arguments whose gradients are needed, in two groups that one
    gradient reduction each computes: the reduced axis' variables (a
    transposed reduction), and the others."""
    reduced = "j" if genred.axis == 1 else "i"
    along = [k for k, n in enumerate(needed)
             if n and genred.arguments[k].category == reduced]
    across = [k for k, n in enumerate(needed)
              if n and genred.arguments[k].category != reduced]
    return [group for group in (across, along) if group]


def _extra(name, genred, like, grad, result, partial, ctx, args):
    """One array a gradient reduction takes after the forward's arguments."""
    if name == "e":
        return _flat(genred, grad).to(like.dtype)
    if name == "result":
        return result
    if name == "partial":
        return partial
    if name == "indices":
        return ctx.indices.to(like.dtype)
    # positions: 0, 1, ... along the reduced axis (one term without its
    # variables).
    reduced = "j" if genred.axis == 1 else "i"
    size = next((a.shape[-2] for a, arg in zip(args, genred.arguments)
                 if arg.category == reduced), 1)
    return genred._positions(size, like)


_kred.tensor_call_key_setup(torch.Tensor, torch.is_grad_enabled)


class TorchBackend(Backend):
    array_name = "torch.Tensor"
    leaf_arrays = (torch.Tensor, {d: n for d, n in _DTYPES.items() if d.is_floating_point})

    def is_array(self, a):
        return isinstance(a, torch.Tensor)

    def dtype_name(self, a):
        return _DTYPES.get(a.dtype, str(a.dtype).replace("torch.", ""))

    def reshape(self, a, shape):
        return a.reshape(shape)

    def contiguous(self, a):
        return a.detach().contiguous()

    def is_contiguous(self, a):
        return a.is_contiguous()

    # call_key(args, backend, device_id), in C (the cost of a small call):
    # tensors only, none that autograd must see; per tensor (dtype, shape,
    # device) and, unless C-contiguous, its strides.
    call_key = staticmethod(_kred.tensor_call_key)

    def output_makers(self, shapes, dtypes, like):
        device = "cpu" if like is None else like.device
        specs = [(s, _TORCH_DTYPES[d]) for s, d in zip(shapes, dtypes)]
        if sum(math.prod(s) for s in shapes) > _TEMPLATE_ELEMENTS:
            return [functools.partial(torch.empty, s, dtype=d, device=device)
                    for s, d in specs]
        # Small outputs (where the call's cost is Python's): empty_like of
        # kept templates, cheaper than torch.empty's arguments.
        return [functools.partial(torch.empty_like, torch.empty(s, dtype=d, device=device))
                for s, d in specs]

    def device_of(self, a):
        return "cpu" if a.device.type == "cpu" else \
            f"{a.device.type}:{a.device.index or 0}"

    def stream(self, device):
        # Launched on torch's current stream of that GPU: ordered with torch's work.
        return torch.cuda.current_stream(device).cuda_stream if device != "cpu" else 0

    def describe(self, a):
        return (a.data_ptr(), self.dtype_name(a), tuple(a.shape), a.stride(),
                str(a.device))

    def _launcher(self, kernel, arrays, home, device):
        if home != "cpu" or device != "cpu":
            return super()._launcher(kernel, arrays, home, device)
        # The same dtypes, shapes, strides and device on every call: only the
        # addresses change.
        return _kred.AddressLaunch(kernel.bind([self.describe(a) for a in arrays])), True

    def array(self, values, dtype):
        return torch.tensor(values, dtype=_TORCH_DTYPES[dtype])

    def as_array(self, a):
        return a if isinstance(a, torch.Tensor) else torch.as_tensor(a)

    def is_complex(self, a):
        return isinstance(a, torch.Tensor) and a.is_complex()

    def view_as_real(self, a):
        return torch.view_as_real(a.contiguous()).reshape(
            tuple(a.shape[:-1]) + (2 * a.shape[-1],))

    def view_as_complex(self, a):
        return torch.view_as_complex(
            a.contiguous().reshape(tuple(a.shape[:-1]) + (a.shape[-1] // 2, 2)))

    def sum_rows(self, a):
        return a.sum(-2, keepdim=True)

    def zeros_like(self, a):
        return torch.zeros_like(a)

    def copy(self, a):
        return a.clone()

    def all_finite(self, a):
        if a.dtype in (torch.float32, torch.float64) and a.device.type == "cpu" and \
                a.is_contiguous():
            return _kred.all_finite(a.data_ptr(), a.numel(), a.element_size())
        return bool(torch.isfinite(a).all())

    def concat_columns(self, arrays):
        return torch.cat(arrays, -1)

    def to_numpy(self, a):
        return a.detach().numpy()

    def index_array(self, a, name, device="cpu"):
        a = torch.as_tensor(a)
        if a.is_floating_point() or a.is_complex():
            raise TypeError(f"ranges array {name} must hold integers, got dtype {a.dtype}")
        return a.to(device=device, dtype=torch.int64).contiguous()

    def from_numpy(self, a, like):
        return torch.from_numpy(a).to(like.dtype)


class Genred(GenredBase):
    __doc__ = GenredBase.__doc__
    backend = TorchBackend()

    # Whether a call planned before runs as planned (False where _call does
    # more than one process' reduction: kred.torch.distributed).
    _plans_are_calls = True

    def __call__(self, *args, backend="auto", device_id=-1, ranges=None, out=None):
        if ranges is None and out is None and self._plans_are_calls:
            # A planned call (no tensor autograd must see: see call_key).
            plan = self._plans.get(self.backend.call_key(args, backend, device_id))
            if plan is not None:
                self._last_kernel = plan.kernel
                return plan.run(args)
        call = {"backend": backend, "device_id": device_id, "ranges": ranges}
        for a in args:
            if isinstance(a, torch.Tensor) and a.requires_grad:
                break
        else:  # Outputs made and filled outside autograd's sight.
            return self._call(args, call, out)
        kind = REDUCTIONS[self.reduction_op]
        if not torch.is_grad_enabled() or not kind.with_values:
            # Indices carry no gradient: outputs that do not require grad.
            with torch.no_grad():
                return self._call(args, call, out)
        if out is not None:
            raise ValueError("out= cannot be used when the result needs gradients")
        partial = None
        if kind.gradient_partial:
            # Another reduction of the same formulas that the gradient reads.
            partial = self.variant(kind.gradient_partial)(*args, **call)
        return _Reduction.apply(self, call, partial, *args)

    def _call(self, args, options, out=None):
        """The reduction's outputs, without autograd."""
        return super().__call__(*args, **options, out=out)

    def _total(self, t):
        """The sum over the processes sharing this reduction of each one's
        `t` (a parameter's gradient): here one process holds everything."""
        return t

    def _positions(self, size, like):
        """0, 1, ... for this process' `size` terms of the reduced axis, as
        the global positions that index outputs give."""
        return torch.arange(size, dtype=like.dtype, device=like.device).reshape(size, 1)


class _Solve(torch.autograd.Function):
    """a = (alpha Id + K)^-1 b. Backward (K symmetric): b's gradient is
    the adjoint solve g = (alpha Id + K)^-1 G, and a variable v's is
    d/dv <-g, K(a)>, the formula's gradient reduction with a in b's place.
    Both are differentiable again (a _Solve and a kred reduction)."""

    @staticmethod
    def forward(ctx, solver, call, options, x0, *args):
        ctx.solver, ctx.call, ctx.options = solver, call, options
        solution = solver._solve(args, call, x0, options)
        ctx.save_for_backward(solution, *args)
        return solution

    @staticmethod
    def backward(ctx, grad):
        solution, *args = ctx.saved_tensors
        solver, position = ctx.solver, ctx.solver.position
        adjoint = solver._run(args[:position] + [grad] + args[position + 1:],
                              ctx.call, None, ctx.options)
        at_solution = args[:position] + [solution] + args[position + 1:]
        grads = [None] * (4 + len(args))
        if ctx.needs_input_grad[4 + position]:
            grads[4 + position] = adjoint
        needed = [n and k != position for k, n in enumerate(ctx.needs_input_grad[4:])]
        for group in _gradient_groups(solver.genred, needed):
            gradient = solver.genred.gradient(group)
            _scatter(solver.genred, group, gradient(*at_solution, -adjoint, **ctx.call),
                     args, grads, 4)
        return tuple(grads)


class KernelSolve(KernelSolveBase):
    __doc__ = (KernelSolveBase.__doc__ + "\n\n    As kred.numpy.KernelSolve; "
               "differentiable (to any order) with respect to every tensor\n    "
               "argument, through the adjoint solve, as in pykeops.")
    genred_class = Genred

    def __call__(self, *args, backend="auto", device_id=-1, alpha=1e-10, eps=1e-6,
                 ranges=None, maxiter=None, x0=None, precond=None, landmarks=None):
        options = self._check_options(alpha, eps, maxiter, precond, landmarks)
        call = {"backend": backend, "device_id": device_id, "ranges": ranges}
        return self._run(list(args), call, x0, options)

    def _run(self, args, call, x0, options):
        if torch.is_grad_enabled() and any(
                isinstance(a, torch.Tensor) and a.requires_grad for a in args):
            return _Solve.apply(self, call, options, x0, *args)
        with torch.no_grad():
            return self._solve(args, call, x0, options)


LazyTensor, ComplexLazyTensor = make_lazy_tensor_classes(TorchBackend(), Genred, KernelSolve)

Var, Vi, Vj, Pm = make_variables(LazyTensor)

generic_sum, generic_logsumexp, generic_argmin, generic_argkmin = make_generic(Genred)

__all__ = ["Genred", "KernelSolve", "LazyTensor", "ComplexLazyTensor", "Vi", "Vj", "Pm",
           "generic_sum", "generic_logsumexp", "generic_argmin", "generic_argkmin"]
