"""kred for torch tensors (CPU), with pykeops.torch's API: Genred,
LazyTensor, ComplexLazyTensor, Vi, Vj, Pm, generic_sum, generic_logsumexp,
generic_argmin, generic_argkmin. Sum reductions are differentiable to any
order (their backward is again a kred Sum reduction, of the formula's
symbolic gradient); a backward pass through another reduction kind raises
an error."""

import torch

from ..common.backend import Backend
from ..common.generic import make_generic
from ..common.genred import GenredBase
from ..common.complex_lazy_tensor import make_lazy_tensor_classes
from ..common.lazy_tensor import make_variables

_DTYPES = {torch.float16: "float16", torch.bfloat16: "bfloat16",
           torch.float32: "float32", torch.float64: "float64",
           torch.int64: "int64"}
_TORCH_DTYPES = {name: dtype for dtype, name in _DTYPES.items()}


class _NoGradient(torch.autograd.Function):
    """Connects outputs to the inputs that require grad, and refuses to
    differentiate."""

    @staticmethod
    def forward(ctx, output, *inputs):
        return output.view_as(output)

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("kred: gradients of this kernel reduction are not "
                           "supported yet (only Sum reductions are differentiable); "
                           "compute it under torch.no_grad() or detach its inputs")


class _SumReduction(torch.autograd.Function):
    """A Sum reduction whose backward runs, for each input that needs it, the
    Sum reduction of Grad(F, input, e) (e: the incoming gradient, indexed
    like the output): along the same axis for the output rows' variables and
    parameters (rows then summed), along the other axis for the reduced
    variables. Those reductions are _SumReductions again, so create_graph
    gives derivatives of any order."""

    @staticmethod
    def forward(ctx, genred, options, *args):
        ctx.genred, ctx.options = genred, options
        ctx.save_for_backward(*args)
        return genred._call(args, options)

    @staticmethod
    def backward(ctx, grad):
        args = ctx.saved_tensors
        grads = [None, None]
        for k, a in enumerate(args):
            if not ctx.needs_input_grad[k + 2]:
                grads.append(None)
                continue
            gradient = ctx.genred._gradient_genred(k)
            g = gradient(*args, grad.to(a.dtype), **ctx.options)
            if gradient.arguments[k].category == "param":
                g = g.sum(-2)
            grads.append(g.sum_to_size(a.shape))
        return tuple(grads)


class TorchBackend(Backend):
    array_name = "torch.Tensor"

    def is_array(self, a):
        return isinstance(a, torch.Tensor)

    def dtype_name(self, a):
        return _DTYPES.get(a.dtype, str(a.dtype).replace("torch.", ""))

    def reshape(self, a, shape):
        return a.reshape(shape)

    def contiguous(self, a):
        if a.device.type != "cpu":
            raise ValueError(f"kred.torch runs on CPU tensors; got a tensor on "
                             f"{a.device} (GPU support arrives with the GPU backend)")
        return a.detach().contiguous()

    def is_contiguous(self, a):
        return a.is_contiguous() and a.device.type == "cpu"

    def empty(self, shape, dtype, like):
        return torch.empty(shape, dtype=_TORCH_DTYPES[dtype])

    def describe(self, a):
        return (a.data_ptr(), self.dtype_name(a), tuple(a.shape), a.stride(),
                str(a.device))

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

    def guard_gradients(self, outputs, inputs):
        if not torch.is_grad_enabled():
            return outputs
        needs = [a for a in inputs if isinstance(a, torch.Tensor) and a.requires_grad]
        if not needs:
            return outputs
        return [o if not o.is_floating_point() else _NoGradient.apply(o, *needs)
                for o in outputs]


class Genred(GenredBase):
    __doc__ = GenredBase.__doc__
    backend = TorchBackend()

    def __call__(self, *args, backend="auto", device_id=-1, ranges=None, out=None):
        needs_grad = torch.is_grad_enabled() and any(
            isinstance(a, torch.Tensor) and a.requires_grad for a in args)
        if not needs_grad or self.reduction_op != "Sum" or self.formula2 is not None:
            return super().__call__(*args, backend=backend, device_id=device_id,
                                    ranges=ranges, out=out)
        if out is not None:
            raise ValueError("out= cannot be used when the result needs gradients")
        options = {"backend": backend, "device_id": device_id, "ranges": ranges}
        return _SumReduction.apply(self, options, *args)

    def _call(self, args, options):
        return super().__call__(*args, **options)

    def _gradient_genred(self, k):
        """The Genred of d/d(argument k) <e, this reduction>, cached."""
        cache = self.__dict__.setdefault("_gradients", {})
        if k not in cache:
            codes = {"i": 0, "j": 1, "param": 2}
            wrt = self.arguments[k]
            rows = "i" if self.axis == 1 else "j"
            e = f"Var({len(self.arguments)}, {self.output_dims[0]}, {codes[rows]})"
            formula = (f"Grad({self.formula}, Var({k}, {wrt.dim}, {codes[wrt.category]}), "
                       f"{e})")
            reduced = "j" if self.axis == 1 else "i"
            axis = 1 - self.axis if wrt.category == reduced else self.axis
            aliases = [f"{a.name} = Var({a.position}, {a.dim}, {codes[a.category]})"
                       for a in self.aliases]
            cache[k] = Genred(formula, aliases, reduction_op="Sum", axis=axis,
                              **self.options)
        return cache[k]


LazyTensor, ComplexLazyTensor = make_lazy_tensor_classes(TorchBackend(), Genred)

Var, Vi, Vj, Pm = make_variables(LazyTensor)

generic_sum, generic_logsumexp, generic_argmin, generic_argkmin = make_generic(Genred)

__all__ = ["Genred", "LazyTensor", "ComplexLazyTensor", "Vi", "Vj", "Pm",
           "generic_sum", "generic_logsumexp", "generic_argmin", "generic_argkmin"]
